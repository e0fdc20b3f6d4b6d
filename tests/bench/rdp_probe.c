/* rdp_probe: a headless RDP client (libfreerdp-client, no X) that measures one
 * connection: connect time, time to the first painted frame, frames and bytes
 * per second, the codecs the server really used, and the input-to-screen round
 * trip (a key is typed and the probe waits until the screen changes).
 *
 * It is the measuring instrument of tests/bench/run.sh, which runs it directly
 * against a target and through the gate in the same run. It prints one line of
 * key=value pairs, so scripts can compare runs side by side:
 *
 *   rdp_probe [--seconds N] [--rtt N] [--rtt-at X,Y] [--quiet-ms M]
 *             [--send-channel NAME:COUNT] [--rdpdr-devices N] [--max-request BYTES]
 *             [--dump FILE.ppm] [--gfx-suspend-stall] [--flood-acks] [--keys CODES]
 *             -- XFREERDP-ARGS...
 *
 * XFREERDP-ARGS are parsed by FreeRDP's own command line parser (/v:, /u:, /p:,
 * /cert:ignore, /gfx:avc420, /bpp:24 for plain bitmaps, ...), so the probe offers what
 * xfreerdp offers. For the gate's robustness tests it can also join a static channel no
 * addin serves and send COUNT junk PDUs on it (--send-channel), join "rdpdr" without its addin
 * and, once the first frame is painted, announce N drives in Device List Announce PDUs
 * (--rdpdr-devices: a flood of devices for the ledger), announce a small maximum
 * request size (--max-request), and write the screen it decoded as a PPM (--dump).
 * As a hostile client (--gfx-suspend-stall) it answers the first graphics-pipeline frame with a
 * FrameAcknowledge whose queueDepth is SUSPEND_FRAME_ACKNOWLEDGEMENT, then stops reading its
 * socket (kept open) for --seconds: the server's output to it can only pile up.
 * With --flood-acks (add /dynamic-resolution for display control) it sends, from the first frame
 * until the server ends the connection or --seconds pass, a stream of FrameAcknowledge PDUs and
 * monitor layouts: meant to be running while the target goes away behind a gate.
 * With --keys (comma-separated set-1 scancodes in hex, "e0" before a code for an extended
 * key, e.g. 29,79,7b,70,7d,73) it types each key once (press, release) after the first frame,
 * as a keyboard with the layout of /kbd: would (for the Japanese keys of a JIS keyboard).
 * Exit status: 0 when connected and measured, 1 on a connection failure, 2 on usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <freerdp/client.h>
#include <freerdp/client/channels.h>
#include <freerdp/client/cmdline.h>
#include <freerdp/client/disp.h>
#include <freerdp/client/rdpgfx.h>
#include <freerdp/channels/channels.h>
#include <freerdp/channels/rdpgfx.h>
#include <freerdp/event.h>
#include <freerdp/freerdp.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/gdi/gfx.h>
#include <freerdp/scancode.h>
#include <winpr/synch.h>

enum { CODEC_SLOTS = 17, RTT_MAX = 256 };

/* Exported by libfreerdp2 (libfreerdp/core/channels.c) but missing from its public headers. */
UINT16 freerdp_channels_get_id_by_name(freerdp *instance, const char *channel_name);

/* Options beyond FreeRDP's own (set once by main, read-only afterwards). */
static struct {
	const char *send_channel; /* static channel to join and send junk on */
	int send_count;
	int rdpdr_devices;        /* devices in one Device List Announce (0 = none) */
	int max_request;          /* MultifragMaxRequestSize to announce (0 = FreeRDP's) */
	const char *dump;         /* PPM of the decoded screen at the end */
	int gfx_suspend_stall;    /* suspend frame acks after the first GFX frame, then stop reading */
	int flood_acks;           /* send acks and monitor layouts until disconnected */
	const char *keys;         /* scancodes to type after the first frame */
} extra;

/* Set by the drdynvc thread once the suspending acknowledgement is sent; read by the client
 * thread, which then stops reading the socket. */
static volatile int g_stalled;

/* Everything the probe measures. Written on the client thread (the only thread
 * that runs the event loop and the update callbacks of this single-connection
 * program), except codec counts, which the drdynvc thread bumps: those are
 * plain counters read once at the end, after the connection is closed. */
