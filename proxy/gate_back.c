/* gate_back: the back side, a FreeRDP client connected to the target.
 * Settings are built from a whitelist of the front's values, the channel list from the session
 * policy (checked before connecting: fail closed), the target certificate is pinned or
 * explicitly ignored, and gdi decodes everything into the gate's own framebuffer before the
 * update is forwarded to the front. */
#include "gate_session.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <winpr/wlog.h>
#include <freerdp/addin.h>
#include <freerdp/channels/channels.h>
#include <freerdp/client/channels.h>
#include <freerdp/client/cmdline.h>
#include <freerdp/codec/color.h>
#include <freerdp/error.h>
#include <freerdp/gdi/gfx.h>
#include <freerdp/heartbeat.h>
#include <freerdp/pointer.h>
#include <freerdp/settings.h>

#define TAG "rmgate.proxy.back"

/* TS_BITMAP_DATA flags (MS-RDPBCGR 2.2.9.1.1.3.1.2.2); not in the public headers. */
#define GATE_NO_BITMAP_COMPRESSION_HDR 0x0400

static gate_session *back_session(rdpContext *ctx)
{
	return ((gate_back_context *)ctx)->s;
}

/* ---- certificate ------------------------------------------------------------------------------ */

static int verify_x509(freerdp *instance, const BYTE *pem, size_t len, const char *host, UINT16 port,
                       DWORD flags)
{
	gate_session *s = back_session(instance->context);
	const gate_config *cfg = s->cfg;
	/* FreeRDP 2.11 follows a Server Redirection PDU on its own: the back must never reach a
	 * host the permit does not name, whatever certificate it shows. */
	const UINT16 want_port = s->target_port ? s->target_port : 3389; /* FreeRDP's default */
	if ((flags & VERIFY_CERT_FLAG_REDIRECT) || !host || strcmp(host, s->target_host) != 0 ||
	    port != want_port) {
		WLog_ERR(TAG, "%s certificate of %s:%u refused: not the permitted target %s:%u%s", s->sid,
		         host ? host : "?", port, s->target_host, s->target_port,
		         (flags & VERIFY_CERT_FLAG_REDIRECT) ? " (server redirection is not followed)" : "");
		return 0;
	}
	/* A pin of the permitted system (from the permit database) is the only one that counts;
	 * otherwise the configuration's target_cert applies. */
	if (!s->has_target_pin && cfg->target_cert_ignore) {
		WLog_WARN(TAG, "%s target certificate of %s:%u not checked (target_cert = ignore)", s->sid,
		          host, port);
		return 2;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BYTE md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	BOOL ok = x && X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == GATE_SHA256_LEN;
	BOOL match = FALSE;
	if (ok && s->has_target_pin)
		match = memcmp(md, s->target_pin, GATE_SHA256_LEN) == 0;
	for (size_t i = 0; ok && !s->has_target_pin && i < cfg->n_target_pins; i++)
		match = match || memcmp(md, cfg->target_pins[i], GATE_SHA256_LEN) == 0;
	X509_free(x);
	BIO_free(bio);
	if (!match) {
		char hex[GATE_SHA256_LEN * 3 + 1] = "";
		for (unsigned i = 0; ok && i < mdlen; i++)
			snprintf(hex + i * 3, 4, "%02X%s", md[i], i + 1 < mdlen ? ":" : "");
		WLog_ERR(TAG, "%s target certificate of %s:%u rejected: sha256:%s is not %s", s->sid, host,
		         port, ok ? hex : "(unreadable)",
		         s->has_target_pin ? "the system's pinned certificate" : "pinned in target_cert");
		return 0;
	}
	return 2; /* accept for this session only; nothing is stored under $HOME */
}

static DWORD verify_cert_ex(freerdp *instance, const char *host, UINT16 port, const char *cn,
                            const char *subject, const char *issuer, const char *fp, DWORD flags)
{
	/* Only reached if external certificate management were off: refuse. */
	(void)instance; (void)host; (void)port; (void)cn; (void)subject; (void)issuer; (void)fp; (void)flags;
	return 0;
}

static BOOL authenticate(freerdp *instance, char **user, char **password, char **domain)
{
	/* Called when the target wants credentials we do not have: never prompt. */
	(void)instance; (void)user; (void)password; (void)domain;
	return FALSE;
}

/* ---- channel policy on the back --------------------------------------------------------------- */

static BOOL clear_channel_settings(rdpSettings *bs)
{
	static const size_t off[] = {
		FreeRDP_DeviceRedirection,     FreeRDP_RedirectDrives,        FreeRDP_RedirectHomeDrive,
		FreeRDP_RedirectPrinters,      FreeRDP_RedirectSmartCards,    FreeRDP_RedirectSerialPorts,
		FreeRDP_RedirectParallelPorts, FreeRDP_RedirectClipboard,     FreeRDP_AudioPlayback,
		FreeRDP_AudioCapture,          FreeRDP_RemoteApplicationMode, FreeRDP_EncomspVirtualChannel,
		FreeRDP_RemdeskVirtualChannel, FreeRDP_LyncRdpMode,           FreeRDP_RemoteAssistanceMode,
		FreeRDP_MultiTouchInput,       FreeRDP_SupportEchoChannel,    FreeRDP_SupportSSHAgentChannel,
		FreeRDP_SupportGeometryTracking, FreeRDP_SupportVideoOptimized, FreeRDP_NetworkAutoDetect,
		FreeRDP_SupportMultitransport, FreeRDP_SupportHeartbeatPdu,   FreeRDP_RemoteConsoleAudio,
		FreeRDP_ListMonitors,
	};
	for (size_t i = 0; i < ARRAYSIZE(off); i++)
		if (!freerdp_settings_set_bool(bs, off[i], FALSE))
			return FALSE;
	return freerdp_settings_set_string(bs, FreeRDP_DrivesToRedirect, NULL) &&
	       freerdp_settings_set_string(bs, FreeRDP_RDP2TCPArgs, NULL);
}

/* The final static channel list is what the target will see: anything the policy does not
 * allow aborts the connection (fail closed). */
static BOOL check_channel_list(gate_session *s, rdpSettings *bs)
{
	for (UINT32 i = 0; i < bs->ChannelCount; i++) {
		const char *name = bs->ChannelDefArray[i].name;
		if (!gate_policy_static_allowed(&s->policy, name)) {
			char esc[GATE_ESCAPED_MAX];
			WLog_ERR(TAG, "%s back channel list holds '%s', which the policy denies: not connecting",
			         s->sid, gate_link_escape(esc, sizeof(esc), name));
			return FALSE;
		}
	}
	return TRUE;
}

static void on_error_info(void *context, ErrorInfoEventArgs *e)
{
	gate_session *s = back_session(context);
	EnterCriticalSection(&s->lock);
	s->back_error_info = e->code;
	LeaveCriticalSection(&s->lock);
	WLog_INFO(TAG, "%s target error info 0x%08x (%s)", s->sid, e->code, freerdp_get_error_info_string(e->code));
}

static void on_channel_connected(void *context, ChannelConnectedEventArgs *e)
{
	gate_session *s = back_session(context);
	if (!strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME))
		gate_gfx_back_connected(s, e->pInterface);
	else if (!strcmp(e->name, DISP_DVC_CHANNEL_NAME)) {
		EnterCriticalSection(&s->gfx_lock);
		if (!s->gfx_closed)
			s->back_disp = e->pInterface;
		LeaveCriticalSection(&s->gfx_lock);
	}
	WLog_DBG(TAG, "%s back channel %s connected", s->sid, e->name);
}

