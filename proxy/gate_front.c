/* gate_front: the front peer's callbacks, handshake settings, NLA checks and input (contract in
 * the header). */
#include "gate_front.h"
#include "gate_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include <winpr/ntlm.h>
#include <winpr/string.h>
#include <winpr/sysinfo.h>
#include <winpr/wlog.h>
#include <winpr/wtsapi.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/constants.h>
#include <freerdp/error.h>
#include <freerdp/settings.h>

#define TAG "rmgate.proxy.session"

/* WTSOpenServerA keeps a global session counter and table without a lock (FreeRDP 2.11). */
static CRITICAL_SECTION g_wts_lock;
static INIT_ONCE g_wts_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK init_wts_lock(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
	(void)once;
	(void)param;
	(void)ctx;
	return InitializeCriticalSectionAndSpinCount(&g_wts_lock, 4000);
}

static gate_front *front_of(rdpContext *ctx)
{
	return ((gate_front_context *)ctx)->f;
}

/* ---- front context -------------------------------------------------------------------------- */

static BOOL front_context_new(freerdp_peer *peer, rdpContext *ctx)
{
	gate_front_context *fc = (gate_front_context *)ctx;
	fc->f = peer->ContextExtra;
	InitOnceExecuteOnce(&g_wts_once, init_wts_lock, NULL, NULL);
	EnterCriticalSection(&g_wts_lock);
	fc->vcm = WTSOpenServerA((LPSTR)peer->context);
	LeaveCriticalSection(&g_wts_lock);
	return fc->vcm && fc->vcm != INVALID_HANDLE_VALUE;
}

static void front_context_free(freerdp_peer *peer, rdpContext *ctx)
{
	gate_front_context *fc = (gate_front_context *)ctx;
	(void)peer;
	if (fc->vcm && fc->vcm != INVALID_HANDLE_VALUE) {
		EnterCriticalSection(&g_wts_lock);
		WTSCloseServer(fc->vcm);
		LeaveCriticalSection(&g_wts_lock);
	}
	fc->vcm = NULL;
}

HANDLE gate_front_vcm(gate_front *f)
{
	return ((gate_front_context *)f->peer->context)->vcm;
}

/* ---- channel guard hooks ---------------------------------------------------------------------- */

static BOOL front_receive_channel_data(freerdp_peer *peer, UINT16 id, const BYTE *data, size_t size,
                                       UINT32 flags, size_t total)
{
	return gate_channels_receive(&front_of(peer->context)->channels, id, data, size, flags, total);
}

/* Counts what leaves on the front's channels (output back-pressure, gate_gfx). The channel
 * manager calls this from the peer thread when it drains its queue. */
static BOOL front_send_channel_data(freerdp_peer *peer, UINT16 id, const BYTE *data, size_t size)
{
	return gate_channels_send(&front_of(peer->context)->channels, id, data, size);
}

/* ---- input (registered at init, gated by the session's state) --------------------------------- */

static BOOL on_synchronize(rdpInput *input, UINT32 flags)
{
	gate_front *f = front_of(input->context);
	f->sync_flags = (UINT16)flags;
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_synchronize_event(to, flags);
	return TRUE;
}

static BOOL on_keyboard(rdpInput *input, UINT16 flags, UINT16 code)
{
	gate_front *f = front_of(input->context);
	if (f->obs->on_key)
		f->obs->on_key(f->obs->ctx, flags, code);
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_keyboard_event(to, flags, code);
	return TRUE;
}

static BOOL on_unicode(rdpInput *input, UINT16 flags, UINT16 code)
{
	gate_front *f = front_of(input->context);
	if (f->obs->on_unicode)
		f->obs->on_unicode(f->obs->ctx, flags, code);
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_unicode_keyboard_event(to, flags, code);
	return TRUE;
}

static BOOL on_mouse(rdpInput *input, UINT16 flags, UINT16 x, UINT16 y)
{
	gate_front *f = front_of(input->context);
	if (f->obs->on_mouse)
		f->obs->on_mouse(f->obs->ctx, flags, x, y);
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_mouse_event(to, flags, x, y);
	return TRUE;
}

