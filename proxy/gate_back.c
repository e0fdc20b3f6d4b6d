/* gate_back: the back side, a FreeRDP client connected to the target.
 * Settings are built from a whitelist of the front's values, the channel list from the session
 * policy (checked before connecting: fail closed), the target certificate is pinned or
 * explicitly ignored, and gdi decodes everything into the gate's own framebuffer before the
 * update is forwarded to the front. */
#include "gate_back.h"

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
#include <freerdp/gdi/gdi.h>
#include <freerdp/settings.h>

#define TAG "rmgate.proxy.back"
static gate_back *back_of(rdpContext *ctx)
{
	return ((gate_back_context *)ctx)->owner;
}

/* ---- certificate ------------------------------------------------------------------------------ */

static int verify_x509(freerdp *instance, const BYTE *pem, size_t len, const char *host, UINT16 port,
                       DWORD flags)
{
	gate_back *b = back_of(instance->context);
	const gate_config *cfg = b->cfg;
	/* FreeRDP 2.11 follows a Server Redirection PDU on its own: the back must never reach a
	 * host the permit does not name, whatever certificate it shows. */
	const UINT16 want_port = b->target->port ? b->target->port : 3389; /* FreeRDP's default */
	if ((flags & VERIFY_CERT_FLAG_REDIRECT) || !host || strcmp(host, b->target->host) != 0 ||
	    port != want_port) {
		WLog_ERR(TAG, "%s certificate of %s:%u refused: not the permitted target %s:%u%s", b->link->sid,
		         host ? host : "?", port, b->target->host, b->target->port,
		         (flags & VERIFY_CERT_FLAG_REDIRECT) ? " (server redirection is not followed)" : "");
		return 0;
	}
	/* A pin of the permitted system (from the permit database) is the only one that counts;
	 * otherwise the configuration's target_cert applies. */
	if (!b->target->has_pin && cfg->target_cert_ignore) {
		WLog_WARN(TAG, "%s target certificate of %s:%u not checked (target_cert = ignore)", b->link->sid,
		          host, port);
		return 2;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BYTE md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	BOOL ok = x && X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == GATE_SHA256_LEN;
	BOOL match = FALSE;
	if (ok && b->target->has_pin)
		match = memcmp(md, b->target->pin, GATE_SHA256_LEN) == 0;
	for (size_t i = 0; ok && !b->target->has_pin && i < cfg->n_target_pins; i++)
		match = match || memcmp(md, cfg->target_pins[i], GATE_SHA256_LEN) == 0;
	X509_free(x);
	BIO_free(bio);
	if (!match) {
		char hex[GATE_SHA256_LEN * 3 + 1] = "";
		for (unsigned i = 0; ok && i < mdlen; i++)
			snprintf(hex + i * 3, 4, "%02X%s", md[i], i + 1 < mdlen ? ":" : "");
		WLog_ERR(TAG, "%s target certificate of %s:%u rejected: sha256:%s is not %s", b->link->sid, host,
		         port, ok ? hex : "(unreadable)",
		         b->target->has_pin ? "the system's pinned certificate" : "pinned in target_cert");
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
static BOOL check_channel_list(gate_back *b, rdpSettings *bs)
{
	for (UINT32 i = 0; i < bs->ChannelCount; i++) {
		const char *name = bs->ChannelDefArray[i].name;
		if (!gate_policy_static_allowed(b->policy, name)) {
			char esc[GATE_ESCAPED_MAX];
			WLog_ERR(TAG, "%s back channel list holds '%s', which the policy denies: not connecting",
			         b->link->sid, gate_link_escape(esc, sizeof(esc), name));
			return FALSE;
		}
	}
	return TRUE;
}

static void on_error_info(void *context, ErrorInfoEventArgs *e)
{
	gate_back *b = back_of(context);
	b->hooks.error_info(b->hooks.ctx, e->code);
	WLog_INFO(TAG, "%s target error info 0x%08x (%s)", b->link->sid, e->code, freerdp_get_error_info_string(e->code));
}

static void on_channel_connected(void *context, ChannelConnectedEventArgs *e)
{
	gate_back *b = back_of(context);
	if (!strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME))
		gate_gfx_back_connected(b->gfx, e->pInterface);
	else if (!strcmp(e->name, DISP_DVC_CHANNEL_NAME))
		gate_gfx_back_disp_connected(b->gfx, e->pInterface);
	WLog_DBG(TAG, "%s back channel %s connected", b->link->sid, e->name);
}

static void on_channel_disconnected(void *context, ChannelDisconnectedEventArgs *e)
{
	gate_back *b = back_of(context);
	if (!strcmp(e->name, RDPGFX_DVC_CHANNEL_NAME))
		gate_gfx_back_disconnected(b->gfx, e->pInterface);
	else if (!strcmp(e->name, DISP_DVC_CHANNEL_NAME))
		gate_gfx_back_disp_disconnected(b->gfx);
}

static BOOL back_pre_connect(freerdp *instance)
{
	gate_back *b = back_of(instance->context);
	rdpSettings *bs = instance->settings;
	/* freerdp_connect re-applies default order support before this callback: zero it here. */
	memset(bs->OrderSupport, 0, 32);
	bs->GlyphSupportLevel = GLYPH_SUPPORT_NONE;
	if (!clear_channel_settings(bs))
		return FALSE;
	if (!freerdp_settings_set_bool(bs, FreeRDP_SupportDisplayControl, b->policy->display_control) ||
	    !freerdp_settings_set_bool(bs, FreeRDP_SupportGraphicsPipeline,
	                               b->policy->gfx && bs->SupportGraphicsPipeline))
		return FALSE;
	/* RemoteFX inside the graphics pipeline is only chosen by a target that saw the codec in the
	 * bitmap codecs capability; without the pipeline, plain bitmaps pass through compressed. */
	if (!freerdp_settings_set_bool(bs, FreeRDP_RemoteFxCodec, bs->SupportGraphicsPipeline))
		return FALSE;
	if (b->policy->gfx || b->policy->display_control) {
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
	return check_channel_list(b, bs);
}

static BOOL back_post_connect(freerdp *instance)
{
	gate_back *b = back_of(instance->context);
	if (!gdi_init(instance, PIXEL_FORMAT_BGRA32))
		return FALSE;
	gate_back_updates_install(&b->updates, instance);
	/* Without the decoder, GFX frames would be shown but not recorded: refuse. */
	if (!gate_gfx_decoder_new(b->gfx, instance->context)) {
		WLog_ERR(TAG, "%s no graphics pipeline decoder: refusing, the recording would miss frames",
		         b->link->sid);
		return FALSE;
	}
	return TRUE;
}

static void back_post_disconnect(freerdp *instance)
{
	gate_back *b = back_of(instance->context);
	PubSub_UnsubscribeErrorInfo(instance->context->pubSub, on_error_info);
	PubSub_UnsubscribeChannelConnected(instance->context->pubSub, on_channel_connected);
	PubSub_UnsubscribeChannelDisconnected(instance->context->pubSub, on_channel_disconnected);
	gate_gfx_decoder_free(b->gfx, instance->context);
	gate_back_updates_disconnected(&b->updates);
	gate_front_draw_lock(&b->front->draw); /* gate_front_send_fb_region reads the buffer */
	gdi_free(instance);
	gate_front_draw_unlock(&b->front->draw);
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

static BOOL copy_front_settings(gate_back *b, rdpSettings *bs)
{
	const rdpSettings *ps = b->front->peer->settings;
	const BOOL pw = b->target->password && *b->target->password;
	BOOL ok =
	    freerdp_settings_set_string(bs, FreeRDP_ServerHostname, b->target->host) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_ServerPort, b->target->port) &&
	    freerdp_settings_set_string(bs, FreeRDP_Username, b->target->user) &&
	    freerdp_settings_set_string(bs, FreeRDP_Domain, b->target->domain && *b->target->domain ? b->target->domain : NULL) &&
	    freerdp_settings_set_string(bs, FreeRDP_Password, pw ? b->target->password : NULL) &&
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
	                                b->cfg->target_tls_ciphers ? b->cfg->target_tls_ciphers
	                                                           : b->cfg->tls_ciphers) &&
	    freerdp_settings_set_bool(bs, FreeRDP_NlaSecurity, pw) &&
	    freerdp_settings_set_bool(bs, FreeRDP_ExternalCertificateManagement, TRUE) &&
	    /* FreeRDP's client TLS wants its certificate store's directories to exist, even though
	     * the gate stores nothing there; a worker names its prepared, read-only one. */
	    (!b->cfg->client_config_dir ||
	     freerdp_settings_set_string(bs, FreeRDP_ConfigPath, b->cfg->client_config_dir)) &&
	    freerdp_settings_set_uint32(bs, FreeRDP_TcpConnectTimeout, b->cfg->connect_timeout_ms) &&
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

BOOL gate_back_create(gate_back *b)
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
	gate_back_context *bc = (gate_back_context *)ctx;
	bc->dvc.receipt = &b->receipt;
	bc->owner = b;
	bc->updates = &b->updates;
	b->context = ctx;
	return copy_front_settings(b, ctx->settings);
}

/* ---- client thread ------------------------------------------------------------------------------ */

static void wipe_password(gate_back *b)
{
	rdpSettings *bs = b->context->settings;
	if (bs->Password)
		OPENSSL_cleanse(bs->Password, strlen(bs->Password));
	freerdp_settings_set_string(bs, FreeRDP_Password, NULL);
	gate_link_free_secret(&b->target->password);
}

/* TRUE when the library has moved the back to another host or port (server redirection). */
static BOOL redirected(gate_back *b)
{
	const rdpSettings *bs = b->context->settings;
	return !bs->ServerHostname || strcmp(bs->ServerHostname, b->target->host) != 0 ||
	       bs->ServerPort != b->target->port;
}

static DWORD WINAPI client_thread(LPVOID arg)
{
	gate_back *b = arg;
	freerdp *instance = b->context->instance;
	BOOL ok = freerdp_connect(instance);
	wipe_password(b);
	b->connected = ok;
	SetEvent(b->done_event);
	if (!ok) {
		UINT32 err = freerdp_get_last_error(b->context);
		WLog_ERR(TAG, "%s connection to %s:%u failed: %s", b->link->sid, b->target->host, b->target->port,
		         freerdp_get_last_error_string(err));
		gate_link_close(b->link, "connection to the target failed");
	}
	while (ok) {
		HANDLE h[64];
		DWORD n = freerdp_get_event_handles(b->context, h, 62);
		if (n == 0) {
			gate_link_close(b->link, "back transport has no event handle");
			break;
		}
		h[n++] = b->abort_event;
		if (WaitForMultipleObjects(n, h, FALSE, 1000) == WAIT_FAILED) {
			gate_link_close(b->link, "back wait failed");
			break;
		}
		if (WaitForSingleObject(b->abort_event, 0) == WAIT_OBJECT_0)
			break;
		/* Back-pressure: nothing more is read from the target while the client has not taken
		 * the graphics already queued for it (gate_gfx.h). */
		if (!gate_gfx_wait_front_drained(b->gfx))
			break;
		if (!freerdp_check_event_handles(b->context) || freerdp_shall_disconnect(instance)) {
			gate_link_close(b->link, "target disconnected");
			break;
		}
		if (redirected(b)) {
			gate_link_close(b->link, "target redirected the connection");
			break;
		}
	}
	/* freerdp_disconnect frees the back's GFX and display-control contexts (drdynvc plugin
	 * termination) before it reports the channels disconnected: the front threads must stop
	 * calling into them first. The peer thread closes the bridge too, but later. */
	gate_gfx_close_bridge(b->gfx);
	freerdp_disconnect(instance);
	return 0;
}

BOOL gate_back_start(gate_back *b)
{
	b->client_thread = CreateThread(NULL, 0, client_thread, b, 0, NULL);
	return b->client_thread != NULL;
}

/* Shuts the back's sockets down so that a read the library is blocked in (connect sequence,
 * TLS or NLA handshake: FreeRDP 2.11 loops on them without a deadline) returns. Only called
 * when the client thread did not end in time, i.e. while it is blocked inside the library. */
static void shutdown_back_sockets(gate_back *b)
{
	HANDLE h[64];
	DWORD n = freerdp_get_event_handles(b->context, h, 62);
	for (DWORD i = 0; i < n; i++) {
		int fd = GetEventFileDescriptor(h[i]);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			shutdown(fd, SHUT_RDWR);
	}
}

BOOL gate_back_stop(gate_back *b)
{
	if (!b->client_thread)
		return TRUE;
	SetEvent(b->abort_event);
	freerdp_abort_connect(b->context->instance);
	DWORD rc = WaitForSingleObject(b->client_thread, b->cfg->close_timeout_ms);
	if (rc == WAIT_TIMEOUT) {
		WLog_WARN(TAG, "%s back thread still busy, shutting its sockets down", b->link->sid);
		shutdown_back_sockets(b);
		rc = WaitForSingleObject(b->client_thread, b->cfg->close_timeout_ms);
	}
	if (rc != WAIT_OBJECT_0)
		return FALSE;
	CloseHandle(b->client_thread);
	b->client_thread = NULL;
	return TRUE;
}

void gate_back_free(gate_back *b)
{
	if (b->context) {
		freerdp_client_context_free(b->context);
		b->context = NULL;
	}
	gate_back_updates_free(&b->updates);
}

static void count_forward(void *ctx, gate_back_counter which, UINT64 n)
{
	gate_back *b = ctx;
	b->hooks.counted(b->hooks.ctx, which, n);
}

static void resized_forward(void *ctx, UINT32 width, UINT32 height)
{
	gate_back *b = ctx;
	b->hooks.resized(b->hooks.ctx, width, height);
}

BOOL gate_back_init(gate_back *b, const gate_config *cfg, const gate_link *link, gate_front *front,
                    gate_gfx *gfx, const gate_channel_policy *policy, gate_back_target *target,
                    const gate_observer *obs, HANDLE abort_event, const gate_back_hooks *hooks)
{
	*b = (gate_back){ .cfg = cfg, .link = link, .front = front, .gfx = gfx, .policy = policy,
		              .target = target, .abort_event = abort_event, .hooks = *hooks,
		              .receipt = { .policy = policy, .link = link } };
	const gate_back_updates_hooks uh = { .ctx = b, .counted = count_forward,
		                                 .resized = resized_forward };
	gate_back_updates_init(&b->updates, link, front, obs, &uh);
	b->done_event = CreateEvent(NULL, TRUE, FALSE, NULL);
	return b->done_event != NULL;
}

void gate_back_release(gate_back *b)
{
	if (b->done_event)
		CloseHandle(b->done_event);
	b->done_event = NULL;
}
