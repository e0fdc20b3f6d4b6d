/* gate_back_updates: what the target draws, on its way to the vendor's client.
 *
 * The back's gdi decodes every update into the gate's own framebuffer first (what the recorder
 * gets at each end of paint, through the observer's on_frame); then the update is forwarded to
 * the front unchanged when the client can take it as it came, or re-encoded from the
 * framebuffer (gate_front_draw) when it cannot: bitmaps too large for the client's
 * MultifragMaxRequestSize or read with other colour flags than the gate's decoder, RemoteFX
 * surface bits towards a client without RemoteFX. Pointers are kept in a shadow cache for the
 * observer and forwarded unchanged; keyboard indicators, IME status, sounds and heartbeats are
 * forwarded.
 *
 * Contract:
 * - gate_back_updates_init(): peer thread, before the back exists. gate_back_updates_install():
 *   the back's PostConnect (client thread) right after gdi_init: saves gdi's callbacks and puts
 *   these in front of them. gate_back_updates_disconnected(): the back's PostDisconnect.
 *   gate_back_updates_free(): peer thread, after the client thread stopped.
 * - Threads: the callbacks run on the back's update threads (the client thread; gdi's graphics
 *   pipeline calls DesktopResize from the back drdynvc thread) with the back's update lock
 *   held. Everything sent to the front takes front_out (gate_front_draw_lock). The fields below
 *   are those threads' only, as noted.
 * - The back's context must be a gate_back_context (below): the callbacks find their state
 *   through it.
 */
#ifndef RMGATE_GATE_BACK_UPDATES_H
#define RMGATE_GATE_BACK_UPDATES_H

#include <freerdp/freerdp.h>
#include <freerdp/update.h>

#include "gate_dvc.h"
#include "gate_front.h"
#include "gate_link.h"
#include "gate_observer.h"

#define GATE_POINTER_CACHE_MAX 64

typedef enum { GATE_BACK_FRAMES, GATE_BACK_BITMAP_RECTS } gate_back_counter;

/* What the updates tell their session. ctx is opaque; called on the back's update threads. */
typedef struct {
	void *ctx;
	void (*counted)(void *ctx, gate_back_counter which, UINT64 n);
	/* The target changed its desktop size (not by the graphics pipeline's ResetGraphics, which
	 * the client follows by itself): the front must be reactivated at this size. */
	void (*resized)(void *ctx, UINT32 width, UINT32 height);
} gate_back_updates_hooks;

typedef struct {
	BOOL valid;
	UINT32 width, height, hotspot_x, hotspot_y;
	BYTE *bgra; /* width*height*4 */
} gate_pointer_entry;

typedef struct gate_back_updates {
	/* Immutable after gate_back_updates_init. */
	const gate_link *link;
	gate_front *front;             /* the front peer and its drawing */
	const gate_observer *obs;      /* the session's */
	gate_back_updates_hooks hooks;
	/* Set by install (client thread, before any update), read-only afterwards. */
	rdpSettings *back_settings;
	pBitmapUpdate gdi_bitmap_update;
	pSurfaceBits gdi_surface_bits;

	BOOL front_rfx_synced;  /* client thread only: the client got RemoteFX header blocks */
	BOOL fb_pending;        /* update thread only: resend this paint's dirty rects from the fb */
	SURFACE_BITS_COMMAND *rfx_header; /* client thread only: kept header message (copy) */
	BOOL codec_seen_bitmap, codec_seen_surface_bits; /* logged once (GATE_EV_CODEC) */
	/* Pointer shadow cache (back update thread only). */
	gate_pointer_entry pointers[GATE_POINTER_CACHE_MAX];
} gate_back_updates;

/* The back's rdpContext, extended. Owned by the back (freerdp_client_context_free). */
typedef struct {
	gate_dvc_context dvc;       /* first: the dynamic-channel receipt finds its state here */
	void *owner;                /* the gate_back (gate_back.c) */
	gate_back_updates *updates;
} gate_back_context;

void gate_back_updates_init(gate_back_updates *u, const gate_link *link, gate_front *front,
                            const gate_observer *obs, const gate_back_updates_hooks *hooks);
void gate_back_updates_install(gate_back_updates *u, freerdp *instance);
void gate_back_updates_disconnected(gate_back_updates *u);
void gate_back_updates_free(gate_back_updates *u);

#endif
