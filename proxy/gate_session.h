/* gate_session: one vendor connection = front (FreeRDP peer) + back (FreeRDP client): the state
 * machine and the life cycle (admission, connecting the back, reactivation, teardown).
 *
 * The session owns its rooms, and their state is in them: gate_front (the peer, with the
 * channel guard gate_channels, the device observer gate_rdpdr_observer and drawing
 * gate_front_draw), gate_back (with gate_back_updates and the receipt plugin gate_dvc) and the
 * graphics bridge gate_gfx; gate_admit makes the admission decision. The session calls them;
 * they talk back through its gate_link and their hook tables, never by calling the session.
 * The server that accepted the session is reached only through the gate_session_host table.
 *
 * State machine (field `state`, guarded by `lock`):
 *
 *   FRONT_HANDSHAKE --licensing--> ADMISSION --allow--> BACK_CONNECTING --back active,
 *                                                           front PostConnect--> RUNNING
 *         |                             | deny                  | fail/timeout           |   ^
 *         v                             v                       v                        v   |
 *      CLOSING <------------------------+-----------------------+------ REACTIVATING (front resize)
 *
 *   Any side may request CLOSING at any time (front socket closed, back disconnected, handshake
 *   deadline, server shutdown); CLOSING is final. Input and graphics cross sides only in RUNNING
 *   (graphics also need peer->activated), which is what keeps early input harmless and stops
 *   late callbacks once teardown starts.
 *
 * Threads per session:
 *   - peer thread (started by gate_session_spawn): owns the session; runs the front transport, the virtual
 *     channel manager, the front channel servers' queues, admission, and the whole teardown;
 *     it frees everything, last.
 *   - client thread: freerdp_connect() then the back event loop; it ends the back connection
 *     itself (freerdp_disconnect) before it returns. Joined by the peer thread (bounded wait).
 *   - library threads: the back drdynvc thread (GFX decoder, disp) and the front channel
 *     server threads. They are stopped by freerdp_disconnect (back) and the *_context_free /
 *     Close calls of the server contexts (front) before the structures they touch are freed.
 *
 * Locks (never held while calling into the other side's network send, except front_out):
 *   - lock (here): state, close_reason, pending resize, the target's error info, counters read
 *     across threads.
 *   - front_out (gate_front_draw.h): every update sent to the front from a thread other than
 *     the peer thread, and the framebuffer while it is read.
 *   - the bridge's lock (gate_gfx.h): the graphics pipeline and display control bridge.
 *   - the front's sock_lock (gate_front.h): the client socket's end, against the watchdog.
 *   - the worker's lock (gate_worker): its session pointer, used by the watchdog.
 */
#ifndef RMGATE_GATE_SESSION_H
#define RMGATE_GATE_SESSION_H

#include <winpr/synch.h>
#include <winpr/thread.h>
#include <freerdp/freerdp.h>
#include <freerdp/peer.h>

#include "gate_back.h"
#include "gate_config.h"
#include "gate_front.h"
#include "gate_gfx.h"
#include "gate_link.h"
#include "gate_observer.h"
#include "gate_policy.h"
#include "gate_sam.h"

typedef enum {
	GATE_ST_FRONT_HANDSHAKE = 0,
	GATE_ST_ADMISSION,
	GATE_ST_BACK_CONNECTING,
	GATE_ST_RUNNING,
	GATE_ST_REACTIVATING,
	GATE_ST_CLOSING,
} gate_state;

const char *gate_state_name(gate_state st);

/* Process-wide initialisation of the libraries a session uses (WTS API table, SSL, sockets,
 * SIGPIPE ignored). Call once from main, before any thread. */
BOOL gate_global_init(void);

typedef struct gate_session gate_session;

/* What a session asks of the process that hosts it (gate_worker fills it; copied at spawn).
 * The session never calls its host otherwise. */
