/* common/text_escape: the contract of text_escape.h, byte by byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

static void expect_escape(const char *in, const char *want)
{
	char out[256];
	size_t need = text_escape(out, sizeof out, in);
	assert_string_equal(out, want);
	assert_int_equal(need, strlen(want));
	char *dup = text_escape_dup(in);
	assert_non_null(dup);
	assert_string_equal(dup, want);
	free(dup);
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	assert_non_null(f);
	text_escape_fputs(in, f);
	fclose(f);
	assert_string_equal(mem, want);
	free(mem);
}

static void expect_json(const char *in, const char *want)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	assert_non_null(f);
	text_json_string(in, f);
	fclose(f);
	assert_string_equal(mem, want);
	free(mem);
}

static void printable_text_and_japanese_are_kept(void **state)
{
	(void)state;
	expect_escape("", "");
	expect_escape(NULL, "");
	expect_escape("WS-0142 (C:\\temp) \"ok\"", "WS-0142 (C:\\temp) \"ok\"");
	expect_escape("情報政策課の端末", "情報政策課の端末");
	expect_escape("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"); /* U+1F600, four bytes */
}

static void c0_del_and_esc_are_escaped(void **state)
{
	(void)state;
	expect_escape("evil\x1b[2J\nname\a", "evil\\x1B[2J\\x0Aname\\x07");
	expect_escape("a\tb\rc\x7f", "a\\x09b\\x0Dc\\x7F");
}

static void c1_and_bidi_controls_are_escaped(void **state)
{
	(void)state;
	expect_escape("\xc2\x9b" "2J", "\\xC2\\x9B2J");           /* CSI */
	expect_escape("\xc2\x85", "\\xC2\\x85");                  /* NEL */
	expect_escape("\xc2\xa0", "\xc2\xa0");                    /* NBSP is printable */
	expect_escape("abc\xe2\x80\xae" "fdp.exe", "abc\\xE2\\x80\\xAEfdp.exe"); /* RLO */
	expect_escape("\xe2\x81\xa6", "\\xE2\\x81\\xA6");         /* LRI */
}

static void invalid_utf8_is_escaped_byte_by_byte(void **state)
{
	(void)state;
	expect_escape("\xff", "\\xFF");
	expect_escape("\x80x", "\\x80x");                 /* stray continuation */
	expect_escape("\xc0\xaf", "\\xC0\\xAF");          /* overlong '/' */
	expect_escape("\xed\xa0\x80", "\\xED\\xA0\\x80"); /* surrogate */
	expect_escape("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"); /* above U+10FFFF */
	expect_escape("\xe6\x97", "\\xE6\\x97");          /* cut short at the end */
	expect_escape("\xe6\x97" "a", "\\xE6\\x97a");
}

static void a_short_buffer_is_cut_at_a_whole_piece(void **state)
{
	(void)state;
	char out[8];
	assert_int_equal(text_escape(out, 6, "ab\x1b" "cd"), 8);
	assert_string_equal(out, "ab"); /* "\x1B" does not fit after "ab" */
	assert_int_equal(text_escape(out, sizeof out, "日本語"), 9);
	assert_string_equal(out, "日本");
	assert_int_equal(text_escape(NULL, 0, "\x01"), 4);
}

static void json_escapes_controls_as_code_points(void **state)
{
	(void)state;
	expect_json("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_json("evil\x1b[2J\nname\a", "\"evil\\u001b[2J\\nname\\u0007\"");
	expect_json("\x7f\xc2\x9b\xe2\x80\xae", "\"\\u007f\\u009b\\u202e\"");
	expect_json("\xff日本", "\"\\u00ff日本\"");
	expect_json(NULL, "\"\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(printable_text_and_japanese_are_kept),
		cmocka_unit_test(c0_del_and_esc_are_escaped),
		cmocka_unit_test(c1_and_bidi_controls_are_escaped),
		cmocka_unit_test(invalid_utf8_is_escaped_byte_by_byte),
		cmocka_unit_test(a_short_buffer_is_cut_at_a_whole_piece),
		cmocka_unit_test(json_escapes_controls_as_code_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
