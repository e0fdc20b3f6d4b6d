/* gate_session: one vendor connection's life: the state machine, admission and the connection
 * to the target, reactivation, the observer's tick, and the teardown in its order. The rooms
 * that do the work (gate_front and its channel guard, rdpdr observer and drawing; gate_back,
 * gate_gfx, gate_dvc) are owned by the session and talk back through its gate_link. */
#include "gate_session.h"
#include "gate_admit.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winpr/winsock.h>
#include <winpr/ssl.h>
#include <signal.h>

#include <winpr/sysinfo.h>
#include <winpr/wlog.h>
#include <winpr/wtsapi.h>
#include <freerdp/channels/channels.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/error.h>
#include <freerdp/settings.h>

#define TAG "rmgate.proxy.session"
#define RECEIPT_TAG "rmgate.proxy.receipt"

static UINT64 now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (UINT64)ts.tv_sec * 1000u + (UINT64)ts.tv_nsec / 1000000u;
}

BOOL gate_global_init(void)
{
	static BOOL done = FALSE;
	if (done)
		return TRUE;
	signal(SIGPIPE, SIG_IGN);
	if (!winpr_InitializeSSL(WINPR_SSL_INIT_DEFAULT))
		return FALSE;
	WSADATA wsa;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return FALSE;
	if (!WTSRegisterWtsApiFunctionTable(FreeRDP_InitWtsApi()))
		return FALSE;
	done = TRUE;
	return TRUE;
}

const char *gate_state_name(gate_state st)
{
	static const char *names[] = { "front-handshake", "admission", "back-connecting",
		                           "running", "reactivating", "closing" };
	return (unsigned)st < ARRAYSIZE(names) ? names[st] : "?";
}

gate_state gate_session_state(gate_session *s)
{
	EnterCriticalSection(&s->lock);
	gate_state st = s->state;
	LeaveCriticalSection(&s->lock);
	return st;
}

BOOL gate_session_set_state(gate_session *s, gate_state to)
{
	BOOL ok;
	EnterCriticalSection(&s->lock);
	ok = s->state != GATE_ST_CLOSING;
	if (ok)
		s->state = to;
	LeaveCriticalSection(&s->lock);
	if (ok)
		WLog_DBG(TAG, "%s state %s", s->sid, gate_state_name(to));
	return ok;
}

void gate_session_close(gate_session *s, const char *reason)
{
	EnterCriticalSection(&s->lock);
	if (s->state != GATE_ST_CLOSING) {
		s->state = GATE_ST_CLOSING;
		snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
	}
	LeaveCriticalSection(&s->lock);
	SetEvent(s->abort_event);
}

static void report_event(gate_session *s, gate_event_type type, const char *detail)
{
	WLog_INFO(RECEIPT_TAG, "%s %s %s", s->sid, gate_event_name(type), detail);
	if (s->obs.on_event)
		s->obs.on_event(s->obs.ctx, type, detail);
}

void gate_session_event(gate_session *s, gate_event_type type, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	report_event(s, type, detail);
}

void gate_session_decode_error(gate_session *s, const char *what)
{
	const BOOL screen = strcmp(what, "pointer") != 0;
	EnterCriticalSection(&s->lock);
	UINT64 n = ++s->decode_errors;
	UINT64 sn = screen ? ++s->screen_decode_errors : s->screen_decode_errors;
	LeaveCriticalSection(&s->lock);
	if (n <= 8 || (n & (n - 1)) == 0)
		gate_session_event(s, GATE_EV_DECODE_ERROR, "what=%s count=%llu", what, (unsigned long long)n);
	if (screen && sn == s->cfg->gfx_decode_failures_max) {
		WLog_ERR(TAG, "%s %llu updates from the target could not be decoded (last: %s): ending the "
		              "session, the recording would lack what the client sees",
		         s->sid, (unsigned long long)sn, what);
		char reason[160];
		snprintf(reason, sizeof(reason),
		         "recording_incomplete: %llu updates from the target could not be decoded",
		         (unsigned long long)sn);
		gate_session_close(s, reason);
		gate_gfx_close_bridge(&s->gfx); /* nothing more reaches the client meanwhile */
	}
}

static BOOL running(gate_session *s)
{
	return gate_session_state(s) == GATE_ST_RUNNING;
}

/* ---- the rooms' link back to the session -------------------------------------------------- */

