/*
 * pg_store.c — the PostgreSQL store against the SQLite store: the same
 * entries appended to both, in the same batches, must read back the same
 * (leaves, roots, proofs, tiles, checkpoints, lawful-request results, index
 * runs), verify, purge the same; a second writer of the PostgreSQL log
 * must fail at open; a writer that lost its connection (its session ended
 * from outside) goes on after elog_store_reconnect from what the database
 * holds, unless another writer took the log meanwhile.
 *
 * Needs an empty PostgreSQL database: ELOG_TEST_PG_URL=conninfo; without
 * it every test is skipped.  tests/integration/t_pg_store.sh starts a
 * server and runs this.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "checkpoint.h"
#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"
#include "store_pg.h"
#include "store_pg_query.h"
#include "tile.h"
#include "verify.h"

#define ORIGIN "test.example/pg"
#define T0 1700000000000LL
#define RUN_BITS "3" /* runs (partitions) of 8 events */

typedef struct fx {
	char dir[64];
	char path[128];
	const char *url;
	elog_signer sk;
	elog_store *lite, *pg; /* the two writers */
	elog_ingest_rules rules;
	uint64_t n;
} fx;

static fx the;

static void make_event(uint64_t k, elog_entry *out)
{
	json_t *o = json_object();
	char s[24], r[24];
	elog_err_t err;
	snprintf(s, sizeof s, "+44700900%03u", (unsigned)(k % 7));
	if (k % 11 == 0)
		memcpy(r, s, sizeof r);
	else
		snprintf(r, sizeof r, "+44711900%03u", (unsigned)(k * 3 % 5));
	json_object_set_new(o, "ts",
			    json_integer(T0 + (int64_t)((k * 37) % 50) * 1000));
	json_object_set_new(o, "sender", json_string(s));
	json_object_set_new(o, "recipient", json_string(r));
	json_object_set_new(o, "type", json_string("message"));
	json_object_set_new(o, "size", json_integer((json_int_t)k));
	assert_int_equal(elog_event_from_json(o, 0, &the.rules, out, &err), 0);
	json_decref(o);
}

/* Append m events (the same entries, the same commit time) to both. */
static void append_both(size_t m)
{
	elog_entry *es = calloc(m, sizeof *es);
	elog_commit a = {0}, b = {0};
	elog_err_t err;
	int64_t now = elog_now_ms();
	assert_non_null(es);
	for (size_t i = 0; i < m; i++)
		make_event(the.n + i, &es[i]);
	assert_int_equal(elog_store_append(the.lite, es, m, &the.sk, now, &a,
					   &err),
			 0);
	if (elog_store_append(the.pg, es, m, &the.sk, now, &b, &err) != 0)
		fail_msg("append on PostgreSQL: %s", err.msg);
	assert_int_equal(a.size, b.size);
	assert_memory_equal(a.root.b, b.root.b, ELOG_HASH_LEN);
	/* Ed25519 is deterministic: the same note. */
	assert_int_equal(a.checkpoint_len, b.checkpoint_len);
	assert_memory_equal(a.checkpoint, b.checkpoint, a.checkpoint_len);
	the.n = a.size;
	elog_commit_free(&a);
	elog_commit_free(&b);
	elog_entries_free(es, m);
}