static void on_channel_disconnected(void *context, ChannelDisconnectedEventArgs *e)
{
	gate_session *s = back_session(context);
	if (!strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME))
		gate_gfx_back_disconnected(s, e->pInterface);
	else if (!strcmp(e->name, DISP_DVC_CHANNEL_NAME)) {
		EnterCriticalSection(&s->gfx_lock);
		s->back_disp = NULL;
		LeaveCriticalSection(&s->gfx_lock);
	}
}

static BOOL back_pre_connect(freerdp *instance)
{
	gate_session *s = back_session(instance->context);
	rdpSettings *bs = instance->settings;
	/* freerdp_connect re-applies default order support before this callback: zero it here. */
	memset(bs->OrderSupport, 0, 32);
	bs->GlyphSupportLevel = GLYPH_SUPPORT_NONE;
	if (!clear_channel_settings(bs))
		return FALSE;
	if (!freerdp_settings_set_bool(bs, FreeRDP_SupportDisplayControl, s->policy.display_control) ||
	    !freerdp_settings_set_bool(bs, FreeRDP_SupportGraphicsPipeline,
	                               s->policy.gfx && bs->SupportGraphicsPipeline))
		return FALSE;
	/* RemoteFX inside the graphics pipeline is only chosen by a target that saw the codec in the
	 * bitmap codecs capability; without the pipeline, plain bitmaps pass through compressed. */
	if (!freerdp_settings_set_bool(bs, FreeRDP_RemoteFxCodec, bs->SupportGraphicsPipeline))
		return FALSE;
	if (s->policy.gfx || s->policy.display_control) {
		/* Loads drdynvc with the receipt plugin for denied dynamic channels (gate_dvc.c). */
		char *name = GATE_DVC_RECEIPT_NAME;
		if (!freerdp_client_add_dynamic_channel(bs, 1, &name))
			return FALSE;
	}
	PubSub_SubscribeErrorInfo(instance->context->pubSub, on_error_info);
	PubSub_SubscribeChannelConnected(instance->context->pubSub, on_channel_connected);
	PubSub_SubscribeChannelDisconnected(instance->context->pubSub, on_channel_disconnected);
	if (!freerdp_client_load_addins(instance->context->channels, bs))
		return FALSE;
	/* Heartbeats need no channel: the load rule that adds rdpdr for them has run, so the
	 * capability can be advertised again. */
	bs->SupportHeartbeatPdu = TRUE;
	return check_channel_list(s, bs);
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
static BOOL client_reads_like_gate(gate_session *s, const BITMAP_DATA *b)
{
	if (b->bitsPerPixel != 32 || !b->compressed)
		return TRUE;
	return !s->front.peer->settings->DrawAllowDynamicColorFidelity ==
	       !s->back->settings->DrawAllowDynamicColorFidelity;
}

/* Forwards a bitmap update in pieces that fit the front's MultifragMaxRequestSize; a single
 * rectangle too large for it is resent from the gate's framebuffer in small tiles. */
static void forward_bitmaps(gate_session *s, const BITMAP_UPDATE *bu)
{
	freerdp_peer *peer = s->front.peer;
	const size_t budget = peer->settings->MultifragMaxRequestSize > 1024
	                          ? peer->settings->MultifragMaxRequestSize - 256
	                          : 768;
	UINT32 start = 0;
	while (start < bu->number) {
		size_t used = 0;
		UINT32 end = start;
		while (end < bu->number && used + bitmap_wire_size(&bu->rectangles[end]) <= budget &&
		       client_reads_like_gate(s, &bu->rectangles[end]))
			used += bitmap_wire_size(&bu->rectangles[end++]);
		if (end == start || !client_reads_like_gate(s, &bu->rectangles[start])) {
			s->fb_pending = TRUE; /* sent from the framebuffer at the end of this paint */
			start++;
			continue;
		}
		BITMAP_UPDATE part = *bu;
		part.rectangles = &bu->rectangles[start];
		part.number = part.count = end - start;
		gate_front_draw_lock(&s->front.draw);
		BOOL ok = peer->update->BitmapUpdate(peer->context, &part);
		gate_front_draw_unlock(&s->front.draw);
		if (!ok) {
			gate_session_close(s, "sending a bitmap update to the client failed");
			return;
		}
		start = end;
	}
}

static BOOL back_bitmap_update(rdpContext *ctx, const BITMAP_UPDATE *bu)
{
	gate_session *s = back_session(ctx);
	if (s->gdi_bitmap_update && !s->gdi_bitmap_update(ctx, bu))
		gate_session_decode_error(s, "bitmap");
	if (!s->codec_seen[0]) {
		s->codec_seen[0] = TRUE;
		gate_session_event(s, GATE_EV_CODEC, "codec=bitmap bpp=%u compressed=%s",
		                   bu->number ? bu->rectangles[0].bitsPerPixel : 0,
		                   bu->number && bu->rectangles[0].compressed ? "yes" : "no");
	}
	EnterCriticalSection(&s->lock);
	s->bitmap_rects += bu->number;
	LeaveCriticalSection(&s->lock);
	if (gate_front_can_draw(&(s)->front.draw))
		forward_bitmaps(s, bu);
	return TRUE;
}

static BOOL rfx_has_sync(const SURFACE_BITS_COMMAND *cmd)
{
	const BYTE *d = cmd->bmp.bitmapData;
	return cmd->bmp.bitmapDataLength >= 2 && d[0] == 0xC0 && d[1] == 0xCC; /* WBT_SYNC */
}

static BOOL send_surface_bits(gate_session *s, const SURFACE_BITS_COMMAND *cmd)
{
	SURFACE_BITS_COMMAND out = *cmd;
	out.bmp.codecID = s->front.peer->settings->RemoteFxCodecId;
	gate_front_draw_lock(&s->front.draw);
	BOOL ok = s->front.peer->update->SurfaceBits(s->front.peer->context, &out);
	gate_front_draw_unlock(&s->front.draw);
	return ok;
}

static void free_rfx_header(gate_session *s)
{
	if (s->rfx_header) {
		free(s->rfx_header->bmp.bitmapData);
		free(s->rfx_header);
		s->rfx_header = NULL;
	}
}

/* Keeps the RemoteFX message that carries the stream's header blocks until the client got it. */
static void keep_rfx_header(gate_session *s, const SURFACE_BITS_COMMAND *cmd)
{
	free_rfx_header(s);
	SURFACE_BITS_COMMAND *copy = calloc(1, sizeof(*copy));
	BYTE *data = copy ? malloc(cmd->bmp.bitmapDataLength) : NULL;
	if (!data) {
		free(copy);
		return;
	}
	*copy = *cmd;
	memcpy(data, cmd->bmp.bitmapData, cmd->bmp.bitmapDataLength);
	copy->bmp.bitmapData = data;
	s->rfx_header = copy;
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
	gate_session *s = back_session(ctx);
	rdpSettings *ps = s->front.peer->settings;
	const BOOL rfx = cmd->bmp.codecID == RDP_CODEC_ID_REMOTEFX; /* client-side fixed ids */
	if (s->gdi_surface_bits && !s->gdi_surface_bits(ctx, cmd))
		gate_session_decode_error(s, "surface-bits");
	if (rfx && !s->front_rfx_synced && rfx_has_sync(cmd))
		keep_rfx_header(s, cmd);
	if (!gate_front_can_draw(&(s)->front.draw))
		return TRUE;
	BOOL native = rfx && ps->RemoteFxCodec;
	BOOL full_repaint = FALSE;
	if (native && !s->front_rfx_synced) {
		/* rfx_header is cmd itself when cmd carries the header blocks (kept above). */
		const BOOL cmd_is_header = rfx_has_sync(cmd);
		native = s->rfx_header && send_surface_bits(s, s->rfx_header);
		s->front_rfx_synced = native;
		full_repaint = native && !cmd_is_header;
		free_rfx_header(s);
	} else if (native)
		native = send_surface_bits(s, cmd);
	if (!s->codec_seen[17]) {
		s->codec_seen[17] = TRUE;
		gate_session_event(s, GATE_EV_CODEC, "codec=%s", native ? "remotefx" : "remotefx-as-bitmap");
	}
	if (full_repaint)
		gate_front_send_fb_region(&s->front.draw, 0, 0, (UINT32)ctx->gdi->width, (UINT32)ctx->gdi->height);
	else if (!native)
		s->fb_pending = TRUE; /* only the tiles that changed, at the end of this paint */
	return TRUE;
}

static BOOL back_end_paint(rdpContext *ctx)
{
	gate_session *s = back_session(ctx);
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
		EnterCriticalSection(&s->lock);
		s->frames++;
		LeaveCriticalSection(&s->lock);
		if (s->obs.on_frame)
			s->obs.on_frame(s->obs.ctx, gdi->primary_buffer, gdi->stride, (UINT32)gdi->width,
			                (UINT32)gdi->height, rects, n);
		/* Updates the client could not take as they came: send what changed, re-encoded. */
		for (size_t i = 0; s->fb_pending && i < n; i++)
			gate_front_send_fb_region(&s->front.draw, rects[i].x, rects[i].y, rects[i].w, rects[i].h);
	}
	s->fb_pending = FALSE;
	/* Always reset, or gdi keeps growing cinvalid. */
	hwnd->invalid->null = TRUE;
	hwnd->ninvalid = 0;
	return TRUE;
}

