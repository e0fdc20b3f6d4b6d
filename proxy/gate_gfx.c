/* gate_gfx: the graphics pipeline bridge with the decoder tee.
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
 * server thread; open/close on the peer thread. Every cross-side call holds s->gfx_lock and checks
 * s->gfx_closed, which teardown sets first; the sends it guards only queue data (never block).
 */
#include "gate_session.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

static size_t codec_slot(UINT16 id)
{
	return id <= 0x0F ? 1u + id : 16u; /* 0: legacy bitmaps, 17: surface bits */
}

static void decoded(gate_session *s, UINT rc, const char *what)
{
	if (rc != CHANNEL_RC_OK)
		gate_session_decode_error(s, what);
}

/* Runs fn on the front rdpgfx server unless the bridge is closed, and counts `bytes` (the
 * command's size without the headers the server adds) as queued towards the client. */
#define TO_FRONT(s, call, bytes)                                           \
	do {                                                                   \
		EnterCriticalSection(&(s)->gfx_lock);                              \
		if (!(s)->gfx_closed && (s)->front_gfx_open && (s)->front_gfx) {   \
			RdpgfxServerContext *fg = (s)->front_gfx;                      \
			(void)(call);                                                  \
			(s)->gfx_out_queued += (bytes);                                \
		}                                                                  \
		LeaveCriticalSection(&(s)->gfx_lock);                              \
	} while (0)

