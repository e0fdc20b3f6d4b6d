/* gate_gfx: the graphics pipeline bridge with the decoder tee, and the display control bridge.
 * (About 640 lines in gate_gfx.c: the forwarders, the acknowledgement accounting and the
 * back-pressure share one lock and one set of counters; kept in one file so that its locking
 * rules are read in one place.)
 *
 * Front (rdpgfx server on the vendor's connection) <-> back (rdpgfx client towards the target):
 *   client -> target: CapsAdvertise (filtered to what the gate's decoder understands),
 *                     FrameAcknowledge, QoeFrameAcknowledge (end-to-end flow control; the back's
 *                     own channel neither advertises nor acknowledges). A FrameAcknowledge with
 *                     queueDepth = SUSPEND_FRAME_ACKNOWLEDGEMENT is never passed on: the target
 *                     would then send without limit. The gate acknowledges each frame to the
 *                     target itself instead, once the frame's bytes have been written towards
 *                     the client (so the target runs at the pace the client takes). Never more
 *                     acknowledgements (of each kind) reach the target than frames reached the
 *                     client;
 *   target -> client: every command (reset, frames, surfaces, caches, surface commands in any
 *                     codec, caps confirm) forwarded unchanged, then decoded by the gate's own
 *                     rdpgfx decoder into the back's gdi framebuffer (recorder input). Forwarding
 *                     comes first so the decoder adds no latency; a decoder failure is counted
 *                     and logged, never returned to the channel.
 *   CacheImportOffer from the client is dropped: the decoder cannot know the client's persistent
 *   cache, so the target must not use it.
 *
 * Back-pressure: the bytes handed to the front's rdpgfx server (which queues them in the channel
 * manager without limit) are counted against the bytes the peer thread writes on the front's
 * drdynvc channel. Above GATE_GFX_BACKLOG_MAX the client thread stops reading the target (TCP
 * then holds the target back) until the backlog is down to GATE_GFX_BACKLOG_RESUME; a client
 * that does not drain it within GATE_GFX_STALL_MS is disconnected. The count of queued bytes is a lower
 * estimate (headers left out) and the written count never runs ahead of it, so the estimate
 * does not drift over a long session.
 *
 * Threads: back callbacks run on the back drdynvc thread; front callbacks on the front rdpgfx
 * server thread; open/close on the peer thread. Every cross-side call holds g->lock and checks
 * g->closed, which teardown sets first; the sends it guards only queue data (never block).
 */
#ifndef RMGATE_GATE_GFX_H
#define RMGATE_GATE_GFX_H

#include <winpr/synch.h>
#include <freerdp/freerdp.h>
#include <freerdp/client/disp.h>
#include <freerdp/client/rdpgfx.h>
#include <freerdp/server/disp.h>
#include <freerdp/server/rdpgfx.h>

#include "gate_front.h"
#include "gate_link.h"
#include "gate_observer.h"
#include "gate_policy.h"

/* Graphics output back-pressure (see above and docs/gate.md "Known limits"). */
#define GATE_GFX_BACKLOG_MAX (8u * 1024u * 1024u)    /* stop reading the target above this */
#define GATE_GFX_BACKLOG_RESUME (2u * 1024u * 1024u) /* read again at or below this */
#define GATE_GFX_STALL_MS 60000u  /* a pause longer than this disconnects the client */
#define GATE_GFX_SELF_ACK_MAX 256 /* frames awaiting the gate's own acknowledgement */

