/* Keyboard text for `keys`: scancodes through the US and Japanese 106/109
 * layouts (shift, caps lock, chords, extended keys) and Unicode input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rec_keys.h"

#include <string.h>

#define DOWN 0x4000
#define UP 0x8000
#define EXT 0x0100

/* Types the scancodes (press+release each; 0x2A held around shifted ones
 * given as negative numbers) and returns the concatenated text. */
static const char *type(rec_keys_state *k, const int *codes, size_t n)
{
	static char all[256];
	char out[64];
	all[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int c = codes[i] < 0 ? -codes[i] : codes[i];
		uint16_t ext = (c & 0x1000) ? EXT : 0;
		c &= 0xFF;
		if (codes[i] < 0)
			rec_keys_scancode(k, DOWN, 0x2A, out, sizeof out);
		rec_keys_scancode(k, DOWN | ext, (uint16_t)c, out, sizeof out);
		strcat(all, out);
		rec_keys_scancode(k, UP | ext, (uint16_t)c, out, sizeof out);
		assert_string_equal(out, "");
		if (codes[i] < 0)
			rec_keys_scancode(k, UP, 0x2A, out, sizeof out);
	}
	return all;
}

static void layout_ids_select_the_table(void **state)
{
	(void)state;
	assert_int_equal(rec_layout_from_id(0x409), REC_LAYOUT_US);
	assert_int_equal(rec_layout_from_id(0xE0010411), REC_LAYOUT_JP);
	assert_int_equal(rec_layout_from_id(0x411), REC_LAYOUT_JP);
	assert_int_equal(rec_layout_from_id(0x40C), REC_LAYOUT_US); /* unknown: shown as US */
}

static void us_layout_types_shifted_symbols(void **state)
{
	(void)state;
	rec_keys_state k;
	rec_keys_init(&k, REC_LAYOUT_US);
	/* e c h o space Shift+' d Shift+' Shift+\ Shift+2 Enter */
	const int codes[] = { 0x12, 0x2E, 0x23, 0x18, 0x39, -0x28, 0x20, -0x28, -0x2B, -0x03, 0x1C };
	assert_string_equal(type(&k, codes, 11), "echo \"d\"|@<Enter>");
}

static void japanese_layout_differs_where_the_keycaps_do(void **state)
{
	(void)state;
	rec_keys_state k;
	rec_keys_init(&k, REC_LAYOUT_JP);
	/* Shift+2 Shift+7 Shift+- ^ @ : Shift+; Shift+Yen Yen Ro Shift+Ro Henkan */
	const int codes[] = { -0x03, -0x08, -0x0C, 0x0D, 0x1A, 0x28, -0x27, -0x7D, 0x7D, 0x73, -0x73, 0x79 };
	assert_string_equal(type(&k, codes, 12), "\"'=^@:+|\xC2\xA5\\_<Henkan>");
}

static void caps_lock_and_shift_combine_for_letters_only(void **state)
{
	(void)state;
	rec_keys_state k;
	rec_keys_init(&k, REC_LAYOUT_US);
	const int codes[] = { 0x1E, 0x3A, 0x1E, -0x1E, 0x02, 0x3A, 0x1E };
	/* a CapsLock A Shift+a=a 1 CapsLock a */
	assert_string_equal(type(&k, codes, 7), "a<CapsLock>Aa1<CapsLock>a");
}

static void chords_and_extended_keys_are_named(void **state)
{
	(void)state;
	rec_keys_state k;
	rec_keys_init(&k, REC_LAYOUT_US);
	char out[64];
	rec_keys_scancode(&k, DOWN, 0x1D, out, sizeof out); /* Ctrl */
	assert_true(rec_keys_scancode(&k, DOWN, 0x2E, out, sizeof out));
	assert_string_equal(out, "<Ctrl+C>");
	rec_keys_scancode(&k, UP, 0x1D, out, sizeof out);
	rec_keys_scancode(&k, DOWN | EXT, 0x38, out, sizeof out); /* right Alt */
	rec_keys_scancode(&k, DOWN, 0x3E, out, sizeof out);
	assert_string_equal(out, "<Alt+F4>");
	rec_keys_scancode(&k, UP | EXT, 0x38, out, sizeof out);
	rec_keys_scancode(&k, DOWN | EXT, 0x53, out, sizeof out);
	assert_string_equal(out, "<Delete>");
	rec_keys_scancode(&k, DOWN, 0x2A, out, sizeof out);
	rec_keys_scancode(&k, DOWN, 0x0F, out, sizeof out);
	assert_string_equal(out, "<Shift+Tab>");
	rec_keys_scancode(&k, UP, 0x2A, out, sizeof out);
	rec_keys_scancode(&k, DOWN | EXT, 0x5B, out, sizeof out); /* Win */
	rec_keys_scancode(&k, DOWN, 0x13, out, sizeof out);
	assert_string_equal(out, "<Win+R>");
	rec_keys_scancode(&k, DOWN, 0x6F, out, sizeof out);
	assert_string_equal(out, "<Win+SC6F>");
}

static void unicode_input_becomes_utf8(void **state)
{
	(void)state;
	rec_keys_state k;
	rec_keys_init(&k, REC_LAYOUT_JP);
	char out[16];
	rec_keys_unicode(&k, 0, 0x65E5, out, sizeof out);
	assert_string_equal(out, "\xE6\x97\xA5"); /* 日 */
	rec_keys_unicode(&k, UP, 0x65E5, out, sizeof out);
	assert_string_equal(out, "");
	rec_keys_unicode(&k, 0, 0xD83D, out, sizeof out); /* surrogate pair: U+1F600 */
	assert_string_equal(out, "");
	rec_keys_unicode(&k, 0, 0xDE00, out, sizeof out);
	assert_string_equal(out, "\xF0\x9F\x98\x80");
	rec_keys_unicode(&k, 0, 0xDE00, out, sizeof out); /* lone low surrogate */
	assert_string_equal(out, "\xEF\xBF\xBD");
	rec_keys_unicode(&k, 0, '\r', out, sizeof out);
	assert_string_equal(out, "<Enter>");
	rec_keys_unicode(&k, 0, 'a', out, sizeof out);
	assert_string_equal(out, "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_ids_select_the_table),
		cmocka_unit_test(us_layout_types_shifted_symbols),
		cmocka_unit_test(japanese_layout_differs_where_the_keycaps_do),
		cmocka_unit_test(caps_lock_and_shift_combine_for_letters_only),
		cmocka_unit_test(chords_and_extended_keys_are_named),
		cmocka_unit_test(unicode_input_becomes_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
