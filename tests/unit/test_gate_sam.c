/* The NLA account table: winpr-hash's SAM lines parse, lookups follow user and domain rules,
 * and malformed files are refused with the line number. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "gate_sam.h"

/* NT hash of "bench" (winpr-hash -u bench -p bench). */
static const BYTE bench_nt[16] = { 0x79, 0xd5, 0x3f, 0x1f, 0x56, 0x4a, 0xa9, 0x78,
	                               0xe5, 0xa5, 0xff, 0xea, 0xe2, 0xcc, 0x12, 0xc3 };

static void winpr_hash_lines_are_read(void **state)
{
	(void)state;
	char err[200] = "";
	gate_sam *sam = gate_sam_parse("# vendors\n"
	                               "bench:::79d53f1f564aa978e5a5ffeae2cc12c3:::\n"
	                               "op:CITY:aad3b435b51404eeaad3b435b51404ee:00112233445566778899AABBCCDDEEFF:::\r\n",
	                               err, sizeof(err));
	assert_non_null(sam);
	assert_int_equal(gate_sam_count(sam), 2);
	BYTE nt[16];
	assert_true(gate_sam_lookup(sam, "bench", "", nt));
	assert_memory_equal(nt, bench_nt, 16);
	assert_true(gate_sam_lookup(sam, "BENCH", "ANYDOMAIN", nt)); /* empty domain matches any */
	assert_true(gate_sam_lookup(sam, "op", "city", nt));
	assert_int_equal(nt[15], 0xff);
	assert_false(gate_sam_lookup(sam, "op", "OTHER", nt));
	assert_false(gate_sam_lookup(sam, "nobody", "", nt));
	assert_false(gate_sam_lookup(sam, NULL, "", nt));
	gate_sam_free(sam);
}

static void malformed_files_are_refused(void **state)
{
	(void)state;
	char err[200] = "";
	assert_null(gate_sam_parse("bench:::1234:::\n", err, sizeof(err)));
	assert_non_null(strstr(err, "line 1"));
	assert_null(gate_sam_parse("ok:::79d53f1f564aa978e5a5ffeae2cc12c3:::\nbroken line\n", err, sizeof(err)));
	assert_non_null(strstr(err, "line 2"));
	assert_null(gate_sam_parse(":::79d53f1f564aa978e5a5ffeae2cc12c3:::\n", err, sizeof(err)));
	assert_null(gate_sam_parse("u:::79d53f1f564aa978e5a5ffeae2cc12cZ:::\n", err, sizeof(err)));
	assert_null(gate_sam_parse("# only a comment\n", err, sizeof(err)));
	assert_non_null(strstr(err, "no account"));
	assert_null(gate_sam_load("/nonexistent/sam", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/sam"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(winpr_hash_lines_are_read),
		cmocka_unit_test(malformed_files_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
