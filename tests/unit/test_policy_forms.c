/* Forms 1 and 2 (forms.h): the exact titles and form numbers of the city's rules, era dates,
 * every field the brief of the form names, escaping, and Form 2 refused before a decision.
 * The PDF engine is exercised by tests/e2e/test_policy_forms.sh; here only its refusals. */
#include "test_policy_common.h"
#include "forms.h"
#include "ledger.h"

#include <dirent.h>
#include <unistd.h>

typedef int (*form_fn)(policy_db *db, int64_t id, FILE *out);

static char *form(tdb *t, form_fn fn, int64_t id, int want)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(fn(t->db, id, f), want);
	fclose(f);
	return buf;
}

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

static void form1_has_every_field(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("SubCo", "web", 2);
	a.prime = "Acme";
	a.purpose = "障害調査 <ログ確認> & 再起動";
	int64_t id = tpermit(t, a); /* applied 2025-03-20, approved 2025-03-25 (JST) */
	char *out = form(t, policy_form_application, id, POLICY_OK);
	assert_non_null(strstr(out, "<title>リモート保守等利用申請書</title>"));
	assert_non_null(strstr(out, "<p class=\"form\">別記様式第1号(第4条関係)</p>"));
	assert_non_null(strstr(out, "<h1>リモート保守等利用申請書</h1>"));
	assert_non_null(strstr(out, "@page { size: A4 portrait"));
	assert_non_null(strstr(out, "令和7年3月20日")); /* date of application */
	assert_non_null(strstr(out, "情報政策課<br>情報セキュリティ責任者 山田 太郎"));
	assert_non_null(strstr(out, "<th>業務委託事業者</th><td>SubCo</td>"));
	assert_non_null(strstr(out, "<th>元請事業者 (再委託の場合)</th><td>Acme</td>"));
	assert_non_null(strstr(out, "<th>情報システム</th><td>web</td>"));
	assert_non_null(strstr(out, "<td>インターネット接続系システム</td>"));
	assert_non_null(strstr(out, "障害調査 &lt;ログ確認&gt; &amp; 再起動"));
	assert_null(strstr(out, "<ログ確認>"));
	assert_non_null(strstr(out, "<th>利用期間</th><td>令和7年4月1日 から 令和8年3月31日 まで</td>"));
	assert_non_null(strstr(out, "<th>契約期間</th><td>令和7年4月1日 から 令和8年3月31日 まで</td>"));
	assert_non_null(strstr(out, "SSL-VPNによる接続 (別表第2)"));
	assert_non_null(strstr(out, "203.0.113.0/24"));
	assert_non_null(strstr(out, "要件の確認 (別表第2)"));
	assert_non_null(strstr(out, "<td>グローバルIPアドレスによる接続制限を実施すること。</td><td class=\"c\">確認済</td>"));
	assert_null(strstr(out, "未確認"));
	assert_null(strstr(out, "2025-")); /* no ISO date on the printed form */
	free(out);
}

static void form1_without_prime_and_unknown_permit(void **state)
{
	tdb *t = *state;
	int64_t id = tpermit(t, tapp("Acme", "juki", 1));
	char *out = form(t, policy_form_application, id, POLICY_OK);
	assert_non_null(strstr(out, "<th>元請事業者 (再委託の場合)</th><td>該当なし</td>"));
	assert_non_null(strstr(out, "<td>個人番号利用事務系システム</td>"));
	assert_non_null(strstr(out, "要件の確認 (別表第1)"));
	assert_non_null(strstr(out, "北見市が契約するVPNサービスが利用可能なこと。"));
	free(out);
	out = form(t, policy_form_application, 99, POLICY_ERR_NOT_FOUND);
	free(out);
	assert_non_null(strstr(policy_last_error(), "permit 99"));
}

static void form2_for_an_approval(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("SubCo", "web", 2);
	a.prime = "Acme";
	int64_t id = tpermit(t, a);
	char *out = form(t, policy_form_notice, id, POLICY_OK);
	assert_non_null(strstr(out, "<title>リモート保守等利用許可・不許可通知書</title>"));
	assert_non_null(strstr(out, "<p class=\"form\">別記様式第2号(第5条関係)</p>"));
	assert_non_null(strstr(out, "<h1>リモート保守等利用許可・不許可通知書</h1>"));
	assert_non_null(strstr(out, "令和7年3月25日")); /* date of decision */
	assert_non_null(strstr(out, "令和7年3月20日付け")); /* the application it answers */
	assert_non_null(strstr(out, "情報政策課<br>情報セキュリティ責任者 山田 太郎 様")); /* addressee */
	assert_non_null(strstr(out, "副統括情報セキュリティ責任者 副CISO")); /* decision maker */
	assert_non_null(strstr(out, "<th>決定</th><td>許可</td>"));
	assert_non_null(strstr(out, "次のとおり許可したので"));
	assert_non_null(strstr(out, "<th>許可の条件</th><td>要領第6条各号"));
	assert_non_null(strstr(out, "<th>業務委託事業者</th><td>SubCo</td>"));
	assert_non_null(strstr(out, "<th>元請事業者 (再委託の場合)</th><td>Acme</td>"));
	assert_non_null(strstr(out, "<th>利用期間</th><td>令和7年4月1日 から 令和8年3月31日 まで</td>"));
	assert_null(strstr(out, "不許可の理由"));
	free(out);
	/* reprinted later (after another step): the same decision, byte for byte */
	char *again = form(t, policy_form_notice, id, POLICY_OK);
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_SUSPEND, "副CISO", "調査のため", jst_us(2025, 5, 1, 9, 0)),
			 POLICY_OK);
	char *later = form(t, policy_form_notice, id, POLICY_OK);
	assert_string_equal(again, later);
	free(again);
	free(later);
}

