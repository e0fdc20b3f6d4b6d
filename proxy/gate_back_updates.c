/* gate_back_updates: the target's updates, decoded into the framebuffer, then forwarded to the
 * front (contract in the header). */
#include "gate_back_updates.h"
#include "gate_gfx.h"

#include <stdlib.h>
#include <string.h>

#include <winpr/wlog.h>
#include <freerdp/codec/color.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/heartbeat.h>
#include <freerdp/pointer.h>

#define TAG "rmgate.proxy.back"

/* TS_BITMAP_DATA flags (MS-RDPBCGR 2.2.9.1.1.3.1.2.2); not in the public headers. */
#define GATE_NO_BITMAP_COMPRESSION_HDR 0x0400

static gate_back_updates *updates_of(rdpContext *ctx)
{
	return ((gate_back_context *)ctx)->updates;
}

/* ---- graphics: decode locally, then forward ---------------------------------------------------- */

static size_t bitmap_wire_size(const BITMAP_DATA *b)
{
	size_t n = 18 + b->bitmapLength;
	if (b->compressed && !(b->flags & GATE_NO_BITMAP_COMPRESSION_HDR))
		n += 8;
	return n;
}

/* 32 bpp compressed bitmaps are planar; FreeRDP reads their planes as BGR or RGB depending on
 * the negotiated dynamic colour fidelity flag. When the client ended with another value than
 * the back, its rectangles are sent from the gate's (correctly decoded) framebuffer instead. */
static BOOL client_reads_like_gate(gate_back_updates *u, const BITMAP_DATA *b)
{
	if (b->bitsPerPixel != 32 || !b->compressed)
		return TRUE;
	return !u->front->peer->settings->DrawAllowDynamicColorFidelity ==
	       !u->back_settings->DrawAllowDynamicColorFidelity;
}

/* Forwards a bitmap update in pieces that fit the front's MultifragMaxRequestSize; a single
 * rectangle too large for it is resent from the gate's framebuffer in small tiles. */
static void forward_bitmaps(gate_back_updates *u, const BITMAP_UPDATE *bu)
{
	freerdp_peer *peer = u->front->peer;
	const size_t budget = peer->settings->MultifragMaxRequestSize > 1024
	                          ? peer->settings->MultifragMaxRequestSize - 256
	                          : 768;
	UINT32 start = 0;
	while (start < bu->number) {
		size_t used = 0;
		UINT32 end = start;
		while (end < bu->number && used + bitmap_wire_size(&bu->rectangles[end]) <= budget &&
		       client_reads_like_gate(u, &bu->rectangles[end]))
			used += bitmap_wire_size(&bu->rectangles[end++]);
		if (end == start || !client_reads_like_gate(u, &bu->rectangles[start])) {
			u->fb_pending = TRUE; /* sent from the framebuffer at the end of this paint */
			start++;
			continue;
		}
		BITMAP_UPDATE part = *bu;
		part.rectangles = &bu->rectangles[start];
		part.number = part.count = end - start;
		gate_front_draw_lock(&u->front->draw);
		BOOL ok = peer->update->BitmapUpdate(peer->context, &part);
		gate_front_draw_unlock(&u->front->draw);
		if (!ok) {
			gate_link_close(u->link, "sending a bitmap update to the client failed");
			return;
		}
		start = end;
	}
}

static BOOL back_bitmap_update(rdpContext *ctx, const BITMAP_UPDATE *bu)
{
	gate_back_updates *u = updates_of(ctx);
	if (u->gdi_bitmap_update && !u->gdi_bitmap_update(ctx, bu))
		gate_link_decode_error(u->link, "bitmap");
	if (!u->codec_seen_bitmap) {
		u->codec_seen_bitmap = TRUE;
		gate_link_event(u->link, GATE_EV_CODEC, "codec=bitmap bpp=%u compressed=%s",
		                   bu->number ? bu->rectangles[0].bitsPerPixel : 0,
		                   bu->number && bu->rectangles[0].compressed ? "yes" : "no");
	}
	u->hooks.counted(u->hooks.ctx, GATE_BACK_BITMAP_RECTS, bu->number);
	if (gate_front_can_draw(&(u)->front->draw))
		forward_bitmaps(u, bu);
	return TRUE;
}

