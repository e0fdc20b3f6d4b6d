/* gate_session: the session life cycle and the front (FreeRDP peer) side: handshake settings,
 * admission, input forwarding, channel-data guard, rdpdr observer, reactivation, teardown. */
#include "gate_session.h"
#include "gate_server.h"
#include "gate_tls.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <winpr/sysinfo.h>
#include <winpr/wlog.h>
#include <winpr/wtsapi.h>
#include <winpr/string.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/error.h>
#include <freerdp/settings.h>
#include <freerdp/constants.h>
#include <freerdp/codec/planar.h>
#include <winpr/ntlm.h>

#define TAG "rmgate.proxy.session"
#define RECEIPT_TAG "rmgate.proxy.receipt"

/* WTSOpenServerA keeps a global session counter and table without a lock (FreeRDP 2.11). */
static CRITICAL_SECTION g_wts_lock;
static INIT_ONCE g_wts_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK init_wts_lock(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
	(void)once;
	(void)param;
	(void)ctx;
	return InitializeCriticalSectionAndSpinCount(&g_wts_lock, 4000);
}

static UINT64 now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (UINT64)ts.tv_sec * 1000u + (UINT64)ts.tv_nsec / 1000000u;
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

void gate_session_event(gate_session *s, gate_event_type type, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	WLog_INFO(RECEIPT_TAG, "%s %s %s", s->sid, gate_event_name(type), detail);
	if (s->obs.on_event)
		s->obs.on_event(s->obs.ctx, type, detail);
}

const char *gate_session_escape(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	if (!outlen)
		return out;
	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p; p++) {
		BOOL esc = *p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\';
		size_t need = esc ? 4 : 1;
		if (o + need >= outlen)
			break;
		if (esc)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return out;
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
		gate_gfx_close_bridge(s); /* nothing more reaches the client meanwhile */
	}
}

static BOOL running(gate_session *s)
{
	return gate_session_state(s) == GATE_ST_RUNNING;
}

static gate_session *front_session(rdpContext *ctx)
{
	return ((gate_front_context *)ctx)->s;
}

/* ---- front context -------------------------------------------------------------------------- */

static BOOL front_context_new(freerdp_peer *peer, rdpContext *ctx)
{
	gate_front_context *fc = (gate_front_context *)ctx;
	fc->s = peer->ContextExtra;
	InitOnceExecuteOnce(&g_wts_once, init_wts_lock, NULL, NULL);
	EnterCriticalSection(&g_wts_lock);
	fc->vcm = WTSOpenServerA((LPSTR)peer->context);
	LeaveCriticalSection(&g_wts_lock);
	return fc->vcm && fc->vcm != INVALID_HANDLE_VALUE;
}

static void front_context_free(freerdp_peer *peer, rdpContext *ctx)
{
	gate_front_context *fc = (gate_front_context *)ctx;
	(void)peer;
	if (fc->vcm && fc->vcm != INVALID_HANDLE_VALUE) {
		EnterCriticalSection(&g_wts_lock);
		WTSCloseServer(fc->vcm);
		LeaveCriticalSection(&g_wts_lock);
	}
	fc->vcm = NULL;
}

/* ---- channel data guard --------------------------------------------------------------------- */


static BOOL channel_is_open(gate_session *s, UINT16 id)
{
	freerdp_peer *peer = s->peer;
	if (id == WTSChannelGetId(peer, "drdynvc"))
		return TRUE;
	if (s->front_rdpdr && id == WTSChannelGetId(peer, "rdpdr"))
		return TRUE;
	return FALSE;
}

/* Bytes accepted so far for the message being reassembled on an open channel: a client that
 * never sends CHANNEL_FLAG_LAST, sends more than the declared total, or sends fragments without
 * a FIRST must not make the library's buffer grow without bound. */
static BOOL within_message_cap(gate_session *s, UINT16 id, const BYTE *data, size_t size,
                               UINT32 flags, size_t total)
{
	size_t slot = (id == WTSChannelGetId(s->peer, "drdynvc")) ? 0 : 1;
	size_t cap = s->cfg->max_channel_message;
	if (flags & CHANNEL_FLAG_FIRST) {
		s->rx_message_bytes[slot] = 0;
		s->rx_in_message[slot] = slot != 0 || gate_session_dvc_first_ok(data, size, cap);
	}
	if (!s->rx_in_message[slot])
		return FALSE; /* the rest of a dropped message, or data without a FIRST */
	s->rx_message_bytes[slot] += size;
	BOOL ok = s->rx_message_bytes[slot] <= total && s->rx_message_bytes[slot] <= cap;
	if (!ok || (flags & CHANNEL_FLAG_LAST))
		s->rx_in_message[slot] = FALSE;
	return ok;
}

/* drdynvc header (MS-RDPEDYC 2.2): cmd in the high nibble, Sp and cbChId in the low bits;
 * field sizes 1, 2 or 4 bytes. */
static BOOL dvc_read_var(const BYTE **p, const BYTE *end, unsigned code, UINT32 *out)
{
	static const size_t len[4] = { 1, 2, 4, 4 };
	size_t n = len[code & 3];
	if ((size_t)(end - *p) < n)
		return FALSE;
	*out = 0;
	for (size_t i = 0; i < n; i++)
		*out |= (UINT32)(*p)[i] << (8 * i);
	*p += n;
	return TRUE;
}

BOOL gate_session_dvc_first_ok(const BYTE *data, size_t size, size_t cap)
{
	const BYTE *p = data, *end = data + size;
	UINT32 channel = 0, length = 0;
	if (size < 1 || (data[0] >> 4) != 0x02 /* DATA_FIRST_PDU */)
		return TRUE;
	p++;
	if (!dvc_read_var(&p, end, data[0], &channel) || !dvc_read_var(&p, end, data[0] >> 2, &length))
		return TRUE; /* too short: the library refuses it without allocating */
	return length <= cap;
}

static BOOL front_receive_channel_data(freerdp_peer *peer, UINT16 id, const BYTE *data, size_t size,
                                       UINT32 flags, size_t total)
{
	gate_session *s = front_session(peer->context);
	BOOL drop = !channel_is_open(s, id) || total > s->cfg->max_channel_message ||
	            !within_message_cap(s, id, data, size, flags, total);
	if (!drop && s->wts_receive && s->wts_receive(peer, id, data, size, flags, total))
		return TRUE;
	/* Never disconnect for this: drop, count, and report (rate-limited). */
	EnterCriticalSection(&s->lock);
	s->dropped_channel_pdus++;
	s->dropped_channel_bytes += size;
	UINT64 n = s->dropped_channel_pdus;
	LeaveCriticalSection(&s->lock);
	if (n <= 16 || (n & (n - 1)) == 0)
		gate_session_event(s, GATE_EV_CHANNEL_DATA_DROPPED, "id=%u bytes=%zu total=%zu count=%llu",
		                   id, size, total, (unsigned long long)n);
	return TRUE;
}