static int setup(void **state)
{
	elog_err_t err;
	elog_verifier vk;
	char vkey[ELOG_KEY_TEXT_MAX];
	(void)state;
	memset(&the, 0, sizeof the);
	the.url = getenv("ELOG_TEST_PG_URL");
	if (!the.url || !*the.url)
		return 0;
	snprintf(the.dir, sizeof the.dir, "/tmp/elog-test-store-pg-XXXXXX");
	assert_non_null(mkdtemp(the.dir));
	snprintf(the.path, sizeof the.path, "%s/log.db", the.dir);
	the.rules.now_ms = elog_now_ms();
	the.rules.max_future_ms = 300000;
	the.rules.max_events = ELOG_MAX_BATCH;
	assert_int_equal(elog_signer_generate(ORIGIN, &the.sk, &err), 0);
	elog_signer_public(&the.sk, &vk);
	assert_int_equal(elog_verifier_format(&vk, vkey, sizeof vkey, &err), 0);
	setenv(ELOG_TEST_INDEX_RUN_BITS, RUN_BITS, 1);
	assert_int_equal(elog_store_create(the.path, ORIGIN, vkey, &err), 0);
	if (elog_store_create(the.url, ORIGIN, vkey, &err) != 0)
		fail_msg("create on PostgreSQL: %s", err.msg);
	unsetenv(ELOG_TEST_INDEX_RUN_BITS);
	assert_int_equal(elog_store_open(the.path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &the.lite, &err),
			 0);
	if (elog_store_open(the.url, ELOG_STORE_WRITE, ELOG_SYNC_FULL, &the.pg,
			    &err) != 0)
		fail_msg("open on PostgreSQL: %s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	char p[160];
	(void)state;
	elog_store_close(the.lite);
	elog_store_close(the.pg);
	if (the.dir[0]) {
		unlink(the.path);
		snprintf(p, sizeof p, "%s-wal", the.path);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", the.path);
		unlink(p);
		rmdir(the.dir);
	}
	elog_signer_wipe(&the.sk);
	return 0;
}

#define NEED_PG() \
	do { \
		if (!the.url || !*the.url) \
			skip(); \
	} while (0)

static void test_create_refused_twice(void **state)
{
	elog_err_t err;
	(void)state;
	NEED_PG();
	assert_int_equal(elog_store_create(the.url, ORIGIN, "x", &err),
			 -ELOG_CONFLICT);
}

static void test_second_writer_refused(void **state)
{
	elog_store *w2 = NULL, *r = NULL;
	elog_err_t err;
	(void)state;
	NEED_PG();
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &w2, &err),
			 -ELOG_CONFLICT);
	assert_null(w2);
	assert_non_null(strstr(err.msg, "another writer holds this log"));
	/* readers and the registries do not wait for it */
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	elog_store_close(r);
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_REGISTRY,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	assert_int_equal(elog_store_begin(r, &err), -ELOG_INTERNAL);
	elog_store_close(r);
}

static int same_leaf(void *ctx, const elog_leaf *l)
{
	elog_store *lite = ctx;
	elog_leaf m;
	elog_err_t err;
	assert_int_equal(elog_store_leaf(lite, l->seq, &m, &err), 0);
	assert_int_equal(l->kind, m.kind);
	assert_int_equal(l->ts, m.ts);
	assert_int_equal(l->len, m.len);
	assert_memory_equal(l->data, m.data, m.len);
	assert_memory_equal(l->leaf_hash.b, m.leaf_hash.b, ELOG_HASH_LEN);
	assert_memory_equal(l->chain_hash.b, m.chain_hash.b, ELOG_HASH_LEN);
	assert_int_equal(!l->record, !m.record);
	if (m.record) {
		assert_int_equal(l->record_len, m.record_len);
		assert_memory_equal(l->record, m.record, m.record_len);
	}
	return 0;
}