static void form2_for_a_refusal_and_before_a_decision(void **state)
{
	tdb *t = *state;
	policy_permit_application a = tapp("Acme", "juki", 1);
	int64_t id = 0;
	assert_int_equal(policy_permit_apply(t->db, &a, jst_us(2025, 3, 20, 9, 0), &id), POLICY_OK);
	char *out = form(t, policy_form_notice, id, POLICY_ERR_STATE);
	free(out);
	assert_non_null(strstr(policy_last_error(), "not decided yet"));
	assert_int_equal(policy_permit_step_apply(t->db, id, POLICY_STEP_REFUSE, "副CISO 鈴木", "契約期間の確認が取れないため",
						  jst_us(2019, 5, 1, 10, 0)), POLICY_OK);
	out = form(t, policy_form_notice, id, POLICY_OK);
	assert_non_null(strstr(out, "<th>決定</th><td>不許可</td>"));
	assert_non_null(strstr(out, "次のとおり許可しないこととしたので"));
	assert_non_null(strstr(out, "<th>不許可の理由</th><td>契約期間の確認が取れないため</td>"));
	assert_non_null(strstr(out, "令和元年5月1日")); /* the first year of an era is 元年 */
	assert_non_null(strstr(out, "副統括情報セキュリティ責任者 副CISO 鈴木"));
	assert_null(strstr(out, "許可の条件"));
	free(out);
}

static void report_destination_is_a_setting_with_a_ledger_row(void **state)
{
	tdb *t = *state;
	char buf[512];
	assert_int_equal(policy_report_destination_get(t->db, buf, sizeof buf), POLICY_OK);
	assert_string_equal(buf, "企画財政部DX推進室情報システム課"); /* the default, Art. 10 */
	assert_int_equal(policy_report_destination_set(t->db, "", "山田", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_report_destination_set(t->db, "情報\n課", "山田", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_report_destination_set(t->db, "総務部情報管理課", "", 1), POLICY_ERR_INVALID);
	char big[202];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(policy_report_destination_set(t->db, big, "山田", 1), POLICY_ERR_INVALID);
	big[200] = '\0'; /* 200 bytes: the limit itself is allowed */
	assert_int_equal(policy_report_destination_set(t->db, big, "山田", 1), POLICY_OK);
	assert_int_equal(policy_report_destination_set(t->db, "総務部情報管理課", "山田", 2), POLICY_OK);
	assert_int_equal(policy_report_destination_get(t->db, buf, sizeof buf), POLICY_OK);
	assert_string_equal(buf, "総務部情報管理課");
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(t->db->sql, "SELECT detail, actor FROM events WHERE type = 'setting_set' ORDER BY seq",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_non_null(strstr((const char *)sqlite3_column_text(st, 0), "(was 企画財政部DX推進室情報システム課, the default)"));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_non_null(strstr((const char *)sqlite3_column_text(st, 0), "report_destination: 総務部情報管理課 (was aaa"));
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "山田");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	policy_verify_result v;
	assert_int_equal(policy_ledger_verify(t->db, &v), POLICY_OK);
	assert_true(v.ok);
}

static void pdf_engine_refusals_leave_nothing(void **state)
{
	(void)state;
	char dir[] = "/tmp/rmgate-forms-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char html[256], pdf[256];
	snprintf(html, sizeof html, "%s/f.html", dir);
	snprintf(pdf, sizeof pdf, "%s/f.pdf", dir);
	FILE *f = fopen(html, "w");
	assert_non_null(f);
	fputs("<html><body>x</body></html>\n", f);
	fclose(f);
	assert_int_equal(policy_html_to_pdf("f.html", pdf), POLICY_ERR_INVALID); /* relative: refused */
	setenv(POLICY_PDF_ENGINE_ENV, "/nonexistent/chromium", 1);
	assert_int_equal(policy_html_to_pdf(html, pdf), POLICY_ERR_IO);
	assert_non_null(strstr(policy_last_error(), "/nonexistent/chromium"));
	assert_int_equal(access(pdf, F_OK), -1);
	/* an engine that exits 0 but writes no PDF: refused, nothing renamed into place */
	setenv(POLICY_PDF_ENGINE_ENV, "true", 1);
	assert_int_equal(policy_html_to_pdf(html, pdf), POLICY_ERR_IO);
	assert_non_null(strstr(policy_last_error(), "wrote no PDF"));
	assert_int_equal(access(pdf, F_OK), -1);
	setenv(POLICY_PDF_ENGINE_ENV, "false", 1);
	assert_int_equal(policy_html_to_pdf(html, pdf), POLICY_ERR_IO);
	assert_non_null(strstr(policy_last_error(), "exit status 1"));
	unsetenv(POLICY_PDF_ENGINE_ENV);
	/* only the HTML is left in the directory: no temporary file */
	int n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);
	unlink(html);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(form1_has_every_field, setup, teardown),
		cmocka_unit_test_setup_teardown(form1_without_prime_and_unknown_permit, setup, teardown),
		cmocka_unit_test_setup_teardown(form2_for_an_approval, setup, teardown),
		cmocka_unit_test_setup_teardown(form2_for_a_refusal_and_before_a_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(report_destination_is_a_setting_with_a_ledger_row, setup, teardown),
		cmocka_unit_test(pdf_engine_refusals_leave_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
