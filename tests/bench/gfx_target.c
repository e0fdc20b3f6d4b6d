/* gfx_target: a test-only RDP target (FreeRDP 2 server library) that speaks only the graphics
 * pipeline, for the gate's attack tests. It accepts TLS connections on 127.0.0.1, opens the
 * rdpgfx and display-control channels once the client is active, answers the client's CapsAdvertise with its first
 * capability set, creates one surface the size of the desktop and then sends frames, each one
 * 256x256 tile in the uncompressed codec (256 KB) at a moving place with a changing colour.
 *
 * Flow control is the server's part of MS-RDPEGFX: at most --in-flight frames are sent without
 * a FrameAcknowledge, unless the client sent queueDepth = SUSPEND_FRAME_ACKNOWLEDGEMENT, after
 * which it sends as fast as its connection takes them (what a Windows host does).
 *
 *   gfx_target --port N --cert FILE.pem --key FILE.pem [--in-flight N]
 *              [--corrupt] [--fps N] [--end-after N]
 *
 * --corrupt: every tile is sent as a planar-codec command whose payload is 16 bytes of garbage
 *   (too short for any planar bitmap of that size): a decoder must reject it.
 * --fps N: at most N frames per second (default 200).
 * --end-after N: close the connection after N frames (a target that goes away mid-session).
 * Prints "gfx_target: listening", then one line per connection (caps, ack mode, end).
 * Runs until killed. Serves each connection on its own thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freerdp/freerdp.h>
#include <freerdp/listener.h>
#include <freerdp/peer.h>
#include <freerdp/settings.h>
#include <freerdp/channels/channels.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/server/disp.h>
#include <freerdp/server/rdpgfx.h>
#include <freerdp/codec/color.h>
#include <winpr/synch.h>
#include <winpr/thread.h>
#include <winpr/wtsapi.h>

enum { TILE = 256 };

static struct {
	int port;
	const char *cert, *key;
	UINT32 in_flight;
	BOOL corrupt;
	int fps;
	UINT32 end_after;
} opt = { 0, NULL, NULL, 4, FALSE, 200, 0 };

typedef struct {
	rdpContext base;
	HANDLE vcm;
	RdpgfxServerContext *gfx;
	DispServerContext *disp; /* opened so that clients can send monitor layouts; they are counted */
	CRITICAL_SECTION lock; /* the fields below: written by the rdpgfx server thread */
	BOOL caps_confirmed;
	BOOL suspended;
	UINT32 last_ack;
	UINT64 acks, layouts;
} target_context;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static BOOL ctx_new(freerdp_peer *peer, rdpContext *c)
{
	target_context *t = (target_context *)c;
	t->vcm = WTSOpenServerA((LPSTR)peer->context);
	InitializeCriticalSection(&t->lock);
	return t->vcm && t->vcm != INVALID_HANDLE_VALUE;
}

static void ctx_free(freerdp_peer *peer, rdpContext *c)
{
	target_context *t = (target_context *)c;
	(void)peer;
	if (t->gfx) {
		t->gfx->Close(t->gfx);
		rdpgfx_server_context_free(t->gfx);
		t->gfx = NULL;
	}
	if (t->disp) {
		t->disp->Close(t->disp);
		disp_server_context_free(t->disp);
		t->disp = NULL;
	}
	if (t->vcm && t->vcm != INVALID_HANDLE_VALUE)
		WTSCloseServer(t->vcm);
	DeleteCriticalSection(&t->lock);
}

static UINT on_caps_advertise(RdpgfxServerContext *g, const RDPGFX_CAPS_ADVERTISE_PDU *pdu)
{
	target_context *t = g->custom;
	if (!pdu->capsSetCount)
		return ERROR_INVALID_DATA;
	RDPGFX_CAPSET cs = pdu->capsSets[0];
	RDPGFX_CAPS_CONFIRM_PDU confirm = { .capsSet = &cs };
	UINT rc = g->CapsConfirm(g, &confirm);
	printf("gfx_target: caps confirmed version=0x%08x\n", cs.version);
	fflush(stdout);
	EnterCriticalSection(&t->lock);
	t->caps_confirmed = rc == CHANNEL_RC_OK;
	LeaveCriticalSection(&t->lock);
	return rc;
}