static BOOL link_running(void *ctx)
{
	return running(ctx);
}

static void link_close(void *ctx, const char *reason)
{
	gate_session_close(ctx, reason);
}

static void link_event(void *ctx, gate_event_type type, const char *detail)
{
	report_event(ctx, type, detail);
}

static void link_decode_error(void *ctx, const char *what)
{
	gate_session_decode_error(ctx, what);
}

/* ---- admission and the connection to the target (peer thread, licensing step) ------------- */

/* Admission and the connection to the target, run inside the licensing step: by then the
 * client's identity, channels and credentials are known (Client Info), and the Demand Active
 * has not been sent yet, so it can carry the target's geometry and drawing flags: the client
 * never needs a reactivation at the start. Blocks the peer thread for at most the connect
 * timeout (the client is waiting for its licence answer meanwhile). */
static BOOL admit_and_connect(gate_session *s)
{
	freerdp_peer *peer = s->front.peer;
	rdpSettings *ps = peer->settings;
	size_t n = 0;
	char **names = WTSGetAcceptedChannelNames(peer, &n);
	char policy[96];

	if (!gate_session_set_state(s, GATE_ST_ADMISSION)) {
		free(names);
		return FALSE;
	}
	/* The handshake is done: take a session slot (the handshake pool's is given back). */
	if (!s->host.promote(s->host.ctx, s, s->client_address)) {
		free(names);
		gate_front_wipe_credentials(&s->front);
		char why[96];
		snprintf(why, sizeof(why), "max_sessions (%d) reached", s->cfg->max_sessions);
		gate_front_refuse(&s->front, ERRINFO_SERVER_DENIED_CONNECTION, why);
		return FALSE;
	}
	char esc[GATE_ESCAPED_MAX];
	gate_session_event(s, GATE_EV_SESSION_START,
	                   "client=%s name=\"%s\" build=%u os=\"%s\" size=%ux%u bpp=%u layout=0x%08x nla=%s gfx=%s",
	                   s->client_address, gate_link_escape(esc, sizeof(esc), ps->ClientHostname),
	                   ps->ClientBuild,
	                   freerdp_peer_os_major_type_string(peer), ps->DesktopWidth, ps->DesktopHeight,
	                   ps->ColorDepth, ps->KeyboardLayout, ps->NlaSecurity ? "yes" : "no",
	                   ps->SupportGraphicsPipeline ? "yes" : "no");
	BOOL ok = gate_admit(&s->front, s->host.admission, names, n, &s->policy, &s->obs, &s->target);
	gate_front_wipe_credentials(&s->front);
	if (ok) {
		gate_admit_report_offer(&s->front, &s->policy, names, n);
		gate_policy_describe(&s->policy, policy, sizeof(policy));
		WLog_INFO(TAG, "%s admitted: user=\"%s\" target=%s:%u policy=%s", s->sid,
		          gate_link_escape(esc, sizeof(esc), s->target.user),
		          s->target.host, s->target.port, policy);
	}
	free(names);
	if (!ok)
		return FALSE;

	BOOL created = gate_session_set_state(s, GATE_ST_BACK_CONNECTING) && gate_back_create(&s->back);
	if (s->back.context) /* the framebuffer the front is drawn from */
		gate_front_draw_set_framebuffer(&s->front.draw, s->back.context);
	if (!created || !gate_back_start(&s->back)) {
		gate_front_refuse(&s->front, ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES,
		                  "cannot start the connection to the target");
		return FALSE;
	}
	HANDLE h[2] = { s->back.done_event, s->abort_event };
	DWORD rc = WaitForMultipleObjects(2, h, FALSE, s->cfg->connect_timeout_ms + 2000u);
	if (rc != WAIT_OBJECT_0 || !s->back.connected) {
		char why[160];
		UINT32 err = s->back.context ? freerdp_get_last_error(s->back.context) : 0;
		snprintf(why, sizeof(why), "target %s:%u %s (%s)", s->target.host, s->target.port,
		         rc == WAIT_TIMEOUT ? "did not answer in time" : "connection failed",
		         err ? freerdp_get_last_error_name(err) : "no detail");
		/* ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES is the closest generic code mstsc and FreeRDP
		 * show as "the server refused"; the reason itself goes to the log and ledger. */
		gate_front_refuse(&s->front, ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES, why);
		return FALSE;
	}
	/* The Demand Active that follows describes the target, not the client's wish. */
	rdpSettings *bs = s->back.context->settings;
	ps->DesktopWidth = bs->DesktopWidth;
	ps->DesktopHeight = bs->DesktopHeight;
	ps->ColorDepth = 32;
	/* FreeRDP reads 32 bpp planar bitmaps as BGR when dynamic colour fidelity was negotiated
	 * (an xrdp quirk): offer the target's drawing flags, so that the client reads forwarded
	 * bitmaps the way the gate's decoder does. The client may still lower them in its Confirm
	 * Active; gate_back_updates then sends such bitmaps from the framebuffer. */
	ps->DrawAllowDynamicColorFidelity = bs->DrawAllowDynamicColorFidelity;
	ps->DrawAllowSkipAlpha = bs->DrawAllowSkipAlpha;
	ps->DrawAllowColorSubsampling = bs->DrawAllowColorSubsampling;
	if (s->obs.on_resize)
		s->obs.on_resize(s->obs.ctx, bs->DesktopWidth, bs->DesktopHeight);
	gate_session_event(s, GATE_EV_TARGET_CONNECTED, "host=%s port=%u width=%u height=%u",
	                   s->target.host, s->target.port, bs->DesktopWidth, bs->DesktopHeight);
	return TRUE;
}

