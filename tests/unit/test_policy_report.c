/* Reports: Form 3 (register) and Form 4 (monthly) in HTML, CSV and JSON
 * compared with golden files, plus the rules the numbers follow.
 * RMGATE_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!). */
#include "test_policy_common.h"
#include "report.h"

#define GOLDEN_DIR "tests/fixtures/policy/"

static int64_t MIN = 60 * 1000000LL;

static void session(tdb *t, int64_t permit, int64_t system, int64_t start, int64_t end, policy_end_reason why,
                    int64_t idle, int blocked, const char *note, const char *rec)
{
	policy_session_start s = { .permit_id = permit, .account_id = 1, .vendor_id = 1, .system_id = system,
				   .login = "acme1", .source = "203.0.113.9", .client_name = "WS-01",
				   .client_build = 19041, .recording_id = rec };
	int64_t id;
	assert_int_equal(policy_ledger_session_start(t->db, start, &s, &id), POLICY_OK);
	for (int i = 0; i < blocked; i++)
		assert_int_equal(policy_ledger_event(t->db, id, start + (i + 1) * 1000000, POLICY_EV_CHANNEL_DENIED, "cliprdr"), POLICY_OK);
	if (end) {
		policy_session_end e = { .end_us = end, .reason = why, .bytes = 1000, .frames = 10, .idle_us = idle,
					 .recording_digest_hex = "00ff" };
		assert_int_equal(policy_ledger_session_end(t->db, id, &e), POLICY_OK);
	}
	if (note)
		assert_int_equal(policy_ledger_note(t->db, id, (end ? end : start) + MIN, "山田", note), POLICY_OK);
}

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	int64_t web = tpermit(t, tapp("Acme", "web", 2));  /* permit 1, system 3 */
	int64_t juki = tpermit(t, tapp("Acme", "juki", 1)); /* permit 2, system 1 */
	session(t, web, 3, jst_us(2025, 5, 31, 23, 0), jst_us(2025, 6, 1, 0, 10), POLICY_END_CLIENT_DISCONNECT, 0, 0, NULL, "r0");
	session(t, web, 3, jst_us(2025, 6, 2, 10, 0), jst_us(2025, 6, 2, 11, 0), POLICY_END_CLIENT_DISCONNECT, 10 * MIN, 2,
		"updated \"kb\", rebooted", "r1");
	session(t, web, 3, jst_us(2025, 6, 2, 14, 0), jst_us(2025, 6, 2, 14, 30), POLICY_END_IDLE_TIMEOUT, 15 * MIN, 0,
		"<ログ確認>", "r2");
	session(t, juki, 1, jst_us(2025, 6, 3, 9, 0), jst_us(2025, 6, 3, 13, 0), POLICY_END_MAX_DURATION, 30 * MIN, 1,
		"=SUM(A1)", "r3");
	session(t, juki, 1, jst_us(2025, 6, 20, 9, 0), 0, POLICY_END_ERROR, 0, 0, NULL, "r4");
	session(t, web, 3, jst_us(2025, 6, 30, 23, 30), jst_us(2025, 7, 1, 0, 30), POLICY_END_WINDOW_END, 0, 1, NULL, "r5");
	assert_int_equal(policy_ledger_refused(t->db, jst_us(2025, 6, 5, 9, 0), POLICY_DENY_SOURCE_NOT_ALLOWED, "acme1",
					       "198.51.100.1", "web", "source not allowed"), POLICY_OK);
	assert_int_equal(policy_ledger_refused(t->db, jst_us(2025, 6, 6, 9, 0), POLICY_DENY_UNKNOWN_ACCOUNT, "ghost",
					       "198.51.100.2", NULL, "unknown account"), POLICY_OK);
	assert_int_equal(policy_ledger_refused(t->db, jst_us(2025, 7, 1, 9, 0), POLICY_DENY_NO_PERMIT, "acme1",
					       "203.0.113.9", "web", "next month"), POLICY_OK);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

typedef int (*render_fn)(tdb *t, policy_report_format fmt, FILE *out);

static char *render(tdb *t, render_fn fn, policy_report_format fmt, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(fn(t, fmt, f), POLICY_OK);
	fclose(f);
	return buf;
}

