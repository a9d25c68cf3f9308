/* test_rfc3339.c — RFC 3339 timestamps <-> milliseconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rfc3339.h"

static int64_t parse_ok(const char *s, int utc_only)
{
	int64_t ms = -1;

	assert_int_equal(elog_rfc3339_parse(s, strlen(s), utc_only, &ms), 0);
	return ms;
}

static void parse_bad(const char *s, int utc_only)
{
	int64_t ms = 12345;

	assert_int_equal(elog_rfc3339_parse(s, strlen(s), utc_only, &ms), -1);
	assert_int_equal(ms, 12345);
}

static void test_parse_valid(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z", 1), 0);
	assert_int_equal(parse_ok("2024-03-23T22:56:07.890Z", 1),
			 1711234567890LL);
	assert_int_equal(parse_ok("2024-03-23T22:56:07Z", 1), 1711234567000LL);
	assert_int_equal(parse_ok("2023-11-14T00:00:00Z", 1), 1699920000000LL);
	assert_int_equal(parse_ok("2099-01-01T00:00:00Z", 1), 4070908800000LL);
	assert_int_equal(parse_ok("9999-12-31T23:59:59Z", 1),
			 253402300799000LL);
	/* fractions: fewer digits scale up, more are truncated */
	assert_int_equal(parse_ok("2024-03-23T22:56:07.8Z", 1),
			 1711234567800LL);
	assert_int_equal(parse_ok("2024-03-23T22:56:07.89Z", 1),
			 1711234567890LL);
	assert_int_equal(parse_ok("2024-03-23T22:56:07.890999999Z", 1),
			 1711234567890LL);
}

static void test_leap_years(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2000-02-29T12:00:00Z", 1), 951825600000LL);
	parse_ok("2024-02-29T00:00:00Z", 1);
	parse_ok("1972-02-29T00:00:00Z", 1);
	parse_bad("2023-02-29T00:00:00Z", 1);
	parse_bad("2100-02-29T00:00:00Z", 1);
	parse_bad("1900-02-29T00:00:00Z", 0);
	parse_bad("2024-02-30T00:00:00Z", 1);
	parse_bad("2024-04-31T00:00:00Z", 1);
	parse_ok("2024-12-31T23:59:59Z", 1);
	/* the day after 28 February in a common year is 1 March */
	assert_int_equal(parse_ok("2023-03-01T00:00:00Z", 1) -
				 parse_ok("2023-02-28T00:00:00Z", 1),
			 86400000LL);
	assert_int_equal(parse_ok("2024-03-01T00:00:00Z", 1) -
				 parse_ok("2024-02-28T00:00:00Z", 1),
			 2 * 86400000LL);
}

static void test_offsets(void **state)
{
	int64_t z = parse_ok("2024-03-23T22:56:07.890Z", 1);

	(void)state;
	assert_int_equal(parse_ok("2024-03-23T23:56:07.890+01:00", 0), z);
	assert_int_equal(parse_ok("2024-03-23T17:26:07.890-05:30", 0), z);
	assert_int_equal(parse_ok("2024-03-24T00:56:07.890+02:00", 0), z);
	assert_int_equal(parse_ok("2024-03-23T22:56:07.890+00:00", 0), z);
	assert_int_equal(parse_ok("2024-03-23T22:56:07.890-00:00", 0), z);
	/* utc_only refuses every offset but Z */
	parse_bad("2024-03-23T22:56:07.890+00:00", 1);
	parse_bad("2024-03-23T23:56:07+01:00", 1);
	/* before the epoch once converted */
	parse_bad("1970-01-01T00:30:00+01:00", 0);
	parse_ok("1970-01-01T00:30:00-01:00", 0);
	parse_bad("2024-03-23T22:56:07+24:00", 0);
	parse_bad("2024-03-23T22:56:07+01:60", 0);
	parse_bad("2024-03-23T22:56:07+0100", 0);
	parse_bad("2024-03-23T22:56:07+01", 0);
	parse_bad("2024-03-23T22:56:07+01:00Z", 0);
}

static void test_parse_invalid(void **state)
{
	int64_t ms;

	(void)state;
	parse_bad("", 0);
	parse_bad("2024-03-23", 0);
	parse_bad("2024-03-23T22:56:07", 0);        /* no zone */
	parse_bad("2024-03-23t22:56:07Z", 0);       /* lower-case t */
	parse_bad("2024-03-23T22:56:07z", 0);       /* lower-case z */
	parse_bad("2024-03-23 22:56:07Z", 0);       /* space separator */
	parse_bad("2024-13-01T00:00:00Z", 0);       /* month 13 */
	parse_bad("2024-00-01T00:00:00Z", 0);       /* month 0 */
	parse_bad("2024-01-00T00:00:00Z", 0);       /* day 0 */
	parse_bad("2024-01-32T00:00:00Z", 0);
	parse_bad("2024-01-01T24:00:00Z", 0);       /* hour 24 */
	parse_bad("2024-01-01T23:60:00Z", 0);
	parse_bad("2024-01-01T23:59:60Z", 0);       /* no leap seconds */
	parse_bad("1969-12-31T23:59:59Z", 0);       /* before 1970 */
	parse_bad("10000-01-01T00:00:00Z", 0);
	parse_bad("2024-03-23T22:56:07.Z", 0);      /* empty fraction */
	parse_bad("2024-03-23T22:56:07,5Z", 0);
	parse_bad("2024-03-23T22:56:07Zjunk", 0);
	parse_bad("2024-03-23T22:56:07Z ", 0);
	parse_bad(" 2024-03-23T22:56:07Z", 0);
	parse_bad("2024-3-23T22:56:07Z", 0);
	parse_bad("+024-03-23T22:56:07Z", 0);
	parse_bad("2024-03-23T22:5a:07Z", 0);
	/* the length bounds the input */
	assert_int_equal(elog_rfc3339_parse("2024-03-23T22:56:07Zxx", 20, 1,
					    &ms),
			 0);
	assert_int_equal(ms, 1711234567000LL);
	assert_int_equal(elog_rfc3339_parse("2024-03-23T22:56:07Z", 19, 0,
					    &ms),
			 -1);
}

static void test_format(void **state)
{
	char buf[32];
	int64_t ms;

	(void)state;
	elog_rfc3339_format(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	elog_rfc3339_format(1711234567890LL, buf);
	assert_string_equal(buf, "2024-03-23T22:56:07.890Z");
	elog_rfc3339_format(1711234567005LL, buf);
	assert_string_equal(buf, "2024-03-23T22:56:07.005Z");
	elog_rfc3339_format(951825600000LL, buf);
	assert_string_equal(buf, "2000-02-29T12:00:00Z");
	elog_rfc3339_format(253402300799999LL, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	/* round trip across many days, including leap days */
	for (ms = 0; ms < 253402300799999LL; ms += 86399999LL * 37) {
		int64_t back = -1;

		elog_rfc3339_format(ms, buf);
		assert_int_equal(
			elog_rfc3339_parse(buf, strlen(buf), 1, &back), 0);
		assert_int_equal(back, ms);
	}
}

static void test_now(void **state)
{
	int64_t a, b;

	(void)state;
	a = elog_now_ms();
	b = elog_now_ms();
	assert_true(a > 1700000000000LL); /* after November 2023 */
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
