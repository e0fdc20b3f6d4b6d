/* gate_worker: one vendor connection in its own sandboxed process (gate_worker.h). */
#include "gate_worker.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <winpr/synch.h>
#include <winpr/wlog.h>
#include <freerdp/error.h>
#include <freerdp/peer.h>

#include "gate_config_files.h"
#include "gate_err.h"
#include "gate_ipc.h"
#include "gate_recorder.h"
#include "gate_sandbox.h"
#include "gate_session.h"
#include "text_escape.h"

#define TAG "rmgate.proxy.worker"
/* How long the worker waits for the monitor's answer to an admission or hash request. */
#define MONITOR_ANSWER_MS 30000

typedef struct {
	int ipc;
	UINT64 id;
	const gate_config *cfg;
	gate_admission admission;     /* read-only after start */
	gate_recorder *rec;           /* peer thread: set at admission (then owned by the session) */
	char end_now[GATE_IPC_MAX_STRING + 1]; /* peer thread: the monitor's "end now", "" none */
	UINT32 end_error_info;        /* peer thread: the ERRINFO_* that came with it (0 none) */
	HANDLE ended;                 /* manual reset: the session's memory is freed */
	CRITICAL_SECTION lock;        /* guards session against the watchdog */
	gate_session *session;
} worker;

static UINT64 now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (UINT64)ts.tv_sec * 1000u + (UINT64)ts.tv_nsec / 1000000u;
}

/* ---- sending ------------------------------------------------------------------------------ */

/* Client-chosen text in clean form for a gate_ipc string (no control character, valid UTF-8,
 * at most max bytes, cut at a character boundary). */
static const char *clean(const char *in, char *buf, size_t buflen, size_t max)
{
	text_escape(buf, buflen, in ? in : "");
	size_t n = strlen(buf);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80)
			n--;
		buf[n] = 0;
	}
	return buf;
}

static BOOL send_msg(worker *w, gate_ipc_out *m)
{
	char err[256];
	int rc = gate_ipc_send(w->ipc, m, -1, err, sizeof(err));
	gate_ipc_out_clear(m);
	if (rc != 0)
		WLog_ERR(TAG, "s%llu: %s", (unsigned long long)w->id, err);
	return rc == 0;
}

/* ---- receiving (peer thread only) ----------------------------------------------------------- */

/* Handles a message that may come at any time; FALSE when it ends the conversation. */
static void handle_async(worker *w, gate_ipc_msg *m)
{
	char buf[GATE_IPC_MAX_STRING + 1];
	if (m->type == GATE_IPC_M_END_NOW) {
		if (!w->end_now[0]) {
			snprintf(w->end_now, sizeof(w->end_now), "%s",
			         gate_ipc_str(m, GATE_IPC_F_REASON, buf, sizeof buf) ? buf : "Session ended by the gate.");
			gate_ipc_u32(m, GATE_IPC_F_ERROR_INFO, &w->end_error_info);
		}
	} else if (m->type == GATE_IPC_M_NOTE && w->rec) {
		char detail[GATE_IPC_MAX_STRING + 1];
		if (gate_ipc_str(m, GATE_IPC_F_NAME, buf, sizeof buf))
			gate_recorder_note(w->rec, buf,
			                   gate_ipc_str(m, GATE_IPC_F_DETAIL, detail, sizeof detail) ? detail : "");
	}
}

/* Receives until a message of type `want` (1, in *m), a timeout, the end of the monitor or a
 * bad message (0 or -1; then "end now" is set). Other messages are handled on the way. */
