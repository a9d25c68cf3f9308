/*
 * storage — how fast the store appends, against raw SQLite writing the same
 * rows, and how fast the offline verification reads them back.
 *
 *   storage [-n N] [--batch B] [--parties P] [--repeat R]
 *           [--sync full|normal|both] [--dir DIR]
 *
 * N events (default 1 000 000) are generated and validated first, as ingest
 * would hand them to the writer (elog_event_from_json: canonical leaf data
 * with a fresh nonce), with senders and recipients drawn from P distinct
 * numbers (default 100 000).  Then, per sync mode:
 *
 *   store      elog_store_append in batches of B (default 1000): hashing,
 *              chain, tree hashes, index, a signed checkpoint per batch.
 *   raw        the same rows (same seq, kind, ts, data, leaf_hash,
 *              chain_hash, index_hot and tree_hash rows, one checkpoint
 *              row per batch, all computed before the clock starts) written
 *              with plain prepared INSERTs into a fresh database made by
 *              elog_store_create, same pragmas, one transaction per batch.
 *   raw-noidx  the same without the event_index rows: the cost of the
 *              lawful-request index.
 *
 * Each measurement runs R times (default 3 when N <= 200 000, else 1);
 * figures are medians over runs, batch latencies medians (and p99) over all
 * batches.  Finally elog_verify_store reads back the store's database.
 * Prints figures only; never fails on timing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "checkpoint.h"
#include "entry.h"
#include "harness.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"
#include "verify.h"

#define ORIGIN "bench.example/log"
#define MAX_RUNS 9

/* Everything the raw baseline writes, computed before any clock starts. */
typedef struct baseline {
	size_t n, batch, nbatches;
	elog_entry *ev;          /* the validated events */
	elog_hash *leaf, *chain; /* per event */
	int64_t *ps, *pr;        /* party hashes (keyed per database) */
	size_t *tree_first;      /* tree rows completed by event i start here */
	uint64_t *tree_id;       /* stored-hash index of each tree row */
	elog_hash *tree_hash;
	size_t ntree, tree_cap;
	char **note;             /* signed checkpoint per batch */
	size_t *note_len;
	elog_hash *root;         /* root per batch */
} baseline;

