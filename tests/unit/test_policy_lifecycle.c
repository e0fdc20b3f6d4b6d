/* The permit lifecycle's completeness (Arts. 5, 7, 8): an approval checks the
 * rules again as the database is at the decision, corrective orders carry a
 * due date and are closed by order-done, and a revocation names an overdue
 * order. Times are Tokyo wall-clock times. */
#include "test_policy_common.h"

#include "forms.h"
#include "permit.h"

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

static int64_t applied(tdb *t, policy_permit_application a)
{
	int64_t id = 0;
	assert_int_equal(policy_permit_apply(t->db, &a, jst_us(2025, 3, 20, 9, 0), &id), POLICY_OK);
	return id;
}

static int approve_at(tdb *t, int64_t id, int64_t now_us)
{
	return policy_permit_step_apply(t->db, id, POLICY_STEP_APPROVE, "副CISO", NULL, now_us);
}

static void raw_sql(tdb *t, const char *sql)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
}

static policy_permit_state state_of(tdb *t, int64_t id)
{
	policy_permit_state s;
	assert_int_equal(policy_permit_state_of(t->db, id, &s), POLICY_OK);
	return s;
}

static void expect_error(int status, int want, const char *text)
{
	assert_int_equal(status, want);
	assert_non_null(strstr(policy_last_error(), text));
}

/* The period of tapp() ends 2026-03-31: approvable on that day, not the day after. */
static void approval_is_refused_once_the_period_has_ended(void **state)
{
	tdb *t = *state;
	int64_t late = applied(t, tapp("Acme", "juki", 1));
	int64_t last_day = applied(t, tapp("Acme", "juki", 1));
	expect_error(approve_at(t, late, jst_us(2026, 4, 1, 0, 0)), POLICY_ERR_INVALID, "rule period-ended");
	assert_int_equal(state_of(t, late), POLICY_PERMIT_APPLIED);
	assert_int_equal(approve_at(t, last_day, jst_us(2026, 3, 31, 23, 59)), POLICY_OK);
	/* refusing a late application stays possible: only the approval needs the rules */
	assert_int_equal(policy_permit_step_apply(t->db, late, POLICY_STEP_REFUSE, "副CISO", "期間経過", jst_us(2026, 4, 2, 9, 0)),
			 POLICY_OK);
}

static void approval_rechecks_the_owner_section_and_the_class(void **state)
{
	tdb *t = *state;
	int64_t moved = applied(t, tapp("Acme", "juki", 1));
	int64_t web = applied(t, tapp("Acme", "web", 2));
	raw_sql(t, "UPDATE systems SET section_id = (SELECT id FROM sections WHERE name = '税務課') WHERE name = 'juki';"
		   "UPDATE systems SET class = 'lgwan' WHERE name = 'web'");
	expect_error(approve_at(t, moved, jst_us(2025, 3, 25, 9, 0)), POLICY_ERR_INVALID, "rule owner-section");
	expect_error(approve_at(t, web, jst_us(2025, 3, 25, 9, 0)), POLICY_ERR_INVALID, "rule class-table");
	assert_int_equal(state_of(t, moved), POLICY_PERMIT_APPLIED);
	assert_int_equal(state_of(t, web), POLICY_PERMIT_APPLIED);
}

static void approval_rechecks_the_prime_of_a_vendor_that_became_a_subcontractor(void **state)
{
	tdb *t = *state;
	int64_t id = applied(t, tapp("Other", "juki", 1));
	raw_sql(t, "UPDATE vendors SET prime_id = (SELECT id FROM vendors WHERE name = 'Acme') WHERE name = 'Other'");
	expect_error(approve_at(t, id, jst_us(2025, 3, 25, 9, 0)), POLICY_ERR_INVALID, "rule subcontractor-prime");
}

static void an_order_needs_measures_and_a_due_date_from_its_own_day(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	int64_t may1 = jst_us(2025, 5, 1, 9, 0);
	expect_error(policy_permit_order(t->db, id, "副CISO", "是正", NULL, false, may1, NULL), POLICY_ERR_INVALID, "due date");
	expect_error(policy_permit_order(t->db, id, "副CISO", "是正", "2025-02-30", false, may1, NULL), POLICY_ERR_INVALID,
		     "not a date");
	expect_error(policy_permit_order(t->db, id, "副CISO", "", "2025-05-31", false, may1, NULL), POLICY_ERR_INVALID,
		     "measures");
	expect_error(policy_permit_order(t->db, id, "副CISO", "是正", "2025-04-30", false, may1, NULL), POLICY_ERR_INVALID,
		     "rule order-due");
	assert_int_equal(state_of(t, id), POLICY_PERMIT_APPROVED);
	int64_t order_id = 0;
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正", "2025-05-01", false, may1, &order_id), POLICY_OK);
	assert_true(order_id > 0);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_ORDERED);
	/* the order step itself goes only through policy_permit_order */
	expect_error(policy_permit_step_apply(t->db, id, POLICY_STEP_ORDER, "副CISO", "是正", may1), POLICY_ERR_INVALID,
		     "due date");
}

static void order_done_returns_an_ordered_permit_to_approved(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	int64_t may1 = jst_us(2025, 5, 1, 9, 0);
	int closed = -1;
	expect_error(policy_permit_order_done(t->db, id, "副CISO", "対応済み", may1, &closed), POLICY_ERR_STATE,
		     "no open corrective order");
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正1", "2025-05-31", false, may1, NULL), POLICY_OK);
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正2", "2025-06-30", false, may1, NULL), POLICY_OK);
	expect_error(policy_permit_order_done(t->db, id, "副CISO", "", may1, &closed), POLICY_ERR_INVALID, "--reason");
	assert_int_equal(policy_permit_order_done(t->db, id, "副CISO", "報告書受領", jst_us(2025, 5, 20, 9, 0), &closed),
			 POLICY_OK);
	assert_int_equal(closed, 2);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_APPROVED);
	expect_error(policy_permit_order_done(t->db, id, "副CISO", "再度", may1, &closed), POLICY_ERR_STATE,
		     "no open corrective order");
}

