/* test_canon.c — strict JSON input and canonical JSON output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon.h"
#include "vectors.h"

/* Load then dump s; returns the dump rc, *out the canonical text. */
static int roundtrip(const char *s, char **out, elog_err_t *err)
{
	json_t *v = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = elog_json_load(s, strlen(s), &v, err);
	if (rc)
		return rc;
	rc = elog_canon_dump(v, out, &len, err);
	if (rc == 0)
		assert_int_equal(len, strlen(*out));
	json_decref(v);
	return rc;
}

static void expect_canon(const char *in, const char *want)
{
	elog_err_t err;
	char *out = NULL;

	elog_err_clear(&err);
	assert_int_equal(roundtrip(in, &out, &err), 0);
	assert_string_equal(out, want);
	free(out);
}

static void expect_load_fail(const char *in, size_t len, int code)
{
	elog_err_t err;
	json_t *v = (json_t *)1;

	elog_err_clear(&err);
	assert_int_equal(elog_json_load(in, len, &v, &err), -code);
	assert_null(v);
	assert_int_equal(err.code, code);
	assert_int_equal(err.index, -1); /* index names events, not bytes */
	assert_true(err.msg[0] != '\0');
}

static void expect_dump_fail(const char *in, int code)
{
	elog_err_t err;
	char *out = NULL;

	elog_err_clear(&err);
	assert_int_equal(roundtrip(in, &out, &err), -code);
	assert_null(out);
	assert_int_equal(err.code, code);
}

/* A record's leaf data is canonical: it loads and dumps to itself. */
static void is_canonical(const char *data)
{
	elog_err_t err;
	char *out = NULL;

	assert_int_equal(roundtrip(data, &out, &err), 0);
	assert_string_equal(out, data);
	free(out);
}

static void test_vectors_roundtrip(void **state)
{
	(void)state;
	each_record(is_canonical);
}

static void test_key_order(void **state)
{
	(void)state;
	expect_canon("{\"ts\":1,\"kind\":\"event\",\"a\":2}",
		     "{\"a\":2,\"kind\":\"event\",\"ts\":1}");
	/* byte order: upper case before lower case, prefixes first */
	expect_canon("{\"b\":1,\"B\":2,\"ba\":3,\"_\":4}",
		     "{\"B\":2,\"_\":4,\"b\":1,\"ba\":3}");
	/* non-ASCII keys sort by their UTF-8 bytes, after ASCII */
	expect_canon("{\"\\u00e9\":1,\"z\":2,\"\\u20ac\":3}",
		     "{\"z\":2,\"\xc3\xa9\":1,\"\xe2\x82\xac\":3}");
	expect_canon("{\"x\":{\"d\":[{\"z\":1,\"y\":2}],\"c\":0}}",
		     "{\"x\":{\"c\":0,\"d\":[{\"y\":2,\"z\":1}]}}");
}

static void test_whitespace_and_values(void **state)
{
	(void)state;
	expect_canon(" { \"a\" : [ 1 , 2 , [ ] , { } ] }\n",
		     "{\"a\":[1,2,[],{}]}");
	expect_canon("[]", "[]");
	expect_canon("{}", "{}");
	expect_canon("\"s\"", "\"s\"");
	expect_canon("0", "0");
	expect_canon("9007199254740991", "9007199254740991");
	expect_canon("[\"a\\\"b\\\\c/\\/\"]", "[\"a\\\"b\\\\c//\"]");
	/* escapes other than quote and backslash become plain UTF-8 */
	expect_canon("\"\\u00e9\\u20ac\\ud83d\\ude00\"",
		     "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	expect_canon("\"\xc3\xa9\"", "\"\xc3\xa9\"");
}

static void test_dump_refusals(void **state)
{
	(void)state;
	expect_dump_fail("1.5", ELOG_WRONG_TYPE);
	expect_dump_fail("2048.0", ELOG_WRONG_TYPE);
	expect_dump_fail("1e3", ELOG_WRONG_TYPE);
	expect_dump_fail("true", ELOG_WRONG_TYPE);
	expect_dump_fail("false", ELOG_WRONG_TYPE);
	expect_dump_fail("null", ELOG_WRONG_TYPE);
	expect_dump_fail("{\"a\":[null]}", ELOG_WRONG_TYPE);
	expect_dump_fail("-1", ELOG_OUT_OF_RANGE);
	expect_dump_fail("9007199254740992", ELOG_OUT_OF_RANGE);
	expect_dump_fail("[\"\\u0001\"]", ELOG_CONTROL_CHARACTER);
	expect_dump_fail("\"a\\nb\"", ELOG_CONTROL_CHARACTER);
	expect_dump_fail("{\"a\\tb\":1}", ELOG_CONTROL_CHARACTER);
}