static BOOL rfx_has_sync(const SURFACE_BITS_COMMAND *cmd)
{
	const BYTE *d = cmd->bmp.bitmapData;
	return cmd->bmp.bitmapDataLength >= 2 && d[0] == 0xC0 && d[1] == 0xCC; /* WBT_SYNC */
}

static BOOL send_surface_bits(gate_back_updates *u, const SURFACE_BITS_COMMAND *cmd)
{
	SURFACE_BITS_COMMAND out = *cmd;
	out.bmp.codecID = u->front->peer->settings->RemoteFxCodecId;
	gate_front_draw_lock(&u->front->draw);
	BOOL ok = u->front->peer->update->SurfaceBits(u->front->peer->context, &out);
	gate_front_draw_unlock(&u->front->draw);
	return ok;
}

static void free_rfx_header(gate_back_updates *u)
{
	if (u->rfx_header) {
		free(u->rfx_header->bmp.bitmapData);
		free(u->rfx_header);
		u->rfx_header = NULL;
	}
}

/* Keeps the RemoteFX message that carries the stream's header blocks until the client got it. */
static void keep_rfx_header(gate_back_updates *u, const SURFACE_BITS_COMMAND *cmd)
{
	free_rfx_header(u);
	SURFACE_BITS_COMMAND *copy = calloc(1, sizeof(*copy));
	BYTE *data = copy ? malloc(cmd->bmp.bitmapDataLength) : NULL;
	if (!data) {
		free(copy);
		return;
	}
	*copy = *cmd;
	memcpy(data, cmd->bmp.bitmapData, cmd->bmp.bitmapDataLength);
	copy->bmp.bitmapData = data;
	u->rfx_header = copy;
}

/* Legacy surface bits (RemoteFX; FreeRDP's shadow server uses them for /gfx:rfx and for the
 * first frame): decoded locally, then forwarded unchanged with the codec id renumbered to the
 * client's when the client negotiated RemoteFX; otherwise (or if it does not fit the client's
 * request size) the region is sent from the framebuffer.
 * A RemoteFX stream carries its header blocks only in its first message, which usually arrives
 * while the client is still connecting: it is kept and sent first, followed by the whole screen
 * from the framebuffer (the kept frame is stale), after which messages pass through. */
static BOOL back_surface_bits(rdpContext *ctx, const SURFACE_BITS_COMMAND *cmd)
{
	gate_back_updates *u = updates_of(ctx);
	rdpSettings *ps = u->front->peer->settings;
	const BOOL rfx = cmd->bmp.codecID == RDP_CODEC_ID_REMOTEFX; /* client-side fixed ids */
	if (u->gdi_surface_bits && !u->gdi_surface_bits(ctx, cmd))
		gate_link_decode_error(u->link, "surface-bits");
	if (rfx && !u->front_rfx_synced && rfx_has_sync(cmd))
		keep_rfx_header(u, cmd);
	if (!gate_front_can_draw(&(u)->front->draw))
		return TRUE;
	BOOL native = rfx && ps->RemoteFxCodec;
	BOOL full_repaint = FALSE;
	if (native && !u->front_rfx_synced) {
		/* rfx_header is cmd itself when cmd carries the header blocks (kept above). */
		const BOOL cmd_is_header = rfx_has_sync(cmd);
		native = u->rfx_header && send_surface_bits(u, u->rfx_header);
		u->front_rfx_synced = native;
		full_repaint = native && !cmd_is_header;
		free_rfx_header(u);
	} else if (native)
		native = send_surface_bits(u, cmd);
	if (!u->codec_seen_surface_bits) {
		u->codec_seen_surface_bits = TRUE;
		gate_link_event(u->link, GATE_EV_CODEC, "codec=%s", native ? "remotefx" : "remotefx-as-bitmap");
	}
	if (full_repaint)
		gate_front_send_fb_region(&u->front->draw, 0, 0, (UINT32)ctx->gdi->width, (UINT32)ctx->gdi->height);
	else if (!native)
		u->fb_pending = TRUE; /* only the tiles that changed, at the end of this paint */
	return TRUE;
}