/* Counts what leaves on the front's channels (output back-pressure, gate_gfx.c). The channel
 * manager calls this from the peer thread when it drains its queue. */
static BOOL front_send_channel_data(freerdp_peer *peer, UINT16 id, const BYTE *data, size_t size)
{
	gate_session *s = front_session(peer->context);
	BOOL ok = s->wts_send(peer, id, data, size);
	if (ok)
		gate_gfx_front_sent(s, id, size);
	return ok;
}

/* ---- input (registered at init, gated by state) ---------------------------------------------- */

static rdpInput *back_input(gate_session *s)
{
	return s->back ? s->back->input : NULL;
}

/* Returns TRUE when the event may go to the target; counts it otherwise. */
static BOOL input_allowed(gate_session *s)
{
	if (!running(s))
		return FALSE;
	if (s->policy.observe_only) {
		EnterCriticalSection(&s->lock);
		s->dropped_input++;
		LeaveCriticalSection(&s->lock);
		return FALSE;
	}
	return TRUE;
}

static BOOL on_synchronize(rdpInput *input, UINT32 flags)
{
	gate_session *s = front_session(input->context);
	EnterCriticalSection(&s->lock);
	s->sync_flags = (UINT16)flags;
	LeaveCriticalSection(&s->lock);
	if (input_allowed(s))
		freerdp_input_send_synchronize_event(back_input(s), flags);
	return TRUE;
}

static BOOL on_keyboard(rdpInput *input, UINT16 flags, UINT16 code)
{
	gate_session *s = front_session(input->context);
	if (s->obs.on_key)
		s->obs.on_key(s->obs.ctx, flags, code);
	if (input_allowed(s))
		freerdp_input_send_keyboard_event(back_input(s), flags, code);
	return TRUE;
}

static BOOL on_unicode(rdpInput *input, UINT16 flags, UINT16 code)
{
	gate_session *s = front_session(input->context);
	if (s->obs.on_unicode)
		s->obs.on_unicode(s->obs.ctx, flags, code);
	if (input_allowed(s))
		freerdp_input_send_unicode_keyboard_event(back_input(s), flags, code);
	return TRUE;
}

static BOOL on_mouse(rdpInput *input, UINT16 flags, UINT16 x, UINT16 y)
{
	gate_session *s = front_session(input->context);
	if (s->obs.on_mouse)
		s->obs.on_mouse(s->obs.ctx, flags, x, y);
	if (input_allowed(s))
		freerdp_input_send_mouse_event(back_input(s), flags, x, y);
	return TRUE;
}

static BOOL on_extended_mouse(rdpInput *input, UINT16 flags, UINT16 x, UINT16 y)
{
	gate_session *s = front_session(input->context);
	if (s->obs.on_mouse)
		s->obs.on_mouse(s->obs.ctx, (UINT16)(flags | 0x0004 /* marks an extended event */), x, y);
	if (input_allowed(s))
		freerdp_input_send_extended_mouse_event(back_input(s), flags, x, y);
	return TRUE;
}

static BOOL on_focus_in(rdpInput *input, UINT16 toggle)
{
	gate_session *s = front_session(input->context);
	if (input_allowed(s))
		freerdp_input_send_focus_in_event(back_input(s), toggle);
	return TRUE;
}

static BOOL on_keyboard_pause(rdpInput *input)
{
	gate_session *s = front_session(input->context);
	if (input_allowed(s))
		freerdp_input_send_keyboard_pause_event(back_input(s));
	return TRUE;
}

/* ---- front-to-back display requests -------------------------------------------------------- */

static BOOL on_refresh_rect(rdpContext *ctx, BYTE count, const RECTANGLE_16 *areas)
{
	gate_session *s = front_session(ctx);
	WLog_DBG(TAG, "%s refresh request for %u area(s)", s->sid, count);
	/* Answer from the gate's own framebuffer: it is current, and the target is not disturbed. */
	for (BYTE i = 0; running(s) && i < count; i++) {
		if (areas[i].right > areas[i].left && areas[i].bottom > areas[i].top)
			gate_front_send_fb_region(s, areas[i].left, areas[i].top,
			                          (UINT32)(areas[i].right - areas[i].left),
			                          (UINT32)(areas[i].bottom - areas[i].top));
	}
	return TRUE;
}

static BOOL on_suppress_output(rdpContext *ctx, BYTE allow, const RECTANGLE_16 *area)
{
	gate_session *s = front_session(ctx);
	WLog_DBG(TAG, "%s suppress output: allow=%u", s->sid, allow);
	/* The gate keeps decoding for the recorder, so the target is never told to stop; when the
	 * client allows output again it gets the current screen from the framebuffer. */
	if (allow && area && running(s))
		on_refresh_rect(ctx, 1, area);
	return TRUE;
}

/* ---- rdpdr observer (announces are logged, nothing is ever forwarded) ---------------------- */

static void rdpdr_device(RdpdrServerContext *ctx, const char *kind, UINT32 id, const char *name)
{
	gate_session *s = ctx->data;
	char esc[GATE_ESCAPED_MAX];
	gate_session_event(s, GATE_EV_DEVICE_ANNOUNCED, "type=%s id=%u name=\"%s\" forwarded=no", kind,
	                   id, gate_session_escape(esc, sizeof(esc), name));
}

static void rdpdr_drive(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "drive", id, n); }
static void rdpdr_printer(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "printer", id, n); }
static void rdpdr_port(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "port", id, n); }
static void rdpdr_smartcard(RdpdrServerContext *c, UINT32 id, const char *n) { rdpdr_device(c, "smartcard", id, n); }

static void stop_rdpdr_observer(gate_session *s);

static void start_rdpdr_observer(gate_session *s)
{
	gate_front_context *fc = (gate_front_context *)s->peer->context;
	if (!WTSChannelGetId(s->peer, "rdpdr"))
		return;
	RdpdrServerContext *ctx = rdpdr_server_context_new(fc->vcm);
	if (!ctx)
		return;
	ctx->data = s;
	ctx->supportsDrives = ctx->supportsPorts = ctx->supportsPrinters = ctx->supportsSmartcards = TRUE;
	ctx->OnDriveCreate = rdpdr_drive;
	ctx->OnPrinterCreate = rdpdr_printer;
	ctx->OnPortCreate = rdpdr_port;
	ctx->OnSmartcardCreate = rdpdr_smartcard;
	s->front_rdpdr = ctx;
	if (ctx->Start(ctx) != CHANNEL_RC_OK) {
		WLog_WARN(TAG, "%s rdpdr observer did not start", s->sid);
		/* Start may have opened the channel before failing: close it too. */
		stop_rdpdr_observer(s);
	}
}

