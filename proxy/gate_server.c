/* gate_server: listener loop, session table, handshake watchdog, signals, default admission. */
#include "gate_server.h"
#include "gate_session.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <winpr/ssl.h>
#include <winpr/winsock.h>
#include <winpr/wtsapi.h>
#include <winpr/wlog.h>
#include <freerdp/channels/channels.h>
#include <freerdp/error.h>

#define TAG "rmgate.proxy.server"

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

/* ---- default admission and observer ---------------------------------------------------- */

static BOOL fixed_admit(void *ctx, const gate_admission_request *req, gate_admission_decision *out)
{
	const gate_config *cfg = ctx;
	(void)req;
	if (!cfg->target.host) {
		out->allow = FALSE;
		snprintf(out->reason, sizeof(out->reason),
		         "no target is configured (set 'target' in [gate] or use --target)");
		out->error_info = ERRINFO_SERVER_DENIED_CONNECTION;
		return TRUE;
	}
	out->target_host = strdup(cfg->target.host);
	if (!out->target_host)
		return FALSE;
	out->target_port = cfg->target.port;
	out->policy = gate_policy_default();
	out->policy.gfx = cfg->gfx;
	out->policy.observe_only = cfg->observe_only;
	out->observer = gate_observer_log();
	out->allow = TRUE;
	return TRUE;
}

gate_admission gate_admission_fixed(const gate_config *cfg)
{
	gate_admission a = { .ctx = (void *)cfg, .admit = fixed_admit };
	return a;
}

static void log_on_event(void *ctx, gate_event_type type, const char *detail)
{
	(void)ctx;
	(void)type;
	(void)detail;
	/* gate_session_event already writes every event to WLog (tag rmgate.proxy.receipt). */
}

gate_observer gate_observer_log(void)
{
	gate_observer o = { 0 };
	o.on_event = log_on_event;
	return o;
}

/* ---- session table and pools ------------------------------------------------------------ */

/* Under srv->lock. NULL when a new connection from `src` may start its handshake, else why not
 * (one sentence naming the limit); *pool_full tells a full gate from a throttled source. */
static const char *accept_refusal(gate_server *srv, const gate_source_key *src, UINT64 now,
                                  char *why, size_t whylen, BOOL *pool_full)
{
	const gate_config *cfg = srv->cfg;
	*pool_full = FALSE;
	if (srv->nsessions >= srv->handshake_pool + (size_t)cfg->max_sessions ||
	    srv->nhandshakes >= srv->handshake_pool) {
		*pool_full = TRUE;
		snprintf(why, whylen, "max_handshakes (%zu) connections are handshaking",
		         srv->handshake_pool);
		return why;
	}
	switch (gate_sources_check(srv->sources, src, now)) {
	case GATE_SOURCE_TOO_MANY_HANDSHAKES:
		snprintf(why, whylen, "max_source_handshakes (%d) connections of this source are handshaking",
		         cfg->max_source_handshakes);
		return why;
	case GATE_SOURCE_TOO_FAST:
		snprintf(why, whylen, "source_connects_per_minute (%d) reached for this source",
		         cfg->source_connects_per_minute);
		return why;
	case GATE_SOURCE_OK:
		break;
	}
	return NULL;
}

/* gate_session_host.add */
static BOOL add_session(void *ctx, gate_session *s, int sockfd)
{
	gate_server *srv = ctx;
	char why[160];
	BOOL full = FALSE, ok = FALSE;
	gate_source_key src = gate_source_key_from_fd(sockfd);
	UINT64 now = now_ms();
	EnterCriticalSection(&srv->lock);
	if (!accept_refusal(srv, &src, now, why, sizeof(why), &full) &&
	    gate_sources_open(srv->sources, &src, now)) {
		srv->slots[srv->nsessions++] = (gate_server_slot){ .s = s, .source = src };
		srv->nhandshakes++;
		srv->total_sessions++;
		ok = TRUE;
	}
	LeaveCriticalSection(&srv->lock);
	return ok;
}