static int wait_for(worker *w, uint8_t want, gate_ipc_msg *m, int timeout_ms)
{
	UINT64 deadline = now_ms() + (UINT64)timeout_ms;
	char err[256];
	for (;;) {
		UINT64 now = now_ms();
		if (now >= deadline) {
			WLog_ERR(TAG, "s%llu: the monitor did not answer in time", (unsigned long long)w->id);
			return 0;
		}
		struct pollfd p = { .fd = w->ipc, .events = POLLIN };
		int n = poll(&p, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		int rc = gate_ipc_recv(w->ipc, GATE_IPC_FROM_MONITOR, m, err, sizeof(err));
		if (rc <= 0) {
			if (rc < 0)
				WLog_ERR(TAG, "s%llu: from the monitor: %s", (unsigned long long)w->id, err);
			snprintf(w->end_now, sizeof(w->end_now), "The gate is shutting down.");
			return rc;
		}
		if (m->type == want)
			return 1;
		handle_async(w, m);
		gate_ipc_msg_clear(m);
		if (w->end_now[0])
			return 0;
	}
}

/* ---- admission hooks (peer thread) --------------------------------------------------------- */

static void put_request(gate_ipc_out *m, const gate_admission_request *req)
{
	char buf[GATE_IPC_MAX_STRING + 1];
	gate_ipc_begin(m, GATE_IPC_W_ADMIT);
	gate_ipc_put_str(m, GATE_IPC_F_USER, clean(req->user, buf, sizeof buf, 256));
	gate_ipc_put_str(m, GATE_IPC_F_DOMAIN, clean(req->domain, buf, sizeof buf, 256));
	if (req->password)
		gate_ipc_put_bytes(m, GATE_IPC_F_PASSWORD, req->password, strnlen(req->password, 512));
	gate_ipc_put_str(m, GATE_IPC_F_CLIENT_NAME, clean(req->client_name, buf, sizeof buf, 64));
	gate_ipc_put_u32(m, GATE_IPC_F_CLIENT_BUILD, req->client_build);
	char list[GATE_IPC_MAX_STRING + 1] = "";
	size_t used = 0;
	for (size_t i = 0; i < req->nchannels; i++) {
		clean(req->channels[i], buf, sizeof buf, 16);
		int n = snprintf(list + used, sizeof list - used, "%s%s", used ? "," : "", buf);
		if (n < 0 || (size_t)n >= sizeof list - used) {
			list[used] = 0;
			break;
		}
		used += (size_t)n;
	}
	gate_ipc_put_str(m, GATE_IPC_F_CHANNEL, list);
	gate_ipc_put_u32(m, GATE_IPC_F_NLA, req->nla ? 1 : 0);
	gate_ipc_put_u32(m, GATE_IPC_F_WIDTH, req->width > 8192 ? 8192 : req->width);
	gate_ipc_put_u32(m, GATE_IPC_F_HEIGHT, req->height > 8192 ? 8192 : req->height);
	gate_ipc_put_u32(m, GATE_IPC_F_KEYBOARD, req->keyboard_layout);
}

static char *dup_field(const gate_ipc_msg *m, gate_ipc_tag tag)
{
	const gate_ipc_field *f = gate_ipc_field_of(m, tag);
	return f ? strndup((const char *)f->value, f->len) : NULL;
}

/* The reports the recorder sends to the monitor. */
static void report_event(void *ctx, gate_event_type type, const char *detail)
{
	worker *w = ctx;
	char buf[GATE_IPC_MAX_STRING + 1];
	gate_ipc_out m;
	gate_ipc_begin(&m, GATE_IPC_W_EVENT);
	gate_ipc_put_u32(&m, GATE_IPC_F_EVENT, (UINT32)type);
	gate_ipc_put_str(&m, GATE_IPC_F_DETAIL, clean(detail, buf, sizeof buf, GATE_IPC_MAX_STRING));
	send_msg(w, &m);
}

static void report_input(void *ctx)
{
	gate_ipc_out m;
	gate_ipc_begin(&m, GATE_IPC_W_INPUT);
	send_msg(ctx, &m);
}

/* The session's tick (peer thread): whatever the monitor sent meanwhile. */
static const char *report_tick(void *ctx, UINT32 *error_info)
{
	worker *w = ctx;
	while (!w->end_now[0]) {
		struct pollfd p = { .fd = w->ipc, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			break;
		gate_ipc_msg m;
		char err[256];
		int rc = gate_ipc_recv(w->ipc, GATE_IPC_FROM_MONITOR, &m, err, sizeof(err));
		if (rc <= 0) {
			if (rc < 0)
				WLog_ERR(TAG, "s%llu: from the monitor: %s", (unsigned long long)w->id, err);
			snprintf(w->end_now, sizeof(w->end_now), "The gate is shutting down.");
			break;
		}
		handle_async(w, &m);
		gate_ipc_msg_clear(&m);
	}
	*error_info = w->end_error_info;
	return w->end_now[0] ? w->end_now : NULL;
}

static void report_end(void *ctx, const char *reason, uint64_t frames)
{
	worker *w = ctx;
	char buf[GATE_IPC_MAX_STRING + 1];
	gate_ipc_out m;
	gate_ipc_begin(&m, GATE_IPC_W_END);
	gate_ipc_put_str(&m, GATE_IPC_F_REASON, clean(reason, buf, sizeof buf, 256));
	gate_ipc_put_u32(&m, GATE_IPC_F_FRAMES, frames > UINT32_MAX ? UINT32_MAX : (UINT32)frames);
	send_msg(w, &m);
}

/* The recorder for an allowed session: on the descriptor that came with the decision, or
 * none when the decision names no recording (lab mode without recording). */
static gate_recorder *start_recorder(worker *w, gate_ipc_msg *m, const gate_admission_request *req,
                                     char *err, size_t errlen)
{
	char rec_id[GATE_IPC_MAX_STRING + 1];
	const char *id = gate_ipc_str(m, GATE_IPC_F_RECORDING_ID, rec_id, sizeof rec_id);
	uint64_t session = 0, permit = 0, vendor = 0, sys = 0, account = 0, start_ns = 0;
	gate_ipc_u64(m, GATE_IPC_F_SESSION_ID, &session);
	gate_ipc_u64(m, GATE_IPC_F_PERMIT_ID, &permit);
	gate_ipc_u64(m, GATE_IPC_F_VENDOR_ID, &vendor);
	gate_ipc_u64(m, GATE_IPC_F_SYSTEM_ID, &sys);
	gate_ipc_u64(m, GATE_IPC_F_ACCOUNT_ID, &account);
	gate_ipc_u64(m, GATE_IPC_F_START_NS, &start_ns);
	if (id && m->fd < 0) {
		snprintf(err, errlen, "the session cannot be recorded: the monitor sent no recording file");
		return NULL;
	}
	rec_session_info info = { .session_id = id ? id : "",
		                  .permit_id = (int64_t)permit,
		                  .vendor_id = (int64_t)vendor,
		                  .system_id = (int64_t)sys,
		                  .account_id = (int64_t)account,
		                  .width = req->width ? req->width : 1024,
		                  .height = req->height ? req->height : 768,
		                  .keyboard_layout = req->keyboard_layout,
		                  .start_ns = start_ns };
	const gate_recorder_report report = { .ctx = w, .event = report_event, .input = report_input,
		                              .tick = report_tick, .end = report_end };
	int fd = id ? m->fd : -1;
	m->fd = -1; /* the recorder takes it */
	return gate_recorder_new(fd, &info, (int64_t)session, &report, err, errlen);
}

static BOOL worker_admit(void *ctx, const gate_admission_request *req, gate_admission_decision *out)
{
	worker *w = ctx;
	gate_ipc_out q;
	put_request(&q, req);
	if (!send_msg(w, &q))
		return FALSE;
	gate_ipc_msg m;
	if (wait_for(w, GATE_IPC_M_DECISION, &m, MONITOR_ANSWER_MS) != 1) {
		out->allow = FALSE;
		/* (a sentence longer than the reason's room is cut) */
		snprintf(out->reason, sizeof(out->reason), "%.255s",
		         w->end_now[0] ? w->end_now : "The gate cannot decide now; try again later.");
		return TRUE;
	}
	uint32_t allow = 0, v = 0;
	char buf[GATE_IPC_MAX_STRING + 1];
	gate_ipc_u32(&m, GATE_IPC_F_ALLOW, &allow);
	if (gate_ipc_u32(&m, GATE_IPC_F_ERROR_INFO, &v))
		out->error_info = v;
	if (gate_ipc_str(&m, GATE_IPC_F_REASON, buf, sizeof buf))
		snprintf(out->reason, sizeof(out->reason), "%.255s", buf);
	BOOL ok = TRUE;
	if (allow) {
		out->target_host = dup_field(&m, GATE_IPC_F_TARGET_HOST);
		out->target_port = gate_ipc_u32(&m, GATE_IPC_F_TARGET_PORT, &v) ? (UINT16)v : 3389;
		const gate_ipc_field *pin = gate_ipc_field_of(&m, GATE_IPC_F_TARGET_PIN);
		out->has_target_pin = pin != NULL;
		if (pin)
			memcpy(out->target_pin, pin->value, sizeof(out->target_pin));
		out->policy = gate_policy_from_bits(gate_ipc_u32(&m, GATE_IPC_F_POLICY, &v) ? v : 0);
		out->user = dup_field(&m, GATE_IPC_F_USER);
		out->domain = dup_field(&m, GATE_IPC_F_DOMAIN);
		out->password = dup_field(&m, GATE_IPC_F_PASSWORD);
		char err[512];
		w->rec = out->target_host ? start_recorder(w, &m, req, err, sizeof(err)) : NULL;
		if (!w->rec) {
			if (out->target_host) {
				WLog_ERR(TAG, "s%llu: %s", (unsigned long long)w->id, err);
				report_end(w, err, 0); /* the monitor ends the ledger's session */
			}
			gate_admission_decision_clear(out);
			out->allow = FALSE;
			snprintf(out->reason, sizeof(out->reason), "The session cannot be recorded, so it is refused.");
			ok = TRUE;
		} else {
			out->observer = gate_recorder_observer(w->rec);
			out->allow = TRUE;
		}
	}
	gate_ipc_msg_clear(&m);
	return ok;
}

static BOOL worker_ntlm_v2_hash(void *ctx, const WCHAR *user, UINT32 user_bytes, const WCHAR *domain,
                                UINT32 domain_bytes, const char *source, BYTE hash[16])
{
	worker *w = ctx;
	(void)source; /* the monitor knows the address it accepted */
	if (user_bytes < 2 || user_bytes > 512 || domain_bytes > 512)
		return FALSE;
	gate_ipc_out q;
	gate_ipc_begin(&q, GATE_IPC_W_NTLM_HASH);
	gate_ipc_put_bytes(&q, GATE_IPC_F_USER_UTF16, user, user_bytes);
	gate_ipc_put_bytes(&q, GATE_IPC_F_DOMAIN_UTF16, domain, domain_bytes);
	if (!send_msg(w, &q))
		return FALSE;
	gate_ipc_msg m;
	if (wait_for(w, GATE_IPC_M_NTLM_HASH, &m, MONITOR_ANSWER_MS) != 1)
		return FALSE;
	uint32_t found = 0;
	const gate_ipc_field *h = gate_ipc_field_of(&m, GATE_IPC_F_HASH);
	BOOL ok = gate_ipc_u32(&m, GATE_IPC_F_FOUND, &found) && found && h;
	if (ok)
		memcpy(hash, h->value, 16);
	gate_ipc_msg_clear(&m);
	return ok;
}

static void worker_refused(void *ctx, const char *reason, const char *login, const char *source,
                           const char *detail)
{
	worker *w = ctx;
	(void)source;
	char buf[GATE_IPC_MAX_STRING + 1];
	gate_ipc_out m;
	gate_ipc_begin(&m, GATE_IPC_W_REFUSED);
	gate_ipc_put_str(&m, GATE_IPC_F_REASON, clean(reason, buf, sizeof buf, 64));
	if (login)
		gate_ipc_put_str(&m, GATE_IPC_F_LOGIN, clean(login, buf, sizeof buf, 256));
	if (detail)
		gate_ipc_put_str(&m, GATE_IPC_F_DETAIL, clean(detail, buf, sizeof buf, GATE_IPC_MAX_STRING));
	send_msg(w, &m);
}

/* ---- the session's host table ---------------------------------------------------------------- */

static BOOL host_add(void *ctx, gate_session *s, int sockfd)
{
	worker *w = ctx;
	(void)sockfd; /* the monitor applied the per-source limits at accept */
	EnterCriticalSection(&w->lock);
	w->session = s;
	LeaveCriticalSection(&w->lock);
	return TRUE;
}

static BOOL host_promote(void *ctx, gate_session *s, const char *client_address)
{
	/* The session pool is the monitor's: it refuses a full gate at admission. */
	(void)ctx;
	(void)s;
	(void)client_address;
	return TRUE;
}

static void host_remove(void *ctx, gate_session *s)
{
	worker *w = ctx;
	(void)s;
	EnterCriticalSection(&w->lock);
	w->session = NULL;
	LeaveCriticalSection(&w->lock);
}

static void host_finished(void *ctx)
{
	worker *w = ctx;
	SetEvent(w->ended);
}

/* ---- start ----------------------------------------------------------------------------------- */

/* FreeRDP's client TLS checks that its certificate store's directories exist (creating them
 * if not) before any connection, though the gate's callback decides every certificate and
 * nothing is stored. The worker cannot create anything after the drop, and cannot traverse
 * the gate's 0700 state directory: it prepares var_dir/freerdp-client/{certs,server} (root's,
 * 0755, empty) while still root, makes it its working directory, and names it ".". */
static BOOL prepare_client_config_dir(gate_config *cfg, char *err, size_t errlen)
{
	char path[4096];
	static const char *const sub[] = { "", "/certs", "/server" };
	for (size_t i = 0; i < ARRAYSIZE(sub); i++) {
		snprintf(path, sizeof path, "%s/freerdp-client%s", cfg->var_dir, sub[i]);
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			gate_err_set(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return FALSE;
		}
	}
	snprintf(path, sizeof path, "%s/freerdp-client", cfg->var_dir);
	if (chdir(path) != 0) {
		gate_err_set(err, errlen, "cannot enter %s: %s", path, strerror(errno));
		return FALSE;
	}
	free(cfg->client_config_dir);
	cfg->client_config_dir = strdup(".");
	return cfg->client_config_dir != NULL;
}

/* Steps 1 to 4 of gate_worker.h; FALSE with a sentence in err. */
static BOOL enter_sandbox(gate_config *cfg, char *err, size_t errlen)
{
	if (!gate_config_load_tls(cfg, err, errlen) || !prepare_client_config_dir(cfg, err, errlen))
		return FALSE;
	struct rlimit files = { (rlim_t)cfg->worker_max_files, (rlim_t)cfg->worker_max_files };
	struct rlimit no_core = { 0, 0 };
	if (setrlimit(RLIMIT_NOFILE, &files) != 0 || setrlimit(RLIMIT_CORE, &no_core) != 0) {
		snprintf(err, errlen, "cannot set the worker's resource limits: %s", strerror(errno));
		return FALSE;
	}
	if (geteuid() == 0 && gate_sandbox_drop_user(cfg->worker_user, err, errlen) != 0)
		return FALSE;
	return gate_sandbox_restrict_syscalls(err, errlen) == 0;
}

static freerdp_peer *peer_for_client(void)
{
	freerdp_peer *peer = freerdp_peer_new(GATE_WORKER_CLIENT_FD);
	if (!peer)
		return NULL;
	struct sockaddr_storage a;
	socklen_t n = sizeof(a);
	if (getpeername(GATE_WORKER_CLIENT_FD, (struct sockaddr *)&a, &n) == 0) {
		const void *addr = a.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&a)->sin6_addr
		                                           : (const void *)&((struct sockaddr_in *)&a)->sin_addr;
		inet_ntop(a.ss_family, addr, peer->hostname, sizeof(peer->hostname));
		peer->local = a.ss_family == AF_INET ? ((struct sockaddr_in *)&a)->sin_addr.s_addr == htonl(INADDR_LOOPBACK)
		                                     : IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&a)->sin6_addr);
	}
	return peer;
}