/* Called by the core when the target reactivates with a new size, and by gdi's graphics
 * pipeline ResetGraphics (drdynvc thread). */
static BOOL back_desktop_resize(rdpContext *ctx)
{
	gate_session *s = back_session(ctx);
	rdpSettings *bs = ctx->settings;
	/* gdi_resize frees primary_buffer: the other back thread paints it under update->mux
	 *. Lock order: update->mux, then front_out. */
	EnterCriticalSection(&ctx->update->mux);
	gate_front_draw_lock(&s->front.draw); /* gate_front_send_fb_region reads the buffer */
	BOOL ok = gdi_resize(ctx->gdi, bs->DesktopWidth, bs->DesktopHeight);
	gate_front_draw_unlock(&s->front.draw);
	LeaveCriticalSection(&ctx->update->mux);
	if (!ok)
		gate_session_decode_error(s, "resize");
	if (s->obs.on_resize)
		s->obs.on_resize(s->obs.ctx, bs->DesktopWidth, bs->DesktopHeight);
	if (gate_gfx_in_reset())
		return TRUE; /* the client resizes from the forwarded ResetGraphics */
	EnterCriticalSection(&s->lock);
	s->pending_width = bs->DesktopWidth;
	s->pending_height = bs->DesktopHeight;
	LeaveCriticalSection(&s->lock);
	SetEvent(s->reactivate_event);
	return TRUE;
}

