/* replay/cli_util: the text helpers of rmgate-replay's commands (replay_cli.h): padding to a
 * display width for the aligned `info` labels, and the keyboard layout's description. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "replay_cli.h"

static void pad_counts_columns_not_bytes(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(replay_pad("index", 13, buf, sizeof buf), "index        ");
	/* 7 characters, 21 bytes, 14 columns: one space up to 15 columns */
	assert_string_equal(replay_pad("キーボード配列", 15, buf, sizeof buf), "キーボード配列 ");
	assert_string_equal(replay_pad("許可", 13, buf, sizeof buf), "許可         ");
	assert_int_equal(strlen(replay_pad("許可", 13, buf, sizeof buf)), 6 + 9);
	assert_string_equal(replay_pad("ｷｮｶ", 5, buf, sizeof buf), "ｷｮｶ  "); /* half-width: one each */
}

static void pad_never_cuts_and_fits_its_buffer(void **state)
{
	(void)state;
	char buf[64], small[8];
	assert_string_equal(replay_pad("end reason", 4, buf, sizeof buf), "end reason");
	assert_string_equal(replay_pad("", 3, buf, sizeof buf), "   ");
	assert_string_equal(replay_pad("abcdefghij", 20, small, sizeof small), "abcdefg"); /* truncated, terminated */
}

static void layout_description_in_the_c_locale(void **state)
{
	(void)state;
	char buf[128];
	setlocale(LC_MESSAGES, "C");
	assert_string_equal(replay_layout_desc(0x409, buf, sizeof buf), "US (0x00000409)");
	assert_non_null(strstr(replay_layout_desc(0x407, buf, sizeof buf), ", not a known layout: keys shown as US"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pad_counts_columns_not_bytes),
		cmocka_unit_test(pad_never_cuts_and_fits_its_buffer),
		cmocka_unit_test(layout_description_in_the_c_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