/* The first fields of FreeRDP 2.11's private rdpdr server state (channels/rdpdr/server/
 * rdpdr_main.h). Its Stop() neither closes the channel it opened nor frees the client's computer
 * name, which would leak per session; we release both, but only on the exact library series
 * whose layout this mirrors. */
typedef struct {
	HANDLE Thread;
	HANDLE StopEvent;
	void *ChannelHandle;
	UINT32 ClientId;
	UINT16 VersionMajor;
	UINT16 VersionMinor;
	char *ClientComputerName;
} gate_rdpdr_priv_2_11;

static void stop_rdpdr_observer(gate_session *s)
{
	RdpdrServerContext *ctx = s->front_rdpdr;
	int major = 0, minor = 0, rev = 0;
	if (!ctx)
		return;
	ctx->Stop(ctx);
	freerdp_get_version(&major, &minor, &rev);
	if (major == 2 && minor == 11 && ctx->priv) {
		gate_rdpdr_priv_2_11 *p = (gate_rdpdr_priv_2_11 *)ctx->priv;
		if (p->ChannelHandle)
			WTSVirtualChannelClose(p->ChannelHandle);
		p->ChannelHandle = NULL;
		free(p->ClientComputerName);
		p->ClientComputerName = NULL;
	}
	rdpdr_server_context_free(ctx);
	s->front_rdpdr = NULL;
}

/* ---- handshake: logon, post-connect (admission + back connect), activate ------------------- */

static char *from_unicode(const UINT16 *w, UINT32 len)
{
	char *out = NULL;
	if (!w || !len)
		return strdup("");
	if (ConvertFromUnicode(CP_UTF8, 0, (LPCWSTR)w, (int)len, &out, 0, NULL, NULL) <= 0)
		return strdup("");
	return out;
}