typedef struct {
	rdpClientContext common; /* must be first (FreeRDP's client context) */

	pcRdpgfxSurfaceCommand gdi_surface_command; /* gdi's handler, chained */
	pcRdpgfxEndFrame gdi_end_frame;
	RdpgfxClientContext *gfx;  /* the channels' contexts, for --flood-acks (client thread) */
	DispClientContext *disp;
	volatile UINT32 last_frame_id; /* of the last GFX EndFrame (drdynvc thread writes) */
	pSurfaceBits gdi_surface_bits;

	double t_start, t_connected, t_first_frame;
	unsigned long frames;
	unsigned long gfx_codec[CODEC_SLOTS];
	unsigned long surface_bits, bitmap_updates;

	/* round trip state */
	int rtt_waiting;
	double rtt_sent_at, last_change_at;
	double rtt_ms[RTT_MAX];
	int rtt_count;
} ProbeContext;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static BOOL probe_begin_paint(rdpContext *context)
{
	rdpGdi *gdi = context->gdi;
	gdi->primary->hdc->hwnd->invalid->null = TRUE;
	gdi->primary->hdc->hwnd->ninvalid = 0;
	return TRUE;
}

static BOOL probe_end_paint(rdpContext *context)
{
	ProbeContext *probe = (ProbeContext *)context;
	HGDI_WND hwnd = context->gdi->primary->hdc->hwnd;

	if (hwnd->invalid->null)
		return TRUE;
	double t = now_ms();
	probe->frames++;
	probe->last_change_at = t;
	if (probe->t_first_frame == 0)
		probe->t_first_frame = t;
	if (probe->rtt_waiting && probe->rtt_count < RTT_MAX) {
		probe->rtt_ms[probe->rtt_count++] = t - probe->rtt_sent_at;
		probe->rtt_waiting = 0;
	}
	hwnd->invalid->null = TRUE;
	hwnd->ninvalid = 0;
	return TRUE;
}

static UINT probe_gfx_surface_command(RdpgfxClientContext *gfx, const RDPGFX_SURFACE_COMMAND *cmd)
{
	rdpGdi *gdi = (rdpGdi *)gfx->custom;
	ProbeContext *probe = (ProbeContext *)gdi->context;
	if (cmd->codecId < CODEC_SLOTS)
		probe->gfx_codec[cmd->codecId]++;
	return probe->gdi_surface_command(gfx, cmd);
}

/* --gfx-suspend-stall: the first frame's acknowledgement tells the server to stop waiting for
 * acknowledgements (MS-RDPEGFX 2.2.2.13), then the client thread stops reading. */
static UINT probe_gfx_end_frame(RdpgfxClientContext *gfx, const RDPGFX_END_FRAME_PDU *pdu)
{
	rdpGdi *gdi = (rdpGdi *)gfx->custom;
	ProbeContext *probe = (ProbeContext *)gdi->context;
	UINT rc = probe->gdi_end_frame(gfx, pdu);
	probe->last_frame_id = pdu->frameId;
	if (extra.gfx_suspend_stall && !g_stalled) {
		RDPGFX_FRAME_ACKNOWLEDGE_PDU ack = { .queueDepth = SUSPEND_FRAME_ACKNOWLEDGEMENT,
			                                 .frameId = pdu->frameId,
			                                 .totalFramesDecoded = 1 };
		gfx->FrameAcknowledge(gfx, &ack);
		fprintf(stderr, "rdp_probe: frame %u acknowledged with SUSPEND_FRAME_ACKNOWLEDGEMENT; "
		                "no longer reading\n", pdu->frameId);
		g_stalled = 1;
	}
	return rc;
}

static UINT probe_gfx_on_open(RdpgfxClientContext *gfx, BOOL *do_caps_advertise, BOOL *send_acks)
{
	(void)gfx;
	*do_caps_advertise = TRUE;
	*send_acks = FALSE; /* the probe sends its one acknowledgement itself */
	return CHANNEL_RC_OK;
}

static BOOL probe_surface_bits(rdpContext *context, const SURFACE_BITS_COMMAND *cmd)
{
	ProbeContext *probe = (ProbeContext *)context;
	probe->surface_bits++;
	return probe->gdi_surface_bits(context, cmd);
}

