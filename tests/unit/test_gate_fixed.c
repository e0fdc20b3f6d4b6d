/* The default (lab-mode) admission hook (gate_admission_fixed) and the policy value it hands
 * to sessions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "gate_config.h"
#include "gate_observer.h"
#include "gate_policy.h"
#include "gate_lab.h"

static const char *const offered[] = { "rdpdr", "cliprdr", "drdynvc" };

static gate_admission_request request(void)
{
	gate_admission_request r = { .user = "vendor", .domain = "", .password = "secret",
		                         .client_address = "192.0.2.7", .client_name = "PC1",
		                         .client_build = 19041, .channels = offered, .nchannels = 3 };
	return r;
}

static void no_target_means_refused_with_a_reason(void **state)
{
	(void)state;
	gate_config cfg;
	gate_config_defaults(&cfg);
	gate_admission a = gate_admission_fixed(&cfg);
	gate_admission_request r = request();
	gate_admission_decision d = { 0 };
	assert_true(a.admit(a.ctx, &r, &d));
	assert_false(d.allow);
	assert_non_null(strstr(d.reason, "no target"));
	assert_int_not_equal(d.error_info, 0);
	assert_null(d.target_host);
	gate_admission_decision_clear(&d);
	gate_config_free(&cfg);
}

static void lab_target_gets_the_view_only_policy(void **state)
{
	(void)state;
	char err[128];
	gate_config cfg;
	gate_config_defaults(&cfg);
	assert_true(gate_config_set_target(&cfg, "10.1.2.3:3390", err, sizeof(err)));
	cfg.observe_only = TRUE;
	gate_admission a = gate_admission_fixed(&cfg);
	gate_admission_request r = request();
	gate_admission_decision d = { 0 };
	assert_true(a.admit(a.ctx, &r, &d));
	assert_true(d.allow);
	assert_string_equal(d.target_host, "10.1.2.3");
	assert_int_equal(d.target_port, 3390);
	assert_null(d.user); /* the vendor's own credentials pass through */
	assert_true(d.policy.gfx);
	assert_true(d.policy.display_control);
	assert_true(d.policy.observe_only);
	assert_false(gate_policy_static_allowed(&d.policy, "cliprdr"));
	assert_false(gate_policy_static_allowed(&d.policy, "rdpdr"));
	/* No observer of its own: the worker records and reports every admitted session. */
	assert_null(d.observer.on_event);
	char text[64];
	gate_policy_describe(&d.policy, text, sizeof(text));
	assert_string_equal(text, "gfx,disp,observe-only");
	gate_admission_decision_clear(&d);
	assert_null(d.target_host);
	gate_config_free(&cfg);
}

static void policy_text_for_nothing_allowed(void **state)
{
	(void)state;
	gate_channel_policy p = { 0 };
	char text[64];
	gate_policy_describe(&p, text, sizeof(text));
	assert_string_equal(text, "none");
	assert_string_equal(gate_event_name(GATE_EV_DVC_DENIED), "dvc-denied");
	assert_string_equal(gate_event_name(GATE_EV_DEVICE_ANNOUNCED), "device-announced");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_target_means_refused_with_a_reason),
		cmocka_unit_test(lab_target_gets_the_view_only_policy),
		cmocka_unit_test(policy_text_for_nothing_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
