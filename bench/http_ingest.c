/*
 * http_ingest — events per second through POST /v1/events, next to raw
 * SQLite writing the same rows in the same run.
 *
 *   http_ingest [-n N] [--batch B] [--clients C] [--window W]
 *               [--sync full|normal] [--no-raw]
 *
 * envelogd (--sync full by default) is started on a fresh database made by
 * `envelog init` and `envelog token add --role ingest`.  N events (default
 * 1 000 000) are generated first as JSON bodies of B events (default 1000;
 * senders and recipients from 100 000 numbers, as bench/storage), then C
 * clients (default 4 threads, one libcurl easy handle each, keep-alive)
 * post them as fast as they are answered.  Reported: events/s overall and
 * per window of W events (default 100 000; the median), request latency
 * p50/p99, errors, envelogd's peak RSS.
 *
 * Then the baseline: the rows envelogd wrote (entry, event_data,
 * event_index, tree_hash, and its signed checkpoints) are read back and
 * written with plain prepared INSERTs into a fresh database with the same
 * schema and pragmas, replaying envelogd's own commits: one transaction per
 * checkpoint envelogd signed (each of its group commits signs exactly one;
 * the count is checked against envelog_commits_total from /metrics), with
 * the same entries and that checkpoint.  What SQLite alone costs for the
 * same rows in the same transactions, without HTTP, JSON, validation or
 * hashing.  Prints figures; never fails on timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "checkpoint.h"
#include "harness.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"

#define ORIGIN "bench.example/log"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

struct body {
	char *p;
	size_t len, n; /* bytes, events */
};

/* Bodies of at most batch events each, ts in the last day. */
static struct body *generate(size_t n, size_t batch, size_t *nbodies)
{
	size_t nb = (n + batch - 1) / batch, cap = batch * 200 + 64;
	int64_t t0 = elog_now_ms() - 86400000;
	struct body *b = h_calloc(nb, sizeof *b);

	for (size_t k = 0; k < nb; k++) {
		size_t m = n - k * batch < batch ? n - k * batch : batch, len = 0;
		char *p = h_calloc(cap, 1);
		p[len++] = '[';
		for (size_t i = 0; i < m; i++) {
			size_t e = k * batch + i;
			char dev[32] = "";
			int w;
			unsigned long long sender, recipient, size;
			const char *type;
			if (e % 3 == 0)
				snprintf(dev, sizeof dev, ",\"device\":\"dev-%d\"",
					 (int)(h_rand(&rng) % 4));
			/* drawn last field first: the bodies of earlier runs */
			size = h_rand(&rng) % 5000000;
			type = h_event_type(h_rand(&rng));
			recipient = h_rand(&rng) % 100000;
			sender = h_rand(&rng) % 100000;
			w = snprintf(p + len, cap - len,
				     "%s{\"ts\":%lld,\"sender\":\"+4477%08llu\","
				     "\"recipient\":\"+4477%08llu\",\"type\":"
				     "\"%s\",\"size\":%llu%s}",
				     i ? "," : "", (long long)(t0 + (int64_t)e / 20),
				     sender, recipient, type, size, dev);
			if (w < 0 || (size_t)w >= cap - len - 1)
				h_die("body buffer too small");
			len += (size_t)w;
		}
		p[len++] = ']';
		b[k].p = p;
		b[k].len = len;
		b[k].n = m;
	}
	*nbodies = nb;
	return b;
}

/* ---- the clients ---- */

struct run {
	const char *url;       /* …/v1/events */
	struct curl_slist *hdrs;
	struct body *bodies;
	size_t nbodies;
	atomic_size_t next;    /* next body to post */
	atomic_size_t done;    /* answered bodies */
	double *done_t;        /* per answered body, in answer order */
	size_t *done_n;        /* its events */
	double *lat;           /* per body, seconds */
	atomic_size_t errors;
};

