/* Client-supplied names in receipt details cannot end their field or add a key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "gate_link.h"

static void quotes_spaces_and_controls_are_escaped(void **state)
{
	(void)state;
	char out[GATE_ESCAPED_MAX];
	assert_string_equal(gate_link_escape(out, sizeof(out), "\" forwarded=yes"),
	                    "\\x22\\x20forwarded=yes");
	assert_string_equal(gate_link_escape(out, sizeof(out), "a\\b\nc\x1b[2Jd\x7f"),
	                    "a\\x5Cb\\x0Ac\\x1B[2Jd\\x7F");
	assert_string_equal(gate_link_escape(out, sizeof(out), "share"), "share");
	assert_string_equal(gate_link_escape(out, sizeof(out), "端末"), "端末"); /* UTF-8 kept */
	assert_string_equal(gate_link_escape(out, sizeof(out), NULL), "");
	/* truncation never splits an escape and always terminates */
	char small[6];
	assert_string_equal(gate_link_escape(small, sizeof(small), "ab\"cd"), "ab");
	char big[600];
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(gate_link_escape(out, sizeof(out), big)), 252);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quotes_spaces_and_controls_are_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
