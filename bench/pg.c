/*
 * pg — the PostgreSQL store against raw PostgreSQL and against the SQLite
 * store, all in one run, on a scratch PostgreSQL 15 server that the
 * program starts (initdb in its temporary directory, a free loopback port,
 * fsync on, synchronous_commit on; as "nobody" when run as root).
 *
 *   pg [-n N] [--batch B] [--clients C] [--rounds R] [--requests Q]
 *      [--proof-secs S]
 *
 * Each of R rounds (default 3), on fresh databases:
 *
 *   sqlite   envelogd --sync full on a SQLite file: C clients (default 4
 *            threads, one keep-alive libcurl handle each) post N events
 *            (default 200 000) as JSON bodies of B (default 1 000).
 *   pg       the same on a PostgreSQL database of the scratch server.
 *   raw pg   the rows envelogd wrote there (entry, event_data, event_index,
 *            index_run, tree_hash, checkpoint) read back and written with
 *            libpq into a fresh database made by `envelog init` (the same
 *            schema, partitions and triggers), one COPY (FORMAT binary) per
 *            table per transaction as the store does, one transaction per
 *            commit envelogd made (the same commit sizes); the partitions
 *            are made before the clock starts, and only BEGIN..COMMIT is
 *            timed: what PostgreSQL alone costs for the same rows, without
 *            HTTP, JSON, validation or hashing.
 *
 * The first round also measures, on each store's log of N events: Q
 * lawful requests (default 100, after 5 not counted; one subject with
 * N/1000 events, one after another on one keep-alive connection; median,
 * p90) and inclusion proofs per second (wrk, 2 threads, 8 connections, S
 * seconds, default 10).  Reported: medians over the rounds.  Prints
 * figures; never fails on timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "harness.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"

#define ORIGIN "bench.example/log"
#define AUTHORITY "bench-nca"
#define PG_BIN "/usr/lib/postgresql/15/bin"
#define WARMUP 5
#define MAX_ROUNDS 9

/* ---- the scratch server ---- */

static char pg_dir[1024]; /* its directory: data/, the socket, the log */
static int pg_port;
static uid_t pg_uid; /* the servers' user when we are root */
static int pg_as_nobody;

/* snprintf into buf[cap], or stop if it does not fit. */
#define FMT(buf, cap, ...) \
	do { \
		int fmt_n_ = snprintf(buf, cap, __VA_ARGS__); \
		if (fmt_n_ < 0 || (size_t)fmt_n_ >= (size_t)(cap)) \
			h_die("path too long"); \
	} while (0)

/* argv[0] (a PostgreSQL program) as the servers' user, stdout to out. */
static int pg_run(const char *const *argv, char *out, size_t cap)
{
	const char *full[32];
	char log[1100];
	int n = 0;

	if (pg_as_nobody) {
		full[n++] = "/usr/sbin/runuser";
		full[n++] = "-u";
		full[n++] = "nobody";
		full[n++] = "--";
	}
	for (; *argv && n < 31; argv++)
		full[n++] = *argv;
	full[n] = NULL;
	FMT(log, sizeof log, "%s/commands.log", pg_dir);
	return h_run((char *const *)full, NULL, out, cap, log);
}

/* Run sql as the superuser on database db (-At); rows into out. */
static void psql(const char *db, const char *sql, char *out, size_t cap)
{
	char port[16];
	const char *argv[] = {PG_BIN "/psql",
			      "-X",
			      "-At",
			      "-v",
			      "ON_ERROR_STOP=1",
			      "-h",
			      pg_dir,
			      "-p",
			      port,
			      "-U",
			      "postgres",
			      "-d",
			      db,
			      "-c",
			      sql,
			      NULL};

	snprintf(port, sizeof port, "%d", pg_port);
	if (pg_run(argv, out, cap) != 0)
		h_die("psql: %s (see %s/commands.log)", sql, pg_dir);
}

