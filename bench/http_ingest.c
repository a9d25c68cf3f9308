/*
 * http_ingest — events per second through POST /v1/events as the log
 * grows, next to raw SQLite writing the same rows in the same run.
 *
 *   http_ingest [-n N] [--batch B] [--clients C] [--window W]
 *               [--parties P] [--sync full|normal] [--no-raw]
 *               [--raw old,none,006,runs]
 *
 * envelogd (--sync full by default) is started on a fresh database made by
 * `envelog init` and `envelog token add --role ingest`.  C clients
 * (default 4 threads, one libcurl easy handle each, keep-alive) post N
 * events (default 1 000 000; -n picks the size of the log, up to 10^9) as
 * JSON bodies of B events (default 1000), each body made just before it
 * is sent; senders and recipients are drawn from P numbers (default
 * 10 000 000, a provider's user base).  Reported: events/s overall and per
 * window of W events (default 100 000) against the log size, the ratio of
 * the last tenth of the windows to the first, request latency, errors,
 * envelogd's peak RSS and bytes on disk per event.
 *
 * Then four baselines: the rows envelogd wrote (entry, event_data, the
 * index rows, tree_hash, checkpoint) are read back and written with plain
 * prepared INSERTs into fresh databases with the same schema and pragmas,
 * one transaction per commit envelogd made (the same commit sizes), timing
 * BEGIN..COMMIT only: with the lawful-request index as it was before
 * schema 006 (one B-tree of (party, ts, seq)), with no index (the
 * ceiling), partitioned by seq (schema 006), and as envelogd writes it now
 * (schema 007: appended to index_hot, sealed into sorted runs of 2^16
 * events in the commit that completes one, 16 runs merged into one of
 * 2^20): what SQLite alone costs for the same rows, without HTTP, JSON,
 * validation or hashing.  --raw picks which of them run (default: all; the
 * one-B-tree and 006 baselines take long on large logs).  Prints figures;
 * never fails on timing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Senders and recipients are drawn from this many numbers (--parties). */
static unsigned long long parties = 10000000;

struct body {
	char *p;
	size_t len, n; /* bytes, events */
};

/* Body k of at most batch events (of n in all), ts in the last day from
 * t0: made when it is sent, from a random sequence seeded by k, so that a
 * run of any size needs memory for the bodies in flight only. */
static void make_body(struct body *out, size_t k, size_t n, size_t batch,
		      int64_t t0)
{
	size_t cap = batch * 200 + 64, len = 0;
	size_t m = n - k * batch < batch ? n - k * batch : batch;
	uint64_t rng = 0x2545f4914f6cdd1dULL ^ ((uint64_t)k * 0x9e3779b97f4a7c15ULL);
	char *p = h_calloc(cap, 1);

	if (!rng)
		rng = 1;
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
		size = h_rand(&rng) % 5000000;
		type = h_event_type(h_rand(&rng));
		recipient = h_rand(&rng) % parties;
		sender = h_rand(&rng) % parties;
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
	out->p = p;
	out->len = len;
	out->n = m;
}

/* ---- the clients ---- */

struct run {
	const char *url;       /* …/v1/events */
	struct curl_slist *hdrs;
	size_t n, batch;       /* events in all, per body */
	int64_t t0;            /* ts of the first event */
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
	struct body b;
	CURL *c = h_post_handle(r->url, r->hdrs, 120L, keep, &resp);

