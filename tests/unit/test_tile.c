/* test_tile.c — C2SP tlog-tiles paths (the x-group index encoding, partial
 * widths, the one encoding accepted) and tile widths at a tree size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tile.h"

/* path of (level, index, width) is want, and parses back to it */
static void roundtrip(int level, uint64_t index, unsigned width,
		      const char *want)
{
	elog_tile t = {level, index, width}, u;
	char buf[ELOG_TILE_PATH_MAX];
	elog_err_t err;
	int n = elog_tile_path(&t, buf, sizeof buf);

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(elog_tile_parse(buf, &u, &err), 0);
	assert_int_equal(u.level, level);
	assert_true(u.index == index);
	assert_int_equal(u.width, width);
}

static void test_paths(void **state)
{
	(void)state;
	roundtrip(0, 0, 256, "tile/0/000");
	roundtrip(0, 5, 256, "tile/0/005");
	roundtrip(0, 999, 256, "tile/0/999");
	roundtrip(0, 1000, 256, "tile/0/x001/000");
	roundtrip(3, 1234067, 256, "tile/3/x001/x234/067");
	roundtrip(0, 1234067, 8, "tile/0/x001/x234/067.p/8");
	roundtrip(ELOG_TILE_ENTRIES, 1234067, 255,
		  "tile/entries/x001/x234/067.p/255");
	roundtrip(63, 0, 1, "tile/63/000.p/1");
	roundtrip(0, UINT64_MAX >> 8, 255,
		  "tile/0/x072/x057/x594/x037/x927/935.p/255");
	roundtrip(0, UINT64_MAX, 256,
		  "tile/0/x018/x446/x744/x073/x709/x551/615");
}

static void test_bad_paths(void **state)
{
	static const char *const bad[] = {
		"", "tile", "tile/", "tile/0", "tile/0/", "tile/0/1",
		"tile/0/01", "tile/0/0001", "tile/00/000", "tile/64/000",
		"tile/-1/000", "tile/x/000", "tile/0/x000/001", "tile/0/x001",
		"tile/0/x001/", "tile/0/x1/000", "tile/0/000/", "tile/0/000.p/0",
		"tile/0/000.p/256", "tile/0/000.p/01", "tile/0/000.p/",
		"tile/0/000.p/3x", "tile/0/000.q/3", "tile/0/000.p/3/",
		"tile/entries/1", "tile/entries/000.p/256", "tile/entries",
		"tiles/0/000", "/tile/0/000", "tile/0/xx001/000",
		"tile/0/x018/x446/x744/x073/x709/x551/616",
		"tile/0/x001/x000/x000/x000/x000/x000/x000/000",
	};
	elog_tile t;
	elog_err_t err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		elog_err_clear(&err);
		if (elog_tile_parse(bad[i], &t, &err) != -ELOG_INVALID_PARAMETER)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(err.code, ELOG_INVALID_PARAMETER);
		assert_string_equal(err.field, "path");
	}
}

static void test_widths(void **state)
{
	(void)state;
	assert_int_equal(elog_tile_width_at(0, 0, 0), 0);
	assert_int_equal(elog_tile_width_at(0, 0, 1), 1);
	assert_int_equal(elog_tile_width_at(0, 0, 256), 256);
	assert_int_equal(elog_tile_width_at(0, 1, 256), 0);
	assert_int_equal(elog_tile_width_at(0, 2, 600), 88);
	assert_int_equal(elog_tile_width_at(ELOG_TILE_ENTRIES, 2, 600), 88);
	assert_int_equal(elog_tile_width_at(1, 0, 600), 2);
	assert_int_equal(elog_tile_width_at(1, 0, 255), 0);
	assert_int_equal(elog_tile_width_at(1, 0, 65536), 256);
	assert_int_equal(elog_tile_width_at(1, 1, 65536 + 256), 1);
	assert_int_equal(elog_tile_width_at(2, 0, 65536), 1);
	assert_int_equal(elog_tile_width_at(8, 0, UINT64_MAX), 0);
	assert_int_equal(elog_tile_width_at(7, 0, UINT64_MAX), 255);
	assert_int_equal(elog_tile_width_at(0, UINT64_MAX, UINT64_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