static void probe_channel_connected(void *ctx, ChannelConnectedEventArgs *e)
{
	rdpContext *context = ctx;
	ProbeContext *probe = ctx;

	if (strcmp(e->name, DISP_DVC_CHANNEL_NAME) == 0)
		probe->disp = e->pInterface;
	if (strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME) == 0) {
		RdpgfxClientContext *gfx = e->pInterface;
		gdi_graphics_pipeline_init(context->gdi, gfx);
		probe->gfx = gfx;
		probe->gdi_surface_command = gfx->SurfaceCommand;
		gfx->SurfaceCommand = probe_gfx_surface_command;
		if (extra.gfx_suspend_stall || extra.flood_acks) {
			probe->gdi_end_frame = gfx->EndFrame;
			gfx->EndFrame = probe_gfx_end_frame;
		}
		if (extra.gfx_suspend_stall)
			gfx->OnOpen = probe_gfx_on_open;
	}
}

static void probe_channel_disconnected(void *ctx, ChannelDisconnectedEventArgs *e)
{
	rdpContext *context = ctx;
	ProbeContext *probe = ctx;
	if (strcmp(e->name, DISP_DVC_CHANNEL_NAME) == 0)
		probe->disp = NULL;
	if (strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME) == 0)
		probe->gfx = NULL;
	if (strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME) == 0)
		gdi_graphics_pipeline_uninit(context->gdi, e->pInterface);
}

static BOOL probe_pre_connect(freerdp *instance)
{
	rdpContext *context = instance->context;
	PubSub_SubscribeChannelConnected(context->pubSub, probe_channel_connected);
	PubSub_SubscribeChannelDisconnected(context->pubSub, probe_channel_disconnected);
	rdpSettings *s = instance->settings;
	if (!freerdp_client_load_addins(context->channels, s))
		return FALSE;
	const char *raw[2] = { extra.send_channel, extra.rdpdr_devices > 0 ? "rdpdr" : NULL };
	for (int k = 0; k < 2; k++) { /* raw static channels no addin serves */
		if (!raw[k])
			continue;
		if (s->ChannelCount >= s->ChannelDefArraySize)
			return FALSE;
		CHANNEL_DEF *def = &s->ChannelDefArray[s->ChannelCount++];
		memset(def, 0, sizeof(*def));
		strncpy(def->name, raw[k], sizeof(def->name) - 1);
		def->options = CHANNEL_OPTION_INITIALIZED;
	}
	if (extra.max_request > 0)
		s->MultifragMaxRequestSize = (UINT32)extra.max_request;
	return TRUE;
}

static void send_junk_on_channel(freerdp *instance)
{
	UINT16 id = freerdp_channels_get_id_by_name(instance, extra.send_channel);
	BYTE junk[64];
	memset(junk, 0xA5, sizeof(junk));
	for (int i = 0; id && i < extra.send_count; i++)
		instance->SendChannelData(instance, id, junk, sizeof(junk));
	fprintf(stderr, "rdp_probe: sent %d PDUs on channel %s (id %u)\n", id ? extra.send_count : 0,
	        extra.send_channel, id);
}

/* Writes the decoded screen as a binary PPM (what this client saw). */
static BOOL dump_screen(rdpGdi *gdi, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return FALSE;
	fprintf(f, "P6\n%d %d\n255\n", gdi->width, gdi->height);
	for (INT32 y = 0; y < gdi->height; y++)
		for (INT32 x = 0; x < gdi->width; x++) {
			const BYTE *p = gdi->primary_buffer + (size_t)y * gdi->stride + (size_t)x * 4;
			BYTE rgb[3] = { p[2], p[1], p[0] }; /* BGRX32 */
			fwrite(rgb, 1, 3, f);
		}
	return fclose(f) == 0;
}

static BOOL probe_post_connect(freerdp *instance)
{
	ProbeContext *probe = (ProbeContext *)instance->context;
	if (!gdi_init(instance, PIXEL_FORMAT_BGRX32))
		return FALSE;
	rdpUpdate *update = instance->context->update;
	update->BeginPaint = probe_begin_paint;
	update->EndPaint = probe_end_paint;
	probe->gdi_surface_bits = update->SurfaceBits;
	update->SurfaceBits = probe_surface_bits;
	return TRUE;
}

static void probe_post_disconnect(freerdp *instance)
{
	gdi_free(instance);
}

/* The probe is a lab instrument: it trusts the certificate the way /cert:ignore
 * says; without it, it refuses. */