	for (;;) {
		size_t k = atomic_fetch_add(&r->next, 1), slot;
		long status;
		if (k >= r->nbodies)
			break;
		resp.len = 0;
		resp.buf[0] = '\0';
		make_body(&b, k, r->n, r->batch, r->t0);
		status = h_post(c, b.p, b.len, &r->lat[k]);
		free(b.p);
		slot = atomic_fetch_add(&r->done, 1);
		r->done_t[slot] = h_now();
		r->done_n[slot] = b.n;
		if (status != 201) {
			if (atomic_fetch_add(&r->errors, 1) < 5)
				fprintf(stderr, "http_ingest: status %ld: %.200s\n",
					status, resp.buf);
		} else {
			json_t *v = json_loads(resp.buf, 0, NULL);
			if (json_integer_value(json_object_get(v, "count")) !=
			    (json_int_t)b.n)
				atomic_fetch_add(&r->errors, 1);
			json_decref(v);
		}
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* ---- the raw SQLite baselines ---- */

/* Schema 006's partitions: seq >> 19. */
#define PART_BITS 19
#define PART_BITS_STR "19"

/* How a raw baseline writes the lawful-request index. */
enum raw_mode {
	RAW_OLD,  /* the design before schema 006: one B-tree keyed by
		     (party, ts, seq), each row at a random place */
	RAW_NONE, /* no index rows at all: the ceiling */
	RAW_PART, /* schema 006: keyed by (part = seq >> 19, party, ts, seq),
		     plus the partition's ts range in index_part */
	RAW_RUNS, /* schemas 007, 008 and 010, as envelogd writes it */
	RAW_MODES
};
static const char *const raw_name[] = {
	[RAW_OLD] = "raw SQLite, index as before (one B-tree)",
	[RAW_NONE] = "raw SQLite, no index (ceiling)",
	[RAW_PART] = "raw SQLite, index partitioned (006)",
	[RAW_RUNS] = "raw SQLite, index in sorted runs (007, 010)",
};

/* One row read back from envelogd's database. */
struct row {
	int64_t a, b, c; /* entry: seq, kind, ts (-1: NULL);
				    event_data: seq, ts; event_index: party,
				    ts, seq; tree_hash: id */
	unsigned char h1[32], h2[32];
	char *p; /* blob, malloc'd */
	int len;
};
struct rowbuf {
	struct row *r;
	size_t n, cap;
};

/*
 * store.c's seal and merge (seal_run, merge_runs, create_run_table), for
 * the raw baseline: index_hot by block (schema 008), each sealed run a
 * table of its own (schema 010).  %lld: a run id; ?1, ?2: the seq range;
 * ?3: the new run.
 */
#define RAW_HOT_RANGE \
	"blk >= ?1 >> 10 AND blk <= ?2 >> 10 AND seq >= ?1 AND seq <= ?2"
#define RAW_RUN_TABLE "\"index_sealed_%lld\""
static const char raw_run_ddl[] =
	"CREATE TABLE " RAW_RUN_TABLE " (party INTEGER NOT NULL, ts INTEGER "
	"NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (party, ts, seq)) WITHOUT "
	"ROWID; CREATE TRIGGER \"index_sealed_%lld_no_update\" BEFORE UPDATE "
	"ON " RAW_RUN_TABLE
	" BEGIN SELECT RAISE(ABORT, 'a sealed index run is "
	"append-only'); END; CREATE TRIGGER \"index_sealed_%lld_no_delete\" "
	"BEFORE DELETE ON " RAW_RUN_TABLE " WHEN NOT (OLD.seq <= "
	"coalesce((SELECT max(through_seq) FROM purge_horizon), -1)) BEGIN "
	"SELECT RAISE(ABORT, 'a sealed index run is append-only'); END";
static const char
	raw_next_run[] = "SELECT coalesce(max(run) + 1, 0) FROM index_run";

/* Run sql (one or more statements) with the range and run bound to
 * whichever of ?1, ?2, ?3 it has; the first column of its first row into
 * *out when given. */
static void raw_run(sqlite3 *h, const char *sql, int64_t first, int64_t last,
		    int64_t run, int64_t *out)
{
	const char *tail;
	while (sql && *sql) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, sql, -1, &st, &tail) != SQLITE_OK)
			h_die("%s: %s", sql, sqlite3_errmsg(h));
		if (!st)
			break;
		for (int k = 1; k <= sqlite3_bind_parameter_count(st); k++)
			sqlite3_bind_int64(st, k,
					   k == 1   ? first
					   : k == 2 ? last
						    : run);
		if (sqlite3_step(st) == SQLITE_ROW && out)
			*out = sqlite3_column_int64(st, 0);
		if (sqlite3_finalize(st) != SQLITE_OK)
			h_die("%s: %s", sql, sqlite3_errmsg(h));
		sql = tail;
	}
}

/* The statement fmt with the run id run in each of its n places. */
static const char *raw_fmt(char *buf, size_t cap, const char *fmt, int n,
			   int64_t run)
{
	long long r = (long long)run;
	int w = n == 1 ? snprintf(buf, cap, fmt, r)
		       : snprintf(buf, cap, fmt, r, r, r, r, r);
	if (w < 0 || (size_t)w >= cap)
		h_die("statement too long");
	return buf;
}

/* store.c seal_run: the rows of [first, last] from index_hot, sorted, into
 * a new run's table; index_hot emptied whole when it held that run alone. */