static BOOL back_end_paint(rdpContext *ctx)
{
	gate_back_updates *u = updates_of(ctx);
	rdpGdi *gdi = ctx->gdi;
	if (!gdi || !gdi->primary)
		return TRUE;
	HGDI_WND hwnd = gdi->primary->hdc->hwnd;
	if (!hwnd->invalid->null && hwnd->ninvalid > 0) {
		gate_rect rects[64];
		size_t n = 0;
		if (hwnd->ninvalid <= 64) {
			for (INT32 i = 0; i < hwnd->ninvalid; i++) {
				const GDI_RGN *r = &hwnd->cinvalid[i];
				rects[n++] = (gate_rect){ (UINT32)r->x, (UINT32)r->y, (UINT32)r->w, (UINT32)r->h };
			}
		} else { /* many small rectangles: hand over their bounding box */
			const GDI_RGN *r = hwnd->invalid;
			rects[n++] = (gate_rect){ (UINT32)r->x, (UINT32)r->y, (UINT32)r->w, (UINT32)r->h };
		}
		u->hooks.counted(u->hooks.ctx, GATE_BACK_FRAMES, 1);
		if (u->obs->on_frame)
			u->obs->on_frame(u->obs->ctx, gdi->primary_buffer, gdi->stride, (UINT32)gdi->width,
			                (UINT32)gdi->height, rects, n);
		/* Updates the client could not take as they came: send what changed, re-encoded. */
		for (size_t i = 0; u->fb_pending && i < n; i++)
			gate_front_send_fb_region(&u->front->draw, rects[i].x, rects[i].y, rects[i].w, rects[i].h);
	}
	u->fb_pending = FALSE;
	/* Always reset, or gdi keeps growing cinvalid. */
	hwnd->invalid->null = TRUE;
	hwnd->ninvalid = 0;
	return TRUE;
}

/* Called by the core when the target reactivates with a new size, and by gdi's graphics
 * pipeline ResetGraphics (drdynvc thread). */
static BOOL back_desktop_resize(rdpContext *ctx)
{
	gate_back_updates *u = updates_of(ctx);
	rdpSettings *bs = ctx->settings;
	/* gdi_resize frees primary_buffer: the other back thread paints it under update->mux
	 *. Lock order: update->mux, then front_out. */
	EnterCriticalSection(&ctx->update->mux);
	gate_front_draw_lock(&u->front->draw); /* gate_front_send_fb_region reads the buffer */
	BOOL ok = gdi_resize(ctx->gdi, bs->DesktopWidth, bs->DesktopHeight);
	gate_front_draw_unlock(&u->front->draw);
	LeaveCriticalSection(&ctx->update->mux);
	if (!ok)
		gate_link_decode_error(u->link, "resize");
	if (u->obs->on_resize)
		u->obs->on_resize(u->obs->ctx, bs->DesktopWidth, bs->DesktopHeight);
	if (gate_gfx_in_reset())
		return TRUE; /* the client resizes from the forwarded ResetGraphics */
	u->hooks.resized(u->hooks.ctx, bs->DesktopWidth, bs->DesktopHeight);
	return TRUE;
}

/* ---- pointer: shadow cache for the observer, forwarded unchanged ------------------------------ */

static void pointer_store(gate_back_updates *u, UINT32 index, UINT32 w, UINT32 h, UINT32 hx, UINT32 hy,
                          UINT32 bpp, const BYTE *xor_mask, UINT32 xor_len, const BYTE *and_mask,
                          UINT32 and_len)
{
	if (index >= GATE_POINTER_CACHE_MAX || w == 0 || h == 0 || w > 384 || h > 384)
		return;
	gate_pointer_entry *e = &u->pointers[index];
	BYTE *bgra = calloc((size_t)w * h, 4);
	if (!bgra)
		return;
	if (!freerdp_image_copy_from_pointer_data(bgra, PIXEL_FORMAT_BGRA32, w * 4, 0, 0, w, h, xor_mask,
	                                          xor_len, and_mask, and_len, bpp, NULL)) {
		free(bgra);
		gate_link_decode_error(u->link, "pointer");
		return;
	}
	free(e->bgra);
	*e = (gate_pointer_entry){ TRUE, w, h, hx, hy, bgra };
}