static BOOL on_extended_mouse(rdpInput *input, UINT16 flags, UINT16 x, UINT16 y)
{
	gate_front *f = front_of(input->context);
	if (f->obs->on_mouse)
		f->obs->on_mouse(f->obs->ctx, (UINT16)(flags | 0x0004 /* marks an extended event */), x, y);
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_extended_mouse_event(to, flags, x, y);
	return TRUE;
}

static BOOL on_focus_in(rdpInput *input, UINT16 toggle)
{
	gate_front *f = front_of(input->context);
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_focus_in_event(to, toggle);
	return TRUE;
}

static BOOL on_keyboard_pause(rdpInput *input)
{
	gate_front *f = front_of(input->context);
	rdpInput *to = f->hooks.input_target(f->hooks.ctx);
	if (to)
		freerdp_input_send_keyboard_pause_event(to);
	return TRUE;
}

/* ---- front-to-back display requests -------------------------------------------------------- */

static BOOL on_refresh_rect(rdpContext *ctx, BYTE count, const RECTANGLE_16 *areas)
{
	gate_front *f = front_of(ctx);
	WLog_DBG(TAG, "%s refresh request for %u area(s)", f->link->sid, count);
	/* Answer from the gate's own framebuffer: it is current, and the target is not disturbed. */
	for (BYTE i = 0; gate_link_running(f->link) && i < count; i++) {
		if (areas[i].right > areas[i].left && areas[i].bottom > areas[i].top)
			gate_front_send_fb_region(&f->draw, areas[i].left, areas[i].top,
			                          (UINT32)(areas[i].right - areas[i].left),
			                          (UINT32)(areas[i].bottom - areas[i].top));
	}
	return TRUE;
}

static BOOL on_suppress_output(rdpContext *ctx, BYTE allow, const RECTANGLE_16 *area)
{
	gate_front *f = front_of(ctx);
	WLog_DBG(TAG, "%s suppress output: allow=%u", f->link->sid, allow);
	/* The gate keeps decoding for the recorder, so the target is never told to stop; when the
	 * client allows output again it gets the current screen from the framebuffer. */
	if (allow && area && gate_link_running(f->link))
		on_refresh_rect(ctx, 1, area);
	return TRUE;
}

/* ---- logon: NTLM hash, TSCredentials ------------------------------------------------------- */

static char *from_unicode(const UINT16 *w, UINT32 len)
{
	char *out = NULL;
	if (!w || !len)
		return strdup("");
	if (ConvertFromUnicode(CP_UTF8, 0, (LPCWSTR)w, (int)len, &out, 0, NULL, NULL) <= 0)
		return strdup("");
	return out;
}

/* Account and domain names compare as Windows compares them, without regard to case (ASCII
 * letters only: any other difference counts as another name, which refuses, never admits). */
static BOOL same_name(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "") == 0;
}

/* NLA: NTLM proved who the client is (front_ntlm_hash kept that identity); the TSCredentials
 * that come after it are only what the client says. A client may authenticate NTLM with one
 * account and name another there: it would be admitted as that other account, with its
 * permits and injected credentials. So the names must agree, and the session goes on under
 * the NTLM identity; a mismatch ends the connection here and is a ledger refusal. */
static BOOL nla_identity_matches(gate_front *f, const char *ts_user, const char *ts_domain)
{
	if (f->nla_user && same_name(f->nla_user, ts_user) && same_name(f->nla_domain, ts_domain))
		return TRUE;
	char nu[GATE_ESCAPED_MAX], nd[GATE_ESCAPED_MAX], tu[GATE_ESCAPED_MAX], td[GATE_ESCAPED_MAX];
	char detail[4 * GATE_ESCAPED_MAX + 96];
	snprintf(detail, sizeof(detail), "NTLM authenticated user=%s domain=%s; TSCredentials named user=%s domain=%s",
	         gate_link_escape(nu, sizeof(nu), f->nla_user ? f->nla_user : ""),
	         gate_link_escape(nd, sizeof(nd), f->nla_domain ? f->nla_domain : ""),
	         gate_link_escape(tu, sizeof(tu), ts_user), gate_link_escape(td, sizeof(td), ts_domain));
	WLog_WARN(TAG, "%s identity mismatch from %s: %s", f->link->sid, f->client_address, detail);
	const gate_admission *a = f->admission;
	if (a->refused)
		a->refused(a->ctx, "identity_mismatch", f->nla_user ? f->nla_user : "", f->client_address,
		           detail);
	gate_link_close(f->link, "identity mismatch: the NLA credentials name another account than NTLM authenticated");
	return FALSE;
}

