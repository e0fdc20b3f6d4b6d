/* The graphics pipeline bridge against the real FreeRDP 2.11 channel code: capability sets a
 * vendor or a target could use to crash the gate's senders are never forwarded,
 * and the gate's decoder is torn down safely after the codecs are gone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <freerdp/client.h>
#include <freerdp/codecs.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/gdi/gfx.h>

#include "gate_gfx.h"

/* A stand-in for the session behind the bridge's link: it only remembers a close. */
typedef struct {
	BOOL closed;
	gate_link link;
	gate_gfx g;
} fake_session;

static BOOL link_running(void *ctx) { return !((fake_session *)ctx)->closed; }
static void link_close(void *ctx, const char *reason) { (void)reason; ((fake_session *)ctx)->closed = TRUE; }
static void link_event(void *ctx, gate_event_type type, const char *detail) { (void)ctx; (void)type; (void)detail; }
static void link_decode_error(void *ctx, const char *what) { (void)ctx; (void)what; }

static fake_session *session_new(void)
{
	static const gate_channel_policy policy = { 0 };
	static const gate_observer obs = { 0 };
	fake_session *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->link = (gate_link){ .ctx = f, .sid = "s-test", .running = link_running, .close = link_close,
		                   .event = link_event, .decode_error = link_decode_error };
	assert_true(gate_gfx_init(&f->g, &f->link, NULL, &policy, &obs, NULL));
	return f;
}

static void session_free(fake_session *f)
{
	gate_gfx_release(&f->g);
	free(f);
}

/* #1: only known versions with a length of 4 to 16 bytes reach the target. */
static void client_caps_with_bad_length_are_dropped(void **state)
{
	(void)state;
	RDPGFX_CAPSET in[] = {
		{ .version = RDPGFX_CAPVERSION_10, .length = 0 },   /* FreeRDP's sender overflows */
		{ .version = RDPGFX_CAPVERSION_10, .length = 3 },
		{ .version = RDPGFX_CAPVERSION_8, .length = 4 },
		{ .version = RDPGFX_CAPVERSION_101, .length = 16 },
		{ .version = RDPGFX_CAPVERSION_10, .length = 17 },
		{ .version = 0x000F0000, .length = 4 },             /* unknown version */
		{ .version = RDPGFX_CAPVERSION_107, .length = 0xFFFFFFFF },
	};
	RDPGFX_CAPS_ADVERTISE_PDU pdu = { .capsSetCount = ARRAYSIZE(in), .capsSets = in };
	RDPGFX_CAPS_ADVERTISE_PDU *out = gate_gfx_caps_filter(&pdu);
	assert_non_null(out);
	assert_int_equal(out->capsSetCount, 2);
	assert_int_equal(out->capsSets[0].version, RDPGFX_CAPVERSION_8);
	assert_int_equal(out->capsSets[1].version, RDPGFX_CAPVERSION_101);
	free(out->capsSets);
	free(out);
}

/* #2: a CapsConfirm from the target with an impossible length closes the session and is not
 * handed to FreeRDP's server sender (which computes 8 + length in 32 bits); a valid one passes. */
static UINT confirm_sent_len;
static UINT count_confirm(RdpgfxServerContext *ctx, const RDPGFX_CAPS_CONFIRM_PDU *pdu)
{
	(void)ctx;
	confirm_sent_len = pdu->capsSet->length;
	return CHANNEL_RC_OK;
}

static void target_caps_confirm_with_bad_length_closes(void **state)
{
	(void)state;
	static const UINT32 bad[] = { 0xFFFFFFF8u, 0, 3, 8, 17 };
	for (size_t i = 0; i < ARRAYSIZE(bad) + 2; i++) {
		fake_session *s = session_new();
		RdpgfxServerContext *front = rdpgfx_server_context_new(NULL);
		assert_non_null(front);
		front->CapsConfirm = count_confirm;
		s->g.front_gfx = front;
		s->g.front_gfx_open = TRUE;
		RdpgfxClientContext back = { 0 };
		gate_gfx_back_connected(&s->g, &back);
		UINT32 len = i < ARRAYSIZE(bad) ? bad[i] : (i == ARRAYSIZE(bad) ? 4 : 16);
		RDPGFX_CAPSET cs = { .version = RDPGFX_CAPVERSION_10, .length = len };
		RDPGFX_CAPS_CONFIRM_PDU pdu = { .capsSet = &cs };
		confirm_sent_len = 0;
		back.CapsConfirm(&back, &pdu);
		if (i < ARRAYSIZE(bad)) {
			assert_true(s->closed);
			assert_int_equal(confirm_sent_len, 0);
		} else {
			assert_false(s->closed);
			assert_int_equal(confirm_sent_len, len);
		}
		rdpgfx_server_context_free(front);
		session_free(s);
	}
}

/* #3: freerdp_disconnect frees the codecs before PostDisconnect frees the decoder; surfaces the
 * decoder still holds must not reach the freed codecs (ASan reports it otherwise). */
static BOOL cnew(freerdp *i, rdpContext *c) { (void)i; (void)c; return TRUE; }
static void cfree(freerdp *i, rdpContext *c) { (void)i; (void)c; }

static void decoder_freed_after_codecs(void **state)
{
	(void)state;
	RDP_CLIENT_ENTRY_POINTS ep = { 0 };
	ep.Size = sizeof(ep);
	ep.Version = RDP_CLIENT_INTERFACE_VERSION;
	ep.ContextSize = sizeof(rdpClientContext);
	ep.ClientNew = cnew;
	ep.ClientFree = cfree;
	rdpContext *ctx = freerdp_client_context_new(&ep);
	assert_non_null(ctx);
	ctx->settings->DesktopWidth = 256;
	ctx->settings->DesktopHeight = 256;
	ctx->settings->SupportGraphicsPipeline = TRUE;
	ctx->codecs = codecs_new(ctx); /* as rdp_client_connect does */
	assert_true(gdi_init(ctx->instance, PIXEL_FORMAT_BGRA32));
	fake_session *s = session_new();
	assert_true(gate_gfx_decoder_new(&s->g, ctx));
	assert_non_null(s->g.decoder);
	RDPGFX_CREATE_SURFACE_PDU cs = { .surfaceId = 1, .width = 64, .height = 64,
		                             .pixelFormat = GFX_PIXEL_FORMAT_XRGB_8888 };
	assert_int_equal(s->g.decoder->CreateSurface(s->g.decoder, &cs), CHANNEL_RC_OK);
	/* rdp_client_disconnect frees the codecs: stand in for it with a poisoned block (what a
	 * freed one may hold), so any later read through it crashes in every build. */
	rdpCodecs saved = *ctx->codecs;
	memset(ctx->codecs, 0x41, sizeof(saved));
	gate_gfx_decoder_free(&s->g, ctx);
	assert_null(s->g.decoder);
	*ctx->codecs = saved;
	codecs_free(ctx->codecs);
	ctx->codecs = NULL;
	gdi_free(ctx->instance);
	freerdp_client_context_free(ctx);
	session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_caps_with_bad_length_are_dropped),
		cmocka_unit_test(target_caps_confirm_with_bad_length_closes),
		cmocka_unit_test(decoder_freed_after_codecs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
