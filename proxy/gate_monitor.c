/* gate_monitor: listener, workers, their messages, limits and ends (gate_monitor.h). */
#include "gate_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winpr/string.h>
#include <winpr/wlog.h>
#include <freerdp/error.h>

#include "gate_audit.h"
#include "gate_ipc.h"
#include "gate_sources.h"
#include "gate_worker.h"
#include "text_escape.h"

#define TAG "rmgate.proxy.monitor"
#define GATE_WORKER_CONFIG_FD 5
/* A worker still handshaking this long after its own deadline is killed. */
#define HANDSHAKE_GRACE_MS 5000
/* Messages read from one worker per turn of the loop: a worker that floods the monitor (its
 * client announcing thousands of devices, or a compromised worker) is served in turn with
 * the others and the listener, never ahead of them. What it says is capped per session
 * anyway (gate_audit: ledger rows). */
#define MESSAGES_PER_TURN 64
/* Refusal lines logged per second at most; the next line counts the rest. */
#define REFUSAL_LOG_PER_SECOND 20
#define TICK_MS 500

typedef enum { PHASE_HANDSHAKE, PHASE_ADMITTED, PHASE_ENDED } worker_phase;
/* Which pool a worker counts in: the handshake pool from accept to its admission request,
 * the session pool once admitted, neither once refused. */
typedef enum { POOL_HANDSHAKE, POOL_SESSION, POOL_NONE } worker_pool;

typedef struct {
	pid_t pid;               /* 0: free slot */
	int ipc;
	UINT64 id;
	gate_source_key source;
	char address[64];
	UINT64 accepted_ms;
	worker_phase phase;
	worker_pool pool;
	BOOL admit_seen, hash_seen, refused_seen;
	char hash_login[257];    /* the login whose NLA hash the worker asked for */
	gate_audit *audit;       /* admitted with a recording/ledger: the session's audit */
	BOOL end_sent;           /* M_END_NOW sent */
	UINT64 kill_at_ms;       /* SIGKILL then (0: no deadline) */
	char kill_why[96];       /* what the log says when the deadline passes */
	UINT64 cpu_window_ms;    /* start of the current CPU minute */
	unsigned long long cpu_ticks_base; /* the worker's CPU ticks then */
} worker_slot;

typedef struct {
	const gate_monitor_params *p;
	gate_config *cfg;
	worker_slot *slots;
	size_t nslots;
	size_t nhandshakes, nsessions;
	gate_sources *sources;
	int listen_fds[GATE_MAX_LISTEN];
	size_t nlisten;
	int sigfd;
	int exe_fd;
	int config_fd;           /* the configuration text for workers (-1: defaults) */
	UINT64 next_id;
	UINT64 accepted, refused_full, refused_source, workers_failed;
	UINT64 refusal_log_ms, refusals_logged, refusals_unlogged;
	BOOL stopping;
	long clock_ticks;        /* sysconf(_SC_CLK_TCK) */
	long page_kb;
} monitor;

static UINT64 now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (UINT64)ts.tv_sec * 1000u + (UINT64)ts.tv_nsec / 1000000u;
}

/* ---- setup ---------------------------------------------------------------------------------- */

