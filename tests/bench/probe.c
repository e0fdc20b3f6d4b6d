/* probe: a headless RDP client (libfreerdp-client, software gdi, no X) that measures one
 * connection: connect time, time to the first frame, frames and bytes per second, and the
 * input-to-screen round trip (a key typed into the target's focused window until the next
 * screen update). It can also join a static channel the server does not serve and send data
 * on it (to prove the gate drops such data and keeps the session).
 *
 *   probe [--user U] [--pass P] [--mode legacy|gfx-rfx|gfx-h264] [--seconds N] [--rtt N]
 *         [--point X,Y] [--send-channel NAME:COUNT] [--dump FILE.ppm] [--max-request BYTES]
 *         HOST:PORT
 *
 * Prints one line of key=value results; exit 0 when connected and a first frame arrived,
 * 1 otherwise, 2 on usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winpr/synch.h>
#include <freerdp/freerdp.h>
#include <freerdp/client.h>
#include <freerdp/client/cmdline.h>
#include <freerdp/client/rdpgfx.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/gdi/gfx.h>
#include <freerdp/channels/channels.h>
#include <freerdp/settings.h>

/* Exported by libfreerdp2 (libfreerdp/core/channels.c) but missing from its public headers. */
UINT16 freerdp_channels_get_id_by_name(freerdp *instance, const char *channel_name);

typedef struct {
	rdpClientContext base;
	UINT64 frames;         /* EndPaint calls with a dirty region */
	UINT64 last_frame_us;
} probe_context;

static struct {
	const char *host, *user, *pass, *mode, *send_name, *dump;
	UINT16 port;
	int seconds, rtt, send_count, max_request;
	int px, py;
} opt = { NULL, "bench", "bench", "gfx-h264", NULL, NULL, 0, 5, 0, 0, 0, 60, 60 };

static UINT64 now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (UINT64)ts.tv_sec * 1000000u + (UINT64)ts.tv_nsec / 1000u;
}

static BOOL probe_end_paint(rdpContext *ctx)
{
	probe_context *pc = (probe_context *)ctx;
	HGDI_WND hwnd = ctx->gdi->primary->hdc->hwnd;
	if (!hwnd->invalid->null) {
		pc->frames++;
		pc->last_frame_us = now_us();
	}
	hwnd->invalid->null = TRUE;
	hwnd->ninvalid = 0;
	return TRUE;
}

static void on_channel_connected(void *context, ChannelConnectedEventArgs *e)
{
	rdpContext *ctx = context;
	if (!strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME))
		gdi_graphics_pipeline_init(ctx->gdi, (RdpgfxClientContext *)e->pInterface);
}

static void on_channel_disconnected(void *context, ChannelDisconnectedEventArgs *e)
{
	rdpContext *ctx = context;
	if (!strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME))
		gdi_graphics_pipeline_uninit(ctx->gdi, (RdpgfxClientContext *)e->pInterface);
}

static BOOL probe_pre_connect(freerdp *instance)
{
	rdpSettings *s = instance->settings;
	PubSub_SubscribeChannelConnected(instance->context->pubSub, on_channel_connected);
	PubSub_SubscribeChannelDisconnected(instance->context->pubSub, on_channel_disconnected);
	if (!freerdp_client_load_addins(instance->context->channels, s))
		return FALSE;
	if (opt.send_name) { /* a raw static channel no addin serves */
		if (s->ChannelCount >= s->ChannelDefArraySize)
			return FALSE;
		CHANNEL_DEF *def = &s->ChannelDefArray[s->ChannelCount++];
		memset(def, 0, sizeof(*def));
		strncpy(def->name, opt.send_name, sizeof(def->name) - 1);
		def->options = CHANNEL_OPTION_INITIALIZED;
	}
	return TRUE;
}

static BOOL probe_post_connect(freerdp *instance)
{
	if (!gdi_init(instance, PIXEL_FORMAT_BGRA32))
		return FALSE;
	instance->update->EndPaint = probe_end_paint;
	return TRUE;
}

