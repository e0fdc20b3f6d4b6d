/* The dashboard's figures (policy/dashboard.h): which sessions are running now. A start row
 * without an end counts only when it is young enough to be running under the systems'
 * max_duration_s (a bound that keeps the query off the whole ledger); with a system without
 * a maximum every such row counts. */
#include "test_policy_common.h"

#include "dashboard.h"

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

static int64_t start_session(tdb *t, int64_t permit, int64_t at_us)
{
	policy_session_start s = { .permit_id = permit, .account_id = 1, .vendor_id = 1, .system_id = 3,
				   .login = "acme1", .source = "203.0.113.9", .client_name = "WS-01" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(t->db, at_us, &s, &id), POLICY_OK);
	return id;
}

static void running_sessions_are_the_young_open_ones(void **state)
{
	tdb *t = *state;
	int64_t permit = tpermit(t, tapp("Acme", "web", 2));
	int64_t now = jst_us(2025, 6, 10, 12, 0), hour = 3600LL * 1000000;
	int64_t live = start_session(t, permit, now - 2 * hour);
	int64_t crashed = start_session(t, permit, now - 72 * hour); /* the gate stopped without ending it */
	int64_t ended = start_session(t, permit, now - hour);
	policy_session_end e = { .end_us = now - hour / 2, .reason = POLICY_END_CLIENT_DISCONNECT };
	assert_int_equal(policy_ledger_session_end(t->db, ended, &e), POLICY_OK);

	policy_dashboard d;
	assert_int_equal(policy_dashboard_load(t->db, now, 0, false, &d), POLICY_OK);
	assert_int_equal(d.live_total, 1);
	assert_int_equal(d.n_live, 1);
	assert_int_equal(d.live[0].session_id, live);
	assert_int_equal(d.sessions_today, 2); /* both of today's starts, ended or not */

	/* one system without a maximum: every open start row may still be running */
	tdb_raw_exec(t->path, "UPDATE systems SET max_duration_s = 0 WHERE name = 'juki'");
	assert_int_equal(policy_dashboard_load(t->db, now, 0, false, &d), POLICY_OK);
	assert_int_equal(d.live_total, 2);
	assert_int_equal(d.live[0].session_id, live); /* the latest start first */
	assert_int_equal(d.live[1].session_id, crashed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(running_sessions_are_the_young_open_ones, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