#define DECODE(s, name, pdu)                                                                \
	do {                                                                                    \
		if ((s)->decoder && (s)->decoder->name)                                             \
			decoded((s), (s)->decoder->name((s)->decoder, (pdu)), "gfx-" #name);           \
	} while (0)

/* One forwarder per server-to-client command: forward, then decode. `size` is the command's
 * size on the wire without the 8-byte RDPGFX header (MS-RDPEGFX 2.2.2), from `pdu`. */
#define GFX_BRIDGE(name, type, size)                                      \
	static UINT back_##name(RdpgfxClientContext *ctx, const type *pdu)    \
	{                                                                     \
		gate_session *s = ctx->custom;                                    \
		TO_FRONT(s, fg->name(fg, pdu), (size));                           \
		DECODE(s, name, pdu);                                             \
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
	gate_session *s = ctx->custom;
	TO_FRONT(s, fg->ResetGraphics(fg, pdu), 332u);
	t_in_gfx_reset = TRUE;
	DECODE(s, ResetGraphics, pdu);
	t_in_gfx_reset = FALSE;
	if (s->obs.on_resize)
		s->obs.on_resize(s->obs.ctx, pdu->width, pdu->height);
	return CHANNEL_RC_OK;
}

/* Sends the gate's own acknowledgement of frame_id to the target. Caller holds gfx_lock. */
static void self_ack(gate_session *s, UINT32 frame_id)
{
	if (s->gfx_closed || !s->back_gfx || !s->back_gfx_open)
		return;
	RDPGFX_FRAME_ACKNOWLEDGE_PDU ack = { .queueDepth = QUEUE_DEPTH_UNAVAILABLE,
		                                 .frameId = frame_id,
		                                 .totalFramesDecoded = ++s->gfx_self_acked };
	s->back_gfx->FrameAcknowledge(s->back_gfx, &ack);
	s->gfx_acks_fwd++;
	s->gfx_last_ack_id = frame_id;
}

/* Acknowledges, oldest first, the frames whose last byte has been written to the client (all of
 * them when force). Caller holds gfx_lock. */
static void self_ack_drained(gate_session *s, BOOL force)
{
	while (s->gfx_self_ack_count > 0) {
		size_t i = s->gfx_self_ack_head;
		if (!force && s->gfx_self_ack[i].mark > s->gfx_out_sent)
			break;
		self_ack(s, s->gfx_self_ack[i].frame_id);
		s->gfx_self_ack_head = (i + 1) % GATE_GFX_SELF_ACK_MAX;
		s->gfx_self_ack_count--;
	}
}

static UINT back_EndFrame(RdpgfxClientContext *ctx, const RDPGFX_END_FRAME_PDU *pdu)
{
	gate_session *s = ctx->custom;
	TO_FRONT(s, fg->EndFrame(fg, pdu), 4u);
	EnterCriticalSection(&s->gfx_lock);
	if (!s->gfx_closed && s->front_gfx_open)
		s->gfx_frames_fwd++;
	if (s->gfx_front_suspended) {
		if (s->gfx_self_ack_count == GATE_GFX_SELF_ACK_MAX)
			self_ack_drained(s, TRUE); /* the backlog bound still holds: the target is paused */
		size_t tail = (s->gfx_self_ack_head + s->gfx_self_ack_count) % GATE_GFX_SELF_ACK_MAX;
		s->gfx_self_ack[tail].frame_id = pdu->frameId;
		s->gfx_self_ack[tail].mark = s->gfx_out_queued;
		s->gfx_self_ack_count++;
		self_ack_drained(s, FALSE);
	}
	LeaveCriticalSection(&s->gfx_lock);
	DECODE(s, EndFrame, pdu);
	EnterCriticalSection(&s->lock);
	s->gfx_frames++;
	LeaveCriticalSection(&s->lock);
	return CHANNEL_RC_OK;
}

static UINT back_SurfaceCommand(RdpgfxClientContext *ctx, const RDPGFX_SURFACE_COMMAND *cmd)
{
	gate_session *s = ctx->custom;
	size_t slot = codec_slot((UINT16)cmd->codecId);
	TO_FRONT(s, fg->SurfaceCommand(fg, cmd), 17u + (UINT64)cmd->length);
	if (slot < ARRAYSIZE(s->codec_seen) && !s->codec_seen[slot]) {
		s->codec_seen[slot] = TRUE;
		gate_session_event(s, GATE_EV_CODEC, "codec=%s", codec_name((UINT16)cmd->codecId));
	}
	DECODE(s, SurfaceCommand, cmd);
	return CHANNEL_RC_OK;
}

static UINT back_CapsConfirm(RdpgfxClientContext *ctx, const RDPGFX_CAPS_CONFIRM_PDU *pdu)
{
	gate_session *s = ctx->custom;
	/* FreeRDP 2.11's server sender computes 8 + length in 32 bits: forward only a copy with
	 * a length a capability set can have. */
	if (!pdu->capsSet || (pdu->capsSet->length != 4 && pdu->capsSet->length != 16)) {
		WLog_ERR(TAG, "%s invalid graphics capabilities from the target (length %u)", s->sid,
		         pdu->capsSet ? pdu->capsSet->length : 0);
		gate_session_close(s, "invalid capabilities from target");
		return CHANNEL_RC_OK; /* the close is the answer; the channel goes with the session */
	}
	RDPGFX_CAPSET cs = *pdu->capsSet;
	RDPGFX_CAPS_CONFIRM_PDU copy = { .capsSet = &cs };
	TO_FRONT(s, fg->CapsConfirm(fg, &copy), 8u + cs.length);
	if (pdu->capsSet)
		gate_session_event(s, GATE_EV_CODEC, "gfx-caps version=0x%08x flags=0x%08x",
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
	gate_session *s = ctx->custom;
	*do_caps_advertise = FALSE;
	*send_frame_acks = FALSE;
	EnterCriticalSection(&s->gfx_lock);
	s->back_gfx_open = TRUE;
	RDPGFX_CAPS_ADVERTISE_PDU *pending = s->pending_caps;
	s->pending_caps = NULL;
	if (pending && !s->gfx_closed)
		ctx->CapsAdvertise(ctx, pending);
	LeaveCriticalSection(&s->gfx_lock);
	caps_free(pending);
	return CHANNEL_RC_OK;
}

static UINT back_OnClose(RdpgfxClientContext *ctx)
{
	gate_session *s = ctx->custom;
	EnterCriticalSection(&s->gfx_lock);
	s->back_gfx_open = FALSE;
	LeaveCriticalSection(&s->gfx_lock);
	return CHANNEL_RC_OK;
}

void gate_gfx_back_connected(gate_session *s, RdpgfxClientContext *gfx)
{
	gfx->custom = s;
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
	EnterCriticalSection(&s->gfx_lock);
	if (!s->gfx_closed)
		s->back_gfx = gfx;
	LeaveCriticalSection(&s->gfx_lock);
}

void gate_gfx_back_disconnected(gate_session *s, RdpgfxClientContext *gfx)
{
	EnterCriticalSection(&s->gfx_lock);
	if (s->back_gfx == gfx) {
		s->back_gfx = NULL;
		s->back_gfx_open = FALSE;
	}
	LeaveCriticalSection(&s->gfx_lock);
}

/* ---- front callbacks (front rdpgfx server thread) ------------------------------------------ */

static UINT front_CapsAdvertise(RdpgfxServerContext *ctx, const RDPGFX_CAPS_ADVERTISE_PDU *pdu)
{
	gate_session *s = ctx->custom;
	RDPGFX_CAPS_ADVERTISE_PDU *copy = caps_copy(pdu);
	if (!copy)
		return CHANNEL_RC_NO_MEMORY;
	EnterCriticalSection(&s->gfx_lock);
	if (!s->gfx_closed && s->back_gfx && s->back_gfx_open) {
		s->back_gfx->CapsAdvertise(s->back_gfx, copy);
		caps_free(copy);
	} else { /* the target has not opened its channel yet: sent from back_OnOpen */
		caps_free(s->pending_caps);
		s->pending_caps = copy;
	}
	LeaveCriticalSection(&s->gfx_lock);
	return CHANNEL_RC_OK;
}

static UINT front_FrameAcknowledge(RdpgfxServerContext *ctx, const RDPGFX_FRAME_ACKNOWLEDGE_PDU *pdu)
{
	gate_session *s = ctx->custom;
	const BOOL suspend = pdu->queueDepth == SUSPEND_FRAME_ACKNOWLEDGEMENT;
	EnterCriticalSection(&s->gfx_lock);
	const BOOL was = s->gfx_front_suspended;
	s->gfx_front_suspended = suspend;
	if (!suspend) {
		/* The client acknowledges again: frames the gate still owed are acknowledged now,
		 * before the client's own acknowledgement. */
		self_ack_drained(s, TRUE);
		/* A repeat of the last one, or more acknowledgements than frames: not passed on. */
		if ((s->gfx_acks_fwd > 0 && pdu->frameId == s->gfx_last_ack_id) ||
		    s->gfx_acks_fwd >= s->gfx_frames_fwd)
			s->gfx_acks_dropped++;
		else if (!s->gfx_closed && s->back_gfx && s->back_gfx_open) {
			s->back_gfx->FrameAcknowledge(s->back_gfx, pdu);
			s->gfx_acks_fwd++;
			s->gfx_last_ack_id = pdu->frameId;
		}
	}
	const UINT64 dropped = s->gfx_acks_dropped;
	LeaveCriticalSection(&s->gfx_lock);
	if (dropped == 1 || (dropped > 1 && (dropped & (dropped - 1)) == 0))
		WLog_WARN(TAG, "%s %llu frame acknowledgements from the client repeated one or were for "
		               "frames it was never sent: not passed on",
		          s->sid, (unsigned long long)dropped);
	if (suspend != was)
		WLog_INFO(TAG, "%s the client %s frame acknowledgements%s", s->sid,
		          suspend ? "suspended" : "resumed",
		          suspend ? " (SUSPEND_FRAME_ACKNOWLEDGEMENT not forwarded: the gate acknowledges "
		                    "frames itself as they leave towards the client)"
		                  : "");
	return CHANNEL_RC_OK;
}

/* ---- output back-pressure ------------------------------------------------------------------- */

void gate_gfx_front_sent(gate_session *s, size_t bytes)
{
	EnterCriticalSection(&s->gfx_lock);
	/* Never ahead of the (lower) estimate of what was queued: no credit for later output. */
	s->gfx_out_sent = MIN(s->gfx_out_sent + bytes, s->gfx_out_queued);
	if (s->gfx_out_queued - s->gfx_out_sent <= GATE_GFX_BACKLOG_RESUME)
		SetEvent(s->gfx_drained_event);
	self_ack_drained(s, FALSE);
	LeaveCriticalSection(&s->gfx_lock);
}

static UINT64 backlog_locked(gate_session *s)
{
	return s->gfx_out_queued - s->gfx_out_sent;
}

BOOL gate_gfx_wait_front_drained(gate_session *s)
{
	EnterCriticalSection(&s->gfx_lock);
	UINT64 backlog = backlog_locked(s);
	BOOL high = backlog > GATE_GFX_BACKLOG_MAX;
	if (high)
		ResetEvent(s->gfx_drained_event);
	LeaveCriticalSection(&s->gfx_lock);
	if (!high)
		return TRUE;
	WLog_INFO(TAG, "%s the client is not taking its graphics (%llu bytes waiting): not reading the "
	               "target until they are sent",
	          s->sid, (unsigned long long)backlog);
	const UINT64 start = GetTickCount64();
	for (;;) {
		HANDLE h[2] = { s->gfx_drained_event, s->abort_event };
		DWORD rc = WaitForMultipleObjects(2, h, FALSE, 1000);
		if (rc == WAIT_OBJECT_0 + 1 || rc == WAIT_FAILED ||
		    WaitForSingleObject(s->abort_event, 0) == WAIT_OBJECT_0)
			return FALSE;
		if (rc == WAIT_OBJECT_0) {
			WLog_DBG(TAG, "%s graphics output drained after %llu ms: reading the target again",
			         s->sid, (unsigned long long)(GetTickCount64() - start));
			return TRUE;
		}
		if (GetTickCount64() - start >= GATE_GFX_STALL_MS) {
			WLog_WARN(TAG, "%s the client did not take its waiting graphics within %u s: "
			               "disconnecting it",
			          s->sid, GATE_GFX_STALL_MS / 1000);
			gate_session_close(s, "client stopped reading its graphics output");
			/* As the watchdog does: unblocks the peer thread's write to a client that does
			 * not read. */
			gate_front_shutdown_socket(&s->front);
			return FALSE;
		}
	}
}

static UINT front_QoeFrameAcknowledge(RdpgfxServerContext *ctx,
                                      const RDPGFX_QOE_FRAME_ACKNOWLEDGE_PDU *pdu)
{
	gate_session *s = ctx->custom;
	EnterCriticalSection(&s->gfx_lock);
	if (!s->gfx_closed && s->back_gfx && s->back_gfx_open && s->back_gfx->QoeFrameAcknowledge &&
	    s->gfx_qoe_fwd < s->gfx_frames_fwd) {
		s->back_gfx->QoeFrameAcknowledge(s->back_gfx, pdu);
		s->gfx_qoe_fwd++;
	}
	LeaveCriticalSection(&s->gfx_lock);
	return CHANNEL_RC_OK;
}

static UINT front_CacheImportOffer(RdpgfxServerContext *ctx, const RDPGFX_CACHE_IMPORT_OFFER_PDU *pdu)
{
	gate_session *s = ctx->custom;
	WLog_DBG(TAG, "%s cache import offer of %u entries dropped", s->sid, pdu->cacheEntriesCount);
	return CHANNEL_RC_OK;
}

/* ---- display control bridge ------------------------------------------------------------------ */

static UINT front_disp_layout(DispServerContext *ctx, const DISPLAY_CONTROL_MONITOR_LAYOUT_PDU *pdu)
{
	gate_session *s = ctx->custom;
	EnterCriticalSection(&s->gfx_lock);
	DispClientContext *bd = s->gfx_closed ? NULL : s->back_disp;
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
	LeaveCriticalSection(&s->gfx_lock);
	WLog_INFO(TAG, "%s display layout from the client: %u monitor(s), first %ux%u, %s", s->sid,
	          pdu->NumMonitors, pdu->NumMonitors ? pdu->Monitors[0].Width : 0,
	          pdu->NumMonitors ? pdu->Monitors[0].Height : 0, bd ? "forwarded" : "no target channel");
	(void)rc;
	return CHANNEL_RC_OK;
}

/* ---- peer thread: open and free the front servers ------------------------------------------ */

static void open_front_gfx(gate_session *s, HANDLE vcm)
{
	RdpgfxServerContext *g = rdpgfx_server_context_new(vcm);
	if (!g)
		return;
	g->custom = s;
	g->rdpcontext = s->front.peer->context;
	g->CapsAdvertise = front_CapsAdvertise;
	g->FrameAcknowledge = front_FrameAcknowledge;
	g->QoeFrameAcknowledge = front_QoeFrameAcknowledge;
	g->CacheImportOffer = front_CacheImportOffer;
	EnterCriticalSection(&s->gfx_lock);
	s->front_gfx = g;
	LeaveCriticalSection(&s->gfx_lock);
	if (!g->Open(g)) {
		WLog_WARN(TAG, "%s cannot open the graphics pipeline towards the client", s->sid);
		return;
	}
	EnterCriticalSection(&s->gfx_lock);
	s->front_gfx_open = TRUE;
	LeaveCriticalSection(&s->gfx_lock);
}

static void open_front_disp(gate_session *s, HANDLE vcm)
{
	DispServerContext *d = disp_server_context_new(vcm);
	if (!d)
		return;
	d->custom = s;
	d->rdpcontext = s->front.peer->context;
	d->MaxNumMonitors = 16;
	d->MaxMonitorAreaFactorA = 8192;
	d->MaxMonitorAreaFactorB = 8192;
	d->DispMonitorLayout = front_disp_layout;
	s->front_disp = d;
	if (d->Open(d) != CHANNEL_RC_OK) {
		WLog_WARN(TAG, "%s cannot open display control towards the client", s->sid);
		return;
	}
	s->front_disp_open = TRUE;
	d->DisplayControlCaps(d);
}

BOOL gate_gfx_front_poll(gate_session *s)
{
	HANDLE vcm = gate_front_vcm(&s->front);
	if (!s->front.peer->activated || gate_session_state(s) != GATE_ST_RUNNING)
		return TRUE;
	if (WTSVirtualChannelManagerGetDrdynvcState(vcm) != DRDYNVC_STATE_READY)
		return TRUE;
	BOOL want_gfx = s->policy.gfx && s->front.peer->settings->SupportGraphicsPipeline && s->back &&
	                s->back->settings->SupportGraphicsPipeline;
	if (want_gfx && !s->front_gfx)
		open_front_gfx(s, vcm);
	EnterCriticalSection(&s->gfx_lock);
	BOOL have_back_disp = s->back_disp != NULL;
	LeaveCriticalSection(&s->gfx_lock);
	if (s->policy.display_control && have_back_disp && !s->front_disp)
		open_front_disp(s, vcm);
	return TRUE;
}

void gate_gfx_close_bridge(gate_session *s)
{
	/* Every cross-side call runs under gfx_lock: none is in progress once this returns. */
	EnterCriticalSection(&s->gfx_lock);
	s->gfx_closed = TRUE;
	s->back_gfx = NULL;
	s->back_gfx_open = FALSE;
	s->back_disp = NULL;
	LeaveCriticalSection(&s->gfx_lock);
}

void gate_gfx_front_free(gate_session *s)
{
	if (s->front_gfx) {
		if (s->front_gfx_open)
			s->front_gfx->Close(s->front_gfx);
		rdpgfx_server_context_free(s->front_gfx);
		s->front_gfx = NULL;
		s->front_gfx_open = FALSE;
	}
	if (s->front_disp) {
		if (s->front_disp_open)
			s->front_disp->Close(s->front_disp);
		disp_server_context_free(s->front_disp);
		s->front_disp = NULL;
		s->front_disp_open = FALSE;
	}
	caps_free(s->pending_caps);
	s->pending_caps = NULL;
}

/* ---- the gate's own decoder (client thread: created in back PostConnect) ------------------- */

BOOL gate_gfx_decoder_new(gate_session *s)
{
	rdpContext *ctx = s->back;
	if (!ctx->settings->SupportGraphicsPipeline || !ctx->gdi)
		return TRUE;
	s->decoder = rdpgfx_client_context_new(ctx->settings);
	if (!s->decoder)
		return FALSE;
	if (!gdi_graphics_pipeline_init(ctx->gdi, s->decoder)) {
		rdpgfx_client_context_free(s->decoder);
		s->decoder = NULL;
		return FALSE;
	}
	return TRUE;
}

void gate_gfx_decoder_free(gate_session *s)
{
	if (!s->decoder)
		return;
	/* freerdp_disconnect has freed the codecs before PostDisconnect runs: surfaces deleted by
	 * rdpgfx_client_context_free must not reach them. */
	UINT16 *ids = NULL;
	UINT16 count = 0;
	if (s->decoder->GetSurfaceIds(s->decoder, &ids, &count) == CHANNEL_RC_OK) {
		for (UINT16 i = 0; i < count; i++) {
			gdiGfxSurface *surface = s->decoder->GetSurfaceData(s->decoder, ids[i]);
			if (surface)
				surface->codecs = NULL;
		}
	}
	free(ids);
	gdi_graphics_pipeline_uninit(s->back->gdi, s->decoder);
	rdpgfx_client_context_free(s->decoder);
	s->decoder = NULL;
}