static void test_dump_built(void **state)
{
	json_t *o = json_object();
	elog_err_t err;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	json_object_set_new(o, "zeta", json_integer(3));
	json_object_set_new(o, "alpha", json_string("x"));
	json_object_set_new(o, "mid", json_array());
	assert_int_equal(elog_canon_dump(o, &out, &len, &err), 0);
	assert_string_equal(out, "{\"alpha\":\"x\",\"mid\":[],\"zeta\":3}");
	assert_int_equal(len, strlen(out));
	free(out);
	/* a NUL inside a string built in code is a control character */
	json_object_set_new(o, "n", json_stringn("a\0b", 3));
	assert_int_equal(elog_canon_dump(o, &out, NULL, &err),
			 -ELOG_CONTROL_CHARACTER);
	assert_null(out);
	json_decref(o);
}

static void test_load_errors(void **state)
{
	elog_err_t err;
	json_t *v = NULL;

	(void)state;
	expect_load_fail("[1,", 3, ELOG_MALFORMED_JSON);
	expect_load_fail("", 0, ELOG_MALFORMED_JSON);
	expect_load_fail("[1] [2]", 7, ELOG_MALFORMED_JSON);
	expect_load_fail("{'a':1}", 7, ELOG_MALFORMED_JSON);
	expect_load_fail("[\"a\x01\"]", 6, ELOG_MALFORMED_JSON);
	expect_load_fail("[\"\xff\"]", 5, ELOG_INVALID_UTF8);
	expect_load_fail("[\"\xc3\"]", 5, ELOG_INVALID_UTF8);
	expect_load_fail("[\"\xed\xa0\x80\"]", 7, ELOG_INVALID_UTF8);
	expect_load_fail("{\"a\":1,\"a\":2}", 13, ELOG_DUPLICATE_KEY);
	expect_load_fail("[{\"x\":{\"k\":1,\"k\":1}}]", 21,
			 ELOG_DUPLICATE_KEY);
	expect_load_fail("[99999999999999999999]", 22, ELOG_OUT_OF_RANGE);
	expect_load_fail("[\"a\\u0000b\"]", 12, ELOG_CONTROL_CHARACTER);
	expect_load_fail("{\"a\\u0000\":1}", 13, ELOG_CONTROL_CHARACTER);

	/* the position of the error is reported in the message */
	elog_err_clear(&err);
	assert_int_equal(elog_json_load("[1, 2, }", 8, &v, &err),
			 -ELOG_MALFORMED_JSON);
	assert_int_equal(err.index, -1);
	assert_non_null(strstr(err.msg, "near byte 8"));
	assert_string_equal(err.field, "");

	/* the length bounds the input, not the NUL */
	assert_int_equal(elog_json_load("[1]xyz", 3, &v, &err), 0);
	assert_true(json_is_array(v));
	json_decref(v);
	/* any value at the top level is parsed; callers check */
	assert_int_equal(elog_json_load("42", 2, &v, &err), 0);
	assert_true(json_is_integer(v));
	json_decref(v);
}

static void test_text_clean(void **state)
{
	(void)state;
	assert_true(elog_text_clean("", 0));
	assert_true(elog_text_clean("+447700900123", 13));
	assert_true(elog_text_clean("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
				    14));
	assert_false(elog_text_clean("a\nb", 3));
	assert_false(elog_text_clean("a\tb", 3));
	assert_false(elog_text_clean("a\x7f", 2));
	assert_false(elog_text_clean("a\0b", 3));
	assert_false(elog_text_clean("\xc2\x85", 2));     /* C1 control */
	assert_false(elog_text_clean("\xff", 1));         /* not UTF-8 */
	assert_false(elog_text_clean("\xc3", 1));         /* truncated */
	assert_false(elog_text_clean("\xc0\xaf", 2));     /* overlong */
	assert_false(elog_text_clean("\xe0\x80\xaf", 3)); /* overlong */
	assert_false(elog_text_clean("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(elog_text_clean("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(elog_text_clean("\xe2\x82", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_roundtrip),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_whitespace_and_values),
		cmocka_unit_test(test_dump_refusals),
		cmocka_unit_test(test_dump_built),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_text_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
