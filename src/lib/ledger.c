/* ledger.c — disclosures, refusals and the transparency report.  See ledger.h. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_query.h"

#include "canon.h"
#include "entry.h"
#include "rfc3339.h"

int elog_ledger_list(elog_store *s, uint64_t since, size_t limit,
		     unsigned mask, elog_public_fn fn, void *ctx,
		     elog_err_t *err)
{
	elog_query *st = NULL;
	size_t n = 0;
	int rc;

	if (elog_query_open(s, ELOG_Q_PUBLIC_ENTRIES, &st))
		return elog_fail(err, elog_store_errcode(s), -1, NULL,
				 "database error: %s", elog_store_errmsg(s));
	elog_query_bind_int(st, 1, (int64_t)since);
	while (n < limit && (rc = elog_query_step(st)) == ELOG_QUERY_ROW) {
		int kind = (int)elog_query_int(st, 1);
		const char *d = elog_query_blob(st, 2);
		if (!(mask & ELOG_KINDMASK(kind)) || !d)
			continue;
		n++;
		if ((rc = fn(ctx, (uint64_t)elog_query_int(st, 0), kind, d,
			     (size_t)elog_query_bytes(st, 2))) != 0)
			goto out;
	}
	rc = (n == limit || rc == ELOG_QUERY_DONE)
		     ? 0
		     : elog_fail(err, elog_store_errcode(s), -1, NULL,
				 "database error: %s", elog_store_errmsg(s));
out:
	elog_query_end(st);
	return rc;
}

typedef struct report {
	int64_t from, to;
	elog_report_row *rows;
	size_t n, cap;
	elog_err_t *err;
} report;

static elog_report_row *row_for(report *r, const char *authority,
				const char *month)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->rows[i].authority, authority) == 0 &&
		    strcmp(r->rows[i].month, month) == 0)
			return &r->rows[i];
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		elog_report_row *g = realloc(r->rows, cap * sizeof *g);
		if (!g)
			return NULL;
		r->rows = g;
		r->cap = cap;
	}
	memset(&r->rows[r->n], 0, sizeof r->rows[r->n]);
	snprintf(r->rows[r->n].authority, sizeof r->rows[r->n].authority, "%s",
		 authority);
	snprintf(r->rows[r->n].month, sizeof r->rows[r->n].month, "%s", month);
	return &r->rows[r->n++];
}

static uint64_t uint_field(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) && json_integer_value(v) > 0
		       ? (uint64_t)json_integer_value(v)
		       : 0;
}

static int add_to_report(void *ctx, uint64_t seq, int kind, const char *data,
			 size_t len)
{
	report *r = ctx;
	json_t *o = NULL;
	const json_t *ts, *au;
	elog_report_row *row;
	char when[32], month[8];
	(void)seq;
	if (elog_json_load(data, len, &o, r->err))
		return -ELOG_TAMPERED;
	ts = json_object_get(o, "ts");
	au = json_object_get(o, "authority");
	if (!json_is_integer(ts) || !json_is_string(au) ||
	    json_integer_value(ts) < r->from ||
	    json_integer_value(ts) >= r->to) {
		json_decref(o);
		return 0;
	}
	elog_rfc3339_format(json_integer_value(ts), when);
	snprintf(month, sizeof month, "%.7s", when);
	row = row_for(r, json_string_value(au), month);
	if (!row) {
		json_decref(o);
		return elog_fail(r->err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	if (kind == ELOG_KIND_DISCLOSURE) {
		row->answered++;
		row->subjects += uint_field(o, "subjects");
		row->records += uint_field(o, "records");
	} else {
		row->refused++;
	}
	json_decref(o);
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const elog_report_row *x = a, *y = b;
	int c = strcmp(x->authority, y->authority);
	return c ? c : strcmp(x->month, y->month);
}

int elog_ledger_report(elog_store *s, int64_t from, int64_t to,
		       elog_report_row **rows, size_t *n, elog_err_t *err)
{
	report r = {.from = from, .to = to, .err = err};
	int rc = elog_ledger_list(s, 0, SIZE_MAX,
				  ELOG_KINDMASK(ELOG_KIND_DISCLOSURE) |
					  ELOG_KINDMASK(ELOG_KIND_REFUSAL),
				  add_to_report, &r, err);
	if (rc) {
		free(r.rows);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	if (r.n)
		qsort(r.rows, r.n, sizeof *r.rows, cmp_rows);
	*rows = r.rows;
	*n = r.n;
	return 0;
}