static int open_listener(const gate_endpoint *ep)
{
	char port[8];
	snprintf(port, sizeof port, "%u", ep->port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(ep->host, port, &hints, &res);
	if (rc != 0) {
		WLog_ERR(TAG, "cannot resolve listen address %s: %s", ep->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
			WLog_ERR(TAG, "cannot listen on %s port %u: %s", ep->host, ep->port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* The configuration text as a sealed memory file, for the workers' descriptor 5. */
static int config_memfd(const gate_config *cfg)
{
	if (!cfg->text)
		return -1;
	int fd = memfd_create("rmgate.conf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -2;
	size_t len = strlen(cfg->text), off = 0;
	while (off < len) {
		ssize_t n = write(fd, cfg->text + off, len - off);
		if (n <= 0) {
			close(fd);
			return -2;
		}
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
		close(fd);
		return -2;
	}
	return fd;
}

static int signal_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static size_t slot_count(const gate_config *cfg)
{
	return (size_t)gate_config_handshake_pool(cfg) + (size_t)cfg->max_sessions;
}

/* ---- workers -------------------------------------------------------------------------------- */

static worker_slot *slot_of_pid(monitor *m, pid_t pid)
{
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].pid == pid)
			return &m->slots[i];
	return NULL;
}

static void kill_worker(worker_slot *w, const char *why)
{
	WLog_WARN(TAG, "s%llu: worker %d killed: %s", (unsigned long long)w->id, (int)w->pid, why);
	kill(w->pid, SIGKILL);
	w->kill_at_ms = 0;
}

static BOOL send_to(monitor *m, worker_slot *w, gate_ipc_out *out, int fd)
{
	char err[256];
	(void)m;
	int rc = gate_ipc_send(w->ipc, out, fd, err, sizeof(err));
	gate_ipc_out_clear(out);
	if (rc != 0) {
		WLog_ERR(TAG, "s%llu: %s", (unsigned long long)w->id, err);
		kill_worker(w, "its socket failed");
	}
	return rc == 0;
}

static void end_now(monitor *m, worker_slot *w, const char *sentence)
{
	if (w->end_sent || w->phase == PHASE_ENDED)
		return;
	gate_ipc_out out;
	gate_ipc_begin(&out, GATE_IPC_M_END_NOW);
	gate_ipc_put_str(&out, GATE_IPC_F_REASON, sentence);
	w->end_sent = TRUE;
	w->kill_at_ms = now_ms() + 2u * m->cfg->close_timeout_ms + 1000u;
	snprintf(w->kill_why, sizeof w->kill_why, "it did not end its session when told to");
	send_to(m, w, &out, -1);
}

/* The child between fork and exec: only async-signal-safe calls. */
static void exec_worker(monitor *m, int client, int ipc, char *const *argv)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The terminal's ^C and a service manager's SIGTERM go to the monitor, which ends the
	 * sessions in order; a worker ends when told to, or when the monitor is gone. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	if (dup2(client, GATE_WORKER_CLIENT_FD) < 0 || dup2(ipc, GATE_WORKER_IPC_FD) < 0)
		_exit(127);
	if (m->config_fd >= 0 && dup2(m->config_fd, GATE_WORKER_CONFIG_FD) < 0)
		_exit(127);
	int exe = m->exe_fd;
	if (exe <= GATE_WORKER_CONFIG_FD) {
		exe = fcntl(exe, F_DUPFD_CLOEXEC, GATE_WORKER_CONFIG_FD + 1);
		if (exe < 0)
			_exit(127);
	}
	/* Everything else the monitor holds stays out: the database, the key files, the
	 * listening sockets, other workers' sockets (all close-on-exec already; this makes sure). */
	for (int fd = GATE_WORKER_CONFIG_FD + 1; fd < 1024; fd++)
		if (fd != exe)
			close(fd);
	extern char **environ;
	fexecve(exe, argv, environ);
	_exit(127);
}

static char **worker_argv(monitor *m, UINT64 id, char *idbuf, size_t idlen)
{
	const gate_monitor_params *p = m->p;
	char **argv = calloc((size_t)p->argc + 5, sizeof(char *));
	if (!argv)
		return NULL;
	int n = 0;
	for (int i = 0; i < p->argc; i++)
		argv[n++] = p->argv[i];
	snprintf(idbuf, idlen, "%llu", (unsigned long long)id);
	argv[n++] = (char *)"--session-worker";
	argv[n++] = idbuf;
	if (m->config_fd >= 0)
		argv[n++] = (char *)"--config-fd";
	argv[n] = NULL;
	return argv;
}

static void set_pool(monitor *m, worker_slot *w, worker_pool to)
{
	if (w->pool == to)
		return;
	if (w->pool == POOL_HANDSHAKE) {
		m->nhandshakes--;
		gate_sources_close(m->sources, &w->source);
	} else if (w->pool == POOL_SESSION)
		m->nsessions--;
	if (to == POOL_SESSION)
		m->nsessions++;
	else if (to == POOL_HANDSHAKE)
		m->nhandshakes++;
	w->pool = to;
}

static BOOL start_worker(monitor *m, int client, const gate_source_key *src, const char *address)
{
	worker_slot *w = slot_of_pid(m, 0);
	int sv[2];
	if (!w || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return FALSE;
	UINT64 id = ++m->next_id;
	char idbuf[24];
	char **argv = worker_argv(m, id, idbuf, sizeof idbuf);
	if (!argv) {
		close(sv[0]);
		close(sv[1]);
		return FALSE;
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_worker(m, client, sv[1], argv);
	free(argv);
	close(sv[1]);
	if (pid < 0) {
		WLog_ERR(TAG, "cannot start a worker: %s", strerror(errno));
		close(sv[0]);
		return FALSE;
	}
	UINT64 now = now_ms();
	*w = (worker_slot){ .pid = pid, .ipc = sv[0], .id = id, .source = *src, .accepted_ms = now,
		            .phase = PHASE_HANDSHAKE, .pool = POOL_NONE, .cpu_window_ms = now };
	snprintf(w->address, sizeof w->address, "%s", address);
	set_pool(m, w, POOL_HANDSHAKE);
	m->accepted++;
	gate_sources_open(m->sources, src, now);
	WLog_INFO(TAG, "s%llu: connection from %s, worker %d", (unsigned long long)id, address, (int)pid);
	return TRUE;
}

/* ---- the accept path -------------------------------------------------------------------------- */

static void log_refusal(monitor *m, const char *from, const char *why, UINT64 now)
{
	if (now >= m->refusal_log_ms + 1000) {
		m->refusal_log_ms = now;
		m->refusals_logged = 0;
	}
	if (m->refusals_logged >= REFUSAL_LOG_PER_SECOND) {
		m->refusals_unlogged++;
		return;
	}
	m->refusals_logged++;
	if (m->refusals_unlogged)
		WLog_WARN(TAG, "refused connection from %s: %s (%llu earlier refusals not logged)", from, why,
		          (unsigned long long)m->refusals_unlogged);
	else
		WLog_WARN(TAG, "refused connection from %s: %s", from, why);
	m->refusals_unlogged = 0;
}

/* NULL when a new connection from src may start its handshake, else why not. */
static const char *accept_refusal(monitor *m, const gate_source_key *src, UINT64 now, char *why,
                                  size_t whylen, BOOL *pool_full)
{
	const gate_config *cfg = m->cfg;
	size_t pool = (size_t)gate_config_handshake_pool(cfg);
	*pool_full = FALSE;
	if (m->nhandshakes >= pool || !slot_of_pid(m, 0)) {
		*pool_full = TRUE;
		snprintf(why, whylen, "max_handshakes (%zu) connections are handshaking", pool);
		return why;
	}
	switch (gate_sources_check(m->sources, src, now)) {
	case GATE_SOURCE_TOO_MANY_HANDSHAKES:
		snprintf(why, whylen, "max_source_handshakes (%d) connections of this source are handshaking",
		         cfg->max_source_handshakes);
		return why;
	case GATE_SOURCE_TOO_FAST:
		snprintf(why, whylen, "source_connects_per_minute (%d) reached for this source",
		         cfg->source_connects_per_minute);
		return why;
	case GATE_SOURCE_OK: break;
	}
	return NULL;
}

static void accept_one(monitor *m, int lfd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	int fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	gate_source_key src = gate_source_key_from_sockaddr((struct sockaddr *)&sa, len);
	char address[64] = "";
	if (getnameinfo((struct sockaddr *)&sa, len, address, sizeof address, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(address, sizeof address, "unknown");
	UINT64 now = now_ms();
	char why[160];
	BOOL full = FALSE;
	const char *refused = accept_refusal(m, &src, now, why, sizeof why, &full);
	if (refused) {
		if (full)
			m->refused_full++;
		else
			m->refused_source++;
		log_refusal(m, address, refused, now);
		if (full)
			gate_permits_refused(m->p->permits, "too_many_sessions", NULL, address, NULL);
		close(fd); /* before any byte is read */
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	if (!start_worker(m, fd, &src, address)) {
		m->workers_failed++;
		WLog_ERR(TAG, "cannot start a worker for %s", address);
	}
	close(fd);
}

/* ---- messages from a worker ------------------------------------------------------------------- */

static void send_decision(monitor *m, worker_slot *w, const gate_admission_decision *d, int fd)
{
	gate_ipc_out out;
	gate_ipc_begin(&out, GATE_IPC_M_DECISION);
	gate_ipc_put_u32(&out, GATE_IPC_F_ALLOW, d->allow ? 1 : 0);
	if (d->reason[0])
		gate_ipc_put_str(&out, GATE_IPC_F_REASON, d->reason);
	if (d->error_info)
		gate_ipc_put_u32(&out, GATE_IPC_F_ERROR_INFO, d->error_info);
	if (d->allow) {
		gate_ipc_put_str(&out, GATE_IPC_F_TARGET_HOST, d->target_host);
		gate_ipc_put_u32(&out, GATE_IPC_F_TARGET_PORT, d->target_port);
		if (d->has_target_pin)
			gate_ipc_put_bytes(&out, GATE_IPC_F_TARGET_PIN, d->target_pin, 32);
		gate_ipc_put_u32(&out, GATE_IPC_F_POLICY, gate_policy_to_bits(&d->policy));
		if (d->user) { /* injected credentials: only now, only for this system */
			gate_ipc_put_str(&out, GATE_IPC_F_USER, d->user);
			gate_ipc_put_str(&out, GATE_IPC_F_DOMAIN, d->domain ? d->domain : "");
			gate_ipc_put_bytes(&out, GATE_IPC_F_PASSWORD, d->password ? d->password : "",
			                   d->password ? strlen(d->password) : 0);
		}
		if (w->audit) {
			gate_audit_recording r = gate_audit_recording_of(w->audit);
			gate_ipc_put_str(&out, GATE_IPC_F_RECORDING_ID, r.recording_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_SESSION_ID, (uint64_t)r.session_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_PERMIT_ID, (uint64_t)r.permit_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_VENDOR_ID, (uint64_t)r.vendor_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_SYSTEM_ID, (uint64_t)r.system_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_ACCOUNT_ID, (uint64_t)r.account_id);
			gate_ipc_put_u64(&out, GATE_IPC_F_START_NS, r.start_ns);
		}
	}
	send_to(m, w, &out, fd);
}

/* Splits the comma-separated channel list in place (at most 64 names). */
static size_t split_channels(char *list, const char **names, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		names[n++] = t;
	return n;
}

static BOOL on_admit(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	if (w->admit_seen || w->phase != PHASE_HANDSHAKE) {
		snprintf(err, errlen, "a second admission request");
		return FALSE;
	}
	w->admit_seen = TRUE;
	uint32_t nla = 0, width = 0, height = 0, build = 0, layout = 0;
	gate_ipc_u32(msg, GATE_IPC_F_NLA, &nla);
	/* The worker cannot choose how the client authenticated: the configuration says it.
	 * With NLA, the account is the one whose hash the worker asked for. */
	BOOL want_nla = m->cfg->security == GATE_SEC_NLA;
	if ((BOOL)nla != want_nla) {
		snprintf(err, errlen, "an admission request with nla=%u while security is %s", nla, want_nla ? "nla" : "tls");
		return FALSE;
	}
	static char user[GATE_IPC_MAX_STRING + 1], domain[GATE_IPC_MAX_STRING + 1],
	    client_name[GATE_IPC_MAX_STRING + 1], channels[GATE_IPC_MAX_STRING + 1];
	gate_ipc_str(msg, GATE_IPC_F_USER, user, sizeof user);
	if (!gate_ipc_str(msg, GATE_IPC_F_DOMAIN, domain, sizeof domain))
		domain[0] = 0;
	if (!gate_ipc_str(msg, GATE_IPC_F_CLIENT_NAME, client_name, sizeof client_name))
		client_name[0] = 0;
	if (!gate_ipc_str(msg, GATE_IPC_F_CHANNEL, channels, sizeof channels))
		channels[0] = 0;
	if (want_nla && !m->cfg->target.host && (!w->hash_seen || strcmp(user, w->hash_login) != 0)) {
		snprintf(err, errlen, "an NLA admission for an account whose hash it did not ask for");
		return FALSE;
	}
	gate_ipc_u32(msg, GATE_IPC_F_WIDTH, &width);
	gate_ipc_u32(msg, GATE_IPC_F_HEIGHT, &height);
	gate_ipc_u32(msg, GATE_IPC_F_CLIENT_BUILD, &build);
	gate_ipc_u32(msg, GATE_IPC_F_KEYBOARD, &layout);
	const gate_ipc_field *pw = gate_ipc_field_of(msg, GATE_IPC_F_PASSWORD);
	char password[513] = "";
	if (pw) {
		memcpy(password, pw->value, pw->len);
		password[pw->len] = 0;
	}
	const char *names[64];
	size_t nnames = split_channels(channels, names, 64);
	gate_admission_request req = { .user = user, .domain = domain, .password = password,
		                       .client_address = w->address, .client_name = client_name,
		                       .client_build = build, .channels = names, .nchannels = nnames,
		                       .nla = (BOOL)nla, .width = width, .height = height,
		                       .keyboard_layout = layout };
	gate_admission_decision d = { 0 };
	int fd = -1;
	set_pool(m, w, POOL_NONE);
	if (m->nsessions >= (size_t)m->cfg->max_sessions) {
		m->refused_full++;
		gate_permits_refused(m->p->permits, "too_many_sessions", NULL, w->address, NULL);
		snprintf(d.reason, sizeof d.reason, "max_sessions (%d) reached", m->cfg->max_sessions);
		d.error_info = ERRINFO_SERVER_DENIED_CONNECTION;
	} else if (!gate_permits_decide(m->p->permits, &req, &d, &w->audit, &fd) && !d.reason[0]) {
		snprintf(d.reason, sizeof d.reason, "The gate cannot decide now; try again later.");
	}
	OPENSSL_cleanse(password, sizeof password);
	if (d.allow) {
		w->phase = PHASE_ADMITTED;
		set_pool(m, w, POOL_SESSION);
	}
	send_decision(m, w, &d, fd);
	if (fd >= 0)
		close(fd);
	gate_admission_decision_clear(&d);
	return TRUE;
}

static BOOL on_ntlm_hash(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	if (m->cfg->security != GATE_SEC_NLA || m->cfg->target.host || w->hash_seen || w->phase != PHASE_HANDSHAKE) {
		snprintf(err, errlen, "an NLA hash request it may not make");
		return FALSE;
	}
	w->hash_seen = TRUE;
	const gate_ipc_field *u = gate_ipc_field_of(msg, GATE_IPC_F_USER_UTF16);
	const gate_ipc_field *d = gate_ipc_field_of(msg, GATE_IPC_F_DOMAIN_UTF16);
	WCHAR user[257] = { 0 }, domain[257] = { 0 };
	memcpy(user, u->value, u->len & ~1u);
	if (d)
		memcpy(domain, d->value, d->len & ~1u);
	char *login = NULL;
	if (ConvertFromUnicode(CP_UTF8, 0, user, (int)(u->len / 2), &login, 0, NULL, NULL) > 0 && login)
		snprintf(w->hash_login, sizeof w->hash_login, "%s", login);
	free(login);
	BYTE hash[16];
	BOOL found = w->hash_login[0] &&
	             gate_permits_ntlm_v2_hash(m->p->permits, user, u->len & ~1u, domain, d ? d->len & ~1u : 0,
	                                       w->address, hash);
	gate_ipc_out out;
	gate_ipc_begin(&out, GATE_IPC_M_NTLM_HASH);
	gate_ipc_put_u32(&out, GATE_IPC_F_FOUND, found ? 1 : 0);
	if (found)
		gate_ipc_put_bytes(&out, GATE_IPC_F_HASH, hash, sizeof hash);
	OPENSSL_cleanse(hash, sizeof hash);
	send_to(m, w, &out, -1);
	return TRUE;
}

static BOOL on_refused(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	char reason[GATE_IPC_MAX_STRING + 1], login[GATE_IPC_MAX_STRING + 1] = "",
	                                     detail[GATE_IPC_MAX_STRING + 1];
	gate_ipc_str(msg, GATE_IPC_F_REASON, reason, sizeof reason);
	gate_ipc_str(msg, GATE_IPC_F_LOGIN, login, sizeof login);
	BOOL known = !strcmp(reason, "bad_password") || !strcmp(reason, "identity_mismatch");
	/* A worker reports the failure of its own NLA logon, once, for the account it asked about:
	 * it cannot count failed logons (lock-outs) against accounts of its choosing. */
	if (w->refused_seen || !known || !w->hash_seen || strcmp(login, w->hash_login) != 0) {
		snprintf(err, errlen, "a refusal report it may not make (%s)", known ? "not its account" : "unknown reason");
		return FALSE;
	}
	w->refused_seen = TRUE;
	gate_permits_refused(m->p->permits, reason, login, w->address,
	                     gate_ipc_str(msg, GATE_IPC_F_DETAIL, detail, sizeof detail));
	return TRUE;
}

static BOOL on_message(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen)
{
	switch (msg->type) {
	case GATE_IPC_W_ADMIT: return on_admit(m, w, msg, err, errlen);
	case GATE_IPC_W_NTLM_HASH: return on_ntlm_hash(m, w, msg, err, errlen);
	case GATE_IPC_W_REFUSED: return on_refused(m, w, msg, err, errlen);
	default: break;
	}
	if (w->phase != PHASE_ADMITTED) {
		snprintf(err, errlen, "a %s message outside a session", gate_ipc_type_name(msg->type));
		return FALSE;
	}
	uint32_t v = 0;
	char text[GATE_IPC_MAX_STRING + 1];
	switch (msg->type) {
	case GATE_IPC_W_EVENT:
		gate_ipc_u32(msg, GATE_IPC_F_EVENT, &v);
		if (v < GATE_EV_SESSION_START || v > GATE_EV_CODEC) {
			snprintf(err, errlen, "an event of unknown type %u", v);
			return FALSE;
		}
		if (w->audit)
			gate_audit_event(w->audit, (gate_event_type)v,
			                 gate_ipc_str(msg, GATE_IPC_F_DETAIL, text, sizeof text) ? text : "");
		return TRUE;
	case GATE_IPC_W_INPUT:
		if (w->audit)
			gate_audit_input(w->audit);
		return TRUE;
	case GATE_IPC_W_END:
		gate_ipc_u32(msg, GATE_IPC_F_FRAMES, &v);
		if (w->audit) {
			gate_audit_end(w->audit, gate_ipc_str(msg, GATE_IPC_F_REASON, text, sizeof text), v);
			gate_audit_free(w->audit);
			w->audit = NULL;
		}
		w->phase = PHASE_ENDED;
		return TRUE;
	default:
		snprintf(err, errlen, "an unexpected %s message", gate_ipc_type_name(msg->type));
		return FALSE;
	}
}

/* Reads one message of w; FALSE when the socket has nothing more (closed or failed). */
static BOOL read_worker(monitor *m, worker_slot *w)
{
	gate_ipc_msg msg;
	char err[256];
	int rc = gate_ipc_recv(w->ipc, GATE_IPC_FROM_WORKER, &msg, err, sizeof err);
	if (rc <= 0) {
		if (rc < 0) {
			WLog_ERR(TAG, "s%llu: from the worker: %s", (unsigned long long)w->id, err);
			kill_worker(w, "it sent a malformed message");
		}
		close(w->ipc);
		w->ipc = -1;
		return FALSE;
	}
	BOOL ok = on_message(m, w, &msg, err, sizeof err);
	gate_ipc_msg_clear(&msg);
	if (!ok) {
		WLog_ERR(TAG, "s%llu: refused from the worker: %s", (unsigned long long)w->id, err);
		kill_worker(w, "it broke the protocol");
		close(w->ipc);
		w->ipc = -1;
	}
	return ok;
}

/* A worker has ended: what it still had to say, then its session's end. */
static void reap(monitor *m, worker_slot *w, int status)
{
	while (w->ipc >= 0) {
		struct pollfd p = { .fd = w->ipc, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0 || !read_worker(m, w))
			break;
	}
	char how[64];
	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "killed by signal %d%s", WTERMSIG(status),
		         WTERMSIG(status) == SIGSYS ? " (a forbidden system call)" : "");
	else
		snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
	if (w->audit) {
		WLog_ERR(TAG, "s%llu: worker %d ended without ending its session (%s): closed as aborted",
		         (unsigned long long)w->id, (int)w->pid, how);
		gate_audit_abort(w->audit, how);
		gate_audit_free(w->audit);
		w->audit = NULL;
	} else
		WLog_INFO(TAG, "s%llu: worker %d ended (%s)", (unsigned long long)w->id, (int)w->pid, how);
	if (w->ipc >= 0)
		close(w->ipc);
	set_pool(m, w, POOL_NONE);
	memset(w, 0, sizeof *w);
	w->ipc = -1;
}

static void reap_all(monitor *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		worker_slot *w = slot_of_pid(m, pid);
		if (w)
			reap(m, w, status);
	}
}

/* ---- limits ----------------------------------------------------------------------------------- */

/* Resident memory (MiB) and CPU ticks of a worker; FALSE when /proc has no answer. */
static BOOL worker_usage(const monitor *m, pid_t pid, unsigned long long *rss_mb, unsigned long long *ticks)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	FILE *f = fopen(path, "re");
	unsigned long long size = 0, resident = 0;
	BOOL ok = f && fscanf(f, "%llu %llu", &size, &resident) == 2;
	if (f)
		fclose(f);
	if (!ok)
		return FALSE;
	*rss_mb = resident * (unsigned long long)m->page_kb / 1024u;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	/* Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return FALSE;
	*ticks = ut + st;
	return TRUE;
}

static void over_limit(monitor *m, worker_slot *w, const char *sentence)
{
	if (w->end_sent)
		return;
	WLog_WARN(TAG, "s%llu: %s", (unsigned long long)w->id, sentence);
	if (!w->audit) {
		kill_worker(w, sentence);
		return;
	}
	gate_audit_end_now(w->audit, POLICY_END_RESOURCE_LIMIT, sentence);
	gate_audit_event(w->audit, GATE_EV_SESSION_REFUSED, sentence);
	end_now(m, w, sentence);
	/* Memory and CPU keep growing while it winds down: a short grace only. */
	w->kill_at_ms = now_ms() + 2000u;
	snprintf(w->kill_why, sizeof w->kill_why, "over its resource limit");
}

static void check_limits(monitor *m, worker_slot *w, UINT64 now)
{
	unsigned long long rss_mb = 0, ticks = 0;
	if (!worker_usage(m, w->pid, &rss_mb, &ticks))
		return;
	char sentence[160];
	if (rss_mb > m->cfg->worker_max_rss_mb) {
		snprintf(sentence, sizeof sentence,
		         "Session ended: its worker used %llu MiB of memory (worker_max_rss_mb = %u).", rss_mb,
		         m->cfg->worker_max_rss_mb);
		over_limit(m, w, sentence);
		return;
	}
	if (now >= w->cpu_window_ms + 60000 || w->cpu_ticks_base == 0) {
		w->cpu_window_ms = now;
		w->cpu_ticks_base = ticks ? ticks : 1;
		return;
	}
	unsigned long long used_s = (ticks - w->cpu_ticks_base) / (unsigned long long)m->clock_ticks;
	if (used_s > m->cfg->worker_cpu_per_minute) {
		snprintf(sentence, sizeof sentence,
		         "Session ended: its worker used %llu CPU seconds within a minute (worker_cpu_per_minute = %u).",
		         used_s, m->cfg->worker_cpu_per_minute);
		over_limit(m, w, sentence);
	}
}

static void tick(monitor *m)
{
	UINT64 now = now_ms();
	gate_permits_tick(m->p->permits);
	const UINT64 handshake_limit = m->cfg->handshake_timeout_ms + m->cfg->connect_timeout_ms + HANDSHAKE_GRACE_MS;
	for (size_t i = 0; i < m->nslots; i++) {
		worker_slot *w = &m->slots[i];
		if (!w->pid)
			continue;
		if (w->kill_at_ms && now >= w->kill_at_ms) {
			kill_worker(w, w->kill_why);
			continue;
		}
		if (w->phase == PHASE_HANDSHAKE && now > w->accepted_ms + handshake_limit) {
			kill_worker(w, "still handshaking after its deadline");
			continue;
		}
		if (w->phase == PHASE_ADMITTED && w->audit && !w->end_sent) {
			gate_audit_note note;
			const char *why = gate_audit_tick(w->audit, &note);
			if (note.name) {
				gate_ipc_out out;
				gate_ipc_begin(&out, GATE_IPC_M_NOTE);
				gate_ipc_put_str(&out, GATE_IPC_F_NAME, note.name);
				gate_ipc_put_str(&out, GATE_IPC_F_DETAIL, note.detail);
				send_to(m, w, &out, -1);
			}
			if (why)
				end_now(m, w, why);
		}
		if (w->phase != PHASE_ENDED)
			check_limits(m, w, now);
	}
}

/* ---- signals, reload, stats --------------------------------------------------------------------- */

/* One line; heap_in_use is the monitor's own (glibc mallinfo2: allocated and not freed), what
 * must not grow with the number of connections it has served. */
static void log_stats(monitor *m)
{
	struct mallinfo2 mi = mallinfo2();
	WLog_INFO(TAG,
	          "stats: handshaking=%zu sessions=%zu accepted=%llu refused_full=%llu refused_source=%llu "
	          "workers_failed=%llu heap_in_use=%zu",
	          m->nhandshakes, m->nsessions, (unsigned long long)m->accepted,
	          (unsigned long long)m->refused_full, (unsigned long long)m->refused_source,
	          (unsigned long long)m->workers_failed, mi.uordblks + mi.hblkhd);
}

static BOOL same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static BOOL same_listen(const gate_config *a, const gate_config *b)
{
	if (a->n_listen != b->n_listen)
		return FALSE;
	for (size_t i = 0; i < a->n_listen; i++)
		if (strcmp(a->listen[i].host, b->listen[i].host) || a->listen[i].port != b->listen[i].port)
			return FALSE;
	return TRUE;
}

/* The keys set up once at start (sockets, the database and its key, lab mode and how clients
 * authenticate, the per-source table, the refusal rows): a reload that changes one of them is
 * refused as a whole, so that the monitor never mixes two configurations. Writes the keys
 * that changed into why; TRUE when there are none. */
static BOOL restart_keys_unchanged(const gate_config *a, const gate_config *b, char *why, size_t len)
{
	const struct { const char *key; BOOL same; } keys[] = {
		{ "listen", same_listen(a, b) },
		{ "database", same_str(a->database, b->database) },
		{ "var_dir", same_str(a->var_dir, b->var_dir) },
		{ "target", same_str(a->target.host, b->target.host) && a->target.port == b->target.port },
		{ "security", a->security == b->security },
		{ "sam_file", same_str(a->sam_file, b->sam_file) },
		{ "max_source_handshakes", a->max_source_handshakes == b->max_source_handshakes },
		{ "source_connects_per_minute", a->source_connects_per_minute == b->source_connects_per_minute },
		{ "refused_rows_per_minute", a->refused_rows_per_minute == b->refused_rows_per_minute },
	};
	size_t used = 0;
	why[0] = 0;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!keys[i].same && used < len) {
			int n = snprintf(why + used, len - used, "%s%s", used ? ", " : "", keys[i].key);
			used += n > 0 ? (size_t)n : 0;
		}
	return why[0] == 0;
}

static void reload(monitor *m)
{
	if (!m->p->reload) {
		WLog_WARN(TAG, "SIGHUP: this gate has no configuration file to reload");
		return;
	}
	gate_config fresh;
	char err[512];
	if (!m->p->reload(m->p->reload_ctx, &fresh, err, sizeof err)) {
		WLog_ERR(TAG, "SIGHUP: the configuration was not reloaded: %s", err);
		return;
	}
	char changed[256];
	if (!restart_keys_unchanged(m->cfg, &fresh, changed, sizeof changed)) {
		gate_config_free(&fresh);
		WLog_ERR(TAG, "SIGHUP: the configuration was not reloaded: %s change%s only at a restart",
		         changed, strchr(changed, ',') ? "" : "s");
		return;
	}
	size_t need = slot_count(&fresh);
	if (need > m->nslots) {
		worker_slot *grown = realloc(m->slots, need * sizeof *grown);
		if (!grown) {
			gate_config_free(&fresh);
			WLog_ERR(TAG, "SIGHUP: out of memory; the configuration was not reloaded");
			return;
		}
		memset(grown + m->nslots, 0, (need - m->nslots) * sizeof *grown);
		for (size_t i = m->nslots; i < need; i++)
			grown[i].ipc = -1;
		m->slots = grown;
		m->nslots = need;
	}
	int cfd = config_memfd(&fresh);
	if (cfd == -2) {
		gate_config_free(&fresh);
		WLog_ERR(TAG, "SIGHUP: cannot keep the configuration for the workers; not reloaded");
		return;
	}
	if (m->config_fd >= 0)
		close(m->config_fd);
	m->config_fd = cfd;
	/* The running configuration is replaced in place: every holder of the pointer sees it. */
	gate_config_free(m->cfg);
	*m->cfg = fresh;
	gate_permits *pm = m->p->permits;
	pm->recordings_dir = m->cfg->recordings;
	pm->disk = (gate_disk_limits){ .min_free_mb = m->cfg->recordings_min_free_mb,
		                       .warn_free_mb = m->cfg->recordings_warn_free_mb };
	WLog_INFO(TAG, "SIGHUP: configuration reloaded (new sessions use it; %zu live session(s) keep theirs)",
	          m->nsessions);
}

/* FALSE when the monitor must stop. */
static BOOL on_signals(monitor *m)
{
	struct signalfd_siginfo si;
	BOOL go_on = TRUE;
	while (read(m->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD: reap_all(m); break;
		case SIGHUP: reload(m); break;
		case SIGUSR1: log_stats(m); break;
		default:
			WLog_INFO(TAG, "signal %u received, shutting down", si.ssi_signo);
			go_on = FALSE;
		}
	}
	reap_all(m); /* SIGCHLD coalesces */
	return go_on;
}

static size_t live_workers(const monitor *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nslots; i++)
		n += m->slots[i].pid != 0;
	return n;
}

/* ---- the loop ---------------------------------------------------------------------------------- */

static void serve_once(monitor *m, int timeout_ms)
{
	struct pollfd *p = calloc(m->nlisten + 1 + m->nslots, sizeof *p);
	worker_slot **owner = calloc(m->nslots, sizeof *owner);
	if (!p || !owner) {
		free(p);
		free(owner);
		poll(NULL, 0, timeout_ms);
		return;
	}
	size_t n = 0;
	p[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
	size_t first_listener = n;
	if (!m->stopping)
		for (size_t i = 0; i < m->nlisten; i++)
			p[n++] = (struct pollfd){ .fd = m->listen_fds[i], .events = POLLIN };
	size_t first_worker = n;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].pid && m->slots[i].ipc >= 0) {
			owner[n - first_worker] = &m->slots[i];
			p[n++] = (struct pollfd){ .fd = m->slots[i].ipc, .events = POLLIN };
		}
	int rc = poll(p, n, timeout_ms);
	if (rc > 0) {
		for (size_t i = first_worker; i < n; i++) {
			worker_slot *w = owner[i - first_worker];
			if (!p[i].revents)
				continue;
			for (int k = 0; k < MESSAGES_PER_TURN && w->pid && w->ipc == p[i].fd; k++) {
				if (!read_worker(m, w))
					break;
				struct pollfd more = { .fd = p[i].fd, .events = POLLIN };
				if (poll(&more, 1, 0) <= 0)
					break;
			}
		}
		for (size_t i = first_listener; i < first_worker; i++)
			if (p[i].revents & POLLIN)
				accept_one(m, p[i].fd);
		if (p[0].revents & POLLIN && !on_signals(m))
			m->stopping = TRUE;
	}
	free(p);
	free(owner);
}

static void shut_down(monitor *m)
{
	for (size_t i = 0; i < m->nlisten; i++)
		close(m->listen_fds[i]);
	m->nlisten = 0;
	for (size_t i = 0; i < m->nslots; i++) {
		worker_slot *w = &m->slots[i];
		if (!w->pid)
			continue;
		if (w->phase == PHASE_ADMITTED) {
			if (w->audit)
				gate_audit_end_now(w->audit, POLICY_END_GATE_SHUTDOWN, "The gate is shutting down.");
			end_now(m, w, "The gate is shutting down.");
		}
		else if (w->phase == PHASE_HANDSHAKE)
			kill_worker(w, "the gate is shutting down before its session started");
	}
	UINT64 deadline = now_ms() + 2u * m->cfg->close_timeout_ms + 2000u;
	while (live_workers(m) && now_ms() < deadline) {
		serve_once(m, 100);
		tick(m);
	}
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].pid)
			kill_worker(&m->slots[i], "the gate is shutting down");
	while (live_workers(m)) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0)
			break;
		worker_slot *w = slot_of_pid(m, pid);
		if (w)
			reap(m, w, status);
	}
}

