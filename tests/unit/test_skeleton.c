/* Proves the test harness links every module library and runs cmocka. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

static void version_string_is_set(void **state)
{
	(void)state;
	assert_true(strlen(RMGATE_VERSION) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_string_is_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