typedef struct {
	void *ctx;
	const gate_config *cfg;          /* read-only, outlives the session */
	const gate_admission *admission; /* read-only, outlives the session */
	gate_sam *sam;                   /* NLA accounts of lab mode (may be NULL); read-only */
	/* From gate_session_spawn (the caller's thread): registers the session for the host's
	 * watchdog; FALSE refuses the connection. */
	BOOL (*add)(void *ctx, gate_session *s, int sockfd);
	/* Peer thread, when the front handshake is done and admission starts: FALSE refuses the
	 * session (max_sessions). The process model's monitor decides that at admission, so a
	 * worker always says TRUE. */
	BOOL (*promote)(void *ctx, gate_session *s, const char *client_address);
	/* Peer thread, last: gives the session's slot back. */
	void (*remove)(void *ctx, gate_session *s);
	/* Optional, peer thread, after the session's memory is freed (the thread then only
	 * returns): a worker process may exit from here on. */
	void (*finished)(void *ctx);
} gate_session_host;

struct gate_session {
	/* Immutable after creation. */
	UINT64 id;
	char sid[32];               /* "s<id>" used in every log line */
	const gate_config *cfg;     /* read-only, owned by the server */
	gate_session_host host;     /* the server's table (see above) */
	char client_address[64];
	UINT64 start_ms;
	gate_link link;             /* how the rooms talk back to this session */
	HANDLE abort_event;         /* manual reset: close the session (any thread may set) */
	HANDLE reactivate_event;    /* manual reset (reset by the peer thread): new front size */

	/* Set during ADMISSION on the peer thread, read-only afterwards (but see target.password). */
	gate_channel_policy policy;
	gate_observer obs;
	gate_back_target target;    /* host, port, pin, credentials for the back */

	/* The rooms (their headers say which thread owns which field). */
	gate_front front;           /* the vendor's client: peer thread */
	gate_back back;             /* the target: created by the peer thread, run by the client thread */
	gate_gfx gfx;               /* the graphics bridge, under its own lock */

	UINT64 reactivate_deadline_ms; /* peer thread only: a REACTIVATING client must answer by then */

	/* Guarded by lock. */
	CRITICAL_SECTION lock;
	gate_state state;
	char close_reason[160];
	UINT32 pending_width, pending_height;
	UINT32 back_error_info;
	UINT64 dropped_input;
	UINT64 frames, bitmap_rects, decode_errors;
	UINT64 screen_decode_errors; /* decode_errors of the screen (not pointer shapes) */
};

/* Creates a session for an accepted peer (takes ownership of peer) and starts its peer thread.
 * On failure the peer is not freed (the caller does it) and FALSE returned. */
BOOL gate_session_spawn(const gate_session_host *host, freerdp_peer *peer, UINT64 id);
/* The host's watchdog, under its lock (the worker's main thread): when stopping, or when the
 * session is not RUNNING limit_ms after it was accepted (now: CLOCK_MONOTONIC ms), closes it
 * and shuts its client socket down (which unblocks library reads without a deadline). */
void gate_session_watchdog(gate_session *s, UINT64 now, UINT64 limit_ms, BOOL stopping);

/* Thread-safe state helpers. */
gate_state gate_session_state(gate_session *s);
/* Moves to `to` unless CLOSING already; returns FALSE when the session is closing. */
BOOL gate_session_set_state(gate_session *s, gate_state to);
/* Requests the close with a reason (first reason wins). Any thread. */
void gate_session_close(gate_session *s, const char *reason);
/* Emits an observer event and a WLog line. Any session thread. */
void gate_session_event(gate_session *s, gate_event_type type, const char *fmt, ...);

/* Counts a failure of the gate's own decoder and reports it (rate-limited). Any back thread
 * (through the link). Failures of the screen (everything but "pointer") are what the
 * recording lacks: when a session reaches cfg->gfx_decode_failures_max of them, it is closed
 * with a reason that starts with "recording_incomplete" (fail closed: the vendor must not see
 * what is not recorded). */
void gate_session_decode_error(gate_session *s, const char *what);

#endif
