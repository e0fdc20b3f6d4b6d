/* The console's reading of the registry and the refusals (policy/admin_view.h,
 * policy/refusal_view.h) and the unlock of a vendor account (account.h):
 * - a month's refusals filtered by section (the attributed sections, else the requested
 *   system's) and vendor, the summary of a flood counted as the attempts it stands for, pages
 *   of POLICY_VIEW_PAGE in ledger order, the count alone, the same rows as `refusal list`;
 * - the lists of sections, vendors (with prime), systems (every column the page shows),
 *   accounts (disabled, NLA, locked) and staff;
 * - unlock: the failures before it no longer count, later ones do; a ledger row naming who;
 *   `account unlock` on the command line. */
#include "test_policy_common.h"
#include "admin_view.h"
#include "refusal_view.h"
#include "staff.h"

static char out[1 << 16], err[4096];

static int cli(tdb *t, ...)
{
	char *argv[64] = { "rmgate-policy", "-d", t->path };
	int argc = 3;
	va_list ap;
	va_start(ap, t);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;)
		argv[argc++] = (char *)a;
	va_end(ap);
	return run_policy_cli(t->dir, argc, argv, NULL, out, sizeof out, err, sizeof err);
}

static void refused(tdb *t, int64_t at, policy_deny_reason r, const char *login, const char *source, const char *system)
{
	assert_int_equal(policy_ledger_refused(t->db, at, r, login, source, system, "unit test"), POLICY_OK);
}

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	policy_set_refusal_burst(t->db, 1); /* a source's second refusal in a minute is only counted */
	tpermit(t, tapp("Acme", "web", 2)); /* 情報政策課 */
	policy_system_spec sys = { .name = "tax", .cls = POLICY_CLASS_MYNUMBER, .host = "10.4.0.5", .port = 3389,
				   .section = "税務課", .networks = T1_NETWORKS, .n_networks = 6 };
	assert_int_equal(policy_system_add(t->db, &sys, NULL), POLICY_OK);
	policy_permit_application a = tapp("Acme", "tax", 1);
	a.section = "税務課";
	tpermit(t, a);
	assert_int_equal(policy_account_add(t->db, "Other", "other1", "correct horse", NULL), POLICY_OK);
	/* June 2025: both Acme permits; tax only; an unknown login; a flood of one source (one row
	 * and a summary of one); another vendor without permits */
	refused(t, jst_us(2025, 6, 5, 9, 0), POLICY_DENY_SOURCE_NOT_ALLOWED, "acme1", "198.51.100.1", NULL);
	refused(t, jst_us(2025, 6, 6, 9, 0), POLICY_DENY_OUTSIDE_WINDOW, "acme1", "198.51.100.2", "tax");
	refused(t, jst_us(2025, 6, 7, 9, 0), POLICY_DENY_UNKNOWN_ACCOUNT, "ghost", "198.51.100.3", NULL);
	refused(t, jst_us(2025, 6, 8, 10, 0), POLICY_DENY_UNKNOWN_ACCOUNT, "ghost2", "192.0.2.9", NULL);
	refused(t, jst_us(2025, 6, 8, 10, 0) + 1000000, POLICY_DENY_UNKNOWN_ACCOUNT, "ghost3", "192.0.2.9", NULL);
	assert_int_equal(policy_ledger_flush_refusals(t->db, jst_us(2025, 6, 8, 11, 0), true), POLICY_OK);
	refused(t, jst_us(2025, 6, 9, 9, 0), POLICY_DENY_NO_PERMIT, "other1", "203.0.113.78", NULL);
	refused(t, jst_us(2025, 7, 1, 9, 0), POLICY_DENY_NO_PERMIT, "acme1", "203.0.113.9", "web"); /* July */
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

static int list(tdb *t, int y, int m, const char *section, const char *vendor, int page, policy_refusal_row *rows,
		int *n, int64_t *attempts)
{
	policy_refusal_filter f = { .year = y, .month = m, .section = section, .vendor = vendor, .page = page };
	int total = -1;
	assert_int_equal(policy_refusal_list_page(((tdb *)t)->db, &f, rows, n, &total, attempts), POLICY_OK);
	return total;
}

