/*
 * disclosures.c — the auditors' endpoints, never event metadata:
 *
 *   GET /v1/disclosures?since=SEQ&limit=L&kinds=K,…
 *     {"disclosures":[{"seq","kind","entry"}…],"next":SEQ|null}
 *     the public entries of the kinds listed (a comma-separated subset of
 *     disclosure, refusal, purge; default disclosure,refusal) with
 *     seq >= since (default 0), at most limit (default 100, at most 1000);
 *     next is where the following page starts, null on the last page.
 *   GET /v1/report?from=T&to=T
 *     {"from":T|null,"to":T|null,"rows":[{"authority","month","answered",
 *     "refused","subjects","records"}…]}
 *     per authority and month (UTC) of the entries' ts in [from, to);
 *     T is RFC 3339 UTC or YYYY-MM-DD; both optional.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "entry.h"
#include "ledger.h"
#include "metrics.h"
#include "param.h"
#include "shard.h"
#include "rfc3339.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

struct page {
	json_t *list;
	uint64_t last;
	elog_err_t *err;
	int from_standby; /* the list is the read standby's (standby_page) */
};

static int add_public(void *ctx, uint64_t seq, int kind, const char *data,
		      size_t len)
{
	struct page *p = ctx;
	json_t *entry = NULL, *o;
	if (elog_json_load(data, len, &entry, p->err))
		return elog_fail(p->err, ELOG_INTERNAL, (long)seq, NULL,
				 "stored leaf data does not parse");
	o = json_pack("{s:I,s:s,s:o}", "seq", (json_int_t)seq, "kind",
		      elog_kind_name(kind), "entry", entry);
	if (!o || json_array_append_new(p->list, o))
		return elog_fail(p->err, ELOG_NOMEM, -1, NULL, "out of memory");
	p->last = seq;
	return 0;
}

/* An optional unsigned parameter: its default when absent. */
static int opt_uint(struct request *rq, const char *name, uint64_t dflt,
		    uint64_t *out, elog_err_t *err)
{
	if (!MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND,
					 name)) {
		*out = dflt;
		return 0;
	}
	return query_uint(rq, name, out, err);
}

/* The optional kinds parameter as a kind mask. */
static int opt_kinds(struct request *rq, unsigned *mask, elog_err_t *err)
{
	const char *v = MHD_lookup_connection_value(rq->conn,
						    MHD_GET_ARGUMENT_KIND,
						    "kinds");
	char name[16];
	*mask = ELOG_KINDMASK(ELOG_KIND_DISCLOSURE) |
		ELOG_KINDMASK(ELOG_KIND_REFUSAL);
	if (!v)
		return 0;
	*mask = 0;
	for (;;) {
		size_t n = strcspn(v, ",");
		int k = -1;
		if (n < sizeof name) {
			memcpy(name, v, n);
			name[n] = '\0';
			k = elog_kind_from_name(name);
		}
		if (k != ELOG_KIND_DISCLOSURE && k != ELOG_KIND_REFUSAL &&
		    k != ELOG_KIND_PURGE && !elog_kind_is_root(k))
			return elog_fail(err, ELOG_INVALID_PARAMETER, -1,
					 "kinds",
					 "kinds must be a comma-separated list "
					 "of disclosure, refusal, purge and "
					 "the shard kinds of a root log");
		*mask |= ELOG_KINDMASK(k);
		if (!v[n])
			return 0;
		v += n + 1;
	}
}

/*
 * The page from the --read-db standby into p: 0, or -1 with p->list empty
 * (no standby, or it cannot answer for this page).  The standby's page is
 * the primary's when it is full and ends within the size the standby can
 * answer for (http_standby): the entries up to there are the same.  A
 * short page (the log's end) may miss newer entries: the primary's.
 */
