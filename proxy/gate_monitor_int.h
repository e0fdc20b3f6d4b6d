/* gate_monitor_int: the monitor's private state, shared by its three files: gate_monitor.c
 * (the loop: listeners, workers' start and end, signals, reload), gate_monitor_msgs.c (what a
 * worker may say, checked as untrusted input) and gate_monitor_limits.c (a worker's memory and
 * CPU). Not for any other file; the contract is gate_monitor.h.
 * Threads: one; everything here belongs to the monitor's loop. */
#ifndef RMGATE_GATE_MONITOR_INT_H
#define RMGATE_GATE_MONITOR_INT_H

#include <sys/types.h>

#include <winpr/wtypes.h>

#include "gate_audit.h"
#include "gate_ipc.h"
#include "gate_monitor.h"
#include "gate_sources.h"

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

UINT64 monitor_now_ms(void);
/* SIGKILL now, with the reason in the log. */
void monitor_kill_worker(worker_slot *w, const char *why);
/* Sends one message (a descriptor with it, or -1); a failure kills the worker. */
BOOL monitor_send(worker_slot *w, gate_ipc_out *out, int fd);
/* M_END_NOW once (with the ERRINFO_* for the client when the session's audit decided the
 * end), and the deadline after which the worker is killed. */
void monitor_end_now(monitor *m, worker_slot *w, const char *sentence);
/* Moves the worker between the pools (gate_monitor.h: pools), keeping the counts. */
void monitor_set_pool(monitor *m, worker_slot *w, worker_pool to);

/* gate_monitor_msgs.c: handles one validated message of w; FALSE with a sentence in err when
 * the worker may not say it (the caller kills the worker). */
BOOL monitor_on_message(monitor *m, worker_slot *w, const gate_ipc_msg *msg, char *err, size_t errlen);

/* gate_monitor_limits.c: ends the session of a worker over worker_max_rss_mb or
 * worker_cpu_per_minute (resource_limit), or kills a worker not admitted yet. */
void monitor_check_limits(monitor *m, worker_slot *w, UINT64 now);

#endif