static DWORD probe_verify_certificate(freerdp *instance, const char *host, UINT16 port,
                                      const char *common_name, const char *subject,
                                      const char *issuer, const char *fingerprint, DWORD flags)
{
	(void)host; (void)port; (void)common_name; (void)subject; (void)issuer; (void)fingerprint;
	(void)flags;
	return instance->settings->IgnoreCertificate ? 2 : 0;
}

static DWORD probe_verify_changed_certificate(freerdp *instance, const char *host, UINT16 port,
                                              const char *common_name, const char *subject,
                                              const char *issuer, const char *fingerprint,
                                              const char *old_subject, const char *old_issuer,
                                              const char *old_fingerprint, DWORD flags)
{
	(void)old_subject; (void)old_issuer; (void)old_fingerprint;
	return probe_verify_certificate(instance, host, port, common_name, subject, issuer,
	                                fingerprint, flags);
}

static BOOL probe_client_new(freerdp *instance, rdpContext *context)
{
	(void)context;
	instance->PreConnect = probe_pre_connect;
	instance->PostConnect = probe_post_connect;
	instance->PostDisconnect = probe_post_disconnect;
	instance->VerifyCertificateEx = probe_verify_certificate;
	instance->VerifyChangedCertificateEx = probe_verify_changed_certificate;
	return TRUE;
}

/* Runs the event loop until deadline_ms or until stop() says so. */
static BOOL pump_until(freerdp *instance, double deadline_ms, int (*stop)(ProbeContext *))
{
	ProbeContext *probe = (ProbeContext *)instance->context;
	HANDLE handles[MAXIMUM_WAIT_OBJECTS];

	while (now_ms() < deadline_ms) {
		if (stop && stop(probe))
			return TRUE;
		if (freerdp_shall_disconnect(instance))
			return FALSE;
		DWORD n = freerdp_get_event_handles(instance->context, handles, ARRAYSIZE(handles));
		if (n == 0)
			return FALSE;
		WaitForMultipleObjects(n, handles, FALSE, 20);
		if (!freerdp_check_event_handles(instance->context))
			return FALSE;
	}
	return TRUE;
}

static int first_frame_seen(ProbeContext *p) { return p->t_first_frame != 0; }

/* Device List Announce PDUs (MS-RDPEFS 2.2.2.9) announcing extra.rdpdr_devices drives
 * "D0000001"..., without device data, 200 to a message: FreeRDP 2.11's rdpdr server reads at
 * most 4096 bytes of a message, so a flood is many messages of about 4 KB. */
static void send_device_flood(freerdp *instance)
{
	enum { PER_PDU = 200 };
	UINT16 id = freerdp_channels_get_id_by_name(instance, "rdpdr");
	BYTE pdu[8 + PER_PDU * 20];
	size_t total = (size_t)extra.rdpdr_devices, sent = 0;
	int pdus = 0;
	while (id && sent < total) {
		size_t n = total - sent < PER_PDU ? total - sent : PER_PDU;
		memset(pdu, 0, sizeof(pdu));
		BYTE *p = pdu;
		p[0] = 0x72, p[1] = 0x44; /* RDPDR_CTYP_CORE */
		p[2] = 0x41, p[3] = 0x44; /* PAKID_CORE_DEVICELIST_ANNOUNCE */
		p[4] = (BYTE)n, p[5] = (BYTE)(n >> 8);
		p += 8;
		for (size_t i = 0; i < n; i++, p += 20) {
			UINT32 dev = (UINT32)(sent + i) + 1;
			p[0] = 0x08; /* RDPDR_DTYP_FILESYSTEM */
			p[4] = (BYTE)dev, p[5] = (BYTE)(dev >> 8), p[6] = (BYTE)(dev >> 16), p[7] = (BYTE)(dev >> 24);
			char name[9];
			snprintf(name, sizeof(name), "D%07u", dev % 10000000u);
			memcpy(p + 8, name, 8); /* DeviceDataLength stays 0 */
		}
		if (!instance->SendChannelData(instance, id, pdu, 8 + n * 20))
			break;
		sent += n;
		pdus++;
		if (pdus % 10 == 0) /* let the server read (and keep the connection alive) */
			pump_until(instance, now_ms() + 50, NULL);
	}
	fprintf(stderr, "rdp_probe: sent a Device List Announce of %zu devices in %d PDUs on rdpdr (id %u)\n",
	        sent, pdus, id);
}

