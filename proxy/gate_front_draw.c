/* gate_front_draw: framebuffer tiles to the front, and the front's output lock (contract in the
 * header). */
#include "gate_front_draw.h"

#include <stdlib.h>
#include <string.h>

#include <winpr/wlog.h>
#include <freerdp/error.h>
#include <freerdp/gdi/gdi.h>

#define TAG "rmgate.proxy.session"

#define FB_TILE 64u
#define FB_MAX_RECTS 64u
/* TS_BITMAP_DATA flags (MS-RDPBCGR 2.2.9.1.1.3.1.2.2); not in the public headers. */
#define GATE_BITMAP_COMPRESSION 0x0001
#define GATE_NO_BITMAP_COMPRESSION_HDR 0x0400

BOOL gate_front_draw_init(gate_front_draw *d, freerdp_peer *peer, const gate_link *link)
{
	*d = (gate_front_draw){ .peer = peer, .link = link };
	return InitializeCriticalSectionAndSpinCount(&d->front_out, 4000);
}

void gate_front_draw_free(gate_front_draw *d)
{
	freerdp_bitmap_planar_context_free(d->planar);
	d->planar = NULL;
	DeleteCriticalSection(&d->front_out);
}

void gate_front_draw_set_framebuffer(gate_front_draw *d, rdpContext *back)
{
	EnterCriticalSection(&d->front_out);
	d->back = back;
	LeaveCriticalSection(&d->front_out);
}

void gate_front_draw_lock(gate_front_draw *d)
{
	EnterCriticalSection(&d->front_out);
}

void gate_front_draw_unlock(gate_front_draw *d)
{
	LeaveCriticalSection(&d->front_out);
}

BOOL gate_front_can_draw(gate_front_draw *d)
{
	return d->peer->activated && gate_link_running(d->link);
}

BOOL gate_front_send_error_info(gate_front_draw *d, UINT32 code)
{
	EnterCriticalSection(&d->front_out);
	freerdp_set_error_info(d->peer->context->rdp, code);
	BOOL ok = freerdp_send_error_info(d->peer->context->rdp);
	LeaveCriticalSection(&d->front_out);
	return ok;
}

BOOL gate_front_send_heartbeat(gate_front_draw *d, BYTE period, BYTE count1, BYTE count2)
{
	EnterCriticalSection(&d->front_out);
	BOOL ok = freerdp_heartbeat_send_heartbeat_pdu(d->peer, period, count1, count2);
	LeaveCriticalSection(&d->front_out);
	return ok;
}

static BOOL fb_flush(gate_front_draw *d, BITMAP_DATA *rects, UINT32 n)
{
	if (n == 0)
		return TRUE;
	BITMAP_UPDATE bu = { 0 };
	bu.number = bu.count = n;
	bu.rectangles = rects;
	bu.skipCompression = TRUE;
	return d->peer->update->BitmapUpdate(d->peer->context, &bu);
}

