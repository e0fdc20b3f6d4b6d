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
#include "gate_session.h"

static void redirection_and_other_hosts_are_refused(void **state)
{
	(void)state;
	gate_config cfg;
	gate_config_defaults(&cfg);
	cfg.target_cert_ignore = TRUE;
	freerdp_peer peer = { 0 };
	peer.settings = freerdp_settings_new(FREERDP_SETTINGS_SERVER_MODE);
	assert_non_null(peer.settings);
	gate_session *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	strcpy(s->sid, "s-test");
	s->cfg = &cfg;
	s->front.peer = &peer;
	s->target_host = strdup("192.0.2.10");
	s->target_port = 3389;
	s->user = strdup("op");
	s->domain = strdup("");
	assert_true(gate_back_create(s));
	freerdp *in = s->back->instance;
	static const BYTE pem[] = "not parsed with target_cert = ignore";
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.10", 3389, 0), 2);
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.66", 3389, 0), 0);
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.10", 3390, 0), 0);
	assert_int_equal(in->VerifyX509Certificate(in, pem, sizeof(pem), "192.0.2.10", 3389,
	                                           VERIFY_CERT_FLAG_REDIRECT | VERIFY_CERT_FLAG_LEGACY),
	                 0);
	gate_back_free(s);
	free(s->target_host);
	free(s->user);
	free(s->domain);
	free(s);
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