/* ---- what the front asks (gate_front_hooks, peer thread) ---------------------------------- */

static BOOL front_licensing(void *ctx)
{
	gate_session *s = ctx;
	WLog_DBG(TAG, "%s licensing after %llu ms", s->sid, (unsigned long long)(now_ms() - s->start_ms));
	if (gate_session_state(s) == GATE_ST_FRONT_HANDSHAKE && !admit_and_connect(s))
		return FALSE;
	WLog_DBG(TAG, "%s target connected after %llu ms", s->sid, (unsigned long long)(now_ms() - s->start_ms));
	return TRUE;
}

static BOOL front_post_connect(void *ctx)
{
	gate_session *s = ctx;
	if (!s->back.connected)
		return FALSE;
	return gate_session_set_state(s, GATE_ST_RUNNING);
}

static void front_activated(void *ctx)
{
	gate_session *s = ctx;
	freerdp_peer *peer = s->front.peer;
	EnterCriticalSection(&s->lock);
	if (s->state == GATE_ST_REACTIVATING)
		s->state = GATE_ST_RUNNING;
	s->pending_width = 0;
	LeaveCriticalSection(&s->lock);
	WLog_DBG(TAG, "%s client activated at %llu: dcf=%d/%d remotefx=%d (id %u) max_request=%u gfx=%d", s->sid, (unsigned long long)now_ms(), peer->settings->DrawAllowDynamicColorFidelity, s->back.context->settings->DrawAllowDynamicColorFidelity,
	         peer->settings->RemoteFxCodec, peer->settings->RemoteFxCodecId,
	         peer->settings->MultifragMaxRequestSize, peer->settings->SupportGraphicsPipeline);
}

/* The target's input when the event may go there; counts what observe-only drops. */
static rdpInput *front_input_target(void *ctx)
{
	gate_session *s = ctx;
	if (!running(s))
		return NULL;
	if (s->policy.observe_only) {
		EnterCriticalSection(&s->lock);
		s->dropped_input++;
		LeaveCriticalSection(&s->lock);
		return NULL;
	}
	return s->back.context ? s->back.context->input : NULL;
}

static void front_drdynvc_sent(void *ctx, size_t bytes)
{
	gate_gfx_front_sent(&((gate_session *)ctx)->gfx, bytes);
}

/* ---- what the back tells (gate_back_hooks, back threads) ------------------------------------ */

static void back_error_info(void *ctx, UINT32 code)
{
	gate_session *s = ctx;
	EnterCriticalSection(&s->lock);
	s->back_error_info = code;
	LeaveCriticalSection(&s->lock);
}

static void back_counted(void *ctx, gate_back_counter which, UINT64 n)
{
	gate_session *s = ctx;
	EnterCriticalSection(&s->lock);
	if (which == GATE_BACK_FRAMES)
		s->frames += n;
	else
		s->bitmap_rects += n;
	LeaveCriticalSection(&s->lock);
}

