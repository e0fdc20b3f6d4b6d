/* Refused attempts: attribution to the vendor's permits and their sections
 * (Form 4, `refusal list`), the breaches `permit show` lists, and the CLI's
 * error lines for a wrong --month, a missing permit and calendar open. */
#include "test_policy_common.h"
#include "report.h"

static char out[1 << 16], err[4096];
static int64_t p_web, p_tax;

/* Runs rmgate-policy -d DB ARGS... on t's database; returns its exit code. */
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
	assert_int_equal(policy_ledger_refused(t->db, at, r, login, source, system, policy_deny_name(r)), POLICY_OK);
}

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	policy_set_refusal_burst(t->db, 1); /* a source's second refusal in a minute is only counted */
	p_web = tpermit(t, tapp("Acme", "web", 2)); /* 情報政策課 */
	policy_system_spec sys = { .name = "tax", .cls = POLICY_CLASS_MYNUMBER, .host = "10.4.0.5", .port = 3389,
				   .section = "税務課", .networks = T1_NETWORKS, .n_networks = 6 };
	assert_int_equal(policy_system_add(t->db, &sys, NULL), POLICY_OK);
	policy_permit_application a = tapp("Acme", "tax", 1);
	a.section = "税務課";
	p_tax = tpermit(t, a);
	/* no system named: both of Acme's permits valid on 5 June */
	refused(t, jst_us(2025, 6, 5, 9, 0), POLICY_DENY_SOURCE_NOT_ALLOWED, "acme1", "198.51.100.1", NULL);
	/* tax named (login in another case): Acme's tax permit only */
	refused(t, jst_us(2025, 6, 6, 9, 0), POLICY_DENY_OUTSIDE_WINDOW, "ACME1", "198.51.100.2", "tax");
	refused(t, jst_us(2025, 6, 7, 9, 0), POLICY_DENY_UNKNOWN_ACCOUNT, "ghost", "198.51.100.3", NULL);
	refused(t, jst_us(2025, 6, 8, 10, 0), POLICY_DENY_UNKNOWN_ACCOUNT, "ghost2", "192.0.2.9", NULL);
	refused(t, jst_us(2025, 6, 8, 10, 0) + 1000000, POLICY_DENY_UNKNOWN_ACCOUNT, "ghost3", "192.0.2.9", NULL);
	assert_int_equal(policy_ledger_flush_refusals(t->db, jst_us(2025, 6, 8, 11, 0), true), POLICY_OK);
	refused(t, jst_us(2025, 7, 1, 9, 0), POLICY_DENY_NO_PERMIT, "acme1", "203.0.113.9", "web"); /* next month */
	/* after every permit's window, no system named: all of Acme's permits */
	refused(t, jst_us(2026, 4, 2, 9, 0), POLICY_DENY_OUTSIDE_WINDOW, "acme1", "203.0.113.77", NULL);
	/* a vendor without permits: vendor known, nothing to attribute */
	assert_int_equal(policy_account_add(t->db, "Other", "other1", "correct horse", NULL), POLICY_OK);
	refused(t, jst_us(2025, 6, 9, 9, 0), POLICY_DENY_NO_PERMIT, "other1", "203.0.113.78", NULL);
	/* a session on the web permit: one blocked redirection, ended at its maximum duration */
	policy_session_start s = { .permit_id = p_web, .system_id = 3, .vendor_id = 1, .account_id = 1, .login = "acme1",
				   .source = "203.0.113.5" };
	int64_t sid;
	assert_int_equal(policy_ledger_session_start(t->db, jst_us(2025, 6, 10, 10, 0), &s, &sid), POLICY_OK);
	assert_int_equal(policy_ledger_event(t->db, sid, jst_us(2025, 6, 10, 10, 5), POLICY_EV_CHANNEL_DENIED, "cliprdr"),
			 POLICY_OK);
	policy_session_end e = { .end_us = jst_us(2025, 6, 10, 12, 0), .reason = POLICY_END_MAX_DURATION };
	assert_int_equal(policy_ledger_session_end(t->db, sid, &e), POLICY_OK);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The JSON row of Form 4 for (system, permit), up to its closing brace ("" if absent). */
static const char *form4_row(tdb *t, const char *section, const char *system, const char *permit)
{
	static char row[1024];
	char *buf = NULL, key[128];
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(policy_report_monthly(t->db, 2025, 6, section, POLICY_FMT_JSON, f), POLICY_OK);
	fclose(f);
	snprintf(key, sizeof key, "{\"system\": \"%s\", \"permit\": \"%s\"", system, permit);
	const char *p = strstr(buf, key);
	row[0] = '\0';
	if (p) {
		size_t n = (size_t)(strchr(p, '}') - p);
		snprintf(row, sizeof row, "%.*s", (int)n, p);
	}
	free(buf);
	return row;
}

