/* The back's certificate check against the real FreeRDP 2.11 client context: only the
 * permitted target host and port are accepted, and a server redirection is never followed,
 * even with target_cert = ignore. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <freerdp/freerdp.h>
#include <freerdp/peer.h>

#include "gate_config.h"
#include "gate_back.h"

static BOOL link_running(void *ctx) { (void)ctx; return TRUE; }
static void link_close(void *ctx, const char *reason) { (void)ctx; (void)reason; }
static void link_event(void *ctx, gate_event_type type, const char *detail) { (void)ctx; (void)type; (void)detail; }
static void link_decode_error(void *ctx, const char *what) { (void)ctx; (void)what; }

static void redirection_and_other_hosts_are_refused(void **state)
{
	(void)state;
	gate_config cfg;
	gate_config_defaults(&cfg);
	cfg.target_cert_ignore = TRUE;
	freerdp_peer peer = { 0 };
	peer.settings = freerdp_settings_new(FREERDP_SETTINGS_SERVER_MODE);
	assert_non_null(peer.settings);
	const gate_link link = { .sid = "s-test", .running = link_running, .close = link_close,
		                     .event = link_event, .decode_error = link_decode_error };
	gate_front front = { .peer = &peer };
	gate_channel_policy policy = gate_policy_default();
	gate_observer obs = { 0 };
	gate_back_target target = { .host = strdup("192.0.2.10"), .port = 3389, .user = strdup("op"),
		                        .domain = strdup("") };
	const gate_back_hooks hooks = { 0 };
	gate_back b;
	assert_true(gate_back_init(&b, &cfg, &link, &front, NULL, &policy, &target, &obs, NULL, &hooks));
	assert_true(gate_back_create(&b));
	freerdp *in = b.context->instance;
	static const BYTE pem[] = "not parsed with target_cert = ignore";
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.10", 3389, 0), 2);
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.66", 3389, 0), 0);
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.10", 3390, 0), 0);
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.10", 3389,
	                                           VERIFY_CERT_FLAG_REDIRECT | VERIFY_CERT_FLAG_LEGACY),
	                 0);
	gate_back_free(&b);
	gate_back_release(&b);
	free(target.host);
	free(target.user);
	free(target.domain);
	freerdp_settings_free(peer.settings);
	gate_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(redirection_and_other_hosts_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
