/*
 * test_ledger.c — the auditors' ledger (ledger.c): which entries are
 * listed (public kinds only, never events), in seq order from since, at
 * most limit; and the transparency report's arithmetic: one row per
 * authority and UTC month, answered and refused counted, subjects and
 * records summed over answered requests only, [from, to) exact at the
 * edges, rows sorted by authority then month.
 *
 * The log (logfx.h) holds events, disclosures, refusals and a purge entry
 * with chosen times; the expected figures are summed here from the same
 * table the entries are made from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledger.h"
#include "logfx.h"

#define ORIGIN "test.example/log"

/* One public entry of the test log. */
typedef struct pub {
	int kind;              /* ELOG_KIND_DISCLOSURE, _REFUSAL or _PURGE */
	const char *when;      /* its ts, RFC 3339 */
	const char *authority;
	uint64_t subjects, records; /* disclosures */
	uint64_t seq;          /* filled when appended */
	int64_t ts;
} pub;

static pub log_pubs[] = {
	{ELOG_KIND_DISCLOSURE, "2026-01-01T00:00:00Z", "uk-nca", 2, 5, 0, 0},
	{ELOG_KIND_REFUSAL, "2026-01-15T10:00:00Z", "uk-nca", 0, 0, 0, 0},
	{ELOG_KIND_DISCLOSURE, "2026-01-31T23:59:59.999Z", "uk-nca", 3, 0, 0, 0},
	{ELOG_KIND_DISCLOSURE, "2026-02-01T00:00:00Z", "uk-nca", 1, 7, 0, 0},
	{ELOG_KIND_PURGE, "2026-02-02T00:00:00Z", NULL, 0, 0, 0, 0},
	{ELOG_KIND_REFUSAL, "2026-02-03T00:00:00Z", "fr-dgsi", 0, 0, 0, 0},
	{ELOG_KIND_DISCLOSURE, "2026-01-20T00:00:00Z", "fr-dgsi", 4, 11, 0, 0},
	{ELOG_KIND_REFUSAL, "2026-02-28T23:59:59.999Z", "fr-dgsi", 0, 0, 0, 0},
	{ELOG_KIND_DISCLOSURE, "2025-12-31T23:59:59.999Z", "de-bka", 1, 1, 0, 0},
};
#define NPUBS (sizeof log_pubs / sizeof log_pubs[0])

static int64_t ms(const char *when)
{
	int64_t t;
	assert_int_equal(elog_rfc3339_parse(when, strlen(when), 1, &t), 0);
	return t;
}

/* Append p (and fill its seq and ts). */
static void append_pub(logfx *f, pub *p)
{
	char sha[65];
	elog_entry e;
	elog_err_t err;

	memset(sha, 'c', 64);
	sha[64] = '\0';
	p->ts = ms(p->when);
	if (p->kind == ELOG_KIND_DISCLOSURE) {
		elog_disclosure d;
		memset(&d, 0, sizeof d);
		d.ts = p->ts;
		d.authority = p->authority;
		d.warrant_id = "W-1";
		memcpy(d.warrant_sha256, sha, sizeof sha);
		d.from = p->ts - 86400000;
		d.to = p->ts;
		d.subjects = p->subjects;
		d.records = p->records;
		assert_int_equal(elog_disclosure_entry(&d, &e, &err), 0);
	} else if (p->kind == ELOG_KIND_REFUSAL) {
		assert_int_equal(elog_refusal_entry(p->ts, p->authority, "W-2",
						    sha, "expired", &e, &err),
				 0);
	} else {
		assert_int_equal(elog_purge_entry(p->ts, p->ts - 1, 0, 0, &e,
						  &err),
				 0);
	}
	p->seq = logfx_entry(f, &e);
}

