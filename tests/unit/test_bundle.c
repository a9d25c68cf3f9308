/* test_bundle.c — bundles checked against the warrant they answered
 * (over-disclosure, elog_bundle_check_warrant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "merkle.h"
#include "note.h"
#include "request.h"
#include "warrant.h"

#define A "+447700900123"
#define B "+447700900456"
#define C "+447700900789"
#define FROM_MS 1699920000000LL /* 2023-11-14T00:00:00Z */
#define TO_MS 1700006400000LL   /* 2023-11-15T00:00:00Z */

/* The warrant's lines; the `log` line (SPEC R2) is added when the parser
 * asks for it. */
#define HEAD "envelog/warrant/v1\nid W-1\nauthority authority-1\n"
#define TAIL                                                              \
	"subject " A "\nsubject " B "\nfrom 2023-11-14T00:00:00Z\n"         \
	"to 2023-11-15T00:00:00Z\nexpires 2099-01-01T00:00:00Z\n"           \
	"basis Test Act 2026 s.1\n"

static char *note;     /* the signed warrant */
static char hex[65];   /* its SHA-256 */
static char *other;    /* another signed warrant */

static char *sign(const char *text, const elog_signer *s)
{
	char *out = NULL;
	assert_int_equal(elog_note_sign(text, strlen(text), s, &out, NULL, NULL), 0);
	return out;
}

static int setup(void **state)
{
	elog_signer s;
	elog_warrant w;
	const char *text = HEAD TAIL;
	elog_hash h;

	(void)state;
	assert_int_equal(elog_signer_generate("authority-1", &s, NULL), 0);
	if (elog_warrant_parse(text, strlen(text), &w, NULL) == 0)
		elog_warrant_free(&w);
	else
		text = HEAD "log test.example/log\n" TAIL;
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, NULL), 0);
	elog_warrant_free(&w);
	note = sign(text, &s);
	{
		char t2[1024];
		snprintf(t2, sizeof t2, "%s", text);
		t2[strlen("envelog/warrant/v1\nid W-")] = '2'; /* id W-2 */
		other = sign(t2, &s);
	}
	elog_sha256(note, strlen(note), &h);
	elog_hash_to_hex(&h, hex);
	elog_signer_wipe(&s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(note);
	free(other);
	return 0;
}

/* An event object. */
static json_t *ev(long long ts, const char *snd, const char *rcp)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "kind", "event",
			 "nonce", "q83vEjRWeJCrze8SNFZ4kA==", "recipient", rcp,
			 "sender", snd, "size", (json_int_t)10, "ts",
			 (json_int_t)ts, "type", "message");
}

/* A bundle of the given records ({"seq","entry"|"record","proof"}). */
static char *bundle(const char *sha, json_t *records)
{
	json_t *b = json_pack(
		"{s:{s:I,s:{s:s,s:s},s:[]},s:o,s:s}", "disclosure", "seq",
		(json_int_t)100, "entry", "kind", "disclosure",
		"warrant_sha256", sha, "proof", "records", records,
		"checkpoint", "x");
	char *s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return s;
}

/* A record in today's form (the event is the leaf data) or in R2's (the
 * event is "record"; "entry" is its commitment). */
static json_t *rec(long long seq, json_t *event, int r2)
{
	if (r2)
		return json_pack("{s:I,s:{s:s,s:s},s:o,s:[]}", "seq",
				 (json_int_t)seq, "entry", "commitment",
				 "AAAA", "kind", "event", "record", event,
				 "proof");
	return json_pack("{s:I,s:o,s:[]}", "seq", (json_int_t)seq, "entry",
			 event, "proof");
}

static int check(char *b, elog_err_t *err)
{
	int rc;
	elog_err_clear(err);
	rc = elog_bundle_check_warrant(b, strlen(b), note, strlen(note), err);
	free(b);
	return rc;
}

static void test_inside(void **state)
{
	elog_err_t err;
	int r2;

	(void)state;
	for (r2 = 0; r2 < 2; r2++) {
		/* the window's first ms, a subject as sender or recipient */
		assert_int_equal(check(bundle(hex, json_pack("[o,o,o]",
			rec(1, ev(FROM_MS, A, C), r2),
			rec(2, ev(TO_MS - 1, C, B), r2),
			rec(3, ev(FROM_MS + 5, B, A), r2))), &err), 0);
		/* no records at all */
		assert_int_equal(check(bundle(hex, json_array()), &err), 0);
	}
}