/* ---- pointer: shadow cache for the observer, forwarded unchanged ------------------------------ */

static void pointer_store(gate_session *s, UINT32 index, UINT32 w, UINT32 h, UINT32 hx, UINT32 hy,
                          UINT32 bpp, const BYTE *xor_mask, UINT32 xor_len, const BYTE *and_mask,
                          UINT32 and_len)
{
	if (index >= GATE_POINTER_CACHE_MAX || w == 0 || h == 0 || w > 384 || h > 384)
		return;
	gate_pointer_entry *e = &s->pointers[index];
	BYTE *bgra = calloc((size_t)w * h, 4);
	if (!bgra)
		return;
	if (!freerdp_image_copy_from_pointer_data(bgra, PIXEL_FORMAT_BGRA32, w * 4, 0, 0, w, h, xor_mask,
	                                          xor_len, and_mask, and_len, bpp, NULL)) {
		free(bgra);
		gate_session_decode_error(s, "pointer");
		return;
	}
	free(e->bgra);
	*e = (gate_pointer_entry){ TRUE, w, h, hx, hy, bgra };
}

static void pointer_show(gate_session *s, UINT32 index)
{
	if (!s->obs.on_pointer_shape || index >= GATE_POINTER_CACHE_MAX || !s->pointers[index].valid)
		return;
	const gate_pointer_entry *e = &s->pointers[index];
	gate_pointer_shape sh = { GATE_POINTER_BITMAP, e->width, e->height, e->hotspot_x, e->hotspot_y, e->bgra };
	s->obs.on_pointer_shape(s->obs.ctx, &sh);
}

