/* The console's background ledger checks (web/web_ledger_check.h): the first full check
 * before any page, the head moved forward by checks of the new rows, a broken chain found and
 * kept until a full check passes. */
#include "test_policy_common.h"

#include "web_ledger_check.h"

#include <sqlite3.h>
#include <stdio.h>

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

static void session(tdb *t, int64_t at_us)
{
	policy_session_start s = { .login = "acme1", .source = "203.0.113.9", .client_name = "WS" };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(t->db, at_us, &s, &id), POLICY_OK);
}

static void checks_move_the_head_and_keep_a_break(void **state)
{
	tdb *t = *state;
	int64_t t0 = jst_us(2025, 6, 2, 10, 0);
	session(t, t0);
	session(t, t0 + 1000);
	char err[300];
	web_ledger_check *c = web_ledger_check_start(t->path, err, sizeof err);
	assert_non_null(c);
	web_ledger_status st;
	web_ledger_check_result(c, &st);
	assert_false(st.broken);
	int64_t seq0 = st.last.head_seq; /* the seed's administrative rows and the two sessions */
	assert_true(st.full_us > 0);
	int64_t first_full = st.full_us;

	session(t, t0 + 2000); /* appended after the start: the next check of new rows reaches it */
	web_ledger_check_run(c, false);
	web_ledger_check_result(c, &st);
	assert_false(st.broken);
	assert_int_equal(st.last.head_seq, seq0 + 1);
	assert_int_equal(st.last.rows, 1);
	assert_int_equal(st.full_us, first_full); /* not a full check */

	/* an edit of the newest row is found by the next check of new rows... */
	session(t, t0 + 3000);
	tdb_raw_exec(t->path, "DROP TRIGGER sessions_append_only_u; UPDATE sessions SET login = 'x' WHERE id = 4");
	web_ledger_check_run(c, false);
	web_ledger_check_result(c, &st);
	assert_true(st.broken);
	assert_non_null(strstr(st.last.problem, "edited"));
	/* ...and stays reported: the next check is a full one, which finds it again */
	web_ledger_check_run(c, false);
	web_ledger_check_result(c, &st);
	assert_true(st.broken);
	assert_true(st.full_us >= first_full);
	web_ledger_check_stop(c);
}

static void an_old_row_edited_behind_the_head_is_found_by_the_full_check(void **state)
{
	tdb *t = *state;
	int64_t t0 = jst_us(2025, 6, 2, 10, 0);
	session(t, t0);
	session(t, t0 + 1000);
	char err[300];
	web_ledger_check *c = web_ledger_check_start(t->path, err, sizeof err);
	assert_non_null(c);
	/* the edit of someone who puts the guard trigger back afterwards */
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT sql FROM sqlite_master WHERE name = 'sessions_append_only_u'", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	char trigger[1024];
	snprintf(trigger, sizeof trigger, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(raw);
	tdb_raw_exec(t->path, "DROP TRIGGER sessions_append_only_u; UPDATE sessions SET source = '198.51.100.1' WHERE id = 1");
	tdb_raw_exec(t->path, trigger);
	web_ledger_status st;
	web_ledger_check_run(c, false); /* nothing new: the minute's check cannot see it */
	web_ledger_check_result(c, &st);
	assert_false(st.broken);
	web_ledger_check_run(c, true); /* the hourly full check does */
	web_ledger_check_result(c, &st);
	assert_true(st.broken);
	web_ledger_check_stop(c);
}

static void a_missing_database_is_a_clear_error(void **state)
{
	(void)state;
	char err[300];
	assert_null(web_ledger_check_start("/nonexistent/rmgate.db", err, sizeof err));
	assert_true(err[0] != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(checks_move_the_head_and_keep_a_break, setup, teardown),
		cmocka_unit_test_setup_teardown(an_old_row_edited_behind_the_head_is_found_by_the_full_check, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_database_is_a_clear_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