static BOOL on_logon(freerdp_peer *peer, SEC_WINNT_AUTH_IDENTITY *id, BOOL automatic)
{
	gate_front *f = front_of(peer->context);
	f->logged_on = TRUE;
	if (!automatic || !id)
		return TRUE; /* TLS only: the credentials come with the Client Info PDU */
	char *ts_user = from_unicode(id->User, id->UserLength);
	char *ts_domain = from_unicode(id->Domain, id->DomainLength);
	BOOL ok = ts_user && ts_domain && nla_identity_matches(f, ts_user, ts_domain);
	free(ts_user);
	free(ts_domain);
	if (!ok)
		return FALSE;
	free(f->user);
	free(f->domain);
	gate_link_free_secret(&f->password);
	f->user = strdup(f->nla_user);
	f->domain = strdup(f->nla_domain ? f->nla_domain : "");
	f->password = from_unicode(id->Password, id->PasswordLength);
	f->nla_verified = f->user && f->domain && f->password;
	return f->nla_verified;
}

/* NTLM (NLA) on the front: the NTOWFv2 hash of the account named in the client's
 * AUTHENTICATE message, from the admission (the permit database) when it answers NLA, else
 * from the lab-mode SAM table. WinPR treats the return value as a boolean: nonzero = found. */
static SECURITY_STATUS front_ntlm_hash(void *client, const SEC_WINNT_AUTH_IDENTITY *id,
                                       const SecBuffer *proof, const BYTE *randkey, const BYTE *mic,
                                       const SecBuffer *micvalue, BYTE *ntlmhash)
{
	freerdp_peer *peer = client;
	gate_front *f = front_of(peer->context);
	const gate_admission *a = f->admission;
	(void)proof;
	(void)randkey;
	(void)mic;
	(void)micvalue;
	if (!id || !id->User)
		return 0;
	char *user = from_unicode(id->User, id->UserLength);
	char *domain = from_unicode(id->Domain, id->DomainLength);
	BOOL found = FALSE;
	if (a->ntlm_v2_hash) {
		found = a->ntlm_v2_hash(a->ctx, (const WCHAR *)id->User, id->UserLength * 2,
		                        (const WCHAR *)id->Domain, id->DomainLength * 2, f->client_address,
		                        ntlmhash);
	} else {
		BYTE nt[16];
		found = user && domain && gate_sam_lookup(f->sam, user, domain, nt) &&
		        NTOWFv2FromHashW(nt, (LPWSTR)id->User, id->UserLength * 2, (LPWSTR)id->Domain,
		                         id->DomainLength * 2, ntlmhash);
		OPENSSL_cleanse(nt, sizeof(nt));
	}
	if (!found) {
		char eu[GATE_ESCAPED_MAX], ed[GATE_ESCAPED_MAX];
		WLog_WARN(TAG, "%s NLA: no usable account \"%s\" (domain \"%s\")", f->link->sid,
		          gate_link_escape(eu, sizeof(eu), user ? user : "?"),
		          gate_link_escape(ed, sizeof(ed), domain ? domain : "?"));
	}
	/* The identity NTLM checks the proof for: compared with the TSCredentials in on_logon,
	 * and kept to record a failed logon if no Logon follows (gate_front_handshake_failed). */
	free(f->nla_user);
	free(f->nla_domain);
	f->nla_user = user;
	f->nla_domain = domain;
	return found ? 1 : 0;
}

BOOL gate_front_take_credentials(gate_front *f, char **user, char **domain, char **password)
{
	rdpSettings *ps = f->peer->settings;
	if (f->user) { /* NLA: the TSCredentials */
		*user = f->user;
		*domain = f->domain;
		*password = f->password;
		f->user = f->domain = f->password = NULL;
		return TRUE;
	}
	/* TLS only: Client Info PDU */
	*user = strdup(ps->Username ? ps->Username : "");
	*domain = strdup(ps->Domain ? ps->Domain : "");
	*password = strdup(ps->Password ? ps->Password : "");
	return *user && *domain && *password;
}

/* FreeRDP 2.11 copies the NLA identity (user, domain, password) into the peer and never frees
 * it: zero and free it here (a leak per session otherwise, and a password left in memory). */
