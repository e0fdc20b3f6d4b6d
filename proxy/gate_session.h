/* gate_session: one vendor connection = front (FreeRDP peer) + back (FreeRDP client).
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
 *   - peer thread (gate_session_run): owns the session; runs the front transport, the virtual
 *     channel manager, the front channel servers' queues, admission, and the whole teardown;
 *     it frees everything, last.
 *   - client thread: freerdp_connect() then the back event loop; it ends the back connection
 *     itself (freerdp_disconnect) before it returns. Joined by the peer thread (bounded wait).
 *   - library threads: the back drdynvc thread (GFX decoder, disp) and the front channel
 *     server threads. They are stopped by freerdp_disconnect (back) and the *_context_free /
 *     Close calls of the server contexts (front) before the structures they touch are freed.
 *
 * Locks (never held while calling into the other side's network send, except front_out):
 *   - lock: state, close_reason, pending resize, counters read across threads.
 *   - front_out: every update sent to the front from a thread other than the peer thread
 *     (bitmaps, pointers, indicators, sounds, error info, reactivation), because the server's
 *     fast-path sender shares its bulk-compression state and output stream.
 *   - server lock (gate_server): the session list, used by the watchdog.
 */
#ifndef RMGATE_GATE_SESSION_H
#define RMGATE_GATE_SESSION_H

#include <winpr/synch.h>
#include <winpr/thread.h>
#include <freerdp/freerdp.h>
#include <freerdp/peer.h>
#include <freerdp/client.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/codec/planar.h>
#include <freerdp/server/rdpgfx.h>
#include <freerdp/server/disp.h>
#include <freerdp/server/rdpdr.h>
#include <freerdp/client/rdpgfx.h>
#include <freerdp/client/disp.h>

#include "gate_config.h"
#include "gate_front.h"
#include "gate_link.h"
#include "gate_observer.h"
#include "gate_policy.h"

typedef enum {
	GATE_ST_FRONT_HANDSHAKE = 0,
	GATE_ST_ADMISSION,
	GATE_ST_BACK_CONNECTING,
	GATE_ST_RUNNING,
	GATE_ST_REACTIVATING,
	GATE_ST_CLOSING,
} gate_state;

const char *gate_state_name(gate_state st);

typedef struct gate_session gate_session;

/* What a session asks of the server that accepted it (gate_server fills it; copied at spawn).
 * The session never calls the server otherwise. */
typedef struct {
	void *ctx;
	const gate_config *cfg;          /* read-only, outlives the session */
	const gate_admission *admission; /* read-only, outlives the session */
	gate_sam *sam;                   /* NLA accounts of lab mode (may be NULL); read-only */
	/* Listener thread, from gate_session_spawn: takes a handshake slot for the connection's
	 * source (sockfd); FALSE when a limit is reached. */
	BOOL (*add)(void *ctx, gate_session *s, int sockfd);
	/* Peer thread, when the front handshake is done and admission starts: moves the session to
	 * the session pool; FALSE when it is full (the refusal is reported for client_address). */
	BOOL (*promote)(void *ctx, gate_session *s, const char *client_address);
	/* Peer thread, last: gives the session's slot back. */
	void (*remove)(void *ctx, gate_session *s);
} gate_session_host;

/* Back context: the client's rdpContext, extended. Owned by the session (freed by peer thread). */
typedef struct {
	rdpClientContext base;
	gate_session *s;
} gate_back_context;

#define GATE_POINTER_CACHE_MAX 64

/* Graphics output back-pressure (see gate_gfx.c and docs/gate.md "Known limits"). */
#define GATE_GFX_BACKLOG_MAX (8u * 1024u * 1024u)    /* stop reading the target above this */
#define GATE_GFX_BACKLOG_RESUME (2u * 1024u * 1024u) /* read again at or below this */
#define GATE_GFX_STALL_MS 60000u  /* a pause longer than this disconnects the client */
#define GATE_GFX_SELF_ACK_MAX 256 /* frames awaiting the gate's own acknowledgement */

typedef struct {
	BOOL valid;
	UINT32 width, height, hotspot_x, hotspot_y;
	BYTE *bgra; /* width*height*4 */
} gate_pointer_entry;