static void form4_counts_a_known_account_on_its_vendors_permit(void **state)
{
	tdb *t = *state;
	char web[8], tax[8];
	snprintf(web, sizeof web, "%lld", (long long)p_web);
	snprintf(tax, sizeof tax, "%lld", (long long)p_tax);
	/* all sections: each refusal once, the lowest permit id when several apply */
	assert_non_null(strstr(form4_row(t, NULL, "web", web), "\"refused\": 1,"));
	assert_non_null(strstr(form4_row(t, NULL, "tax", tax), "\"refused\": 1,"));
	/* ghost, ghost2 singly, the summary of ghost3's refusal (count 1), and other1 (no permit) */
	assert_non_null(strstr(form4_row(t, NULL, "(不明)", "-"), "\"refused\": 4,"));
	/* 税務課 holds the tax permit: both of acme1's refusals count there */
	assert_non_null(strstr(form4_row(t, "税務課", "tax", tax), "\"refused\": 2,"));
	assert_string_equal(form4_row(t, "税務課", "(不明)", "-"), "");
	assert_non_null(strstr(form4_row(t, "情報政策課", "web", web), "\"refused\": 1,"));
	assert_string_equal(form4_row(t, "情報政策課", "(不明)", "-"), "");
	/* the session's maximum-duration end and blocked redirection */
	assert_non_null(strstr(form4_row(t, "情報政策課", "web", web), "\"limit_endings\": 1, \"refused\": 1, \"blocked\": 1"));
}

static void refusal_list_shows_every_row_and_filters(void **state)
{
	tdb *t = *state;
	assert_int_equal(cli(t, "refusal", "list", "--month", "2025-06", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\": "), 6);
	assert_int_equal(count_of(out, "\"kind\": \"refused_summary\", \"count\": 1,"), 1);
	assert_non_null(strstr(out, "\"login\": \"other1\", \"account\": \"other1\", \"vendor\": \"Other\", \"system\": null,"
				    " \"reason\": \"no_permit\", \"permits\": null, \"section\": null"));
	assert_null(strstr(out, "203.0.113.9")); /* July */
	assert_non_null(strstr(out, "\"login\": \"ACME1\", \"account\": \"acme1\", \"vendor\": \"Acme\", \"system\": \"tax\","
				    " \"reason\": \"outside_window\""));
	assert_non_null(strstr(out, "\"at\": \"2025-06-05 09:00:00\""));
	assert_non_null(strstr(out, "\"section\": \"情報政策課,税務課\""));

	assert_int_equal(cli(t, "refusal", "list", "--month", "2025-06", "--vendor", "Acme", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\": "), 2);
	assert_null(strstr(out, "ghost"));

	assert_int_equal(cli(t, "refusal", "list", "--month=2025-06", "--section", "情報政策課", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\": "), 1);
	assert_non_null(strstr(out, "198.51.100.1"));
	assert_int_equal(cli(t, "refusal", "list", "--section", "税務課", "--json", NULL), 0);
	assert_int_equal(count_of(out, "\"kind\": "), 3); /* with April 2026's */

	/* no month: every refusal, July's too; the table form lists the summary */
	assert_int_equal(cli(t, "refusal", "list", NULL), 0);
	assert_non_null(strstr(out, "refused_summary"));
	assert_non_null(strstr(out, "203.0.113.9"));
	assert_int_equal(cli(t, "refusal", "list", "--json", NULL), 0);
	char permits[64];
	snprintf(permits, sizeof permits, "\"permits\": \"%lld,%lld\"", (long long)p_web, (long long)p_tax);
	assert_non_null(strstr(strstr(out, "203.0.113.77"), permits));

	assert_int_equal(cli(t, "refusal", "list", "--vendor", "Nobody", NULL), 1);
	assert_non_null(strstr(err, "Nobody"));
	assert_int_equal(cli(t, "refusal", "list", "extra", NULL), 2);
}

