/* test_warrant.c — the warrant grammar and the lawful-request policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "rfc3339.h"
#include "warrant.h"
#include "vectors.h"

#define HDR "envelog/warrant/v1\n"
#define ID "id T-0042\n"
#define AUTH "authority test-authority\n"
#define SUBJ "subject +447700900123\nsubject +447700900456\n"
#define FROM "from 2023-11-14T00:00:00Z\n"
#define TO "to 2023-11-15T00:00:00Z\n"
#define EXP "expires 2099-01-01T00:00:00Z\n"
#define BASIS "basis Test Act 2026 s.1\n"
#define LOG "log envelog.example/log-1\n"
#define VALID HDR ID AUTH SUBJ FROM TO EXP BASIS LOG

static void malformed(const char *text, long line, const char *field)
{
	elog_warrant w;
	elog_err_t err;

	elog_err_clear(&err);
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err),
			 -ELOG_MALFORMED_WARRANT);
	assert_int_equal(err.code, ELOG_MALFORMED_WARRANT);
	assert_int_equal(err.index, line);
	assert_string_equal(err.field, field);
	assert_null(w.subjects);
	assert_int_equal(w.nsubjects, 0);
	/* subjects are never quoted in errors */
	assert_null(strstr(err.msg, "+4477"));
}

/* The text of a signed note (up to the blank line before the
 * signatures). */
static size_t note_text_len(const char *note)
{
	const char *p = strstr(note, "\n\n");

	assert_non_null(p);
	return (size_t)(p - note) + 1;
}

/* v2/warrants.json: both warrants parse, and name the log they are for. */
/* The value of the first line "KEY value" of text, into out; "" if none. */
static void line_value(const char *text, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	const char *p = text;

	out[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			assert_true(ll - kl - 1 < size);
			memcpy(out, p + kl + 1, ll - kl - 1);
			out[ll - kl - 1] = '\0';
			return;
		}
		p += ll + (nl != NULL);
	}
}

/* The warrant of the vector set parses into what its lines say (read here
 * without the library's parser). */
static void test_vector(void **state)
{
	json_t *v = load_vector("v2/warrants.json");
	const char *origin =
		json_string_value(json_object_get(v, "log_origin"));
	const char *here = json_string_value(
		json_object_get(v, "warrant_for_this_log"));
	const char *other = json_string_value(
		json_object_get(v, "warrant_for_other_log"));
	elog_warrant w;
	elog_err_t err;
	char want[512], *text;
	const char *p;
	size_t i;

	(void)state;
	assert_non_null(origin);
	assert_non_null(here);
	assert_non_null(other);
	text = strndup(here, note_text_len(here));
	assert_non_null(text);
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	/* It names the log it is for. */
	assert_string_equal(w.log, origin);
	line_value(text, "log", want, sizeof want);
	assert_string_equal(w.log, want);
	line_value(text, "id", want, sizeof want);
	assert_string_equal(w.id, want);
	line_value(text, "authority", want, sizeof want);
	assert_string_equal(w.authority, want);
	/* It is the vector authority's warrant. */
	{
		const char *vk = json_string_value(
			json_object_get(v, "authority_verifier_key"));
		const char *plus = vk ? strchr(vk, '+') : NULL;

		assert_non_null(plus);
		assert_int_equal(strlen(w.authority), (size_t)(plus - vk));
		assert_memory_equal(w.authority, vk, (size_t)(plus - vk));
	}
	line_value(text, "basis", want, sizeof want);
	assert_string_equal(w.basis, want);
	line_value(text, "from", want, sizeof want);
	{
		int64_t from, to, expires;

		assert_int_equal(elog_rfc3339_parse(want, strlen(want), 1, &from), 0);
		line_value(text, "to", want, sizeof want);
		assert_int_equal(elog_rfc3339_parse(want, strlen(want), 1, &to), 0);
		line_value(text, "expires", want, sizeof want);
		assert_int_equal(elog_rfc3339_parse(want, strlen(want), 1, &expires), 0);
		assert_int_equal(w.from, from);
		assert_int_equal(w.to, to);
		assert_int_equal(w.expires, expires);
	}
	/* The subjects, in order. */
	for (i = 0, p = text; (p = strstr(p, "\nsubject ")) != NULL; i++) {
		const char *nl = strchr(p + 9, '\n');

		assert_non_null(nl);
		assert_true(i < w.nsubjects);
		assert_int_equal(strlen(w.subjects[i]), (size_t)(nl - p - 9));
		assert_memory_equal(w.subjects[i], p + 9, (size_t)(nl - p - 9));
		p = nl;
	}
	assert_int_equal(w.nsubjects, i);
	assert_true(w.nsubjects > 0);
	elog_warrant_free(&w);
	assert_null(w.subjects);
	free(text);
	/* The same warrant for another log parses too: refusing it is policy. */
	assert_int_equal(elog_warrant_parse(other, note_text_len(other), &w,
					    &err),
			 0);
	assert_true(w.log[0] != '\0');
	assert_string_not_equal(w.log, origin);
	elog_warrant_free(&w);
	json_decref(v);
}