int gate_monitor_run(const gate_monitor_params *p)
{
	monitor m = { .p = p, .cfg = p->cfg, .sigfd = -1, .exe_fd = -1, .config_fd = -1 };
	int rc = 1;
	m.clock_ticks = sysconf(_SC_CLK_TCK);
	m.page_kb = sysconf(_SC_PAGESIZE) / 1024;
	m.nslots = slot_count(m.cfg);
	m.slots = calloc(m.nslots, sizeof *m.slots);
	m.sources = gate_sources_new((size_t)gate_config_handshake_pool(m.cfg) + 1024,
	                             (UINT32)m.cfg->max_source_handshakes,
	                             (UINT32)m.cfg->source_connects_per_minute);
	m.exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	m.config_fd = config_memfd(m.cfg);
	if (!m.slots || !m.sources || m.exe_fd < 0 || m.config_fd == -2) {
		WLog_ERR(TAG, "cannot prepare the workers (memory, /proc/self/exe or the configuration copy)");
		goto out;
	}
	for (size_t i = 0; i < m.nslots; i++)
		m.slots[i].ipc = -1;
	for (size_t i = 0; i < m.cfg->n_listen; i++) {
		int fd = open_listener(&m.cfg->listen[i]);
		if (fd < 0)
			goto out;
		m.listen_fds[m.nlisten++] = fd;
		WLog_INFO(TAG, "listening on %s port %u", m.cfg->listen[i].host, m.cfg->listen[i].port);
	}
	if ((m.sigfd = signal_fd()) < 0) {
		WLog_ERR(TAG, "cannot set up signal handling");
		goto out;
	}
	if (geteuid() != 0)
		WLog_WARN(TAG, "not started as root: session workers keep uid %u (no change of user; the "
		               "system-call filter still applies)",
		          (unsigned)geteuid());
	WLog_INFO(TAG,
	          "rmgate-proxy %s ready (max_sessions=%d max_handshakes=%d max_source_handshakes=%d "
	          "source_connects_per_minute=%d): one worker process per connection, as user %s",
	          RMGATE_VERSION, m.cfg->max_sessions, gate_config_handshake_pool(m.cfg),
	          m.cfg->max_source_handshakes, m.cfg->source_connects_per_minute,
	          geteuid() == 0 ? m.cfg->worker_user : "(unchanged: not started as root)");
	UINT64 next_tick = now_ms() + TICK_MS;
	while (!m.stopping) {
		UINT64 now = now_ms();
		serve_once(&m, now >= next_tick ? 0 : (int)(next_tick - now));
		if (now_ms() >= next_tick) {
			tick(&m);
			next_tick = now_ms() + TICK_MS;
		}
	}
	shut_down(&m);
	rc = 0;
out:
	for (size_t i = 0; i < m.nlisten; i++)
		close(m.listen_fds[i]);
	if (m.sigfd >= 0)
		close(m.sigfd);
	if (m.exe_fd >= 0)
		close(m.exe_fd);
	if (m.config_fd >= 0)
		close(m.config_fd);
	gate_sources_free(m.sources);
	free(m.slots);
	return rc;
}
