/* gate_gfx: the graphics pipeline bridge with the decoder tee (contract in the header). */
#include "gate_gfx.h"

#include <stdlib.h>
#include <string.h>

#include <winpr/sysinfo.h>
#include <winpr/wlog.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/gdi/gfx.h>

#define TAG "rmgate.proxy.gfx"

/* Set while the gate's decoder runs ResetGraphics, which calls update->DesktopResize itself:
 * with the graphics pipeline the client resizes from the forwarded ResetGraphics, so the front
 * must not be reactivated for it. */
static __thread BOOL t_in_gfx_reset;

BOOL gate_gfx_in_reset(void)
{
	return t_in_gfx_reset;
}

static const char *codec_name(UINT16 id)
{
	switch (id) {
	case RDPGFX_CODECID_UNCOMPRESSED: return "gfx-uncompressed";
	case RDPGFX_CODECID_CAVIDEO: return "gfx-remotefx";
	case RDPGFX_CODECID_CLEARCODEC: return "gfx-clearcodec";
	case RDPGFX_CODECID_PLANAR: return "gfx-planar";
	case RDPGFX_CODECID_AVC420: return "gfx-avc420";
	case RDPGFX_CODECID_ALPHA: return "gfx-alpha";
	case RDPGFX_CODECID_AVC444: return "gfx-avc444";
	case RDPGFX_CODECID_AVC444v2: return "gfx-avc444v2";
	case RDPGFX_CODECID_CAPROGRESSIVE: return "gfx-progressive";
	case RDPGFX_CODECID_CAPROGRESSIVE_V2: return "gfx-progressive-v2";
	default: return "gfx-unknown";
	}
}

/* One slot per codec id below 0x0F; 0x0F and anything higher share the last one. */
static size_t codec_slot(UINT16 id)
{
	return id < 0x0F ? id : 0x0Fu;
}

static void decoded(gate_gfx *g, UINT rc, const char *what)
{
	if (rc != CHANNEL_RC_OK)
		gate_link_decode_error(g->link, what);
}

/* Runs fn on the front rdpgfx server unless the bridge is closed, and counts `bytes` (the
 * command's size without the headers the server adds) as queued towards the client. */
#define TO_FRONT(g, call, bytes)                                           \
	do {                                                                   \
		EnterCriticalSection(&(g)->lock);                              \
		if (!(g)->closed && (g)->front_gfx_open && (g)->front_gfx) {   \
			RdpgfxServerContext *fg = (g)->front_gfx;                      \
			(void)(call);                                                  \
			(g)->out_queued += (bytes);                                \
		}                                                                  \
		LeaveCriticalSection(&(g)->lock);                              \
	} while (0)

