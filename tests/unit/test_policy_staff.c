/* Console staff (staff.h): roles and sections, password rules, the same answer for every
 * kind of refusal, lock-out after five failures, and a ledger row for each logon and change. */
#include "test_policy_common.h"

#include "staff.h"

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

static int count_events(tdb *t, const char *type, const char *login)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM events WHERE type = ? AND (login = ? OR actor = ?)", -1,
					    &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, login, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

#define PW "correct-horse-battery"

static void roles_and_sections_follow_the_rules(void **state)
{
	tdb *t = *state;
	int64_t now = jst_us(2025, 6, 2, 9, 0);
	assert_int_equal(policy_staff_add(t->db, "yamada", "山田 太郎", POLICY_ROLE_APPLICANT, NULL, PW, "setup", now),
			 POLICY_ERR_INVALID);
	assert_int_equal(policy_staff_add(t->db, "deputy", NULL, POLICY_ROLE_APPROVER, "情報政策課", PW, "setup", now),
			 POLICY_ERR_INVALID);
	assert_int_equal(policy_staff_add(t->db, "yamada", "山田 太郎", POLICY_ROLE_APPLICANT, "無い課", PW, "setup", now),
			 POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_staff_add(t->db, "yamada", "山田 太郎", POLICY_ROLE_APPLICANT, "情報政策課", PW, "setup", now),
			 POLICY_OK);
	assert_int_equal(policy_staff_add(t->db, "YAMADA", NULL, POLICY_ROLE_AUDITOR, NULL, PW, "setup", now), POLICY_ERR_EXISTS);
	assert_int_equal(policy_staff_add(t->db, "bad login", NULL, POLICY_ROLE_AUDITOR, NULL, PW, "setup", now),
			 POLICY_ERR_INVALID);
	assert_int_equal(policy_staff_add(t->db, "short", NULL, POLICY_ROLE_AUDITOR, NULL, "eleven-char", "setup", now),
			 POLICY_ERR_INVALID);
	assert_int_equal(policy_staff_add(t->db, "twelve", NULL, POLICY_ROLE_AUDITOR, NULL, "twelve-chars", "setup", now),
			 POLICY_OK);
	assert_int_equal(count_events(t, "staff_added", "setup"), 2);
	bool ok = false;
	policy_staff who;
	assert_int_equal(policy_staff_check_password(t->db, "Yamada", PW, "192.0.2.1", now, &ok, &who), POLICY_OK);
	assert_true(ok);
	assert_string_equal(who.login, "yamada");
	assert_int_equal(who.role, POLICY_ROLE_APPLICANT);
	assert_string_equal(who.section, "情報政策課");
	assert_string_equal(who.display_name, "山田 太郎");
	assert_int_equal(count_events(t, "staff_logon", "yamada"), 1);
}

static void unknown_disabled_and_wrong_look_the_same_and_are_recorded(void **state)
{
	tdb *t = *state;
	int64_t now = jst_us(2025, 6, 2, 9, 0);
	assert_int_equal(policy_staff_add(t->db, "deputy", NULL, POLICY_ROLE_APPROVER, NULL, PW, "setup", now), POLICY_OK);
	bool ok = true;
	policy_staff who;
	assert_int_equal(policy_staff_check_password(t->db, "nobody", PW, "192.0.2.1", now, &ok, &who), POLICY_OK);
	assert_false(ok);
	assert_int_equal(policy_staff_check_password(t->db, "deputy", "wrong-password", "192.0.2.1", now, &ok, &who), POLICY_OK);
	assert_false(ok);
	assert_int_equal(policy_staff_set_disabled(t->db, "deputy", true, "admin", now), POLICY_OK);
	assert_int_equal(policy_staff_check_password(t->db, "deputy", PW, "192.0.2.1", now, &ok, &who), POLICY_OK);
	assert_false(ok);
	assert_int_equal(count_events(t, "staff_logon_failed", "nobody"), 1);
	assert_int_equal(count_events(t, "staff_logon_failed", "deputy"), 2);
	assert_int_equal(count_events(t, "staff_changed", "admin"), 1);
	/* enabled again, the right password works; a disabled member is not found by id */
	int64_t id = 0;
	assert_int_equal(policy_staff_set_disabled(t->db, "deputy", false, "admin", now), POLICY_OK);
	assert_int_equal(policy_staff_check_password(t->db, "deputy", PW, "192.0.2.1", now, &ok, &who), POLICY_OK);
	assert_true(ok);
	id = who.id;
	assert_int_equal(policy_staff_set_disabled(t->db, "deputy", true, "admin", now), POLICY_OK);
	assert_int_equal(policy_staff_get(t->db, id, &who), POLICY_ERR_NOT_FOUND);
}

static void five_failures_lock_the_login_for_the_window(void **state)
{
	tdb *t = *state;
	int64_t now = jst_us(2025, 6, 2, 9, 0), minute = 60LL * 1000000;
	assert_int_equal(policy_staff_add(t->db, "auditor", NULL, POLICY_ROLE_AUDITOR, NULL, PW, "setup", now), POLICY_OK);
	bool ok = true;
	policy_staff who;
	for (int i = 0; i < 5; i++)
		assert_int_equal(policy_staff_check_password(t->db, "auditor", "wrong-password", "192.0.2.9", now + i * minute,
							     &ok, &who),
				 POLICY_OK);
	assert_int_equal(count_events(t, "staff_locked", "auditor"), 1);
	/* locked: the right password is refused, from any address, until the first failure is 15 min old */
	assert_int_equal(policy_staff_check_password(t->db, "auditor", PW, "198.51.100.7", now + 10 * minute, &ok, &who),
			 POLICY_OK);
	assert_false(ok);
	assert_int_equal(policy_staff_check_password(t->db, "auditor", PW, "198.51.100.7", now + 19 * minute + 1, &ok, &who),
			 POLICY_OK);
	assert_true(ok);
}

static void a_password_change_needs_the_current_one(void **state)
{
	tdb *t = *state;
	int64_t now = jst_us(2025, 6, 2, 9, 0);
	assert_int_equal(policy_staff_add(t->db, "admin", NULL, POLICY_ROLE_ADMIN, NULL, PW, "setup", now), POLICY_OK);
	assert_int_equal(policy_staff_set_password(t->db, "admin", "not-the-password", "new-password-long", "admin", now),
			 POLICY_ERR_INVALID);
	assert_int_equal(policy_staff_set_password(t->db, "admin", PW, "too-short", "admin", now), POLICY_ERR_INVALID);
	assert_int_equal(policy_staff_set_password(t->db, "admin", PW, "new-password-long", "admin", now), POLICY_OK);
	bool ok = false;
	policy_staff who;
	assert_int_equal(policy_staff_check_password(t->db, "admin", PW, "192.0.2.1", now, &ok, &who), POLICY_OK);
	assert_false(ok);
	assert_int_equal(policy_staff_check_password(t->db, "admin", "new-password-long", "192.0.2.1", now, &ok, &who),
			 POLICY_OK);
	assert_true(ok);
	assert_int_equal(count_events(t, "staff_changed", "admin"), 1);
	assert_int_equal(policy_staff_record_action(t->db, "admin", "console logout", now), POLICY_OK);
	assert_int_equal(count_events(t, "staff_action", "admin"), 1);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(t->db, &v), POLICY_OK);
	assert_true(v.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(roles_and_sections_follow_the_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_disabled_and_wrong_look_the_same_and_are_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(five_failures_lock_the_login_for_the_window, setup, teardown),
		cmocka_unit_test_setup_teardown(a_password_change_needs_the_current_one, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