static int has_stalled(ProbeContext *p) { (void)p; return g_stalled; }
static int rtt_answered(ProbeContext *p) { return !p->rtt_waiting; }
static int screen_quiet_ms = 300;
static int screen_is_quiet(ProbeContext *p) { return now_ms() - p->last_change_at >= screen_quiet_ms; }

/* --flood-acks: acknowledgements of the last frame (every loop) and monitor layouts (every 10 ms) until the server
 * ends the connection or the deadline passes. Returns TRUE when the server ended it. */
static BOOL flood_acks(freerdp *instance, double deadline_ms)
{
	ProbeContext *probe = (ProbeContext *)instance->context;
	HANDLE handles[MAXIMUM_WAIT_OBJECTS];
	unsigned long acks = 0, layouts = 0;
	double next_layout = 0;
	BOOL ended = FALSE;
	while (now_ms() < deadline_ms) {
		if (freerdp_shall_disconnect(instance)) {
			ended = TRUE;
			break;
		}
		DWORD n = freerdp_get_event_handles(instance->context, handles, ARRAYSIZE(handles));
		if (n == 0) {
			ended = TRUE;
			break;
		}
		WaitForMultipleObjects(n, handles, FALSE, 2);
		if (!freerdp_check_event_handles(instance->context)) {
			ended = TRUE;
			break;
		}
		if (probe->gfx) {
			/* The last frame received, acknowledged again and again. */
			RDPGFX_FRAME_ACKNOWLEDGE_PDU ack = { .queueDepth = QUEUE_DEPTH_UNAVAILABLE,
				                                 .frameId = probe->last_frame_id,
				                                 .totalFramesDecoded = (UINT32)acks };
			probe->gfx->FrameAcknowledge(probe->gfx, &ack);
			acks++;
		}
		if (probe->disp && now_ms() >= next_layout) {
			DISPLAY_CONTROL_MONITOR_LAYOUT m = { .Flags = DISPLAY_CONTROL_MONITOR_PRIMARY,
				                                 .Width = 800 + (layouts % 2) * 224,
				                                 .Height = 600 + (layouts % 2) * 168,
				                                 .Orientation = ORIENTATION_LANDSCAPE,
				                                 .DesktopScaleFactor = 100,
				                                 .DeviceScaleFactor = 100 };
			probe->disp->SendMonitorLayout(probe->disp, 1, &m);
			layouts++;
			next_layout = now_ms() + 10;
		}
	}
	printf("flood_acks=%lu layouts=%lu ended_by_server=%s\n", acks, layouts, ended ? "yes" : "no");
	return ended;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Heartbeat PDUs from the server (MS-RDPBCGR 2.2.16.1): counted, the last period kept. */
static unsigned g_heartbeats, g_heartbeat_period;

static BOOL on_heartbeat(freerdp *instance, BYTE period, BYTE count1, BYTE count2)
{
	(void)instance;
	(void)count1;
	(void)count2;
	g_heartbeats++;
	g_heartbeat_period = period;
	return TRUE;
}

static void send_key(freerdp *instance, DWORD rdp_scancode)
{
	freerdp_input_send_keyboard_event_ex(instance->input, TRUE, rdp_scancode);
	freerdp_input_send_keyboard_event_ex(instance->input, FALSE, rdp_scancode);
}

/* --keys: "29,e0 1d,7d": each item one key, typed 100 ms apart. FALSE on a bad list. */
static BOOL type_keys(freerdp *instance, const char *list)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		BOOL extended = strncmp(t, "e0 ", 3) == 0;
		char *end = NULL;
		unsigned long code = strtoul(extended ? t + 3 : t, &end, 16);
		if (!end || *end || code == 0 || code > 0x7f)
			return FALSE;
		send_key(instance, MAKE_RDP_SCANCODE(code, extended));
		pump_until(instance, now_ms() + 100, NULL);
	}
	return TRUE;
}

/* Types a key and waits for the screen to change, then erases it the same way.
 * Each sample waits for a quiet screen first, so an unrelated update is not
 * taken for the echo. */
