/* gate_server: the listener, the session table, the watchdog and the default admission.
 *
 * Contract:
 * - gate_server_new(cfg, admission) takes a validated configuration (borrowed: it must outlive
 *   the server) and an admission hook (copied; NULL = gate_admission_fixed(cfg)).
 * - gate_server_run() opens every listen address and serves until gate_server_stop() is called
 *   (any thread, async-signal-unsafe) or SIGINT/SIGTERM arrives (when handle_signals is TRUE);
 *   then it closes every session (bounded wait) and returns 0, or 1 when nothing could listen.
 * - Threads: run() is the listener thread; it also runs the watchdog that shuts down the
 *   sockets of sessions past their handshake deadline. The session table is guarded by `lock`.
 */
#ifndef RMGATE_GATE_SERVER_H
#define RMGATE_GATE_SERVER_H

#include <winpr/synch.h>
#include <freerdp/listener.h>

#include "gate_config.h"
#include "gate_observer.h"
#include "gate_sam.h"

typedef struct gate_session gate_session;

typedef struct gate_server {
	const gate_config *cfg;  /* borrowed, read-only */
	gate_admission admission;/* read-only after new() */
	freerdp_listener *listener;
	HANDLE stop_event;       /* manual reset */
	CRITICAL_SECTION lock;   /* guards sessions, nsessions, next_id, counters below */
	gate_session **sessions; /* cfg->max_sessions slots */
	size_t nsessions;
	UINT64 next_id;
	UINT64 refused_full, total_sessions;
	gate_sam *sam;           /* NLA accounts (owned; read-only; NULL with security = tls) */
} gate_server;

gate_server *gate_server_new(const gate_config *cfg, const gate_admission *admission);
void gate_server_free(gate_server *srv);
/* Hands the NLA account table to the server (owned from then on). Before run(). */
void gate_server_set_sam(gate_server *srv, gate_sam *sam);
int gate_server_run(gate_server *srv, BOOL handle_signals);
void gate_server_stop(gate_server *srv);

/* Session table (called by the session's peer thread). */
BOOL gate_server_add_session(gate_server *srv, gate_session *s);
void gate_server_remove_session(gate_server *srv, gate_session *s);

/* The lab-mode admission: every client goes to cfg->target with the config's default policy
 * and its own credentials; refused when no target is configured. ctx must be the gate_config. */
gate_admission gate_admission_fixed(const gate_config *cfg);

/* An observer that only writes the receipt events to WLog (tag rmgate.proxy.receipt). */
gate_observer gate_observer_log(void);

/* Process-wide initialisation (WTS API table, SSL, sockets, SIGPIPE). Call once from main. */
BOOL gate_global_init(void);

#endif