/* Under srv->lock. */
static gate_server_slot *find_slot(gate_server *srv, gate_session *s)
{
	for (size_t i = 0; i < srv->nsessions; i++)
		if (srv->slots[i].s == s)
			return &srv->slots[i];
	return NULL;
}

/* Under srv->lock: the slot leaves the handshake pool. */
static void leave_handshake_pool(gate_server *srv, gate_server_slot *slot)
{
	srv->nhandshakes--;
	gate_sources_close(srv->sources, &slot->source);
}

/* gate_session_host.promote */
static BOOL promote_session(void *ctx, gate_session *s, const char *client_address)
{
	gate_server *srv = ctx;
	BOOL ok = FALSE;
	EnterCriticalSection(&srv->lock);
	gate_server_slot *slot = find_slot(srv, s);
	if (slot && slot->promoted)
		ok = TRUE;
	else if (slot && srv->npromoted < (size_t)srv->cfg->max_sessions) {
		leave_handshake_pool(srv, slot);
		slot->promoted = TRUE;
		srv->npromoted++;
		ok = TRUE;
	} else if (slot)
		srv->refused_full++;
	LeaveCriticalSection(&srv->lock);
	if (!ok && slot && srv->admission.refused)
		srv->admission.refused(srv->admission.ctx, "too_many_sessions", NULL, client_address, NULL);
	return ok;
}

/* gate_session_host.remove */
static void remove_session(void *ctx, gate_session *s)
{
	gate_server *srv = ctx;
	EnterCriticalSection(&srv->lock);
	gate_server_slot *slot = find_slot(srv, s);
	if (slot) {
		if (slot->promoted)
			srv->npromoted--;
		else
			leave_handshake_pool(srv, slot);
		*slot = srv->slots[--srv->nsessions];
	}
	LeaveCriticalSection(&srv->lock);
}

void gate_server_log_stats(gate_server *srv)
{
	EnterCriticalSection(&srv->lock);
	size_t n = srv->nsessions, hs = srv->nhandshakes, run = srv->npromoted;
	UINT64 total = srv->total_sessions, full = srv->refused_full, src = srv->refused_source;
	LeaveCriticalSection(&srv->lock);
	struct mallinfo2 mi = mallinfo2();
	WLog_INFO(TAG,
	          "stats: connections=%zu handshaking=%zu sessions=%zu accepted=%llu refused_full=%llu "
	          "refused_source=%llu heap_in_use=%zu",
	          n, hs, run, (unsigned long long)total, (unsigned long long)full,
	          (unsigned long long)src, mi.uordblks + mi.hblkhd);
}

static size_t session_count(gate_server *srv)
{
	EnterCriticalSection(&srv->lock);
	size_t n = srv->nsessions;
	LeaveCriticalSection(&srv->lock);
	return n;
}

/* Handshake watchdog: a session that is not RUNNING by its deadline (handshake_timeout +
 * connect_timeout from accept) has its front socket shut down, which unblocks any read the
 * library is stuck in (server NLA and TLS reads loop without a deadline). The peer thread then
 * tears the session down. Sessions stay in the table until their peer thread removes them
 * under srv->lock, after the front is closed; gate_session_watchdog shuts the socket down only
 * while the front is not closed (gate_front_shutdown_socket), so the fd used is still open.
 * This is also what bounds how long a connection holds its handshake-pool slot. */
static void watchdog(gate_server *srv, BOOL stopping)
{
	UINT64 now = now_ms();
	UINT64 limit = srv->cfg->handshake_timeout_ms + srv->cfg->connect_timeout_ms;
	EnterCriticalSection(&srv->lock);
	for (size_t i = 0; i < srv->nsessions; i++)
		gate_session_watchdog(srv->slots[i].s, now, limit, stopping);
	LeaveCriticalSection(&srv->lock);
}

/* ---- listener ------------------------------------------------------------------------------ */

