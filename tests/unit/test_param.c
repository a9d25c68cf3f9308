/* test_param.c — parameter values: decimal integers and dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "param.h"

static void test_uint(void **state)
{
	uint64_t v = 7;
	(void)state;
	assert_int_equal(elog_param_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(elog_param_uint("0010", 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(elog_param_uint("11", 10, &v), -2);
	assert_int_equal(elog_param_uint("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(elog_param_uint("18446744073709551616", UINT64_MAX, &v), -2);
	assert_int_equal(elog_param_uint("99999999999999999999999", UINT64_MAX, &v), -2);
	v = 3;
	assert_int_equal(elog_param_uint("", 10, &v), -1);
	assert_int_equal(elog_param_uint(NULL, 10, &v), -1);
	assert_int_equal(elog_param_uint("-1", 10, &v), -1);
	assert_int_equal(elog_param_uint("+1", 10, &v), -1);
	assert_int_equal(elog_param_uint(" 1", 10, &v), -1);
	assert_int_equal(elog_param_uint("1 ", 10, &v), -1);
	assert_int_equal(elog_param_uint("0x1", 10, &v), -1);
	assert_int_equal(elog_param_uint("1e3", 10000, &v), -1);
	assert_int_equal(v, 3); /* untouched on failure */
}

static void test_time(void **state)
{
	int64_t ms = 0;
	(void)state;
	assert_int_equal(elog_param_time("2026-03-01", &ms), 0);
	assert_true(ms == 1772323200000LL);
	assert_int_equal(elog_param_time("2026-03-01T00:00:00Z", &ms), 0);
	assert_true(ms == 1772323200000LL);
	assert_int_equal(elog_param_time("2026-03-01T00:00:00.250Z", &ms), 0);
	assert_true(ms == 1772323200250LL);
	assert_int_equal(elog_param_time("2026-03-01T01:00:00+01:00", &ms), -1);
	assert_int_equal(elog_param_time("2026-02-30", &ms), -1);
	assert_int_equal(elog_param_time("2026-3-01", &ms), -1);
	assert_int_equal(elog_param_time("yesterday", &ms), -1);
	assert_int_equal(elog_param_time("", &ms), -1);
	assert_int_equal(elog_param_time("2026-03-01T00:00:00Z ", &ms), -1);
	assert_int_equal(elog_param_time("2026-03-01x", &ms), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
