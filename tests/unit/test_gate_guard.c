/* The channel-data guard's drdynvc check: a DATA_FIRST PDU announcing more than the cap (which
 * FreeRDP 2.11's server would pre-allocate) is refused, whatever the field sizes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gate_channels.h"

static void data_first_longer_than_cap_is_refused(void **state)
{
	(void)state;
	/* cmd 2 (DATA_FIRST), Sp 2 (4-byte length), cbChId 0: channel 7, length 0xFFFFFFFF */
	static const BYTE huge[] = { 0x28, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 'x' };
	assert_false(gate_channels_dvc_first_ok(huge, sizeof(huge), 65536));
	/* Sp 1 (2-byte length), cbChId 1 (2-byte channel id): length 0x1001 */
	static const BYTE mid[] = { 0x25, 0x07, 0x00, 0x01, 0x10, 'x' };
	assert_false(gate_channels_dvc_first_ok(mid, sizeof(mid), 0x1000));
	assert_true(gate_channels_dvc_first_ok(mid, sizeof(mid), 0x1001));
	/* Sp 0 (1-byte length) */
	static const BYTE small[] = { 0x20, 0x07, 0x80, 'x' };
	assert_true(gate_channels_dvc_first_ok(small, sizeof(small), 0x80));
	/* DATA (cmd 3) and CAPABILITY (cmd 5) carry no announced length */
	static const BYTE data[] = { 0x38, 0x07, 0xFF, 0xFF, 0xFF, 0xFF };
	assert_true(gate_channels_dvc_first_ok(data, sizeof(data), 16));
	static const BYTE caps[] = { 0x50, 0x00, 0x01, 0x00 };
	assert_true(gate_channels_dvc_first_ok(caps, sizeof(caps), 16));
	/* truncated header: the library refuses it without allocating */
	assert_true(gate_channels_dvc_first_ok(huge, 3, 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_first_longer_than_cap_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