static int standby_page(struct request *rq, uint64_t since, size_t limit,
			unsigned mask, struct page *p)
{
	elog_store *s;
	uint64_t have;
	int rc = -1;

	if (!rq->srv->cfg.read_db[0])
		return -1;
	if (http_standby(rq->srv, &s, &have) == 0 &&
	    elog_ledger_list(s, since, limit, mask, add_public, p, p->err) ==
		    0 &&
	    json_array_size(p->list) == limit && p->last < have)
		rc = 0;
	metrics_read_db(rc == 0);
	if (rc) {
		json_array_clear(p->list);
		elog_err_clear(p->err);
	}
	p->from_standby = rc == 0;
	return rc;
}

enum MHD_Result handle_disclosures(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	uint64_t since, limit;
	unsigned mask;
	struct page p = {.err = &err};
	json_t *v;
	int rc;

	elog_err_clear(&err);
	if ((rc = opt_uint(rq, "since", 0, &since, &err)) ||
	    (rc = opt_uint(rq, "limit", PAGE_DEFAULT, &limit, &err)) ||
	    (rc = opt_kinds(rq, &mask, &err)))
		return reply_err(rq, rc, &err);
	if (limit < 1 || limit > PAGE_MAX)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1,
				   "limit", "limit must be from 1 to 1000");
	p.list = json_array();
	if (!p.list)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	rc = standby_page(rq, since, (size_t)limit, mask, &p);
	if (rc)
		rc = http_reader(rq->srv, &s, &err);
	if (rc == 0 && !p.from_standby)
		rc = elog_ledger_list(s, since, (size_t)limit, mask,
				      add_public, &p, &err);
	if (rc) {
		json_decref(p.list);
		return reply_err(rq, rc, &err);
	}
	v = json_pack("{s:o,s:o}", "disclosures", p.list, "next",
		      json_array_size(p.list) == limit
			      ? json_integer((json_int_t)p.last + 1)
			      : json_null());
	return reply_json(rq, 200, v);
}

/* An optional time parameter (RFC 3339 UTC or YYYY-MM-DD). */
static int opt_time(struct request *rq, const char *name, int64_t dflt,
		    int64_t *out, const char **text, elog_err_t *err)
{
	const char *v = MHD_lookup_connection_value(rq->conn,
						    MHD_GET_ARGUMENT_KIND,
						    name);
	*text = v && *v ? v : NULL;
	if (!*text) {
		*out = dflt;
		return 0;
	}
	if (elog_param_time(v, out) != 0)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, name,
				 "%s must be an RFC 3339 UTC time or a date "
				 "YYYY-MM-DD",
				 name);
	return 0;
}

enum MHD_Result handle_report(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	elog_report_row *rows = NULL;
	size_t n = 0;
	int64_t from, to;
	const char *ft, *tt;
	json_t *list, *v;
	int rc;

	elog_err_clear(&err);
	if ((rc = opt_time(rq, "from", 0, &from, &ft, &err)) ||
	    (rc = opt_time(rq, "to", INT64_MAX, &to, &tt, &err)))
		return reply_err(rq, rc, &err);
	if (to < from)
		return reply_error(rq, ELOG_INVALID_RANGE, -1, "to",
				   "to must not be before from");
	if (rq->srv->shards)
		return root_report(rq, ft, tt);
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_ledger_report(s, from, to, &rows, &n, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	list = json_array();
	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list,
				      json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}",
						"authority", rows[i].authority,
						"month", rows[i].month,
						"answered",
						(json_int_t)rows[i].answered,
						"refused",
						(json_int_t)rows[i].refused,
						"subjects",
						(json_int_t)rows[i].subjects,
						"records",
						(json_int_t)rows[i].records));
	free(rows);
	v = json_pack("{s:o,s:o,s:o}", "from",
		      ft ? json_string(ft) : json_null(), "to",
		      tt ? json_string(tt) : json_null(), "rows",
		      list ? list : json_array());
	return reply_json(rq, 200, v);
}