static void measure_round_trips(freerdp *instance, int samples, int at_x, int at_y)
{
	ProbeContext *probe = (ProbeContext *)instance->context;

	freerdp_input_send_mouse_event(instance->input, PTR_FLAGS_MOVE, (UINT16)at_x, (UINT16)at_y);
	for (int i = 0; i < samples * 2 && probe->rtt_count < RTT_MAX; i++) {
		if (!pump_until(instance, now_ms() + 5000, screen_is_quiet))
			return;
		probe->rtt_waiting = 1;
		probe->rtt_sent_at = now_ms();
		send_key(instance, (i % 2) ? RDP_SCANCODE_BACKSPACE : RDP_SCANCODE_KEY_A);
		if (!pump_until(instance, now_ms() + 3000, rtt_answered))
			return;
		if (probe->rtt_waiting) { /* no echo within 3 s: not counted */
			probe->rtt_waiting = 0;
		}
	}
}

static void print_results(ProbeContext *probe, double measure_ms, UINT64 bytes_in)
{
	static const struct { unsigned id; const char *name; } codec_names[] = {
		{ RDPGFX_CODECID_UNCOMPRESSED, "uncompressed" }, { RDPGFX_CODECID_CAVIDEO, "remotefx" },
		{ RDPGFX_CODECID_CLEARCODEC, "clearcodec" }, { RDPGFX_CODECID_PLANAR, "planar" },
		{ RDPGFX_CODECID_AVC420, "avc420" }, { RDPGFX_CODECID_ALPHA, "alpha" },
		{ RDPGFX_CODECID_AVC444, "avc444" }, { RDPGFX_CODECID_AVC444v2, "avc444v2" },
		{ RDPGFX_CODECID_CAPROGRESSIVE, "progressive" },
	};
	char codecs[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < ARRAYSIZE(codec_names); i++) {
		unsigned long n = probe->gfx_codec[codec_names[i].id];
		if (n && used < sizeof(codecs))
			used += (size_t)snprintf(codecs + used, sizeof(codecs) - used, "%s%s:%lu",
			                         used ? "," : "", codec_names[i].name, n);
	}
	double rtt_median = -1;
	if (probe->rtt_count > 0) {
		qsort(probe->rtt_ms, (size_t)probe->rtt_count, sizeof(double), compare_double);
		rtt_median = probe->rtt_ms[probe->rtt_count / 2];
	}
	printf("connect_ms=%.1f first_frame_ms=%.1f frames=%lu fps=%.2f bytes_in=%llu kbit_s=%.1f "
	       "surface_bits=%lu gfx_codecs=%s rtt_samples=%d rtt_median_ms=%.2f\n",
	       probe->t_connected - probe->t_start,
	       probe->t_first_frame ? probe->t_first_frame - probe->t_start : -1.0, probe->frames,
	       measure_ms > 0 ? probe->frames * 1000.0 / measure_ms : 0.0,
	       (unsigned long long)bytes_in,
	       measure_ms > 0 ? bytes_in * 8.0 / measure_ms : 0.0, probe->surface_bits,
	       used ? codecs : "none", probe->rtt_count, rtt_median);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: rdp_probe [--seconds N] [--rtt N] [--rtt-at X,Y] [--quiet-ms M]\n"
	             "                 [--send-channel NAME:COUNT] [--rdpdr-devices N] [--max-request BYTES]\n"
	             "                 [--dump FILE.ppm] [--gfx-suspend-stall] [--flood-acks] [--keys CODES]\n"
	             "                 -- XFREERDP-ARGS...\n");
}