/* Events before, between and after the public entries. */
static int setup(void **state)
{
	logfx *f = logfx_new(ORIGIN);
	int64_t t = ms("2026-01-10T00:00:00Z");

	f->rules.now_ms = t + 1000;
	for (size_t i = 0; i < NPUBS; i++) {
		logfx_event(f, "+447700900123", "+447700900456", t);
		append_pub(f, &log_pubs[i]);
	}
	logfx_event(f, "+447700900123", "+447700900456", t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	logfx_free(*state);
	return 0;
}

/* ---- the list ---- */

typedef struct seen {
	size_t n;
	uint64_t seq[64];
	int kind[64];
	int stop_after; /* return 7 after this many (0: never) */
	logfx *f;
} seen;

static int collect(void *ctx, uint64_t seq, int kind, const char *data,
		   size_t len)
{
	seen *s = ctx;
	elog_leaf l;
	elog_err_t err;

	assert_true(s->n < 64);
	/* data is the entry's leaf data, as stored. */
	assert_int_equal(elog_store_leaf(s->f->w, seq, &l, &err), 0);
	assert_int_equal(l.kind, kind);
	assert_int_equal(l.len, len);
	assert_memory_equal(l.data, data, len);
	s->seq[s->n] = seq;
	s->kind[s->n] = kind;
	s->n++;
	return s->stop_after && s->n == (size_t)s->stop_after ? 7 : 0;
}

/* The list with (since, limit, mask) is exactly the public entries of the
 * table in the mask with seq >= since, first limit of them. */
static void expect_list(logfx *f, uint64_t since, size_t limit,
			unsigned mask)
{
	seen s = {.f = f};
	elog_err_t err;
	size_t k = 0;

	assert_int_equal(
		elog_ledger_list(f->w, since, limit, mask, collect, &s, &err),
		0);
	for (size_t i = 0; i < NPUBS && k < limit; i++) {
		if (!(mask & ELOG_KINDMASK(log_pubs[i].kind)) ||
		    log_pubs[i].seq < since)
			continue;
		assert_true(k < s.n);
		assert_int_equal(s.seq[k], log_pubs[i].seq);
		assert_int_equal(s.kind[k], log_pubs[i].kind);
		k++;
	}
	assert_int_equal(s.n, k);
}

static void test_list(void **state)
{
	logfx *f = *state;
	const unsigned dr = ELOG_KINDMASK(ELOG_KIND_DISCLOSURE) |
			    ELOG_KINDMASK(ELOG_KIND_REFUSAL);
	const unsigned all = dr | ELOG_KINDMASK(ELOG_KIND_PURGE);

	expect_list(f, 0, SIZE_MAX, dr);
	expect_list(f, 0, SIZE_MAX, all);
	expect_list(f, 0, SIZE_MAX, ELOG_KINDMASK(ELOG_KIND_PURGE));
	expect_list(f, 0, SIZE_MAX, ELOG_KINDMASK(ELOG_KIND_REFUSAL));
	/* since: exactly at an entry's seq includes it; one past skips it. */
	expect_list(f, log_pubs[3].seq, SIZE_MAX, all);
	expect_list(f, log_pubs[3].seq + 1, SIZE_MAX, all);
	/* limit counts listed entries, not rows read. */
	expect_list(f, 0, 1, all);
	expect_list(f, 0, 4, dr);
	expect_list(f, log_pubs[1].seq, 3, ELOG_KINDMASK(ELOG_KIND_REFUSAL));
	expect_list(f, logfx_size(f), SIZE_MAX, all);
}

static void test_list_never_events(void **state)
{
	logfx *f = *state;
	seen s = {.f = f};
	elog_err_t err;

	assert_int_equal(elog_ledger_list(f->w, 0, SIZE_MAX,
					  ELOG_KINDMASK(ELOG_KIND_EVENT), collect,
					  &s, &err),
			 0);
	assert_int_equal(s.n, 0);
	expect_list(f, 0, SIZE_MAX, ~0u);
}

static void test_list_stops(void **state)
{
	logfx *f = *state;
	seen s = {.f = f, .stop_after = 2};
	elog_err_t err;

	assert_int_equal(elog_ledger_list(f->w, 0, SIZE_MAX, ~0u, collect, &s,
					  &err),
			 7);
	assert_int_equal(s.n, 2);
}

/* ---- the report ---- */

/* The expected row of (authority, month) over [from, to), summed from the
 * table. */
static elog_report_row want_row(const char *authority, const char *month,
				int64_t from, int64_t to)
{
	elog_report_row r;

	memset(&r, 0, sizeof r);
	for (size_t i = 0; i < NPUBS; i++) {
		const pub *p = &log_pubs[i];
		if (p->kind == ELOG_KIND_PURGE || strcmp(p->authority, authority) ||
		    strncmp(p->when, month, 7) || p->ts < from || p->ts >= to)
			continue;
		if (p->kind == ELOG_KIND_DISCLOSURE) {
			r.answered++;
			r.subjects += p->subjects;
			r.records += p->records;
		} else {
			r.refused++;
		}
	}
	return r;
}

/* The report over [from, to) has exactly the rows given, in this order,
 * each with the figures summed from the table. */
static void expect_report(logfx *f, const char *from, const char *to,
			  const char *const *rows, size_t nrows)
{
	elog_report_row *got = NULL;
	size_t n = 0;
	elog_err_t err;
	int64_t a = from ? ms(from) : INT64_MIN, b = to ? ms(to) : INT64_MAX;

	assert_int_equal(elog_ledger_report(f->w, a, b, &got, &n, &err), 0);
	assert_int_equal(n, nrows);
	for (size_t i = 0; i < nrows; i++) {
		char authority[64];
		const char *month = strchr(rows[i], ' ') + 1;
		elog_report_row w;
		snprintf(authority, sizeof authority, "%.*s",
			 (int)(month - 1 - rows[i]), rows[i]);
		w = want_row(authority, month, a, b);
		assert_string_equal(got[i].authority, authority);
		assert_string_equal(got[i].month, month);
		assert_int_equal(got[i].answered, w.answered);
		assert_int_equal(got[i].refused, w.refused);
		assert_int_equal(got[i].subjects, w.subjects);
		assert_int_equal(got[i].records, w.records);
		assert_true(w.answered + w.refused > 0);
	}
	free(got);
}

static void test_report(void **state)
{
	logfx *f = *state;
	const char *const everything[] = {"de-bka 2025-12", "fr-dgsi 2026-01",
					  "fr-dgsi 2026-02", "uk-nca 2026-01",
					  "uk-nca 2026-02"};
	const char *const january[] = {"fr-dgsi 2026-01", "uk-nca 2026-01"};
	const char *const last_instant[] = {"uk-nca 2026-01"};
	elog_report_row *rows = NULL;
	size_t n = 0;
	elog_err_t err;

	expect_report(f, NULL, NULL, everything, 5);
	/* [from, to): from is in, to is out, to the millisecond. */
	expect_report(f, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z",
		      january, 2);
	expect_report(f, "2026-01-31T23:59:59.999Z", "2026-02-01T00:00:00Z",
		      last_instant, 1);
	expect_report(f, "2026-01-01T00:00:00.001Z", "2026-01-31T23:59:59.999Z",
		      january, 2);
	/* The figures by hand, for one row, against the table's sums. */
	assert_int_equal(elog_ledger_report(f->w, INT64_MIN, INT64_MAX, &rows,
					    &n, &err),
			 0);
	assert_int_equal(n, 5);
	assert_string_equal(rows[3].authority, "uk-nca");
	assert_string_equal(rows[3].month, "2026-01");
	assert_int_equal(rows[3].answered, 2);
	assert_int_equal(rows[3].refused, 1);
	assert_int_equal(rows[3].subjects, 5);
	assert_int_equal(rows[3].records, 5);
	free(rows);
	/* A period with nothing. */
	assert_int_equal(elog_ledger_report(f->w, ms("2020-01-01T00:00:00Z"),
					    ms("2021-01-01T00:00:00Z"), &rows,
					    &n, &err),
			 0);
	assert_int_equal(n, 0);
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_never_events),
		cmocka_unit_test(test_list_stops),
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests_name("ledger", tests, setup, teardown);
}
