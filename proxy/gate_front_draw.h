/* gate_front_draw: drawing to the front (the vendor's client) from the gate's own framebuffer,
 * and the lock every update sent to the front from another thread than the peer thread takes.
 *
 * The framebuffer is the back's gdi (decoded target graphics, what the recorder sees). Regions
 * of it are sent as 64x64 tiles, planar-compressed (RDP 6.0 bitmap codec, the FreeRDP encoder)
 * or raw when that fails, batched into bitmap updates that fit the client's
 * MultifragMaxRequestSize: for refresh requests, after (re)activation, and for target updates
 * the client cannot take as they came (gate_back).
 *
 * Contract:
 * - gate_front_draw_init() / _free(): peer thread, at the session's start and end.
 * - gate_front_draw_set_framebuffer(): peer thread, with the back's context once it exists
 *   (before the client thread starts) and NULL before the back is freed (after it stopped).
 * - gate_front_send_fb_region(), gate_front_can_draw(): any session thread.
 * - Lock `front_out` (gate_front_draw_lock/unlock): every update sent to the front from a thread
 *   other than the peer thread (bitmaps, pointers, indicators, sounds, error info,
 *   reactivation), because the server's fast-path sender shares its bulk-compression state and
 *   output stream. It also keeps the framebuffer from being resized or freed while a region is
 *   read (gate_back takes it around gdi_resize and gdi_free). Lock order: the back's
 *   update->mux, then front_out. Never held while waiting on the other side.
 */
#ifndef RMGATE_GATE_FRONT_DRAW_H
#define RMGATE_GATE_FRONT_DRAW_H

#include <winpr/synch.h>
#include <freerdp/freerdp.h>
#include <freerdp/peer.h>
#include <freerdp/codec/planar.h>

#include "gate_link.h"

typedef struct gate_front_draw {
	freerdp_peer *peer;            /* immutable after init */
	const gate_link *link;         /* immutable after init */
	CRITICAL_SECTION front_out;
	BITMAP_PLANAR_CONTEXT *planar; /* guarded by front_out: encoder of framebuffer tiles */
	rdpContext *back;              /* guarded by front_out: the back's context, owner of gdi */
} gate_front_draw;

BOOL gate_front_draw_init(gate_front_draw *d, freerdp_peer *peer, const gate_link *link);
void gate_front_draw_free(gate_front_draw *d);
void gate_front_draw_set_framebuffer(gate_front_draw *d, rdpContext *back);

void gate_front_draw_lock(gate_front_draw *d);
void gate_front_draw_unlock(gate_front_draw *d);

/* TRUE when graphics may go to the front: the client is active and the session RUNNING. */
BOOL gate_front_can_draw(gate_front_draw *d);
/* Sends a region of the framebuffer (clipped to it). Any thread; takes front_out. */
void gate_front_send_fb_region(gate_front_draw *d, UINT32 x, UINT32 y, UINT32 w, UINT32 h);
/* Sends an error info PDU (ERRINFO_*) to the client under front_out; FALSE when it failed. */
BOOL gate_front_send_error_info(gate_front_draw *d, UINT32 code);
/* A Heartbeat PDU (MS-RDPBCGR 2.2.16.1) on the message channel: the client expects one every
 * period seconds, warns after count1 missed and reconnects after count2. Only for a client
 * that announced heartbeat support (its settings' SupportHeartbeatPdu). Any thread. */
BOOL gate_front_send_heartbeat(gate_front_draw *d, BYTE period, BYTE count1, BYTE count2);

#endif