static void wipe_peer_identity(freerdp_peer *peer)
{
	SEC_WINNT_AUTH_IDENTITY *id = &peer->identity;
	if (id->User)
		OPENSSL_cleanse(id->User, (size_t)id->UserLength * 2);
	if (id->Domain)
		OPENSSL_cleanse(id->Domain, (size_t)id->DomainLength * 2);
	if (id->Password)
		OPENSSL_cleanse(id->Password, (size_t)id->PasswordLength * 2);
	/* winpr allocates them with calloc (sspi_CopyAuthIdentity); 2.11 exports no free. */
	free(id->User);
	free(id->Domain);
	free(id->Password);
	memset(id, 0, sizeof(*id));
}

void gate_front_wipe_credentials(gate_front *f)
{
	rdpSettings *ps = f->peer->settings;
	wipe_peer_identity(f->peer);
	if (ps->Password) {
		OPENSSL_cleanse(ps->Password, strlen(ps->Password));
		freerdp_settings_set_string(ps, FreeRDP_Password, NULL);
	}
}

/* ---- licensing, post-connect, activation ----------------------------------------------------- */

static LicenseCallbackResult front_license(freerdp_peer *peer, wStream *st)
{
	gate_front *f = front_of(peer->context);
	if (!f->hooks.licensing(f->hooks.ctx))
		return LICENSE_CB_ABORT;
	return f->license_cb ? f->license_cb(peer, st) : LICENSE_CB_COMPLETED;
}

/* Called by FreeRDP 2.11 once the client is active (after the capability exchange). */
static BOOL front_post_connect(freerdp_peer *peer)
{
	gate_front *f = front_of(peer->context);
	return f->hooks.post_connect(f->hooks.ctx);
}

static BOOL front_activate(freerdp_peer *peer)
{
	gate_front *f = front_of(peer->context);
	f->hooks.activated(f->hooks.ctx);
	/* Repaint once activated (see the peer loop): the client's screen is empty. */
	f->need_refresh = TRUE;
	gate_rdpdr_observer_start(&f->rdpdr, f->peer, gate_front_vcm(f), f->link);
	return TRUE;
}

void gate_front_repaint_if_needed(gate_front *f)
{
	if (!f->need_refresh || !gate_front_can_draw(&f->draw))
		return;
	f->need_refresh = FALSE;
	WLog_DBG(TAG, "%s first paint of the client from the framebuffer at %llu", f->link->sid,
	         (unsigned long long)GetTickCount64());
	gate_front_send_fb_region(&f->draw, 0, 0, f->peer->settings->DesktopWidth,
	                          f->peer->settings->DesktopHeight);
}

/* ---- set-up ----------------------------------------------------------------------------------- */

static BOOL channels_rdpdr_open(void *ctx)
{
	return gate_rdpdr_observer_running(&((gate_front *)ctx)->rdpdr);
}

static void channels_drdynvc_sent(void *ctx, size_t bytes)
{
	gate_front *f = ctx;
	f->hooks.drdynvc_sent(f->hooks.ctx, bytes);
}

BOOL gate_front_init(gate_front *f, freerdp_peer *peer, const gate_config *cfg,
                     const gate_link *link, const gate_admission *admission, gate_sam *sam,
                     const char *client_address, const gate_observer *obs,
                     const gate_front_hooks *hooks)
{
	*f = (gate_front){ .peer = peer, .cfg = cfg, .link = link, .admission = admission, .sam = sam,
		               .client_address = client_address, .obs = obs, .hooks = *hooks };
	const gate_channels_hooks ch = { .ctx = f, .rdpdr_open = channels_rdpdr_open,
		                             .drdynvc_sent = channels_drdynvc_sent };
	gate_channels_init(&f->channels, peer, link, cfg->max_channel_message, &ch);
	InitializeCriticalSectionAndSpinCount(&f->sock_lock, 4000);
	if (!gate_front_draw_init(&f->draw, peer, link))
		return FALSE;
	peer->ContextExtra = f;
	peer->ContextSize = sizeof(gate_front_context);
	peer->ContextNew = front_context_new;
	peer->ContextFree = front_context_free;
	return freerdp_peer_context_new(peer);
}