static void an_order_on_a_suspended_permit_keeps_it_suspended_until_resumed(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	int64_t may1 = jst_us(2025, 5, 1, 9, 0);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_SUSPEND, "副CISO", "調査", may1), POLICY_OK);
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正", "2025-05-31", false, may1, NULL), POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_SUSPENDED);
	assert_int_equal(policy_permit_order_done(t->db, id, "副CISO", "対応済み", may1, NULL), POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_SUSPENDED);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_RESUME, "副CISO", "再開", may1), POLICY_OK);
	assert_int_equal(state_of(t, id), POLICY_PERMIT_APPROVED);
}

static void an_order_is_overdue_only_after_its_due_day(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	int64_t order_id = 0, found_id = 0;
	char due[11] = "";
	bool found = true;
	assert_int_equal(policy_permit_order(t->db, id, "副CISO", "是正", "2025-05-31", false, jst_us(2025, 5, 1, 9, 0),
					     &order_id),
			 POLICY_OK);
	assert_int_equal(policy_permit_overdue_order(t->db, id, jst_us(2025, 5, 31, 23, 59), &found, &found_id, due),
			 POLICY_OK);
	assert_false(found);
	assert_int_equal(policy_permit_overdue_order(t->db, id, jst_us(2025, 6, 1, 0, 0), &found, &found_id, due), POLICY_OK);
	assert_true(found);
	assert_int_equal(found_id, order_id);
	assert_string_equal(due, "2025-05-31");
}

static bool history_has(tdb *t, int64_t id, const char *action, const char *text)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	bool hit = false;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT reason FROM permit_history WHERE permit_id = ? AND action = ?", -1,
					    &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		hit |= strstr((const char *)sqlite3_column_text(st, 0), text) != NULL;
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return hit;
}

static void a_revocation_names_the_overdue_order_it_rests_on(void **state)
{
	tdb *t = *state;
	int64_t overdue = tpermit(t, tapp("Acme", "juki", 1));
	int64_t on_time = tpermit(t, tapp("Acme", "juki", 1));
	int64_t may1 = jst_us(2025, 5, 1, 9, 0);
	assert_int_equal(policy_permit_order(t->db, overdue, "副CISO", "是正", "2025-05-10", false, may1, NULL), POLICY_OK);
	assert_int_equal(policy_permit_order(t->db, on_time, "副CISO", "是正", "2025-06-30", false, may1, NULL), POLICY_OK);
	int64_t june = jst_us(2025, 6, 1, 9, 0);
	assert_int_equal(policy_permit_step_apply(t->db, overdue, POLICY_STEP_REVOKE, "副CISO", "命令不履行", june), POLICY_OK);
	assert_int_equal(policy_permit_step_apply(t->db, on_time, POLICY_STEP_REVOKE, "副CISO", "契約解除", june), POLICY_OK);
	assert_true(history_has(t, overdue, "revoke", "命令不履行 (corrective order"));
	assert_true(history_has(t, overdue, "revoke", "due 2025-05-10, was not carried out"));
	assert_true(history_has(t, on_time, "revoke", "契約解除"));
	assert_false(history_has(t, on_time, "revoke", "corrective order"));
	/* a revoked permit has no order to close any more */
	expect_error(policy_permit_order_done(t->db, overdue, "副CISO", "遅延対応", june, NULL), POLICY_ERR_STATE, "revoked");
}

static char *render_end_report(tdb *t, int64_t id, int *status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	*status = policy_form_end_report(t->db, id, out);
	fclose(out);
	return buf;
}

static void the_end_of_use_report_follows_the_end(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	int status = 0;
	char *doc = render_end_report(t, id, &status);
	assert_int_equal(status, POLICY_ERR_STATE);
	assert_non_null(strstr(policy_last_error(), "has not ended"));
	free(doc);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_END, "山田", "保守契約の終了", jst_us(2025, 9, 30, 17, 0)),
			 POLICY_OK);
	doc = render_end_report(t, id, &status);
	assert_int_equal(status, POLICY_OK);
	assert_non_null(strstr(doc, POLICY_END_REPORT_TITLE));
	assert_non_null(strstr(doc, "令和7年9月30日"));
	assert_non_null(strstr(doc, "保守契約の終了"));
	assert_non_null(strstr(doc, "企画財政部DX推進室情報システム課 様"));
	assert_non_null(strstr(doc, "山田 太郎")); /* the section's officer reports */
	assert_non_null(strstr(doc, "利用なし"));
	assert_null(strstr(doc, "<script"));
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(approval_is_refused_once_the_period_has_ended, setup, teardown),
		cmocka_unit_test_setup_teardown(approval_rechecks_the_owner_section_and_the_class, setup, teardown),
		cmocka_unit_test_setup_teardown(approval_rechecks_the_prime_of_a_vendor_that_became_a_subcontractor, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_order_needs_measures_and_a_due_date_from_its_own_day, setup, teardown),
		cmocka_unit_test_setup_teardown(order_done_returns_an_ordered_permit_to_approved, setup, teardown),
		cmocka_unit_test_setup_teardown(an_order_on_a_suspended_permit_keeps_it_suspended_until_resumed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_order_is_overdue_only_after_its_due_day, setup, teardown),
		cmocka_unit_test_setup_teardown(a_revocation_names_the_overdue_order_it_rests_on, setup, teardown),
		cmocka_unit_test_setup_teardown(the_end_of_use_report_follows_the_end, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
