/* common/pin: the one "sha256:" certificate pin parser (pin.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pin.h"

#define PLAIN "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define COLONS "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"

static void expect_bytes(const uint8_t pin[CERT_PIN_LEN])
{
	for (int i = 0; i < CERT_PIN_LEN; i++)
		assert_int_equal(pin[i], i);
}

static void accepts_both_spellings(void **state)
{
	(void)state;
	uint8_t pin[CERT_PIN_LEN];
	assert_int_equal(cert_pin_parse("sha256:" PLAIN, pin, NULL), CERT_PIN_OK);
	expect_bytes(pin);
	assert_int_equal(cert_pin_parse("SHA256:" COLONS, pin, NULL), CERT_PIN_OK);
	expect_bytes(pin);
}

static void refuses_with_a_reason(void **state)
{
	(void)state;
	uint8_t pin[CERT_PIN_LEN];
	size_t at = 99;
	assert_int_equal(cert_pin_parse(NULL, pin, &at), CERT_PIN_NO_PREFIX);
	assert_int_equal(cert_pin_parse("sha1:" PLAIN, pin, &at), CERT_PIN_NO_PREFIX);
	assert_int_equal(cert_pin_parse(PLAIN, pin, &at), CERT_PIN_NO_PREFIX);
	assert_int_equal(cert_pin_parse("sha256:" PLAIN "00", pin, &at), CERT_PIN_BAD_LENGTH);
	assert_int_equal(at, 66);
	assert_int_equal(cert_pin_parse("sha256:" PLAIN " ", pin, &at), CERT_PIN_BAD_LENGTH);
	assert_int_equal(cert_pin_parse("sha256:", pin, &at), CERT_PIN_BAD_LENGTH);
	/* Colons only between every pair, not here and there. */
	assert_int_equal(cert_pin_parse("sha256::" PLAIN, pin, &at), CERT_PIN_BAD_LENGTH);
	char odd[] = "sha256:" COLONS;
	odd[9] = '-';
	assert_int_equal(cert_pin_parse(odd, pin, &at), CERT_PIN_BAD_COLON);
	assert_int_equal(at, 9);
	char moved[] = "sha256:" COLONS; /* "0:001:..." : right length, colon misplaced */
	moved[8] = ':';
	moved[9] = '0';
	assert_int_equal(cert_pin_parse(moved, pin, &at), CERT_PIN_BAD_DIGIT);
	assert_int_equal(at, 8);
	char bad[] = "sha256:" PLAIN;
	bad[7 + 5] = 'g';
	memset(pin, 0xaa, sizeof pin);
	assert_int_equal(cert_pin_parse(bad, pin, &at), CERT_PIN_BAD_DIGIT);
	assert_int_equal(at, 12);
	for (int i = 0; i < CERT_PIN_LEN; i++)
		assert_int_equal(pin[i], 0); /* nothing half-parsed is left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_both_spellings),
		cmocka_unit_test(refuses_with_a_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