static BOOL configure(gate_front *f)
{
	freerdp_peer *peer = f->peer;
	rdpSettings *ps = peer->settings;
	const gate_config *cfg = f->cfg;
	/* A worker has the PEM text in memory (its files are root's); else FreeRDP reads them. */
	BOOL ok = (cfg->certificate_pem
	                   ? freerdp_settings_set_string(ps, FreeRDP_CertificateContent, cfg->certificate_pem) &&
	                             freerdp_settings_set_string(ps, FreeRDP_PrivateKeyContent, cfg->private_key_pem)
	                   : freerdp_settings_set_string(ps, FreeRDP_CertificateFile, cfg->certificate) &&
	                             freerdp_settings_set_string(ps, FreeRDP_PrivateKeyFile, cfg->private_key)) &&
	          freerdp_settings_set_bool(ps, FreeRDP_RdpSecurity, FALSE) &&
	          /* With nla, TLS alone must not be selectable: a client could skip authentication. */
	          freerdp_settings_set_bool(ps, FreeRDP_TlsSecurity, cfg->security == GATE_SEC_TLS) &&
	          freerdp_settings_set_bool(ps, FreeRDP_NlaSecurity, cfg->security == GATE_SEC_NLA) &&
	          freerdp_settings_set_uint16(ps, FreeRDP_TLSMinVersion, 0x0303 /* TLS 1.2 */) &&
	          freerdp_settings_set_string(ps, FreeRDP_AllowedTlsCiphers, cfg->tls_ciphers) &&
	          freerdp_settings_set_uint32(ps, FreeRDP_ColorDepth, 32) &&
	          freerdp_settings_set_bool(ps, FreeRDP_DesktopResize, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_RefreshRect, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_SuppressOutput, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_SupportMonitorLayoutPdu, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_SupportGraphicsPipeline, cfg->gfx) &&
	          /* Kept only if the client announces it (Confirm Active): surface bits pass through. */
	          freerdp_settings_set_bool(ps, FreeRDP_RemoteFxCodec, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_NSCodec, FALSE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_UnicodeInput, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_HasHorizontalWheel, TRUE) &&
	          freerdp_settings_set_bool(ps, FreeRDP_HasExtendedMouseEvent, TRUE) &&
	          freerdp_settings_set_uint32(ps, FreeRDP_GlyphSupportLevel, GLYPH_SUPPORT_NONE);
	/* NLA: the gate answers NTLM itself (the permit database, or the lab-mode SAM table). */
	if (cfg->security == GATE_SEC_NLA)
		peer->ComputeNtlmHash = front_ntlm_hash;
	if (!ok)
		return FALSE;
	memset(ps->OrderSupport, 0, 32);
	peer->update->autoCalculateBitmapData = FALSE;

	peer->Logon = on_logon;
	peer->PostConnect = front_post_connect;
	f->license_cb = peer->LicenseCallback;
	peer->LicenseCallback = front_license;
	peer->Activate = front_activate;
	peer->input->SynchronizeEvent = on_synchronize;
	peer->input->KeyboardEvent = on_keyboard;
	peer->input->UnicodeKeyboardEvent = on_unicode;
	peer->input->MouseEvent = on_mouse;
	peer->input->ExtendedMouseEvent = on_extended_mouse;
	peer->input->FocusInEvent = on_focus_in;
	peer->input->KeyboardPauseEvent = on_keyboard_pause;
	peer->update->RefreshRect = on_refresh_rect;
	peer->update->SuppressOutput = on_suppress_output;
	return TRUE;
}

BOOL gate_front_start(gate_front *f)
{
	freerdp_peer *peer = f->peer;
	if (!configure(f) || !peer->Initialize(peer))
		return FALSE;
	/* WTSOpenServerA installed its handlers; put the guard in front of them. */
	gate_channels_attach(&f->channels);
	peer->ReceiveChannelData = front_receive_channel_data;
	peer->SendChannelData = front_send_channel_data;
	return TRUE;
}

/* ---- the peer loop's steps -------------------------------------------------------------------- */

DWORD gate_front_event_handles(gate_front *f, HANDLE *h, DWORD max)
{
	if (max < 2)
		return 0;
	DWORD n = f->peer->GetEventHandles(f->peer, h, max - 1);
	if (n == 0)
		return 0;
	h[n++] = WTSVirtualChannelManagerGetEventHandle(gate_front_vcm(f));
	return n;
}