/* The target changed its size: the peer thread reactivates the front (reactivate_front). */
static void back_resized(void *ctx, UINT32 width, UINT32 height)
{
	gate_session *s = ctx;
	EnterCriticalSection(&s->lock);
	s->pending_width = width;
	s->pending_height = height;
	LeaveCriticalSection(&s->lock);
	SetEvent(s->reactivate_event);
}

/* ---- peer thread ---------------------------------------------------------------------------- */

/* The target changed its desktop size; reactivate the front with it. */
static void reactivate_front(gate_session *s)
{
	EnterCriticalSection(&s->lock);
	UINT32 w = s->pending_width, hgt = s->pending_height;
	BOOL go = w && hgt && s->state == GATE_ST_RUNNING;
	if (go)
		s->state = GATE_ST_REACTIVATING;
	LeaveCriticalSection(&s->lock);
	if (!go)
		return;
	freerdp_peer *peer = s->front.peer;
	rdpSettings *ps = peer->settings;
	if (ps->DesktopWidth == w && ps->DesktopHeight == hgt) {
		gate_session_set_state(s, GATE_ST_RUNNING);
		return;
	}
	if (!ps->DesktopResize) {
		gate_session_close(s, "target changed its size and the client cannot resize");
		return;
	}
	WLog_INFO(TAG, "%s reactivating the front at %ux%u", s->sid, w, hgt);
	s->reactivate_deadline_ms = now_ms() + s->cfg->handshake_timeout_ms;
	gate_front_draw_lock(&s->front.draw);
	ps->DesktopWidth = w;
	ps->DesktopHeight = hgt;
	BOOL ok = peer->update->DesktopResize(peer->context);
	gate_front_draw_unlock(&s->front.draw);
	if (!ok)
		gate_session_close(s, "front reactivation failed");
}

/* About once a second: the observer may end the session (time rules, revocation), also while
 * a reactivation is pending (a client that never answers must not outstay its permit); the
 * client is told with a logoff error it shows to the vendor. */
/* Every heartbeat_s seconds of a running session, a Heartbeat PDU to a client that announced
 * it supports them (mstsc does): period heartbeat_s, a warning after 2 missed, a reconnect
 * after 4. Peer thread. */
static void send_heartbeat(gate_session *s, UINT64 *next_ms)
{
	UINT32 period = s->cfg->heartbeat_s;
	UINT64 now = GetTickCount64();
	if (!period || now < *next_ms || gate_session_state(s) != GATE_ST_RUNNING ||
	    !s->front.peer->settings->SupportHeartbeatPdu)
		return;
	if (*next_ms && !gate_front_send_heartbeat(&s->front.draw, (BYTE)period, 2, 4))
		WLog_WARN(TAG, "%s heartbeat not sent", s->sid);
	*next_ms = now + (UINT64)period * 1000u;
}

static void tick_observer(gate_session *s, UINT64 *next_tick_ms)
{
	UINT64 now = GetTickCount64();
	gate_state st = gate_session_state(s);
	if (now < *next_tick_ms || !s->obs.on_tick ||
	    (st != GATE_ST_RUNNING && st != GATE_ST_REACTIVATING))
		return;
	*next_tick_ms = now + 1000;
	UINT32 error_info = 0;
	const char *why = s->obs.on_tick(s->obs.ctx, &error_info);
	if (!why)
		return;
	WLog_INFO(TAG, "%s ending: %s (error info 0x%08x to the client)", s->sid, why,
	          error_info ? error_info : ERRINFO_LOGOFF_BY_USER);
	gate_front_send_error_info(&s->front.draw, error_info ? error_info : ERRINFO_LOGOFF_BY_USER);
	gate_session_close(s, why);
}