static void pg_start(const char *dir)
{
	char data[1100], conf[1200], log[1100];
	struct passwd *pw;
	FILE *f;

	pg_as_nobody = geteuid() == 0;
	FMT(pg_dir, sizeof pg_dir, "%s/pg", dir);
	if (mkdir(pg_dir, 0700) != 0)
		h_die("mkdir %s: %s", pg_dir, strerror(errno));
	if (pg_as_nobody) {
		if (!(pw = getpwnam("nobody")))
			h_die("no user nobody to run PostgreSQL as");
		pg_uid = pw->pw_uid;
		if (chmod(dir, 0711) != 0 || chown(pg_dir, pg_uid, (gid_t)-1))
			h_die("chown %s: %s", pg_dir, strerror(errno));
	}
	FMT(data, sizeof data, "%s/data", pg_dir);
	{
		const char *argv[] = {PG_BIN "/initdb",
				      "-D",
				      data,
				      "-U",
				      "postgres",
				      "--auth=trust",
				      "-E",
				      "UTF8",
				      "--locale=C.UTF-8",
				      NULL};
		if (access(PG_BIN "/initdb", X_OK) != 0)
			h_die("PostgreSQL 15 is not installed (make deps)");
		if (pg_run(argv, NULL, 0) != 0)
			h_die("initdb failed (see %s/commands.log)", pg_dir);
	}
	pg_port = h_free_port();
	FMT(conf, sizeof conf, "%s/postgresql.conf", data);
	if (!(f = fopen(conf, "a")))
		h_die("%s: %s", conf, strerror(errno));
	fprintf(f,
		"listen_addresses = '127.0.0.1'\nport = %d\n"
		"unix_socket_directories = '%s'\nfsync = on\n"
		"synchronous_commit = on\n",
		pg_port, pg_dir);
	fclose(f);
	FMT(log, sizeof log, "%s/server.log", pg_dir);
	{
		const char *argv[] = {PG_BIN "/pg_ctl",
				      "-D",
				      data,
				      "-l",
				      log,
				      "-w",
				      "-t",
				      "60",
				      "start",
				      NULL};
		if (pg_run(argv, NULL, 0) != 0)
			h_die("PostgreSQL did not start (see %s)", log);
	}
	psql("postgres", "CREATE ROLE envelog LOGIN", NULL, 0);
}

static void pg_stop(void)
{
	char data[1100];
	const char *argv[] = {PG_BIN "/pg_ctl", "-D", data,   "-m",
			      "fast",		"-w", "stop", NULL};

	FMT(data, sizeof data, "%s/data", pg_dir);
	pg_run(argv, NULL, 0);
}

/* A new database name (owned by envelog); its conninfo into url. */
static void pg_newdb(const char *name, char *url, size_t cap)
{
	char sql[256];

	snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER envelog", name);
	psql("postgres", sql, NULL, 0);
	snprintf(url, cap, "postgresql://envelog@127.0.0.1:%d/%s", pg_port,
		 name);
}

/* ---- the ingest clients ---- */

struct run {
	const char *url; /* …/v1/events */
	struct curl_slist *hdrs;
	size_t n, batch, nbodies;
	int64_t t0; /* ts of the first event */
	atomic_size_t next;
	atomic_size_t errors;
	double *lat; /* per body, seconds */
};

/* Body k: events k*batch…; event e has sender +4477 e % 1000 (so each of
 * 1 000 subjects has n/1000 events) and a random recipient. */