#define FRONT_POINTER(s, call)                                                   \
	do {                                                                         \
		if (gate_front_can_draw(&(s)->front.draw)) {                                            \
			gate_front_draw_lock(&(s)->front.draw);                               \
			rdpPointerUpdate *fp = (s)->front.peer->update->pointer;                   \
			(void)(call);                                                        \
			gate_front_draw_unlock(&(s)->front.draw);                               \
		}                                                                        \
	} while (0)

static BOOL back_pointer_position(rdpContext *ctx, const POINTER_POSITION_UPDATE *p)
{
	gate_session *s = back_session(ctx);
	if (s->obs.on_pointer_position)
		s->obs.on_pointer_position(s->obs.ctx, p->xPos, p->yPos);
	FRONT_POINTER(s, fp->PointerPosition((s)->front.peer->context, p));
	return TRUE;
}

static BOOL back_pointer_system(rdpContext *ctx, const POINTER_SYSTEM_UPDATE *p)
{
	gate_session *s = back_session(ctx);
	if (s->obs.on_pointer_shape) {
		gate_pointer_shape sh = { p->type == SYSPTR_NULL ? GATE_POINTER_HIDDEN : GATE_POINTER_SYSTEM_DEFAULT,
			                      0, 0, 0, 0, NULL };
		s->obs.on_pointer_shape(s->obs.ctx, &sh);
	}
	FRONT_POINTER(s, fp->PointerSystem((s)->front.peer->context, p));
	return TRUE;
}

static BOOL back_pointer_color(rdpContext *ctx, const POINTER_COLOR_UPDATE *p)
{
	gate_session *s = back_session(ctx);
	pointer_store(s, p->cacheIndex, p->width, p->height, p->xPos, p->yPos, 24, p->xorMaskData,
	              p->lengthXorMask, p->andMaskData, p->lengthAndMask);
	pointer_show(s, p->cacheIndex);
	FRONT_POINTER(s, fp->PointerColor((s)->front.peer->context, p));
	return TRUE;
}

static BOOL back_pointer_new(rdpContext *ctx, const POINTER_NEW_UPDATE *p)
{
	gate_session *s = back_session(ctx);
	const POINTER_COLOR_UPDATE *c = &p->colorPtrAttr;
	pointer_store(s, c->cacheIndex, c->width, c->height, c->xPos, c->yPos, p->xorBpp, c->xorMaskData,
	              c->lengthXorMask, c->andMaskData, c->lengthAndMask);
	pointer_show(s, c->cacheIndex);
	FRONT_POINTER(s, fp->PointerNew((s)->front.peer->context, p));
	return TRUE;
}