/* The test warrant of this file. */
static void test_valid(void **state)
{
	elog_warrant w;
	elog_err_t err;

	(void)state;
	assert_int_equal(elog_warrant_parse(VALID, strlen(VALID), &w, &err), 0);
	assert_string_equal(w.id, "T-0042");
	assert_string_equal(w.authority, "test-authority");
	assert_string_equal(w.log, "envelog.example/log-1");
	assert_int_equal(w.nsubjects, 2);
	assert_string_equal(w.subjects[0], "+447700900123");
	assert_string_equal(w.subjects[1], "+447700900456");
	assert_int_equal(w.from, 1699920000000LL);
	assert_int_equal(w.to, 1700006400000LL);
	assert_int_equal(w.expires, 4070908800000LL);
	assert_string_equal(w.basis, "Test Act 2026 s.1");
	elog_warrant_free(&w);
	assert_null(w.subjects);
}

static void test_spec_example(void **state)
{
	const char *text = "envelog/warrant/v1\n"
			   "id NCA-2026-000042\n"
			   "authority uk-nca\n"
			   "log example.com/envelog\n"
			   "subject +447700900123\n"
			   "subject +447700900456\n"
			   "from 2026-03-01T00:00:00Z\n"
			   "to 2026-03-23T00:00:00Z\n"
			   "expires 2026-04-30T00:00:00Z\n"
			   "basis Investigatory Powers Act 2016 s.61\n";
	elog_warrant w;
	elog_err_t err;

	(void)state;
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	assert_string_equal(w.id, "NCA-2026-000042");
	assert_string_equal(w.authority, "uk-nca");
	assert_string_equal(w.log, "example.com/envelog");
	assert_string_equal(w.basis, "Investigatory Powers Act 2016 s.61");
	assert_int_equal(w.to - w.from, 22LL * 86400000);
	elog_warrant_free(&w);
}

static void test_any_order_and_no_subjects(void **state)
{
	const char *text = HDR BASIS EXP TO "subject a.b:c\n" FROM LOG AUTH ID;
	elog_warrant w;
	elog_err_t err;

	(void)state;
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	assert_int_equal(w.nsubjects, 1);
	assert_string_equal(w.subjects[0], "a.b:c");
	elog_warrant_free(&w);
	/* zero subjects parse, so that policy can refuse them */
	text = HDR ID AUTH FROM TO EXP BASIS LOG;
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	assert_int_equal(w.nsubjects, 0);
	elog_warrant_free(&w);
}