/* Everything read from the PostgreSQL store r equals the SQLite store's. */
static void compare(elog_store *r)
{
	elog_err_t err;
	uint64_t sa, sb, ca, cb;
	elog_hash ha, hb, pa[64], pb[64];
	size_t na, nb;
	elog_index_run *ra, *rb;
	char *a = NULL, *b = NULL;
	size_t la, lb;

	assert_int_equal(elog_store_size(the.lite, &sa, &err), 0);
	assert_int_equal(elog_store_size(r, &sb, &err), 0);
	assert_int_equal(sa, sb);
	assert_int_equal(elog_store_leaves(r, 0, sb, same_leaf, the.lite, &err),
			 0);
	{
		uint64_t seqs[3] = {0, sb / 2, sb - 1}, past[2] = {0, sb};
		assert_int_equal(elog_store_leaves_at(r, seqs, 3, same_leaf,
						      the.lite, &err),
				 0);
		assert_int_equal(elog_store_leaves_at(r, past, 2, same_leaf,
						      the.lite, &err),
				 -ELOG_NOT_FOUND);
		assert_int_equal(elog_store_leaves_at(the.lite, past, 2,
						      same_leaf, the.lite,
						      &err),
				 -ELOG_NOT_FOUND);
	}
	for (uint64_t size = 1; size <= sa; size += 7) {
		assert_int_equal(elog_store_root(the.lite, size, &ha, &err), 0);
		assert_int_equal(elog_store_root(r, size, &hb, &err), 0);
		assert_memory_equal(ha.b, hb.b, ELOG_HASH_LEN);
		for (uint64_t i = 0; i < size; i += 5) {
			assert_int_equal(elog_store_prove_inclusion(the.lite,
								    i, size, pa,
								    &na, &err),
					 0);
			assert_int_equal(elog_store_prove_inclusion(r, i, size,
								    pb, &nb,
								    &err),
					 0);
			assert_int_equal(na, nb);
			assert_memory_equal(pa, pb, na * sizeof *pa);
		}
		/* a bundle's proofs, read together, are each one alone */
		{
			uint64_t idx[64];
			size_t k = 0, nv[64];
			elog_hash *all = malloc(64 * ELOG_MAX_PROOF *
						sizeof *all);
			assert_non_null(all);
			for (uint64_t i = 0; i < size && k < 64; i += 3)
				idx[k++] = i;
			assert_int_equal(elog_store_prove_inclusions(r, idx, k,
								     size, all,
								     nv, &err),
					 0);
			for (size_t j = 0; j < k; j++) {
				assert_int_equal(elog_store_prove_inclusion(
							 the.lite, idx[j],
							 size, pa, &na, &err),
						 0);
				assert_int_equal(na, nv[j]);
				assert_memory_equal(pa,
						    all + j * ELOG_MAX_PROOF,
						    na * sizeof *pa);
			}
			free(all);
		}
		assert_int_equal(elog_store_prove_consistency(the.lite, size,
							      sa, pa, &na,
							      &err),
				 0);
		assert_int_equal(elog_store_prove_consistency(r, size, sa, pb,
							      &nb, &err),
				 0);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na * sizeof *pa);
	}
	/* tiles: leaf hashes, one level up, entry bundles */
	for (int level = -1; level <= 1; level++) {
		elog_tile t = {.level = level, .index = 0, .width = 0};
		uint8_t *ta = NULL, *tb = NULL;
		size_t tla, tlb;
		t.width = elog_tile_width_at(level, 0, sa);
		if (t.width == 0)
			continue;
		assert_int_equal(elog_store_tile(the.lite, &t, sa, &ta, &tla,
						 &err),
				 0);
		if (elog_store_tile(r, &t, sa, &tb, &tlb, &err) != 0)
			fail_msg("tile level %d: %s", level, err.msg);
		assert_int_equal(tla, tlb);
		assert_memory_equal(ta, tb, tla);
		free(ta);
		free(tb);
	}
	assert_int_equal(elog_store_checkpoint_latest(the.lite, &a, &la, &ca,
						      &err),
			 0);
	assert_int_equal(elog_store_checkpoint_latest(r, &b, &lb, &cb, &err),
			 0);
	assert_int_equal(ca, cb);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_int_equal(elog_store_index_runs(the.lite, &ra, &na, &err), 0);
	assert_int_equal(elog_store_index_runs(r, &rb, &nb, &err), 0);
	/* SQLite merges 16 runs of level 0 into one of level 1; PostgreSQL
	 * keeps one partition per run: above the purge horizon (whole runs
	 * below it are gone), the same seqs in runs, up to the same place. */
	{
		uint64_t ea = 0, eb = 0, through;
		int64_t horizon;
		assert_int_equal(elog_store_horizon(r, &horizon, &through,
						    &err),
				 0);
		for (size_t i = 0; i < na; i++)
			if (ra[i].last_seq >= through)
				ea += ra[i].last_seq -
				      (ra[i].first_seq > through
					       ? ra[i].first_seq
					       : through) +
				      1;
		for (size_t i = 0; i < nb; i++) {
			assert_int_equal(rb[i].level, 0);
			assert_true(rb[i].last_seq >= through);
			eb += rb[i].last_seq -
			      (rb[i].first_seq > through ? rb[i].first_seq
							 : through) +
			      1;
		}
		assert_int_equal(ea, eb);
		assert_int_equal(nb ? rb[nb - 1].last_seq + 1 : through,
				 elog_store_index_hot_from(r, sa) > through
					 ? elog_store_index_hot_from(r, sa)
					 : through);
	}
	free(ra);
	free(rb);
	assert_int_equal(elog_store_index_count(the.lite, &ca, &err), 0);
	assert_int_equal(elog_store_index_count(r, &cb, &err), 0);
	assert_int_equal(ca, cb);
}

static void same_events_for(elog_store *r, const char *subject, int64_t from,
			    int64_t to)
{
	char *subj[1];
	uint64_t *sa, *sb;
	size_t na, nb;
	int ta, tb;
	elog_err_t err;
	subj[0] = (char *)subject;
	assert_int_equal(elog_store_events_for(the.lite, subj, 1, from, to,
					       1000, &sa, &na, &ta, &err),
			 0);
	assert_int_equal(elog_store_events_for(r, subj, 1, from, to, 1000, &sb,
					       &nb, &tb, &err),
			 0);
	assert_int_equal(na, nb);
	assert_int_equal(ta, tb);
	if (na)
		assert_memory_equal(sa, sb, na * sizeof *sa);
	free(sa);
	free(sb);
}

