/* The console's small parts that face the request: form decoding and its bounds, HTML
 * escaping, login sessions (timeouts, replacement when full), the per-address logon limit,
 * the menu by role (管理 for the admin only), the words of refusal reasons, month fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web_auth.h"
#include "web_page.h"
#include "web_request.h"
#include "web_views.h"

static void forms_decode_escapes_and_refuse_bad_ones(void **state)
{
	(void)state;
	web_form f;
	const char body[] = "login=%E5%B1%B1%E7%94%B0&password=a+b%26c%3D&empty=&flag";
	assert_true(web_form_parse(&f, body, strlen(body)));
	assert_string_equal(web_form_get(&f, "login"), "山田");
	assert_string_equal(web_form_get(&f, "password"), "a b&c=");
	assert_string_equal(web_form_get(&f, "empty"), "");
	assert_string_equal(web_form_get(&f, "flag"), "");
	assert_null(web_form_get(&f, "missing"));
	web_form_free(&f);
	const char *bad[] = { "a=%", "a=%4", "a=%zz", "a=%00", "%=1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_false(web_form_parse(&f, bad[i], strlen(bad[i])));
		web_form_free(&f);
	}
	char many[WEB_FORM_FIELDS * 4 + 8] = "";
	for (int i = 0; i <= WEB_FORM_FIELDS; i++)
		strcat(many, "a=1&");
	assert_false(web_form_parse(&f, many, strlen(many)));
	web_form_free(&f);
}

static void page_text_is_escaped(void **state)
{
	(void)state;
	web_page p = { 0 };
	web_page_raw(&p, "<td>");
	web_page_text(&p, "<script>alert('x')</script> & \"q\"");
	web_page_textf(&p, "%s", "<b>");
	assert_string_equal(p.buf, "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;&lt;b&gt;");
	assert_false(p.failed);
	web_page_free(&p);
}

static void the_menu_shows_refusals_to_all_and_admin_to_the_admin(void **state)
{
	(void)state;
	web_page p = { 0 };
	web_page_begin(&p, "t", "山田", "申請担当", "00", false);
	assert_non_null(strstr(p.buf, "<a href=\"/refusals\" id=\"nav-refusals\">拒否</a>"));
	assert_null(strstr(p.buf, "/admin"));
	assert_null(strstr(p.buf, "管理</a>"));
	web_page_free(&p);
	web_page_begin(&p, "t", "admin", "管理者", "00", true);
	assert_non_null(strstr(p.buf, "<a href=\"/refusals\" id=\"nav-refusals\">拒否</a>"));
	assert_non_null(strstr(p.buf, "<a href=\"/admin\" id=\"nav-admin\">管理</a>"));
	web_page_free(&p);
	web_page_begin(&p, "ログイン", NULL, NULL, NULL, true); /* the logon page has no menu at all */
	assert_null(strstr(p.buf, "<nav>"));
	web_page_free(&p);
}

static void refusal_reasons_and_months_in_words(void **state)
{
	(void)state;
	static const char *const known[] = { "unknown_account", "bad_password", "locked_out", "no_permit",
					     "outside_window", "suspended", "revoked", "source_not_allowed",
					     "too_many_sessions", "unknown_system", "ambiguous_system",
					     "identity_mismatch", "not_recordable" };
	for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
		const char *label = web_refusal_reason_label(known[i]);
		assert_non_null(label);
		assert_true((unsigned char)label[0] >= 0x80); /* Japanese words, not the code again */
	}
	assert_string_equal(web_refusal_reason_label("no_permit"), "許可なし");
	assert_null(web_refusal_reason_label("something_new"));
	assert_null(web_refusal_reason_label(NULL));
	int y = 0, m = 0;
	assert_true(web_parse_month("2026-12", &y, &m));
	assert_int_equal(y, 2026);
	assert_int_equal(m, 12);
	const char *bad[] = { "2026-13", "2026-00", "2026-1x", "1999-01", "2026", "", "2026-12-01" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(web_parse_month(bad[i], &y, &m));
	assert_false(web_parse_month(NULL, &y, &m));
}