static void test_structure(void **state)
{
	elog_warrant w;
	elog_err_t err;

	(void)state;
	malformed("", 1, "");
	malformed(HDR ID AUTH SUBJ FROM TO EXP "basis x", 1, "");
	malformed("envelog/warrant/v2\n" ID AUTH SUBJ FROM TO EXP BASIS, 1, "");
	malformed("envelog/warrant/v1 \n" ID AUTH SUBJ FROM TO EXP BASIS, 1,
		  "");
	malformed("Envelog/warrant/v1\n" ID AUTH SUBJ FROM TO EXP BASIS, 1, "");
	malformed(ID HDR AUTH SUBJ FROM TO EXP BASIS, 1, "");
	malformed(HDR, -1, "id");
	malformed(HDR "\n" ID AUTH SUBJ FROM TO EXP BASIS, 2, "");
	malformed(HDR ID AUTH SUBJ FROM TO EXP BASIS "\n" LOG, 10, "");
	malformed(HDR ID AUTH "\n" SUBJ FROM TO EXP BASIS, 4, "");
	malformed(HDR ID AUTH SUBJ "court high\n" FROM TO EXP BASIS, 6, "");
	malformed(HDR ID AUTH SUBJ "ID W-2\n" FROM TO EXP BASIS, 6, "");
	malformed(HDR ID AUTH SUBJ "nospace\n" FROM TO EXP BASIS, 6, "");
	malformed(HDR ID AUTH SUBJ FROM TO EXP BASIS "id W-2\n", 10, "id");
	malformed(HDR ID AUTH SUBJ FROM FROM TO EXP BASIS, 7, "from");
	malformed(HDR ID AUTH AUTH SUBJ FROM TO EXP BASIS, 4, "authority");
	malformed(HDR ID AUTH SUBJ "subject +447700900123\n" FROM TO EXP BASIS,
		  6, "subject");
	malformed(HDR "id  W-1\n" AUTH SUBJ FROM TO EXP BASIS, 2, "id");
	malformed(HDR "id \n" AUTH SUBJ FROM TO EXP BASIS, 2, "id");
	malformed(HDR "id W-1\r\n" AUTH SUBJ FROM TO EXP BASIS, 2, "id");
	/* each key is required */
	malformed(HDR AUTH SUBJ FROM TO EXP BASIS, -1, "id");
	malformed(HDR ID SUBJ FROM TO EXP BASIS, -1, "authority");
	malformed(HDR ID AUTH SUBJ TO EXP BASIS, -1, "from");
	malformed(HDR ID AUTH SUBJ FROM EXP BASIS, -1, "to");
	malformed(HDR ID AUTH SUBJ FROM TO BASIS, -1, "expires");
	malformed(HDR ID AUTH SUBJ FROM TO EXP, -1, "basis");
	/* R2: the log line too, once, naming an origin */
	malformed(HDR ID AUTH SUBJ FROM TO EXP BASIS, -1, "log");
	malformed(VALID LOG, 11, "log");
	malformed(HDR ID AUTH SUBJ FROM TO EXP BASIS "log a b\n", 10, "log");
	malformed(HDR ID AUTH SUBJ FROM TO EXP BASIS "log a+b\n", 10, "log");
	/* the length bounds the text */
	assert_int_equal(elog_warrant_parse(VALID "junk", strlen(VALID), &w,
					    &err),
			 0);
	elog_warrant_free(&w);
	assert_int_equal(elog_warrant_parse(VALID, strlen(VALID) - 1, &w,
					    &err),
			 -ELOG_MALFORMED_WARRANT);
}