static void peer_loop(gate_session *s)
{
	freerdp_peer *peer = s->front.peer;
	UINT64 next_tick_ms = 0, next_heartbeat_ms = 0;
	for (;;) {
		HANDLE h[40];
		DWORD n = gate_front_event_handles(&s->front, h, 37);
		if (n == 0) {
			gate_session_close(s, "front transport has no event handle");
			break;
		}
		h[n++] = s->abort_event;
		h[n++] = s->reactivate_event;
		/* Activation completes inside CheckFileDescriptor; poll briefly until the first paint
		 * and the channel servers are done, then wait for events. */
		BOOL pending = s->front.need_refresh || (peer->activated && !gate_gfx_front_opened(&s->gfx));
		DWORD rc = WaitForMultipleObjects(n, h, FALSE, pending ? 20 : 1000);
		if (rc == WAIT_FAILED) {
			gate_session_close(s, "wait failed");
			break;
		}
		if (WaitForSingleObject(s->abort_event, 0) == WAIT_OBJECT_0)
			break;
		if (!gate_front_read(&s->front)) {
			if (gate_session_state(s) == GATE_ST_FRONT_HANDSHAKE)
				gate_front_handshake_failed(&s->front);
			gate_session_close(s, "client disconnected");
			break;
		}
		if (!gate_front_check_channels(&s->front)) {
			gate_session_close(s, gate_front_socket_gone(&s->front) ? "client disconnected"
			                                                        : "front channel manager failed");
			break;
		}
		if (WaitForSingleObject(s->reactivate_event, 0) == WAIT_OBJECT_0) {
			ResetEvent(s->reactivate_event);
			reactivate_front(s);
		}
		/* A client that never answers the reactivation must not hold the target. */
		if (gate_session_state(s) == GATE_ST_REACTIVATING && now_ms() > s->reactivate_deadline_ms) {
			gate_session_close(s, "client did not complete the reactivation in time");
			break;
		}
		gate_gfx_front_poll(&s->gfx, s->back.context);
		tick_observer(s, &next_tick_ms);
		send_heartbeat(s, &next_heartbeat_ms);
		if (WaitForSingleObject(s->abort_event, 0) == WAIT_OBJECT_0)
			break;
		gate_front_repaint_if_needed(&s->front);
	}
}

static void free_session(gate_session *s)
{
	gate_front_release(&s->front);
	free(s->target.host);
	free(s->target.user);
	free(s->target.domain);
	gate_link_free_secret(&s->target.password);
	if (s->abort_event)
		CloseHandle(s->abort_event);
	if (s->reactivate_event)
		CloseHandle(s->reactivate_event);
	DeleteCriticalSection(&s->lock);
	gate_back_release(&s->back);
	gate_gfx_release(&s->gfx);
	free(s);
}

static void forward_back_error_info(gate_session *s)
{
	EnterCriticalSection(&s->lock);
	UINT32 code = s->back_error_info;
	s->back_error_info = 0;
	LeaveCriticalSection(&s->lock);
	if (!code || !s->front.peer->activated)
		return;
	BOOL ok = gate_front_send_error_info(&s->front.draw, code);
	WLog_INFO(TAG, "%s target's error info 0x%08x %s to the client", s->sid, code,
	          ok ? "forwarded" : "could not be forwarded");
}

static void teardown(gate_session *s)
{
	gate_session_close(s, "closed");
	/* The target ended the session with a reason (logoff, idle, ...): tell the client, while
	 * its connection is still up. */
	forward_back_error_info(s);
	/* Unblock any library write to a client that stopped reading. */
	gate_front_shutdown_socket(&s->front);
	gate_gfx_close_bridge(&s->gfx);
	BOOL back_stopped = gate_back_stop(&s->back);
	if (back_stopped)
		gate_gfx_front_free(&s->gfx);
	gate_rdpdr_observer_stop(&s->front.rdpdr);
	EnterCriticalSection(&s->lock);
	char reason[160];
	snprintf(reason, sizeof(reason), "%s", s->close_reason);
	UINT64 dropped_input = s->dropped_input;
	LeaveCriticalSection(&s->lock);
	UINT64 dpdus = s->front.channels.dropped_pdus;
	if (dropped_input)
		gate_session_event(s, GATE_EV_INPUT_DROPPED, "count=%llu", (unsigned long long)dropped_input);
	WLog_INFO(TAG,
	          "%s end: reason=\"%s\" duration_ms=%llu frames=%llu gfx_frames=%llu bitmap_rects=%llu "
	          "decode_errors=%llu dropped_channel_pdus=%llu dropped_input=%llu",
	          s->sid, reason, (unsigned long long)(now_ms() - s->start_ms),
	          (unsigned long long)s->frames, (unsigned long long)gate_gfx_frames(&s->gfx),
	          (unsigned long long)s->bitmap_rects, (unsigned long long)s->decode_errors,
	          (unsigned long long)dpdus, (unsigned long long)dropped_input);
	if (s->obs.on_close)
		s->obs.on_close(s->obs.ctx, reason);
	/* With the back thread still alive, its callbacks may still reach the observer: keep it
	 * (leaked like the rest of the session; on_close made later callbacks no-ops). */
	if (back_stopped) {
		if (s->obs.release)
			s->obs.release(s->obs.ctx);
		memset(&s->obs, 0, sizeof(s->obs));
	}
	gate_front_close(&s->front);
	if (!back_stopped) {
		/* A library thread would still use the back and the peer: leaking is the safe choice. */
		WLog_ERR(TAG, "%s back thread did not stop; its memory is left allocated", s->sid);
		s->host.remove(s->host.ctx, s);
		return;
	}
	gate_front_draw_set_framebuffer(&s->front.draw, NULL);
	gate_back_free(&s->back);
	gate_front_free_peer(&s->front);
	/* Last: the server waits for an empty table at shutdown. */
	s->host.remove(s->host.ctx, s);
	free_session(s);
}