static void probe_post_disconnect(freerdp *instance)
{
	gdi_free(instance);
}

static DWORD probe_verify(freerdp *instance, const char *host, UINT16 port, const char *cn,
                          const char *subject, const char *issuer, const char *fp, DWORD flags)
{
	(void)instance; (void)host; (void)port; (void)cn; (void)subject; (void)issuer; (void)fp; (void)flags;
	return 2; /* a measuring tool on a lab network */
}

static BOOL probe_client_new(freerdp *instance, rdpContext *context)
{
	(void)context;
	instance->PreConnect = probe_pre_connect;
	instance->PostConnect = probe_post_connect;
	instance->PostDisconnect = probe_post_disconnect;
	instance->VerifyCertificateEx = probe_verify;
	return TRUE;
}

static void probe_client_free(freerdp *instance, rdpContext *context)
{
	(void)instance;
	(void)context;
}

static BOOL configure(rdpSettings *s)
{
	BOOL gfx = strcmp(opt.mode, "legacy") != 0;
	BOOL h264 = !strcmp(opt.mode, "gfx-h264");
	return freerdp_settings_set_string(s, FreeRDP_ServerHostname, opt.host) &&
	       freerdp_settings_set_uint32(s, FreeRDP_ServerPort, opt.port) &&
	       freerdp_settings_set_string(s, FreeRDP_Username, opt.user) &&
	       freerdp_settings_set_string(s, FreeRDP_Password, opt.pass) &&
	       freerdp_settings_set_uint32(s, FreeRDP_DesktopWidth, 1024) &&
	       freerdp_settings_set_uint32(s, FreeRDP_DesktopHeight, 768) &&
	       freerdp_settings_set_uint32(s, FreeRDP_ColorDepth, 32) &&
	       freerdp_settings_set_bool(s, FreeRDP_SoftwareGdi, TRUE) &&
	       freerdp_settings_set_bool(s, FreeRDP_IgnoreCertificate, TRUE) &&
	       freerdp_settings_set_bool(s, FreeRDP_SupportGraphicsPipeline, gfx) &&
	       freerdp_settings_set_bool(s, FreeRDP_RemoteFxCodec, !strcmp(opt.mode, "gfx-rfx")) &&
	       freerdp_settings_set_bool(s, FreeRDP_GfxH264, h264) &&
	       freerdp_settings_set_bool(s, FreeRDP_GfxAVC444, h264) &&
	       freerdp_settings_set_bool(s, FreeRDP_GfxAVC444v2, h264) &&
	       freerdp_settings_set_bool(s, FreeRDP_RedirectClipboard, FALSE) &&
	       freerdp_settings_set_bool(s, FreeRDP_DeviceRedirection, FALSE) &&
	       freerdp_settings_set_bool(s, FreeRDP_AudioPlayback, FALSE) &&
	       freerdp_settings_set_bool(s, FreeRDP_NetworkAutoDetect, FALSE) &&
	       freerdp_settings_set_bool(s, FreeRDP_SupportHeartbeatPdu, FALSE) &&
	       freerdp_settings_set_bool(s, FreeRDP_SupportMultitransport, FALSE) &&
	       (opt.max_request <= 0 ||
	        freerdp_settings_set_uint32(s, FreeRDP_MultifragMaxRequestSize, (UINT32)opt.max_request));
}