typedef struct gate_gfx {
	/* Immutable after gate_gfx_init. */
	const gate_link *link;
	gate_front *front;                  /* the front peer and its channel manager */
	const gate_channel_policy *policy;  /* the session's; read-only after admission */
	const gate_observer *obs;           /* the session's; on_resize */
	HANDLE abort_event;                 /* the session's close event */

	/* Front graphics pipeline and display control servers (peer thread creates/frees). */
	RdpgfxServerContext *front_gfx; /* pointer and flag also read by back threads: lock */
	BOOL front_gfx_open;
	DispServerContext *front_disp;  /* peer thread only */
	BOOL front_disp_open;

	/* The bridge, guarded by lock. */
	CRITICAL_SECTION lock;
	BOOL closed;                  /* set first at teardown: no cross-side call starts after */
	RdpgfxClientContext *back_gfx;
	BOOL back_gfx_open;
	DispClientContext *back_disp;
	RDPGFX_CAPS_ADVERTISE_PDU *pending_caps; /* front caps waiting for the back channel */
	/* Output back-pressure: bytes of graphics commands handed to the front's rdpgfx server (a
	 * lower estimate of what it queues in the channel manager) and bytes the peer thread has
	 * written on the front's drdynvc channel; the difference is the backlog towards a client
	 * that does not read. drained_event (manual reset) is set while the backlog is at most
	 * GATE_GFX_BACKLOG_RESUME; the client thread stops reading the target above
	 * GATE_GFX_BACKLOG_MAX until it is set again. */
	UINT64 out_queued, out_sent;
	HANDLE drained_event;
	/* The client suspended its frame acknowledgements: never passed on; the gate acknowledges
	 * each frame to the target once its bytes have left towards the client. */
	BOOL front_suspended;
	struct { UINT32 frame_id; UINT64 mark; } self_ack[GATE_GFX_SELF_ACK_MAX];
	size_t self_ack_head, self_ack_count;
	UINT32 self_acked;
	/* Frames forwarded to the client, and acknowledgements passed to the target: never more
	 * acknowledgements than frames, so a client cannot flood the target (or the back's own
	 * channel queue, which FreeRDP 2.11 drains in quadratic time) with them. */
	UINT64 frames_fwd, acks_fwd, qoe_fwd, acks_dropped;
	UINT32 last_ack_id; /* frameId of the last acknowledgement passed on (repeats dropped) */
	UINT64 frames;      /* EndFrame commands from the target (the session's end line) */

	/* The gate's own GFX decoder: created in back PostConnect (client thread), used on the
	 * back drdynvc thread, freed in back PostDisconnect after that thread stopped. */
	RdpgfxClientContext *decoder;
	BOOL codec_seen[16]; /* codecs logged once (GATE_EV_CODEC); back drdynvc thread */
} gate_gfx;

BOOL gate_gfx_init(gate_gfx *g, const gate_link *link, gate_front *front,
                   const gate_channel_policy *policy, const gate_observer *obs, HANDLE abort_event);
void gate_gfx_release(gate_gfx *g);

void gate_gfx_back_connected(gate_gfx *g, RdpgfxClientContext *gfx);
void gate_gfx_back_disconnected(gate_gfx *g, RdpgfxClientContext *gfx);
void gate_gfx_back_disp_connected(gate_gfx *g, DispClientContext *disp);
void gate_gfx_back_disp_disconnected(gate_gfx *g);

/* Peer thread: opens the front gfx/disp servers once the client and the target are ready
 * (back: the back's context, NULL before it exists). */
BOOL gate_gfx_front_poll(gate_gfx *g, const rdpContext *back);
/* Peer thread: TRUE once a front server was created (the peer loop stops polling fast). */
BOOL gate_gfx_front_opened(const gate_gfx *g);
void gate_gfx_front_free(gate_gfx *g);
BOOL gate_gfx_decoder_new(gate_gfx *g, rdpContext *back);
void gate_gfx_decoder_free(gate_gfx *g, rdpContext *back);
void gate_gfx_close_bridge(gate_gfx *g);
/* Peer thread: bytes written on the front's drdynvc channel. */
void gate_gfx_front_sent(gate_gfx *g, size_t bytes);
/* Client thread, before reading the target: returns at once while the graphics backlog towards
 * the client is below GATE_GFX_BACKLOG_MAX; otherwise waits until it has drained to
 * GATE_GFX_BACKLOG_RESUME. FALSE when the session is closing instead (abort, or the backlog did
 * not drain within GATE_GFX_STALL_MS: then the session is closed and the front socket shut
 * down). */
BOOL gate_gfx_wait_front_drained(gate_gfx *g);
BOOL gate_gfx_in_reset(void);               /* TRUE inside the decoder's ResetGraphics */
/* The copy of a client's CapsAdvertise that goes to the target: only capability sets the gate's
 * decoder knows, with a length FreeRDP's sender handles. NULL without memory; the caller frees
 * capsSets, then the struct. */
RDPGFX_CAPS_ADVERTISE_PDU *gate_gfx_caps_filter(const RDPGFX_CAPS_ADVERTISE_PDU *in);
/* EndFrame commands seen so far. Any thread. */
UINT64 gate_gfx_frames(gate_gfx *g);

#endif