static void raw_seal_run(sqlite3 *h, int64_t first, int64_t last)
{
	char sql[1024];
	int64_t run = 0, moved, hot = 0;
	raw_run(h, raw_next_run, first, last, 0, &run);
	raw_run(h, raw_fmt(sql, sizeof sql, raw_run_ddl, 5, run), first, last,
		run, NULL);
	raw_run(h,
		raw_fmt(sql, sizeof sql,
			"INSERT INTO " RAW_RUN_TABLE "(party, ts, seq) SELECT "
			"party, ts, seq FROM index_hot WHERE " RAW_HOT_RANGE
			" ORDER BY party, ts, seq",
			1, run),
		first, last, run, NULL);
	moved = sqlite3_changes64(h);
	raw_run(h,
		"INSERT INTO index_run(run, level, first_seq, last_seq, "
		"min_ts, max_ts) SELECT ?3, 0, ?1, ?2, min(ts), max(ts) FROM "
		"index_hot WHERE " RAW_HOT_RANGE,
		first, last, run, NULL);
	raw_run(h, "SELECT count(*) FROM index_hot", first, last, run, &hot);
	raw_run(h,
		hot == moved ? "DELETE FROM index_hot"
			     : "DELETE FROM index_hot WHERE " RAW_HOT_RANGE,
		first, last, run, NULL);
}

/* store.c merge_runs: the runs inside [first, last] into one new run of
 * level 1, by one INSERT ... SELECT of their tables; theirs dropped. */
static void raw_merge(sqlite3 *h, int64_t first, int64_t last)
{
	sqlite3_stmt *st;
	int64_t old[ELOG_INDEX_FANOUT], run = 0, lo = 0, hi = 0;
	size_t n = 0, len;
	char sql[2048], one[256];

	st = h_prepare(h,
		       "SELECT count(*), min(min_ts), max(max_ts) FROM "
		       "index_run WHERE first_seq >= ?1 AND last_seq <= ?2",
		       0);
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	if (sqlite3_step(st) == SQLITE_ROW) {
		lo = sqlite3_column_int64(st, 1);
		hi = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	st = h_prepare(h,
		       "SELECT run FROM index_run WHERE first_seq >= ?1 AND "
		       "last_seq <= ?2 ORDER BY first_seq",
		       0);
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	while (n < ELOG_INDEX_FANOUT && sqlite3_step(st) == SQLITE_ROW)
		old[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return;
	raw_run(h, raw_next_run, first, last, 0, &run);
	raw_run(h, raw_fmt(sql, sizeof sql, raw_run_ddl, 5, run), first, last,
		run, NULL);
	len = strlen(raw_fmt(sql, sizeof sql,
			     "INSERT INTO " RAW_RUN_TABLE "(party, ts, seq) ",
			     1, run));
	for (size_t i = 0; i < n; i++) {
		raw_fmt(one, sizeof one,
			"SELECT party, ts, seq FROM " RAW_RUN_TABLE, 1,
			old[i]);
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s",
					i ? " UNION ALL " : "", one);
	}
	len += (size_t)snprintf(sql + len, sizeof sql - len,
				" ORDER BY party, ts, seq");
	if (len >= sizeof sql)
		h_die("merge statement too long");
	raw_run(h, sql, first, last, run, NULL);
	for (size_t i = 0; i < n; i++)
		raw_run(h,
			raw_fmt(one, sizeof one, "DROP TABLE " RAW_RUN_TABLE,
				1, old[i]),
			first, last, run, NULL);
	raw_run(h,
		"DELETE FROM index_run WHERE first_seq >= ?1 AND last_seq <= "
		"?2",
		first, last, run, NULL);
	st = h_prepare(h,
		       "INSERT INTO index_run(run, level, first_seq, "
		       "last_seq, min_ts, max_ts) VALUES (?3, 1, ?1, ?2, ?4, "
		       "?5)",
		       0);
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_int64(st, 3, run);
	sqlite3_bind_int64(st, 4, lo);
	sqlite3_bind_int64(st, 5, hi);
	h_insert(h, st);
	sqlite3_finalize(st);
}

/* The raw baseline's index rows of a commit of entries [lo, hi) (rows, in
 * seq order) as store.c seal_runs writes them: for each run the commit
 * completes, its rows into index_hot, then its seal and the merge of 16
 * runs it completes; then the rows past the last run. */
static void raw_index(sqlite3 *h, sqlite3_stmt *ins, const struct rowbuf *rows,
		      int64_t lo, int64_t hi)
{
	const int bits = ELOG_INDEX_RUN_BITS;
	size_t i = 0;
	for (int64_t k = lo >> bits; k <= hi >> bits; k++) {
		int64_t end = (k + 1) << bits;
		for (; i < rows->n && (k == hi >> bits || rows->r[i].c < end);
		     i++) {
			sqlite3_bind_int64(ins, 1, rows->r[i].a);
			sqlite3_bind_int64(ins, 2, rows->r[i].b);
			sqlite3_bind_int64(ins, 3, rows->r[i].c);
			h_insert(h, ins);
		}
		if (k == hi >> bits)
			break;
		raw_seal_run(h, k << bits, end - 1);
		if ((end & ((INT64_C(1) << (bits + ELOG_INDEX_FANOUT_BITS)) -
			    1)) == 0)
			raw_merge(h,
				  end - (INT64_C(1)
					 << (bits + ELOG_INDEX_FANOUT_BITS)),
				  end - 1);
	}
}

static struct row *rb_add(struct rowbuf *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		struct row *g = realloc(b->r, cap * sizeof *g);
		if (!g)
			h_die("out of memory");
		b->r = g;
		b->cap = cap;
	}
	memset(&b->r[b->n], 0, sizeof b->r[0]);
	return &b->r[b->n++];
}