int main(int argc, char **argv)
{
	double seconds = 10;
	int rtt_samples = 0, at_x = 100, at_y = 100, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) { i++; break; }
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rtt") && i + 1 < argc) rtt_samples = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quiet-ms") && i + 1 < argc) screen_quiet_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--max-request") && i + 1 < argc) extra.max_request = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc) extra.dump = argv[++i];
		else if (!strcmp(argv[i], "--rdpdr-devices") && i + 1 < argc) extra.rdpdr_devices = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--gfx-suspend-stall")) extra.gfx_suspend_stall = 1;
		else if (!strcmp(argv[i], "--flood-acks")) extra.flood_acks = 1;
		else if (!strcmp(argv[i], "--keys") && i + 1 < argc) extra.keys = argv[++i];
		else if (!strcmp(argv[i], "--send-channel") && i + 1 < argc) {
			char *spec = argv[++i], *colon = strchr(spec, ':');
			extra.send_count = colon ? atoi(colon + 1) : 1;
			if (colon)
				*colon = 0;
			extra.send_channel = spec;
		}
		else if (!strcmp(argv[i], "--rtt-at") && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &at_x, &at_y) != 2) { usage(stderr); return 2; }
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { usage(stdout); return 0; }
		else { fprintf(stderr, "rdp_probe: unknown option '%s'\n", argv[i]); usage(stderr); return 2; }
	}
	if (i >= argc) { usage(stderr); return 2; }

	RDP_CLIENT_ENTRY_POINTS entry = { 0 };
	entry.Size = sizeof(entry);
	entry.Version = RDP_CLIENT_INTERFACE_VERSION;
	entry.ContextSize = sizeof(ProbeContext);
	entry.ClientNew = probe_client_new;
	rdpContext *context = freerdp_client_context_new(&entry);
	if (!context)
		return 1;

	/* FreeRDP's parser wants argv[0] to be the program name. */
	char **fargv = &argv[i - 1];
	int fargc = argc - i + 1;
	fargv[0] = argv[0];
	int rc = 1;
	if (freerdp_client_settings_parse_command_line(context->settings, fargc, fargv, FALSE) != 0) {
		fprintf(stderr, "rdp_probe: bad FreeRDP arguments\n");
		freerdp_client_context_free(context);
		return 2;
	}
	context->settings->SoftwareGdi = TRUE;

	ProbeContext *probe = (ProbeContext *)context;
	freerdp *instance = context->instance;
	probe->t_start = now_ms();
	instance->heartbeat->ServerHeartbeat = on_heartbeat;
	if (!freerdp_connect(instance)) {
		fprintf(stderr, "rdp_probe: connection failed: %s\n",
		        freerdp_get_last_error_string(freerdp_get_last_error(context)));
		goto out;
	}
	probe->t_connected = now_ms();
	if (extra.send_channel)
		send_junk_on_channel(instance);
	if (extra.gfx_suspend_stall) {
		/* Hostile mode: read until the first GFX frame is acknowledged with SUSPEND, then keep
		 * the socket open without reading for --seconds, and leave without a goodbye (a
		 * disconnect would block on the full socket). */
		pump_until(instance, now_ms() + 30000, has_stalled);
		if (g_stalled)
			Sleep((DWORD)(seconds * 1000));
		printf("gfx_suspend_stall=%s seconds=%.0f\n", g_stalled ? "yes" : "no", seconds);
		fflush(stdout);
		_exit(g_stalled ? 0 : 1);
	}
	pump_until(instance, now_ms() + 15000, first_frame_seen);
	if (extra.rdpdr_devices > 0 && probe->t_first_frame)
		send_device_flood(instance);
	if (extra.keys && probe->t_first_frame && !type_keys(instance, extra.keys)) {
		fprintf(stderr, "rdp_probe: bad --keys list '%s'\n", extra.keys);
		freerdp_disconnect(instance);
		goto out;
	}
	if (extra.flood_acks) {
		rc = probe->t_first_frame && flood_acks(instance, now_ms() + seconds * 1000) ? 0 : 1;
		freerdp_disconnect(instance);
		goto out;
	}

	UINT64 in_before = 0, in_after = 0, out_bytes, in_packets, out_packets;
	freerdp_get_stats(context->rdp, &in_before, &out_bytes, &in_packets, &out_packets);
	unsigned long frames_before = probe->frames;
	double t0 = now_ms();
	pump_until(instance, t0 + seconds * 1000, NULL);
	double measured = now_ms() - t0;
	freerdp_get_stats(context->rdp, &in_after, &out_bytes, &in_packets, &out_packets);
	unsigned long frames_total = probe->frames;
	probe->frames = frames_total - frames_before;

	if (rtt_samples > 0)
		measure_round_trips(instance, rtt_samples, at_x, at_y);
	print_results(probe, measured, in_after - in_before);
	/* Why the server ended the session, when it did (ERRINFO_*: 0x3 idle, 0x4 time limit,
	 * 0x1 administrative, 0xc logoff; 0 when the probe ended it). */
	printf("error_info=0x%08x heartbeats=%u heartbeat_period=%u\n", freerdp_error_info(instance),
	       g_heartbeats, g_heartbeat_period);
	rc = probe->t_first_frame ? 0 : 1;
	if (extra.dump && probe->t_first_frame && !dump_screen(context->gdi, extra.dump)) {
		fprintf(stderr, "rdp_probe: cannot write %s\n", extra.dump);
		rc = 1;
	}
	freerdp_disconnect(instance);
out:
	freerdp_client_context_free(context);
	return rc;
}