static void pointer_show(gate_back_updates *u, UINT32 index)
{
	if (!u->obs->on_pointer_shape || index >= GATE_POINTER_CACHE_MAX || !u->pointers[index].valid)
		return;
	const gate_pointer_entry *e = &u->pointers[index];
	gate_pointer_shape sh = { GATE_POINTER_BITMAP, e->width, e->height, e->hotspot_x, e->hotspot_y, e->bgra };
	u->obs->on_pointer_shape(u->obs->ctx, &sh);
}

#define FRONT_POINTER(u, call)                                                   \
	do {                                                                         \
		if (gate_front_can_draw(&(u)->front->draw)) {                                            \
			gate_front_draw_lock(&(u)->front->draw);                               \
			rdpPointerUpdate *fp = (u)->front->peer->update->pointer;                   \
			(void)(call);                                                        \
			gate_front_draw_unlock(&(u)->front->draw);                               \
		}                                                                        \
	} while (0)

static BOOL back_pointer_position(rdpContext *ctx, const POINTER_POSITION_UPDATE *p)
{
	gate_back_updates *u = updates_of(ctx);
	if (u->obs->on_pointer_position)
		u->obs->on_pointer_position(u->obs->ctx, p->xPos, p->yPos);
	FRONT_POINTER(u, fp->PointerPosition((u)->front->peer->context, p));
	return TRUE;
}

static BOOL back_pointer_system(rdpContext *ctx, const POINTER_SYSTEM_UPDATE *p)
{
	gate_back_updates *u = updates_of(ctx);
	if (u->obs->on_pointer_shape) {
		gate_pointer_shape sh = { p->type == SYSPTR_NULL ? GATE_POINTER_HIDDEN : GATE_POINTER_SYSTEM_DEFAULT,
			                      0, 0, 0, 0, NULL };
		u->obs->on_pointer_shape(u->obs->ctx, &sh);
	}
	FRONT_POINTER(u, fp->PointerSystem((u)->front->peer->context, p));
	return TRUE;
}

static BOOL back_pointer_color(rdpContext *ctx, const POINTER_COLOR_UPDATE *p)
{
	gate_back_updates *u = updates_of(ctx);
	pointer_store(u, p->cacheIndex, p->width, p->height, p->xPos, p->yPos, 24, p->xorMaskData,
	              p->lengthXorMask, p->andMaskData, p->lengthAndMask);
	pointer_show(u, p->cacheIndex);
	FRONT_POINTER(u, fp->PointerColor((u)->front->peer->context, p));
	return TRUE;
}

static BOOL back_pointer_new(rdpContext *ctx, const POINTER_NEW_UPDATE *p)
{
	gate_back_updates *u = updates_of(ctx);
	const POINTER_COLOR_UPDATE *c = &p->colorPtrAttr;
	pointer_store(u, c->cacheIndex, c->width, c->height, c->xPos, c->yPos, p->xorBpp, c->xorMaskData,
	              c->lengthXorMask, c->andMaskData, c->lengthAndMask);
	pointer_show(u, c->cacheIndex);
	FRONT_POINTER(u, fp->PointerNew((u)->front->peer->context, p));
	return TRUE;
}

static BOOL back_pointer_large(rdpContext *ctx, const POINTER_LARGE_UPDATE *p)
{
	gate_back_updates *u = updates_of(ctx);
	pointer_store(u, p->cacheIndex, p->width, p->height, p->hotSpotX, p->hotSpotY, p->xorBpp,
	              p->xorMaskData, p->lengthXorMask, p->andMaskData, p->lengthAndMask);
	pointer_show(u, p->cacheIndex);
	if (u->front->peer->settings->LargePointerFlag)
		FRONT_POINTER(u, fp->PointerLarge((u)->front->peer->context, p));
	return TRUE;
}