static void permit_show_lists_breaches(void **state)
{
	tdb *t = *state;
	char id[8];
	snprintf(id, sizeof id, "%lld", (long long)p_web);
	assert_int_equal(cli(t, "permit", "show", id, "--json", NULL), 0);
	const char *b = strstr(out, "\"breaches\": ");
	assert_non_null(b);
	assert_non_null(strstr(b, "\"kind\": \"refused_source\""));
	assert_non_null(strstr(b, "\"at\": \"2025-06-10 10:05:00\", \"kind\": \"blocked_redirection\", \"session\": 1"));
	assert_non_null(strstr(b, "\"kind\": \"over_time_end\", \"session\": 1, \"detail\": \"max_duration\""));
	snprintf(id, sizeof id, "%lld", (long long)p_tax);
	assert_int_equal(cli(t, "permit", "show", id, NULL), 0);
	b = strstr(out, "breaches (違反等):");
	assert_non_null(b);
	assert_non_null(strstr(b, "refused_source")); /* 5 June named no system: both permits */
	assert_null(strstr(b, "blocked_redirection"));
	assert_null(strstr(b, "outside_window")); /* not a breach */
}

static void errors_name_the_value(void **state)
{
	tdb *t = *state;
	assert_int_equal(cli(t, "refusal", "list", "--month", "2026-13", NULL), 2);
	assert_non_null(strstr(err, "refusal list: --month: 2026-13 is not a month (YYYY-MM)"));
	assert_int_equal(cli(t, "report", "monthly", "--month", "2026-13", NULL), 2);
	assert_non_null(strstr(err, "report monthly: --month: 2026-13 is not a month (YYYY-MM)"));
	assert_int_equal(cli(t, "report", "register", "--month=2026-00", NULL), 2);
	assert_non_null(strstr(err, "report register: --month: 2026-00 is not a month (YYYY-MM)"));
	assert_int_equal(cli(t, "report", "monthly", NULL), 2);
	assert_non_null(strstr(err, "report monthly: --month YYYY-MM is required"));
	assert_int_equal(cli(t, "session", "list", "--month", "June", NULL), 2);
	assert_non_null(strstr(err, "session list: --month: June is not a month (YYYY-MM)"));
	assert_int_equal(cli(t, "calendar", "due", "2026-13", NULL), 2);
	assert_non_null(strstr(err, "calendar due: 2026-13 is not a month (YYYY-MM)"));
	assert_int_equal(cli(t, "refusal", "list", "--month", "2025-12", "--json", NULL), 0);
	assert_string_equal(out, "[]\n");

	assert_int_equal(cli(t, "permit", "show", "99", NULL), 1);
	assert_non_null(strstr(err, "no permit 99"));
	assert_string_equal(out, "");
	assert_int_equal(cli(t, "permit", "show", "99", "--json", NULL), 1);
	assert_string_equal(out, "");
	assert_int_equal(cli(t, "permit", "revoke", "99", "--by", "山田", "--reason", "x", NULL), 1);
	assert_non_null(strstr(err, "no permit 99"));
	assert_int_equal(cli(t, "permit", "decide", "99", "--approve", "--by", "山田", NULL), 1);
	assert_non_null(strstr(err, "no permit 99"));
}

static void calendar_open_undoes_close(void **state)
{
	tdb *t = *state;
	assert_int_equal(cli(t, "calendar", "close", "2025-07-07", "--reason", "システム停止", NULL), 0);
	assert_int_equal(cli(t, "calendar", "due", "2025-06", NULL), 0);
	assert_non_null(strstr(out, "2025-07-08"));
	assert_int_equal(cli(t, "calendar", "open", "2025-07-07", NULL), 0);
	assert_int_equal(cli(t, "calendar", "closed", NULL), 0);
	assert_null(strstr(out, "2025-07-07"));
	assert_int_equal(cli(t, "calendar", "due", "2025-06", NULL), 0);
	assert_non_null(strstr(out, "2025-07-07"));
	assert_int_equal(cli(t, "calendar", "open", "2025-07-07", NULL), 1);
	assert_non_null(strstr(err, "2025-07-07 is not an extra closed day"));
	assert_int_equal(cli(t, "calendar", "open", "2025-7-32", NULL), 1);
	assert_int_equal(cli(t, "calendar", "open", NULL), 2);
	/* the library call, on a weekend: not an extra closed day either */
	assert_int_equal(policy_closed_day_remove(t->db, "2025-07-05"), POLICY_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(form4_counts_a_known_account_on_its_vendors_permit, setup, teardown),
		cmocka_unit_test_setup_teardown(refusal_list_shows_every_row_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(permit_show_lists_breaches, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_name_the_value, setup, teardown),
		cmocka_unit_test_setup_teardown(calendar_open_undoes_close, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