static void compare_golden(const char *name, const char *got, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
	if (getenv("RMGATE_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(got, 1, len, f);
		fclose(f);
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("golden file %s missing (run with RMGATE_UPDATE_GOLDEN=1 once and review it)", path);
	char *want = calloc(1, len + 2);
	size_t n = fread(want, 1, len + 1, f);
	fclose(f);
	if (n != len || memcmp(want, got, len)) {
		size_t i = 0;
		while (i < len && i < n && want[i] == got[i])
			i++;
		free(want);
		fail_msg("%s differs from its golden file at byte %zu", name, i);
	}
	free(want);
}

static int reg_all(tdb *t, policy_report_format fmt, FILE *out)
{
	return policy_report_register(t->db, 2025, 6, NULL, fmt, out);
}

static int monthly_all(tdb *t, policy_report_format fmt, FILE *out)
{
	return policy_report_monthly(t->db, 2025, 6, NULL, fmt, out);
}

static void golden(tdb *t, render_fn fn, const char *base)
{
	const char *ext[] = { "html", "csv", "json" };
	for (int f = 0; f < 3; f++) {
		size_t len;
		char *out = render(t, fn, (policy_report_format)f, &len);
		char name[64];
		snprintf(name, sizeof name, "%s.%s", base, ext[f]);
		compare_golden(name, out, len);
		free(out);
	}
}

static void register_matches_golden_files(void **state)
{
	golden(*state, reg_all, "register-2025-06");
}

static void monthly_matches_golden_files(void **state)
{
	golden(*state, monthly_all, "monthly-2025-06");
}

static void csv_has_bom_and_crlf_and_quotes_fields(void **state)
{
	size_t len;
	char *out = render(*state, reg_all, POLICY_FMT_CSV, &len);
	assert_memory_equal(out, "\xEF\xBB\xBF", 3);
	for (size_t i = 0; i < len; i++)
		if (out[i] == '\n')
			assert_true(i > 0 && out[i - 1] == '\r');
	assert_non_null(strstr(out, "\"updated \"\"kb\"\", rebooted\""));
	assert_non_null(strstr(out, "\"'=SUM(A1)\"")); /* no formula injection into Excel */
	free(out);
}

static void html_is_escaped_and_print_ready(void **state)
{
	size_t len;
	char *out = render(*state, reg_all, POLICY_FMT_HTML, &len);
	assert_non_null(strstr(out, "<title>リモート保守等利用状況管理簿</title>"));
	assert_non_null(strstr(out, "@page { size: A4"));
	assert_non_null(strstr(out, "&lt;ログ確認&gt;"));
	assert_null(strstr(out, "<ログ確認>"));
	free(out);
	out = render(*state, monthly_all, POLICY_FMT_HTML, &len);
	assert_non_null(strstr(out, "<title>リモート保守等利用状況報告</title>"));
	free(out);
}

/* Offset of needle in s at or after `from`, -1 if absent (offsets, not pointers into the buffer). */
__attribute__((noinline)) static long at(const char *s, const char *needle, long from)
{
	const char *p = strstr(s + from, needle);
	return p ? (long)(p - s) : -1;
}

static int monthly_section_dated(tdb *t, policy_report_format fmt, FILE *out)
{
	policy_report_opts o = { .report_date = "2025-07-03" };
	return policy_report_monthly_opts(t->db, 2025, 6, "情報政策課", &o, fmt, out);
}

static void register_is_the_citys_form_3(void **state)
{
	size_t len;
	char *out = render(*state, reg_all, POLICY_FMT_HTML, &len);
	assert_non_null(strstr(out, "<p class=\"form\">別記様式第3号(第9条関係)</p>\n<h1>リモート保守等利用状況管理簿</h1>"));
	assert_non_null(strstr(out, "<dd>令和7年6月</dd>"));
	assert_non_null(strstr(out, "<td>令和7年6月2日</td>"));
	assert_null(strstr(out, "<td>2025-06-02</td>")); /* ISO dates stay in CSV and JSON */
	assert_non_null(strstr(out, "<td>令和7年7月1日 00:30:00</td>")); /* ended the next day */
	/* the sessions without a work note show a marked gap: r4 (20 June) and r5 (30 June) */
	long gap = at(out, "<td class=\"gap\">未記入</td>", 0);
	assert_true(gap >= 0);
	assert_true(at(out, "<td class=\"gap\">未記入</td>", gap + 1) > gap);
	/* technical ids: recording ids in the appendix after the table, ledger hash in the footer */
	long appendix = at(out, "<h2>付表 記録の識別子</h2>", 0);
	assert_true(appendix > 0);
	assert_true(at(out, "<td>r1</td>", 0) > appendix);
	assert_true(at(out, "<footer class=\"tech\">台帳ハッシュ: 21:", 0) > appendix);
	assert_null(strstr(out, "<dt>台帳ハッシュ</dt>"));
	free(out);
	/* the data formats keep ISO dates and every field */
	out = render(*state, reg_all, POLICY_FMT_JSON, &len);
	assert_non_null(strstr(out, "\"date\": \"2025-06-02\""));
	assert_non_null(strstr(out, "\"recording\": \"r1\""));
	assert_non_null(strstr(out, "\"work\": null")); /* no note: null, not the HTML mark */
	free(out);
}

static void monthly_is_the_citys_form_4_with_form_3_attached(void **state)
{
	tdb *t = *state;
	size_t len;
	char *out = render(t, monthly_section_dated, POLICY_FMT_HTML, &len);
	long f4 = at(out, "<p class=\"form\">別記様式第4号(第10条関係)</p>\n<h1>リモート保守等利用状況報告</h1>", 0);
	assert_true(f4 >= 0);
	assert_non_null(strstr(out, "<dt>報告日</dt><dd>令和7年7月3日</dd>"));
	assert_non_null(strstr(out, "<dt>提出先</dt><dd>企画財政部DX推進室情報システム課</dd>"));
	assert_non_null(strstr(out, "<dd>山田 太郎</dd>")); /* the section's officer reports */
	assert_non_null(strstr(out, "<dt>提出期限</dt><dd>令和7年7月7日</dd>"));
	assert_non_null(strstr(out, "<td>Acme</td>"));
	/* Art. 10: the register attached in the same document, on its own page */
	long f3 = at(out, "<div class=\"part\">\n<p class=\"form\">別記様式第3号(第9条関係)</p>", 0);
	assert_true(f3 > f4);
	assert_true(at(out, "<dt>所管課</dt><dd>情報政策課</dd>", f3) > f3);
	assert_int_equal(at(out, "</html>", 0), (long)len - 8); /* one document, closed once */
	assert_null(strstr(out, "<dt>台帳ハッシュ</dt>"));
	free(out);
	/* the destination is the city's setting */
	assert_int_equal(sqlite3_exec(t->db->sql, "INSERT INTO settings(name, value, updated_us, updated_by)"
				      " VALUES ('report_destination', '総務部情報管理課', 0, 'test')", NULL, NULL, NULL), SQLITE_OK);
	out = render(t, monthly_section_dated, POLICY_FMT_JSON, &len);
	assert_non_null(strstr(out, "\"to\": \"総務部情報管理課\""));
	assert_non_null(strstr(out, "\"report_date\": \"2025-07-03\""));
	assert_non_null(strstr(out, "\"reporter\": \"山田 太郎\""));
	assert_null(strstr(out, "別記様式第3号")); /* JSON is Form 4's data alone */
	free(out);
}

static void monthly_html_without_a_section_is_one_pair_per_section(void **state)
{
	size_t len;
	char *out = render(*state, monthly_all, POLICY_FMT_HTML, &len);
	int f4 = 0, f3 = 0;
	for (long p = 0; (p = at(out, "<h1>リモート保守等利用状況報告</h1>", p)) >= 0; p++)
		f4++;
	for (long p = 0; (p = at(out, "<h1>リモート保守等利用状況管理簿</h1>", p)) >= 0; p++)
		f3++;
	/* the seed's sections owning systems: 情報政策課 only (税務課 owns none) */
	assert_int_equal(f4, 1);
	assert_int_equal(f3, 1);
	assert_non_null(strstr(out, "<dd>山田 太郎</dd>"));
	assert_non_null(strstr(out, "<dd>令和　　年　　月　　日</dd>")); /* no date given: written by hand */
	free(out);
	tdb *t = *state;
	policy_report_opts bad = { .report_date = "2025-02-30" };
	FILE *f = fopen("/dev/null", "w");
	assert_int_equal(policy_report_monthly_opts(t->db, 2025, 6, NULL, &bad, POLICY_FMT_HTML, f), POLICY_ERR_INVALID);
	fclose(f);
	assert_non_null(strstr(policy_last_error(), "2025-02-30"));
}

static void register_lists_the_sessions_started_in_the_month(void **state)
{
	size_t len;
	char *out = render(*state, reg_all, POLICY_FMT_JSON, &len);
	assert_null(strstr(out, "\"r0\""));   /* started in May */
	assert_non_null(strstr(out, "\"r5\"")); /* started 30 June, ended in July */
	assert_non_null(strstr(out, "\"end\": \"-\", \"duration\": null")); /* r4 still open */
	free(out);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(policy_report_register(((tdb *)*state)->db, 2025, 6, "juki", POLICY_FMT_JSON, f), POLICY_OK);
	fclose(f);
	assert_null(strstr(buf, "\"r1\""));
	assert_non_null(strstr(buf, "\"r3\""));
	free(buf);
}

static void monthly_counts_time_endings_and_attempts(void **state)
{
	size_t len;
	char *out = render(*state, monthly_all, POLICY_FMT_JSON, &len);
	/* web permit 1: 3 sessions on 2 days, 1:00 + 0:30 + 1:00, idle 25 min */
	assert_non_null(strstr(out, "{\"system\": \"web\", \"permit\": \"1\", \"sessions\": 3, \"days\": 2, \"total_s\": 9000, "
				    "\"longest_s\": 3600, \"average_s\": 3000, \"active_s\": 7500, \"idle_s\": 1500, "
				    "\"idle_endings\": 1, \"limit_endings\": 1, \"refused\": 1, \"blocked\": 3, \"vendor\": \"Acme\"}"));
	/* acme1's refusal naming web counts on Acme's web permit (1), not on a system row; the
	 * unknown account goes to no system */
	assert_null(strstr(out, "{\"system\": \"web\", \"permit\": \"-\""));
	assert_non_null(strstr(out, "{\"system\": \"(不明)\", \"permit\": \"-\", \"sessions\": 0"));
	assert_non_null(strstr(out, "\"refused\": 1, \"blocked\": 0, \"vendor\": \"\"}"));
	assert_non_null(strstr(out, "\"due\": \"2025-07-07\"")); /* 5 July 2025 is a Saturday */
	assert_non_null(strstr(out, "{\"total\": true, \"system\": \"合計\", \"permit\": \"\", \"sessions\": 5, \"days\": 4"));
	free(out);
}

static void monthly_for_one_section_and_unknown_names(void **state)
{
	tdb *t = *state;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(policy_report_monthly(t->db, 2025, 6, "税務課", POLICY_FMT_JSON, f), POLICY_OK);
	fclose(f);
	assert_non_null(strstr(buf, "\"sessions\": 0, \"days\": 0"));
	assert_null(strstr(buf, "\"web\""));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(policy_report_monthly(t->db, 2025, 6, "無い課", POLICY_FMT_JSON, f), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_report_register(t->db, 2025, 6, "nosys", POLICY_FMT_JSON, f), POLICY_ERR_NOT_FOUND);
	assert_int_equal(policy_report_register(t->db, 2025, 13, NULL, POLICY_FMT_JSON, f), POLICY_ERR_INVALID);
	fclose(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(register_matches_golden_files, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_matches_golden_files, setup, teardown),
		cmocka_unit_test_setup_teardown(csv_has_bom_and_crlf_and_quotes_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(html_is_escaped_and_print_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(register_is_the_citys_form_3, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_is_the_citys_form_4_with_form_3_attached, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_html_without_a_section_is_one_pair_per_section, setup, teardown),
		cmocka_unit_test_setup_teardown(register_lists_the_sessions_started_in_the_month, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_counts_time_endings_and_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_for_one_section_and_unknown_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