static BOOL back_pointer_cached(rdpContext *ctx, const POINTER_CACHED_UPDATE *p)
{
	gate_back_updates *u = updates_of(ctx);
	pointer_show(u, p->cacheIndex);
	FRONT_POINTER(u, fp->PointerCached((u)->front->peer->context, p));
	return TRUE;
}

/* ---- other server updates forwarded to the front ---------------------------------------------- */

static BOOL back_keyboard_indicators(rdpContext *ctx, UINT16 flags)
{
	gate_back_updates *u = updates_of(ctx);
	if (gate_front_can_draw(&(u)->front->draw)) {
		gate_front_draw_lock(&u->front->draw);
		u->front->peer->update->SetKeyboardIndicators(u->front->peer->context, flags);
		gate_front_draw_unlock(&u->front->draw);
	}
	return TRUE;
}

static BOOL back_keyboard_ime(rdpContext *ctx, UINT16 id, UINT32 state, UINT32 mode)
{
	gate_back_updates *u = updates_of(ctx);
	if (gate_front_can_draw(&(u)->front->draw) && u->front->peer->update->SetKeyboardImeStatus) {
		gate_front_draw_lock(&u->front->draw);
		u->front->peer->update->SetKeyboardImeStatus(u->front->peer->context, id, state, mode);
		gate_front_draw_unlock(&u->front->draw);
	}
	return TRUE;
}

static BOOL back_play_sound(rdpContext *ctx, const PLAY_SOUND_UPDATE *ps)
{
	gate_back_updates *u = updates_of(ctx);
	if (gate_front_can_draw(&(u)->front->draw) && u->front->peer->update->PlaySound) {
		gate_front_draw_lock(&u->front->draw);
		u->front->peer->update->PlaySound(u->front->peer->context, ps);
		gate_front_draw_unlock(&u->front->draw);
	}
	return TRUE;
}

static BOOL back_heartbeat(freerdp *instance, BYTE period, BYTE count1, BYTE count2)
{
	gate_back_updates *u = updates_of(instance->context);
	if (gate_front_can_draw(&(u)->front->draw) && u->front->peer->settings->SupportHeartbeatPdu) {
		gate_front_draw_lock(&u->front->draw);
		freerdp_heartbeat_send_heartbeat_pdu(u->front->peer, period, count1, count2);
		gate_front_draw_unlock(&u->front->draw);
	}
	return TRUE;
}

void gate_back_updates_init(gate_back_updates *u, const gate_link *link, gate_front *front,
                            const gate_observer *obs, const gate_back_updates_hooks *hooks)
{
	*u = (gate_back_updates){ .link = link, .front = front, .obs = obs, .hooks = *hooks };
}

void gate_back_updates_install(gate_back_updates *u, freerdp *instance)
{
	rdpUpdate *up = instance->update;
	u->back_settings = instance->settings;
	u->gdi_bitmap_update = up->BitmapUpdate;
	u->gdi_surface_bits = up->SurfaceBits;
	up->BitmapUpdate = back_bitmap_update;
	up->SurfaceBits = back_surface_bits;
	up->EndPaint = back_end_paint;
	up->DesktopResize = back_desktop_resize;
	up->SetKeyboardIndicators = back_keyboard_indicators;
	up->SetKeyboardImeStatus = back_keyboard_ime;
	up->PlaySound = back_play_sound;
	up->pointer->PointerPosition = back_pointer_position;
	up->pointer->PointerSystem = back_pointer_system;
	up->pointer->PointerColor = back_pointer_color;
	up->pointer->PointerNew = back_pointer_new;
	up->pointer->PointerLarge = back_pointer_large;
	up->pointer->PointerCached = back_pointer_cached;
	instance->heartbeat->ServerHeartbeat = back_heartbeat;
}

void gate_back_updates_disconnected(gate_back_updates *u)
{
	free_rfx_header(u);
}

void gate_back_updates_free(gate_back_updates *u)
{
	free_rfx_header(u);
	for (size_t i = 0; i < GATE_POINTER_CACHE_MAX; i++) {
		free(u->pointers[i].bgra);
		u->pointers[i] = (gate_pointer_entry){ 0 };
	}
}
