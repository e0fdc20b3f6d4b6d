/* common/text_width: display widths for aligned output (text_width.h), whatever the locale. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_width.h"

static void ascii_full_width_and_half_width_katakana(void **state)
{
	(void)state;
	assert_int_equal(text_display_width(""), 0);
	assert_int_equal(text_display_width(NULL), 0);
	assert_int_equal(text_display_width("permit 12"), 9);
	assert_int_equal(text_display_width("許可"), 4);           /* kanji: two columns each */
	assert_int_equal(text_display_width("きょか"), 6);         /* hiragana */
	assert_int_equal(text_display_width("ｷｮｶ"), 3);            /* half-width katakana: one each */
	assert_int_equal(text_display_width("ＡＢ"), 4);           /* full-width Latin */
	assert_int_equal(text_display_width("No.１号"), 7);        /* mixed */
	assert_int_equal(text_display_width("か\xE3\x82\x99"), 2); /* combining voiced mark: none */
}

static void invalid_bytes_count_one_column_each(void **state)
{
	(void)state;
	assert_int_equal(text_display_width("a\xFF" "b"), 3);
	assert_int_equal(text_display_width("\xE8\xA8"), 2); /* a cut sequence */
	assert_int_equal(text_display_width("\xE8\xA8許"), 4);
}

static void widths_do_not_depend_on_the_locale(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	int in_c = text_display_width("申請ｼﾝｾｲ");
	if (setlocale(LC_ALL, "ja_JP.UTF-8"))
		assert_int_equal(text_display_width("申請ｼﾝｾｲ"), in_c);
	setlocale(LC_ALL, "C");
	assert_int_equal(in_c, 8);
}

static void padding_lines_up_mixed_text(void **state)
{
	(void)state;
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	assert_non_null(f);
	text_print_padded(f, "許可", 6);
	fputs("|\n", f);
	text_print_padded(f, "ｷｮｶ", 6);
	fputs("|\n", f);
	text_print_padded(f, "abcdefgh", 6); /* wider than the column: no padding, nothing cut */
	fputs("|\n", f);
	fclose(f);
	assert_string_equal(mem, "許可  |\nｷｮｶ   |\nabcdefgh|\n");
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_full_width_and_half_width_katakana),
		cmocka_unit_test(invalid_bytes_count_one_column_each),
		cmocka_unit_test(widths_do_not_depend_on_the_locale),
		cmocka_unit_test(padding_lines_up_mixed_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