static char *make_body(const struct run *r, size_t k, size_t *len)
{
	size_t m = r->n - k * r->batch < r->batch ? r->n - k * r->batch
						  : r->batch;
	size_t cap = m * 160 + 16, l = 0;
	uint64_t rng = 0x2545f4914f6cdd1dULL ^ ((uint64_t)k + 1);
	char *p = h_calloc(cap, 1);

	p[l++] = '[';
	for (size_t i = 0; i < m; i++) {
		size_t e = k * r->batch + i;
		int w = snprintf(p + l, cap - l,
				 "%s{\"ts\":%lld,\"sender\":\"+4477%08zu\","
				 "\"recipient\":\"+4478%08llu\",\"type\":"
				 "\"%s\",\"size\":%llu}",
				 i ? "," : "", (long long)(r->t0 + (int64_t)e),
				 e % 1000,
				 (unsigned long long)(h_rand(&rng) % 10000000),
				 h_event_type(h_rand(&rng)),
				 (unsigned long long)(h_rand(&rng) % 5000000));
		if (w < 0 || (size_t)w >= cap - l - 1)
			h_die("body buffer too small");
		l += (size_t)w;
	}
	p[l++] = ']';
	*len = l;
	return p;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static void *client(void *arg)
{
	struct run *r = arg;
	CURL *c = h_post_handle(r->url, r->hdrs, 120L, discard, NULL);
	size_t k, len;

	while ((k = atomic_fetch_add(&r->next, 1)) < r->nbodies) {
		char *body = make_body(r, k, &len);
		if (h_post(c, body, len, &r->lat[k]) != 201)
			atomic_fetch_add(&r->errors, 1);
		free(body);
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* ---- one store ---- */

struct store_run {
	double rate;   /* events/s */
	double p50_ms; /* request latency */
	size_t errors, commits;
	double lawful_p50_ms, lawful_p90_ms; /* first round only */
	size_t lawful_bad, lawful_records;
	double proof_rps, proof_p50_ms;
	uint64_t proof_errors;
};

static unsigned long long n_events = 200000, batch = 1000, clients = 4,
			  rounds = 3, requests = 100, proof_secs = 10;

static void lawful(const char *dir, const char *db, const char *url,
		   int64_t t0, struct store_run *out)
{
	char envelog[1024], nca_key[1100], vk[ELOG_KEY_TEXT_MAX + 8];
	char token[256], text[1024], from_s[32], to_s[32], rurl[128];
	size_t total = (size_t)requests + WARMUP;
	double *lat = h_calloc(total, sizeof *lat);
	struct curl_slist *hdrs;
	elog_signer sk;
	elog_err_t err;
	CURL *c;
	time_t t;
	struct tm tm;

	snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	snprintf(nca_key, sizeof nca_key, "%s/nca.key", dir);
	unlink(nca_key);
	{
		char *keygen[] = {envelog, "warrant", "keygen", AUTHORITY,
				  "--out", nca_key,   NULL};
		char *add[] = {envelog,	   "authority", "add", "--db",
			       (char *)db, AUTHORITY,	vk,    NULL};
		char *tok[] = {envelog,	    "token",	   "add",
			       "--db",	    (char *)db,	   "--role",
			       "authority", "--authority", AUTHORITY,
			       NULL};
		if (h_run(keygen, NULL, vk, sizeof vk, "/dev/null") != 0 ||
		    h_run(add, NULL, NULL, 0, "/dev/null") != 0 ||
		    h_run(tok, NULL, token, sizeof token, "/dev/null") != 0)
			h_die("envelog warrant keygen / authority add / token "
			      "add failed");
	}
	h_read_signer(nca_key, &sk);
	t = (time_t)(t0 / 1000 - 1);
	gmtime_r(&t, &tm);
	strftime(from_s, sizeof from_s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	t = (time_t)((t0 + (int64_t)n_events) / 1000 + 2);
	gmtime_r(&t, &tm);
	strftime(to_s, sizeof to_s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	hdrs = h_auth_headers(token, sizeof token, "text/plain");
	snprintf(rurl, sizeof rurl, "%s/v1/requests", url);
	c = h_post_handle(rurl, hdrs, 60L, discard, NULL);
	out->lawful_bad = 0;
	for (size_t r = 0; r < total; r++) {
		char *note = NULL;
		size_t note_len = 0;
		long status;
		int w = snprintf(text, sizeof text,
				 "envelog/warrant/v1\nid PG-%zu-%lld\n"
				 "authority " AUTHORITY "\nlog " ORIGIN "\n"
				 "subject +4477%08zu\nfrom %s\nto %s\n"
				 "expires 2099-01-01T00:00:00Z\n"
				 "basis bench/pg\n",
				 r, (long long)(elog_now_ms() % 1000000),
				 (r * 37) % 1000, from_s, to_s);
		if (w < 0 || (size_t)w >= sizeof text ||
		    elog_note_sign(text, (size_t)w, &sk, &note, &note_len,
				   &err))
			h_die("warrant: %s", err.msg);
		status = h_post(c, note, note_len, &lat[r]);
		if (status != 200)
			out->lawful_bad++;
		free(note);
	}
	elog_signer_wipe(&sk);
	out->lawful_p50_ms = h_quantile(lat + WARMUP, requests, 0.5) * 1e3;
	out->lawful_p90_ms = h_quantile(lat + WARMUP, requests, 0.9) * 1e3;
	out->lawful_records = (size_t)(n_events / 1000);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(lat);
}

static void proofs(const char *dir, const char *url, struct store_run *out)
{
	char script[4096];
	h_wrk w;

	h_proof_script(script, sizeof script, n_events, 0);
	h_wrk_run(dir, "proof", script, url, 2, 8, (int)proof_secs, &w);
	out->proof_rps = w.rps;
	out->proof_p50_ms = w.p50_ms;
	out->proof_errors = h_wrk_errors(&w);
}

/* Ingest N events into db (a file or a conninfo, made here) through
 * envelogd; with extras, lawful requests and proofs on the result. */
static void store_run(const char *dir, const char *db, const char *key,
		      int extras, struct store_run *out)
{
	char envelog[1024], vkey[ELOG_KEY_TEXT_MAX + 8], token[256];
	char url[128];
	struct run r;
	pthread_t th[64];
	h_server srv;
	double t0;

	snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	unlink(key);
	{
		char *init[] = {envelog,    "init",  "--db",
				(char *)db, "--key", (char *)key,
				"--origin", ORIGIN,  NULL};
		char *tok[] = {envelog,	   "token",  "add",    "--db",
			       (char *)db, "--role", "ingest", NULL};
		if (h_run(init, NULL, vkey, sizeof vkey, "/dev/null") != 0 ||
		    h_run(tok, NULL, token, sizeof token, "/dev/null") != 0)
			h_die("envelog init / token add failed on %s", db);
	}
	memset(&r, 0, sizeof r);
	r.hdrs = h_auth_headers(token, sizeof token, "application/json");
	r.n = (size_t)n_events;
	r.batch = (size_t)batch;
	r.nbodies = (r.n + r.batch - 1) / r.batch;
	r.t0 = elog_now_ms() - 86400000;
	r.lat = h_calloc(r.nbodies, sizeof *r.lat);
	{
		const char *extra[] = {"--sync", "full", "--key", key, NULL};
		h_server_start(&srv, dir, db, extra);
	}
	snprintf(url, sizeof url, "%s/v1/events", srv.url);
	r.url = url;
	t0 = h_now();
	for (size_t i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, client, &r) != 0)
			h_die("pthread_create");
	for (size_t i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	out->rate = (double)r.n / (h_now() - t0);
	out->p50_ms = h_quantile(r.lat, r.nbodies, 0.5) * 1e3;
	out->errors = atomic_load(&r.errors);
	if (extras) {
		lawful(dir, db, srv.url, r.t0, out);
		proofs(dir, srv.url, out);
	}
	h_server_stop(&srv);
	curl_slist_free_all(r.hdrs);
	free(r.lat);
}

/* ---- raw PostgreSQL ---- */

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static PGconn *connect_db(const char *url)
{
	PGconn *c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK)
		h_die("connect %s: %s", url, PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL); /* "already exists" */
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		h_die("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* The log tables a commit writes, and which of their rows one commit of
 * [lo, hi) wrote.  tree_hash ids are tlog stored-hash indexes: a tree of
 * size n has its hashes below 2n - popcount(n). */
static const struct {
	const char *table, *cols, *where;
} tables[] = {
	{"entry", "seq, kind, ts, data, leaf_hash, chain_hash",
	 "seq >= %lld AND seq < %lld"},
	{"event_data", "seq, ts, data", "seq >= %lld AND seq < %lld"},
	{"event_index", "party, ts, seq", "seq >= %lld AND seq < %lld"},
	{"index_run", "run, level, first_seq, last_seq, min_ts, max_ts",
	 "last_seq >= %lld AND last_seq < %lld"},
	{"tree_hash", "id, hash", "id >= %lld AND id < %lld"},
	{"checkpoint", "size, root, note, created",
	 "size > %lld AND size <= %lld"},
};
#define NTABLES (sizeof tables / sizeof tables[0])

struct chunk {
	char *p;
	size_t len;
};

static long long stored(long long n)
{
	return 2 * n - __builtin_popcountll((unsigned long long)n);
}

/* COPY (SELECT cols FROM table WHERE …) TO STDOUT (FORMAT binary). */
static void copy_out(PGconn *c, const char *sql, struct chunk *out)
{
	PGresult *r = PQexec(c, sql);
	char *buf;
	int n;

	if (PQresultStatus(r) != PGRES_COPY_OUT)
		h_die("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	out->p = NULL;
	out->len = 0;
	while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
		char *q = realloc(out->p, out->len + (size_t)n);
		if (!q)
			h_die("out of memory");
		memcpy(q + out->len, buf, (size_t)n);
		out->p = q;
		out->len += (size_t)n;
		PQfreemem(buf);
	}
	PQclear(PQgetResult(c));
}

static void copy_in(PGconn *c, const char *sql, const struct chunk *in)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COPY_IN)
		h_die("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	if (PQputCopyData(c, in->p, (int)in->len) != 1 ||
	    PQputCopyEnd(c, NULL) != 1)
		h_die("COPY: %s", PQerrorMessage(c));
	r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		h_die("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* Replay src's commits into dst (made by envelog init); events/s of the
 * timed BEGIN..COMMITs, and the number of commits. */
static double raw_pg(const char *src_url, const char *dst_url, size_t *ncommits)
{
	PGconn *src = connect_db(src_url), *dst = connect_db(dst_url);
	PGresult *r;
	long long *size;
	size_t n, rows[NTABLES] = {0};
	struct chunk(*data)[NTABLES];
	char sql[512], where[128];
	double secs = 0;

	/* The commits: the sizes of the checkpoints after init's. */
	r = PQexec(src, "SELECT size FROM checkpoint WHERE size > 0 "
			"ORDER BY size");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		h_die("checkpoints: %s", PQerrorMessage(src));
	n = (size_t)PQntuples(r);
	size = h_calloc(n + 1, sizeof *size);
	for (size_t i = 0; i < n; i++)
		size[i + 1] = atoll(PQgetvalue(r, (int)i, 0));
	PQclear(r);
	/* The partitions, made now: the store makes them outside its
	 * commits too. */
	r = PQexec(src,
		   "SELECT 'CREATE TABLE IF NOT EXISTS ' || c.relname || "
		   "' PARTITION OF ' || p.relname || ' ' || "
		   "pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
		   "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class "
		   "p ON p.oid = i.inhparent WHERE c.relkind = 'r'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		h_die("partitions: %s", PQerrorMessage(src));
	for (int i = 0; i < PQntuples(r); i++)
		exec_ok(dst, PQgetvalue(r, i, 0));
	PQclear(r);
	/* Every commit's rows, read before the clock starts. */
	data = h_calloc(n, sizeof *data);
	for (size_t k = 0; k < n; k++)
		for (size_t t = 0; t < NTABLES; t++) {
			long long lo = size[k], hi = size[k + 1];
			if (!strcmp(tables[t].table, "tree_hash"))
				lo = stored(lo), hi = stored(hi);
			snprintf(where, sizeof where, tables[t].where, lo, hi);
			snprintf(sql, sizeof sql,
				 "COPY (SELECT %s FROM %s WHERE %s) TO STDOUT "
				 "(FORMAT binary)",
				 tables[t].cols, tables[t].table, where);
			copy_out(src, sql, &data[k][t]);
			if (data[k][t].len > 21) /* header + trailer */
				rows[t]++;
		}
	for (size_t k = 0; k < n; k++) {
		double t0 = h_now();
		exec_ok(dst, "BEGIN");
		for (size_t t = 0; t < NTABLES; t++) {
			if (data[k][t].len <= 21)
				continue;
			snprintf(sql, sizeof sql,
				 "COPY %s (%s) FROM STDIN (FORMAT binary)",
				 tables[t].table, tables[t].cols);
			copy_in(dst, sql, &data[k][t]);
		}
		exec_ok(dst, "COMMIT");
		secs += h_now() - t0;
		for (size_t t = 0; t < NTABLES; t++)
			free(data[k][t].p);
	}
	/* Every row of the log tables was written again. */
	for (size_t t = 0; t < NTABLES; t++) {
		char a[32], b[32];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s",
			 tables[t].table);
		r = PQexec(src, sql);
		snprintf(a, sizeof a, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		r = PQexec(dst, sql);
		snprintf(b, sizeof b, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		if (strcmp(a, b) != 0 &&
		    strcmp(tables[t].table, "checkpoint") != 0)
			h_die("raw pg: %s has %s rows, the store's %s",
			      tables[t].table, b, a);
	}
	free(data);
	free(size);
	PQfinish(src);
	PQfinish(dst);
	*ncommits = n;
	return (double)n_events / secs;
}

/* ---- main ---- */

static double med(double *v, size_t n)
{
	return h_quantile(v, n, 0.5);
}

static void usage(void)
{
	fprintf(stderr, "usage: pg [-n N] [--batch B] [--clients C] "
			"[--rounds R] [--requests Q] [--proof-secs S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char dir[1024], db[2048], url[256], raw[256], key[1100], rkey[1100];
	char envelog[1024], name[64];
	struct store_run sq[MAX_ROUNDS], pg[MAX_ROUNDS];
	double v_sq[MAX_ROUNDS], v_pg[MAX_ROUNDS], v_raw[MAX_ROUNDS];
	double l_sq[MAX_ROUNDS], l_pg[MAX_ROUNDS];
	size_t commits = 0;

	h_prog = "pg";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i],
			   *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long *p = NULL, max = 1000000000ULL;
		if (!v)
			usage();
		if (!strcmp(a, "-n"))
			p = &n_events;
		else if (!strcmp(a, "--batch"))
			p = &batch, max = ELOG_MAX_BATCH;
		else if (!strcmp(a, "--clients"))
			p = &clients, max = 64;
		else if (!strcmp(a, "--rounds"))
			p = &rounds, max = MAX_ROUNDS;
		else if (!strcmp(a, "--requests"))
			p = &requests, max = 100000;
		else if (!strcmp(a, "--proof-secs"))
			p = &proof_secs, max = 3600;
		if (!p || h_count(v, max, p))
			usage();
		i++;
	}
	h_begin(dir, sizeof dir);
	snprintf(envelog, sizeof envelog, "%s/envelog", h_build_dir());
	pg_start(dir);
	{
		char ver[128] = "";
		psql("postgres", "SHOW server_version", ver, sizeof ver);
		printf("PostgreSQL %s, scratch server on 127.0.0.1:%d (fsync "
		       "on, synchronous_commit on, default settings "
		       "otherwise)\n",
		       ver, pg_port);
	}
	printf("%llu events per round in JSON bodies of %llu from %llu "
	       "clients, envelogd --sync full; %llu rounds, stores "
	       "interleaved\n\n",
	       n_events, batch, clients, rounds);
	fflush(stdout);
	for (unsigned long long k = 0; k < rounds; k++) {
		snprintf(db, sizeof db, "%s/log%llu.db", dir, k);
		snprintf(key, sizeof key, "%s/log%llu.key", dir, k);
		store_run(dir, db, key, k == 0, &sq[k]);
		snprintf(name, sizeof name, "envelog_%llu", k);
		pg_newdb(name, url, sizeof url);
		snprintf(key, sizeof key, "%s/pg%llu.key", dir, k);
		store_run(dir, url, key, k == 0, &pg[k]);
		snprintf(name, sizeof name, "raw_%llu", k);
		pg_newdb(name, raw, sizeof raw);
		snprintf(rkey, sizeof rkey, "%s/raw%llu.key", dir, k);
		{
			char vk[ELOG_KEY_TEXT_MAX + 8];
			char *init[] = {envelog,    "init",  "--db",
					raw,	    "--key", rkey,
					"--origin", ORIGIN,  NULL};
			if (h_run(init, NULL, vk, sizeof vk, "/dev/null") != 0)
				h_die("envelog init %s", raw);
		}
		v_raw[k] = raw_pg(url, raw, &commits);
		v_sq[k] = sq[k].rate;
		v_pg[k] = pg[k].rate;
		l_sq[k] = sq[k].p50_ms;
		l_pg[k] = pg[k].p50_ms;
		printf("round %llu: sqlite %.0f events/s (p50 %.1f ms, errors "
		       "%zu);  pg %.0f events/s (p50 %.1f ms, errors %zu);  "
		       "raw pg %.0f events/s (%zu commits)\n",
		       k + 1, sq[k].rate, sq[k].p50_ms, sq[k].errors,
		       pg[k].rate, pg[k].p50_ms, pg[k].errors, v_raw[k],
		       commits);
		fflush(stdout);
	}
	{
		double s = med(v_sq, rounds), p = med(v_pg, rounds),
		       r = med(v_raw, rounds);
		printf("\ningest, medians over %llu rounds:\n", rounds);
		printf("  %-44s %9.0f events/s  request p50 %.1f ms\n",
		       "envelogd, SQLite store (POST /v1/events)", s,
		       med(l_sq, rounds));
		printf("  %-44s %9.0f events/s  request p50 %.1f ms\n",
		       "envelogd, PostgreSQL store", p, med(l_pg, rounds));
		printf("  %-44s %9.0f events/s\n",
		       "raw PostgreSQL, the same rows and commits", r);
		printf("  PostgreSQL store / raw PostgreSQL %.2f;  PostgreSQL "
		       "store / SQLite store %.2f\n",
		       p / r, p / s);
	}
	printf("\nlawful requests (%llu records each, one after another; "
	       "%llu counted) and inclusion proofs (wrk -t2 -c8 -d%llus), "
	       "log of %llu, first round:\n",
	       n_events / 1000, requests, proof_secs, n_events);
	printf("  %-12s POST /v1/requests median %6.2f ms  p90 %6.2f  "
	       "(not 200: %zu);  proofs %8.0f req/s  p50 %.2f ms  "
	       "errors %llu\n",
	       "SQLite", sq[0].lawful_p50_ms, sq[0].lawful_p90_ms,
	       sq[0].lawful_bad, sq[0].proof_rps, sq[0].proof_p50_ms,
	       (unsigned long long)sq[0].proof_errors);
	printf("  %-12s POST /v1/requests median %6.2f ms  p90 %6.2f  "
	       "(not 200: %zu);  proofs %8.0f req/s  p50 %.2f ms  "
	       "errors %llu\n",
	       "PostgreSQL", pg[0].lawful_p50_ms, pg[0].lawful_p90_ms,
	       pg[0].lawful_bad, pg[0].proof_rps, pg[0].proof_p50_ms,
	       (unsigned long long)pg[0].proof_errors);
	pg_stop();
	h_end(dir);
	return 0;
}