static _Noreturn void die(const char *what, const elog_err_t *e)
{
	h_die("%s: %s", what, e ? e->msg : strerror(errno));
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* ---- generating the events ---- */

static void generate(baseline *r, size_t parties)
{
	elog_ingest_rules rules = {elog_now_ms(), 300000, ELOG_MAX_BATCH};
	int64_t t0 = rules.now_ms - (int64_t)r->n * 50 - 86400000;
	elog_err_t err;

	r->ev = h_calloc(r->n, sizeof *r->ev);
	for (size_t i = 0; i < r->n; i++) {
		json_t *o = json_object();
		char s[32], p[32], dev[32];
		int64_t jitter;
		if (!o)
			die("out of memory", NULL);
		snprintf(s, sizeof s, "+4477%08llu",
			 (unsigned long long)(h_rand(&rng) % parties));
		snprintf(p, sizeof p, "+4477%08llu",
			 (unsigned long long)(h_rand(&rng) % parties));
		jitter = (int64_t)(h_rand(&rng) % 40);
		json_object_set_new(o, "ts",
				    json_integer(t0 + (int64_t)i * 50 + jitter));
		json_object_set_new(o, "sender", json_string(s));
		json_object_set_new(o, "recipient", json_string(p));
		json_object_set_new(o, "type",
				    json_string(h_event_type(h_rand(&rng))));
		json_object_set_new(o, "size",
				    json_integer((json_int_t)(h_rand(&rng) %
							      5000000)));
		if (i % 3 == 0) {
			snprintf(dev, sizeof dev, "dev-%llu",
				 (unsigned long long)(h_rand(&rng) % 4));
			json_object_set_new(o, "device", json_string(dev));
		}
		if (elog_event_from_json(o, i, &rules, &r->ev[i], &err))
			die("event", &err);
		json_decref(o);
	}
}

/* ---- precomputing the baseline's rows ---- */

static int record_tree(void *ctx, int level, uint64_t index,
		       const elog_hash *hash, elog_err_t *err)
{
	baseline *r = ctx;
	(void)err;
	if (r->ntree == r->tree_cap) {
		size_t cap = r->tree_cap ? 2 * r->tree_cap : 1024;
		uint64_t *id = realloc(r->tree_id, cap * sizeof *id);
		elog_hash *h;
		if (!id)
			die("out of memory", NULL);
		r->tree_id = id;
		h = realloc(r->tree_hash, cap * sizeof *h);
		if (!h)
			die("out of memory", NULL);
		r->tree_hash = h;
		r->tree_cap = cap;
	}
	r->tree_id[r->ntree] = elog_stored_hash_index(level, index);
	r->tree_hash[r->ntree++] = *hash;
	return 0;
}

static void precompute(baseline *r, const elog_signer *sk)
{
	elog_frontier f;
	elog_hash prev = ELOG_ZERO_HASH;
	elog_err_t err;

	r->leaf = h_calloc(r->n, sizeof *r->leaf);
	r->chain = h_calloc(r->n, sizeof *r->chain);
	r->tree_first = h_calloc(r->n + 1, sizeof *r->tree_first);
	r->note = h_calloc(r->nbatches, sizeof *r->note);
	r->note_len = h_calloc(r->nbatches, sizeof *r->note_len);
	r->root = h_calloc(r->nbatches, sizeof *r->root);
	elog_frontier_init(&f);
	for (size_t i = 0; i < r->n; i++) {
		elog_leaf_hash(r->ev[i].data, r->ev[i].len, &r->leaf[i]);
		elog_chain_hash(&prev, &r->leaf[i], &r->chain[i]);
		prev = r->chain[i];
		r->tree_first[i] = r->ntree;
		if (elog_frontier_append(&f, &r->leaf[i], record_tree, r, &err))
			die("frontier", &err);
		if ((i + 1) % r->batch == 0 || i + 1 == r->n) {
			size_t b = i / r->batch;
			elog_checkpoint cp;
			memset(&cp, 0, sizeof cp);
			snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
			cp.size = i + 1;
			elog_frontier_root(&f, &cp.root);
			r->root[b] = cp.root;
			if (elog_checkpoint_sign(&cp, sk, &r->note[b],
						 &r->note_len[b], &err))
				die("sign", &err);
		}
	}
	r->tree_first[r->n] = r->ntree;
}

/* SipHash-2-4 of each party under the database's key, as the store keys
 * its index. */
static int64_t party_hash(const uint8_t *key, const char *party)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	crypto_shorthash(h, (const unsigned char *)party, strlen(party), key);
	for (int i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	return (int64_t)v;
}

static void party_hashes(baseline *r, sqlite3 *db)
{
	uint8_t key[crypto_shorthash_KEYBYTES];
	sqlite3_stmt *st = NULL;
	const char *hex;
	if (sqlite3_prepare_v2(db,
			       "SELECT value FROM meta WHERE key = 'party_key'",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    !(hex = (const char *)sqlite3_column_text(st, 0)) ||
	    sodium_hex2bin(key, sizeof key, hex, strlen(hex), NULL, NULL,
			   NULL) != 0)
		die("reading the party key", NULL);
	sqlite3_finalize(st);
	if (!r->ps) {
		r->ps = h_calloc(r->n, sizeof *r->ps);
		r->pr = h_calloc(r->n, sizeof *r->pr);
	}
	for (size_t i = 0; i < r->n; i++) {
		r->ps[i] = party_hash(key, r->ev[i].sender);
		r->pr[i] = party_hash(key, r->ev[i].recipient);
	}
	sodium_memzero(key, sizeof key);
}

/* ---- the measurements ---- */

typedef struct result {
	double secs;        /* sum of batch times */
	double *lat;        /* per batch, seconds */
	size_t nlat;
	uint64_t rows;      /* rows written, all tables */
} result;

static void db_paths(const char *dir, const char *name, char *db, size_t cap)
{
	if ((size_t)snprintf(db, cap, "%s/%s.db", dir, name) >= cap)
		die("path too long", NULL);
}

static void remove_db(const char *db)
{
	char p[2048 + 64 + 8];
	unlink(db);
	snprintf(p, sizeof p, "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db);
	unlink(p);
}

/* Append every event through the store, timing each batch. */
static void run_store(const baseline *r, const char *db, int sync,
		      const elog_signer *sk, const char *vkey, result *res)
{
	elog_store *w = NULL;
	elog_err_t err;

	remove_db(db);
	if (elog_store_create(db, ORIGIN, vkey, &err))
		die("create", &err);
	if (elog_store_open(db, ELOG_STORE_WRITE, sync, &w, &err))
		die("open", &err);
	res->nlat = 0;
	res->secs = 0;
	for (size_t done = 0; done < r->n; done += r->batch) {
		size_t m = r->n - done < r->batch ? r->n - done : r->batch;
		elog_commit c;
		double t = h_now();
		if (elog_store_append(w, r->ev + done, m, sk, elog_now_ms(), &c,
				      &err))
			die("append", &err);
		t = h_now() - t;
		res->lat[res->nlat++] = t;
		res->secs += t;
		if (c.size != done + m ||
		    memcmp(c.root.b, r->root[done / r->batch].b,
			   ELOG_HASH_LEN) != 0) {
			fprintf(stderr, "storage: the store's root differs from "
					"the precomputed one\n");
			exit(2);
		}
		elog_commit_free(&c);
	}
	elog_store_close(w);
}

/* The baseline's statements run once per row: prepared as persistent. */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	return h_prepare(db, sql, SQLITE_PREPARE_PERSISTENT);
}

/*
 * Write the precomputed rows with plain SQLite into a fresh database with
 * the store's schema and pragmas, one transaction per batch.  with_index:
 * write the event_index rows.
 */
static void run_raw(baseline *r, const char *db, int sync, const char *vkey,
		    int with_index, result *res)
{
	sqlite3 *h;
	sqlite3_stmt *ins_entry, *ins_event = NULL, *ins_index, *ins_tree,
		*ins_cp;
	int64_t part = -1;
	unsigned part_bits;

	remove_db(db);
	h = h_raw_open(db, ORIGIN, vkey, sync);
	part_bits = h_part_bits(h);
	party_hashes(r, h); /* this database's index key, before the clock */

	ins_entry = prep(h, "INSERT INTO entry(seq, kind, ts, data, leaf_hash, "
			    "chain_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	/* What a commit writes to the index (schema 008): rows added to
	 * index_hot's newest blocks.  The seals into sorted runs are not replayed here;
	 * http_ingest's raw baselines replay them. */
	ins_index = prep(h, "INSERT INTO index_hot(blk, party, ts, seq) "
			    "VALUES (?3 >> 10, ?1, ?2, ?3)");
	ins_tree = prep(h, "INSERT INTO tree_hash(id, hash) VALUES (?1, ?2)");
	ins_cp = prep(h, "INSERT OR IGNORE INTO checkpoint(size, root, note, "
			 "created) VALUES (?1, ?2, ?3, ?4)");
	res->nlat = 0;
	res->secs = 0;
	res->rows = 0;
	for (size_t done = 0; done < r->n; done += r->batch) {
		size_t m = r->n - done < r->batch ? r->n - done : r->batch;
		size_t b = done / r->batch;
		double t = h_now();
		h_exec(h, "BEGIN IMMEDIATE");
		for (size_t i = done; i < done + m; i++) {
			const elog_entry *e = &r->ev[i];
			sqlite3_bind_int64(ins_entry, 1, (sqlite3_int64)i);
			sqlite3_bind_int(ins_entry, 2, e->kind);
			/* R2: the public leaf data (the commitment) is
			 * in entry for every entry; the record in its
			 * partition (schema 009) */
			sqlite3_bind_null(ins_entry, 3);
			sqlite3_bind_blob(ins_entry, 4, e->data, (int)e->len,
					  SQLITE_STATIC);
			sqlite3_bind_blob(ins_entry, 5, r->leaf[i].b,
					  ELOG_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_blob(ins_entry, 6, r->chain[i].b,
					  ELOG_HASH_LEN, SQLITE_STATIC);
			h_insert(h, ins_entry);
			res->rows++;
			{
				h_record_insert(h, part_bits, i, &ins_event,
						&part);
				sqlite3_bind_int64(ins_event, 1,
						   (sqlite3_int64)i);
				sqlite3_bind_int64(ins_event, 2, e->ts);
				sqlite3_bind_blob(ins_event, 3, e->record,
						  (int)e->record_len,
						  SQLITE_STATIC);
				h_insert(h, ins_event);
				res->rows++;
			}
			if (with_index) {
				sqlite3_bind_int64(ins_index, 1, r->ps[i]);
				sqlite3_bind_int64(ins_index, 2, e->ts);
				sqlite3_bind_int64(ins_index, 3,
						   (sqlite3_int64)i);
				h_insert(h, ins_index);
				res->rows++;
				if (r->pr[i] != r->ps[i]) {
					sqlite3_bind_int64(ins_index, 1,
							   r->pr[i]);
					sqlite3_bind_int64(ins_index, 2,
							   e->ts);
					sqlite3_bind_int64(ins_index, 3,
							   (sqlite3_int64)i);
					h_insert(h, ins_index);
					res->rows++;
				}
			}
			for (size_t k = r->tree_first[i];
			     k < r->tree_first[i + 1]; k++) {
				sqlite3_bind_int64(ins_tree, 1,
						   (sqlite3_int64)r->tree_id[k]);
				sqlite3_bind_blob(ins_tree, 2,
						  r->tree_hash[k].b,
						  ELOG_HASH_LEN, SQLITE_STATIC);
				h_insert(h, ins_tree);
				res->rows++;
			}
		}
		sqlite3_bind_int64(ins_cp, 1, (sqlite3_int64)(done + m));
		sqlite3_bind_blob(ins_cp, 2, r->root[b].b, ELOG_HASH_LEN,
				  SQLITE_STATIC);
		sqlite3_bind_text(ins_cp, 3, r->note[b], (int)r->note_len[b],
				  SQLITE_STATIC);
		sqlite3_bind_int64(ins_cp, 4, elog_now_ms());
		h_insert(h, ins_cp);
		res->rows++;
		h_exec(h, "COMMIT");
		t = h_now() - t;
		res->lat[res->nlat++] = t;
		res->secs += t;
	}
	sqlite3_finalize(ins_entry);
	sqlite3_finalize(ins_event);
	sqlite3_finalize(ins_index);
	sqlite3_finalize(ins_tree);
	sqlite3_finalize(ins_cp);
	sqlite3_close(h);
}

/* ---- reporting ---- */

typedef struct series {
	const char *name;
	double rate[MAX_RUNS]; /* events/s per run */
	double *lat;           /* batch latencies over all runs */
	size_t nlat;
	uint64_t rows;         /* rows per run */
	double median_rate;
} series;

static void series_add(series *s, size_t run, const result *res, size_t n)
{
	s->rate[run] = (double)n / res->secs;
	memcpy(s->lat + s->nlat, res->lat, res->nlat * sizeof *res->lat);
	s->nlat += res->nlat;
	s->rows = res->rows;
}

static void series_print(series *s, size_t runs, size_t n, uint64_t rows)
{
	double rates[MAX_RUNS], med, p50, p99;
	memcpy(rates, s->rate, runs * sizeof *rates);
	med = h_quantile(rates, runs, 0.5);
	s->median_rate = med;
	p50 = h_quantile(s->lat, s->nlat, 0.5);
	p99 = h_quantile(s->lat, s->nlat, 0.99);
	printf("  %-28s %9.0f events/s %10.0f rows/s   batch median %7.2f ms"
	       "  p99 %7.2f ms",
	       s->name, med, med * (double)rows / (double)n, p50 * 1e3,
	       p99 * 1e3);
	if (runs > 1) {
		printf("   runs:");
		for (size_t i = 0; i < runs; i++)
			printf(" %.0f", s->rate[i]);
	}
	printf("\n");
}

static void machine(void)
{
	char model[256];

	h_cpu_model(model, sizeof model);
	printf("machine: %ld cpus (nproc), %s; SQLite %s\n",
	       sysconf(_SC_NPROCESSORS_ONLN), model, sqlite3_libversion());
}

static void usage(void)
{
	fprintf(stderr,
		"usage: storage [-n N] [--batch B] [--parties P] [--repeat R]\n"
		"               [--sync full|normal|both] [--dir DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long n = 1000000, batch = 1000, parties = 100000,
			   repeat = 0;
	int syncs[2] = {ELOG_SYNC_FULL, ELOG_SYNC_NORMAL}, nsync = 2;
	const char *dir_arg = NULL;
	char dir[2048], db[2048 + 64], vkey[ELOG_KEY_TEXT_MAX];
	elog_signer sk;
	elog_verifier vk;
	elog_err_t err;
	baseline r;
	result res;
	double t;

	h_prog = "storage";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			usage();
		if (!v)
			usage();
		if (strcmp(a, "-n") == 0) {
			if (h_count(v, 100000000ULL, &n))
				usage();
		} else if (strcmp(a, "--batch") == 0) {
			if (h_count(v, ELOG_MAX_BATCH, &batch))
				usage();
		} else if (strcmp(a, "--parties") == 0) {
			if (h_count(v, 100000000ULL, &parties))
				usage();
		} else if (strcmp(a, "--repeat") == 0) {
			if (h_count(v, MAX_RUNS, &repeat))
				usage();
		} else if (strcmp(a, "--sync") == 0) {
			if (strcmp(v, "full") == 0)
				nsync = 1;
			else if (strcmp(v, "normal") == 0)
				syncs[0] = ELOG_SYNC_NORMAL, nsync = 1;
			else if (strcmp(v, "both") == 0)
				nsync = 2;
			else
				usage();
		} else if (strcmp(a, "--dir") == 0) {
			dir_arg = v;
		} else {
			usage();
		}
		i++;
	}
	if (repeat == 0)
		repeat = n <= 200000 ? 3 : 1;
	if (sodium_init() < 0)
		die("libsodium", NULL);
	if (dir_arg) {
		if ((size_t)snprintf(dir, sizeof dir, "%s", dir_arg) >=
		    sizeof dir)
			usage();
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			die(dir, NULL);
	} else {
		h_tmpdir(dir, sizeof dir);
	}

	machine();
	printf("events: %llu in batches of %llu, senders and recipients from "
	       "%llu numbers, %llu run%s per measurement, databases in %s\n",
	       n, batch, parties, repeat, repeat == 1 ? "" : "s", dir);
	fflush(stdout);

	if (elog_signer_generate(ORIGIN, &sk, &err))
		die("key", &err);
	elog_signer_public(&sk, &vk);
	if (elog_verifier_format(&vk, vkey, sizeof vkey, &err))
		die("key", &err);

	memset(&r, 0, sizeof r);
	r.n = (size_t)n;
	r.batch = (size_t)batch;
	r.nbatches = (r.n + r.batch - 1) / r.batch;
	t = h_now();
	generate(&r, (size_t)parties);
	{
		size_t bytes = 0;
		for (size_t i = 0; i < r.n; i++)
			bytes += r.ev[i].len;
		printf("generated and validated %zu events in %.1f s (not "
		       "timed below), leaf data %.0f bytes on average\n",
		       r.n, h_now() - t, (double)bytes / (double)r.n);
	}
	t = h_now();
	precompute(&r, &sk);
	printf("precomputed the baseline's hashes, tree rows and %zu signed "
	       "checkpoints in %.1f s (not timed below)\n",
	       r.nbatches, h_now() - t);
	fflush(stdout);

	res.lat = h_calloc(r.nbatches, sizeof *res.lat);
	for (int si = 0; si < nsync; si++) {
		int sync = syncs[si];
		series st = {"envelog store (append)", {0}, NULL, 0, 0, 0};
		series rw = {"raw SQLite, same rows", {0}, NULL, 0, 0, 0};
		series rn = {"raw SQLite, no event_index", {0}, NULL, 0, 0, 0};
		st.lat = h_calloc(r.nbatches * repeat, sizeof *st.lat);
		rw.lat = h_calloc(r.nbatches * repeat, sizeof *rw.lat);
		rn.lat = h_calloc(r.nbatches * repeat, sizeof *rn.lat);
		printf("\nsync=%s (WAL, synchronous %s)\n",
		       sync == ELOG_SYNC_FULL ? "full" : "normal",
		       sync == ELOG_SYNC_FULL ? "FULL" : "NORMAL");
		fflush(stdout);
		for (size_t run = 0; run < repeat; run++) {
			db_paths(dir, sync == ELOG_SYNC_FULL ? "store-full"
							     : "store-normal",
				 db, sizeof db);
			run_store(&r, db, sync, &sk, vkey, &res);
			series_add(&st, run, &res, r.n);
			if (!(sync == ELOG_SYNC_FULL && run + 1 == repeat))
				remove_db(db); /* the last full one is
						  verified below */
			db_paths(dir, "raw", db, sizeof db);
			run_raw(&r, db, sync, vkey, 1, &res);
			series_add(&rw, run, &res, r.n);
			remove_db(db);
			db_paths(dir, "raw-noidx", db, sizeof db);
			run_raw(&r, db, sync, vkey, 0, &res);
			series_add(&rn, run, &res, r.n);
			remove_db(db);
		}
		series_print(&st, repeat, r.n, rw.rows);
		series_print(&rw, repeat, r.n, rw.rows);
		series_print(&rn, repeat, r.n, rn.rows);
		printf("  store / raw = %.2f   raw with index / without = %.2f"
		       "   (%llu rows with the index, %llu without)\n",
		       st.median_rate / rw.median_rate,
		       rw.median_rate / rn.median_rate,
		       (unsigned long long)rw.rows,
		       (unsigned long long)rn.rows);
		fflush(stdout);
		free(st.lat);
		free(rw.lat);
		free(rn.lat);
	}

	/* Read back what the store wrote (the last sync=full run). */
	if (syncs[0] == ELOG_SYNC_FULL) {
		elog_store *s = NULL;
		elog_verify_report rep;
		db_paths(dir, "store-full", db, sizeof db);
		if (elog_store_open(db, ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
				    &err))
			die("open", &err);
		t = h_now();
		if (elog_verify_store(s, NULL, NULL, NULL, &rep, &err))
			die("verify", &err);
		t = h_now() - t;
		printf("\nelog_verify_store: %llu entries, %llu tree hashes, "
		       "%llu checkpoints in %.2f s: %.0f entries/s\n",
		       (unsigned long long)rep.entries,
		       (unsigned long long)rep.tree_hashes,
		       (unsigned long long)rep.checkpoints, t,
		       (double)rep.entries / t);
		elog_store_close(s);
		remove_db(db);
	}
	if (!dir_arg)
		rmdir(dir);

	for (size_t i = 0; i < r.n; i++)
		elog_entry_free(&r.ev[i]);
	free(r.ev);
	for (size_t b = 0; b < r.nbatches; b++)
		free(r.note[b]);
	free(r.note);
	free(r.note_len);
	free(r.root);
	free(r.leaf);
	free(r.chain);
	free(r.ps);
	free(r.pr);
	free(r.tree_first);
	free(r.tree_id);
	free(r.tree_hash);
	free(res.lat);
	elog_signer_wipe(&sk);
	return 0;
}