static void test_same_as_sqlite(void **state)
{
	static const size_t batches[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 7};
	elog_store *r = NULL;
	elog_err_t err;
	elog_verify_report rep;
	(void)state;
	NEED_PG();
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
		append_both(batches[i]);
	/* the writer reads its own log as a reader does */
	compare(the.pg);
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	compare(r);
	same_events_for(r, "+44700900003", T0, T0 + 50000);
	same_events_for(r, "+44711900001", T0 + 10000, T0 + 20000);
	same_events_for(r, "+44799999999", T0, T0 + 50000);
	/* inside the writer's transaction: its rows are seen */
	assert_int_equal(elog_store_begin(the.pg, &err), 0);
	{
		elog_entry e;
		uint64_t seq, *s;
		size_t n;
		int tr;
		char *subj[1] = {"+44700900000"};
		make_event(7 * 1000, &e);
		assert_int_equal(elog_store_add(the.pg, &e, &seq, &err), 0);
		assert_int_equal(elog_store_events_for(the.pg, subj, 1, T0,
						       T0 + 50000, 1000, &s,
						       &n, &tr, &err),
				 0);
		assert_true(n > 0 && s[n - 1] == seq);
		free(s);
		elog_entry_free(&e);
	}
	elog_store_rollback(the.pg);
	if (elog_verify_store(r, NULL, NULL, NULL, &rep, &err) != 0)
		fail_msg("verify: %s", err.msg);
	assert_int_equal(rep.bad_seq, -1);
	assert_int_equal(rep.entries, the.n);
	elog_store_close(r);
}

static void test_reconnect(void **state)
{
	elog_err_t err;
	(void)state;
	NEED_PG();
	/* A writer that reconnects goes on from what the database holds,
	 * here after a transaction it had open. */
	assert_int_equal(elog_store_begin(the.pg, &err), 0);
	assert_int_equal(elog_store_reconnect(the.pg, &err), 0);
	assert_int_equal(elog_store_reconnect(the.lite, &err), 0);
	append_both(9);
	compare(the.pg);
}

/* End the session of w's connection from another one, as a failover or
 * a server restart would. */
static void kill_session(elog_store *w)
{
	PGconn *c = PQconnectdb(the.url);
	char sql[96];
	PGresult *r;
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)",
		 PQbackendPID(elog_store_pg_conn(w)));
	r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	PQfinish(c);
}

static void test_connection_lost(void **state)
{
	elog_err_t err;
	elog_entry e;
	elog_store *w2 = NULL;
	uint64_t size, before_size;
	(void)state;
	NEED_PG();
	/* Lost in the middle of a transaction: the commit fails, nothing of
	 * it is in the log, and after elog_store_reconnect the writer goes on
	 * from the database's size. */
	assert_int_equal(elog_store_size(the.pg, &before_size, &err), 0);
	assert_int_equal(elog_store_begin(the.pg, &err), 0);
	make_event(5000, &e);
	assert_int_equal(elog_store_add(the.pg, &e, NULL, &err), 0);
	elog_entry_free(&e);
	kill_session(the.pg);
	assert_int_equal(elog_store_commit(the.pg, &the.sk, elog_now_ms(),
					   NULL, &err),
			 -ELOG_DB_UNAVAILABLE);
	assert_int_equal(err.code, ELOG_DB_UNAVAILABLE);
	/* The lock went with the session: another writer may take it, and
	 * then the first cannot come back. */
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &w2, &err),
			 0);
	assert_int_equal(elog_store_reconnect(the.pg, &err), -ELOG_CONFLICT);
	elog_store_close(w2);
	assert_int_equal(elog_store_reconnect(the.pg, &err), 0);
	assert_int_equal(elog_store_size(the.pg, &size, &err), 0);
	assert_int_equal(size, before_size);
	/* and with the lock back, a second writer is refused again */
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &w2, &err),
			 -ELOG_CONFLICT);
	/* Lost between commits: the next begin fails; reconnect, go on. */
	kill_session(the.pg);
	assert_int_equal(elog_store_begin(the.pg, &err), -ELOG_DB_UNAVAILABLE);
	assert_int_equal(elog_store_reconnect(the.pg, &err), 0);
	append_both(5);
	compare(the.pg);
}

/* Which failures are the database's unavailability (DB_UNAVAILABLE: the
 * server answers 503 and reconnects) and which are errors (IO). */