static int usage(const char *why)
{
	fprintf(stderr, "probe: %s\nusage: probe [--user U] [--pass P] [--mode legacy|gfx-rfx|gfx-h264] "
	                "[--seconds N] [--rtt N] [--point X,Y] [--send-channel NAME:COUNT] HOST:PORT\n", why);
	return 2;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-') {
			static char host[256];
			const char *colon = strrchr(a, ':');
			if (!colon || colon == a || (size_t)(colon - a) >= sizeof(host))
				return usage("target must be HOST:PORT");
			memcpy(host, a, (size_t)(colon - a));
			host[colon - a] = '\0';
			opt.host = host;
			opt.port = (UINT16)atoi(colon + 1);
			continue;
		}
		if (!v)
			return usage("option needs a value");
		i++;
		if (!strcmp(a, "--user"))
			opt.user = v;
		else if (!strcmp(a, "--pass"))
			opt.pass = v;
		else if (!strcmp(a, "--mode"))
			opt.mode = v;
		else if (!strcmp(a, "--seconds"))
			opt.seconds = atoi(v);
		else if (!strcmp(a, "--max-request"))
			opt.max_request = atoi(v);
		else if (!strcmp(a, "--dump"))
			opt.dump = v;
		else if (!strcmp(a, "--rtt"))
			opt.rtt = atoi(v);
		else if (!strcmp(a, "--point")) {
			if (sscanf(v, "%d,%d", &opt.px, &opt.py) != 2)
				return usage("--point takes X,Y");
		} else if (!strcmp(a, "--send-channel")) {
			static char name[8];
			const char *colon = strchr(v, ':');
			size_t n = colon ? (size_t)(colon - v) : strlen(v);
			if (n == 0 || n > 7)
				return usage("--send-channel takes NAME:COUNT (name up to 7 characters)");
			memcpy(name, v, n);
			name[n] = '\0';
			opt.send_name = name;
			opt.send_count = colon ? atoi(colon + 1) : 1;
		} else
			return usage("unknown option");
	}
	if (!opt.host || !opt.port)
		return usage("missing HOST:PORT");
	if (strcmp(opt.mode, "legacy") && strcmp(opt.mode, "gfx-rfx") && strcmp(opt.mode, "gfx-h264"))
		return usage("unknown --mode");
	return 0;
}

/* Services the connection until `until_us` or until `stop` says so. FALSE when disconnected. */
static BOOL pump(rdpContext *ctx, UINT64 until_us, BOOL (*stop)(probe_context *, UINT64), UINT64 arg)
{
	probe_context *pc = (probe_context *)ctx;
	while (now_us() < until_us) {
		HANDLE h[64];
		DWORD n = freerdp_get_event_handles(ctx, h, 64);
		if (n == 0)
			return FALSE;
		WaitForMultipleObjects(n, h, FALSE, 5);
		if (!freerdp_check_event_handles(ctx) || freerdp_shall_disconnect(ctx->instance))
			return FALSE;
		if (stop && stop(pc, arg))
			return TRUE;
	}
	return TRUE;
}

static BOOL frame_after(probe_context *pc, UINT64 count)
{
	return pc->frames > count;
}

/* Writes the decoded screen as a binary PPM (what this client saw). */
static void dump_screen(rdpContext *ctx, const char *path)
{
	rdpGdi *gdi = ctx->gdi;
	FILE *f = gdi ? fopen(path, "wb") : NULL;
	if (!f)
		return;
	fprintf(f, "P6\n%d %d\n255\n", gdi->width, gdi->height);
	for (INT32 y = 0; y < gdi->height; y++)
		for (INT32 x = 0; x < gdi->width; x++) {
			const BYTE *p = gdi->primary_buffer + (size_t)y * gdi->stride + (size_t)x * 4;
			BYTE rgb[3] = { p[2], p[1], p[0] }; /* BGRA32 */
			fwrite(rgb, 1, 3, f);
		}
	fclose(f);
}

