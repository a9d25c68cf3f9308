/*
 * shards_report.c — GET /v1/report on a root log: the transparency reports
 * of its shards (each read with the auditor token of its shards-file
 * line), summed per authority and month.  A shard that is not closed and
 * cannot be read makes the answer 502 shard_unavailable naming it: never a
 * partial sum.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "canon.h"
#include "ledger.h"
#include "shards.h"

#define REPORT_MAX (4u << 20) /* one shard's report */
#define TOKEN_MAX 512
#define ROWS_MAX 100000

struct buf {
	char *p;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t l = size * n;

	if (b->len + l > REPORT_MAX)
		return 0;
	memcpy(b->p + b->len, p, l);
	b->len += l;
	return l;
}

struct sum {
	elog_report_row *rows;
	size_t n, cap;
};

/* Add one row of a shard's report; -1 if it is not one. */
static int add_row(struct sum *s, json_t *r)
{
	const char *a = json_string_value(json_object_get(r, "authority"));
	const char *m = json_string_value(json_object_get(r, "month"));
	static const char *const counts[] = {"answered", "refused", "subjects",
					     "records"};
	uint64_t v[4];
	elog_report_row *row = NULL;

	if (!a || !m || strlen(a) > ELOG_NAME_MAX || strlen(m) != 7)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		json_t *c = json_object_get(r, counts[i]);
		if (!json_is_integer(c) || json_integer_value(c) < 0)
			return -1;
		v[i] = (uint64_t)json_integer_value(c);
	}
	for (size_t i = 0; i < s->n && !row; i++)
		if (!strcmp(s->rows[i].authority, a) &&
		    !strcmp(s->rows[i].month, m))
			row = &s->rows[i];
	if (!row) {
		if (s->n == ROWS_MAX)
			return -1;
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			elog_report_row *p = realloc(s->rows, cap * sizeof *p);
			if (!p)
				return -1;
			s->rows = p;
			s->cap = cap;
		}
		row = &s->rows[s->n++];
		memset(row, 0, sizeof *row);
		memcpy(row->authority, a, strlen(a) + 1);
		memcpy(row->month, m, 8);
	}
	row->answered += v[0];
	row->refused += v[1];
	row->subjects += v[2];
	row->records += v[3];
	return 0;
}

/* The auditor token in path (trimmed) into tok; -1 if unreadable. */
static int read_token(const char *path, char tok[TOKEN_MAX])
{
	FILE *f = path[0] ? fopen(path, "r") : NULL;
	size_t n;

	if (!f)
		return -1;
	n = fread(tok, 1, TOKEN_MAX - 1, f);
	fclose(f);
	while (n > 0 &&
	       (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
		n--;
	tok[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Read one shard's report into s; on failure a sentence in why. */
static int read_shard(const struct shard_target *t, const char *query,
		      struct buf *b, struct sum *s, char *why, size_t cap)
{
	char tok[TOKEN_MAX], auth[TOKEN_MAX + 32], url[SHARD_URL_MAX + 512];
	struct curl_slist *h = NULL;
	json_t *o = NULL, *rows;
	long status = 0;
	CURL *c = NULL;
	int rc = -1;

	if (!t->url[0])
		return snprintf(why, cap,
				"shard %s is no longer in the shards "
				"file",
				t->origin),
		       -1;
	if (read_token(t->token_path, tok))
		return snprintf(why, cap,
				"shard %s: no auditor-token to read "
				"its report with",
				t->origin),
		       -1;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	snprintf(url, sizeof url, "%s/v1/report%s", t->url, query);
	b->len = 0;
	if (!(c = curl_easy_init()) || !(h = curl_slist_append(NULL, auth)))
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(why, cap, "shard %s: its report answered %ld%s",
			 t->origin, status, status ? "" : " (no answer)");
		goto out;
	}
	if (elog_json_load(b->p, b->len, &o, NULL) != 0 ||
	    !json_is_array(rows = json_object_get(o, "rows"))) {
		snprintf(why, cap, "shard %s: its report is not one",
			 t->origin);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(rows); i++)
		if (add_row(s, json_array_get(rows, i))) {
			snprintf(why, cap,
				 "shard %s: a row of its report is "
				 "not one",
				 t->origin);
			goto out;
		}
	rc = 0;
out:
	if (rc && !why[0])
		snprintf(why, cap, "shard %s: its report cannot be read",
			 t->origin);
	json_decref(o);
	curl_slist_free_all(h);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

static int by_authority_month(const void *a, const void *b)
{
	const elog_report_row *x = a, *y = b;
	int c = strcmp(x->authority, y->authority);
	return c ? c : strcmp(x->month, y->month);
}

/* "?from=…&to=…" (escaped) of the parameters given, into q. */
static void report_query(const char *from, const char *to, char *q, size_t cap)
{
	char *f = from ? curl_easy_escape(NULL, from, 0) : NULL;
	char *t = to ? curl_easy_escape(NULL, to, 0) : NULL;

	snprintf(q, cap, "%s%s%s%s%s", f || t ? "?" : "", f ? "from=" : "",
		 f ? f : "", f && t ? "&to=" : (t ? "to=" : ""), t ? t : "");
	curl_free(f);
	curl_free(t);
}

enum MHD_Result root_report(struct request *rq, const char *from,
			    const char *to)
{
	struct shard_target *tg = NULL;
	struct sum s = {NULL, 0, 0};
	struct buf b = {NULL, 0};
	char query[512], why[512] = "";
	json_t *list = NULL, *origins = NULL, *v;
	enum MHD_Result ret;
	size_t n;

	if (!(tg = malloc(SHARDS_MAX * sizeof *tg)) ||
	    !(b.p = malloc(REPORT_MAX)) || !(list = json_array()) ||
	    !(origins = json_array())) {
		ret = reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
		goto out;
	}
	report_query(from, to, query, sizeof query);
	n = shards_targets(rq->srv->shards, tg, SHARDS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (read_shard(&tg[i], query, &b, &s, why, sizeof why)) {
			ret = reply_error_detail(rq, ELOG_SHARD_UNAVAILABLE,
						 why,
						 json_pack("{s:s}", "origin",
							   tg[i].origin));
			goto out;
		}
		json_array_append_new(origins, json_string(tg[i].origin));
	}
	if (s.n)
		qsort(s.rows, s.n, sizeof *s.rows, by_authority_month);
	for (size_t i = 0; i < s.n; i++)
		json_array_append_new(list,
				      json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}",
						"authority",
						s.rows[i].authority, "month",
						s.rows[i].month, "answered",
						(json_int_t)s.rows[i].answered,
						"refused",
						(json_int_t)s.rows[i].refused,
						"subjects",
						(json_int_t)s.rows[i].subjects,
						"records",
						(json_int_t)s.rows[i].records));
	v = json_pack("{s:o,s:o,s:O,s:O}", "from",
		      from ? json_string(from) : json_null(), "to",
		      to ? json_string(to) : json_null(), "rows", list,
		      "shards", origins);
	ret = reply_json(rq, 200, v);
out:
	json_decref(list);
	json_decref(origins);
	free(s.rows);
	free(b.p);
	free(tg);
	return ret;
}
