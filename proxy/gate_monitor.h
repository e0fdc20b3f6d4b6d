/* gate_monitor: the gate's privileged process (docs/process-model.md).
 *
 * It owns the listening sockets, the database (through gate_permits and gate_audit),
 * secret.key, the recordings directory and the table of live workers; it never parses a
 * byte of RDP. Each accepted connection is handed to its own worker process (gate_worker):
 * fork, then exec of the gate's own binary (fexecve of the file the monitor was started
 * from, so a package upgrade never mixes versions), with the client socket, one end of a
 * SOCK_SEQPACKET pair and the configuration text the monitor validated (a sealed memfd) as
 * descriptors 3, 4 and 5. Nothing else crosses: no memory of the monitor (keys, database
 * pages) reaches a worker, and each worker gets a fresh address-space layout.
 *
 * What the monitor does for its workers (every message checked as untrusted, gate_ipc.h):
 * - Pools, as the single-process gate had them: a connection takes a handshake slot at accept
 *   (max_handshakes in all, max_source_handshakes per source, source_connects_per_minute);
 *   its admission request moves it to the session pool (max_sessions) or is refused.
 * - Admission (W_ADMIT, once per worker), the NLA hash (W_NTLM_HASH, once, NLA only), the
 *   refusals a worker may report (W_REFUSED, once: bad_password or identity_mismatch, and only
 *   for the login whose hash it asked for), receipt events and input (W_EVENT, W_INPUT, only
 *   once admitted), and the end (W_END). The client address is always the one accepted here.
 * - Time rules, revocation and limits: about twice a second each admitted session's
 *   gate_audit_tick(); an end is sent as M_END_NOW and the worker is killed if it has not
 *   exited close_timeout x 2 + 1 s later. A worker still handshaking after handshake_timeout +
 *   connect_timeout + 5 s is killed. Resource limits (worker_max_rss_mb, resident memory;
 *   worker_cpu_per_minute, CPU seconds in each minute of the worker's life) end the session
 *   as `resource_limit`. A worker that sends a message that fails validation, or one its
 *   state does not allow, is killed. Each turn of the loop reads at most 64 messages of each
 *   worker, so a flooding worker is served in turn with the others. If a worker has to be
 *   killed after an end the monitor decided, the ledger keeps that end's reason.
 * - The end of a worker (SIGCHLD): messages still queued are read first; a worker that ends
 *   without W_END has its session closed as `aborted` with the digest of the readable part of
 *   its recording. Other workers are not touched.
 * - Signals: SIGINT/SIGTERM end every session ("The gate is shutting down.") and return;
 *   SIGHUP reloads the configuration through the reload hook (new sessions use it; live
 *   sessions keep theirs); a reload that changes what is set up once at start (listen,
 *   database, target, security, sam_file, the per-source limits, refused_rows_per_minute) is
 *   refused as a whole with the keys named: those need a restart. SIGUSR1 logs a stats line.
 *   Workers ignore SIGINT, SIGTERM, SIGHUP and SIGUSR1: the monitor ends them.
 *
 * Threads: one; everything here is owned by the monitor's loop. Files: gate_monitor.c (the
 * loop), gate_monitor_msgs.c (worker messages), gate_monitor_limits.c (memory and CPU), with
 * their private state in gate_monitor_int.h.
 */
#ifndef RMGATE_GATE_MONITOR_H
#define RMGATE_GATE_MONITOR_H

#include "gate_config.h"
#include "gate_permits.h"

typedef struct {
	gate_config *cfg;         /* borrowed; replaced in place by a reload */
	gate_permits *permits;    /* borrowed */
	/* The worker's command line without "--session-worker ID" (which the monitor appends):
	 * argv[0] and the options the monitor was started with. */
	char *const *argv;
	int argc;
	/* SIGHUP: fills fresh (defaults, file, command-line overrides, validated); FALSE with a
	 * sentence in err keeps the running configuration. NULL: reloading is refused. */
	BOOL (*reload)(void *ctx, gate_config *fresh, char *err, size_t errlen);
	void *reload_ctx;
} gate_monitor_params;

/* Serves until SIGINT/SIGTERM; 0, or 1 when a listen address could not be opened or the
 * workers cannot be started (nothing then listens). */
int gate_monitor_run(const gate_monitor_params *p);

#endif