static void login_sessions_time_out_and_close(void **state)
{
	(void)state;
	web_auth *a = web_auth_new(900, 8 * 3600);
	char token[WEB_TOKEN_LEN + 1], csrf[WEB_TOKEN_LEN + 1], seen[WEB_TOKEN_LEN + 1];
	int64_t id = 0;
	assert_true(web_auth_open(a, 7, 1000, token, csrf));
	assert_int_equal(strlen(token), WEB_TOKEN_LEN);
	assert_true(web_auth_lookup(a, token, 1899, &id, seen));
	assert_int_equal(id, 7);
	assert_string_equal(seen, csrf);
	assert_true(web_auth_lookup(a, token, 2798, &id, seen)); /* each request restarts the idle time */
	assert_false(web_auth_lookup(a, token, 2798 + 900, &id, seen));
	assert_false(web_auth_lookup(a, token, 2798, &id, seen)); /* removed when it timed out */
	assert_true(web_auth_open(a, 8, 0, token, csrf));
	for (int64_t t = 800; t < 8 * 3600; t += 800)
		assert_true(web_auth_lookup(a, token, t, &id, seen));
	assert_false(web_auth_lookup(a, token, 8 * 3600, &id, seen)); /* at most 8 hours after the logon */
	assert_true(web_auth_open(a, 9, 100, token, csrf));
	web_auth_close(a, token);
	assert_false(web_auth_lookup(a, token, 101, &id, seen));
	char wrong[WEB_TOKEN_LEN + 1];
	memset(wrong, '0', WEB_TOKEN_LEN);
	wrong[WEB_TOKEN_LEN] = 0;
	assert_false(web_auth_lookup(a, wrong, 101, &id, seen));
	assert_false(web_auth_lookup(a, "short", 101, &id, seen));
	assert_false(web_auth_lookup(a, NULL, 101, &id, seen));
	web_auth_free(a);
}

static void a_full_table_replaces_the_session_idle_longest(void **state)
{
	(void)state;
	web_auth *a = web_auth_new(900, 8 * 3600);
	char first[WEB_TOKEN_LEN + 1], token[WEB_TOKEN_LEN + 1], csrf[WEB_TOKEN_LEN + 1], seen[WEB_TOKEN_LEN + 1];
	int64_t id;
	assert_true(web_auth_open(a, 1, 10, first, csrf));
	for (int i = 1; i < WEB_AUTH_SESSIONS; i++)
		assert_true(web_auth_open(a, 100 + i, 20, token, csrf));
	assert_true(web_auth_lookup(a, first, 30, &id, seen));       /* all fit */
	assert_true(web_auth_open(a, 999, 40, token, csrf));         /* one more: not `first` (used at 30) */
	assert_true(web_auth_lookup(a, first, 41, &id, seen));
	assert_true(web_auth_lookup(a, token, 41, &id, seen));
	assert_int_equal(id, 999);
	web_auth_free(a);
}

static void an_address_with_many_failures_waits(void **state)
{
	(void)state;
	web_auth *a = web_auth_new(900, 8 * 3600);
	for (int i = 0; i < WEB_AUTH_SOURCE_FAILURES; i++) {
		assert_true(web_auth_source_may_try(a, "192.0.2.1", 100));
		web_auth_source_failed(a, "192.0.2.1", 100);
	}
	assert_false(web_auth_source_may_try(a, "192.0.2.1", 100 + WEB_AUTH_SOURCE_WINDOW_S - 1));
	assert_true(web_auth_source_may_try(a, "192.0.2.2", 100));
	assert_true(web_auth_source_may_try(a, "192.0.2.1", 100 + WEB_AUTH_SOURCE_WINDOW_S));
	web_auth_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms_decode_escapes_and_refuse_bad_ones),
		cmocka_unit_test(page_text_is_escaped),
		cmocka_unit_test(the_menu_shows_refusals_to_all_and_admin_to_the_admin),
		cmocka_unit_test(refusal_reasons_and_months_in_words),
		cmocka_unit_test(login_sessions_time_out_and_close),
		cmocka_unit_test(a_full_table_replaces_the_session_idle_longest),
		cmocka_unit_test(an_address_with_many_failures_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