struct resp {
	char buf[4096];
	size_t len;
};

static size_t keep(char *p, size_t size, size_t n, void *ctx)
{
	struct resp *r = ctx;
	size_t k = size * n;

	if (k > sizeof r->buf - 1 - r->len)
		k = sizeof r->buf - 1 - r->len;
	memcpy(r->buf + r->len, p, k);
	r->len += k;
	r->buf[r->len] = '\0';
	return size * n;
}

static void *client(void *arg)
{
	struct run *r = arg;
	struct resp resp;
	CURL *c = h_post_handle(r->url, r->hdrs, 120L, keep, &resp);

	for (;;) {
		size_t k = atomic_fetch_add(&r->next, 1), slot;
		long status;
		if (k >= r->nbodies)
			break;
		resp.len = 0;
		resp.buf[0] = '\0';
		status = h_post(c, r->bodies[k].p, r->bodies[k].len, &r->lat[k]);
		slot = atomic_fetch_add(&r->done, 1);
		r->done_t[slot] = h_now();
		r->done_n[slot] = r->bodies[k].n;
		if (status != 201) {
			if (atomic_fetch_add(&r->errors, 1) < 5)
				fprintf(stderr, "http_ingest: status %ld: %.200s\n",
					status, resp.buf);
		} else {
			json_t *v = json_loads(resp.buf, 0, NULL);
			if (json_integer_value(json_object_get(v, "count")) !=
			    (json_int_t)r->bodies[k].n)
				atomic_fetch_add(&r->errors, 1);
			json_decref(v);
		}
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* Median events/s over windows of w events from answer times t (started at
 * t0); n answers of cnt events each.  Fills *nwin. */
static double window_median(const double *t, const size_t *cnt, size_t n,
			    double t0, size_t w, size_t *nwin)
{
	double *rates = h_calloc(n + 1, sizeof *rates), prev = t0, med;
	size_t acc = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		acc += cnt[i];
		if (acc >= w) {
			rates[k++] = (double)acc / (t[i] - prev);
			prev = t[i];
			acc = 0;
		}
	}
	med = h_quantile(rates, k, 0.5);
	*nwin = k;
	free(rates);
	return med;
}

/* ---- the raw SQLite baseline ---- */

struct rows {
	size_t nentry, ndata, nindex, ntree;
	int *kind;
	elog_hash *leaf, *chain;
	int64_t *ent_ts;   /* entry.ts, -1 for NULL (events) */
	char **ent_data;   /* entry.data: every entry's public leaf data */
	int *ent_len;
	uint64_t *data_seq;
	int64_t *data_ts;
	char **data;
	int *data_len;
	int64_t *ix_party, *ix_ts;
	uint64_t *ix_seq;
	uint64_t *tree_id;
	elog_hash *tree;
};

static size_t count_rows(sqlite3 *db, const char *table)
{
	char sql[128];
	sqlite3_stmt *st;
	size_t n;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	st = h_prepare(db, sql, 0);
	if (sqlite3_step(st) != SQLITE_ROW)
		h_die("count %s", table);
	n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void blob32(sqlite3_stmt *st, int col, elog_hash *out)
{
	if (sqlite3_column_bytes(st, col) != ELOG_HASH_LEN)
		h_die("a stored hash is not 32 bytes");
	memcpy(out->b, sqlite3_column_blob(st, col), ELOG_HASH_LEN);
}

static void load_rows(const char *db, struct rows *r)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st;
	size_t i;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		h_die("open %s", db);
	r->nentry = count_rows(h, "entry");
	r->ndata = count_rows(h, "event_data");
	r->nindex = count_rows(h, "event_index");
	r->ntree = count_rows(h, "tree_hash");
	r->kind = h_calloc(r->nentry, sizeof *r->kind);
	r->leaf = h_calloc(r->nentry, sizeof *r->leaf);
	r->chain = h_calloc(r->nentry, sizeof *r->chain);
	r->ent_ts = h_calloc(r->nentry, sizeof *r->ent_ts);
	r->ent_data = h_calloc(r->nentry, sizeof *r->ent_data);
	r->ent_len = h_calloc(r->nentry, sizeof *r->ent_len);
	st = h_prepare(h, "SELECT kind, leaf_hash, chain_hash, ts, data FROM "
			  "entry ORDER BY seq", 0);
	for (i = 0; i < r->nentry && sqlite3_step(st) == SQLITE_ROW; i++) {
		int len = sqlite3_column_bytes(st, 4);
		r->kind[i] = sqlite3_column_int(st, 0);
		blob32(st, 1, &r->leaf[i]);
		blob32(st, 2, &r->chain[i]);
		r->ent_ts[i] = sqlite3_column_type(st, 3) == SQLITE_NULL
				       ? -1
				       : sqlite3_column_int64(st, 3);
		r->ent_data[i] = h_calloc((size_t)len + 1, 1);
		memcpy(r->ent_data[i], sqlite3_column_blob(st, 4),
		       (size_t)len);
		r->ent_len[i] = len;
	}
	sqlite3_finalize(st);
	r->data_seq = h_calloc(r->ndata, sizeof *r->data_seq);
	r->data_ts = h_calloc(r->ndata, sizeof *r->data_ts);
	r->data = h_calloc(r->ndata, sizeof *r->data);
	r->data_len = h_calloc(r->ndata, sizeof *r->data_len);
	st = h_prepare(h, "SELECT seq, ts, data FROM event_data ORDER BY seq",
		       0);
	for (i = 0; i < r->ndata && sqlite3_step(st) == SQLITE_ROW; i++) {
		int len = sqlite3_column_bytes(st, 2);
		r->data_seq[i] = (uint64_t)sqlite3_column_int64(st, 0);
		r->data_ts[i] = sqlite3_column_int64(st, 1);
		r->data[i] = h_calloc((size_t)len + 1, 1);
		memcpy(r->data[i], sqlite3_column_blob(st, 2), (size_t)len);
		r->data_len[i] = len;
	}
	sqlite3_finalize(st);
	r->ix_party = h_calloc(r->nindex, sizeof *r->ix_party);
	r->ix_ts = h_calloc(r->nindex, sizeof *r->ix_ts);
	r->ix_seq = h_calloc(r->nindex, sizeof *r->ix_seq);
	st = h_prepare(h, "SELECT party, ts, seq FROM event_index ORDER BY seq",
		       0);
	for (i = 0; i < r->nindex && sqlite3_step(st) == SQLITE_ROW; i++) {
		r->ix_party[i] = sqlite3_column_int64(st, 0);
		r->ix_ts[i] = sqlite3_column_int64(st, 1);
		r->ix_seq[i] = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	r->tree_id = h_calloc(r->ntree, sizeof *r->tree_id);
	r->tree = h_calloc(r->ntree, sizeof *r->tree);
	st = h_prepare(h, "SELECT id, hash FROM tree_hash ORDER BY id", 0);
	for (i = 0; i < r->ntree && sqlite3_step(st) == SQLITE_ROW; i++) {
		r->tree_id[i] = (uint64_t)sqlite3_column_int64(st, 0);
		blob32(st, 1, &r->tree[i]);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* envelogd's commits, in order: the size, root and signed note of the
 * checkpoint each one wrote (the empty tree's, from envelog init, left
 * out). */
struct commits {
	size_t n;
	uint64_t *size;
	elog_hash *root;
	char **note;
	size_t *len;
};

static void load_commits(const char *db, struct commits *c)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st;
	size_t i;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		h_die("open %s", db);
	c->n = count_rows(h, "checkpoint");
	c->size = h_calloc(c->n, sizeof *c->size);
	c->root = h_calloc(c->n, sizeof *c->root);
	c->note = h_calloc(c->n, sizeof *c->note);
	c->len = h_calloc(c->n, sizeof *c->len);
	st = h_prepare(h, "SELECT size, root, note FROM checkpoint "
			  "WHERE size > 0 ORDER BY size", 0);
	for (i = 0; i < c->n && sqlite3_step(st) == SQLITE_ROW; i++) {
		int len = sqlite3_column_bytes(st, 2);
		c->size[i] = (uint64_t)sqlite3_column_int64(st, 0);
		blob32(st, 1, &c->root[i]);
		c->note[i] = h_calloc((size_t)len + 1, 1);
		memcpy(c->note[i], sqlite3_column_text(st, 2), (size_t)len);
		c->len[i] = (size_t)len;
	}
	c->n = i;
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void free_commits(struct commits *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->note[i]);
	free(c->size);
	free(c->root);
	free(c->note);
	free(c->len);
}

/* A counter's value from a Prometheus text body, or -1. */
static long long metric_value(const char *body, const char *name)
{
	size_t nl = strlen(name);
	const char *p = body;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, nl) == 0 && p[nl] == ' ')
			return strtoll(p + nl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* Write the rows in envelogd's commits c, one transaction each with its
 * checkpoint; fills lat[], done_t[] per commit. */
static double run_raw(const struct rows *r, const char *path,
		      const char *vkey, int sync, const struct commits *c,
		      double *lat, double *done_t, double *t0)
{
	sqlite3 *h = h_raw_open(path, ORIGIN, vkey, sync);
	sqlite3_stmt *ins_entry, *ins_data, *ins_index, *ins_tree, *ins_cp;
	size_t di = 0, xi = 0, ti = 0, lo = 0;
	double total = 0;

	ins_entry = h_prepare(h,
			      "INSERT INTO entry(seq, kind, ts, data, leaf_hash, "
			      "chain_hash) VALUES (?1, ?2, ?5, ?6, ?3, ?4)",
			      0);
	ins_data = h_prepare(h,
			     "INSERT INTO event_data(seq, ts, data) VALUES "
			     "(?1, ?2, ?3)",
			     0);
	ins_index = h_prepare(h,
			      "INSERT INTO event_index(party, ts, seq) VALUES "
			      "(?1, ?2, ?3)",
			      0);
	ins_tree = h_prepare(h,
			     "INSERT INTO tree_hash(id, hash) VALUES (?1, ?2)",
			     0);
	ins_cp = h_prepare(h,
			   "INSERT INTO checkpoint(size, root, note, created) "
			   "VALUES (?1, ?2, ?3, ?4)",
			   0);
	*t0 = h_now();
	for (size_t b = 0; b < c->n; lo = (size_t)c->size[b++]) {
		size_t hi = (size_t)c->size[b];
		uint64_t tree_end = elog_stored_hash_index(0, hi);
		double t = h_now();
		h_exec(h, "BEGIN IMMEDIATE");
		for (size_t i = lo; i < hi; i++) {
			sqlite3_bind_int64(ins_entry, 1, (sqlite3_int64)i);
			sqlite3_bind_int(ins_entry, 2, r->kind[i]);
			sqlite3_bind_blob(ins_entry, 3, r->leaf[i].b,
					  ELOG_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_blob(ins_entry, 4, r->chain[i].b,
					  ELOG_HASH_LEN, SQLITE_STATIC);
			if (r->ent_ts[i] < 0)
				sqlite3_bind_null(ins_entry, 5);
			else
				sqlite3_bind_int64(ins_entry, 5, r->ent_ts[i]);
			sqlite3_bind_blob(ins_entry, 6, r->ent_data[i],
					  r->ent_len[i], SQLITE_STATIC);
			h_insert(h, ins_entry);
		}
		for (; di < r->ndata && r->data_seq[di] < hi; di++) {
			sqlite3_bind_int64(ins_data, 1,
					   (sqlite3_int64)r->data_seq[di]);
			sqlite3_bind_int64(ins_data, 2, r->data_ts[di]);
			sqlite3_bind_blob(ins_data, 3, r->data[di],
					  r->data_len[di], SQLITE_STATIC);
			h_insert(h, ins_data);
		}
		for (; xi < r->nindex && r->ix_seq[xi] < hi; xi++) {
			sqlite3_bind_int64(ins_index, 1, r->ix_party[xi]);
			sqlite3_bind_int64(ins_index, 2, r->ix_ts[xi]);
			sqlite3_bind_int64(ins_index, 3,
					   (sqlite3_int64)r->ix_seq[xi]);
			h_insert(h, ins_index);
		}
		for (; ti < r->ntree && r->tree_id[ti] < tree_end; ti++) {
			sqlite3_bind_int64(ins_tree, 1,
					   (sqlite3_int64)r->tree_id[ti]);
			sqlite3_bind_blob(ins_tree, 2, r->tree[ti].b,
					  ELOG_HASH_LEN, SQLITE_STATIC);
			h_insert(h, ins_tree);
		}
		sqlite3_bind_int64(ins_cp, 1, (sqlite3_int64)hi);
		sqlite3_bind_blob(ins_cp, 2, c->root[b].b, ELOG_HASH_LEN,
				  SQLITE_STATIC);
		sqlite3_bind_text(ins_cp, 3, c->note[b], (int)c->len[b],
				  SQLITE_STATIC);
		sqlite3_bind_int64(ins_cp, 4, elog_now_ms());
		h_insert(h, ins_cp);
		h_exec(h, "COMMIT");
		done_t[b] = h_now();
		lat[b] = done_t[b] - t;
		total += lat[b];
	}
	sqlite3_finalize(ins_entry);
	sqlite3_finalize(ins_data);
	sqlite3_finalize(ins_index);
	sqlite3_finalize(ins_tree);
	sqlite3_finalize(ins_cp);
	sqlite3_close(h);
	return total;
}

static void usage(void)
{
	fprintf(stderr, "usage: http_ingest [-n N] [--batch B] [--clients C] "
			"[--window W]\n"
			"                   [--sync full|normal] [--no-raw]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, batch = 1000, clients = 4,
			   window = 100000;
	int sync = ELOG_SYNC_FULL, raw = 1;
	char dir[1024], db[2048], rawdb[2048], url[128];
	char vkey[ELOG_KEY_TEXT_MAX + 8], token[256];
	char envelog[1024], cpu[64];
	struct run r;
	pthread_t th[64];
	h_server srv;
	double t0, t1, http_rate, http_win, *lat_copy;
	size_t nwin;
	long hwm;
	long long server_commits = -1;

	h_prog = "http_ingest";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-raw")) {
			raw = 0;
			continue;
		}
		if (!v)
			usage();
		if (!strcmp(a, "-n")) {
			if (h_count(v, 100000000ULL, &n))
				usage();
		} else if (!strcmp(a, "--batch")) {
			if (h_count(v, ELOG_MAX_BATCH, &batch))
				usage();
		} else if (!strcmp(a, "--clients")) {
			if (h_count(v, 64, &clients))
				usage();
		} else if (!strcmp(a, "--window")) {
			if (h_count(v, 100000000ULL, &window))
				usage();
		} else if (!strcmp(a, "--sync")) {
			if (!strcmp(v, "full"))
				sync = ELOG_SYNC_FULL;
			else if (!strcmp(v, "normal"))
				sync = ELOG_SYNC_NORMAL;
			else
				usage();
		} else {
			usage();
		}
		i++;
	}
	h_begin(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/ingest.db", dir);
	snprintf(rawdb, sizeof rawdb, "%s/raw.db", dir);
	snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	{
		char *init[] = {envelog, "init", "--db", db, "--origin",
				ORIGIN, NULL};
		char *tok[] = {envelog, "token", "add", "--db", db, "--role",
			       "ingest", NULL};
		if (h_run(init, NULL, vkey, sizeof vkey, "/dev/null") != 0 ||
		    h_run(tok, NULL, token, sizeof token, "/dev/null") != 0)
			h_die("envelog init / token add failed");
	}
	memset(&r, 0, sizeof r);
	r.hdrs = h_auth_headers(token, sizeof token, "application/json");
	t0 = h_now();
	r.bodies = generate((size_t)n, (size_t)batch, &r.nbodies);
	{
		size_t bytes = 0;
		for (size_t k = 0; k < r.nbodies; k++)
			bytes += r.bodies[k].len;
		printf("generated %llu events as %zu JSON bodies of %llu in "
		       "%.1f s (not timed), %.0f bytes per body on average\n",
		       n, r.nbodies, batch, h_now() - t0,
		       (double)bytes / (double)r.nbodies);
	}
	r.done_t = h_calloc(r.nbodies, sizeof *r.done_t);
	r.done_n = h_calloc(r.nbodies, sizeof *r.done_n);
	r.lat = h_calloc(r.nbodies, sizeof *r.lat);

	{
		const char *extra[] = {"--sync",
				       sync == ELOG_SYNC_FULL ? "full" : "normal",
				       NULL};
		h_server_start(&srv, dir, db, extra);
	}
	snprintf(url, sizeof url, "%s/v1/events", srv.url);
	r.url = url;
	printf("\nHTTP: envelogd --sync %s (default threads), %llu clients "
	       "(threads, one keep-alive libcurl handle each), batches of "
	       "%llu\n",
	       sync == ELOG_SYNC_FULL ? "full" : "normal", clients, batch);
	fflush(stdout);
	{
		clock_t c0 = clock();
		t0 = h_now();
		for (size_t i = 0; i < clients; i++)
			if (pthread_create(&th[i], NULL, client, &r) != 0)
				h_die("pthread_create");
		for (size_t i = 0; i < clients; i++)
			pthread_join(th[i], NULL);
		t1 = h_now();
		snprintf(cpu, sizeof cpu, "%.2f",
			 (double)(clock() - c0) / CLOCKS_PER_SEC);
	}
	hwm = h_status_kb(srv.pid, "VmHWM");
	http_rate = (double)n / (t1 - t0);
	http_win = window_median(r.done_t, r.done_n, r.nbodies, t0,
				 (size_t)window, &nwin);
	lat_copy = h_calloc(r.nbodies, sizeof *lat_copy);
	memcpy(lat_copy, r.lat, r.nbodies * sizeof *lat_copy);
	printf("  envelogd (POST /v1/events)   %9.0f events/s overall (%llu "
	       "in %.1f s), median over %zu windows of %llu: %.0f events/s\n",
	       http_rate, n, t1 - t0, nwin, window, http_win);
	printf("  request latency (batch of %llu): p50 %.1f ms  p99 %.1f ms  "
	       "max %.1f ms;  errors %zu;  client CPU %s s\n",
	       batch, h_quantile(lat_copy, r.nbodies, 0.5) * 1e3,
	       h_quantile(lat_copy, r.nbodies, 0.99) * 1e3,
	       h_quantile(lat_copy, r.nbodies, 1.0) * 1e3,
	       atomic_load(&r.errors), cpu);
	{
		char hz[256], *body = NULL;
		json_t *v;
		snprintf(hz, sizeof hz, "%s/healthz", srv.url);
		h_get(hz, &body);
		v = json_loads(body ? body : "", 0, NULL);
		printf("  /healthz size %lld (want %llu);  envelogd peak RSS "
		       "(VmHWM) %ld kB\n",
		       (long long)json_integer_value(json_object_get(v, "size")),
		       n, hwm);
		json_decref(v);
		free(body);
	}
	{
		char mu[256], *body = NULL;
		snprintf(mu, sizeof mu, "%s/metrics", srv.url);
		h_get(mu, &body);
		server_commits = metric_value(body, "envelog_commits_total");
		free(body);
	}
	printf("  envelogd exit status after SIGTERM: %d\n",
	       h_server_stop(&srv));
	{
		sqlite3 *h = NULL;
		if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK)
			printf("  envelogd's group commit: %zu checkpoints, "
			       "%lld commits (/metrics) for %llu events\n",
			       count_rows(h, "checkpoint") - 1, server_commits,
			       n);
		sqlite3_close(h);
	}
	fflush(stdout);

	if (raw) {
		struct rows rows;
		struct commits c;
		double *lat, *dt, rt0, secs, rwin;
		size_t *cnt, lo = 0, smin = (size_t)-1, smax = 0;

		memset(&rows, 0, sizeof rows);
		memset(&c, 0, sizeof c);
		t0 = h_now();
		load_rows(db, &rows);
		load_commits(db, &c);
		if (c.n == 0 || c.size[c.n - 1] != rows.nentry)
			h_die("the checkpoints do not cover the log");
		if (server_commits >= 0 && (size_t)server_commits != c.n)
			h_die("%zu checkpoints but %lld commits in /metrics",
			      c.n, server_commits);
		lat = h_calloc(c.n, sizeof *lat);
		dt = h_calloc(c.n, sizeof *dt);
		cnt = h_calloc(c.n, sizeof *cnt);
		for (size_t b = 0; b < c.n; lo = (size_t)c.size[b++]) {
			cnt[b] = (size_t)c.size[b] - lo;
			smin = cnt[b] < smin ? cnt[b] : smin;
			smax = cnt[b] > smax ? cnt[b] : smax;
		}
		printf("\nraw SQLite baseline: read back %zu entry, %zu "
		       "event_data, %zu event_index, %zu tree_hash rows and "
		       "envelogd's %zu signed checkpoints in %.1f s (not "
		       "timed)\n",
		       rows.nentry, rows.ndata, rows.nindex, rows.ntree, c.n,
		       h_now() - t0);
		printf("  replaying envelogd's %zu commits: %.0f entries per "
		       "commit on average (min %zu, max %zu)\n",
		       c.n, (double)rows.nentry / (double)c.n, smin, smax);
		fflush(stdout);
		secs = run_raw(&rows, rawdb, vkey, sync, &c, lat, dt, &rt0);
		rwin = window_median(dt, cnt, c.n, rt0, (size_t)window, &nwin);
		printf("  raw SQLite, same rows         %9.0f events/s overall "
		       "(%zu in %.1f s), median over %zu windows of %llu: %.0f "
		       "events/s\n",
		       (double)rows.nentry / secs, rows.nentry, secs, nwin,
		       window, rwin);
		printf("  transaction latency (one per envelogd commit): p50 "
		       "%.1f ms  p99 %.1f ms  (synchronous %s)\n",
		       h_quantile(lat, c.n, 0.5) * 1e3,
		       h_quantile(lat, c.n, 0.99) * 1e3,
		       sync == ELOG_SYNC_FULL ? "FULL" : "NORMAL");
		printf("\n  envelogd over HTTP / raw SQLite: overall %.2f, "
		       "median window %.2f  (design target >= 0.80)\n",
		       http_rate / ((double)rows.nentry / secs),
		       http_win / rwin);
		for (size_t i = 0; i < rows.ndata; i++)
			free(rows.data[i]);
		for (size_t i = 0; i < rows.nentry; i++)
			free(rows.ent_data[i]);
		free_commits(&c);
		free(lat);
		free(dt);
		free(cnt);
	}
	curl_slist_free_all(r.hdrs);
	for (size_t k = 0; k < r.nbodies; k++)
		free(r.bodies[k].p);
	h_end(dir);
	return 0;
}