struct gate_session {
	/* Immutable after creation. */
	UINT64 id;
	char sid[32];               /* "s<id>" used in every log line */
	const gate_config *cfg;     /* read-only, owned by the server */
	gate_session_host host;     /* the server's table (see above) */
	char client_address[64];
	UINT64 start_ms;
	gate_link link;             /* how the rooms talk back to this session */

	/* The front (the vendor's client) and its rooms: channel guard, rdpdr observer, drawing.
	 * Owned by the peer thread (gate_front.h says which fields other threads may touch). */
	gate_front front;

	/* Set during ADMISSION on the peer thread, read-only afterwards. */
	gate_channel_policy policy;
	gate_observer obs;
	char *target_host;
	UINT16 target_port;
	BOOL has_target_pin;      /* set at admission, read-only afterwards: the system's own pin */
	BYTE target_pin[32];
	char *user, *domain, *password; /* for the back; password zeroed and freed after connect */

	/* Back side: created by the peer thread in ADMISSION, freed by it at teardown. */
	rdpContext *back;
	HANDLE client_thread;
	HANDLE abort_event;     /* manual reset: close the session (any thread may set) */
	HANDLE back_done_event; /* manual reset: back connect finished (ok or not) */
	HANDLE reactivate_event;/* manual reset (reset by the peer thread): new front size */
	UINT64 reactivate_deadline_ms; /* peer thread only: a REACTIVATING client must answer by then */
	BOOL back_connected;    /* written by the client thread before back_done_event */

	/* Saved gdi callbacks of the back (set in back PostConnect, client thread). */
	pBitmapUpdate gdi_bitmap_update;
	pSurfaceBits gdi_surface_bits;
	pDesktopResize gdi_desktop_resize;
	pEndPaint gdi_end_paint;

	/* Front graphics pipeline and display control servers (peer thread creates/frees). */
	RdpgfxServerContext *front_gfx; /* pointer and flag also read by back threads: gfx_lock */
	BOOL front_gfx_open;
	DispServerContext *front_disp;  /* peer thread only */
	BOOL front_disp_open;
	/* Graphics pipeline and display control bridge, guarded by gfx_lock (see gate_gfx.c). */
	CRITICAL_SECTION gfx_lock;
	BOOL gfx_closed;              /* set first at teardown: no cross-side call starts after */
	RdpgfxClientContext *back_gfx;
	BOOL back_gfx_open;
	DispClientContext *back_disp;
	RDPGFX_CAPS_ADVERTISE_PDU *pending_caps; /* front caps waiting for the back channel */
	/* Output back-pressure (gate_gfx.c): bytes of graphics commands handed to the front's
	 * rdpgfx server (a lower estimate of what it queues in the channel manager) and bytes the
	 * peer thread has written on the front's drdynvc channel; the difference is the backlog
	 * towards a client that does not read. gfx_drained_event (manual reset) is set while the
	 * backlog is at most GATE_GFX_BACKLOG_RESUME; the client thread stops reading the target
	 * above GATE_GFX_BACKLOG_MAX until it is set again. */
	UINT64 gfx_out_queued, gfx_out_sent;
	HANDLE gfx_drained_event;
	/* The client suspended its frame acknowledgements: never passed on; the gate acknowledges
	 * each frame to the target once its bytes have left towards the client. */
	BOOL gfx_front_suspended;
	struct { UINT32 frame_id; UINT64 mark; } gfx_self_ack[GATE_GFX_SELF_ACK_MAX];
	size_t gfx_self_ack_head, gfx_self_ack_count;
	UINT32 gfx_self_acked;
	/* Frames forwarded to the client, and acknowledgements passed to the target: never more
	 * acknowledgements than frames, so a client cannot flood the target (or the back's own
	 * channel queue, which FreeRDP 2.11 drains in quadratic time) with them. */
	UINT64 gfx_frames_fwd, gfx_acks_fwd, gfx_qoe_fwd, gfx_acks_dropped;
	UINT32 gfx_last_ack_id; /* frameId of the last acknowledgement passed on (repeats dropped) */
	/* The gate's own GFX decoder: created in back PostConnect (client thread), used on the
	 * back drdynvc thread, freed in back PostDisconnect after that thread stopped. */
	RdpgfxClientContext *decoder;

