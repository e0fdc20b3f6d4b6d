/* Monthly report submissions (submissions.h): only for a month that is over, the first one
 * counts for the due date, late when after it or still missing after it. */
#include "test_policy_common.h"

#include "submissions.h"

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

/* May 2025's report is due 2025-06-05 (a Thursday). */
static void a_submission_is_on_time_until_the_due_day(void **state)
{
	tdb *t = *state;
	policy_submission s;
	assert_int_equal(policy_report_mark_submitted(t->db, 2025, 5, "情報政策課", "山田", jst_us(2025, 5, 31, 23, 0)),
			 POLICY_ERR_INVALID); /* May is not over */
	assert_int_equal(policy_report_submission(t->db, 2025, 5, "情報政策課", jst_us(2025, 6, 5, 23, 59), &s), POLICY_OK);
	assert_false(s.submitted);
	assert_false(s.late);
	assert_string_equal(s.due, "2025-06-05");
	assert_int_equal(policy_report_submission(t->db, 2025, 5, "情報政策課", jst_us(2025, 6, 6, 0, 0), &s), POLICY_OK);
	assert_true(s.late);
	assert_int_equal(policy_report_mark_submitted(t->db, 2025, 5, "情報政策課", "山田", jst_us(2025, 6, 5, 17, 0)),
			 POLICY_OK);
	assert_int_equal(policy_report_mark_submitted(t->db, 2025, 5, "情報政策課", "佐藤", jst_us(2025, 6, 9, 9, 0)),
			 POLICY_OK); /* a resubmission: the first one counts */
	assert_int_equal(policy_report_submission(t->db, 2025, 5, "情報政策課", jst_us(2025, 7, 1, 0, 0), &s), POLICY_OK);
	assert_true(s.submitted);
	assert_false(s.late);
	assert_string_equal(s.by, "山田");
	assert_int_equal(policy_report_submission(t->db, 2025, 5, "税務課", jst_us(2025, 7, 1, 0, 0), &s), POLICY_OK);
	assert_false(s.submitted);
	assert_true(s.late);
	assert_int_equal(policy_report_mark_submitted(t->db, 2025, 5, "無い課", "山田", jst_us(2025, 6, 5, 17, 0)),
			 POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_report_mark_submitted(t->db, 2025, 13, "情報政策課", "山田", jst_us(2026, 6, 5, 17, 0)),
			 POLICY_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_submission_is_on_time_until_the_due_day, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