static BOOL back_pointer_large(rdpContext *ctx, const POINTER_LARGE_UPDATE *p)
{
	gate_session *s = back_session(ctx);
	pointer_store(s, p->cacheIndex, p->width, p->height, p->hotSpotX, p->hotSpotY, p->xorBpp,
	              p->xorMaskData, p->lengthXorMask, p->andMaskData, p->lengthAndMask);
	pointer_show(s, p->cacheIndex);
	if (s->front.peer->settings->LargePointerFlag)
		FRONT_POINTER(s, fp->PointerLarge((s)->front.peer->context, p));
	return TRUE;
}

static BOOL back_pointer_cached(rdpContext *ctx, const POINTER_CACHED_UPDATE *p)
{
	gate_session *s = back_session(ctx);
	pointer_show(s, p->cacheIndex);
	FRONT_POINTER(s, fp->PointerCached((s)->front.peer->context, p));
	return TRUE;
}

/* ---- other server updates forwarded to the front ---------------------------------------------- */

static BOOL back_keyboard_indicators(rdpContext *ctx, UINT16 flags)
{
	gate_session *s = back_session(ctx);
	if (gate_front_can_draw(&(s)->front.draw)) {
		gate_front_draw_lock(&s->front.draw);
		s->front.peer->update->SetKeyboardIndicators(s->front.peer->context, flags);
		gate_front_draw_unlock(&s->front.draw);
	}
	return TRUE;
}

static BOOL back_keyboard_ime(rdpContext *ctx, UINT16 id, UINT32 state, UINT32 mode)
{
	gate_session *s = back_session(ctx);
	if (gate_front_can_draw(&(s)->front.draw) && s->front.peer->update->SetKeyboardImeStatus) {
		gate_front_draw_lock(&s->front.draw);
		s->front.peer->update->SetKeyboardImeStatus(s->front.peer->context, id, state, mode);
		gate_front_draw_unlock(&s->front.draw);
	}
	return TRUE;
}

static BOOL back_play_sound(rdpContext *ctx, const PLAY_SOUND_UPDATE *ps)
{
	gate_session *s = back_session(ctx);
	if (gate_front_can_draw(&(s)->front.draw) && s->front.peer->update->PlaySound) {
		gate_front_draw_lock(&s->front.draw);
		s->front.peer->update->PlaySound(s->front.peer->context, ps);
		gate_front_draw_unlock(&s->front.draw);
	}
	return TRUE;
}

static BOOL back_heartbeat(freerdp *instance, BYTE period, BYTE count1, BYTE count2)
{
	gate_session *s = back_session(instance->context);
	if (gate_front_can_draw(&(s)->front.draw) && s->front.peer->settings->SupportHeartbeatPdu) {
		gate_front_draw_lock(&s->front.draw);
		freerdp_heartbeat_send_heartbeat_pdu(s->front.peer, period, count1, count2);
		gate_front_draw_unlock(&s->front.draw);
	}
	return TRUE;
}

static BOOL back_post_connect(freerdp *instance)
{
	gate_session *s = back_session(instance->context);
	rdpUpdate *u = instance->update;
	if (!gdi_init(instance, PIXEL_FORMAT_BGRA32))
		return FALSE;
	s->gdi_bitmap_update = u->BitmapUpdate;
	s->gdi_surface_bits = u->SurfaceBits;
	u->BitmapUpdate = back_bitmap_update;
	u->SurfaceBits = back_surface_bits;
	u->EndPaint = back_end_paint;
	u->DesktopResize = back_desktop_resize;
	u->SetKeyboardIndicators = back_keyboard_indicators;
	u->SetKeyboardImeStatus = back_keyboard_ime;
	u->PlaySound = back_play_sound;
	u->pointer->PointerPosition = back_pointer_position;
	u->pointer->PointerSystem = back_pointer_system;
	u->pointer->PointerColor = back_pointer_color;
	u->pointer->PointerNew = back_pointer_new;
	u->pointer->PointerLarge = back_pointer_large;
	u->pointer->PointerCached = back_pointer_cached;
	instance->heartbeat->ServerHeartbeat = back_heartbeat;
	/* Without the decoder, GFX frames would be shown but not recorded: refuse. */
	if (!gate_gfx_decoder_new(s)) {
		WLog_ERR(TAG, "%s no graphics pipeline decoder: refusing, the recording would miss frames",
		         s->sid);
		return FALSE;
	}
	return TRUE;
}

static void back_post_disconnect(freerdp *instance)
{
	gate_session *s = back_session(instance->context);
	PubSub_UnsubscribeErrorInfo(instance->context->pubSub, on_error_info);
	PubSub_UnsubscribeChannelConnected(instance->context->pubSub, on_channel_connected);
	PubSub_UnsubscribeChannelDisconnected(instance->context->pubSub, on_channel_disconnected);
	gate_gfx_decoder_free(s);
	free_rfx_header(s);
	gate_front_draw_lock(&s->front.draw); /* gate_front_send_fb_region reads the buffer */
	gdi_free(instance);
	gate_front_draw_unlock(&s->front.draw);
}