static void refusals_of_a_month_by_section_and_vendor(void **state)
{
	tdb *t = *state;
	policy_refusal_row rows[POLICY_VIEW_PAGE];
	int n = 0;
	int64_t attempts = 0;
	/* June: five single rows and one summary (of one suppressed attempt) */
	assert_int_equal(list(t, 2025, 6, NULL, NULL, 0, rows, &n, &attempts), 6);
	assert_int_equal(n, 6);
	assert_int_equal(attempts, 6);
	assert_string_equal(rows[0].login, "acme1");
	assert_string_equal(rows[0].vendor, "Acme");
	assert_string_equal(rows[0].reason, "source_not_allowed");
	assert_string_equal(rows[0].source, "198.51.100.1");
	assert_string_equal(rows[0].section, "情報政策課,税務課"); /* both permits' sections */
	assert_int_equal(rows[0].at_us, jst_us(2025, 6, 5, 9, 0));
	assert_false(rows[0].summary);
	assert_string_equal(rows[1].system, "tax");
	assert_string_equal(rows[1].section, "税務課");
	assert_string_equal(rows[2].account, ""); /* ghost: no such account */
	bool summary = false;
	for (int i = 0; i < n; i++)
		if (rows[i].summary) {
			summary = true;
			assert_int_equal(rows[i].count, 1);
			assert_string_equal(rows[i].source, "192.0.2.9");
			assert_string_equal(rows[i].login, "");
		}
	assert_true(summary);
	/* a section: the refusals attributed to it only */
	assert_int_equal(list(t, 2025, 6, "税務課", NULL, 0, rows, &n, NULL), 2);
	assert_int_equal(list(t, 2025, 6, "情報政策課", NULL, 0, rows, &n, NULL), 1);
	assert_int_equal(rows[0].at_us, jst_us(2025, 6, 5, 9, 0));
	/* a vendor */
	assert_int_equal(list(t, 2025, 6, NULL, "Acme", 0, rows, &n, NULL), 2);
	assert_int_equal(list(t, 2025, 6, NULL, "Other", 0, rows, &n, NULL), 1);
	assert_string_equal(rows[0].login, "other1");
	assert_int_equal(list(t, 2025, 6, "情報政策課", "Other", 0, rows, &n, NULL), 0);
	assert_int_equal(n, 0);
	/* July: the system named gives the section */
	assert_int_equal(list(t, 2025, 7, "情報政策課", NULL, 0, rows, &n, NULL), 1);
	assert_string_equal(rows[0].system, "web");
	/* attributed to no permit (an unknown login): the section of the system it asked for */
	refused(t, jst_us(2025, 9, 1, 9, 0), POLICY_DENY_UNKNOWN_ACCOUNT, "ghost", "198.51.100.9", "tax");
	assert_int_equal(list(t, 2025, 9, "税務課", NULL, 0, rows, &n, NULL), 1);
	assert_string_equal(rows[0].section, "税務課");
	assert_string_equal(rows[0].permits, "");
	assert_int_equal(list(t, 2025, 9, "情報政策課", NULL, 0, rows, &n, NULL), 0);
	assert_int_equal(list(t, 2025, 9, NULL, "Acme", 0, rows, &n, NULL), 0);
	/* the count alone */
	assert_int_equal(list(t, 2025, 6, NULL, NULL, 0, NULL, &n, &attempts), 6);
	assert_int_equal(n, 0);
	/* a month out of range */
	policy_refusal_filter bad = { .year = 2025, .month = 13 };
	int total = 0;
	assert_int_equal(policy_refusal_list_page(t->db, &bad, rows, &n, &total, NULL), POLICY_ERR_INVALID);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void the_console_and_refusal_list_show_the_same_rows(void **state)
{
	tdb *t = *state;
	int n = 0;
	assert_int_equal(cli(t, "refusal", "list", "--month", "2025-06", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\""), list(t, 2025, 6, NULL, NULL, 0, NULL, &n, NULL));
	assert_int_equal(cli(t, "refusal", "list", "--month", "2025-06", "--section", "税務課", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\""), list(t, 2025, 6, "税務課", NULL, 0, NULL, &n, NULL));
	assert_int_equal(cli(t, "refusal", "list", "--month", "2025-06", "--vendor", "Acme", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\""), 2);
}

static void refusals_come_in_pages_in_ledger_order(void **state)
{
	tdb *t = *state;
	policy_set_refusal_burst(t->db, 1000);
	for (int i = 0; i < 150; i++)
		refused(t, jst_us(2025, 8, 1, 9, 0) + i * 1000000LL, POLICY_DENY_UNKNOWN_ACCOUNT, "nobody", "192.0.2.50", NULL);
	policy_refusal_row *rows = calloc(POLICY_VIEW_PAGE, sizeof *rows);
	assert_non_null(rows);
	int n = 0;
	int64_t attempts = 0;
	assert_int_equal(list(t, 2025, 8, NULL, NULL, 0, rows, &n, &attempts), 150);
	assert_int_equal(n, POLICY_VIEW_PAGE);
	assert_int_equal(attempts, 150);
	assert_int_equal(rows[0].at_us, jst_us(2025, 8, 1, 9, 0));
	assert_int_equal(list(t, 2025, 8, NULL, NULL, 1, rows, &n, NULL), 150);
	assert_int_equal(n, 50);
	assert_int_equal(rows[0].at_us, jst_us(2025, 8, 1, 9, 0) + 100 * 1000000LL);
	assert_int_equal(list(t, 2025, 8, NULL, NULL, 2, rows, &n, NULL), 150);
	assert_int_equal(n, 0);
	free(rows);
}

static void the_registry_as_the_pages_list_it(void **state)
{
	tdb *t = *state;
	policy_section_entry *sections = NULL;
	policy_vendor_entry *vendors = NULL;
	policy_system_entry *systems = NULL;
	policy_account_entry *accounts = NULL;
	policy_staff_entry *staff = NULL;
	int n = 0, total = 0;
	assert_int_equal(policy_admin_sections(t->db, &sections, &n, &total), POLICY_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	assert_string_equal(sections[0].name, "情報政策課");
	assert_string_equal(sections[0].officer, "山田 太郎");
	assert_int_equal(sections[0].systems, 3);
	assert_int_equal(sections[1].systems, 1);
	assert_int_equal(policy_admin_vendors(t->db, &vendors, &n, &total), POLICY_OK);
	assert_int_equal(n, 3);
	assert_string_equal(vendors[0].prime, "");
	assert_string_equal(vendors[1].name, "SubCo");
	assert_string_equal(vendors[1].prime, "Acme");
	assert_int_equal(policy_system_set_cert_pin(t->db, "juki", "sha256:" "00112233445566778899aabbccddeeff"
							   "00112233445566778899aabbccddeeff", "admin", policy_now_us()),
			 POLICY_OK);
	assert_int_equal(policy_admin_systems(t->db, &systems, &n, &total), POLICY_OK);
	assert_int_equal(n, 4);
	assert_string_equal(systems[0].name, "juki");
	assert_string_equal(systems[0].cls, "mynumber");
	assert_string_equal(systems[0].cert_pin, "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	assert_string_equal(systems[0].networks, "192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 127.0.0.0/8 ::1/128 2001:db8::/32");
	assert_string_equal(systems[1].cert_pin, "");
	const policy_system_entry *web = &systems[2];
	assert_string_equal(web->name, "web");
	assert_string_equal(web->host, "10.3.0.5");
	assert_int_equal(web->port, 13389);
	assert_string_equal(web->section, "情報政策課");
	assert_int_equal(web->idle_timeout_s, 600);
	assert_int_equal(web->max_duration_s, 7200);
	assert_true(web->inject_credentials);
	assert_int_equal(web->channels, POLICY_CHANNEL_AUDIO_OUT);
	assert_string_equal(web->lab_sources, "203.0.113.0/24 198.51.100.0/24 2001:db8::/32");
	assert_string_equal(systems[3].section, "税務課");
	assert_int_equal(policy_account_set_disabled(t->db, "other1", true), POLICY_OK);
	assert_int_equal(policy_admin_accounts(t->db, policy_now_us(), &accounts, &n, &total), POLICY_OK);
	assert_int_equal(n, 2);
	assert_string_equal(accounts[0].login, "acme1");
	assert_string_equal(accounts[0].vendor, "Acme");
	assert_false(accounts[0].disabled);
	assert_false(accounts[0].locked);
	assert_false(accounts[0].nla);
	assert_true(accounts[1].disabled);
	assert_int_equal(policy_staff_add(t->db, "yamada", "山田 花子", POLICY_ROLE_APPLICANT, "税務課", "long-password-1",
					  "admin", policy_now_us()),
			 POLICY_OK);
	assert_int_equal(policy_staff_add(t->db, "boss", NULL, POLICY_ROLE_APPROVER, NULL, "long-password-2", "admin",
					  policy_now_us()),
			 POLICY_OK);
	assert_int_equal(policy_staff_set_disabled(t->db, "boss", true, "admin", policy_now_us()), POLICY_OK);
	assert_int_equal(policy_admin_staff(t->db, &staff, &n, &total), POLICY_OK);
	assert_int_equal(n, 2);
	assert_string_equal(staff[0].login, "yamada");
	assert_string_equal(staff[0].display_name, "山田 花子");
	assert_int_equal(staff[0].role, POLICY_ROLE_APPLICANT);
	assert_string_equal(staff[0].section, "税務課");
	assert_false(staff[0].disabled);
	assert_int_equal(staff[1].role, POLICY_ROLE_APPROVER);
	assert_string_equal(staff[1].section, "");
	assert_true(staff[1].disabled);
	free(sections);
	free(vendors);
	free(systems);
	free(accounts);
	free(staff);
}

static int64_t count_sql(tdb *t, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void unlock_forgives_the_failures_before_it(void **state)
{
	tdb *t = *state;
	int64_t now = policy_now_us();
	bool locked = false;
	for (int i = 0; i < 5; i++)
		assert_int_equal(policy_account_logon_failed(t->db, "acme1", "192.0.2.1", now + i, NULL), POLICY_OK);
	assert_int_equal(policy_account_lock_state(t->db, "acme1", now + 10, &locked), POLICY_OK);
	assert_true(locked);
	assert_int_equal(policy_account_is_locked_from(t->db, "acme1", "192.0.2.1", now + 10, &locked), POLICY_OK);
	assert_true(locked);
	policy_account_entry *accounts = NULL;
	int n = 0, total = 0;
	assert_int_equal(policy_admin_accounts(t->db, now + 10, &accounts, &n, &total), POLICY_OK);
	assert_true(accounts[0].locked);
	free(accounts);
	/* errors change nothing */
	assert_int_equal(policy_account_unlock(t->db, "acme1", NULL, now + 20), POLICY_ERR_INVALID);
	assert_int_equal(policy_account_unlock(t->db, "nobody", "admin", now + 20), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_account_lock_state(t->db, "acme1", now + 30, &locked), POLICY_OK);
	assert_true(locked);
	/* the unlock (the login in another case): no longer locked from anywhere */
	assert_int_equal(policy_account_unlock(t->db, "ACME1", "admin", now + 40), POLICY_OK);
	assert_int_equal(policy_account_lock_state(t->db, "acme1", now + 50, &locked), POLICY_OK);
	assert_false(locked);
	assert_int_equal(policy_account_is_locked_from(t->db, "acme1", "192.0.2.1", now + 50, &locked), POLICY_OK);
	assert_false(locked);
	assert_int_equal(count_sql(t, "SELECT COUNT(*) FROM events WHERE type = 'account_unlocked' AND login = 'acme1'"
				      " AND actor = 'admin'"),
			 1);
	/* later failures count afresh: four are not enough, the fifth locks again */
	for (int i = 0; i < 4; i++)
		assert_int_equal(policy_account_logon_failed(t->db, "acme1", "192.0.2.1", now + 60 + i, NULL), POLICY_OK);
	assert_int_equal(policy_account_lock_state(t->db, "acme1", now + 70, &locked), POLICY_OK);
	assert_false(locked);
	bool locked_now = false;
	assert_int_equal(policy_account_logon_failed(t->db, "acme1", "192.0.2.1", now + 80, &locked_now), POLICY_OK);
	assert_true(locked_now);
	/* the command line */
	assert_int_equal(cli(t, "account", "unlock", "acme1", "--by", "it-division", NULL), 0);
	assert_non_null(strstr(out, "acme1 unlocked"));
	assert_int_equal(policy_account_is_locked_from(t->db, "acme1", "192.0.2.1", policy_now_us(), &locked), POLICY_OK);
	assert_false(locked);
	assert_int_equal(cli(t, "account", "unlock", "ghost", NULL), 1);
	assert_int_equal(cli(t, "account", "unlock", NULL), 2);
	assert_int_equal(policy_ledger_verify(t->db, &(policy_verify_result){ 0 }), POLICY_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refusals_of_a_month_by_section_and_vendor, setup, teardown),
		cmocka_unit_test_setup_teardown(the_console_and_refusal_list_show_the_same_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_come_in_pages_in_ledger_order, setup, teardown),
		cmocka_unit_test_setup_teardown(the_registry_as_the_pages_list_it, setup, teardown),
		cmocka_unit_test_setup_teardown(unlock_forgives_the_failures_before_it, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