static int cmp_u64(const void *a, const void *b)
{
	UINT64 x = *(const UINT64 *)a, y = *(const UINT64 *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);
	if (rc)
		return rc;
	RDP_CLIENT_ENTRY_POINTS ep = { 0 };
	ep.Size = sizeof(ep);
	ep.Version = RDP_CLIENT_INTERFACE_VERSION;
	ep.ContextSize = sizeof(probe_context);
	ep.ClientNew = probe_client_new;
	ep.ClientFree = probe_client_free;
	rdpContext *ctx = freerdp_client_context_new(&ep);
	if (!ctx || !configure(ctx->settings)) {
		fprintf(stderr, "probe: cannot set up the client\n");
		return 1;
	}
	probe_context *pc = (probe_context *)ctx;
	UINT64 t0 = now_us();
	BOOL ok = freerdp_connect(ctx->instance);
	UINT64 t_conn = now_us();
	UINT64 first = 0, rtts[256];
	int nrtt = 0;
	double fps = 0, mbit = 0;
	UINT64 frames = 0, bytes = 0;
	if (ok && opt.send_name) {
		UINT16 id = freerdp_channels_get_id_by_name(ctx->instance, opt.send_name);
		BYTE junk[64];
		memset(junk, 0xA5, sizeof(junk));
		for (int i = 0; id && i < opt.send_count; i++)
			ctx->instance->SendChannelData(ctx->instance, id, junk, sizeof(junk));
		printf("probe: sent %d PDUs on channel %s (id %u)\n", id ? opt.send_count : 0, opt.send_name, id);
	}
	ok = ok && pump(ctx, t0 + 30000000u, frame_after, 0);
	if (ok && pc->frames > 0) {
		first = pc->last_frame_us;
		UINT64 in0 = 0, out0 = 0, p0 = 0, q0 = 0, in1 = 0;
		freerdp_get_stats(ctx->rdp, &in0, &out0, &p0, &q0);
		UINT64 f0 = pc->frames, m0 = now_us();
		ok = pump(ctx, m0 + (UINT64)opt.seconds * 1000000u, NULL, 0);
		UINT64 m1 = now_us();
		freerdp_get_stats(ctx->rdp, &in1, &out0, &p0, &q0);
		frames = pc->frames - f0;
		bytes = in1 - in0;
		fps = (double)frames * 1e6 / (double)(m1 - m0);
		mbit = (double)bytes * 8.0 / (double)(m1 - m0);
		/* Input to screen: point into the window under test, then type 'a' / backspace. */
		freerdp_input_send_mouse_event(ctx->input, PTR_FLAGS_MOVE, (UINT16)opt.px, (UINT16)opt.py);
		ok = ok && pump(ctx, now_us() + 300000u, NULL, 0);
		for (int i = 0; ok && i < opt.rtt && i < 256; i++) {
			const UINT16 key = (i % 2 == 0) ? 0x1E /* a */ : 0x0E /* backspace */;
			ok = pump(ctx, now_us() + 150000u, NULL, 0); /* let earlier updates settle */
			UINT64 before = pc->frames, k0 = now_us();
			freerdp_input_send_keyboard_event(ctx->input, KBD_FLAGS_DOWN, key);
			freerdp_input_send_keyboard_event(ctx->input, KBD_FLAGS_RELEASE, key);
			if (ok && pump(ctx, k0 + 2000000u, frame_after, before) && pc->frames > before)
				rtts[nrtt++] = pc->last_frame_us - k0;
		}
	}
	double rtt_med = 0;
	if (nrtt) {
		qsort(rtts, (size_t)nrtt, sizeof(rtts[0]), cmp_u64);
		rtt_med = (double)rtts[nrtt / 2] / 1000.0;
	}
	BOOL got_frame = first != 0;
	printf("probe: result=%s mode=%s connect_ms=%.1f first_frame_ms=%.1f frames=%llu fps=%.2f "
	       "bytes=%llu mbit_s=%.3f rtt_n=%d rtt_median_ms=%.2f\n",
	       got_frame ? "ok" : "failed", opt.mode, (double)(t_conn - t0) / 1000.0,
	       got_frame ? (double)(first - t0) / 1000.0 : 0.0, (unsigned long long)frames, fps,
	       (unsigned long long)bytes, mbit, nrtt, rtt_med);
	if (opt.dump && got_frame)
		dump_screen(ctx, opt.dump);
	freerdp_disconnect(ctx->instance);
	freerdp_client_context_free(ctx);
	return got_frame ? 0 : 1;
}