static void test_values(void **state)
{
	char id64[100], text[4096], basis[600];
	elog_warrant w;
	elog_err_t err;

	(void)state;
	/* id: 1-64 of [A-Za-z0-9._:/-] */
	memset(id64, 'a', 64);
	id64[64] = '\0';
	memcpy(id64, "Az09._:/-", 9);
	snprintf(text, sizeof text, HDR "id %s\n" AUTH SUBJ FROM TO EXP BASIS LOG,
		 id64);
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	assert_string_equal(w.id, id64);
	elog_warrant_free(&w);
	snprintf(text, sizeof text,
		 HDR "id %sa\n" AUTH SUBJ FROM TO EXP BASIS, id64);
	malformed(text, 2, "id");
	malformed(HDR "id W 1\n" AUTH SUBJ FROM TO EXP BASIS, 2, "id");
	malformed(HDR "id W+1\n" AUTH SUBJ FROM TO EXP BASIS, 2, "id");
	malformed(HDR "id W\xc3\xa9\n" AUTH SUBJ FROM TO EXP BASIS, 2, "id");

	/* authority: a key name */
	malformed(HDR ID "authority uk+nca\n" SUBJ FROM TO EXP BASIS, 3,
		  "authority");
	malformed(HDR ID "authority uk nca\n" SUBJ FROM TO EXP BASIS, 3,
		  "authority");
	malformed(HDR ID "authority uk\x01nca\n" SUBJ FROM TO EXP BASIS, 3,
		  "authority");

	/* times: RFC 3339 UTC only */
	malformed(HDR ID AUTH SUBJ "from 2023-11-14T01:00:00+01:00\n" TO EXP
		  BASIS, 6, "from");
	malformed(HDR ID AUTH SUBJ FROM "to 2023-11-15\n" EXP BASIS, 7, "to");
	malformed(HDR ID AUTH SUBJ FROM TO "expires 2099-02-29T00:00:00Z\n"
		  BASIS, 8, "expires");
	malformed(HDR ID AUTH SUBJ FROM "to 2023-11-15t00:00:00z\n" EXP BASIS,
		  7, "to");
	malformed(HDR ID AUTH SUBJ FROM "to 1700006400000\n" EXP BASIS, 7,
		  "to");

	/* subjects: 1-128 bytes, no control characters */
	malformed(HDR ID AUTH "subject +4477\x01\n" FROM TO EXP BASIS, 4,
		  "subject");
	malformed(HDR ID AUTH "subject \xff\n" FROM TO EXP BASIS, 4,
		  "subject");
	/* R2: subjects are identifiers, as senders are */
	malformed(HDR ID AUTH "subject Meet me at 5pm\n" FROM TO EXP BASIS, 4,
		  "subject");
	memset(basis, 's', 129);
	basis[129] = '\0';
	snprintf(text, sizeof text,
		 HDR ID AUTH "subject %s\n" FROM TO EXP BASIS, basis);
	malformed(text, 4, "subject");
	basis[128] = '\0';
	snprintf(text, sizeof text,
		 HDR ID AUTH "subject %s\n" FROM TO EXP BASIS LOG, basis);
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	elog_warrant_free(&w);

	/* basis: 1-512 bytes of text */
	memset(basis, 'b', 513);
	basis[513] = '\0';
	snprintf(text, sizeof text, HDR ID AUTH SUBJ FROM TO EXP "basis %s\n",
		 basis);
	malformed(text, 9, "basis");
	basis[512] = '\0';
	snprintf(text, sizeof text,
		 HDR ID AUTH SUBJ FROM TO EXP LOG "basis %s\n", basis);
	assert_int_equal(elog_warrant_parse(text, strlen(text), &w, &err), 0);
	assert_int_equal(strlen(w.basis), 512);
	elog_warrant_free(&w);
	malformed(HDR ID AUTH SUBJ FROM TO EXP "basis a\tb\n", 9, "basis");
}

static void test_subject_limit(void **state)
{
	size_t cap = 64 * (ELOG_WARRANT_MAX_SUBJECTS + 2) + 512, pos, i;
	char *text = malloc(cap);
	elog_warrant w;
	elog_err_t err;

	(void)state;
	assert_non_null(text);
	pos = (size_t)snprintf(text, cap, HDR ID AUTH FROM TO EXP BASIS LOG);
	for (i = 0; i < ELOG_WARRANT_MAX_SUBJECTS; i++)
		pos += (size_t)snprintf(text + pos, cap - pos,
					"subject +44%010zu\n", i);
	assert_int_equal(elog_warrant_parse(text, pos, &w, &err), 0);
	assert_int_equal(w.nsubjects, ELOG_WARRANT_MAX_SUBJECTS);
	assert_string_equal(w.subjects[999], "+440000000999");
	elog_warrant_free(&w);
	pos += (size_t)snprintf(text + pos, cap - pos, "subject +44x\n");
	malformed(text, 9 + ELOG_WARRANT_MAX_SUBJECTS, "subject");
	free(text);
}