static void rb_clear(struct rowbuf *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->r[i].p);
	b->n = 0;
}

static void col_blob(sqlite3_stmt *st, int col, struct row *r)
{
	r->len = sqlite3_column_bytes(st, col);
	r->p = h_calloc((size_t)r->len + 1, 1);
	if (r->len)
		memcpy(r->p, sqlite3_column_blob(st, col), (size_t)r->len);
}

static void col_hash(sqlite3_stmt *st, int col, unsigned char *out)
{
	if (sqlite3_column_bytes(st, col) != 32)
		h_die("a stored hash is not 32 bytes");
	memcpy(out, sqlite3_column_blob(st, col), 32);
}

/* Read the rows of entries [lo, hi) (tree hashes with ids [tlo, thi)) from
 * src into the four buffers. */
static void read_commit(sqlite3_stmt *const q[4], int64_t lo, int64_t hi,
			int64_t tlo, int64_t thi, struct rowbuf b[4])
{
	for (int t = 0; t < 4; t++) {
		sqlite3_stmt *st = q[t];
		rb_clear(&b[t]);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, t == 3 ? tlo : lo);
		sqlite3_bind_int64(st, 2, t == 3 ? thi : hi);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct row *r = rb_add(&b[t]);
			r->a = sqlite3_column_int64(st, 0);
			switch (t) {
			case 0: /* entry */
				r->b = sqlite3_column_int64(st, 1);
				r->c = sqlite3_column_type(st, 2) == SQLITE_NULL
					       ? -1
					       : sqlite3_column_int64(st, 2);
				col_blob(st, 3, r);
				col_hash(st, 4, r->h1);
				col_hash(st, 5, r->h2);
				break;
			case 1: /* event_data */
				r->b = sqlite3_column_int64(st, 1);
				col_blob(st, 2, r);
				break;
			case 2: /* event_index */
				r->b = sqlite3_column_int64(st, 1);
				r->c = sqlite3_column_int64(st, 2);
				break;
			default: /* tree_hash */
				col_hash(st, 1, r->h1);
			}
		}
	}
}

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

/* The file's bytes (0 if absent). */
static uint64_t file_bytes(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* A database's bytes on disk after a WAL checkpoint: the file and its
 * -wal. */
static uint64_t db_bytes(const char *path)
{
	char wal[2100];
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
			     NULL);
	sqlite3_close(h);
	snprintf(wal, sizeof wal, "%s-wal", path);
	return file_bytes(path) + file_bytes(wal);
}

/* In envelogd's database (read back by run_raw): bench_index(party, ts,
 * seq), every index row (index_hot's and each run's table), indexed by
 * seq. */
static void bench_index(sqlite3 *in)
{
	sqlite3_stmt *st;
	char sql[256];
	h_exec(in, "DROP TABLE IF EXISTS bench_index; CREATE TABLE "
		   "bench_index AS SELECT party, ts, seq FROM index_hot");
	st = h_prepare(in, "SELECT run FROM index_run ORDER BY first_seq", 0);
	while (sqlite3_step(st) == SQLITE_ROW) {
		raw_fmt(sql, sizeof sql,
			"INSERT INTO bench_index SELECT party, ts, seq FROM " RAW_RUN_TABLE,
			1, sqlite3_column_int64(st, 0));
		h_exec(in, sql);
	}
	sqlite3_finalize(st);
	h_exec(in, "CREATE INDEX bench_index_seq ON bench_index(seq)");
}