/* At most this many refusal lines a second; the next line says how many were not logged. */
#define REFUSAL_LOG_PER_SECOND 20

static void log_refusal(gate_server *srv, const char *from, const char *why, UINT64 now)
{
	if (now >= srv->refusal_log_ms + 1000) {
		srv->refusal_log_ms = now;
		srv->refusals_logged = 0;
	}
	if (srv->refusals_logged >= REFUSAL_LOG_PER_SECOND) {
		srv->refusals_unlogged++;
		return;
	}
	srv->refusals_logged++;
	if (srv->refusals_unlogged)
		WLog_WARN(TAG, "refused connection from %s: %s (%llu earlier refusals not logged)", from,
		          why, (unsigned long long)srv->refusals_unlogged);
	else
		WLog_WARN(TAG, "refused connection from %s: %s", from, why);
	srv->refusals_unlogged = 0;
}

static BOOL peer_accepted(freerdp_listener *listener, freerdp_peer *peer)
{
	gate_server *srv = listener->info;
	char why[160], from[64];
	BOOL full = FALSE;
	gate_source_key src = gate_source_key_from_fd(peer->sockfd);
	UINT64 now = now_ms();
	EnterCriticalSection(&srv->lock);
	const char *refused = accept_refusal(srv, &src, now, why, sizeof(why), &full);
	UINT64 id = refused ? 0 : ++srv->next_id;
	if (refused && full)
		srv->refused_full++;
	else if (refused)
		srv->refused_source++;
	LeaveCriticalSection(&srv->lock);
	if (refused) {
		gate_source_key_str(&src, from, sizeof(from));
		log_refusal(srv, from, refused, now);
		if (full && srv->admission.refused)
			srv->admission.refused(srv->admission.ctx, "too_many_sessions", NULL, peer->hostname,
			                       NULL);
		return FALSE; /* the listener closes the socket and frees the peer */
	}
	/* On failure the listener closes the socket and frees the peer. */
	const gate_session_host host = { .ctx = srv, .cfg = srv->cfg, .admission = &srv->admission,
		                             .sam = srv->sam, .add = add_session,
		                             .promote = promote_session, .remove = remove_session };
	if (!gate_session_spawn(&host, peer, id)) {
		WLog_ERR(TAG, "cannot start a session for %s", peer->hostname);
		return FALSE;
	}
	return TRUE;
}

gate_server *gate_server_new(const gate_config *cfg, const gate_admission *admission)
{
	gate_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->cfg = cfg;
	srv->admission = admission ? *admission : gate_admission_fixed(cfg);
	srv->handshake_pool = (size_t)gate_config_handshake_pool(cfg);
	srv->slots = calloc(srv->handshake_pool + (size_t)cfg->max_sessions, sizeof(*srv->slots));
	/* Larger than the handshake pool: a source with a handshake in progress is never
	 * forgotten; the rest keeps the per-minute history of recent sources. */
	srv->sources = gate_sources_new(srv->handshake_pool + 1024, (UINT32)cfg->max_source_handshakes,
	                                (UINT32)cfg->source_connects_per_minute);
	srv->stop_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	srv->listener = freerdp_listener_new();
	if (!srv->slots || !srv->sources || !srv->stop_event || !srv->listener ||
	    !InitializeCriticalSectionAndSpinCount(&srv->lock, 4000)) {
		free(srv->slots);
		gate_sources_free(srv->sources);
		if (srv->stop_event)
			CloseHandle(srv->stop_event);
		freerdp_listener_free(srv->listener);
		free(srv);
		return NULL;
	}
	srv->listener->info = srv;
	srv->listener->PeerAccepted = peer_accepted;
	return srv;
}

void gate_server_set_sam(gate_server *srv, gate_sam *sam)
{
	gate_sam_free(srv->sam);
	srv->sam = sam;
}