/* Compresses one tile into dst (capacity FB_TILE*FB_TILE*4) or copies it raw (bottom-up). */
static void fb_tile(gate_front_draw *d, rdpGdi *gdi, UINT32 tx, UINT32 ty, UINT32 tw, UINT32 th,
                    BYTE *dst, BITMAP_DATA *bd)
{
	rdpSettings *ps = d->peer->settings;
	const BYTE *src = gdi->primary_buffer + (size_t)ty * gdi->stride + (size_t)tx * 4;
	*bd = (BITMAP_DATA){ .destLeft = tx, .destTop = ty, .destRight = tx + tw - 1,
		                 .destBottom = ty + th - 1, .width = tw, .height = th, .bitsPerPixel = 32,
		                 .bitmapDataStream = dst };
	if (!d->planar)
		d->planar = freerdp_bitmap_planar_context_new(
		    PLANAR_FORMAT_HEADER_RLE | (ps->DrawAllowSkipAlpha ? PLANAR_FORMAT_HEADER_NA : 0), FB_TILE,
		    FB_TILE);
	/* With an alpha plane, FreeRDP clients read the colour planes as BGR when dynamic colour
	 * fidelity was negotiated: feed the encoder accordingly. */
	UINT32 fmt = (!ps->DrawAllowSkipAlpha && ps->DrawAllowDynamicColorFidelity) ? PIXEL_FORMAT_RGBA32
	                                                                              : PIXEL_FORMAT_BGRA32;
	UINT32 size = FB_TILE * FB_TILE * 4;
	if (d->planar && freerdp_bitmap_planar_context_reset(d->planar, tw, th) &&
	    freerdp_bitmap_compress_planar(d->planar, src, fmt, tw, th, (UINT32)gdi->stride, dst, &size) &&
	    size > 0 && size < tw * th * 4) {
		bd->compressed = TRUE;
		bd->flags = GATE_BITMAP_COMPRESSION | GATE_NO_BITMAP_COMPRESSION_HDR;
		bd->bitmapLength = size;
		bd->cbCompMainBodySize = size;
		bd->cbScanWidth = tw * 4;
		bd->cbUncompressedSize = tw * th * 4;
		return;
	}
	for (UINT32 r = 0; r < th; r++) /* uncompressed bitmap data is bottom-up */
		memcpy(dst + (size_t)r * tw * 4, src + (size_t)(th - 1 - r) * gdi->stride, (size_t)tw * 4);
	bd->compressed = FALSE;
	bd->bitmapLength = tw * th * 4;
}

void gate_front_send_fb_region(gate_front_draw *d, UINT32 x, UINT32 y, UINT32 w, UINT32 h)
{
	const size_t tile_bytes = (size_t)FB_TILE * FB_TILE * 4;
	size_t budget = d->peer->settings->MultifragMaxRequestSize;
	budget = budget > 2048 ? budget - 1024 : 1024;
	BYTE *buf = malloc(tile_bytes * FB_MAX_RECTS);
	BITMAP_DATA *rects = calloc(FB_MAX_RECTS, sizeof(*rects));
	if (!buf || !rects) {
		free(buf);
		free(rects);
		return;
	}
	EnterCriticalSection(&d->front_out);
	rdpGdi *gdi = d->back ? d->back->gdi : NULL;
	if (!gdi || !gdi->primary_buffer || !gate_front_can_draw(d) || x >= (UINT32)gdi->width ||
	    y >= (UINT32)gdi->height)
		goto out;
	w = MIN(w, (UINT32)gdi->width - x);
	h = MIN(h, (UINT32)gdi->height - y);
	UINT32 n = 0;
	size_t used = 0;
	BOOL ok = TRUE;
	for (UINT32 ty = y; ok && ty < y + h; ty += FB_TILE) {
		for (UINT32 tx = x; ok && tx < x + w; tx += FB_TILE) {
			BITMAP_DATA bd;
			UINT32 tw = MIN(FB_TILE, x + w - tx), th = MIN(FB_TILE, y + h - ty);
			fb_tile(d, gdi, tx, ty, tw, th, buf + (size_t)n * tile_bytes, &bd);
			if (n > 0 && used + bd.bitmapLength + 64 > budget) {
				/* send what is queued first, then move the new tile to slot 0 */
				ok = fb_flush(d, rects, n);
				memmove(buf, buf + (size_t)n * tile_bytes, bd.bitmapLength);
				bd.bitmapDataStream = buf;
				n = 0;
				used = 0;
			}
			rects[n++] = bd;
			used += bd.bitmapLength + 64;
			if (n == FB_MAX_RECTS) {
				ok = ok && fb_flush(d, rects, n);
				n = 0;
				used = 0;
			}
		}
	}
	if (ok)
		ok = fb_flush(d, rects, n);
	if (!ok)
		WLog_WARN(TAG, "%s sending the framebuffer region to the client failed", d->link->sid);
out:
	LeaveCriticalSection(&d->front_out);
	free(buf);
	free(rects);
}