	BOOL front_rfx_synced;  /* client thread only: the client got RemoteFX header blocks */
	BOOL fb_pending;        /* update thread only: resend this paint's dirty rects from the fb */
	SURFACE_BITS_COMMAND *rfx_header; /* client thread only: kept header message (copy) */

	/* Pointer shadow cache (back update thread only). */
	gate_pointer_entry pointers[GATE_POINTER_CACHE_MAX];

	/* Guarded by lock. */
	CRITICAL_SECTION lock;
	gate_state state;
	char close_reason[160];
	UINT32 pending_width, pending_height;
	UINT32 back_error_info;
	UINT64 dropped_input;
	UINT64 frames, bitmap_rects, gfx_frames, decode_errors, dropped_updates;
	UINT64 screen_decode_errors; /* decode_errors of the screen (not pointer shapes) */
	BOOL codec_seen[18];     /* codecs logged once (GATE_EV_CODEC); back threads, write-once */
};

/* Creates a session for an accepted peer (takes ownership of peer) and starts its peer thread.
 * On failure the peer is freed and FALSE returned. Called on the listener thread. */
BOOL gate_session_spawn(const gate_session_host *host, freerdp_peer *peer, UINT64 id);
/* The server's watchdog, under its table lock (listener thread): when stopping, or when the
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

/* Back side (gate_back.c). Peer thread. */
BOOL gate_back_create(gate_session *s);
BOOL gate_back_start(gate_session *s);
/* Stops the client thread within the close timeout (aborting a hung connect by shutting down
 * its socket). Returns FALSE if the thread could not be stopped (then nothing is freed). */
BOOL gate_back_stop(gate_session *s);
void gate_back_free(gate_session *s);

/* Graphics pipeline bridge (gate_gfx.c). */
void gate_gfx_back_connected(gate_session *s, RdpgfxClientContext *gfx);
void gate_gfx_back_disconnected(gate_session *s, RdpgfxClientContext *gfx);
BOOL gate_gfx_front_poll(gate_session *s); /* peer thread: open front gfx/disp when ready */
void gate_gfx_front_free(gate_session *s);
BOOL gate_gfx_decoder_new(gate_session *s);
void gate_gfx_decoder_free(gate_session *s);
/* First step of teardown (peer thread); also the client thread before freerdp_disconnect (which
 * frees the back's GFX and disp contexts), and any back thread that closes the session for what
 * the target sent. Idempotent; no cross-side call is in progress once it returns. */
void gate_gfx_close_bridge(gate_session *s);
/* Peer thread: bytes written on the front's drdynvc channel. */
void gate_gfx_front_sent(gate_session *s, size_t bytes);
/* Client thread, before reading the target: returns at once while the graphics backlog towards
 * the client is below GATE_GFX_BACKLOG_MAX; otherwise waits until it has drained to
 * GATE_GFX_BACKLOG_RESUME. FALSE when the session is closing instead (abort, or the backlog did
 * not drain within GATE_GFX_STALL_MS: then the session is closed and the front socket shut
 * down). */
BOOL gate_gfx_wait_front_drained(gate_session *s);
BOOL gate_gfx_in_reset(void);               /* TRUE inside the decoder's ResetGraphics */
/* The copy of a client's CapsAdvertise that goes to the target: only capability sets the gate's
 * decoder knows, with a length FreeRDP's sender handles. NULL without memory; the caller frees
 * capsSets, then the struct. */
RDPGFX_CAPS_ADVERTISE_PDU *gate_gfx_caps_filter(const RDPGFX_CAPS_ADVERTISE_PDU *in);

/* Dynamic-channel receipt (gate_dvc.c). */
#define GATE_DVC_RECEIPT_NAME "rmgate-dvc-receipt"
/* freerdp_client_context_new() plus re-registering the gate's addin provider (global). */
rdpContext *gate_dvc_client_context_new(RDP_CLIENT_ENTRY_POINTS *ep);

/* Counts a failure of the gate's own decoder and reports it (rate-limited). Any back thread.
 * Failures of the screen (everything but "pointer") are what the recording lacks: when a
 * session reaches cfg->gfx_decode_failures_max of them, it is closed with a reason that starts
 * with "recording_incomplete" (fail closed: the vendor must not see what is not recorded). */
void gate_session_decode_error(gate_session *s, const char *what);

#endif