static UINT on_frame_ack(RdpgfxServerContext *g, const RDPGFX_FRAME_ACKNOWLEDGE_PDU *pdu)
{
	target_context *t = g->custom;
	EnterCriticalSection(&t->lock);
	BOOL was = t->suspended;
	t->suspended = pdu->queueDepth == SUSPEND_FRAME_ACKNOWLEDGEMENT;
	/* Acknowledgements may come out of order: the newest frame acknowledged is the mark (an
	 * older one arriving late must not make frames look in flight again). */
	if (pdu->frameId > t->last_ack)
		t->last_ack = pdu->frameId;
	t->acks++;
	LeaveCriticalSection(&t->lock);
	if (t->suspended != was) {
		printf("gfx_target: acknowledgements %s (frame %u)\n",
		       t->suspended ? "SUSPENDED by the client" : "resumed", pdu->frameId);
		fflush(stdout);
	}
	return CHANNEL_RC_OK;
}

static UINT on_layout(DispServerContext *d, const DISPLAY_CONTROL_MONITOR_LAYOUT_PDU *pdu)
{
	target_context *t = d->custom;
	(void)pdu;
	EnterCriticalSection(&t->lock);
	t->layouts++;
	LeaveCriticalSection(&t->lock);
	return CHANNEL_RC_OK;
}

static void open_disp(freerdp_peer *peer)
{
	target_context *t = (target_context *)peer->context;
	DispServerContext *d = disp_server_context_new(t->vcm);
	if (!d)
		return;
	d->custom = t;
	d->rdpcontext = peer->context;
	d->MaxNumMonitors = 16;
	d->MaxMonitorAreaFactorA = 8192;
	d->MaxMonitorAreaFactorB = 8192;
	d->DispMonitorLayout = on_layout;
	t->disp = d;
	if (d->Open(d) == CHANNEL_RC_OK)
		d->DisplayControlCaps(d);
}

static BOOL open_gfx(freerdp_peer *peer)
{
	target_context *t = (target_context *)peer->context;
	RdpgfxServerContext *g = rdpgfx_server_context_new(t->vcm);
	if (!g)
		return FALSE;
	g->rdpcontext = peer->context;
	g->custom = t;
	g->CapsAdvertise = on_caps_advertise;
	g->FrameAcknowledge = on_frame_ack;
	t->gfx = g;
	return g->Open(g);
}

static BOOL start_output(target_context *t, UINT32 w, UINT32 h)
{
	RdpgfxServerContext *g = t->gfx;
	MONITOR_DEF mon = { 0, 0, (INT32)w - 1, (INT32)h - 1, MONITOR_PRIMARY };
	RDPGFX_RESET_GRAPHICS_PDU reset = { .width = w, .height = h, .monitorCount = 1,
		                                .monitorDefArray = &mon };
	RDPGFX_CREATE_SURFACE_PDU create = { .surfaceId = 1, .width = (UINT16)w, .height = (UINT16)h,
		                                 .pixelFormat = GFX_PIXEL_FORMAT_XRGB_8888 };
	RDPGFX_MAP_SURFACE_TO_OUTPUT_PDU map = { .surfaceId = 1 };
	return g->ResetGraphics(g, &reset) == CHANNEL_RC_OK &&
	       g->CreateSurface(g, &create) == CHANNEL_RC_OK &&
	       g->MapSurfaceToOutput(g, &map) == CHANNEL_RC_OK;
}