BOOL gate_front_read(gate_front *f)
{
	freerdp_peer *peer = f->peer;
	/* TLS may hold decrypted data the socket no longer signals: drain it now. */
	BOOL alive = peer->CheckFileDescriptor(peer);
	for (int i = 0; alive && i < 64 && peer->HasMoreToRead && peer->HasMoreToRead(peer); i++)
		alive = peer->CheckFileDescriptor(peer);
	return alive;
}

BOOL gate_front_check_channels(gate_front *f)
{
	return WTSVirtualChannelManagerCheckFileDescriptor(gate_front_vcm(f));
}

/* The channel manager fails when a write to the client fails. When the client has closed its
 * connection (end of stream or reset: it left while graphics were on their way), that is a
 * client disconnect, not a gate error: the ledger's end reason tells the two apart. */
BOOL gate_front_socket_gone(gate_front *f)
{
	/* The client has closed its side (FIN or reset) even when bytes it sent just before are
	 * still unread (a TLS close_notify, a disconnect PDU): a peek would see those bytes and
	 * miss the close. POLLRDHUP says it whatever is queued. */
	struct pollfd p = { .fd = f->peer->sockfd, .events = POLLRDHUP };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Says which client it was as far as the handshake got, and names the one known
 * incompatibility. */
void gate_front_handshake_failed(gate_front *f)
{
	size_t n = 0;
	char **names = WTSGetAcceptedChannelNames(f->peer, &n);
	BOOL snddbg = FALSE;
	for (size_t i = 0; i < n; i++)
		snddbg = snddbg || !strcmp(names[i], "snddbg");
	free(names);
	char reason[160];
	if (snddbg)
		snprintf(reason, sizeof(reason),
		         "handshake rejected: the client looks like rdesktop (it asks for 'snddbg'); FreeRDP 2.11 "
		         "rejects its MCS Erect Domain Request; use mstsc, xfreerdp or Remmina");
	else /* garbage, a half handshake, a TLS or NLA failure, or a client that gave up */
		snprintf(reason, sizeof(reason), "client left or was rejected during the handshake");
	gate_link_event(f->link, GATE_EV_SESSION_REFUSED, "reason=\"%s\" client=%s", reason,
	                f->client_address);
	/* NLA asked for this account's hash and no logon followed: the proof did not match. */
	const gate_admission *a = f->admission;
	if (f->nla_user && !f->logged_on && a->refused)
		a->refused(a->ctx, "bad_password", f->nla_user, f->client_address, NULL);
	gate_link_close(f->link, reason);
}

void gate_front_refuse(gate_front *f, UINT32 error_info, const char *reason)
{
	gate_link_event(f->link, GATE_EV_SESSION_REFUSED, "reason=\"%s\"", reason);
	if (error_info) {
		freerdp_set_error_info(f->peer->context->rdp, error_info);
		freerdp_send_error_info(f->peer->context->rdp);
	}
	gate_link_close(f->link, reason);
}

/* ---- teardown --------------------------------------------------------------------------------- */

void gate_front_shutdown_socket(gate_front *f)
{
	EnterCriticalSection(&f->sock_lock);
	if (!f->closed && f->peer->sockfd >= 0)
		shutdown(f->peer->sockfd, SHUT_RDWR);
	LeaveCriticalSection(&f->sock_lock);
}

void gate_front_close(gate_front *f)
{
	freerdp_peer *peer = f->peer;
	/* gate_front_shutdown_socket must not touch the socket once it is closed. */
	EnterCriticalSection(&f->sock_lock);
	f->closed = TRUE;
	LeaveCriticalSection(&f->sock_lock);
	peer->Close(peer);
	gate_tls_release_accept_refs(peer); /* FreeRDP 2.11 tls_accept leak */
	peer->Disconnect(peer);
}

void gate_front_free_peer(gate_front *f)
{
	wipe_peer_identity(f->peer);
	freerdp_peer_context_free(f->peer);
	freerdp_peer_free(f->peer);
	f->peer = NULL;
}

void gate_front_release(gate_front *f)
{
	free(f->nla_user);
	free(f->nla_domain);
	free(f->user);
	free(f->domain);
	gate_link_free_secret(&f->password);
	gate_front_draw_free(&f->draw);
	DeleteCriticalSection(&f->sock_lock);
}