/* The threads of this process other than the caller (from /proc/self/task). */
static int other_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* The session's peer thread has called host.finished as its last act, but it still runs its
 * thread-exit work (OpenSSL frees its per-thread random generators then). Returning from main
 * now would end it midway and leave that memory looking leaked; so the worker waits, briefly,
 * until it is the only thread. */
static void wait_for_threads_to_end(void)
{
	for (int i = 0; i < 200 && other_threads() > 0; i++)
		usleep(10000);
}

int gate_worker_main(gate_config *cfg, gate_sam *sam, UINT64 id)
{
	char err[512];
	worker w = { .ipc = GATE_WORKER_IPC_FD, .id = id, .cfg = cfg };
	InitializeCriticalSectionAndSpinCount(&w.lock, 4000);
	w.ended = CreateEvent(NULL, TRUE, FALSE, NULL);
	int rc = 1;
	freerdp_peer *peer = NULL;
	if (!w.ended || !gate_global_init()) {
		WLog_ERR(TAG, "s%llu: cannot initialise the RDP libraries", (unsigned long long)id);
		goto out;
	}
	if (!enter_sandbox(cfg, err, sizeof(err))) {
		WLog_ERR(TAG, "s%llu: the worker cannot start: %s", (unsigned long long)id, err);
		goto out;
	}
	w.admission = (gate_admission){ .ctx = &w,
		                        .admit = worker_admit,
		                        .ntlm_v2_hash = cfg->target.host ? NULL : worker_ntlm_v2_hash,
		                        .refused = worker_refused };
	if (!(peer = peer_for_client())) {
		WLog_ERR(TAG, "s%llu: out of memory", (unsigned long long)id);
		goto out;
	}
	const gate_session_host host = { .ctx = &w, .cfg = cfg, .admission = &w.admission, .sam = sam,
		                         .add = host_add, .promote = host_promote, .remove = host_remove,
		                         .finished = host_finished };
	if (!gate_session_spawn(&host, peer, id)) {
		WLog_ERR(TAG, "s%llu: cannot start the session", (unsigned long long)id);
		freerdp_peer_free(peer);
		goto out;
	}
	/* The handshake deadline, as the single-process gate had it; the monitor kills a worker
	 * that overstays it by more than a grace period, whatever the worker does. */
	const UINT64 limit = cfg->handshake_timeout_ms + cfg->connect_timeout_ms;
	while (WaitForSingleObject(w.ended, 500) == WAIT_TIMEOUT) {
		EnterCriticalSection(&w.lock);
		if (w.session)
			gate_session_watchdog(w.session, now_ms(), limit, FALSE);
		LeaveCriticalSection(&w.lock);
	}
	wait_for_threads_to_end();
	rc = 0;
out:
	close(GATE_WORKER_IPC_FD);
	gate_sam_free(sam);
	if (w.ended)
		CloseHandle(w.ended);
	DeleteCriticalSection(&w.lock);
	return rc;
}
