/* gate_log_escape: what reaches the gate's log from a client stays on one line and cannot
 * drive the reader's terminal, while valid text (Japanese included) reads as it was sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "gate_log.h"

static const char *esc(const char *in)
{
	static char out[256];
	return gate_log_escape(out, sizeof(out), in);
}

static void newlines_and_escape_sequences_become_hex(void **state)
{
	(void)state;
	assert_string_equal(esc("a\nb"), "a\\x0Ab");
	assert_string_equal(esc("\x1b[2J\r\a\t\x7f"), "\\x1B[2J\\x0D\\x07\\x09\\x7F");
}

static void valid_utf8_stays_and_c1_controls_do_not(void **state)
{
	(void)state;
	assert_string_equal(esc("保守業者 acme\\DOM"), "保守業者 acme\\DOM");
	assert_string_equal(esc("\xc2\x9b" "31m"), "\\xC2\\x9B31m");       /* C1 CSI as UTF-8 */
	assert_string_equal(esc("x\xe2\x80\xa8y"), "x\\xE2\\x80\\xA8y");     /* U+2028 */
}

static void malformed_utf8_becomes_hex_byte_by_byte(void **state)
{
	(void)state;
	assert_string_equal(esc("\x9b"), "\\x9B");                    /* lone C1 byte */
	assert_string_equal(esc("\xc0\x8a"), "\\xC0\\x8A");           /* overlong newline */
	assert_string_equal(esc("\xed\xa0\x80"), "\\xED\\xA0\\x80");  /* surrogate */
	assert_string_equal(esc("\xe3\x81"), "\\xE3\\x81");           /* cut sequence */
}

static void output_is_truncated_on_a_boundary_and_terminated(void **state)
{
	(void)state;
	char small[6];
	assert_string_equal(gate_log_escape(small, sizeof(small), "ab\ncd"), "ab");
	assert_string_equal(gate_log_escape(small, sizeof(small), "あい"), "あ");
	assert_string_equal(gate_log_escape(small, sizeof(small), NULL), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(newlines_and_escape_sequences_become_hex),
		cmocka_unit_test(valid_utf8_stays_and_c1_controls_do_not),
		cmocka_unit_test(malformed_utf8_becomes_hex_byte_by_byte),
		cmocka_unit_test(output_is_truncated_on_a_boundary_and_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