static DWORD WINAPI peer_thread(LPVOID arg)
{
	gate_session *s = arg;
	const gate_session_host host = s->host; /* teardown frees s */
	WLog_INFO(TAG, "%s accepted from %s", s->sid, s->client_address);
	if (!gate_front_start(&s->front))
		gate_session_close(s, "front initialisation failed");
	else
		peer_loop(s);
	teardown(s);
	if (host.finished)
		host.finished(host.ctx);
	return 0;
}

void gate_session_watchdog(gate_session *s, UINT64 now, UINT64 limit_ms, BOOL stopping)
{
	gate_state st = gate_session_state(s);
	BOOL late = st < GATE_ST_RUNNING && now > s->start_ms + limit_ms;
	if (stopping)
		gate_session_close(s, "gate shutting down");
	else if (late)
		gate_session_close(s, "handshake deadline passed");
	if (late || stopping)
		gate_front_shutdown_socket(&s->front);
}

BOOL gate_session_spawn(const gate_session_host *host, freerdp_peer *peer, UINT64 id)
{
	gate_session *s = calloc(1, sizeof(*s));
	if (!s)
		return FALSE;
	s->id = id;
	snprintf(s->sid, sizeof(s->sid), "s%llu", (unsigned long long)id);
	s->host = *host;
	s->cfg = host->cfg;
	s->start_ms = now_ms();
	snprintf(s->client_address, sizeof(s->client_address), "%s", peer->hostname);
	s->link = (gate_link){ .ctx = s, .sid = s->sid, .running = link_running, .close = link_close,
		                   .event = link_event, .decode_error = link_decode_error };
	s->abort_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	s->reactivate_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	InitializeCriticalSectionAndSpinCount(&s->lock, 4000);
	const gate_front_hooks hooks = { .ctx = s, .licensing = front_licensing,
		                             .post_connect = front_post_connect, .activated = front_activated,
		                             .input_target = front_input_target,
		                             .drdynvc_sent = front_drdynvc_sent };
	BOOL front_ok = gate_front_init(&s->front, peer, s->cfg, &s->link, s->host.admission, s->host.sam,
	                                s->client_address, &s->obs, &hooks);
	BOOL gfx_ok = gate_gfx_init(&s->gfx, &s->link, &s->front, &s->policy, &s->obs, s->abort_event);
	const gate_back_hooks back_hooks = { .ctx = s, .error_info = back_error_info,
		                                 .counted = back_counted, .resized = back_resized };
	BOOL back_ok = gate_back_init(&s->back, s->cfg, &s->link, &s->front, &s->gfx, &s->policy,
	                              &s->target, &s->obs, s->abort_event, &back_hooks);
	if (!s->abort_event || !s->reactivate_event || !front_ok || !gfx_ok || !back_ok)
		goto fail;
	if (!s->host.add(s->host.ctx, s, peer->sockfd))
		goto fail;
	HANDLE t = CreateThread(NULL, 0, peer_thread, s, 0, NULL);
	if (!t) {
		s->host.remove(s->host.ctx, s);
		goto fail;
	}
	CloseHandle(t); /* the session thread owns itself; the server waits on the table */
	return TRUE;
fail:
	/* The listener closes the socket and frees the peer. */
	if (peer->context)
		freerdp_peer_context_free(peer);
	peer->ContextExtra = NULL;
	free_session(s);
	return FALSE;
}