static BOOL back_client_new(freerdp *instance, rdpContext *ctx)
{
	(void)ctx;
	instance->PreConnect = back_pre_connect;
	instance->PostConnect = back_post_connect;
	instance->PostDisconnect = back_post_disconnect;
	instance->Authenticate = authenticate;
	instance->VerifyX509Certificate = verify_x509;
	instance->VerifyCertificateEx = verify_cert_ex;
	return TRUE;
}

static void back_client_free(freerdp *instance, rdpContext *ctx)
{
	(void)instance;
	(void)ctx;
}

/* ---- settings whitelist ------------------------------------------------------------------------ */

static BOOL copy_front_settings(gate_session *s, rdpSettings *bs)
{
	const rdpSettings *ps = s->front.peer->settings;
	const BOOL pw = s->password && *s->password;
	BOOL ok =
	    freerdp_settings_set_string(bs, FreeRDP_ServerHostname, s->target_host) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_ServerPort, s->target_port) &&
	    freerdp_settings_set_string(bs, FreeRDP_Username, s->user) &&
	    freerdp_settings_set_string(bs, FreeRDP_Domain, s->domain && *s->domain ? s->domain : NULL) &&
	    freerdp_settings_set_string(bs, FreeRDP_Password, pw ? s->password : NULL) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_DesktopWidth, ps->DesktopWidth) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_DesktopHeight, ps->DesktopHeight) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_ColorDepth, 32) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_KeyboardLayout, ps->KeyboardLayout) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_KeyboardType, ps->KeyboardType) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_KeyboardSubType, ps->KeyboardSubType) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_KeyboardFunctionKey, ps->KeyboardFunctionKey) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_PerformanceFlags, ps->PerformanceFlags) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_PointerCacheSize,
	                                MIN(ps->PointerCacheSize, GATE_POINTER_CACHE_MAX)) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_LargePointerFlag, ps->LargePointerFlag) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_MultifragMaxRequestSize, ps->MultifragMaxRequestSize) &&
	    freerdp_settings_set_string(bs, FreeRDP_ClientHostname, ps->ClientHostname) &&
	    freerdp_settings_set_bool(bs, FreeRDP_SupportGraphicsPipeline, ps->SupportGraphicsPipeline) &&
	    /* Security towards the target: TLS, and NLA when we hold a password. */
	    freerdp_settings_set_bool(bs, FreeRDP_RdpSecurity, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_TlsSecurity, TRUE) &&
	    freerdp_settings_set_string(bs, FreeRDP_AllowedTlsCiphers,
	                                s->cfg->target_tls_ciphers ? s->cfg->target_tls_ciphers
	                                                           : s->cfg->tls_ciphers) &&
	    freerdp_settings_set_bool(bs, FreeRDP_NlaSecurity, pw) &&
	    freerdp_settings_set_bool(bs, FreeRDP_ExternalCertificateManagement, TRUE) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_TcpConnectTimeout, s->cfg->connect_timeout_ms) &&
	    freerdp_settings_set_bool(bs, FreeRDP_AutoReconnectionEnabled, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_SoftwareGdi, TRUE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_AsyncInput, TRUE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_AsyncUpdate, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_AsyncChannels, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_RemoteFxCodec, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_NSCodec, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_JpegCodec, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_GfxSmallCache, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_GfxH264, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_FastPathOutput, TRUE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_FastPathInput, TRUE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_UnicodeInput, TRUE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_BitmapCacheEnabled, FALSE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_BitmapCachePersistEnabled, FALSE) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_OffscreenSupportLevel, 0) &&
	    freerdp_settings_set_bool(bs, FreeRDP_DesktopResize, TRUE) &&
	    freerdp_settings_set_bool(bs, FreeRDP_SupportMonitorLayoutPdu, TRUE);
	if (ok && ps->ClientTimeZone && bs->ClientTimeZone)
		*bs->ClientTimeZone = *ps->ClientTimeZone;
	return ok;
}

BOOL gate_back_create(gate_session *s)
{
	RDP_CLIENT_ENTRY_POINTS ep = { 0 };
	ep.Size = sizeof(ep);
	ep.Version = RDP_CLIENT_INTERFACE_VERSION;
	ep.ContextSize = sizeof(gate_back_context);
	ep.ClientNew = back_client_new;
	ep.ClientFree = back_client_free;
	rdpContext *ctx = gate_dvc_client_context_new(&ep);
	if (!ctx)
		return FALSE;
	((gate_back_context *)ctx)->s = s;
	s->back = ctx;
	return copy_front_settings(s, ctx->settings);
}