static void test_unavailable_codes(void **state)
{
	elog_store *s = NULL;
	elog_err_t err;
	PGconn *c;
	PGresult *r;
	(void)state;
	NEED_PG();
	/* Nothing listens on port 1: a connect failure. */
	assert_int_equal(elog_store_open("postgresql://127.0.0.1:1/x",
					 ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
					 &err),
			 -ELOG_DB_UNAVAILABLE);
	assert_int_equal(err.code, ELOG_DB_UNAVAILABLE);
	assert_null(s);
	c = PQconnectdb(the.url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	/* 25006: a write on a read-only server (a demoted primary) */
	PQclear(PQexec(c, "SET default_transaction_read_only = on"));
	r = PQexec(c, "CREATE TEMP TABLE t(x int)");
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25006");
	assert_int_equal(elog_pg_unavailable(c, r), 1);
	PQclear(r);
	/* 57P01 (terminated by an administrator): class 57P */
	r = PQexec(c, "DO $$BEGIN RAISE SQLSTATE '57P01'; END$$");
	assert_int_equal(elog_pg_unavailable(c, r), 1);
	PQclear(r);
	r = PQexec(c, "DO $$BEGIN RAISE SQLSTATE '08006'; END$$");
	assert_int_equal(elog_pg_unavailable(c, r), 1);
	PQclear(r);
	/* but a wrong query, or another 57 (a cancelled one), is not */
	r = PQexec(c, "SELECT no_such_column FROM meta");
	assert_int_equal(elog_pg_unavailable(c, r), 0);
	PQclear(r);
	r = PQexec(c, "DO $$BEGIN RAISE SQLSTATE '57014'; END$$");
	assert_int_equal(elog_pg_unavailable(c, r), 0);
	PQclear(r);
	PQfinish(c);
}

static void test_purge_same(void **state)
{
	uint64_t ea, eb, ta, tb, seq;
	elog_err_t err;
	elog_verify_report rep;
	elog_store *r = NULL;
	int64_t before;
	(void)state;
	NEED_PG();
	/* every checkpoint so far was signed before now */
	before = elog_now_ms() + 1;
	while (elog_now_ms() <= before)
		usleep(1000);
	append_both(3);
	assert_int_equal(elog_store_begin(the.lite, &err), 0);
	assert_int_equal(elog_store_purge(the.lite, before, NULL, NULL, &ea,
					  &ta, &err),
			 0);
	assert_int_equal(elog_store_begin(the.pg, &err), 0);
	if (elog_store_purge(the.pg, before, NULL, NULL, &eb, &tb, &err) != 0)
		fail_msg("purge: %s", err.msg);
	assert_int_equal(ea, eb);
	assert_int_equal(ta, tb);
	{
		elog_entry e;
		int64_t now = elog_now_ms();
		elog_commit ca = {0}, cb = {0};
		assert_int_equal(elog_purge_entry(now, before, ta, ea, &e,
						  &err),
				 0);
		assert_int_equal(elog_store_add(the.lite, &e, &seq, &err), 0);
		assert_int_equal(elog_store_add(the.pg, &e, &seq, &err), 0);
		assert_int_equal(elog_store_commit(the.lite, &the.sk, now, &ca,
						   &err),
				 0);
		assert_int_equal(elog_store_commit(the.pg, &the.sk, now, &cb,
						   &err),
				 0);
		assert_memory_equal(ca.root.b, cb.root.b, ELOG_HASH_LEN);
		the.n = ca.size;
		elog_commit_free(&ca);
		elog_commit_free(&cb);
		elog_entry_free(&e);
	}
	compare(the.pg);
	assert_int_equal(elog_store_open(the.url, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	if (elog_verify_store(r, NULL, NULL, NULL, &rep, &err) != 0)
		fail_msg("verify after purge: %s", err.msg);
	assert_int_equal(rep.bad_seq, -1);
	assert_int_equal(rep.purged, ea);
	elog_store_close(r);
	/* the horizon only moves forward */
	assert_int_equal(elog_store_begin(the.pg, &err), 0);
	assert_int_equal(elog_store_purge(the.pg, before, NULL, NULL, &eb, &tb,
					  &err),
			 -ELOG_HORIZON_BACKWARDS);
	elog_store_rollback(the.pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_refused_twice),
		cmocka_unit_test(test_second_writer_refused),
		cmocka_unit_test(test_same_as_sqlite),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_connection_lost),
		cmocka_unit_test(test_unavailable_codes),
		cmocka_unit_test(test_purge_same),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