/* A parsed warrant with the given window, expiry and subject count. */
static void fill(elog_warrant *w, int64_t from, int64_t to, int64_t expires,
		 size_t nsubjects)
{
	memset(w, 0, sizeof *w);
	w->from = from;
	w->to = to;
	w->expires = expires;
	w->nsubjects = nsubjects;
}

static void test_refusal(void **state)
{
	const int64_t day = 86400000LL, now = 1711234567890LL;
	elog_policy p = {
		.now_ms = now, .max_window_ms = 366 * day, .max_subjects = 10};
	elog_warrant w;

	(void)state;
	fill(&w, now - 10 * day, now - day, now + day, 2);
	assert_null(elog_warrant_refusal(&w, &p));
	w.expires = now;
	assert_string_equal(elog_warrant_refusal(&w, &p), "expired");
	w.expires = now - 1;
	assert_string_equal(elog_warrant_refusal(&w, &p), "expired");
	w.expires = now + 1;
	assert_null(elog_warrant_refusal(&w, &p));

	w.to = w.from;
	assert_string_equal(elog_warrant_refusal(&w, &p), "window_reversed");
	w.to = w.from - 1;
	assert_string_equal(elog_warrant_refusal(&w, &p), "window_reversed");

	w.to = w.from + 366 * day;
	assert_null(elog_warrant_refusal(&w, &p));
	w.to++;
	assert_string_equal(elog_warrant_refusal(&w, &p), "window_too_long");
	w.to = w.from + day;

	w.nsubjects = 0;
	assert_string_equal(elog_warrant_refusal(&w, &p), "no_subjects");
	w.nsubjects = 10;
	assert_null(elog_warrant_refusal(&w, &p));
	w.nsubjects = 11;
	assert_string_equal(elog_warrant_refusal(&w, &p), "too_many_subjects");
	p.max_subjects = 20;
	assert_null(elog_warrant_refusal(&w, &p));

	/* the first failing rule is named */
	fill(&w, 5, 1, now - 1, 0);
	assert_string_equal(elog_warrant_refusal(&w, &p), "expired");
	w.expires = now + 1;
	assert_string_equal(elog_warrant_refusal(&w, &p), "window_reversed");

	/* zero limits mean the defaults: 366 days, 10 subjects */
	p.max_window_ms = 0;
	p.max_subjects = 0;
	fill(&w, 0, 366 * day, now + 1, 10);
	assert_null(elog_warrant_refusal(&w, &p));
	w.to++;
	assert_string_equal(elog_warrant_refusal(&w, &p), "window_too_long");
	w.to--;
	w.nsubjects = 11;
	assert_string_equal(elog_warrant_refusal(&w, &p), "too_many_subjects");
}

static void test_valid_policy(void **state)
{
	const int64_t day = 86400000LL;
	elog_policy p = {.now_ms = 1711234567890LL,
			 .max_window_ms = 366 * day,
			 .max_subjects = 10};
	elog_warrant w;
	elog_err_t err;

	(void)state;
	assert_int_equal(elog_warrant_parse(VALID, strlen(VALID), &w, &err), 0);
	assert_null(elog_warrant_refusal(&w, &p));
	p.now_ms = w.expires;
	assert_string_equal(elog_warrant_refusal(&w, &p), "expired");
	p.now_ms = 1711234567890LL;
	p.max_subjects = 1;
	assert_string_equal(elog_warrant_refusal(&w, &p), "too_many_subjects");
	elog_warrant_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_any_order_and_no_subjects),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_subject_limit),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_valid_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