static BOOL send_frame(target_context *t, UINT32 frame_id, UINT32 w, UINT32 h, BYTE *tile)
{
	RdpgfxServerContext *g = t->gfx;
	UINT32 tw = MIN(TILE, w), th = MIN(TILE, h);
	UINT32 cols = w / tw, rows = h / th;
	UINT32 n = frame_id % (cols * rows);
	UINT32 x = (n % cols) * tw, y = (n / cols) * th;
	BYTE garbage[16];
	RDPGFX_START_FRAME_PDU start = { .timestamp = 0, .frameId = frame_id };
	RDPGFX_END_FRAME_PDU end = { .frameId = frame_id };
	RDPGFX_SURFACE_COMMAND cmd = { .surfaceId = 1, .format = PIXEL_FORMAT_BGRX32,
		                           .left = x, .top = y, .right = x + tw, .bottom = y + th,
		                           .width = tw, .height = th };
	if (opt.corrupt) {
		memset(garbage, 0x5A, sizeof(garbage));
		garbage[0] = 0x00; /* planar header: raw planes, which need width*height*3 bytes */
		cmd.codecId = RDPGFX_CODECID_PLANAR;
		cmd.data = garbage;
		cmd.length = sizeof(garbage);
	} else {
		UINT32 colour = 0x00102030u * (frame_id % 8 + 1);
		for (UINT32 i = 0; i < tw * th; i++)
			memcpy(tile + i * 4, &colour, 4);
		cmd.codecId = RDPGFX_CODECID_UNCOMPRESSED;
		cmd.data = tile;
		cmd.length = tw * th * 4;
	}
	return g->StartFrame(g, &start) == CHANNEL_RC_OK && g->SurfaceCommand(g, &cmd) == CHANNEL_RC_OK &&
	       g->EndFrame(g, &end) == CHANNEL_RC_OK;
}

/* FreeRDP 2.11's server refuses the activation without these. */
static BOOL on_post_connect(freerdp_peer *peer)
{
	(void)peer;
	return TRUE;
}

static BOOL on_activate(freerdp_peer *peer)
{
	(void)peer;
	return TRUE;
}

static DWORD WINAPI peer_thread(LPVOID arg)
{
	freerdp_peer *peer = arg;
	peer->ContextSize = sizeof(target_context);
	peer->ContextNew = ctx_new;
	peer->ContextFree = ctx_free;
	if (!freerdp_peer_context_new(peer)) {
		freerdp_peer_free(peer);
		return 0;
	}
	target_context *t = (target_context *)peer->context;
	rdpSettings *s = peer->settings;
	BOOL ok = freerdp_settings_set_string(s, FreeRDP_CertificateFile, opt.cert) &&
	          freerdp_settings_set_string(s, FreeRDP_PrivateKeyFile, opt.key) &&
	          freerdp_settings_set_bool(s, FreeRDP_RdpSecurity, FALSE) &&
	          freerdp_settings_set_bool(s, FreeRDP_TlsSecurity, TRUE) &&
	          freerdp_settings_set_bool(s, FreeRDP_NlaSecurity, FALSE) &&
	          freerdp_settings_set_uint32(s, FreeRDP_ColorDepth, 32) &&
	          freerdp_settings_set_bool(s, FreeRDP_SupportGraphicsPipeline, TRUE) &&
	          freerdp_settings_set_bool(s, FreeRDP_RemoteFxCodec, FALSE) &&
	          freerdp_settings_set_bool(s, FreeRDP_NSCodec, FALSE);
	peer->PostConnect = on_post_connect;
	peer->Activate = on_activate;
	BYTE *tile = calloc(TILE * TILE, 4);
	if (!ok || !tile || !peer->Initialize(peer))
		goto out;
	printf("gfx_target: connection from %s\n", peer->hostname);
	fflush(stdout);
	HANDLE vcm_event = WTSVirtualChannelManagerGetEventHandle(t->vcm);
	BOOL output_started = FALSE;
	UINT32 frame_id = 0;
	double next_frame = 0;
	for (;;) {
		HANDLE h[40];
		DWORD n = peer->GetEventHandles(peer, h, 38);
		if (n == 0)
			break;
		h[n++] = vcm_event;
		WaitForMultipleObjects(n, h, FALSE, 5);
		if (!peer->CheckFileDescriptor(peer) || !WTSVirtualChannelManagerCheckFileDescriptor(t->vcm))
			break;
		if (!peer->activated)
			continue;
		if (!t->gfx) {
			if (WTSVirtualChannelManagerGetDrdynvcState(t->vcm) != DRDYNVC_STATE_READY)
				continue;
			open_disp(peer);
			if (!open_gfx(peer)) {
				printf("gfx_target: cannot open the graphics pipeline\n");
				break;
			}
			continue;
		}
		EnterCriticalSection(&t->lock);
		BOOL confirmed = t->caps_confirmed, suspended = t->suspended;
		UINT32 last_ack = t->last_ack;
		LeaveCriticalSection(&t->lock);
		if (!confirmed)
			continue;
		UINT32 w = s->DesktopWidth, hgt = s->DesktopHeight;
		if (!output_started) {
			if (!start_output(t, w, hgt))
				break;
			output_started = TRUE;
		}
		/* A client may acknowledge frames never sent: those count as none in flight. */
		UINT32 in_flight = frame_id > last_ack ? frame_id - last_ack : 0;
		if (now_ms() < next_frame || (!suspended && in_flight >= opt.in_flight))
			continue;
		next_frame = now_ms() + 1000.0 / opt.fps;
		if (!send_frame(t, ++frame_id, w, hgt, tile))
			break;
		if (opt.end_after && frame_id >= opt.end_after) {
			printf("gfx_target: ending the connection after %u frames\n", frame_id);
			fflush(stdout);
			break;
		}
	}
	EnterCriticalSection(&t->lock);
	UINT64 acks = t->acks, layouts = t->layouts;
	LeaveCriticalSection(&t->lock);
	printf("gfx_target: connection ended after %u frames, %llu acknowledgements, %llu monitor "
	       "layouts\n", frame_id, (unsigned long long)acks, (unsigned long long)layouts);
	fflush(stdout);
	peer->Disconnect(peer);
out:
	free(tile);
	freerdp_peer_context_free(peer);
	freerdp_peer_free(peer);
	return 0;
}