static void free_secret(char **p)
{
	if (*p) {
		OPENSSL_cleanse(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/* Account and domain names compare as Windows compares them, without regard to case (ASCII
 * letters only: any other difference counts as another name, which refuses, never admits). */
static BOOL same_name(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "") == 0;
}

/* NLA: NTLM proved who the client is (front_ntlm_hash kept that identity); the TSCredentials
 * that come after it are only what the client says. A client may authenticate NTLM with one
 * account and name another there: it would be admitted as that other account, with its
 * permits and injected credentials. So the names must agree, and the session goes on under
 * the NTLM identity; a mismatch ends the connection here and is a ledger refusal. */
static BOOL nla_identity_matches(gate_session *s, const char *ts_user, const char *ts_domain)
{
	if (s->nla_user && same_name(s->nla_user, ts_user) && same_name(s->nla_domain, ts_domain))
		return TRUE;
	char nu[GATE_ESCAPED_MAX], nd[GATE_ESCAPED_MAX], tu[GATE_ESCAPED_MAX], td[GATE_ESCAPED_MAX];
	char detail[4 * GATE_ESCAPED_MAX + 96];
	snprintf(detail, sizeof(detail), "NTLM authenticated user=%s domain=%s; TSCredentials named user=%s domain=%s",
	         gate_session_escape(nu, sizeof(nu), s->nla_user ? s->nla_user : ""),
	         gate_session_escape(nd, sizeof(nd), s->nla_domain ? s->nla_domain : ""),
	         gate_session_escape(tu, sizeof(tu), ts_user), gate_session_escape(td, sizeof(td), ts_domain));
	WLog_WARN(TAG, "%s identity mismatch from %s: %s", s->sid, s->client_address, detail);
	const gate_admission *a = &s->server->admission;
	if (a->refused)
		a->refused(a->ctx, "identity_mismatch", s->nla_user ? s->nla_user : "", s->client_address,
		           detail);
	gate_session_close(s, "identity mismatch: the NLA credentials name another account than NTLM authenticated");
	return FALSE;
}

static BOOL on_logon(freerdp_peer *peer, SEC_WINNT_AUTH_IDENTITY *id, BOOL automatic)
{
	gate_session *s = front_session(peer->context);
	s->logged_on = TRUE;
	if (!automatic || !id)
		return TRUE; /* TLS only: the credentials come with the Client Info PDU */
	char *ts_user = from_unicode(id->User, id->UserLength);
	char *ts_domain = from_unicode(id->Domain, id->DomainLength);
	BOOL ok = ts_user && ts_domain && nla_identity_matches(s, ts_user, ts_domain);
	free(ts_user);
	free(ts_domain);
	if (!ok)
		return FALSE;
	free(s->user);
	free(s->domain);
	free_secret(&s->password);
	s->user = strdup(s->nla_user);
	s->domain = strdup(s->nla_domain ? s->nla_domain : "");
	s->password = from_unicode(id->Password, id->PasswordLength);
	s->nla_verified = s->user && s->domain && s->password;
	return s->nla_verified;
}

static void report_offer(gate_session *s, char **names, size_t n)
{
	rdpSettings *ps = s->peer->settings;
	for (size_t i = 0; i < n; i++) {
		char esc[GATE_ESCAPED_MAX];
		gate_session_escape(esc, sizeof(esc), names[i]);
		gate_session_event(s, GATE_EV_CHANNEL_OFFERED, "name=%s", esc);
		if (gate_policy_static_allowed(&s->policy, names[i]))
			gate_session_event(s, GATE_EV_CHANNEL_ALLOWED, "name=%s", esc);
		else
			gate_session_event(s, GATE_EV_CHANNEL_DENIED, "name=%s class=\"%s\"", esc,
			                   gate_policy_channel_class(names[i]));
	}
	struct { const char *flag; BOOL on, allowed; } flags[] = {
		{ "INFO_AUDIOCAPTURE", ps->AudioCapture, FALSE },
		{ "INFO_RAIL", ps->RemoteApplicationMode, s->policy.remote_app },
		{ "INFO_REMOTECONSOLEAUDIO", ps->RemoteConsoleAudio, FALSE },
		{ "INFO_PASSWORD_IS_SC_PIN", ps->PasswordIsSmartcardPin, TRUE },
	};
	for (size_t i = 0; i < ARRAYSIZE(flags); i++)
		if (flags[i].on)
			gate_session_event(s, GATE_EV_CLIENT_INFO_FLAG, "flag=%s denied=%s", flags[i].flag,
			                   flags[i].allowed ? "no" : "yes");
}

static void refuse(gate_session *s, UINT32 error_info, const char *reason)
{
	gate_session_event(s, GATE_EV_SESSION_REFUSED, "reason=\"%s\"", reason);
	if (error_info) {
		freerdp_set_error_info(s->peer->context->rdp, error_info);
		freerdp_send_error_info(s->peer->context->rdp);
	}
	gate_session_close(s, reason);
}

static BOOL admit(gate_session *s, char **names, size_t n)
{
	rdpSettings *ps = s->peer->settings;
	if (ps->NlaSecurity && !s->nla_verified) {
		/* on_logon has closed the session already; this holds even if a pipelining client
		 * got its Client Info processed in the same read. */
		refuse(s, ERRINFO_SERVER_DENIED_CONNECTION, "NLA identity not verified");
		return FALSE;
	}
	if (!s->user) { /* TLS only: Client Info PDU */
		s->user = strdup(ps->Username ? ps->Username : "");
		s->domain = strdup(ps->Domain ? ps->Domain : "");
		s->password = strdup(ps->Password ? ps->Password : "");
		if (!s->user || !s->domain || !s->password)
			return FALSE;
	}
	gate_admission_request req = {
		.user = s->user, .domain = s->domain, .password = s->password,
		.client_address = s->client_address,
		.client_name = ps->ClientHostname ? ps->ClientHostname : "",
		.client_build = ps->ClientBuild,
		.channels = (const char *const *)names, .nchannels = n,
		.nla = ps->NlaSecurity,
		.width = ps->DesktopWidth, .height = ps->DesktopHeight,
		.keyboard_layout = ps->KeyboardLayout,
	};
	gate_admission_decision d = { 0 };
	gate_admission *a = &s->server->admission;
	BOOL ok = a->admit && a->admit(a->ctx, &req, &d);
	if (!ok || !d.allow || !d.target_host) {
		const char *why = !ok ? "admission hook failed" : d.reason[0] ? d.reason : "refused";
		refuse(s, d.error_info ? d.error_info : ERRINFO_SERVER_DENIED_CONNECTION, why);
		gate_admission_decision_clear(&d);
		return FALSE;
	}
	s->obs = d.observer;
	s->policy = d.policy;
	s->target_host = d.target_host;
	s->target_port = d.target_port;
	s->has_target_pin = d.has_target_pin;
	memcpy(s->target_pin, d.target_pin, sizeof(s->target_pin));
	d.target_host = NULL;
	memset(&d.observer, 0, sizeof(d.observer));
	if (d.user) { /* injected credentials replace the vendor's */
		free(s->user);
		free(s->domain);
		free_secret(&s->password);
		s->user = d.user;
		s->domain = d.domain ? d.domain : strdup("");
		s->password = d.password ? d.password : strdup("");
		d.user = d.domain = d.password = NULL;
	}
	gate_admission_decision_clear(&d);
	return TRUE;
}

static void wipe_peer_identity(freerdp_peer *peer);

/* The vendor's credentials are only needed for admission: FreeRDP 2.11 keeps a copy of the
 * NLA identity in the peer for the whole session (never freed) and the Client Info password in
 * the settings. The session's own copy is wiped after the back connect. */
static void wipe_front_credentials(gate_session *s)
{
	rdpSettings *ps = s->peer->settings;
	wipe_peer_identity(s->peer);
	if (ps->Password) {
		OPENSSL_cleanse(ps->Password, strlen(ps->Password));
		freerdp_settings_set_string(ps, FreeRDP_Password, NULL);
	}
}

/* Admission and the connection to the target, run inside the licensing step: by then the
 * client's identity, channels and credentials are known (Client Info), and the Demand Active
 * has not been sent yet, so it can carry the target's geometry and drawing flags: the client
 * never needs a reactivation at the start. Blocks the peer thread for at most the connect
 * timeout (the client is waiting for its licence answer meanwhile). */
static BOOL admit_and_connect(gate_session *s)
{
	freerdp_peer *peer = s->peer;
	rdpSettings *ps = peer->settings;
	size_t n = 0;
	char **names = WTSGetAcceptedChannelNames(peer, &n);
	char policy[96];

	if (!gate_session_set_state(s, GATE_ST_ADMISSION)) {
		free(names);
		return FALSE;
	}
	/* The handshake is done: take a session slot (the handshake pool's is given back). */
	if (!gate_server_promote(s->server, s)) {
		free(names);
		wipe_front_credentials(s);
		char why[96];
		snprintf(why, sizeof(why), "max_sessions (%d) reached", s->cfg->max_sessions);
		refuse(s, ERRINFO_SERVER_DENIED_CONNECTION, why);
		return FALSE;
	}
	char esc[GATE_ESCAPED_MAX];
	gate_session_event(s, GATE_EV_SESSION_START,
	                   "client=%s name=\"%s\" build=%u os=\"%s\" size=%ux%u bpp=%u layout=0x%08x nla=%s gfx=%s",
	                   s->client_address, gate_session_escape(esc, sizeof(esc), ps->ClientHostname),
	                   ps->ClientBuild,
	                   freerdp_peer_os_major_type_string(peer), ps->DesktopWidth, ps->DesktopHeight,
	                   ps->ColorDepth, ps->KeyboardLayout, ps->NlaSecurity ? "yes" : "no",
	                   ps->SupportGraphicsPipeline ? "yes" : "no");
	BOOL ok = admit(s, names, n);
	wipe_front_credentials(s);
	if (ok) {
		report_offer(s, names, n);
		gate_policy_describe(&s->policy, policy, sizeof(policy));
		WLog_INFO(TAG, "%s admitted: user=\"%s\" target=%s:%u policy=%s", s->sid,
		          gate_session_escape(esc, sizeof(esc), s->user),
		          s->target_host, s->target_port, policy);
	}
	free(names);
	if (!ok)
		return FALSE;

	if (!gate_session_set_state(s, GATE_ST_BACK_CONNECTING) || !gate_back_create(s) ||
	    !gate_back_start(s)) {
		refuse(s, ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES, "cannot start the connection to the target");
		return FALSE;
	}
	HANDLE h[2] = { s->back_done_event, s->abort_event };
	DWORD rc = WaitForMultipleObjects(2, h, FALSE, s->cfg->connect_timeout_ms + 2000u);
	if (rc != WAIT_OBJECT_0 || !s->back_connected) {
		char why[160];
		UINT32 err = s->back ? freerdp_get_last_error(s->back) : 0;
		snprintf(why, sizeof(why), "target %s:%u %s (%s)", s->target_host, s->target_port,
		         rc == WAIT_TIMEOUT ? "did not answer in time" : "connection failed",
		         err ? freerdp_get_last_error_name(err) : "no detail");
		/* ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES is the closest generic code mstsc and FreeRDP
		 * show as "the server refused"; the reason itself goes to the log and ledger. */
		refuse(s, ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES, why);
		return FALSE;
	}
	/* The Demand Active that follows describes the target, not the client's wish. */
	rdpSettings *bs = s->back->settings;
	ps->DesktopWidth = bs->DesktopWidth;
	ps->DesktopHeight = bs->DesktopHeight;
	ps->ColorDepth = 32;
	/* FreeRDP reads 32 bpp planar bitmaps as BGR when dynamic colour fidelity was negotiated
	 * (an xrdp quirk): offer the target's drawing flags, so that the client reads forwarded
	 * bitmaps the way the gate's decoder does. The client may still lower them in its Confirm
	 * Active; gate_back.c then sends such bitmaps from the framebuffer. */
	ps->DrawAllowDynamicColorFidelity = bs->DrawAllowDynamicColorFidelity;
	ps->DrawAllowSkipAlpha = bs->DrawAllowSkipAlpha;
	ps->DrawAllowColorSubsampling = bs->DrawAllowColorSubsampling;
	if (s->obs.on_resize)
		s->obs.on_resize(s->obs.ctx, bs->DesktopWidth, bs->DesktopHeight);
	gate_session_event(s, GATE_EV_TARGET_CONNECTED, "host=%s port=%u width=%u height=%u",
	                   s->target_host, s->target_port, bs->DesktopWidth, bs->DesktopHeight);
	return TRUE;
}

static LicenseCallbackResult front_license(freerdp_peer *peer, wStream *st)
{
	gate_session *s = front_session(peer->context);
	WLog_DBG(TAG, "%s licensing after %llu ms", s->sid, (unsigned long long)(now_ms() - s->start_ms));
	if (gate_session_state(s) == GATE_ST_FRONT_HANDSHAKE && !admit_and_connect(s))
		return LICENSE_CB_ABORT;
	WLog_DBG(TAG, "%s target connected after %llu ms", s->sid, (unsigned long long)(now_ms() - s->start_ms));
	return s->license_cb ? s->license_cb(peer, st) : LICENSE_CB_COMPLETED;
}

/* Called by FreeRDP 2.11 once the client is active (after the capability exchange). */
static BOOL front_post_connect(freerdp_peer *peer)
{
	gate_session *s = front_session(peer->context);
	if (!s->back_connected)
		return FALSE;
	return gate_session_set_state(s, GATE_ST_RUNNING);
}

static BOOL front_activate(freerdp_peer *peer)
{
	gate_session *s = front_session(peer->context);
	EnterCriticalSection(&s->lock);
	if (s->state == GATE_ST_REACTIVATING)
		s->state = GATE_ST_RUNNING;
	s->pending_width = 0;
	LeaveCriticalSection(&s->lock);
	WLog_DBG(TAG, "%s client activated at %llu: dcf=%d/%d remotefx=%d (id %u) max_request=%u gfx=%d", s->sid, (unsigned long long)now_ms(), peer->settings->DrawAllowDynamicColorFidelity, s->back->settings->DrawAllowDynamicColorFidelity,
	         peer->settings->RemoteFxCodec, peer->settings->RemoteFxCodecId,
	         peer->settings->MultifragMaxRequestSize, peer->settings->SupportGraphicsPipeline);
	/* Repaint once activated (see the peer loop): the client's screen is empty. */
	s->need_refresh = TRUE;
	if (!s->front_rdpdr)
		start_rdpdr_observer(s);
	return TRUE;
}

/* ---- drawing to the front -------------------------------------------------------------------- */

BOOL gate_front_can_draw(gate_session *s)
{
	return s->peer->activated && running(s);
}

/* Sends a region of the gate's own framebuffer as 64x64 tiles, planar-compressed (RDP 6.0
 * bitmap codec, the FreeRDP encoder) or raw when that fails, batched into updates that fit the
 * client's MultifragMaxRequestSize. Used for refresh requests, after (re)activation, and for
 * target updates the client cannot take as they are.
 * Caller: any thread; takes front_out (which also keeps the framebuffer from being resized or
 * freed meanwhile, and guards the session's planar encoder). */
#define FB_TILE 64u
#define FB_MAX_RECTS 64u
#define GATE_BITMAP_COMPRESSION 0x0001
#define GATE_NO_BITMAP_COMPRESSION_HDR 0x0400

static BOOL fb_flush(gate_session *s, BITMAP_DATA *rects, UINT32 n)
{
	if (n == 0)
		return TRUE;
	BITMAP_UPDATE bu = { 0 };
	bu.number = bu.count = n;
	bu.rectangles = rects;
	bu.skipCompression = TRUE;
	return s->peer->update->BitmapUpdate(s->peer->context, &bu);
}

/* Compresses one tile into dst (capacity FB_TILE*FB_TILE*4) or copies it raw (bottom-up). */
static void fb_tile(gate_session *s, rdpGdi *gdi, UINT32 tx, UINT32 ty, UINT32 tw, UINT32 th,
                    BYTE *dst, BITMAP_DATA *bd)
{
	rdpSettings *ps = s->peer->settings;
	const BYTE *src = gdi->primary_buffer + (size_t)ty * gdi->stride + (size_t)tx * 4;
	*bd = (BITMAP_DATA){ .destLeft = tx, .destTop = ty, .destRight = tx + tw - 1,
		                 .destBottom = ty + th - 1, .width = tw, .height = th, .bitsPerPixel = 32,
		                 .bitmapDataStream = dst };
	if (!s->planar)
		s->planar = freerdp_bitmap_planar_context_new(
		    PLANAR_FORMAT_HEADER_RLE | (ps->DrawAllowSkipAlpha ? PLANAR_FORMAT_HEADER_NA : 0), FB_TILE,
		    FB_TILE);
	/* With an alpha plane, FreeRDP clients read the colour planes as BGR when dynamic colour
	 * fidelity was negotiated: feed the encoder accordingly. */
	UINT32 fmt = (!ps->DrawAllowSkipAlpha && ps->DrawAllowDynamicColorFidelity) ? PIXEL_FORMAT_RGBA32
	                                                                              : PIXEL_FORMAT_BGRA32;
	UINT32 size = FB_TILE * FB_TILE * 4;
	if (s->planar && freerdp_bitmap_planar_context_reset(s->planar, tw, th) &&
	    freerdp_bitmap_compress_planar(s->planar, src, fmt, tw, th, (UINT32)gdi->stride, dst, &size) &&
	    size > 0 && size < tw * th * 4) {
		bd->compressed = TRUE;
		bd->flags = GATE_BITMAP_COMPRESSION | GATE_NO_BITMAP_COMPRESSION_HDR;
		bd->bitmapLength = size;
		bd->cbCompMainBodySize = size;
		bd->cbScanWidth = tw * 4;
		bd->cbUncompressedSize = tw * th * 4;
		return;
	}
	for (UINT32 r = 0; r < th; r++) /* uncompressed bitmap data is bottom-up */
		memcpy(dst + (size_t)r * tw * 4, src + (size_t)(th - 1 - r) * gdi->stride, (size_t)tw * 4);
	bd->compressed = FALSE;
	bd->bitmapLength = tw * th * 4;
}

void gate_front_send_fb_region(gate_session *s, UINT32 x, UINT32 y, UINT32 w, UINT32 h)
{
	const size_t tile_bytes = (size_t)FB_TILE * FB_TILE * 4;
	size_t budget = s->peer->settings->MultifragMaxRequestSize;
	budget = budget > 2048 ? budget - 1024 : 1024;
	BYTE *buf = malloc(tile_bytes * FB_MAX_RECTS);
	BITMAP_DATA *rects = calloc(FB_MAX_RECTS, sizeof(*rects));
	if (!buf || !rects) {
		free(buf);
		free(rects);
		return;
	}
	EnterCriticalSection(&s->front_out);
	rdpGdi *gdi = s->back ? s->back->gdi : NULL;
	if (!gdi || !gdi->primary_buffer || !gate_front_can_draw(s) || x >= (UINT32)gdi->width ||
	    y >= (UINT32)gdi->height)
		goto out;
	w = MIN(w, (UINT32)gdi->width - x);
	h = MIN(h, (UINT32)gdi->height - y);
	UINT32 n = 0;
	size_t used = 0;
	BOOL ok = TRUE;
	for (UINT32 ty = y; ok && ty < y + h; ty += FB_TILE) {
		for (UINT32 tx = x; ok && tx < x + w; tx += FB_TILE) {
			BITMAP_DATA bd;
			UINT32 tw = MIN(FB_TILE, x + w - tx), th = MIN(FB_TILE, y + h - ty);
			fb_tile(s, gdi, tx, ty, tw, th, buf + (size_t)n * tile_bytes, &bd);
			if (n > 0 && used + bd.bitmapLength + 64 > budget) {
				/* send what is queued first, then move the new tile to slot 0 */
				ok = fb_flush(s, rects, n);
				memmove(buf, buf + (size_t)n * tile_bytes, bd.bitmapLength);
				bd.bitmapDataStream = buf;
				n = 0;
				used = 0;
			}
			rects[n++] = bd;
			used += bd.bitmapLength + 64;
			if (n == FB_MAX_RECTS) {
				ok = ok && fb_flush(s, rects, n);
				n = 0;
				used = 0;
			}
		}
	}
	if (ok)
		ok = fb_flush(s, rects, n);
	if (!ok)
		WLog_WARN(TAG, "%s sending the framebuffer region to the client failed", s->sid);
out:
	LeaveCriticalSection(&s->front_out);
	free(buf);
	free(rects);
}

/* Peer thread: the target changed its desktop size; reactivate the front with it. */
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
	rdpSettings *ps = s->peer->settings;
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
	EnterCriticalSection(&s->front_out);
	ps->DesktopWidth = w;
	ps->DesktopHeight = hgt;
	BOOL ok = s->peer->update->DesktopResize(s->peer->context);
	LeaveCriticalSection(&s->front_out);
	if (!ok)
		gate_session_close(s, "front reactivation failed");
}

/* ---- peer thread ---------------------------------------------------------------------------- */

/* NTLM (NLA) on the front: the NTOWFv2 hash of the account named in the client's
 * AUTHENTICATE message, from the admission (the permit database) when it answers NLA, else
 * from the lab-mode SAM table. WinPR treats the return value as a boolean: nonzero = found. */
static SECURITY_STATUS front_ntlm_hash(void *client, const SEC_WINNT_AUTH_IDENTITY *id,
                                       const SecBuffer *proof, const BYTE *randkey, const BYTE *mic,
                                       const SecBuffer *micvalue, BYTE *ntlmhash)
{
	freerdp_peer *peer = client;
	gate_session *s = front_session(peer->context);
	const gate_admission *a = &s->server->admission;
	(void)proof;
	(void)randkey;
	(void)mic;
	(void)micvalue;
	if (!id || !id->User)
		return 0;
	char *user = from_unicode(id->User, id->UserLength);
	char *domain = from_unicode(id->Domain, id->DomainLength);
	BOOL found = FALSE;
	if (a->ntlm_v2_hash) {
		found = a->ntlm_v2_hash(a->ctx, (const WCHAR *)id->User, id->UserLength * 2,
		                        (const WCHAR *)id->Domain, id->DomainLength * 2, s->client_address,
		                        ntlmhash);
	} else {
		BYTE nt[16];
		found = user && domain && gate_sam_lookup(s->server->sam, user, domain, nt) &&
		        NTOWFv2FromHashW(nt, (LPWSTR)id->User, id->UserLength * 2, (LPWSTR)id->Domain,
		                         id->DomainLength * 2, ntlmhash);
		OPENSSL_cleanse(nt, sizeof(nt));
	}
	if (!found) {
		char eu[GATE_ESCAPED_MAX], ed[GATE_ESCAPED_MAX];
		WLog_WARN(TAG, "%s NLA: no usable account \"%s\" (domain \"%s\")", s->sid,
		          gate_session_escape(eu, sizeof(eu), user ? user : "?"),
		          gate_session_escape(ed, sizeof(ed), domain ? domain : "?"));
	}
	/* The identity NTLM checks the proof for: compared with the TSCredentials in on_logon,
	 * and kept to record a failed logon if no Logon follows (handshake_failed). */
	free(s->nla_user);
	free(s->nla_domain);
	s->nla_user = user;
	s->nla_domain = domain;
	return found ? 1 : 0;
}

/* Peer thread, about once a second: the observer may end the session (time rules,
 * revocation), also while a reactivation is pending (a client that never answers must not
 * outstay its permit); the client is told with a logoff error it shows to the vendor. */
static void tick_observer(gate_session *s, UINT64 *next_tick_ms)
{
	UINT64 now = GetTickCount64();
	gate_state st = gate_session_state(s);
	if (now < *next_tick_ms || !s->obs.on_tick ||
	    (st != GATE_ST_RUNNING && st != GATE_ST_REACTIVATING))
		return;
	*next_tick_ms = now + 1000;
	const char *why = s->obs.on_tick(s->obs.ctx);
	if (!why)
		return;
	WLog_INFO(TAG, "%s ending: %s", s->sid, why);
	EnterCriticalSection(&s->front_out);
	freerdp_set_error_info(s->peer->context->rdp, ERRINFO_LOGOFF_BY_USER);
	freerdp_send_error_info(s->peer->context->rdp);
	LeaveCriticalSection(&s->front_out);
	gate_session_close(s, why);
}

static BOOL configure_front(gate_session *s)
{
	freerdp_peer *peer = s->peer;
	rdpSettings *ps = peer->settings;
	const gate_config *cfg = s->cfg;
	BOOL ok = freerdp_settings_set_string(ps, FreeRDP_CertificateFile, cfg->certificate) &&
	          freerdp_settings_set_string(ps, FreeRDP_PrivateKeyFile, cfg->private_key) &&
	          freerdp_settings_set_bool(ps, FreeRDP_RdpSecurity, FALSE) &&
	          /* With nla, TLS alone must not be selectable: a client could skip authentication. */
	          freerdp_settings_set_bool(ps, FreeRDP_TlsSecurity, cfg->security == GATE_SEC_TLS) &&
	          freerdp_settings_set_bool(ps, FreeRDP_NlaSecurity, cfg->security == GATE_SEC_NLA) &&
	          freerdp_settings_set_uint16(ps, FreeRDP_TLSMinVersion, 0x0303 /* TLS 1.2 */) &&
	          freerdp_settings_set_string(ps, FreeRDP_AllowedTlsCiphers, cfg->tls_ciphers) &&
	          freerdp_settings_set_uint32(ps, FreeRDP_ColorDepth, 32) &&
	          freerdp_settings_set_bool(ps, FreeRDP_DesktopResize, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_RefreshRect, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_SuppressOutput, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_SupportMonitorLayoutPdu, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_SupportGraphicsPipeline, cfg->gfx) &&
	          /* Kept only if the client announces it (Confirm Active): surface bits pass through. */
	          freerdp_settings_set_bool(ps, FreeRDP_RemoteFxCodec, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_NSCodec, FALSE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_UnicodeInput, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_HasHorizontalWheel, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_HasExtendedMouseEvent, TRUE) &&
	          freerdp_settings_set_uint32(ps, FreeRDP_GlyphSupportLevel, GLYPH_SUPPORT_NONE);
	/* NLA: the gate answers NTLM itself (the permit database, or the lab-mode SAM table). */
	if (cfg->security == GATE_SEC_NLA)
		peer->ComputeNtlmHash = front_ntlm_hash;
	if (!ok)
		return FALSE;
	memset(ps->OrderSupport, 0, 32);
	peer->update->autoCalculateBitmapData = FALSE;

	peer->Logon = on_logon;
	peer->PostConnect = front_post_connect;
	s->license_cb = peer->LicenseCallback;
	peer->LicenseCallback = front_license;
	peer->Activate = front_activate;
	peer->input->SynchronizeEvent = on_synchronize;
	peer->input->KeyboardEvent = on_keyboard;
	peer->input->UnicodeKeyboardEvent = on_unicode;
	peer->input->MouseEvent = on_mouse;
	peer->input->ExtendedMouseEvent = on_extended_mouse;
	peer->input->FocusInEvent = on_focus_in;
	peer->input->KeyboardPauseEvent = on_keyboard_pause;
	peer->update->RefreshRect = on_refresh_rect;
	peer->update->SuppressOutput = on_suppress_output;
	return TRUE;
}

/* The client left, or the RDP library rejected one of its PDUs, before logon. Says which client
 * it was as far as the handshake got, and names the one known incompatibility. */
static void handshake_failed(gate_session *s)
{
	size_t n = 0;
	char **names = WTSGetAcceptedChannelNames(s->peer, &n);
	BOOL snddbg = FALSE;
	for (size_t i = 0; i < n; i++)
		snddbg = snddbg || !strcmp(names[i], "snddbg");
	free(names);
	char reason[160];
	if (snddbg)
		snprintf(reason, sizeof(reason),
		         "handshake rejected: the client looks like rdesktop (it asks for 'snddbg'); FreeRDP 2.11 "
		         "rejects its MCS Erect Domain Request; use mstsc, xfreerdp or Remmina");
	else /* garbage, a half handshake, a TLS or NLA failure, or a client that gave up */
		snprintf(reason, sizeof(reason), "client left or was rejected during the handshake");
	gate_session_event(s, GATE_EV_SESSION_REFUSED, "reason=\"%s\" client=%s", reason, s->client_address);
	/* NLA asked for this account's hash and no logon followed: the proof did not match. */
	const gate_admission *a = &s->server->admission;
	if (s->nla_user && !s->logged_on && a->refused)
		a->refused(a->ctx, "bad_password", s->nla_user, s->client_address, NULL);
	gate_session_close(s, reason);
}

/* The channel manager fails when a write to the client fails. When the client has closed its
 * connection (end of stream or reset: it left while graphics were on their way), that is a
 * client disconnect, not a gate error: the ledger's end reason tells the two apart. */
static BOOL front_socket_gone(freerdp_peer *peer)
{
	char peeked;
	ssize_t n = recv(peer->sockfd, &peeked, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void peer_loop(gate_session *s)
{
	freerdp_peer *peer = s->peer;
	gate_front_context *fc = (gate_front_context *)peer->context;
	HANDLE vcm_event = WTSVirtualChannelManagerGetEventHandle(fc->vcm);
	UINT64 next_tick_ms = 0;
	for (;;) {
		HANDLE h[40];
		DWORD n = peer->GetEventHandles(peer, h, 36);
		if (n == 0) {
			gate_session_close(s, "front transport has no event handle");
			break;
		}
		h[n++] = vcm_event;
		h[n++] = s->abort_event;
		h[n++] = s->reactivate_event;
		/* Activation completes inside CheckFileDescriptor; poll briefly until the first paint
		 * and the channel servers are done, then wait for events. */
		BOOL pending = s->need_refresh || (s->peer->activated && !s->front_gfx && !s->front_disp);
		DWORD rc = WaitForMultipleObjects(n, h, FALSE, pending ? 20 : 1000);
		if (rc == WAIT_FAILED) {
			gate_session_close(s, "wait failed");
			break;
		}
		if (WaitForSingleObject(s->abort_event, 0) == WAIT_OBJECT_0)
			break;
		/* TLS may hold decrypted data the socket no longer signals: drain it now. */
		BOOL alive = peer->CheckFileDescriptor(peer);
		for (int i = 0; alive && i < 64 && peer->HasMoreToRead && peer->HasMoreToRead(peer); i++)
			alive = peer->CheckFileDescriptor(peer);
		if (!alive) {
			if (gate_session_state(s) == GATE_ST_FRONT_HANDSHAKE)
				handshake_failed(s);
			gate_session_close(s, "client disconnected");
			break;
		}
		if (!WTSVirtualChannelManagerCheckFileDescriptor(fc->vcm)) {
			gate_session_close(s, front_socket_gone(peer) ? "client disconnected"
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
		gate_gfx_front_poll(s);
		tick_observer(s, &next_tick_ms);
		if (WaitForSingleObject(s->abort_event, 0) == WAIT_OBJECT_0)
			break;
		if (s->need_refresh && gate_front_can_draw(s)) {
			s->need_refresh = FALSE;
			WLog_DBG(TAG, "%s first paint of the client from the framebuffer at %llu", s->sid, (unsigned long long)now_ms());
			gate_front_send_fb_region(s, 0, 0, peer->settings->DesktopWidth,
			                          peer->settings->DesktopHeight);
		}
	}
}

static void free_session(gate_session *s)
{
	free(s->nla_user);
	free(s->nla_domain);
	free(s->target_host);
	free(s->user);
	free(s->domain);
	free_secret(&s->password);
	for (size_t i = 0; i < GATE_POINTER_CACHE_MAX; i++)
		free(s->pointers[i].bgra);
	if (s->abort_event)
		CloseHandle(s->abort_event);
	if (s->back_done_event)
		CloseHandle(s->back_done_event);
	if (s->reactivate_event)
		CloseHandle(s->reactivate_event);
	if (s->gfx_drained_event)
		CloseHandle(s->gfx_drained_event);
	freerdp_bitmap_planar_context_free(s->planar);
	DeleteCriticalSection(&s->lock);
	DeleteCriticalSection(&s->front_out);
	DeleteCriticalSection(&s->gfx_lock);
	free(s);
}

/* FreeRDP 2.11 copies the NLA identity (user, domain, password) into the peer and never frees
 * it: zero and free it here (a leak per session otherwise, and a password left in memory). */
static void wipe_peer_identity(freerdp_peer *peer)
{
	SEC_WINNT_AUTH_IDENTITY *id = &peer->identity;
	if (id->User)
		OPENSSL_cleanse(id->User, (size_t)id->UserLength * 2);
	if (id->Domain)
		OPENSSL_cleanse(id->Domain, (size_t)id->DomainLength * 2);
	if (id->Password)
		OPENSSL_cleanse(id->Password, (size_t)id->PasswordLength * 2);
	/* winpr allocates them with calloc (sspi_CopyAuthIdentity); 2.11 exports no free. */
	free(id->User);
	free(id->Domain);
	free(id->Password);
	memset(id, 0, sizeof(*id));
}

static void forward_back_error_info(gate_session *s)
{
	EnterCriticalSection(&s->lock);
	UINT32 code = s->back_error_info;
	s->back_error_info = 0;
	LeaveCriticalSection(&s->lock);
	if (!code || !s->peer->activated)
		return;
	EnterCriticalSection(&s->front_out);
	freerdp_set_error_info(s->peer->context->rdp, code);
	BOOL ok = freerdp_send_error_info(s->peer->context->rdp);
	LeaveCriticalSection(&s->front_out);
	WLog_INFO(TAG, "%s target's error info 0x%08x %s to the client", s->sid, code,
	          ok ? "forwarded" : "could not be forwarded");
}

static void teardown(gate_session *s)
{
	freerdp_peer *peer = s->peer;
	gate_session_close(s, "closed");
	/* The target ended the session with a reason (logoff, idle, ...): tell the client, while
	 * its connection is still up. */
	forward_back_error_info(s);
	/* Unblock any library write to a client that stopped reading. */
	if (peer->sockfd >= 0)
		shutdown(peer->sockfd, SHUT_RDWR);
	gate_gfx_close_bridge(s);
	BOOL back_stopped = gate_back_stop(s);
	if (back_stopped)
		gate_gfx_front_free(s);
	stop_rdpdr_observer(s);
	EnterCriticalSection(&s->lock);
	char reason[160];
	snprintf(reason, sizeof(reason), "%s", s->close_reason);
	UINT64 dropped_input = s->dropped_input, dpdus = s->dropped_channel_pdus;
	LeaveCriticalSection(&s->lock);
	if (dropped_input)
		gate_session_event(s, GATE_EV_INPUT_DROPPED, "count=%llu", (unsigned long long)dropped_input);
	WLog_INFO(TAG,
	          "%s end: reason=\"%s\" duration_ms=%llu frames=%llu gfx_frames=%llu bitmap_rects=%llu "
	          "decode_errors=%llu dropped_channel_pdus=%llu dropped_input=%llu",
	          s->sid, reason, (unsigned long long)(now_ms() - s->start_ms),
	          (unsigned long long)s->frames, (unsigned long long)s->gfx_frames,
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
	/* The watchdog must not touch the socket once it is closed (see gate_server.c). */
	EnterCriticalSection(&s->server->lock);
	s->front_closed = TRUE;
	LeaveCriticalSection(&s->server->lock);
	peer->Close(peer);
	gate_tls_release_accept_refs(peer); /* FreeRDP 2.11 tls_accept leak */
	peer->Disconnect(peer);
	if (!back_stopped) {
		/* A library thread would still use the back and the peer: leaking is the safe choice. */
		WLog_ERR(TAG, "%s back thread did not stop; its memory is left allocated", s->sid);
		gate_server_remove_session(s->server, s);
		return;
	}
	gate_back_free(s);
	wipe_peer_identity(peer);
	freerdp_peer_context_free(peer);
	freerdp_peer_free(peer);
	/* Last: the server waits for an empty table at shutdown. */
	gate_server_remove_session(s->server, s);
	free_session(s);
}

static DWORD WINAPI peer_thread(LPVOID arg)
{
	gate_session *s = arg;
	freerdp_peer *peer = s->peer;
	WLog_INFO(TAG, "%s accepted from %s", s->sid, s->client_address);
	if (!configure_front(s) || !peer->Initialize(peer))
		gate_session_close(s, "front initialisation failed");
	else {
		/* WTSOpenServerA installed its receive handler; put the guard in front of it. */
		s->wts_receive = peer->ReceiveChannelData;
		peer->ReceiveChannelData = front_receive_channel_data;
		s->wts_send = peer->SendChannelData;
		peer->SendChannelData = front_send_channel_data;
		peer_loop(s);
	}
	teardown(s);
	return 0;
}

BOOL gate_session_spawn(gate_server *srv, freerdp_peer *peer, UINT64 id)
{
	gate_session *s = calloc(1, sizeof(*s));
	if (!s)
		return FALSE;
	s->id = id;
	snprintf(s->sid, sizeof(s->sid), "s%llu", (unsigned long long)id);
	s->cfg = srv->cfg;
	s->server = srv;
	s->peer = peer;
	s->start_ms = now_ms();
	snprintf(s->client_address, sizeof(s->client_address), "%s", peer->hostname);
	s->abort_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	s->back_done_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	s->reactivate_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	s->gfx_drained_event = CreateEvent(NULL, TRUE, TRUE, NULL);
	InitializeCriticalSectionAndSpinCount(&s->lock, 4000);
	InitializeCriticalSectionAndSpinCount(&s->front_out, 4000);
	InitializeCriticalSectionAndSpinCount(&s->gfx_lock, 4000);
	if (!s->abort_event || !s->back_done_event || !s->reactivate_event || !s->gfx_drained_event)
		goto fail;
	peer->ContextExtra = s;
	peer->ContextSize = sizeof(gate_front_context);
	peer->ContextNew = front_context_new;
	peer->ContextFree = front_context_free;
	if (!freerdp_peer_context_new(peer))
		goto fail;
	if (!gate_server_add_session(srv, s)) {
		freerdp_peer_context_free(peer);
		goto fail;
	}
	HANDLE t = CreateThread(NULL, 0, peer_thread, s, 0, NULL);
	if (!t) {
		gate_server_remove_session(srv, s);
		freerdp_peer_context_free(peer);
		goto fail;
	}
	CloseHandle(t); /* the session thread owns itself; the server waits on the table */
	return TRUE;
fail:
	peer->ContextExtra = NULL;
	s->peer = NULL;
	free_session(s);
	return FALSE;
}
