/* gate_monitor: listener, workers, their messages, limits and ends (gate_monitor.h). */
#include "gate_monitor.h"
#include "gate_monitor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

#include <winpr/wlog.h>

#include "gate_audit.h"
#include "gate_ipc.h"
#include "gate_sources.h"
#include "gate_worker.h"

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

UINT64 monitor_now_ms(void)
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

void monitor_kill_worker(worker_slot *w, const char *why)
{
	WLog_WARN(TAG, "s%llu: worker %d killed: %s", (unsigned long long)w->id, (int)w->pid, why);
	kill(w->pid, SIGKILL);
	w->kill_at_ms = 0;
}

BOOL monitor_send(worker_slot *w, gate_ipc_out *out, int fd)
{
	char err[256];
	int rc = gate_ipc_send(w->ipc, out, fd, err, sizeof(err));
	gate_ipc_out_clear(out);
	if (rc != 0) {
		WLog_ERR(TAG, "s%llu: %s", (unsigned long long)w->id, err);
		monitor_kill_worker(w, "its socket failed");
	}
	return rc == 0;
}

void monitor_end_now(monitor *m, worker_slot *w, const char *sentence)
{
	if (w->end_sent || w->phase == PHASE_ENDED)
		return;
	gate_ipc_out out;
	gate_ipc_begin(&out, GATE_IPC_M_END_NOW);
	gate_ipc_put_str(&out, GATE_IPC_F_REASON, sentence);
	uint32_t error_info = w->audit ? gate_audit_error_info(w->audit) : 0;
	if (error_info)
		gate_ipc_put_u32(&out, GATE_IPC_F_ERROR_INFO, error_info);
	w->end_sent = TRUE;
	w->kill_at_ms = monitor_now_ms() + 2u * m->cfg->close_timeout_ms + 1000u;
	snprintf(w->kill_why, sizeof w->kill_why, "it did not end its session when told to");
	monitor_send(w, &out, -1);
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

void monitor_set_pool(monitor *m, worker_slot *w, worker_pool to)
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
	UINT64 now = monitor_now_ms();
	*w = (worker_slot){ .pid = pid, .ipc = sv[0], .id = id, .source = *src, .accepted_ms = now,
		            .phase = PHASE_HANDSHAKE, .pool = POOL_NONE, .cpu_window_ms = now };
	snprintf(w->address, sizeof w->address, "%s", address);
	monitor_set_pool(m, w, POOL_HANDSHAKE);
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
	UINT64 now = monitor_now_ms();
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
	/* TCP keepalive: a client that vanished without a FIN (network gone) is noticed after
	 * about 2 minutes of silence (60 s, then 6 probes 10 s apart), not the kernel's 2 hours.
	 * The back's keepalive is FreeRDP's client default. */
	int one = 1, idle = 60, interval = 10, count = 6;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
	if (!start_worker(m, fd, &src, address)) {
		m->workers_failed++;
		WLog_ERR(TAG, "cannot start a worker for %s", address);
	}
	close(fd);
}

/* ---- messages from a worker ------------------------------------------------------------------- */

/* Reads one message of w; FALSE when the socket has nothing more (closed or failed). */
static BOOL read_worker(monitor *m, worker_slot *w)
{
	gate_ipc_msg msg;
	char err[256];
	int rc = gate_ipc_recv(w->ipc, GATE_IPC_FROM_WORKER, &msg, err, sizeof err);
	if (rc <= 0) {
		if (rc < 0) {
			WLog_ERR(TAG, "s%llu: from the worker: %s", (unsigned long long)w->id, err);
			monitor_kill_worker(w, "it sent a malformed message");
		}
		close(w->ipc);
		w->ipc = -1;
		return FALSE;
	}
	BOOL ok = monitor_on_message(m, w, &msg, err, sizeof err);
	gate_ipc_msg_clear(&msg);
	if (!ok) {
		WLog_ERR(TAG, "s%llu: refused from the worker: %s", (unsigned long long)w->id, err);
		monitor_kill_worker(w, "it broke the protocol");
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
	monitor_set_pool(m, w, POOL_NONE);
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

static void tick(monitor *m)
{
	UINT64 now = monitor_now_ms();
	gate_permits_tick(m->p->permits);
	const UINT64 handshake_limit = m->cfg->handshake_timeout_ms + m->cfg->connect_timeout_ms + HANDSHAKE_GRACE_MS;
	for (size_t i = 0; i < m->nslots; i++) {
		worker_slot *w = &m->slots[i];
		if (!w->pid)
			continue;
		if (w->kill_at_ms && now >= w->kill_at_ms) {
			monitor_kill_worker(w, w->kill_why);
			continue;
		}
		if (w->phase == PHASE_HANDSHAKE && now > w->accepted_ms + handshake_limit) {
			monitor_kill_worker(w, "still handshaking after its deadline");
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
				monitor_send(w, &out, -1);
			}
			if (why)
				monitor_end_now(m, w, why);
		}
		if (w->phase != PHASE_ENDED)
			monitor_check_limits(m, w, now);
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
			monitor_end_now(m, w, "The gate is shutting down.");
		}
		else if (w->phase == PHASE_HANDSHAKE)
			monitor_kill_worker(w, "the gate is shutting down before its session started");
	}
	UINT64 deadline = monitor_now_ms() + 2u * m->cfg->close_timeout_ms + 2000u;
	while (live_workers(m) && monitor_now_ms() < deadline) {
		serve_once(m, 100);
		tick(m);
	}
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].pid)
			monitor_kill_worker(&m->slots[i], "the gate is shutting down");
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
	UINT64 next_tick = monitor_now_ms() + TICK_MS;
	while (!m.stopping) {
		UINT64 now = monitor_now_ms();
		serve_once(&m, now >= next_tick ? 0 : (int)(next_tick - now));
		if (monitor_now_ms() >= next_tick) {
			tick(&m);
			next_tick = monitor_now_ms() + TICK_MS;
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