/*
 * Write the rows of envelogd's database src into a fresh database at path,
 * one transaction per commit envelogd made (the same commit sizes: its
 * checkpoints' sizes), with the index as mode says.  Only BEGIN … COMMIT
 * is timed; the rows of each commit are read from src before it.  Fills
 * done_t[k] (timed seconds so far, after commit k) and cnt[k] (its
 * entries); returns the number of commits.
 */
static size_t run_raw(const char *src, const char *path, const char *vkey,
		      int sync, enum raw_mode mode, double *done_t,
		      size_t *cnt, size_t max_commits, double *secs)
{
	static const char *const qsql[4] = {
		"SELECT seq, kind, ts, data, leaf_hash, chain_hash FROM entry "
		"WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
		"SELECT seq, ts, data FROM records WHERE seq >= ?1 AND "
		"seq < ?2 ORDER BY seq",
		"SELECT party, ts, seq FROM bench_index WHERE seq >= ?1 AND "
		"seq < ?2 ORDER BY seq, party",
		"SELECT id, hash FROM tree_hash WHERE id >= ?1 AND id < ?2 "
		"ORDER BY id",
	};
	sqlite3 *in = NULL, *h;
	sqlite3_stmt *q[4], *cps, *ins_entry, *ins_data = NULL, *ins_index = NULL,
			       *ins_part = NULL, *ins_tree, *ins_cp;
	struct rowbuf b[4];
	int64_t lo = 0, tlo = 0, data_part = -1;
	unsigned part_bits;
	size_t k = 0;
	double total = 0;

	memset(b, 0, sizeof b);
	if (sqlite3_open_v2(src, &in, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		h_die("open %s", src);
	/* Read back by seq: every index row, wherever it is, in one table
	 * with an index for the reading, not timed; the records through a
	 * view of their partitions. */
	bench_index(in);
	h_records_view(in);
	for (int t = 0; t < 4; t++)
		q[t] = h_prepare(in, qsql[t], 0);
	cps = h_prepare(in,
			"SELECT size, root, note FROM checkpoint WHERE "
			"size > 0 ORDER BY size",
			0);
	h = h_raw_open(path, ORIGIN, vkey, sync);
	ins_entry = h_prepare(h,
			      "INSERT INTO entry(seq, kind, ts, data, leaf_hash, "
			      "chain_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			      SQLITE_PREPARE_PERSISTENT);
	part_bits = h_part_bits(h);
	if (mode == RAW_OLD) {
		h_exec(h, "CREATE TABLE event_index_old(party INTEGER NOT "
			  "NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, "
			  "PRIMARY KEY (party, ts, seq)) WITHOUT ROWID");
		ins_index = h_prepare(h,
				      "INSERT INTO event_index_old(party, ts, "
				      "seq) VALUES (?1, ?2, ?3)",
				      SQLITE_PREPARE_PERSISTENT);
	} else if (mode == RAW_PART) {
		h_exec(h, "CREATE TABLE part_index(part INTEGER NOT NULL, "
			  "party INTEGER NOT NULL, ts INTEGER NOT NULL, seq "
			  "INTEGER NOT NULL, PRIMARY KEY (part, party, ts, "
			  "seq)) WITHOUT ROWID; CREATE TABLE index_part(part "
			  "INTEGER PRIMARY KEY, min_ts INTEGER NOT NULL, "
			  "max_ts INTEGER NOT NULL)");
		ins_index = h_prepare(h,
				      "INSERT INTO part_index(part, party, ts, "
				      "seq) VALUES (?3 >> " PART_BITS_STR
				      ", ?1, ?2, ?3)",
				      SQLITE_PREPARE_PERSISTENT);
		ins_part = h_prepare(h,
				     "INSERT INTO index_part(part, min_ts, "
				     "max_ts) VALUES (?1, ?2, ?3) ON "
				     "CONFLICT(part) DO UPDATE SET min_ts = "
				     "min(min_ts, excluded.min_ts), max_ts = "
				     "max(max_ts, excluded.max_ts)",
				     SQLITE_PREPARE_PERSISTENT);
	} else if (mode == RAW_RUNS) {
		ins_index = h_prepare(h,
				      "INSERT INTO index_hot(blk, party, ts, "
				      "seq) VALUES (?3 >> 10, ?1, ?2, ?3)",
				      SQLITE_PREPARE_PERSISTENT);
	}
	ins_tree = h_prepare(h,
			     "INSERT INTO tree_hash(id, hash) VALUES (?1, ?2)",
			     SQLITE_PREPARE_PERSISTENT);
	ins_cp = h_prepare(h,
			   "INSERT INTO checkpoint(size, root, note, created) "
			   "VALUES (?1, ?2, ?3, ?4)",
			   SQLITE_PREPARE_PERSISTENT);
	while (k < max_commits && sqlite3_step(cps) == SQLITE_ROW) {
		int64_t hi = sqlite3_column_int64(cps, 0);
		int64_t thi = (int64_t)elog_stored_hash_index(0, (uint64_t)hi);
		double t;

		read_commit(q, lo, hi, tlo, thi, b);
		t = h_now();
		h_exec(h, "BEGIN IMMEDIATE");
		for (size_t i = 0; i < b[0].n; i++) {
			struct row *r = &b[0].r[i];
			sqlite3_bind_int64(ins_entry, 1, r->a);
			sqlite3_bind_int64(ins_entry, 2, r->b);
			if (r->c < 0)
				sqlite3_bind_null(ins_entry, 3);
			else
				sqlite3_bind_int64(ins_entry, 3, r->c);
			sqlite3_bind_blob(ins_entry, 4, r->p, r->len,
					  SQLITE_STATIC);
			sqlite3_bind_blob(ins_entry, 5, r->h1, 32,
					  SQLITE_STATIC);
			sqlite3_bind_blob(ins_entry, 6, r->h2, 32,
					  SQLITE_STATIC);
			h_insert(h, ins_entry);
		}
		for (size_t i = 0; i < b[1].n; i++) {
			struct row *r = &b[1].r[i];
			h_record_insert(h, part_bits, (uint64_t)r->a, &ins_data,
					&data_part);
			sqlite3_bind_int64(ins_data, 1, r->a);
			sqlite3_bind_int64(ins_data, 2, r->b);
			sqlite3_bind_blob(ins_data, 3, r->p, r->len,
					  SQLITE_STATIC);
			h_insert(h, ins_data);
		}
		if (mode == RAW_RUNS)
			raw_index(h, ins_index, &b[2], lo, hi);
		for (size_t i = 0;
		     mode != RAW_NONE && mode != RAW_RUNS && i < b[2].n; i++) {
			struct row *r = &b[2].r[i];
			sqlite3_bind_int64(ins_index, 1, r->a);
			sqlite3_bind_int64(ins_index, 2, r->b);
			sqlite3_bind_int64(ins_index, 3, r->c);
			h_insert(h, ins_index);
		}
		for (size_t i = 0; mode == RAW_PART && i < b[2].n;) {
			/* each partition's ts range, once per commit */
			int64_t part = b[2].r[i].c >> PART_BITS,
				mn = b[2].r[i].b, mx = mn;
			for (; i < b[2].n && b[2].r[i].c >> PART_BITS == part;
			     i++) {
				mn = b[2].r[i].b < mn ? b[2].r[i].b : mn;
				mx = b[2].r[i].b > mx ? b[2].r[i].b : mx;
			}
			sqlite3_bind_int64(ins_part, 1, part);
			sqlite3_bind_int64(ins_part, 2, mn);
			sqlite3_bind_int64(ins_part, 3, mx);
			h_insert(h, ins_part);
		}
		for (size_t i = 0; i < b[3].n; i++) {
			struct row *r = &b[3].r[i];
			sqlite3_bind_int64(ins_tree, 1, r->a);
			sqlite3_bind_blob(ins_tree, 2, r->h1, 32,
					  SQLITE_STATIC);
			h_insert(h, ins_tree);
		}
		sqlite3_bind_int64(ins_cp, 1, hi);
		sqlite3_bind_value(ins_cp, 2, sqlite3_column_value(cps, 1));
		sqlite3_bind_value(ins_cp, 3, sqlite3_column_value(cps, 2));
		sqlite3_bind_int64(ins_cp, 4, elog_now_ms());
		h_insert(h, ins_cp);
		h_exec(h, "COMMIT");
		total += h_now() - t;
		done_t[k] = total;
		cnt[k] = (size_t)(hi - lo);
		k++;
		lo = hi;
		tlo = thi;
	}
	for (int t = 0; t < 4; t++) {
		sqlite3_finalize(q[t]);
		rb_clear(&b[t]);
		free(b[t].r);
	}
	sqlite3_finalize(cps);
	sqlite3_finalize(ins_entry);
	sqlite3_finalize(ins_data);
	if (ins_index)
		sqlite3_finalize(ins_index);
	if (ins_part)
		sqlite3_finalize(ins_part);
	sqlite3_finalize(ins_tree);
	sqlite3_finalize(ins_cp);
	sqlite3_close(h);
	sqlite3_close(in);
	*secs = total;
	return k;
}

/*
 * Rates per window of w events: for answers (or commits) i = 0 … n-1 of
 * cnt[i] events at time t[i] (from t0), the events/s of each window that
 * ends once w more events were done, into rate[], the log size at its end
 * into size[].  Returns the number of windows.
 */
static size_t windows(const double *t, const size_t *cnt, size_t n, double t0,
		      size_t w, double *rate, uint64_t *size)
{
	double prev = t0;
	size_t acc = 0, k = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		acc += cnt[i];
		total += cnt[i];
		if (acc >= w) {
			rate[k] = (double)acc / (t[i] - prev);
			size[k++] = total;
			prev = t[i];
			acc = 0;
		}
	}
	return k;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: http_ingest [-n N] [--batch B] [--clients C] "
		"[--window W]\n"
		"                   [--parties P] [--sync full|normal] "
		"[--no-raw]\n"
		"                   [--raw old,none,006,runs]\n");
	exit(2);
}

/* Print the median of the n rates (sorting a copy). */
static double median(const double *v, size_t n)
{
	double *c, m;
	if (n == 0)
		return 0;
	c = h_calloc(n, sizeof *c);
	memcpy(c, v, n * sizeof *c);
	m = h_quantile(c, n, 0.5);
	free(c);
	return m;
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, batch = 1000, clients = 4,
			   window = 100000;
	int sync = ELOG_SYNC_FULL, raw = 1, want[RAW_MODES] = {1, 1, 1, 1};
	char dir[1024], db[2048], rawdb[2048], url[128];
	char vkey[ELOG_KEY_TEXT_MAX + 8], token[256];
	char envelog[1024], cpu[64];
	struct run r;
	pthread_t th[64];
	h_server srv;
	double t0, t1, http_rate, *lat_copy, *rate[RAW_MODES + 1];
	uint64_t *wsize[RAW_MODES + 1], bytes[RAW_MODES + 1] = {0};
	size_t nwin[RAW_MODES + 1] = {0};
	long hwm;

	h_prog = "http_ingest";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-raw")) {
			raw = 0;
			continue;
		}
		if (!v)
			usage();
		if (!strcmp(a, "--raw")) {
			static const char *const key[RAW_MODES] = {
				"old", "none", "006", "runs"};
			for (int m = 0; m < RAW_MODES; m++) {
				const char *p = strstr(v, key[m]);
				size_t l = strlen(key[m]);
				want[m] = p && (p == v || p[-1] == ',') &&
					  (p[l] == '\0' || p[l] == ',');
			}
		} else if (!strcmp(a, "-n")) {
			if (h_count(v, 1000000000ULL, &n))
				usage();
		} else if (!strcmp(a, "--batch")) {
			if (h_count(v, ELOG_MAX_BATCH, &batch))
				usage();
		} else if (!strcmp(a, "--clients")) {
			if (h_count(v, 64, &clients))
				usage();
		} else if (!strcmp(a, "--window")) {
			if (h_count(v, 1000000000ULL, &window))
				usage();
		} else if (!strcmp(a, "--parties")) {
			if (h_count(v, 100000000ULL, &parties))
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
	r.n = (size_t)n;
	r.batch = (size_t)batch;
	r.t0 = elog_now_ms() - 86400000;
	r.nbodies = (r.n + r.batch - 1) / r.batch;
	printf("%llu events in %zu JSON bodies of %llu, each made when it is "
	       "sent; senders and recipients from %llu numbers\n",
	       n, r.nbodies, batch, parties);
	r.done_t = h_calloc(r.nbodies, sizeof *r.done_t);
	r.done_n = h_calloc(r.nbodies, sizeof *r.done_n);
	r.lat = h_calloc(r.nbodies, sizeof *r.lat);
	for (int m = 0; m <= RAW_MODES; m++) {
		rate[m] = h_calloc(r.nbodies + 1, sizeof *rate[m]);
		wsize[m] = h_calloc(r.nbodies + 1, sizeof *wsize[m]);
	}

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
	nwin[0] = windows(r.done_t, r.done_n, r.nbodies, t0, (size_t)window,
			  rate[0], wsize[0]);
	lat_copy = h_calloc(r.nbodies, sizeof *lat_copy);
	memcpy(lat_copy, r.lat, r.nbodies * sizeof *lat_copy);
	printf("  envelogd (POST /v1/events)   %9.0f events/s overall (%llu "
	       "in %.1f s), median over %zu windows of %llu: %.0f events/s\n",
	       http_rate, n, t1 - t0, nwin[0], window,
	       median(rate[0], nwin[0]));
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
	printf("  envelogd exit status after SIGTERM: %d\n",
	       h_server_stop(&srv));
	bytes[0] = db_bytes(db);
	{
		sqlite3 *h = NULL;
		if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK)
			printf("  envelogd's group commit: %zu commits for %llu "
			       "events;  database %.1f MB, %.0f bytes per "
			       "event\n",
			       count_rows(h, "checkpoint") - 1, n,
			       (double)bytes[0] / 1e6,
			       (double)bytes[0] / (double)n);
		sqlite3_close(h);
	}
	fflush(stdout);

	if (raw) {
		size_t ncommit = r.nbodies + 2;
		double *dt = h_calloc(ncommit, sizeof *dt), secs;
		size_t *cnt = h_calloc(ncommit, sizeof *cnt), nc;

		printf("\nraw SQLite: the rows envelogd wrote, read back and "
		       "written again with prepared INSERTs, one transaction "
		       "per commit envelogd made (the same commit sizes), "
		       "synchronous %s; only BEGIN..COMMIT is timed\n",
		       sync == ELOG_SYNC_FULL ? "FULL" : "NORMAL");
		for (int m = RAW_OLD; m < RAW_MODES; m++) {
			if (!want[m])
				continue;
			snprintf(rawdb, sizeof rawdb, "%s/raw%d.db", dir, m);
			nc = run_raw(db, rawdb, vkey, sync, (enum raw_mode)m,
				     dt, cnt, ncommit, &secs);
			nwin[m + 1] = windows(dt, cnt, nc, 0, (size_t)window,
					      rate[m + 1], wsize[m + 1]);
			bytes[m + 1] = db_bytes(rawdb);
			printf("  %-40s %9.0f events/s overall (%zu commits "
			       "in %.1f s), median window %.0f;  %.0f bytes "
			       "per event\n",
			       raw_name[m], (double)n / secs, nc, secs,
			       median(rate[m + 1], nwin[m + 1]),
			       (double)bytes[m + 1] / (double)n);
			fflush(stdout);
			unlink(rawdb);
		}
		free(dt);
		free(cnt);
	}
	printf("\nevents/s per window of %llu against the log size at the "
	       "window's end (%llu parties)\n",
	       window, parties);
	printf("  %12s %12s", "log size", "envelogd");
	if (raw)
		printf(" %12s %12s %12s %12s", "raw old", "raw none",
		       "raw 006", "raw runs");
	printf("\n");
	for (size_t k = 0; k < nwin[0]; k++) {
		printf("  %12llu %12.0f", (unsigned long long)wsize[0][k],
		       rate[0][k]);
		for (int m = 1; raw && m <= RAW_MODES; m++) {
			if (k < nwin[m])
				printf(" %12.0f", rate[m][k]);
			else
				printf(" %12s", "-");
		}
		printf("\n");
	}
	if (nwin[0] >= 10) {
		size_t tenth = nwin[0] / 10;
		double first = 0, last = 0;
		for (size_t k = 0; k < tenth; k++) {
			first += rate[0][k];
			last += rate[0][nwin[0] - 1 - k];
		}
		printf("  envelogd: mean rate of the last tenth of the windows "
		       "/ the first tenth: %.2f (issue 13: flat is >= 0.80)\n",
		       last / first);
	}
	for (int m = 0; m <= RAW_MODES; m++) {
		free(rate[m]);
		free(wsize[m]);
	}
	free(lat_copy);
	curl_slist_free_all(r.hdrs);
	free(r.done_t);
	free(r.done_n);
	free(r.lat);
	h_end(dir);
	return 0;
}