static BOOL peer_accepted(freerdp_listener *listener, freerdp_peer *peer)
{
	(void)listener;
	HANDLE th = CreateThread(NULL, 0, peer_thread, peer, 0, NULL);
	if (!th)
		return FALSE;
	CloseHandle(th);
	return TRUE;
}

static int usage(void)
{
	fprintf(stderr, "usage: gfx_target --port N --cert FILE --key FILE [--in-flight N] [--corrupt]\n"
	                "                  [--fps N] [--end-after N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--corrupt"))
			opt.corrupt = TRUE;
		else if (!v)
			return usage();
		else if (!strcmp(a, "--port") && ++i)
			opt.port = atoi(v);
		else if (!strcmp(a, "--cert") && ++i)
			opt.cert = v;
		else if (!strcmp(a, "--key") && ++i)
			opt.key = v;
		else if (!strcmp(a, "--in-flight") && ++i)
			opt.in_flight = (UINT32)atoi(v);
		else if (!strcmp(a, "--fps") && ++i)
			opt.fps = atoi(v);
		else if (!strcmp(a, "--end-after") && ++i)
			opt.end_after = (UINT32)atoi(v);
		else
			return usage();
	}
	if (opt.port <= 0 || !opt.cert || !opt.key || opt.fps <= 0 || opt.in_flight == 0)
		return usage();
	WTSRegisterWtsApiFunctionTable(FreeRDP_InitWtsApi());
	freerdp_listener *l = freerdp_listener_new();
	if (!l)
		return 1;
	l->PeerAccepted = peer_accepted;
	if (!l->Open(l, "127.0.0.1", (UINT16)opt.port)) {
		fprintf(stderr, "gfx_target: cannot listen on 127.0.0.1:%d\n", opt.port);
		return 1;
	}
	printf("gfx_target: listening on 127.0.0.1:%d\n", opt.port);
	fflush(stdout);
	for (;;) {
		HANDLE h[32];
		DWORD n = l->GetEventHandles(l, h, 32);
		if (n == 0 || WaitForMultipleObjects(n, h, FALSE, INFINITE) == WAIT_FAILED)
			break;
		if (!l->CheckFileDescriptor(l))
			break;
	}
	l->Close(l);
	freerdp_listener_free(l);
	return 0;
}