void gate_server_free(gate_server *srv)
{
	if (!srv)
		return;
	gate_sam_free(srv->sam);
	freerdp_listener_free(srv->listener);
	CloseHandle(srv->stop_event);
	DeleteCriticalSection(&srv->lock);
	free(srv->slots);
	gate_sources_free(srv->sources);
	free(srv);
}

void gate_server_stop(gate_server *srv)
{
	SetEvent(srv->stop_event);
}

static HANDLE signal_handle(int *sfd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	/* Blocked in every thread created from now on; delivered only through the signalfd. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (*sfd < 0)
		return NULL;
	return CreateFileDescriptorEventA(NULL, TRUE, FALSE, *sfd, WINPR_FD_READ);
}

static BOOL open_listeners(gate_server *srv)
{
	size_t opened = 0;
	for (size_t i = 0; i < srv->cfg->n_listen; i++) {
		const gate_endpoint *ep = &srv->cfg->listen[i];
		if (srv->listener->Open(srv->listener, ep->host, ep->port)) {
			WLog_INFO(TAG, "listening on %s port %u", ep->host, ep->port);
			opened++;
		} else
			WLog_ERR(TAG, "cannot listen on %s port %u", ep->host, ep->port);
	}
	return opened == srv->cfg->n_listen;
}

static void drain_sessions(gate_server *srv)
{
	UINT64 deadline = now_ms() + 2u * srv->cfg->close_timeout_ms + 1000u;
	watchdog(srv, TRUE);
	while (session_count(srv) > 0 && now_ms() < deadline)
		Sleep(50);
	size_t left = session_count(srv);
	if (left)
		WLog_ERR(TAG, "%zu session(s) did not end in time at shutdown", left);
}

int gate_server_run(gate_server *srv, BOOL handle_signals)
{
	int sfd = -1;
	HANDLE sig = NULL;
	if (handle_signals && !(sig = signal_handle(&sfd))) {
		WLog_ERR(TAG, "cannot set up signal handling");
		return 1;
	}
	if (!open_listeners(srv)) {
		srv->listener->Close(srv->listener);
		if (sig)
			CloseHandle(sig);
		if (sfd >= 0)
			close(sfd);
		return 1;
	}
	WLog_INFO(TAG,
	          "rmgate-proxy %s ready (max_sessions=%d max_handshakes=%zu max_source_handshakes=%d "
	          "source_connects_per_minute=%d)",
	          RMGATE_VERSION, srv->cfg->max_sessions, srv->handshake_pool,
	          srv->cfg->max_source_handshakes, srv->cfg->source_connects_per_minute);
	for (;;) {
		HANDLE h[40];
		DWORD n = srv->listener->GetEventHandles(srv->listener, h, 36);
		if (n == 0) {
			WLog_ERR(TAG, "listener has no event handle");
			break;
		}
		h[n++] = srv->stop_event;
		if (sig)
			h[n++] = sig;
		DWORD rc = WaitForMultipleObjects(n, h, FALSE, 500);
		if (rc == WAIT_FAILED) {
			WLog_ERR(TAG, "wait failed");
			break;
		}
		if (WaitForSingleObject(srv->stop_event, 0) == WAIT_OBJECT_0)
			break;
		if (sig && WaitForSingleObject(sig, 0) == WAIT_OBJECT_0) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue; /* already read (the event is level-triggered on the fd) */
			if (si.ssi_signo == SIGUSR1) {
				gate_server_log_stats(srv);
				continue;
			}
			WLog_INFO(TAG, "signal %u received, shutting down", si.ssi_signo);
			break;
		}
		if (!srv->listener->CheckFileDescriptor(srv->listener))
			WLog_WARN(TAG, "listener check failed");
		watchdog(srv, FALSE);
		if (srv->admission.tick)
			srv->admission.tick(srv->admission.ctx);
	}
	srv->listener->Close(srv->listener);
	drain_sessions(srv);
	if (sig)
		CloseHandle(sig);
	if (sfd >= 0)
		close(sfd);
	return 0;
}
