/* common/hex: lowercase encode, strict decode (hex.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hex.h"

static void encode_is_lowercase_and_terminated(void **state)
{
	(void)state;
	const uint8_t in[] = { 0x00, 0x01, 0xab, 0xCD, 0xff, 0x7f };
	char out[2 * sizeof in + 2];
	memset(out, 'x', sizeof out);
	hex_encode(in, sizeof in, out);
	assert_string_equal(out, "0001abcdff7f");
	hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void decode_accepts_either_case(void **state)
{
	(void)state;
	uint8_t out[4];
	assert_true(hex_decode("00aBcDeF", 8, out, 4));
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xab);
	assert_int_equal(out[2], 0xcd);
	assert_int_equal(out[3], 0xef);
	/* Round trip. */
	char text[9];
	hex_encode(out, 4, text);
	assert_string_equal(text, "00abcdef");
}

static void decode_is_strict(void **state)
{
	(void)state;
	uint8_t out[4];
	assert_false(hex_decode("00abcde", 7, out, 4));   /* short */
	assert_false(hex_decode("00abcdef0", 9, out, 4)); /* long */
	assert_false(hex_decode("00abcdeg", 8, out, 4));  /* not a digit */
	assert_false(hex_decode(" 0abcdef", 8, out, 4));  /* sscanf would skip the space */
	assert_false(hex_decode("+fabcdef", 8, out, 4));  /* ... and take a sign */
	assert_false(hex_decode("00:bcdef", 8, out, 4));
	assert_false(hex_decode(NULL, 0, out, 0));
	assert_true(hex_decode("", 0, out, 0));
	/* Only len characters are read: the text need not end there. */
	assert_true(hex_decode("0102zz", 4, out, 2));
	assert_int_equal(out[1], 0x02);
}

static void digit_values(void **state)
{
	(void)state;
	assert_int_equal(hex_digit_value('0'), 0);
	assert_int_equal(hex_digit_value('9'), 9);
	assert_int_equal(hex_digit_value('a'), 10);
	assert_int_equal(hex_digit_value('F'), 15);
	assert_int_equal(hex_digit_value('g'), -1);
	assert_int_equal(hex_digit_value(0xe0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_is_lowercase_and_terminated),
		cmocka_unit_test(decode_accepts_either_case),
		cmocka_unit_test(decode_is_strict),
		cmocka_unit_test(digit_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