#define DECODE(g, name, pdu)                                                                \
	do {                                                                                    \
		if ((g)->decoder && (g)->decoder->name)                                             \
			decoded((g), (g)->decoder->name((g)->decoder, (pdu)), "gfx-" #name);           \
	} while (0)

/* One forwarder per server-to-client command: forward, then decode. `size` is the command's
 * size on the wire without the 8-byte RDPGFX header (MS-RDPEGFX 2.2.2), from `pdu`. */
#define GFX_BRIDGE(name, type, size)                                      \
	static UINT back_##name(RdpgfxClientContext *ctx, const type *pdu)    \
	{                                                                     \
		gate_gfx *g = ctx->custom;                                    \
		TO_FRONT(g, fg->name(fg, pdu), (size));                           \
		DECODE(g, name, pdu);                                             \
		return CHANNEL_RC_OK;                                             \
	}

GFX_BRIDGE(StartFrame, RDPGFX_START_FRAME_PDU, 8u)
GFX_BRIDGE(DeleteEncodingContext, RDPGFX_DELETE_ENCODING_CONTEXT_PDU, 6u)
GFX_BRIDGE(CreateSurface, RDPGFX_CREATE_SURFACE_PDU, 7u)
GFX_BRIDGE(DeleteSurface, RDPGFX_DELETE_SURFACE_PDU, 2u)
GFX_BRIDGE(SolidFill, RDPGFX_SOLID_FILL_PDU, 8u + 8u * (UINT64)pdu->fillRectCount)
GFX_BRIDGE(SurfaceToSurface, RDPGFX_SURFACE_TO_SURFACE_PDU, 14u + 4u * (UINT64)pdu->destPtsCount)
GFX_BRIDGE(SurfaceToCache, RDPGFX_SURFACE_TO_CACHE_PDU, 16u)
GFX_BRIDGE(CacheToSurface, RDPGFX_CACHE_TO_SURFACE_PDU, 6u + 4u * (UINT64)pdu->destPtsCount)
GFX_BRIDGE(CacheImportReply, RDPGFX_CACHE_IMPORT_REPLY_PDU, 2u + 2u * (UINT64)pdu->importedEntriesCount)
GFX_BRIDGE(EvictCacheEntry, RDPGFX_EVICT_CACHE_ENTRY_PDU, 2u)
GFX_BRIDGE(MapSurfaceToOutput, RDPGFX_MAP_SURFACE_TO_OUTPUT_PDU, 12u)
GFX_BRIDGE(MapSurfaceToWindow, RDPGFX_MAP_SURFACE_TO_WINDOW_PDU, 18u)
GFX_BRIDGE(MapSurfaceToScaledOutput, RDPGFX_MAP_SURFACE_TO_SCALED_OUTPUT_PDU, 20u)
GFX_BRIDGE(MapSurfaceToScaledWindow, RDPGFX_MAP_SURFACE_TO_SCALED_WINDOW_PDU, 26u)

static UINT back_ResetGraphics(RdpgfxClientContext *ctx, const RDPGFX_RESET_GRAPHICS_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	TO_FRONT(g, fg->ResetGraphics(fg, pdu), 332u);
	t_in_gfx_reset = TRUE;
	DECODE(g, ResetGraphics, pdu);
	t_in_gfx_reset = FALSE;
	if (g->obs->on_resize)
		g->obs->on_resize(g->obs->ctx, pdu->width, pdu->height);
	return CHANNEL_RC_OK;
}

/* Sends the gate's own acknowledgement of frame_id to the target. Caller holds gfx_lock. */
static void self_ack(gate_gfx *g, UINT32 frame_id)
{
	if (g->closed || !g->back_gfx || !g->back_gfx_open)
		return;
	RDPGFX_FRAME_ACKNOWLEDGE_PDU ack = { .queueDepth = QUEUE_DEPTH_UNAVAILABLE,
		                                 .frameId = frame_id,
		                                 .totalFramesDecoded = ++g->self_acked };
	g->back_gfx->FrameAcknowledge(g->back_gfx, &ack);
	g->acks_fwd++;
	g->last_ack_id = frame_id;
}

/* Acknowledges, oldest first, the frames whose last byte has been written to the client (all of
 * them when force). Caller holds gfx_lock. */
static void self_ack_drained(gate_gfx *g, BOOL force)
{
	while (g->self_ack_count > 0) {
		size_t i = g->self_ack_head;
		if (!force && g->self_ack[i].mark > g->out_sent)
			break;
		self_ack(g, g->self_ack[i].frame_id);
		g->self_ack_head = (i + 1) % GATE_GFX_SELF_ACK_MAX;
		g->self_ack_count--;
	}
}

static UINT back_EndFrame(RdpgfxClientContext *ctx, const RDPGFX_END_FRAME_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	TO_FRONT(g, fg->EndFrame(fg, pdu), 4u);
	EnterCriticalSection(&g->lock);
	if (!g->closed && g->front_gfx_open)
		g->frames_fwd++;
	if (g->front_suspended) {
		if (g->self_ack_count == GATE_GFX_SELF_ACK_MAX)
			self_ack_drained(g, TRUE); /* the backlog bound still holds: the target is paused */
		size_t tail = (g->self_ack_head + g->self_ack_count) % GATE_GFX_SELF_ACK_MAX;
		g->self_ack[tail].frame_id = pdu->frameId;
		g->self_ack[tail].mark = g->out_queued;
		g->self_ack_count++;
		self_ack_drained(g, FALSE);
	}
	LeaveCriticalSection(&g->lock);
	DECODE(g, EndFrame, pdu);
	EnterCriticalSection(&g->lock);
	g->frames++;
	LeaveCriticalSection(&g->lock);
	return CHANNEL_RC_OK;
}

static UINT back_SurfaceCommand(RdpgfxClientContext *ctx, const RDPGFX_SURFACE_COMMAND *cmd)
{
	gate_gfx *g = ctx->custom;
	size_t slot = codec_slot((UINT16)cmd->codecId);
	TO_FRONT(g, fg->SurfaceCommand(fg, cmd), 17u + (UINT64)cmd->length);
	if (slot < ARRAYSIZE(g->codec_seen) && !g->codec_seen[slot]) {
		g->codec_seen[slot] = TRUE;
		gate_link_event(g->link, GATE_EV_CODEC, "codec=%s", codec_name((UINT16)cmd->codecId));
	}
	DECODE(g, SurfaceCommand, cmd);
	return CHANNEL_RC_OK;
}

static UINT back_CapsConfirm(RdpgfxClientContext *ctx, const RDPGFX_CAPS_CONFIRM_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	/* FreeRDP 2.11's server sender computes 8 + length in 32 bits: forward only a copy with
	 * a length a capability set can have. */
	if (!pdu->capsSet || (pdu->capsSet->length != 4 && pdu->capsSet->length != 16)) {
		WLog_ERR(TAG, "%s invalid graphics capabilities from the target (length %u)", g->link->sid,
		         pdu->capsSet ? pdu->capsSet->length : 0);
		gate_link_close(g->link, "invalid capabilities from target");
		return CHANNEL_RC_OK; /* the close is the answer; the channel goes with the session */
	}
	RDPGFX_CAPSET cs = *pdu->capsSet;
	RDPGFX_CAPS_CONFIRM_PDU copy = { .capsSet = &cs };
	TO_FRONT(g, fg->CapsConfirm(fg, &copy), 8u + cs.length);
	if (pdu->capsSet)
		gate_link_event(g->link, GATE_EV_CODEC, "gfx-caps version=0x%08x flags=0x%08x",
		                   pdu->capsSet->version, pdu->capsSet->flags);
	return CHANNEL_RC_OK;
}

/* Versions FreeRDP 2.11's decoder knows; newer ones would let the target pick codecs the
 * gate could not record. */
static BOOL known_caps_version(UINT32 v)
{
	return v == RDPGFX_CAPVERSION_8 || v == RDPGFX_CAPVERSION_81 || v == RDPGFX_CAPVERSION_10 ||
	       v == RDPGFX_CAPVERSION_101 || v == RDPGFX_CAPVERSION_102 || v == RDPGFX_CAPVERSION_103 ||
	       v == RDPGFX_CAPVERSION_104 || v == RDPGFX_CAPVERSION_105 || v == RDPGFX_CAPVERSION_106 ||
	       v == RDPGFX_CAPVERSION_106_ERR || v == RDPGFX_CAPVERSION_107;
}

static RDPGFX_CAPS_ADVERTISE_PDU *caps_copy(const RDPGFX_CAPS_ADVERTISE_PDU *in)
{
	RDPGFX_CAPS_ADVERTISE_PDU *out = calloc(1, sizeof(*out));
	if (!out)
		return NULL;
	out->capsSets = calloc(in->capsSetCount ? in->capsSetCount : 1, sizeof(RDPGFX_CAPSET));
	if (!out->capsSets) {
		free(out);
		return NULL;
	}
	/* FreeRDP 2.11's client sender writes 4 bytes of flags and zero-fills length - 4: a
	 * length below 4 overflows it. Real sets are 4 or 16 bytes long. */
	for (UINT16 i = 0; i < in->capsSetCount; i++)
		if (known_caps_version(in->capsSets[i].version) && in->capsSets[i].length >= 4 &&
		    in->capsSets[i].length <= 16)
			out->capsSets[out->capsSetCount++] = in->capsSets[i];
	return out;
}

RDPGFX_CAPS_ADVERTISE_PDU *gate_gfx_caps_filter(const RDPGFX_CAPS_ADVERTISE_PDU *in)
{
	return caps_copy(in);
}

static void caps_free(RDPGFX_CAPS_ADVERTISE_PDU *p)
{
	if (p) {
		free(p->capsSets);
		free(p);
	}
}

static UINT back_OnOpen(RdpgfxClientContext *ctx, BOOL *do_caps_advertise, BOOL *send_frame_acks)
{
	gate_gfx *g = ctx->custom;
	*do_caps_advertise = FALSE;
	*send_frame_acks = FALSE;
	EnterCriticalSection(&g->lock);
	g->back_gfx_open = TRUE;
	RDPGFX_CAPS_ADVERTISE_PDU *pending = g->pending_caps;
	g->pending_caps = NULL;
	if (pending && !g->closed)
		ctx->CapsAdvertise(ctx, pending);
	LeaveCriticalSection(&g->lock);
	caps_free(pending);
	return CHANNEL_RC_OK;
}

static UINT back_OnClose(RdpgfxClientContext *ctx)
{
	gate_gfx *g = ctx->custom;
	EnterCriticalSection(&g->lock);
	g->back_gfx_open = FALSE;
	LeaveCriticalSection(&g->lock);
	return CHANNEL_RC_OK;
}

void gate_gfx_back_connected(gate_gfx *g, RdpgfxClientContext *gfx)
{
	gfx->custom = g;
	gfx->OnOpen = back_OnOpen;
	gfx->OnClose = back_OnClose;
	gfx->ResetGraphics = back_ResetGraphics;
	gfx->StartFrame = back_StartFrame;
	gfx->EndFrame = back_EndFrame;
	gfx->SurfaceCommand = back_SurfaceCommand;
	gfx->DeleteEncodingContext = back_DeleteEncodingContext;
	gfx->CreateSurface = back_CreateSurface;
	gfx->DeleteSurface = back_DeleteSurface;
	gfx->SolidFill = back_SolidFill;
	gfx->SurfaceToSurface = back_SurfaceToSurface;
	gfx->SurfaceToCache = back_SurfaceToCache;
	gfx->CacheToSurface = back_CacheToSurface;
	gfx->CacheImportReply = back_CacheImportReply;
	gfx->EvictCacheEntry = back_EvictCacheEntry;
	gfx->MapSurfaceToOutput = back_MapSurfaceToOutput;
	gfx->MapSurfaceToWindow = back_MapSurfaceToWindow;
	gfx->MapSurfaceToScaledOutput = back_MapSurfaceToScaledOutput;
	gfx->MapSurfaceToScaledWindow = back_MapSurfaceToScaledWindow;
	gfx->CapsConfirm = back_CapsConfirm;
	EnterCriticalSection(&g->lock);
	if (!g->closed)
		g->back_gfx = gfx;
	LeaveCriticalSection(&g->lock);
}

void gate_gfx_back_disconnected(gate_gfx *g, RdpgfxClientContext *gfx)
{
	EnterCriticalSection(&g->lock);
	if (g->back_gfx == gfx) {
		g->back_gfx = NULL;
		g->back_gfx_open = FALSE;
	}
	LeaveCriticalSection(&g->lock);
}

/* ---- front callbacks (front rdpgfx server thread) ------------------------------------------ */

static UINT front_CapsAdvertise(RdpgfxServerContext *ctx, const RDPGFX_CAPS_ADVERTISE_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	RDPGFX_CAPS_ADVERTISE_PDU *copy = caps_copy(pdu);
	if (!copy)
		return CHANNEL_RC_NO_MEMORY;
	EnterCriticalSection(&g->lock);
	if (!g->closed && g->back_gfx && g->back_gfx_open) {
		g->back_gfx->CapsAdvertise(g->back_gfx, copy);
		caps_free(copy);
	} else { /* the target has not opened its channel yet: sent from back_OnOpen */
		caps_free(g->pending_caps);
		g->pending_caps = copy;
	}
	LeaveCriticalSection(&g->lock);
	return CHANNEL_RC_OK;
}

static UINT front_FrameAcknowledge(RdpgfxServerContext *ctx, const RDPGFX_FRAME_ACKNOWLEDGE_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	const BOOL suspend = pdu->queueDepth == SUSPEND_FRAME_ACKNOWLEDGEMENT;
	EnterCriticalSection(&g->lock);
	const BOOL was = g->front_suspended;
	g->front_suspended = suspend;
	if (!suspend) {
		/* The client acknowledges again: frames the gate still owed are acknowledged now,
		 * before the client's own acknowledgement. */
		self_ack_drained(g, TRUE);
		/* A repeat of the last one, or more acknowledgements than frames: not passed on. */
		if ((g->acks_fwd > 0 && pdu->frameId == g->last_ack_id) ||
		    g->acks_fwd >= g->frames_fwd)
			g->acks_dropped++;
		else if (!g->closed && g->back_gfx && g->back_gfx_open) {
			g->back_gfx->FrameAcknowledge(g->back_gfx, pdu);
			g->acks_fwd++;
			g->last_ack_id = pdu->frameId;
		}
	}
	const UINT64 dropped = g->acks_dropped;
	LeaveCriticalSection(&g->lock);
	if (dropped == 1 || (dropped > 1 && (dropped & (dropped - 1)) == 0))
		WLog_WARN(TAG, "%s %llu frame acknowledgements from the client repeated one or were for "
		               "frames it was never sent: not passed on",
		          g->link->sid, (unsigned long long)dropped);
	if (suspend != was)
		WLog_INFO(TAG, "%s the client %s frame acknowledgements%s", g->link->sid,
		          suspend ? "suspended" : "resumed",
		          suspend ? " (SUSPEND_FRAME_ACKNOWLEDGEMENT not forwarded: the gate acknowledges "
		                    "frames itself as they leave towards the client)"
		                  : "");
	return CHANNEL_RC_OK;
}

/* ---- output back-pressure ------------------------------------------------------------------- */

void gate_gfx_front_sent(gate_gfx *g, size_t bytes)
{
	EnterCriticalSection(&g->lock);
	/* Never ahead of the (lower) estimate of what was queued: no credit for later output. */
	g->out_sent = MIN(g->out_sent + bytes, g->out_queued);
	if (g->out_queued - g->out_sent <= GATE_GFX_BACKLOG_RESUME)
		SetEvent(g->drained_event);
	self_ack_drained(g, FALSE);
	LeaveCriticalSection(&g->lock);
}

static UINT64 backlog_locked(gate_gfx *g)
{
	return g->out_queued - g->out_sent;
}

BOOL gate_gfx_wait_front_drained(gate_gfx *g)
{
	EnterCriticalSection(&g->lock);
	UINT64 backlog = backlog_locked(g);
	BOOL high = backlog > GATE_GFX_BACKLOG_MAX;
	if (high)
		ResetEvent(g->drained_event);
	LeaveCriticalSection(&g->lock);
	if (!high)
		return TRUE;
	WLog_INFO(TAG, "%s the client is not taking its graphics (%llu bytes waiting): not reading the "
	               "target until they are sent",
	          g->link->sid, (unsigned long long)backlog);
	const UINT64 start = GetTickCount64();
	for (;;) {
		HANDLE h[2] = { g->drained_event, g->abort_event };
		DWORD rc = WaitForMultipleObjects(2, h, FALSE, 1000);
		if (rc == WAIT_OBJECT_0 + 1 || rc == WAIT_FAILED ||
		    WaitForSingleObject(g->abort_event, 0) == WAIT_OBJECT_0)
			return FALSE;
		if (rc == WAIT_OBJECT_0) {
			WLog_DBG(TAG, "%s graphics output drained after %llu ms: reading the target again",
			         g->link->sid, (unsigned long long)(GetTickCount64() - start));
			return TRUE;
		}
		if (GetTickCount64() - start >= GATE_GFX_STALL_MS) {
			WLog_WARN(TAG, "%s the client did not take its waiting graphics within %u s: "
			               "disconnecting it",
			          g->link->sid, GATE_GFX_STALL_MS / 1000);
			gate_link_close(g->link, "client stopped reading its graphics output");
			/* As the watchdog does: unblocks the peer thread's write to a client that does
			 * not read. */
			gate_front_shutdown_socket(g->front);
			return FALSE;
		}
	}
}

static UINT front_QoeFrameAcknowledge(RdpgfxServerContext *ctx,
                                      const RDPGFX_QOE_FRAME_ACKNOWLEDGE_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	EnterCriticalSection(&g->lock);
	if (!g->closed && g->back_gfx && g->back_gfx_open && g->back_gfx->QoeFrameAcknowledge &&
	    g->qoe_fwd < g->frames_fwd) {
		g->back_gfx->QoeFrameAcknowledge(g->back_gfx, pdu);
		g->qoe_fwd++;
	}
	LeaveCriticalSection(&g->lock);
	return CHANNEL_RC_OK;
}

static UINT front_CacheImportOffer(RdpgfxServerContext *ctx, const RDPGFX_CACHE_IMPORT_OFFER_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	WLog_DBG(TAG, "%s cache import offer of %u entries dropped", g->link->sid, pdu->cacheEntriesCount);
	return CHANNEL_RC_OK;
}

/* ---- display control bridge ------------------------------------------------------------------ */

static UINT front_disp_layout(DispServerContext *ctx, const DISPLAY_CONTROL_MONITOR_LAYOUT_PDU *pdu)
{
	gate_gfx *g = ctx->custom;
	EnterCriticalSection(&g->lock);
	DispClientContext *bd = g->closed ? NULL : g->back_disp;
	UINT rc = CHANNEL_RC_OK;
	if (bd && pdu->NumMonitors > 0) {
		DISPLAY_CONTROL_MONITOR_LAYOUT *m = calloc(pdu->NumMonitors, sizeof(*m));
		if (m) {
			for (UINT32 i = 0; i < pdu->NumMonitors; i++)
				m[i] = pdu->Monitors[i];
			rc = bd->SendMonitorLayout(bd, pdu->NumMonitors, m);
			free(m);
		}
	}
	LeaveCriticalSection(&g->lock);
	WLog_INFO(TAG, "%s display layout from the client: %u monitor(s), first %ux%u, %s", g->link->sid,
	          pdu->NumMonitors, pdu->NumMonitors ? pdu->Monitors[0].Width : 0,
	          pdu->NumMonitors ? pdu->Monitors[0].Height : 0, bd ? "forwarded" : "no target channel");
	(void)rc;
	return CHANNEL_RC_OK;
}

/* ---- display control: the back's channel ------------------------------------------------------ */

void gate_gfx_back_disp_connected(gate_gfx *g, DispClientContext *disp)
{
	EnterCriticalSection(&g->lock);
	if (!g->closed)
		g->back_disp = disp;
	LeaveCriticalSection(&g->lock);
}

void gate_gfx_back_disp_disconnected(gate_gfx *g)
{
	EnterCriticalSection(&g->lock);
	g->back_disp = NULL;
	LeaveCriticalSection(&g->lock);
}

/* ---- peer thread: open and free the front servers ------------------------------------------ */

static void open_front_gfx(gate_gfx *g, HANDLE vcm)
{
	RdpgfxServerContext *fgs = rdpgfx_server_context_new(vcm);
	if (!fgs)
		return;
	fgs->custom = g;
	fgs->rdpcontext = g->front->peer->context;
	fgs->CapsAdvertise = front_CapsAdvertise;
	fgs->FrameAcknowledge = front_FrameAcknowledge;
	fgs->QoeFrameAcknowledge = front_QoeFrameAcknowledge;
	fgs->CacheImportOffer = front_CacheImportOffer;
	EnterCriticalSection(&g->lock);
	g->front_gfx = fgs;
	LeaveCriticalSection(&g->lock);
	if (!fgs->Open(fgs)) {
		WLog_WARN(TAG, "%s cannot open the graphics pipeline towards the client", g->link->sid);
		return;
	}
	EnterCriticalSection(&g->lock);
	g->front_gfx_open = TRUE;
	LeaveCriticalSection(&g->lock);
}

static void open_front_disp(gate_gfx *g, HANDLE vcm)
{
	DispServerContext *d = disp_server_context_new(vcm);
	if (!d)
		return;
	d->custom = g;
	d->rdpcontext = g->front->peer->context;
	d->MaxNumMonitors = 16;
	d->MaxMonitorAreaFactorA = 8192;
	d->MaxMonitorAreaFactorB = 8192;
	d->DispMonitorLayout = front_disp_layout;
	g->front_disp = d;
	if (d->Open(d) != CHANNEL_RC_OK) {
		WLog_WARN(TAG, "%s cannot open display control towards the client", g->link->sid);
		return;
	}
	g->front_disp_open = TRUE;
	d->DisplayControlCaps(d);
}

BOOL gate_gfx_front_poll(gate_gfx *g, const rdpContext *back)
{
	HANDLE vcm = gate_front_vcm(g->front);
	if (!g->front->peer->activated || !gate_link_running(g->link))
		return TRUE;
	if (WTSVirtualChannelManagerGetDrdynvcState(vcm) != DRDYNVC_STATE_READY)
		return TRUE;
	BOOL want_gfx = g->policy->gfx && g->front->peer->settings->SupportGraphicsPipeline && back &&
	                back->settings->SupportGraphicsPipeline;
	if (want_gfx && !g->front_gfx)
		open_front_gfx(g, vcm);
	EnterCriticalSection(&g->lock);
	BOOL have_back_disp = g->back_disp != NULL;
	LeaveCriticalSection(&g->lock);
	if (g->policy->display_control && have_back_disp && !g->front_disp)
		open_front_disp(g, vcm);
	return TRUE;
}

void gate_gfx_close_bridge(gate_gfx *g)
{
	/* Every cross-side call runs under gfx_lock: none is in progress once this returns. */
	EnterCriticalSection(&g->lock);
	g->closed = TRUE;
	g->back_gfx = NULL;
	g->back_gfx_open = FALSE;
	g->back_disp = NULL;
	LeaveCriticalSection(&g->lock);
}

void gate_gfx_front_free(gate_gfx *g)
{
	if (g->front_gfx) {
		if (g->front_gfx_open)
			g->front_gfx->Close(g->front_gfx);
		rdpgfx_server_context_free(g->front_gfx);
		g->front_gfx = NULL;
		g->front_gfx_open = FALSE;
	}
	if (g->front_disp) {
		if (g->front_disp_open)
			g->front_disp->Close(g->front_disp);
		disp_server_context_free(g->front_disp);
		g->front_disp = NULL;
		g->front_disp_open = FALSE;
	}
	caps_free(g->pending_caps);
	g->pending_caps = NULL;
}

/* ---- the gate's own decoder (client thread: created in back PostConnect) ------------------- */

BOOL gate_gfx_decoder_new(gate_gfx *g, rdpContext *ctx)
{
	if (!ctx->settings->SupportGraphicsPipeline || !ctx->gdi)
		return TRUE;
	g->decoder = rdpgfx_client_context_new(ctx->settings);
	if (!g->decoder)
		return FALSE;
	if (!gdi_graphics_pipeline_init(ctx->gdi, g->decoder)) {
		rdpgfx_client_context_free(g->decoder);
		g->decoder = NULL;
		return FALSE;
	}
	return TRUE;
}

void gate_gfx_decoder_free(gate_gfx *g, rdpContext *back)
{
	if (!g->decoder)
		return;
	/* freerdp_disconnect has freed the codecs before PostDisconnect runs: surfaces deleted by
	 * rdpgfx_client_context_free must not reach them. */
	UINT16 *ids = NULL;
	UINT16 count = 0;
	if (g->decoder->GetSurfaceIds(g->decoder, &ids, &count) == CHANNEL_RC_OK) {
		for (UINT16 i = 0; i < count; i++) {
			gdiGfxSurface *surface = g->decoder->GetSurfaceData(g->decoder, ids[i]);
			if (surface)
				surface->codecs = NULL;
		}
	}
	free(ids);
	gdi_graphics_pipeline_uninit(back->gdi, g->decoder);
	rdpgfx_client_context_free(g->decoder);
	g->decoder = NULL;
}

/* ---- life ------------------------------------------------------------------------------------- */

BOOL gate_gfx_init(gate_gfx *g, const gate_link *link, gate_front *front,
                   const gate_channel_policy *policy, const gate_observer *obs, HANDLE abort_event)
{
	*g = (gate_gfx){ .link = link, .front = front, .policy = policy, .obs = obs,
		             .abort_event = abort_event };
	InitializeCriticalSectionAndSpinCount(&g->lock, 4000);
	g->drained_event = CreateEvent(NULL, TRUE, TRUE, NULL);
	return g->drained_event != NULL;
}

void gate_gfx_release(gate_gfx *g)
{
	if (g->drained_event)
		CloseHandle(g->drained_event);
	g->drained_event = NULL;
	DeleteCriticalSection(&g->lock);
}

BOOL gate_gfx_front_opened(const gate_gfx *g)
{
	return g->front_gfx || g->front_disp;
}

UINT64 gate_gfx_frames(gate_gfx *g)
{
	EnterCriticalSection(&g->lock);
	UINT64 n = g->frames;
	LeaveCriticalSection(&g->lock);
	return n;
}
