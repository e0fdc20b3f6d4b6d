/* gate_server: the listener, the session table, the watchdog and the default admission.
 *
 * Contract:
 * - gate_server_new(cfg, admission) takes a validated configuration (borrowed: it must outlive
 *   the server) and an admission hook (copied; NULL = gate_admission_fixed(cfg)).
 * - gate_server_run() opens every listen address and serves until gate_server_stop() is called
 *   (any thread, async-signal-unsafe) or SIGINT/SIGTERM arrives (when handle_signals is TRUE);
 *   then it closes every session (bounded wait) and returns 0, or 1 when nothing could listen.
 *   With handle_signals, SIGUSR1 writes one stats line (gate_server_log_stats).
 * - Threads: run() is the listener thread; it also runs the watchdog that shuts down the
 *   sockets of sessions past their handshake deadline. The session table is guarded by `lock`.
 * - Two pools: a connection first takes a slot of the handshake pool
 *   (gate_config_handshake_pool(), at most max_source_handshakes per source address, and at
 *   most source_connects_per_minute new ones per source); it moves to the session pool
 *   (max_sessions) when its handshake is done and admission starts (the host's promote).
 *   Idle or hostile connections therefore never hold a session slot, and one address cannot
 *   hold more than its share of the handshake pool. Refusals at accept close the socket
 *   before any byte is read; a full session pool refuses at admission with an error info.
 * - The handshake deadline: a connection not RUNNING handshake_timeout + connect_timeout after
 *   accept has its socket shut down; that bounds how long it holds a handshake-pool slot.
 */
#ifndef RMGATE_GATE_SERVER_H
#define RMGATE_GATE_SERVER_H

#include <winpr/synch.h>
#include <freerdp/listener.h>

#include "gate_config.h"
#include "gate_observer.h"
#include "gate_sam.h"
#include "gate_sources.h"

typedef struct gate_session gate_session;

typedef struct {
	gate_session *s;
	gate_source_key source;
	BOOL promoted;           /* in the session pool (else in the handshake pool) */
} gate_server_slot;

typedef struct gate_server {
	const gate_config *cfg;  /* borrowed, read-only */
	gate_admission admission;/* read-only after new() */
	freerdp_listener *listener;
	HANDLE stop_event;       /* manual reset */
	CRITICAL_SECTION lock;   /* guards the table, the pools, sources and the counters below */
	gate_server_slot *slots; /* handshake pool + max_sessions entries; nsessions used */
	size_t nsessions;        /* live connections, both pools */
	size_t nhandshakes, npromoted; /* per pool */
	size_t handshake_pool;   /* read-only after new() */
	gate_sources *sources;   /* per-source limits (owned) */
	UINT64 next_id;
	UINT64 refused_full, refused_source, total_sessions;
	UINT64 refusal_log_ms;   /* listener thread: last refusal logged */
	UINT64 refusals_logged;  /* listener thread: refusals logged since refusal_log_ms */
	UINT64 refusals_unlogged;/* listener thread: refusals since then, not logged */
	gate_sam *sam;           /* NLA accounts (owned; read-only; NULL with security = tls) */
} gate_server;

gate_server *gate_server_new(const gate_config *cfg, const gate_admission *admission);
void gate_server_free(gate_server *srv);
/* Hands the NLA account table to the server (owned from then on). Before run(). */
void gate_server_set_sam(gate_server *srv, gate_sam *sam);
int gate_server_run(gate_server *srv, BOOL handle_signals);
void gate_server_stop(gate_server *srv);
/* One INFO line: connections, per pool, accepted and refused counts, and the heap in use
 * (glibc mallinfo2: bytes allocated and not freed, all arenas and mmapped blocks). Any thread. */
void gate_server_log_stats(gate_server *srv);

/* The session table is reached by the sessions only through the gate_session_host table the
 * server gives each at spawn (gate_session.h): add (listener thread, takes a handshake slot for
 * the connection's source; FALSE when a limit is reached), promote (peer thread, when the front
 * handshake is done and admission starts: to the session pool; FALSE, nothing changed, when
 * max_sessions sessions are past their handshake already), remove (peer thread, last; frees
 * whichever slot the session holds). */

/* The lab-mode admission: every client goes to cfg->target with the config's default policy
 * and its own credentials; refused when no target is configured. ctx must be the gate_config. */
gate_admission gate_admission_fixed(const gate_config *cfg);

/* An observer that only writes the receipt events to WLog (tag rmgate.proxy.receipt). */
gate_observer gate_observer_log(void);

/* Process-wide initialisation (WTS API table, SSL, sockets, SIGPIPE). Call once from main. */
BOOL gate_global_init(void);

#endif