/* ---- client thread ------------------------------------------------------------------------------ */

static void wipe_password(gate_session *s)
{
	rdpSettings *bs = s->back->settings;
	if (bs->Password)
		OPENSSL_cleanse(bs->Password, strlen(bs->Password));
	freerdp_settings_set_string(bs, FreeRDP_Password, NULL);
	if (s->password) {
		OPENSSL_cleanse(s->password, strlen(s->password));
		free(s->password);
		s->password = NULL;
	}
}

/* TRUE when the library has moved the back to another host or port (server redirection). */
static BOOL redirected(gate_session *s)
{
	const rdpSettings *bs = s->back->settings;
	return !bs->ServerHostname || strcmp(bs->ServerHostname, s->target_host) != 0 ||
	       bs->ServerPort != s->target_port;
}

static DWORD WINAPI client_thread(LPVOID arg)
{
	gate_session *s = arg;
	freerdp *instance = s->back->instance;
	BOOL ok = freerdp_connect(instance);
	wipe_password(s);
	s->back_connected = ok;
	SetEvent(s->back_done_event);
	if (!ok) {
		UINT32 err = freerdp_get_last_error(s->back);
		WLog_ERR(TAG, "%s connection to %s:%u failed: %s", s->sid, s->target_host, s->target_port,
		         freerdp_get_last_error_string(err));
		gate_session_close(s, "connection to the target failed");
	}
	while (ok) {
		HANDLE h[64];
		DWORD n = freerdp_get_event_handles(s->back, h, 62);
		if (n == 0) {
			gate_session_close(s, "back transport has no event handle");
			break;
		}
		h[n++] = s->abort_event;
		if (WaitForMultipleObjects(n, h, FALSE, 1000) == WAIT_FAILED) {
			gate_session_close(s, "back wait failed");
			break;
		}
		if (WaitForSingleObject(s->abort_event, 0) == WAIT_OBJECT_0)
			break;
		/* Back-pressure: nothing more is read from the target while the client has not taken
		 * the graphics already queued for it (gate_gfx.c). */
		if (!gate_gfx_wait_front_drained(s))
			break;
		if (!freerdp_check_event_handles(s->back) || freerdp_shall_disconnect(instance)) {
			gate_session_close(s, "target disconnected");
			break;
		}
		if (redirected(s)) {
			gate_session_close(s, "target redirected the connection");
			break;
		}
	}
	/* freerdp_disconnect frees the back's GFX and display-control contexts (drdynvc plugin
	 * termination) before it reports the channels disconnected: the front threads must stop
	 * calling into them first. The peer thread closes the bridge too, but later. */
	gate_gfx_close_bridge(s);
	freerdp_disconnect(instance);
	return 0;
}

BOOL gate_back_start(gate_session *s)
{
	s->client_thread = CreateThread(NULL, 0, client_thread, s, 0, NULL);
	return s->client_thread != NULL;
}

/* Shuts the back's sockets down so that a read the library is blocked in (connect sequence,
 * TLS or NLA handshake: FreeRDP 2.11 loops on them without a deadline) returns. Only called
 * when the client thread did not end in time, i.e. while it is blocked inside the library. */
static void shutdown_back_sockets(gate_session *s)
{
	HANDLE h[64];
	DWORD n = freerdp_get_event_handles(s->back, h, 62);
	for (DWORD i = 0; i < n; i++) {
		int fd = GetEventFileDescriptor(h[i]);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			shutdown(fd, SHUT_RDWR);
	}
}

BOOL gate_back_stop(gate_session *s)
{
	if (!s->client_thread)
		return TRUE;
	SetEvent(s->abort_event);
	freerdp_abort_connect(s->back->instance);
	DWORD rc = WaitForSingleObject(s->client_thread, s->cfg->close_timeout_ms);
	if (rc == WAIT_TIMEOUT) {
		WLog_WARN(TAG, "%s back thread still busy, shutting its sockets down", s->sid);
		shutdown_back_sockets(s);
		rc = WaitForSingleObject(s->client_thread, s->cfg->close_timeout_ms);
	}
	if (rc != WAIT_OBJECT_0)
		return FALSE;
	CloseHandle(s->client_thread);
	s->client_thread = NULL;
	return TRUE;
}

void gate_back_free(gate_session *s)
{
	if (!s->back)
		return;
	freerdp_client_context_free(s->back);
	s->back = NULL;
}
