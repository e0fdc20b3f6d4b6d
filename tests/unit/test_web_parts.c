/* The console's small parts that face the request: form decoding and its bounds, HTML
 * escaping, login sessions (timeouts, replacement when full), the per-address logon limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web_auth.h"
#include "web_page.h"
#include "web_request.h"

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
		cmocka_unit_test(login_sessions_time_out_and_close),
		cmocka_unit_test(a_full_table_replaces_the_session_idle_longest),
		cmocka_unit_test(an_address_with_many_failures_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
