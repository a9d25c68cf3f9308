/*
 * lawful — latency of POST /v1/requests (a lawful request answered with
 * its disclosure bundle) on a large log, with --sync full, next to what it
 * is made of, measured in the same run.
 *
 *   lawful [-n N] [--requests R]
 *
 * A log of N entries (default 1 000 000) made by tests/tools/mklog: event
 * i has sender "+4470000" + (i % 1000) and ts 1700000000000 + 1000 i ms,
 * so each sender has N/1000 events, one every 1000 s.  Each warrant (a
 * distinct id per request) names one sender and a window of 100 000 s
 * starting at event N/2, which holds 100 of its events.  R requests
 * (default 200, after 5 not counted) are sent one after another on one
 * keep-alive connection to envelogd --sync full; each answer must be 200
 * with the expected number of records.  Reported: median, p90, p99, max.
 *
 * Baselines, same run: GET /healthz one after another (the HTTP round
 * trip); in-process on a reader: elog_store_events_for (the index query),
 * the inclusion proofs one bundle needs (one per record and one for the
 * disclosure); and a one-row SQLite commit with synchronous=FULL in WAL
 * mode in the same directory (the fsync every request waits for).  Prints
 * figures; never fails on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"

#define AUTHORITY "bench-nca"
#define TS0 1700000000000LL
#define WARMUP 5

static void rfc3339(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		h_die("time out of range");
}

struct resp {
	char *p;
	size_t len, cap;
};

static size_t keep(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t k = size * n;

	if (r->len + k + 1 > r->cap) {
		size_t cap = (r->len + k + 1) * 2;
		char *q = realloc(r->p, cap);
		if (!q)
			return 0;
		r->p = q;
		r->cap = cap;
	}
	memcpy(r->p + r->len, p, k);
	r->len += k;
	r->p[r->len] = '\0';
	return k;
}

static void print_lat(const char *label, double *v, size_t n)
{
	printf("  %-46s median %7.2f ms  p90 %7.2f  p99 %7.2f  max %7.2f  "
	       "(n=%zu)\n",
	       label, h_quantile(v, n, 0.5) * 1e3, h_quantile(v, n, 0.9) * 1e3,
	       h_quantile(v, n, 0.99) * 1e3, h_quantile(v, n, 1.0) * 1e3, n);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: lawful [-n N] [--requests R]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, reqs = 200;
	char dir[1024], db[2048], nca_key[2048], envelog[1024], url[160];
	char vk[ELOG_KEY_TEXT_MAX + 8], token[256], text[1024];
	char from_s[32], to_s[32];
	size_t total, nwant_max = 0;
	uint64_t i0, span, *want;
	char **notes;
	size_t *note_len;
	double *lat;
	struct curl_slist *hdrs;
	elog_signer sk;
	elog_err_t err;
	h_server srv;
	CURL *c;
	struct resp resp = {NULL, 0, 0};
	size_t bad = 0;

	h_prog = "lawful";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "-n")) {
			if (h_count(v, 100000000ULL, &n) || n < 2000)
				usage();
		} else if (!strcmp(a, "--requests")) {
			if (h_count(v, 1000000, &reqs))
				usage();
		} else {
			usage();
		}
		i++;
	}
	total = (size_t)reqs + WARMUP;

	h_begin(dir, sizeof dir);
	h_log(dir, n, db, sizeof db);
	snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	snprintf(nca_key, sizeof nca_key, "%s/nca.key", dir);
	{
		char *keygen[] = {envelog, "warrant", "keygen", AUTHORITY,
				  "--out", nca_key, NULL};
		char *add[] = {envelog, "authority", "add", "--db", db,
			       AUTHORITY, vk, NULL};
		char *tok[] = {envelog, "token", "add", "--db", db, "--role",
			       "authority", "--authority", AUTHORITY, NULL};
		if (h_run(keygen, NULL, vk, sizeof vk, "/dev/null") != 0 ||
		    h_run(add, NULL, NULL, 0, "/dev/null") != 0 ||
		    h_run(tok, NULL, token, sizeof token, "/dev/null") != 0)
			h_die("envelog warrant keygen / authority add / token "
			      "add failed");
	}
	h_read_signer(nca_key, &sk);

	/* The window: 100 000 s from event i0; subject k has an event at
	 * every i = k (mod 1000). */
	i0 = (n / 2) / 1000 * 1000;
	span = n - i0 < 100000 ? n - i0 : 100000;
	rfc3339(TS0 + (int64_t)i0 * 1000, from_s, sizeof from_s);
	rfc3339(TS0 + (int64_t)(i0 + span) * 1000, to_s, sizeof to_s);
	notes = h_calloc(total, sizeof *notes);
	note_len = h_calloc(total, sizeof *note_len);
	want = h_calloc(total, sizeof *want);
	for (size_t r = 0; r < total; r++) {
		unsigned k = (unsigned)((r * 37) % 1000);
		int w = snprintf(text, sizeof text,
				 "envelog/warrant/v1\nid BENCH-%zu-%u\n"
				 "authority " AUTHORITY "\n"
				 "log test.example/log\n"
				 "subject +4470000%u\nfrom %s\nto %s\n"
				 "expires 2099-01-01T00:00:00Z\n"
				 "basis bench/lawful\n",
				 r, (unsigned)(elog_now_ms() % 100000), k,
				 from_s, to_s);
		if (w < 0 || (size_t)w >= sizeof text)
			h_die("warrant too long");
		if (elog_note_sign(text, (size_t)w, &sk, &notes[r],
				   &note_len[r], &err))
			h_die("sign: %s", err.msg);
		/* events i in [i0, i0 + span) with i % 1000 == k */
		want[r] = span / 1000 + ((i0 + span / 1000 * 1000 + k) <
					 i0 + span);
		if (want[r] > nwant_max)
			nwant_max = want[r];
	}
	elog_signer_wipe(&sk);
	printf("warrants: %zu (distinct ids, one subject each, signed "
	       "in-process), window [%s, %s), %llu records each\n",
	       total, from_s, to_s, (unsigned long long)want[0]);

	{
		const char *extra[] = {"--sync", "full", NULL};
		h_server_start(&srv, dir, db, extra);
	}
	hdrs = h_auth_headers(token, sizeof token, "text/plain");

	lat = h_calloc(total, sizeof *lat);
	snprintf(url, sizeof url, "%s/v1/requests", srv.url);
	c = h_post_handle(url, hdrs, 60L, keep, &resp);
	printf("\nenvelogd --sync full, log of %llu entries, requests one "
	       "after another on one keep-alive connection:\n", n);
	for (size_t r = 0; r < total; r++) {
		long status;
		json_t *v;
		resp.len = 0;
		status = h_post(c, notes[r], note_len[r], &lat[r]);
		v = resp.p ? json_loads(resp.p, 0, NULL) : NULL;
		if (status != 200 ||
		    json_array_size(json_object_get(v, "records")) != want[r]) {
			if (bad++ < 3)
				fprintf(stderr, "lawful: status %ld: %.300s\n",
					status, resp.p ? resp.p : "");
		}
		json_decref(v);
	}
	print_lat("POST /v1/requests (100 records, sync full)", lat + WARMUP,
		  (size_t)reqs);
	printf("  answers not 200 with the expected records: %zu; bundle "
	       "size %zu bytes\n", bad, resp.len);

	/* Baseline: the HTTP round trip. */
	snprintf(url, sizeof url, "%s/healthz", srv.url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	for (size_t r = 0; r < total; r++) {
		double t = h_now();
		resp.len = 0;
		curl_easy_perform(c);
		lat[r] = h_now() - t;
	}
	print_lat("baseline: GET /healthz, same connection", lat + WARMUP,
		  (size_t)reqs);
	printf("  envelogd peak RSS (VmHWM) %ld kB\n",
	       h_status_kb(srv.pid, "VmHWM"));
	printf("  envelogd exit status after SIGTERM: %d\n",
	       h_server_stop(&srv));
	curl_easy_cleanup(c);

	/* Baselines in-process, on a reader of the same database. */
	{
		elog_store *s = NULL;
		elog_hash proof[ELOG_MAX_PROOF];
		uint64_t size;
		size_t len;
		double *q = h_calloc(total, sizeof *q),
		       *p = h_calloc(total, sizeof *p);
		if (elog_store_open(db, ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
				    &err) ||
		    elog_store_size(s, &size, &err))
			h_die("open: %s", err.msg);
		for (size_t r = 0; r < total; r++) {
			char subj[32], *subjects[1] = {subj};
			uint64_t *seqs = NULL;
			size_t ns = 0;
			int trunc = 0;
			double t;
			snprintf(subj, sizeof subj, "+4470000%u",
				 (unsigned)((r * 37) % 1000));
			t = h_now();
			if (elog_store_events_for(s, subjects, 1,
						  TS0 + (int64_t)i0 * 1000,
						  TS0 + (int64_t)(i0 + span) *
							  1000,
						  10000, &seqs, &ns, &trunc,
						  &err))
				h_die("events_for: %s", err.msg);
			q[r] = h_now() - t;
			t = h_now();
			for (size_t j = 0; j < ns; j++)
				if (elog_store_prove_inclusion(s, seqs[j], size,
							       proof, &len,
							       &err))
					h_die("prove: %s", err.msg);
			if (elog_store_prove_inclusion(s, size - 1, size, proof,
						       &len, &err))
				h_die("prove: %s", err.msg);
			p[r] = h_now() - t;
			free(seqs);
		}
		print_lat("in-process: elog_store_events_for", q + WARMUP,
			  (size_t)reqs);
		print_lat("in-process: the bundle's 101 inclusion proofs",
			  p + WARMUP, (size_t)reqs);
		elog_store_close(s);
		free(q);
		free(p);
	}

	/* Baseline: a one-row commit, WAL, synchronous FULL. */
	{
		char path[2048];
		sqlite3 *h = NULL;
		sqlite3_stmt *st = NULL;
		snprintf(path, sizeof path, "%s/fsync.db", dir);
		if (sqlite3_open(path, &h) != SQLITE_OK ||
		    sqlite3_exec(h, "PRAGMA journal_mode = WAL; PRAGMA "
				    "synchronous = FULL; CREATE TABLE t(x BLOB)",
				 NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(h, "INSERT INTO t VALUES (?1)", -1, &st,
				       NULL) != SQLITE_OK)
			h_die("fsync baseline: %s", sqlite3_errmsg(h));
		for (size_t r = 0; r < total; r++) {
			double t = h_now();
			sqlite3_bind_blob(st, 1, resp.p ? resp.p : "", 300,
					  SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				h_die("insert: %s", sqlite3_errmsg(h));
			sqlite3_reset(st);
			lat[r] = h_now() - t;
		}
		sqlite3_finalize(st);
		sqlite3_close(h);
		print_lat("baseline: one-row SQLite commit, WAL, FULL",
			  lat + WARMUP, (size_t)reqs);
	}
	(void)nwant_max;
	for (size_t r = 0; r < total; r++)
		free(notes[r]);
	free(notes);
	free(note_len);
	free(want);
	free(lat);
	free(resp.p);
	curl_slist_free_all(hdrs);
	h_end(dir);
	return 0;
}