static void test_outside(void **state)
{
	elog_err_t err;
	int r2;

	(void)state;
	for (r2 = 0; r2 < 2; r2++) {
		/* ts == to: the window is [from, to) */
		assert_int_equal(check(bundle(hex, json_pack("[o,o]",
			rec(1, ev(FROM_MS, A, C), r2),
			rec(7, ev(TO_MS, A, C), r2))), &err), -ELOG_OUTSIDE_WARRANT);
		assert_int_equal(err.index, 1);
		assert_string_equal(err.field, "ts");
		assert_non_null(strstr(err.msg, "record 1 (seq 7)"));
		/* before from */
		assert_int_equal(check(bundle(hex, json_pack("[o]",
			rec(3, ev(FROM_MS - 1, A, C), r2))), &err), -ELOG_OUTSIDE_WARRANT);
		assert_int_equal(err.index, 0);
		/* nobody named */
		assert_int_equal(check(bundle(hex, json_pack("[o,o,o]",
			rec(1, ev(FROM_MS, A, C), r2),
			rec(2, ev(FROM_MS, B, B), r2),
			rec(9, ev(FROM_MS, C, "+447700900000"), r2))), &err), -ELOG_OUTSIDE_WARRANT);
		assert_int_equal(err.index, 2);
		assert_string_equal(err.field, "sender");
		assert_non_null(strstr(err.msg, "record 2 (seq 9)"));
		/* identifiers never appear in the message */
		assert_null(strstr(err.msg, "+4477"));
		/* a subject's prefix is not the subject */
		assert_int_equal(check(bundle(hex, json_pack("[o]",
			rec(1, ev(FROM_MS, "+44770090012", C), r2))), &err), -ELOG_OUTSIDE_WARRANT);
	}
}

static void test_r2_reads_the_record(void **state)
{
	elog_err_t err;
	json_t *r;

	(void)state;
	/* The event is in "record"; an "entry" with other fields is not
	 * what is checked. */
	r = json_pack("{s:I,s:o,s:o,s:[]}", "seq", (json_int_t)4, "entry",
		      ev(FROM_MS, A, B), "record", ev(TO_MS + 1, A, B),
		      "proof");
	assert_int_equal(check(bundle(hex, json_pack("[o]", r)), &err), -ELOG_OUTSIDE_WARRANT);
}

static void test_other_warrant_and_malformed(void **state)
{
	elog_err_t err;
	char *b;

	(void)state;
	assert_int_equal(check(bundle("00", json_pack("[o]", rec(1, ev(FROM_MS, A, C), 0))), &err),
			 -ELOG_OUTSIDE_WARRANT);
	assert_string_equal(err.field, "warrant_sha256");
	/* the bundle answered `note`; checked against `other` */
	b = bundle(hex, json_pack("[o]", rec(1, ev(FROM_MS, A, C), 0)));
	elog_err_clear(&err);
	assert_int_equal(elog_bundle_check_warrant(b, strlen(b), other, strlen(other), &err),
			 -ELOG_OUTSIDE_WARRANT);
	free(b);
	/* a record without ts */
	{
		json_t *e = ev(FROM_MS, A, C);
		json_object_del(e, "ts");
		assert_int_equal(check(bundle(hex, json_pack("[o]", rec(1, e, 0))), &err),
				 -ELOG_MALFORMED_BUNDLE);
	}
	/* not a bundle; not a warrant */
	b = strdup("{\"records\":1}");
	assert_int_equal(check(b, &err), -ELOG_MALFORMED_BUNDLE);
	b = bundle(hex, json_array());
	assert_true(elog_bundle_check_warrant(b, strlen(b), "hello\n", 6, &err) < 0);
	assert_true(err.code == ELOG_MALFORMED_NOTE || err.code == ELOG_MALFORMED_WARRANT);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_r2_reads_the_record),
		cmocka_unit_test(test_other_warrant_and_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
