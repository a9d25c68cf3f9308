/*
 * test_store.c — the SQLite store: appending, reading back, tree hashes and
 * proofs, checkpoints, WAL isolation, rollback, the lawful-request index,
 * the append-only triggers, offline verification, tokens and keyrings.
 *
 * Every test works on a fresh database in its own temporary directory, and
 * keeps an in-memory model of what it appended (leaf data, leaf hashes,
 * chain values) to compare the store against.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "checkpoint.h"
#include "entry.h"
#include "keyring.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"
#include "schema.h"
#include "store.h"
#include "store_db.h"
#include "token.h"
#include "verify.h"

#define ORIGIN "test.example/log"
#define MAXN 1024
#define T0 1700000000000LL

typedef struct fx {
	char dir[64];
	char path[128];
	elog_signer sk;
	elog_verifier vk;
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_store *w;
	elog_ingest_rules rules;
	/* the model: what was committed, in seq order */
	size_t n;
	elog_hash leaf[MAXN];
	elog_hash chain[MAXN];
	char *data[MAXN];   /* public leaf data */
	char *record[MAXN]; /* events' private records, else NULL */
	int kind[MAXN];
	int64_t ts[MAXN];
	char sender[MAXN][24];
	char recipient[MAXN][24];
	uint64_t cp_size[MAXN]; /* sizes of the checkpoints committed */
	size_t ncp;
} fx;

/* ---- helpers ---- */

static void path_in(const fx *f, const char *suffix, char *buf, size_t cap)
{
	int k = snprintf(buf, cap, "%s%s", f->path, suffix);
	assert_true(k > 0 && (size_t)k < cap);
}

static fx *fx_new(void)
{
	fx *f = calloc(1, sizeof *f);
	elog_err_t err;
	int k;

	assert_non_null(f);
	k = snprintf(f->dir, sizeof f->dir, "/tmp/elog-test-store-XXXXXX");
	assert_true(k > 0 && (size_t)k < sizeof f->dir);
	assert_non_null(mkdtemp(f->dir));
	k = snprintf(f->path, sizeof f->path, "%s/log.db", f->dir);
	assert_true(k > 0 && (size_t)k < sizeof f->path);
	assert_int_equal(elog_signer_generate(ORIGIN, &f->sk, &err), 0);
	elog_signer_public(&f->sk, &f->vk);
	assert_int_equal(elog_verifier_format(&f->vk, f->vkey, sizeof f->vkey,
					      &err),
			 0);
	assert_int_equal(elog_store_create(f->path, ORIGIN, f->vkey, &err), 0);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	f->rules.now_ms = elog_now_ms();
	f->rules.max_future_ms = 300000;
	f->rules.max_events = ELOG_MAX_BATCH;
	return f;
}

static void fx_free(fx *f)
{
	char p[160];
	if (!f)
		return;
	elog_store_close(f->w);
	for (size_t i = 0; i < f->n; i++) {
		free(f->data[i]);
		free(f->record[i]);
	}
	unlink(f->path);
	path_in(f, "-wal", p, sizeof p);
	unlink(p);
	path_in(f, "-shm", p, sizeof p);
	unlink(p);
	rmdir(f->dir);
	elog_signer_wipe(&f->sk);
	free(f);
}

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void party(char *buf, size_t cap, const char *prefix, unsigned k)
{
	int r = snprintf(buf, cap, "%s%03u", prefix, k);
	assert_true(r > 0 && (size_t)r < cap);
}

/* Build one validated event entry, as ingest would. */
static void make_event(fx *f, const char *sender, const char *recipient,
		       int64_t ts, uint64_t size, elog_entry *out)
{
	json_t *o = json_object();
	elog_err_t err;

	assert_non_null(o);
	json_object_set_new(o, "ts", json_integer(ts));
	json_object_set_new(o, "sender", json_string(sender));
	json_object_set_new(o, "recipient", json_string(recipient));
	json_object_set_new(o, "type", json_string("message"));
	json_object_set_new(o, "size", json_integer((json_int_t)size));
	assert_int_equal(elog_event_from_json(o, 0, &f->rules, out, &err), 0);
	json_decref(o);
	assert_int_equal(out->kind, ELOG_KIND_EVENT);
	assert_int_equal(out->ts, ts);
	assert_string_equal(out->sender, sender);
	assert_string_equal(out->recipient, recipient);
}

/* The default parties and time of generated event k: senders from a set of
 * 7, recipients from a set of 5 (every 11th writes to itself), times
 * repeating and out of seq order. */
static void default_event(fx *f, uint64_t k, elog_entry *out)
{
	char s[24], r[24];
	party(s, sizeof s, "+44700900", (unsigned)(k % 7));
	if (k % 11 == 0)
		memcpy(r, s, sizeof r);
	else
		party(r, sizeof r, "+44711900", (unsigned)(k * 3 % 5));
	make_event(f, s, r, T0 + (int64_t)((k * 37) % 50) * 1000, k * 13, out);
}

/* Record an entry about to be committed at seq f->n in the model. */
static void model_add(fx *f, const elog_entry *e)
{
	size_t i = f->n;
	assert_true(i < MAXN);
	f->data[i] = malloc(e->len + 1);
	assert_non_null(f->data[i]);
	memcpy(f->data[i], e->data, e->len + 1);
	f->record[i] = NULL;
	if (e->record) {
		f->record[i] = malloc(e->record_len + 1);
		assert_non_null(f->record[i]);
		memcpy(f->record[i], e->record, e->record_len + 1);
	}
	f->kind[i] = e->kind;
	f->ts[i] = e->ts;
	f->sender[i][0] = f->recipient[i][0] = '\0';
	if (e->sender)
		snprintf(f->sender[i], sizeof f->sender[i], "%s", e->sender);
	if (e->recipient)
		snprintf(f->recipient[i], sizeof f->recipient[i], "%s",
			 e->recipient);
	elog_leaf_hash(e->data, e->len, &f->leaf[i]);
	elog_chain_hash(i ? &f->chain[i - 1] : &ELOG_ZERO_HASH, &f->leaf[i],
			&f->chain[i]);
	f->n++;
}

static void assert_hash_equal(const elog_hash *a, const elog_hash *b)
{
	assert_memory_equal(a->b, b->b, ELOG_HASH_LEN);
}

/* Commit m entries through elog_store_append and check the commit result
 * against the model; frees the entries. */
static void append_entries(fx *f, elog_entry *es, size_t m)
{
	elog_commit c;
	elog_checkpoint cp;
	elog_hash root;
	elog_err_t err;
	size_t first = f->n;

	memset(&c, 0, sizeof c);
	assert_int_equal(elog_store_append(f->w, es, m, &f->sk, elog_now_ms(),
					   &c, &err),
			 0);
	for (size_t i = 0; i < m; i++)
		model_add(f, &es[i]);
	elog_root_of_leaves(f->leaf, f->n, &root);
	assert_int_equal(c.first, first);
	assert_int_equal(c.count, m);
	assert_int_equal(c.size, f->n);
	assert_hash_equal(&c.root, &root);
	assert_non_null(c.checkpoint);
	assert_int_equal(strlen(c.checkpoint), c.checkpoint_len);
	assert_int_equal(elog_checkpoint_open(c.checkpoint, c.checkpoint_len,
					      &f->vk, &cp, &err),
			 0);
	assert_int_equal(cp.size, f->n);
	assert_hash_equal(&cp.root, &root);
	elog_commit_free(&c);
	assert_null(c.checkpoint);
	f->cp_size[f->ncp++] = f->n;
	elog_entries_free(es, m);
}

static void append_events(fx *f, size_t m)
{
	elog_entry *es = calloc(m, sizeof *es);
	assert_non_null(es);
	for (size_t i = 0; i < m; i++)
		default_event(f, f->n + i, &es[i]);
	append_entries(f, es, m);
}

/* A disclosure over the first `records` leaves of the model. */
static void append_disclosure(fx *f, uint64_t records)
{
	elog_disclosure d;
	elog_entry *e = calloc(1, sizeof *e);
	elog_err_t err;

	assert_non_null(e);
	memset(&d, 0, sizeof d);
	d.ts = elog_now_ms();
	d.authority = "uk-nca";
	d.warrant_id = "NCA-2026-000042";
	memset(d.warrant_sha256, 'a', 64);
	d.from = T0;
	d.to = T0 + 86400000;
	d.subjects = 1;
	d.records = records;
	{
		static const unsigned char salt[ELOG_SALT_LEN] = {1, 2, 3};
		elog_hash root;
		elog_root_of_leaves(f->leaf, (size_t)records, &root);
		elog_records_commitment(salt, &root, &d.records_commitment);
	}
	assert_int_equal(elog_disclosure_entry(&d, e, &err), 0);
	assert_int_equal(e->kind, ELOG_KIND_DISCLOSURE);
	assert_null(e->sender);
	append_entries(f, e, 1);
	/* As the lawful request records the warrant id it answered. */
	assert_int_equal(sqlite3_exec(elog_store_db(f->w),
				      "INSERT INTO warrant_use(authority, id, "
				      "text_sha256, first_seq) SELECT 'uk-nca', "
				      "'NCA-2026-000042', zeroblob(32), "
				      "max(seq) FROM entry",
				      NULL, NULL, NULL),
			 SQLITE_OK);
}

/* A log of about 250 entries in batches of varied sizes, with a
 * disclosure in the middle. */
static void build_log(fx *f)
{
	static const size_t batches[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89};
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
		append_events(f, batches[i]);
		if (i == 6)
			append_disclosure(f, 10);
	}
	append_events(f, 16);
}

/* The first column of the first row sql answers on s's connection. */
static sqlite3_int64 query_int(elog_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v;
	assert_int_equal(sqlite3_prepare_v2(elog_store_db(s), sql, -1, &st,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static sqlite3_int64 count_rows(elog_store *s, const char *table)
{
	char sql[128];
	int k = snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	assert_true(k > 0 && (size_t)k < sizeof sql);
	return query_int(s, sql);
}

/* Temporary views of the lawful-request index for the checks below, made
 * again for the runs there are now (each sealed run is a table of its
 * own, schema 010): index_sealed(run, party, ts, seq), every sealed row,
 * and event_index(party, ts, seq), every row. */
static void index_views(elog_store *s)
{
	sqlite3 *db = elog_store_db(s);
	int64_t *runs = NULL;
	size_t n = 0, len, cap;
	elog_err_t err;
	char *sql;

	assert_int_equal(elog_store_index_tables(s, &runs, &n, &err), 0);
	cap = 512 + 96 * n;
	assert_non_null(sql = malloc(cap));
	len = (size_t)snprintf(sql, cap,
			       "DROP VIEW IF EXISTS temp.event_index; "
			       "DROP VIEW IF EXISTS temp.index_sealed; "
			       "CREATE TEMP VIEW index_sealed(run, party, ts, "
			       "seq) AS SELECT 0, 0, 0, 0 WHERE 0");
	for (size_t i = 0; i < n; i++) {
		assert_true(runs[i] >= 0);
		len += (size_t)snprintf(sql + len, cap - len,
					" UNION ALL SELECT %lld, party, ts, "
					"seq FROM index_sealed_%lld",
					(long long)runs[i],
					(long long)runs[i]);
	}
	len += (size_t)snprintf(sql + len, cap - len,
				"; CREATE TEMP VIEW event_index(party, ts, "
				"seq) AS SELECT party, ts, seq FROM index_hot "
				"UNION ALL SELECT party, ts, seq FROM "
				"index_sealed");
	assert_true(len < cap);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	free(runs);
}

/* The rows of tree_hash in a SQLite log of n entries: one per complete
 * subtree of level 4 and above (levels 1 to 3 are hashed up from the leaf
 * hashes when read, schema 011). */
static sqlite3_int64 tree_rows(uint64_t n)
{
	sqlite3_int64 rows = 0;
	for (int l = 4; l < 64 && n >> l; l++)
		rows += (sqlite3_int64)(n >> l);
	return rows;
}

/* The table that holds the records of the first events: their partition
 * "event_data_p0" (schema 009), "event_data" before it, else "entry". */
static const char *event_table(elog_store *s)
{
	if (count_rows(s, "sqlite_master WHERE type = 'table' AND "
			  "name = 'event_data_p0'"))
		return "event_data_p0";
	return count_rows(s, "sqlite_master WHERE type = 'table' AND "
			     "name = 'event_data'")
		       ? "event_data"
		       : "entry";
}

/* ---- create and open ---- */

/* A database made before R2 (user_version 1 or 2) is refused, by writers
 * and readers, with a sentence that says so; it is left as it was. */
static void test_pre_r2_refused(void **state)
{
	fx *f = *state;
	elog_store *s = NULL;
	elog_err_t err;

	elog_store_close(f->w);
	f->w = NULL;
	for (int v = 1; v < ELOG_SCHEMA_R2; v++) {
		sqlite3 *raw = NULL;
		char sql[64];
		int mode;
		assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
		assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(raw);
		for (mode = ELOG_STORE_READ; mode <= ELOG_STORE_WRITE; mode++) {
			elog_err_clear(&err);
			assert_int_equal(elog_store_open(f->path, mode,
							 ELOG_SYNC_FULL, &s,
							 &err),
					 -ELOG_IO);
			assert_null(s);
			assert_non_null(strstr(err.msg, "before Revision 2"));
		}
		assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
		{
			sqlite3_stmt *st = NULL;
			assert_int_equal(sqlite3_prepare_v2(raw,
							    "PRAGMA user_version",
							    -1, &st, NULL),
					 SQLITE_OK);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(st, 0), v);
			sqlite3_finalize(st);
		}
		sqlite3_close(raw);
	}
}

static void test_create_open(void **state)
{
	fx *f = *state;
	elog_store *r = NULL, *w2 = NULL;
	elog_err_t err;
	uint64_t size = 99;
	elog_hash root;
	elog_leaf l;
	struct stat sb;
	char *note = NULL, p[160];
	size_t len = 0;
	sqlite3 *raw = NULL;

	/* A second create over the same path is refused. */
	assert_int_equal(elog_store_create(f->path, ORIGIN, f->vkey, &err),
			 -ELOG_CONFLICT);
	assert_int_equal(err.code, ELOG_CONFLICT);
	/* The database is private to its owner. */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);

	assert_string_equal(elog_store_origin(f->w), ORIGIN);
	assert_string_equal(elog_store_vkey(f->w), f->vkey);
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 0);
	assert_int_equal(elog_store_root(f->w, 0, &root, &err), 0);
	assert_hash_equal(&root, &ELOG_EMPTY_ROOT);
	assert_int_equal(elog_store_leaf(f->w, 0, &l, &err), -ELOG_NOT_FOUND);
	assert_int_equal(elog_store_checkpoint_latest(f->w, &note, &len, &size,
						      &err),
			 -ELOG_NOT_FOUND);
	assert_null(note);
	assert_int_equal(query_int(f->w, "PRAGMA user_version"),
			 elog_schema_count);
	assert_int_equal(query_int(f->w, "PRAGMA synchronous"), 2); /* FULL */
	{
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(elog_store_db(f->w),
						    "PRAGMA journal_mode", -1,
						    &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
				    "wal");
		sqlite3_finalize(st);
	}

	/* A reader and a second writer with --sync normal open it too. */
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	assert_string_equal(elog_store_origin(r), ORIGIN);
	assert_string_equal(elog_store_vkey(r), f->vkey);
	assert_int_equal(elog_store_size(r, &size, &err), 0);
	assert_int_equal(size, 0);
	elog_store_close(r);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_NORMAL, &w2, &err),
			 0);
	assert_int_equal(query_int(w2, "PRAGMA synchronous"), 1);
	elog_store_close(w2);

	/* Missing files and foreign databases are refused. */
	path_in(f, ".missing", p, sizeof p);
	r = (elog_store *)1;
	assert_int_equal(elog_store_open(p, ELOG_STORE_READ, ELOG_SYNC_FULL,
					 &r, &err),
			 -ELOG_IO);
	assert_null(r);
	path_in(f, ".foreign", p, sizeof p);
	assert_int_equal(sqlite3_open(p, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "CREATE TABLE t(x)", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(elog_store_open(p, ELOG_STORE_READ, ELOG_SYNC_FULL,
					 &r, &err),
			 -ELOG_IO);
	assert_null(r);
	unlink(p);
}

/* Only an open writer transaction may add; readers never may. */
static void test_writer_only(void **state)
{
	fx *f = *state;
	elog_store *r = NULL;
	elog_entry e;
	elog_err_t err;
	elog_commit c;
	uint64_t seq = 77, size;

	default_event(f, 0, &e);
	assert_int_equal(elog_store_add(f->w, &e, &seq, &err), -ELOG_INTERNAL);
	assert_int_equal(seq, 77);
	assert_int_equal(elog_store_commit(f->w, &f->sk, 1, &c, &err),
			 -ELOG_INTERNAL);
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	assert_int_equal(elog_store_begin(f->w, &err), -ELOG_INTERNAL);
	assert_int_equal(elog_store_add(f->w, &e, &seq, &err), 0);
	assert_int_equal(seq, 0);
	elog_store_rollback(f->w);
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 0);

	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	assert_int_equal(elog_store_begin(r, &err), -ELOG_INTERNAL);
	assert_int_equal(elog_store_append(r, &e, 1, &f->sk, 1, &c, &err),
			 -ELOG_INTERNAL);
	/* The reader's connection refuses writes outright. */
	assert_int_not_equal(sqlite3_exec(elog_store_db(r),
					  "INSERT INTO meta(key, value) "
					  "VALUES ('x', 'y')",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	elog_store_close(r);
	assert_int_equal(count_rows(f->w, "entry"), 0);
	assert_int_equal(count_rows(f->w, "meta WHERE key = 'x'"), 0);
	elog_entry_free(&e);
}

/* ---- appending and reading back ---- */

struct walk {
	fx *f;
	uint64_t next;
};

static int walk_leaf(void *ctx, const elog_leaf *l)
{
	struct walk *wk = ctx;
	fx *f = wk->f;
	size_t i = (size_t)l->seq;
	if (l->seq != wk->next || i >= f->n)
		return 1;
	if (l->kind != f->kind[i] || l->ts != f->ts[i] ||
	    l->len != strlen(f->data[i]) ||
	    memcmp(l->data, f->data[i], l->len) != 0 ||
	    memcmp(l->leaf_hash.b, f->leaf[i].b, ELOG_HASH_LEN) != 0 ||
	    memcmp(l->chain_hash.b, f->chain[i].b, ELOG_HASH_LEN) != 0)
		return 2;
	wk->next++;
	return 0;
}

static int stop_at_three(void *ctx, const elog_leaf *l)
{
	int *calls = ctx;
	(void)l;
	return ++*calls == 3 ? 42 : 0;
}

static void test_append_read_back(void **state)
{
	fx *f = *state;
	elog_err_t err;
	uint64_t size;
	elog_hash prev = ELOG_ZERO_HASH;
	struct walk wk = {f, 5};
	int calls = 0;
	size_t ndisc = 0;

	build_log(f);
	assert_true(f->n > 200);
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, f->n);
	assert_int_equal(count_rows(f->w, "entry"), (sqlite3_int64)f->n);

	for (size_t i = 0; i < f->n; i++) {
		elog_leaf l;
		elog_hash h, c;
		assert_int_equal(elog_store_leaf(f->w, i, &l, &err), 0);
		assert_int_equal(l.seq, i);
		assert_int_equal(l.kind, f->kind[i]);
		assert_int_equal(l.ts, f->ts[i]);
		assert_non_null(l.data);
		assert_int_equal(l.len, strlen(f->data[i]));
		assert_memory_equal(l.data, f->data[i], l.len);
		/* the leaf hash is the RFC 6962 hash of the data read back */
		elog_leaf_hash(l.data, l.len, &h);
		assert_hash_equal(&l.leaf_hash, &h);
		/* the chain value follows from the previous one */
		elog_chain_hash(&prev, &h, &c);
		assert_hash_equal(&l.chain_hash, &c);
		prev = c;
		if (l.kind == ELOG_KIND_DISCLOSURE) {
			ndisc++;
			assert_non_null(
				strstr(f->data[i], "\"kind\":\"disclosure\""));
		} else {
			/* the public data is the record's commitment, and the
			 * record parses back to the same parties */
			elog_entry e;
			assert_non_null(l.record);
			assert_int_equal(l.record_len, strlen(f->record[i]));
			assert_memory_equal(l.record, f->record[i],
					    l.record_len);
			assert_int_equal(elog_entry_from_record(l.record,
								l.record_len,
								&e, &err),
					 0);
			assert_int_equal(e.len, l.len);
			assert_memory_equal(e.data, l.data, l.len);
			assert_string_equal(e.sender, f->sender[i]);
			assert_string_equal(e.recipient, f->recipient[i]);
			assert_int_equal(e.ts, f->ts[i]);
			elog_entry_free(&e);
		}
	}
	assert_int_equal(ndisc, 1);
	{
		elog_leaf l;
		assert_int_equal(elog_store_leaf(f->w, f->n, &l, &err),
				 -ELOG_NOT_FOUND);
	}
	/* Streaming a range gives the same rows, in order, and stops when
	 * told to. */
	assert_int_equal(elog_store_leaves(f->w, 5, f->n - 3, walk_leaf, &wk,
					   &err),
			 0);
	assert_int_equal(wk.next, f->n - 3);
	wk.next = 0;
	assert_int_equal(elog_store_leaves(f->w, 0, f->n + 10, walk_leaf, &wk,
					   &err),
			 0);
	assert_int_equal(wk.next, f->n);
	assert_int_equal(elog_store_leaves(f->w, 0, f->n, stop_at_three,
					   &calls, &err),
			 42);
	assert_int_equal(calls, 3);
	/* Every complete subtree of level >= 4 is stored once, none of
	 * levels 1 to 3. */
	assert_int_equal(count_rows(f->w, "tree_hash"), tree_rows(f->n));
	assert_int_equal(elog_store_tree_min_level(f->w), 4);
	/* Two index rows per event, one when it is sent to its sender. */
	{
		sqlite3_int64 want = 0;
		for (size_t i = 0; i < f->n; i++)
			if (f->kind[i] == ELOG_KIND_EVENT)
				want += strcmp(f->sender[i], f->recipient[i])
						? 2
						: 1;
		index_views(f->w);
		assert_int_equal(count_rows(f->w, "event_index"), want);
	}
}

/* Reopening the writer reloads the frontier and the chain: the next commit
 * continues the same tree. */
static void test_reopen_continues(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	uint64_t size;

	append_events(f, 13);
	elog_store_close(f->w);
	f->w = NULL;
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 13);
	append_events(f, 6); /* append_entries checks root and checkpoint */
	elog_store_close(f->w);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	append_events(f, 45);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.entries, 64);
	assert_int_equal(rep.bad_seq, -1);
}

/* ---- tree hashes and proofs ---- */

static void test_roots_every_size(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_store *r = NULL;

	build_log(f);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	for (size_t size = 0; size <= f->n; size++) {
		elog_hash want, got;
		elog_root_of_leaves(f->leaf, size, &want);
		assert_int_equal(elog_store_root(f->w, size, &got, &err), 0);
		assert_hash_equal(&got, &want);
		memset(&got, 0, sizeof got);
		assert_int_equal(elog_store_root(r, size, &got, &err), 0);
		assert_hash_equal(&got, &want);
	}
	/* Beyond the log there is no root. */
	{
		elog_hash got;
		assert_true(elog_store_root(f->w, f->n + 1, &got, &err) < 0);
	}
	elog_store_close(r);
}

/* Whether (index, size) is checked: every pair up to size 100, a sample
 * above (keeps the in-memory regeneration cheap). */
static int sampled(size_t a, size_t b)
{
	return b <= 100 || b % 7 == 0 || b == 101 || a % 13 == 0 ||
	       a + 1 == b || a == 0;
}

/*
 * Build f's log and call check(f, roots, a, b) for every sampled pair with
 * 1 <= b <= n and first <= a < b, or first <= a <= b if up_to_b; roots
 * holds the root of every size 0 .. n.  Returns how many pairs it checked.
 */
static size_t each_sampled_pair(fx *f, size_t first, int up_to_b,
				void (*check)(fx *f, const elog_hash *roots,
					      size_t a, size_t b))
{
	elog_hash roots[MAXN + 1];
	size_t pairs = 0;

	build_log(f);
	for (size_t size = 0; size <= f->n; size++)
		elog_root_of_leaves(f->leaf, size, &roots[size]);
	for (size_t b = 1; b <= f->n; b++)
		for (size_t a = first; a < b + (up_to_b ? 1 : 0); a++) {
			if (!sampled(a, b))
				continue;
			pairs++;
			check(f, roots, a, b);
		}
	return pairs;
}

/* The store's proof of (index, size) verifies, is the in-memory one, and
 * holds for this leaf and this size only. */
static void check_inclusion(fx *f, const elog_hash *roots, size_t index,
			    size_t size)
{
	elog_leaf_array la = {f->leaf, size};
	elog_hash p[ELOG_MAX_PROOF], q[ELOG_MAX_PROOF];
	size_t np = 0, nq = 0;
	elog_err_t err;

	assert_int_equal(elog_store_prove_inclusion(f->w, index, size, p, &np,
						    &err),
			 0);
	assert_int_equal(elog_verify_inclusion(index, size, &f->leaf[index], p,
					       np, &roots[size], &err),
			 0);
	assert_int_equal(elog_prove_inclusion(index, size,
					      elog_leaf_array_reader, &la, q,
					      &nq, &err),
			 0);
	assert_int_equal(np, nq);
	assert_memory_equal(p, q, np * sizeof p[0]);
	if (size > 1) {
		size_t other = index ? index - 1 : 1;
		assert_int_equal(elog_verify_inclusion(index, size,
						       &f->leaf[other], p, np,
						       &roots[size], &err),
				 -ELOG_PROOF_INVALID);
		assert_int_equal(elog_verify_inclusion(index, size,
						       &f->leaf[index], p, np,
						       &roots[size - 1], &err),
				 -ELOG_PROOF_INVALID);
	}
}

static void test_inclusion_proofs(void **state)
{
	fx *f = *state;
	elog_err_t err;

	/* index in [0, size) */
	assert_true(each_sampled_pair(f, 0, 0, check_inclusion) > 8000);
	{
		elog_hash p[ELOG_MAX_PROOF];
		size_t np;
		assert_int_equal(elog_store_prove_inclusion(f->w, f->n, f->n,
							    p, &np, &err),
				 -ELOG_PARAMETER_OUT_OF_RANGE);
		/* a size beyond the log cannot be proved */
		assert_true(elog_store_prove_inclusion(f->w, 0, f->n + 1, p,
						       &np, &err) < 0);
	}
}

/* The store's proof from old to nw verifies, is the in-memory one, is
 * empty from a size to itself and does not hold for another old root. */
static void check_consistency(fx *f, const elog_hash *roots, size_t old,
			      size_t nw)
{
	elog_leaf_array la = {f->leaf, nw};
	elog_hash p[ELOG_MAX_PROOF], q[ELOG_MAX_PROOF];
	size_t np = 0, nq = 0;
	elog_err_t err;

	assert_int_equal(elog_store_prove_consistency(f->w, old, nw, p, &np,
						      &err),
			 0);
	assert_int_equal(elog_verify_consistency(old, nw, &roots[old],
						 &roots[nw], p, np, &err),
			 0);
	assert_int_equal(elog_prove_consistency(old, nw, elog_leaf_array_reader,
						&la, q, &nq, &err),
			 0);
	assert_int_equal(np, nq);
	assert_memory_equal(p, q, np * sizeof p[0]);
	if (old == nw) {
		assert_int_equal(np, 0);
	} else {
		assert_int_equal(elog_verify_consistency(old, nw,
							 &roots[old - 1],
							 &roots[nw], p, np,
							 &err),
				 -ELOG_PROOF_INVALID);
	}
}

static void test_consistency_proofs(void **state)
{
	fx *f = *state;
	elog_err_t err;

	/* old in [1, nw] */
	assert_true(each_sampled_pair(f, 1, 1, check_consistency) > 8000);
	{
		elog_hash p[ELOG_MAX_PROOF];
		size_t np;
		assert_true(elog_store_prove_consistency(f->w, 0, f->n, p, &np,
							 &err) < 0);
		assert_true(elog_store_prove_consistency(f->w, 5, 4, p, &np,
							 &err) < 0);
		assert_true(elog_store_prove_consistency(f->w, 5, f->n + 1, p,
							 &np, &err) < 0);
	}
}

/* ---- checkpoints ---- */

struct cp_walk {
	fx *f;
	size_t i;
	int bad;
};

static int walk_cp(void *ctx, uint64_t size, const char *note, size_t len)
{
	struct cp_walk *cw = ctx;
	elog_checkpoint cp;
	elog_err_t err;
	elog_hash root;
	if (cw->i >= cw->f->ncp || size != cw->f->cp_size[cw->i] ||
	    elog_checkpoint_open(note, len, &cw->f->vk, &cp, &err) != 0 ||
	    cp.size != size) {
		cw->bad = 1;
		return 1;
	}
	elog_root_of_leaves(cw->f->leaf, (size_t)size, &root);
	if (memcmp(root.b, cp.root.b, ELOG_HASH_LEN) != 0) {
		cw->bad = 2;
		return 1;
	}
	cw->i++;
	return 0;
}

static void test_checkpoints(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_checkpoint cp;
	elog_hash root;
	elog_verifier other;
	elog_signer osk;
	char *note = NULL;
	size_t len = 0;
	uint64_t size = 0;
	struct cp_walk cw = {f, 0, 0};

	build_log(f);
	assert_int_equal(elog_store_checkpoint_latest(f->w, &note, &len, &size,
						      &err),
			 0);
	assert_int_equal(size, f->n);
	assert_int_equal(strlen(note), len);
	assert_int_equal(elog_checkpoint_open(note, len, &f->vk, &cp, &err), 0);
	assert_string_equal(cp.origin, ORIGIN);
	assert_int_equal(cp.size, f->n);
	elog_root_of_leaves(f->leaf, f->n, &root);
	assert_hash_equal(&cp.root, &root);
	/* It is signed by the log key and by no other. */
	assert_int_equal(elog_signer_generate(ORIGIN, &osk, &err), 0);
	elog_signer_public(&osk, &other);
	elog_signer_wipe(&osk);
	assert_true(elog_checkpoint_open(note, len, &other, &cp, &err) < 0);
	free(note);

	/* Every commit stored its checkpoint, and only those exist. */
	for (size_t i = 0; i < f->ncp; i++) {
		note = NULL;
		assert_int_equal(elog_store_checkpoint_at(f->w, f->cp_size[i],
							  &note, &len, &err),
				 0);
		assert_int_equal(elog_checkpoint_open(note, len, &f->vk, &cp,
						      &err),
				 0);
		assert_int_equal(cp.size, f->cp_size[i]);
		elog_root_of_leaves(f->leaf, f->cp_size[i], &root);
		assert_hash_equal(&cp.root, &root);
		free(note);
	}
	note = NULL;
	assert_int_equal(elog_store_checkpoint_at(f->w, 4, &note, &len, &err),
			 -ELOG_NOT_FOUND);
	assert_null(note);
	assert_int_equal(count_rows(f->w, "checkpoint"), (sqlite3_int64)f->ncp);
	assert_int_equal(elog_store_checkpoints(f->w, walk_cp, &cw, &err), 0);
	assert_int_equal(cw.bad, 0);
	assert_int_equal(cw.i, f->ncp);
}

/* ---- transactions: WAL readers and rollback ---- */

static void test_reader_sees_committed_only(void **state)
{
	fx *f = *state;
	elog_store *r = NULL;
	elog_err_t err;
	elog_leaf l;
	elog_entry e[5];
	elog_hash root, want;
	uint64_t size, seq, cpsize;
	char *note = NULL, *subj[1] = {"+449999000"};
	size_t len, n;
	uint64_t *seqs = NULL;
	int trunc;

	append_events(f, 40);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	/* The reader has read an entry before the writer starts. */
	assert_int_equal(elog_store_leaf(r, 3, &l, &err), 0);
	assert_int_equal(l.seq, 3);

	assert_int_equal(elog_store_begin(f->w, &err), 0);
	for (size_t i = 0; i < 5; i++) {
		make_event(f, subj[0], "+44711900001", T0 + 1000, i, &e[i]);
		assert_int_equal(elog_store_add(f->w, &e[i], &seq, &err), 0);
		assert_int_equal(seq, 40 + i);
	}
	/* The writer sees its own frontier ... */
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 45);
	/* ... the reader only what is committed. */
	assert_int_equal(elog_store_size(r, &size, &err), 0);
	assert_int_equal(size, 40);
	assert_int_equal(elog_store_leaf(r, 40, &l, &err), -ELOG_NOT_FOUND);
	assert_int_equal(elog_store_leaf(r, 39, &l, &err), 0);
	assert_int_equal(elog_store_checkpoint_latest(r, &note, &len, &cpsize,
						      &err),
			 0);
	assert_int_equal(cpsize, 40);
	free(note);
	assert_int_equal(elog_store_root(r, 40, &root, &err), 0);
	elog_root_of_leaves(f->leaf, 40, &want);
	assert_hash_equal(&root, &want);
	assert_int_equal(elog_store_events_for(r, subj, 1, T0, T0 + 100000,
					       100, &seqs, &n, &trunc, &err),
			 0);
	assert_int_equal(n, 0);
	free(seqs);
	/* The writer's own query inside its transaction finds them: the
	 * index rows elog_store_add keeps until commit are written first. */
	assert_int_equal(elog_store_events_for(f->w, subj, 1, T0, T0 + 100000,
					       100, &seqs, &n, &trunc, &err),
			 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(seqs[i], 40 + i);
	free(seqs);
	assert_int_equal(count_rows(r, "entry"), 40);
	assert_int_equal(count_rows(r, "tree_hash"), tree_rows(40));

	/* Committed, the entries appear to the same reader connection. */
	{
		elog_commit c;
		assert_int_equal(elog_store_commit(f->w, &f->sk, elog_now_ms(),
						   &c, &err),
				 0);
		assert_int_equal(c.first, 40);
		assert_int_equal(c.count, 5);
		elog_commit_free(&c);
	}
	for (size_t i = 0; i < 5; i++) {
		model_add(f, &e[i]);
		elog_entry_free(&e[i]);
	}
	/* (The reader's last call was a leaf read: the size must not come
	 * from the snapshot that read was taken in.) */
	assert_int_equal(elog_store_size(r, &size, &err), 0);
	assert_int_equal(size, 45);
	assert_int_equal(elog_store_leaf(r, 0, &l, &err), 0);
	assert_int_equal(elog_store_leaf(r, 44, &l, &err), 0);
	assert_hash_equal(&l.leaf_hash, &f->leaf[44]);
	assert_int_equal(elog_store_checkpoint_latest(r, &note, &len, &cpsize,
						      &err),
			 0);
	assert_int_equal(cpsize, 45);
	free(note);
	assert_int_equal(elog_store_events_for(r, subj, 1, T0, T0 + 100000,
					       100, &seqs, &n, &trunc, &err),
			 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(seqs[i], 40 + i);
	free(seqs);
	elog_store_close(r);
}

/* Roll back a transaction that completed tree nodes; the next commit gives
 * the root of the log without them, and the log verifies. */
static void test_rollback_restores_frontier(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_entry e[9];
	elog_hash root, want;
	elog_verify_report rep;
	uint64_t size;

	append_events(f, 23);
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	for (size_t i = 0; i < 9; i++) {
		default_event(f, 100 + i, &e[i]);
		assert_int_equal(elog_store_add(f->w, &e[i], NULL, &err), 0);
		elog_entry_free(&e[i]);
	}
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 32);
	elog_store_rollback(f->w);
	elog_store_rollback(f->w); /* harmless when nothing is open */
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 23);
	assert_int_equal(count_rows(f->w, "entry"), 23);
	assert_int_equal(count_rows(f->w, "tree_hash"), tree_rows(23));
	assert_int_equal(elog_store_root(f->w, 23, &root, &err), 0);
	elog_root_of_leaves(f->leaf, 23, &want);
	assert_hash_equal(&root, &want);

	append_events(f, 17); /* checks the commit's root against the model */
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.entries, 40);

	/* A commit that fails (here: a key that is not the log's) rolls
	 * back and restores the frontier too. */
	{
		elog_signer bad;
		elog_commit c;
		memset(&c, 0, sizeof c);
		assert_int_equal(elog_signer_generate("other.example/log",
						      &bad, &err),
				 0);
		assert_int_equal(elog_store_begin(f->w, &err), 0);
		default_event(f, 200, &e[0]);
		assert_int_equal(elog_store_add(f->w, &e[0], NULL, &err), 0);
		elog_entry_free(&e[0]);
		assert_true(elog_store_commit(f->w, &bad, elog_now_ms(), &c,
					      &err) < 0);
		assert_null(c.checkpoint);
		elog_signer_wipe(&bad);
	}
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 40);
	assert_int_equal(count_rows(f->w, "entry"), 40);
	/* Closing with a transaction open rolls it back as well. */
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	default_event(f, 300, &e[0]);
	assert_int_equal(elog_store_add(f->w, &e[0], NULL, &err), 0);
	elog_entry_free(&e[0]);
	elog_store_close(f->w);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	assert_int_equal(elog_store_size(f->w, &size, &err), 0);
	assert_int_equal(size, 40);
	append_events(f, 24);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.entries, 64);
	assert_int_equal(rep.checkpoints, f->ncp);
}

/* ---- the lawful-request query ---- */

/* Brute force over the model. */
static size_t expected_events(const fx *f, char *const *subj, size_t ns,
			      int64_t from, int64_t to, uint64_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < f->n; i++) {
		int hit = 0;
		if (f->kind[i] != ELOG_KIND_EVENT || f->ts[i] < from ||
		    f->ts[i] >= to)
			continue;
		for (size_t j = 0; j < ns; j++)
			hit |= strcmp(f->sender[i], subj[j]) == 0 ||
			       strcmp(f->recipient[i], subj[j]) == 0;
		if (hit)
			out[k++] = i;
	}
	return k;
}

static void test_events_for(void **state)
{
	fx *f = *state;
	elog_err_t err;
	char a[24], b[24], c[24];
	char *sets[][3] = {
		{a, NULL, NULL}, {b, NULL, NULL},
		{a, b, NULL},	 {b, a, NULL},
		{a, a, NULL},	 {c, NULL, NULL},
		{a, c, b},	 {"+449999999", NULL, NULL},
	};
	const size_t nsets = sizeof sets / sizeof sets[0];
	uint64_t want[MAXN];
	size_t queries = 0, hits = 0;

	party(a, sizeof a, "+44700900", 1); /* a sender */
	party(b, sizeof b, "+44711900", 3); /* a recipient */
	party(c, sizeof c, "+44700900", 5); /* sends to itself too */
	/* default_event: 7 senders, 5 recipients, 50 distinct times out of
	 * seq order; a disclosure lies between. */
	append_events(f, 120);
	append_disclosure(f, 3);
	append_events(f, 60);
	/* events a -> b, and a -> a, at chosen times */
	{
		elog_entry *es = calloc(4, sizeof *es);
		assert_non_null(es);
		make_event(f, a, b, T0 + 7000, 1, &es[0]);
		make_event(f, b, a, T0 + 7000, 2, &es[1]);
		make_event(f, a, a, T0 + 49000, 3, &es[2]);
		make_event(f, c, c, T0, 4, &es[3]);
		append_entries(f, es, 4);
	}

	for (size_t si = 0; si < nsets; si++) {
		size_t ns = 0;
		while (ns < 3 && sets[si][ns])
			ns++;
		/* window edges on the 50 event times and beyond them */
		for (int64_t x = -1; x <= 51; x += 2) {
			for (int64_t y = x; y <= 52; y += 3) {
				int64_t from = T0 + x * 1000;
				int64_t to = T0 + y * 1000;
				uint64_t *seqs = NULL;
				size_t n = 0, nw;
				int trunc = 1;
				nw = expected_events(f, sets[si], ns, from, to,
						     want);
				assert_int_equal(elog_store_events_for(
							 f->w, sets[si], ns,
							 from, to, 1000, &seqs,
							 &n, &trunc, &err),
						 0);
				assert_int_equal(trunc, 0);
				assert_int_equal(n, nw);
				if (nw)
					assert_memory_equal(seqs, want,
							    nw * sizeof want[0]);
				free(seqs);
				queries++;
				hits += nw;
			}
		}
	}
	assert_true(queries > 1000);
	assert_true(hits > 1000); /* the windows are not all empty */

	/* More subjects than one scan of index_hot takes (16): every
	 * sender and recipient of the model and 8 unknown numbers. */
	{
		char names[20][24];
		char *many[20];
		uint64_t *seqs = NULL;
		size_t n = 0, nw;
		int trunc = 1;
		for (unsigned k = 0; k < 20; k++) {
			party(names[k], sizeof names[k],
			      k < 7    ? "+44700900"
			      : k < 12 ? "+44711900"
				       : "+44722900",
			      k < 7    ? k
			      : k < 12 ? k - 7
				       : k);
			many[k] = names[k];
		}
		nw = expected_events(f, many, 20, T0 - 1000, T0 + 60000, want);
		assert_true(nw > 100);
		assert_int_equal(elog_store_events_for(f->w, many, 20,
						       T0 - 1000, T0 + 60000,
						       1000, &seqs, &n, &trunc,
						       &err),
				 0);
		assert_int_equal(trunc, 0);
		assert_int_equal(n, nw);
		assert_memory_equal(seqs, want, nw * sizeof want[0]);
		free(seqs);
	}

	/* Edges precisely: an event at from is in, an event at to is out. */
	{
		char *s1[1] = {b};
		uint64_t *seqs = NULL;
		size_t n = 0, nw;
		int trunc;
		nw = expected_events(f, s1, 1, T0 + 7000, T0 + 7001, want);
		assert_true(nw >= 2);
		assert_int_equal(elog_store_events_for(f->w, s1, 1, T0 + 7000,
						       T0 + 7001, 1000, &seqs,
						       &n, &trunc, &err),
				 0);
		assert_int_equal(n, nw);
		assert_memory_equal(seqs, want, nw * sizeof want[0]);
		free(seqs);
		assert_int_equal(elog_store_events_for(f->w, s1, 1, T0 + 6001,
						       T0 + 7000, 1000, &seqs,
						       &n, &trunc, &err),
				 0);
		assert_int_equal(n, 0);
		free(seqs);
		/* from == to is an empty window */
		assert_int_equal(elog_store_events_for(f->w, s1, 1, T0 + 7000,
						       T0 + 7000, 1000, &seqs,
						       &n, &trunc, &err),
				 0);
		assert_int_equal(n, 0);
		free(seqs);
	}
	/* The a -> b event is found once when both are subjects. */
	{
		char *s2[2] = {a, b};
		uint64_t *seqs = NULL;
		size_t n = 0, once = 0;
		int trunc;
		assert_int_equal(elog_store_events_for(f->w, s2, 2, T0 + 7000,
						       T0 + 7001, 1000, &seqs,
						       &n, &trunc, &err),
				 0);
		for (size_t i = 0; i < n; i++) {
			once += seqs[i] == f->n - 4;
			if (i)
				assert_true(seqs[i - 1] < seqs[i]);
		}
		assert_int_equal(once, 1);
		free(seqs);
	}
	/* More matches than max: truncated, at most max genuine matches in
	 * seq order. */
	{
		char *s1[1] = {a};
		uint64_t *seqs = NULL;
		size_t n = 0, nw;
		int trunc = 0;
		nw = expected_events(f, s1, 1, T0, T0 + 60000, want);
		assert_true(nw > 10);
		assert_int_equal(elog_store_events_for(f->w, s1, 1, T0,
						       T0 + 60000, 5, &seqs,
						       &n, &trunc, &err),
				 0);
		assert_int_equal(trunc, 1);
		assert_int_equal(n, 5);
		for (size_t i = 0; i < n; i++) {
			int found = 0;
			for (size_t j = 0; j < nw; j++)
				found |= want[j] == seqs[i];
			assert_true(found);
			if (i)
				assert_true(seqs[i - 1] < seqs[i]);
		}
		free(seqs);
		/* exactly max matches is not truncated */
		assert_int_equal(elog_store_events_for(f->w, s1, 1, T0,
						       T0 + 60000, nw, &seqs,
						       &n, &trunc, &err),
				 0);
		assert_int_equal(trunc, 0);
		assert_int_equal(n, nw);
		assert_memory_equal(seqs, want, nw * sizeof want[0]);
		free(seqs);
	}
}

/* Check that sql is answered by a search of the primary key of a run's
 * table (party) or of index_hot (blk, party). */
static void assert_index_search(sqlite3 *db, const char *sql)
{
	int hot = strstr(sql, "index_hot") != NULL;
	char eqp[1024];
	sqlite3_stmt *st = NULL;
	int rows = 0, k;

	k = snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
	assert_true(k > 0 && (size_t)k < sizeof eqp);
	assert_int_equal(sqlite3_prepare_v2(db, eqp, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		assert_non_null(detail);
		assert_null(strstr(detail, "SCAN"));
		assert_non_null(strstr(detail, "SEARCH"));
		assert_non_null(
			strstr(detail, hot ? "index_hot" : "index_sealed"));
		assert_non_null(strstr(detail, "PRIMARY KEY"));
		assert_non_null(strstr(detail, hot ? "blk=? AND party=?"
						   : "(party=? AND ts>? AND "
						     "ts<?)"));
		rows++;
	}
	sqlite3_finalize(st);
	assert_int_equal(rows, 1);
}

/* ---- event records in partitions (schema 009) ---- */

/* The fixture with runs of 2 events: partitions of 32 (ELOG_TEST_INDEX_
 * RUN_BITS=1, part bits 1 + 4). */
static int setup_parts(void **state)
{
	assert_int_equal(setenv(ELOG_TEST_INDEX_RUN_BITS, "1", 1), 0);
	*state = fx_new();
	unsetenv(ELOG_TEST_INDEX_RUN_BITS);
	return 0;
}

static sqlite3_int64 part_rows(fx *f, int k)
{
	char t[64];
	int n = snprintf(t, sizeof t, "event_data_p%d", k);
	assert_true(n > 0 && (size_t)n < sizeof t);
	return count_rows(f->w, t);
}

static int part_exists_sql(fx *f, int k)
{
	char q[128];
	int n = snprintf(q, sizeof q,
			 "sqlite_master WHERE type = 'table' AND name = "
			 "'event_data_p%d'",
			 k);
	assert_true(n > 0 && (size_t)n < sizeof q);
	return (int)count_rows(f->w, q);
}

/* Each event's record is in the partition of its seq; reads by seq and by
 * range find every one; the purge drops the partitions wholly below its
 * horizon, deletes the rows below it in the one it cuts, leaves the rest,
 * and the log verifies with the events purged counted. */
static void test_record_partitions(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	struct walk wk = {f, 0};
	uint64_t events = 0, through = 0;
	int64_t before;
	elog_leaf l;

	append_events(f, 70);
	usleep(5000);
	before = elog_now_ms();
	usleep(5000);
	append_events(f, 30);
	assert_int_equal(count_rows(f->w, "sqlite_master WHERE type = 'table' "
					  "AND name = 'event_data'"),
			 0);
	assert_int_equal(part_rows(f, 0), 32);
	assert_int_equal(part_rows(f, 1), 32);
	assert_int_equal(part_rows(f, 2), 32);
	assert_int_equal(part_rows(f, 3), 4);
	assert_int_equal(part_exists_sql(f, 4), 0);
	assert_int_equal(elog_store_leaves(f->w, 0, f->n, walk_leaf, &wk, &err),
			 0);
	assert_int_equal(wk.next, f->n);
	assert_int_equal(elog_store_leaf(f->w, 70, &l, &err), 0);
	assert_non_null(l.record);
	assert_int_equal(l.record_len, strlen(f->record[70]));
	assert_memory_equal(l.record, f->record[70], l.record_len);
	assert_int_equal(l.ts, f->ts[70]);

	assert_int_equal(elog_store_begin(f->w, &err), 0);
	assert_int_equal(elog_store_purge(f->w, before, NULL, NULL, &events,
					  &through, &err),
			 0);
	assert_int_equal(events, 70);
	assert_int_equal(through, 69);
	{
		elog_entry e;
		uint64_t seq;
		elog_commit c;
		assert_int_equal(elog_purge_entry(elog_now_ms(), before,
						  through, events, &e, &err),
				 0);
		assert_int_equal(elog_store_add(f->w, &e, &seq, &err), 0);
		assert_int_equal(elog_store_commit(f->w, &f->sk, elog_now_ms(),
						   &c, &err),
				 0);
		elog_commit_free(&c);
		elog_entry_free(&e);
	}
	assert_int_equal(part_exists_sql(f, 0), 0);
	assert_int_equal(part_exists_sql(f, 1), 0);
	assert_int_equal(part_rows(f, 2), 26); /* 70 .. 95 */
	assert_int_equal(part_rows(f, 3), 4);
	/* A purged record reads as none; a kept one as it was. */
	assert_int_equal(elog_store_leaf(f->w, 40, &l, &err), 0);
	assert_null(l.record);
	assert_int_equal(elog_store_leaf(f->w, 70, &l, &err), 0);
	assert_non_null(l.record);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.purged, 70);
}

/* A partition's table dropped behind the log's back: verify names the
 * first event whose record is missing above the horizon. */
static void test_record_partition_dropped(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;

	append_events(f, 70);
	assert_int_equal(sqlite3_exec(elog_store_db(f->w),
				      "DROP TABLE event_data_p1", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 -ELOG_TAMPERED);
	assert_int_equal(rep.bad_seq, 32);
	assert_non_null(strstr(rep.what, "missing above the purge horizon"));
}

/* A log written before schema 009 (records in event_data, and, before
 * 010, the sealed runs in index_sealed): the writer's open moves the
 * records into their partitions (and the runs into their tables), and the
 * log verifies. */
static void test_record_partitions_migrated(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	sqlite3 *db;
	int64_t *runs = NULL;
	size_t nruns = 0;

	append_events(f, 70);
	db = elog_store_db(f->w);
	assert_int_equal(elog_store_index_tables(f->w, &runs, &nruns, &err), 0);
	assert_true(nruns > 1);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE index_sealed (run INTEGER "
				      "NOT NULL, party INTEGER NOT NULL, ts "
				      "INTEGER NOT NULL, seq INTEGER NOT NULL, "
				      "PRIMARY KEY (run, party, ts, seq)) "
				      "WITHOUT ROWID",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < nruns; i++) {
		char sql[256];
		int k = snprintf(sql, sizeof sql,
				 "INSERT INTO index_sealed SELECT %lld, party, "
				 "ts, seq FROM index_sealed_%lld; DROP TABLE "
				 "index_sealed_%lld",
				 (long long)runs[i], (long long)runs[i],
				 (long long)runs[i]);
		assert_true(k > 0 && (size_t)k < sizeof sql);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
				 SQLITE_OK);
	}
	free(runs);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE VIEW event_index(party, ts, seq) "
				      "AS SELECT party, ts, seq FROM index_hot "
				      "UNION ALL SELECT party, ts, seq FROM "
				      "index_sealed",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "CREATE TABLE event_data (seq INTEGER PRIMARY "
			     "KEY, ts INTEGER NOT NULL, data BLOB NOT NULL);"
			     "INSERT INTO event_data SELECT * FROM "
			     "event_data_p0 UNION ALL SELECT * FROM "
			     "event_data_p1 UNION ALL SELECT * FROM "
			     "event_data_p2;"
			     "DROP TABLE event_data_p0; DROP TABLE "
			     "event_data_p1; DROP TABLE event_data_p2;"
			     "PRAGMA user_version = 8",
			     NULL, NULL, NULL),
		SQLITE_OK);
	elog_store_close(f->w);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	assert_int_equal(count_rows(f->w, "sqlite_master WHERE type = 'table' "
					  "AND name = 'event_data'"),
			 0);
	assert_int_equal(part_rows(f, 0), 32);
	assert_int_equal(part_rows(f, 1), 32);
	assert_int_equal(part_rows(f, 2), 6);
	append_events(f, 30);
	assert_int_equal(part_rows(f, 2), 32);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.entries, 100);
}

/* The fixture with runs of 8 events (ELOG_TEST_INDEX_RUN_BITS=3), so that
 * a few hundred events are sealed, and merged at 128. */
static int setup_runs(void **state)
{
	assert_int_equal(setenv(ELOG_TEST_INDEX_RUN_BITS, "3", 1), 0);
	*state = fx_new();
	unsetenv(ELOG_TEST_INDEX_RUN_BITS);
	return 0;
}

static void test_index_query_plan(void **state)
{
	fx *f = *state;
	elog_err_t err;
	char *subj[1] = {"+44700900001"};
	uint64_t *seqs = NULL;
	size_t n;
	int trunc, seen = 0;
	sqlite3 *db = elog_store_db(f->w);

	append_events(f, 50);
	assert_int_equal(elog_store_index_run_bits(f->w), 3);
	assert_index_search(db, "SELECT seq FROM \"index_sealed_0\" WHERE "
				"party = ?1 AND ts >= ?2 AND ts < ?3");
	/* index_hot: a key search in one block (schema 008), no scan */
	assert_index_search(db,
			    "SELECT seq FROM index_hot WHERE blk = ?19 AND "
			    "party IN (?3, ?4) AND ts >= ?1 AND ts < ?2");
	/* And the statement the library actually prepared for it. */
	assert_int_equal(elog_store_events_for(f->w, subj, 1, T0, T0 + 50000,
					       100, &seqs, &n, &trunc, &err),
			 0);
	assert_true(n > 0);
	free(seqs);
	for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p;
	     p = sqlite3_next_stmt(db, p)) {
		const char *sql = sqlite3_sql(p);
		if (sql && (strstr(sql, "SELECT seq FROM \"index_sealed_") ||
			    strstr(sql, "SELECT seq FROM index_hot"))) {
			assert_index_search(db, sql);
			seen++;
		}
	}
	assert_true(seen >= 2); /* index_hot's and a run's */
}

/* Runs of 8 events (schema 007): after each commit the rows of events
 * from hot_from on are in index_hot in seq order and every other event's
 * rows are in the one run holding its seq; runs are aligned blocks of 8
 * (level 0) or 128 (level 1, 16 merged), with their rows' exact ts range;
 * a commit that completes several runs seals each; and verify fails a
 * range narrowed under its rows (a request would skip them). */
static void test_index_runs(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	sqlite3 *db = elog_store_db(f->w);
	const size_t batches[] = {3, 5, 1, 30, 88, 1, 100, 71};

	for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
		uint64_t hot = elog_store_index_hot_from(f->w,
							 f->n + batches[b]);
		append_events(f, batches[b]);
		assert_int_equal(hot, (f->n / 8) * 8);
		index_views(f->w);
		assert_int_equal(query_int(f->w, "SELECT count(*) FROM "
						 "index_hot WHERE seq < "
						 "(SELECT (max(seq) + 1) / 8 "
						 "* 8 FROM entry)"),
				 0);
		/* every sealed row in the run holding its seq */
		assert_int_equal(query_int(f->w,
					   "SELECT count(*) FROM index_sealed "
					   "i JOIN index_run r USING (run) "
					   "WHERE i.seq < r.first_seq OR i.seq "
					   "> r.last_seq OR i.ts < r.min_ts OR "
					   "i.ts > r.max_ts"),
				 0);
		assert_int_equal(query_int(f->w,
					   "SELECT count(*) FROM index_sealed "
					   "WHERE run NOT IN (SELECT run FROM "
					   "index_run)"),
				 0);
		/* exact ranges: each run's bounds are its rows' */
		assert_int_equal(query_int(f->w,
					   "SELECT count(*) FROM index_run r "
					   "WHERE min_ts != (SELECT min(ts) "
					   "FROM index_sealed WHERE run = "
					   "r.run) OR max_ts != (SELECT "
					   "max(ts) FROM index_sealed WHERE "
					   "run = r.run)"),
				 0);
		assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL,
						   &rep, &err),
				 0);
	}
	/* 299 events: 2 runs of 128 merged, 5 of 8, 3 events hot */
	assert_int_equal(f->n, 299);
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM index_run "
					 "WHERE level = 1 AND (last_seq + 1 - "
					 "first_seq) = 128 AND first_seq % "
					 "128 = 0"),
			 2);
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM index_run "
					 "WHERE level = 0 AND (last_seq + 1 - "
					 "first_seq) = 8 AND first_seq % 8 = "
					 "0 AND first_seq >= 256"),
			 5);
	assert_int_equal(count_rows(f->w, "index_run"), 7);
	assert_int_equal(query_int(f->w, "SELECT min(seq) FROM index_hot"),
			 296);
	/* Run ids grow with each seal and merge, and each run has its table,
	 * those merged away none. */
	assert_int_equal(query_int(f->w, "SELECT max(run) = (SELECT run "
					 "FROM index_run ORDER BY first_seq "
					 "DESC LIMIT 1) FROM index_run"),
			 1);
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM sqlite_master "
					 "WHERE type = 'table' AND name GLOB "
					 "'index_sealed_*' AND name IN (SELECT "
					 "'index_sealed_' || run FROM "
					 "index_run)"),
			 7);
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM sqlite_master "
					 "WHERE name GLOB 'index_sealed_*'"),
			 7 * 3); /* a table and its two triggers */
	/* narrowed under its rows: verify fails, naming the event */
	assert_int_equal(sqlite3_exec(db,
				      "UPDATE index_run SET max_ts = "
				      "max_ts - 1 WHERE first_seq = 264",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 -ELOG_TAMPERED);
	assert_true(rep.bad_seq >= 264 && rep.bad_seq <= 271);
	assert_non_null(strstr(rep.what, "ts range"));
}

/* A commit of more index rows than wait in memory (65 536): part of them
 * reach index_hot before the commit, so its first seals find rows past
 * their run there and delete by key range; the later ones find their run
 * alone and empty index_hot whole.  Either way every row ends where the
 * design puts it, none lost, none left behind: verify passes. */
static void test_seal_after_early_flush(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	elog_commit c;
	const size_t m = 36003;
	elog_entry *es = calloc(m, sizeof *es);

	assert_non_null(es);
	for (size_t i = 0; i < m; i++)
		default_event(f, i, &es[i]);
	memset(&c, 0, sizeof c);
	assert_int_equal(elog_store_append(f->w, es, m, &f->sk, elog_now_ms(),
					   &c, &err),
			 0);
	assert_int_equal(c.size, m);
	elog_commit_free(&c);
	elog_entries_free(es, m);
	index_views(f->w);
	assert_true(query_int(f->w, "SELECT count(*) FROM event_index") >
		    65536);
	assert_int_equal(query_int(f->w, "SELECT count(DISTINCT seq) FROM "
					 "event_index"),
			 m);
	assert_int_equal(query_int(f->w, "SELECT min(seq) FROM index_hot"),
			 (m / 8) * 8);
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM index_sealed "
					 "i JOIN index_run r USING (run) "
					 "WHERE i.seq < r.first_seq OR i.seq > "
					 "r.last_seq"),
			 0);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
}

/* A lawful request answered inside the writer's transaction, after that
 * transaction's events crossed a run boundary: the committed rows of the
 * run that boundary ends are still in index_hot (the seal comes with the
 * commit), and the request must find them there. */
static void test_events_for_across_run_boundary(void **state)
{
	fx *f = *state;
	elog_err_t err;
	char *subj[1] = {"+44700900003"};
	uint64_t *seqs = NULL, seq, want = 0;
	size_t n;
	int trunc;
	elog_entry *es = calloc(12, sizeof *es);

	assert_non_null(es);
	/* runs of 8, index_hot's blocks of 1024: seqs 1016..1019 in index_hot,
	 * in block 0 */
	append_events(f, 1020);
	for (uint64_t k = 0; k < 1020; k++)
		want += k % 7 == 3;
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	for (size_t i = 0; i < 12; i++) { /* to 1032: into block 1 */
		default_event(f, 1020 + i, &es[i]);
		assert_int_equal(elog_store_add(f->w, &es[i], &seq, &err), 0);
		want += (1020 + i) % 7 == 3;
	}
	assert_int_equal(elog_store_events_for(f->w, subj, 1, T0, T0 + 100000,
					       1000, &seqs, &n, &trunc, &err),
			 0);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seqs[i] % 7, 3);
	free(seqs);
	elog_store_rollback(f->w);
	elog_entries_free(es, 12);
}

/* want: the number of seqs below n that events_for must find for the
 * subject of default_event's sender k % 7 == 3. */
static size_t want_below(uint64_t n)
{
	size_t want = 0;
	for (uint64_t k = 0; k < n; k++)
		want += k % 7 == 3;
	return want;
}

/* events_for on s finds exactly the seqs in [lo, n) for +44700900003
 * (those below lo purged). */
static void expect_found_on(elog_store *s, uint64_t lo, uint64_t n)
{
	elog_err_t err;
	char *subj[1] = {"+44700900003"};
	uint64_t *seqs = NULL;
	size_t got;
	int trunc;

	assert_int_equal(elog_store_events_for(s, subj, 1, T0, T0 + 100000,
					       1000, &seqs, &got, &trunc, &err),
			 0);
	assert_int_equal(got, want_below(n) - want_below(lo));
	for (size_t i = 0; i < got; i++) {
		assert_int_equal(seqs[i] % 7, 3);
		assert_true(seqs[i] >= lo && seqs[i] < n);
	}
	free(seqs);
}

/* events_for finds exactly the seqs below n for +44700900003. */
static void expect_found(fx *f, uint64_t n)
{
	expect_found_on(f->w, 0, n);
}

/* A reader keeps the statements of each run it probes, by run id
 * (store.c, RUN_CACHE), while the writer changes the schema under it: a
 * merge drops 16 runs' tables, a purge drops every run's, and the next
 * seals make tables under the ids the dropped runs had.  The reader's
 * requests still find exactly the events, and the log verifies. */
static void test_reader_across_run_tables(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	elog_store *r = NULL;
	elog_entry e;
	uint64_t events, through, seq, lo;
	int64_t before;
	elog_commit c;

	append_events(f, 120); /* runs of 8: 15 runs of level 0 */
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	expect_found_on(r, 0, 120); /* caches runs 0..14 */
	append_events(f, 16); /* 136: the 16 merged into one, tables dropped */
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM index_run"), 2);
	expect_found_on(r, 0, 136);
	/* the purge of everything: every run's table dropped */
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	before = elog_now_ms() + 1;
	assert_int_equal(elog_store_purge(f->w, before, NULL, NULL, &events,
					  &through, &err),
			 0);
	assert_int_equal(through, 135);
	assert_int_equal(elog_purge_entry(before, before, through, events, &e,
					  &err),
			 0);
	assert_int_equal(elog_store_add(f->w, &e, &seq, &err), 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(elog_store_commit(f->w, &f->sk, elog_now_ms(), &c,
					   &err),
			 0);
	elog_commit_free(&c);
	model_add(f, &e);
	f->cp_size[f->ncp++] = f->n;
	elog_entry_free(&e);
	assert_int_equal(count_rows(f->w, "index_run"), 0);
	assert_int_equal(query_int(f->w, "SELECT count(*) FROM sqlite_master "
					 "WHERE name GLOB 'index_sealed_*'"),
			 0);
	lo = f->n;
	expect_found_on(r, lo, lo);
	/* new runs under the ids 0, 1, …: the reader's statements of the old
	 * runs 0 and 1 are prepared again against the new tables */
	append_events(f, 31);
	assert_int_equal(query_int(f->w, "SELECT min(run) FROM index_run"), 0);
	expect_found_on(r, lo, f->n);
	expect_found_on(f->w, lo, f->n);
	elog_store_close(r);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
}

/* The shape of a request that missed a committed row: the writer's
 * transaction ends exactly on a run boundary inside one block of
 * index_hot, so nothing of index_hot is past the boundary, yet the
 * committed rows of the run it ends (8..11 here) are still there. */
static void test_events_for_on_run_boundary(void **state)
{
	fx *f = *state;
	elog_err_t err;
	uint64_t seq;
	elog_entry *es = calloc(4, sizeof *es);

	assert_non_null(es);
	append_events(f, 12); /* runs of 8: 0..7 sealed, 8..11 in index_hot */
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	for (size_t i = 0; i < 4; i++) { /* to 16: a run boundary */
		default_event(f, 12 + i, &es[i]);
		assert_int_equal(elog_store_add(f->w, &es[i], &seq, &err), 0);
	}
	expect_found(f, 16);
	elog_store_rollback(f->w);
	expect_found(f, 12);
	elog_entries_free(es, 4);
}

/* A group commit that fails after a request in it flushed the index rows
 * (past a run boundary) is rolled back, and its jobs run again alone
 * (src/server/writer.c): the index then holds the rows of what was
 * committed, sealed where a run was completed, and nothing of the
 * rolled-back transaction. */
static void test_events_for_after_rollback_rerun(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	uint64_t seq;
	elog_entry *es = calloc(12, sizeof *es);

	assert_non_null(es);
	append_events(f, 12);
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	for (size_t i = 0; i < 12; i++) { /* to 24: past two boundaries */
		default_event(f, 12 + i, &es[i]);
		assert_int_equal(elog_store_add(f->w, &es[i], &seq, &err), 0);
	}
	expect_found(f, 24); /* writes the transaction's index rows */
	elog_store_rollback(f->w);
	elog_entries_free(es, 12);
	expect_found(f, 12);
	append_events(f, 4); /* run again, alone: to 16, sealing 8..15 */
	expect_found(f, 16);
	assert_int_equal(count_rows(f->w, "index_hot"), 0);
	assert_int_equal(query_int(f->w, "SELECT max(last_seq) FROM index_run"),
			 15);
	append_events(f, 5);
	expect_found(f, 21);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
}

/* A commit that would seal a run and fails (ELOG_TEST_FAIL_COMMIT, as a
 * full disk would) leaves the index as before: the rows in index_hot, no
 * run; the next commit seals it, and the log verifies. */
static void test_seal_fails_whole(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	elog_entry *es = calloc(6, sizeof *es);
	elog_commit c;
	sqlite3_int64 hot;

	assert_non_null(es);
	append_events(f, 5);
	elog_store_close(f->w);
	assert_int_equal(setenv(ELOG_TEST_FAIL_COMMIT, "1", 1), 0);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	unsetenv(ELOG_TEST_FAIL_COMMIT);
	for (size_t i = 0; i < 6; i++)
		default_event(f, f->n + i, &es[i]);
	hot = count_rows(f->w, "index_hot");
	memset(&c, 0, sizeof c);
	assert_int_equal(elog_store_append(f->w, es, 6, &f->sk, elog_now_ms(),
					   &c, &err),
			 -ELOG_IO);
	assert_int_equal(count_rows(f->w, "index_run"), 0);
	assert_int_equal(count_rows(f->w, "sqlite_master WHERE name GLOB "
					  "'index_sealed_*'"),
			 0);
	assert_int_equal(count_rows(f->w, "index_hot"), hot);
	assert_int_equal(count_rows(f->w, "entry"), 5);
	append_entries(f, es, 6); /* the second commit: it seals 0..7 */
	assert_int_equal(count_rows(f->w, "index_run"), 1);
	assert_int_equal(query_int(f->w, "SELECT min(seq) FROM index_hot"), 8);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
}

/* ---- append-only ---- */

static void test_triggers(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	sqlite3 *db = elog_store_db(f->w);
	static const char *const sql[] = {
		"UPDATE entry SET kind = 2 WHERE seq = 3",
		"UPDATE entry SET data = NULL WHERE seq = 3",
		"DELETE FROM entry WHERE seq = 3",
		"DELETE FROM entry",
		"UPDATE tree_hash SET hash = zeroblob(32) WHERE id = "
		"(SELECT min(id) FROM tree_hash)",
		"DELETE FROM tree_hash",
		"UPDATE checkpoint SET note = 'x' WHERE size = "
		"(SELECT max(size) FROM checkpoint)",
		"DELETE FROM checkpoint WHERE size = "
		"(SELECT max(size) FROM checkpoint)",
		/* a sealed run's table (runs of 8: setup_runs) */
		"UPDATE index_sealed_0 SET seq = 0",
		"DELETE FROM index_sealed_0",
	};
	sqlite3_int64 ne, nt, nc, ni;

	append_events(f, 30);
	append_events(f, 11);
	ne = count_rows(f->w, "entry");
	nt = count_rows(f->w, "tree_hash");
	nc = count_rows(f->w, "checkpoint");
	ni = count_rows(f->w, "index_sealed_0");
	assert_true(nt > 0 && nc == 2 && ni > 0);
	for (size_t i = 0; i < sizeof sql / sizeof sql[0] + 2; i++) {
		char *msg = NULL;
		const char *q = i < sizeof sql / sizeof sql[0] ? sql[i] : NULL;
		int rc;
		if (!q) { /* event data kept apart is append-only too */
			if (strcmp(event_table(f->w), "event_data_p0"))
				continue;
			q = i % 2 ? "DELETE FROM event_data_p0 WHERE seq = 5"
				  : "UPDATE event_data_p0 SET ts = 0";
		}
		rc = sqlite3_exec(db, q, NULL, NULL, &msg);
		assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "append-only"));
		sqlite3_free(msg);
	}
	assert_int_equal(count_rows(f->w, "entry"), ne);
	assert_int_equal(count_rows(f->w, "tree_hash"), nt);
	assert_int_equal(count_rows(f->w, "checkpoint"), nc);
	assert_int_equal(count_rows(f->w, "index_sealed_0"), ni);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	/* The store still appends after the refused statements. */
	append_events(f, 3);
}

/* The tree nodes of levels 1 to 3 are hashed up from the leaf hashes: a
 * missing or damaged leaf hash under one makes its read fail as a missing
 * stored node's would, on the writer and on a reader (whose memo must not
 * keep the failure). */
static void test_tree_derived_levels(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_store *r = NULL;
	elog_hash h, want, p[ELOG_MAX_PROOF];
	size_t np;
	sqlite3 *db = elog_store_db(f->w);
	static const char *const sql[] = {
		"UPDATE entry SET leaf_hash = X'00' WHERE seq = 35",
		"DELETE FROM entry WHERE seq = 35",
	};

	append_events(f, 40);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	/* Each level-1 to level-3 node of the log, read alone. */
	for (int level = 1; level <= 3; level++)
		for (uint64_t i = 0; (i + 1) << level <= 40; i++) {
			elog_root_of_leaves(f->leaf + (i << level),
					    (size_t)1 << level, &want);
			assert_int_equal(elog_store_hash_reader(f->w, level, i,
								&h, &err),
					 0);
			assert_hash_equal(&h, &want);
			assert_int_equal(elog_store_hash_reader(r, level, i,
								&h, &err),
					 0);
			assert_hash_equal(&h, &want);
		}
	/* Not complete: leaves 40 .. 47 are not there. */
	assert_int_equal(elog_store_hash_reader(f->w, 3, 5, &h, &err),
			 -ELOG_TAMPERED);
	assert_non_null(strstr(err.msg, "tree hash (level 3, index 5) is "
					 "missing or damaged"));
	assert_int_equal(sqlite3_exec(db,
				      "DROP TRIGGER entry_no_update; "
				      "DROP TRIGGER entry_no_delete",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		int began = 0;
		assert_int_equal(sqlite3_exec(db, "SAVEPOINT t", NULL, NULL,
					      NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, sql[i], NULL, NULL, NULL),
				 SQLITE_OK);
		/* the root of 40 is node(level 5 index 0, level 3 index 4):
		 * leaves 32 .. 39 */
		elog_err_clear(&err);
		assert_int_equal(elog_store_root(f->w, 40, &h, &err),
				 -ELOG_TAMPERED);
		assert_int_equal(err.code, ELOG_TAMPERED);
		assert_non_null(strstr(err.msg, "tree hash (level 3, index 4) "
						"is missing or damaged"));
		assert_int_equal(elog_store_prove_inclusion(f->w, 0, 40, p, &np,
							    &err),
				 -ELOG_TAMPERED);
		/* a leaf's own hash is read as before */
		assert_int_equal(elog_store_hash_reader(f->w, 0, 35, &h, &err),
				 -ELOG_TAMPERED);
		/* the same on a reader, twice in one read transaction */
		assert_int_equal(sqlite3_exec(db, "RELEASE t", NULL, NULL,
					      NULL),
				 SQLITE_OK);
		assert_int_equal(elog_store_read_begin(r, &began, &err), 0);
		for (int k = 0; k < 2; k++)
			assert_int_equal(elog_store_root(r, 40, &h, &err),
					 -ELOG_TAMPERED);
		/* leaves 32 .. 35 */
		assert_int_equal(elog_store_hash_reader(r, 2, 8, &h, &err),
				 -ELOG_TAMPERED);
		/* the rest of the block still reads: leaves 32 and 33, and
		 * leaf 36 after the bad one */
		assert_int_equal(elog_store_hash_reader(r, 1, 16, &h, &err), 0);
		elog_root_of_leaves(f->leaf + 32, 2, &want);
		assert_hash_equal(&h, &want);
		assert_int_equal(elog_store_hash_reader(r, 0, 36, &h, &err), 0);
		assert_hash_equal(&h, &f->leaf[36]);
		assert_int_equal(elog_store_hash_reader(r, 0, 35, &h, &err),
				 -ELOG_TAMPERED);
		assert_int_equal(elog_store_root(r, 32, &h, &err), 0);
		elog_root_of_leaves(f->leaf, 32, &want);
		assert_hash_equal(&h, &want);
		elog_store_read_end(r, began);
		if (i == 0) { /* put it back */
			char q[160], hex[65];
			elog_hash_to_hex(&f->leaf[35], hex);
			snprintf(q, sizeof q,
				 "UPDATE entry SET leaf_hash = X'%s' WHERE seq "
				 "= 35",
				 hex);
			assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL),
					 SQLITE_OK);
			assert_int_equal(elog_store_root(r, 40, &h, &err), 0);
			elog_root_of_leaves(f->leaf, 40, &want);
			assert_hash_equal(&h, &want);
		}
	}
	elog_store_close(r);
}

/* Schema 011 on a log made before it: the rows of levels 1 to 3 a
 * schema-10 writer stored are deleted, exactly those, and the log
 * verifies and gives the same roots. */
static void test_tree_levels_migrated(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	sqlite3 *db;
	sqlite3_int64 nt;
	char q[256], hex[65];
	elog_hash h, want;
	int added = 0;

	build_log(f);
	nt = count_rows(f->w, "tree_hash");
	assert_int_equal(nt, tree_rows(f->n));
	db = elog_store_db(f->w);
	/* What a writer before schema 011 stored too. */
	for (int level = 1; level <= 3; level++)
		for (uint64_t i = 0; (i + 1) << level <= f->n; i++) {
			elog_root_of_leaves(f->leaf + (i << level),
					    (size_t)1 << level, &h);
			elog_hash_to_hex(&h, hex);
			snprintf(q, sizeof q,
				 "INSERT INTO tree_hash(id, hash) VALUES "
				 "(%llu, X'%s')",
				 (unsigned long long)elog_stored_hash_index(
					 level, i),
				 hex);
			assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL),
					 SQLITE_OK);
			added++;
		}
	assert_int_equal(count_rows(f->w, "tree_hash"),
			 (sqlite3_int64)(f->n - (size_t)__builtin_popcountll(
							 f->n)));
	assert_true(added > 0);
	snprintf(q, sizeof q, "PRAGMA user_version = %d",
		 elog_schema_count - 1);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	/* Before the migration verify refuses the rows. */
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 -ELOG_TAMPERED);
	assert_non_null(strstr(rep.what, "a level this store does not keep"));
	elog_store_close(f->w);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_WRITE,
					 ELOG_SYNC_FULL, &f->w, &err),
			 0);
	assert_int_equal(query_int(f->w, "PRAGMA user_version"),
			 elog_schema_count);
	assert_int_equal(count_rows(f->w, "tree_hash"), nt);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.tree_hashes, (size_t)nt);
	assert_int_equal(elog_store_root(f->w, f->n, &h, &err), 0);
	elog_root_of_leaves(f->leaf, f->n, &want);
	assert_hash_equal(&h, &want);
	/* tree_hash is append-only again */
	assert_int_equal(sqlite3_exec(elog_store_db(f->w),
				      "DELETE FROM tree_hash", NULL, NULL,
				      NULL) & 0xff,
			 SQLITE_CONSTRAINT);
	assert_int_equal(count_rows(f->w, "tree_hash"), nt);
	append_events(f, 20);
	assert_int_equal(count_rows(f->w, "tree_hash"), tree_rows(f->n));
}

/* ---- offline verification ---- */

struct progress {
	uint64_t last, total;
	int calls;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	p->last = done;
	p->total = total;
	p->calls++;
}

/* The sync mode a commit uses: set outside a transaction only. */
static void test_set_sync(void **state)
{
	fx *f = *state;
	elog_err_t err;

	assert_int_equal(elog_store_set_sync(f->w, ELOG_SYNC_NORMAL, &err), 0);
	assert_int_equal(query_int(f->w, "PRAGMA synchronous"), 1);
	assert_int_equal(elog_store_set_sync(f->w, ELOG_SYNC_FULL, &err), 0);
	assert_int_equal(query_int(f->w, "PRAGMA synchronous"), 2);
	assert_int_equal(elog_store_begin(f->w, &err), 0);
	assert_int_equal(elog_store_set_sync(f->w, ELOG_SYNC_NORMAL, &err),
			 -ELOG_INTERNAL);
	elog_store_rollback(f->w);
	assert_int_equal(query_int(f->w, "PRAGMA synchronous"), 2);
}

static void test_verify_good(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verify_report rep;
	struct progress pr = {0, 0, 0};
	elog_store *r = NULL;

	/* The empty log verifies. */
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(rep.bad_seq, -1);
	build_log(f);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	assert_int_equal(elog_verify_store(r, NULL, on_progress, &pr, &rep,
					   &err),
			 0);
	assert_int_equal(rep.entries, f->n);
	assert_int_equal(rep.purged, 0);
	assert_int_equal(rep.tree_hashes, (size_t)tree_rows(f->n));
	assert_int_equal(rep.checkpoints, f->ncp);
	assert_int_equal(rep.bad_seq, -1);
	assert_true(pr.calls >= 1);
	assert_int_equal(pr.last, f->n);
	assert_int_equal(pr.total, f->n);
	elog_store_close(r);
}

/* sql with every "{D}" replaced by table, into out. */
static void subst(const char *sql, const char *table, char *out, size_t cap)
{
	size_t o = 0, tl = strlen(table);
	for (const char *p = sql; *p; p++) {
		if (strncmp(p, "{D}", 3) == 0) {
			assert_true(o + tl < cap);
			memcpy(out + o, table, tl);
			o += tl;
			p += 2;
		} else {
			assert_true(o + 1 < cap);
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

/* Build a log of 40 entries (commits at 10, 25, 40), drop the triggers,
 * tamper with it (sql, "{D}" standing for the table of event data; or
 * sql_apart when event data is kept apart and it is not NULL), and expect
 * verify to name bad_seq and what. */
static void tamper_and_verify(const char *sql, const char *sql_apart,
			      int64_t bad_seq, const char *what)
{
	fx *f = fx_new();
	elog_err_t err;
	elog_verify_report rep;
	elog_store *r = NULL;
	char *msg = NULL, q[1024];
	const char *table;
	int rc;

	append_events(f, 10);
	append_events(f, 15);
	append_events(f, 15);
	assert_int_equal(elog_verify_store(f->w, NULL, NULL, NULL, &rep, &err),
			 0);
	table = event_table(f->w);
	rc = sqlite3_exec(elog_store_db(f->w),
			  "DROP TRIGGER IF EXISTS entry_no_update;"
			  "DROP TRIGGER IF EXISTS entry_no_delete;"
			  "DROP TRIGGER IF EXISTS event_data_p0_no_update;"
			  "DROP TRIGGER IF EXISTS event_data_p0_no_delete;"
			  "DROP TRIGGER IF EXISTS tree_hash_no_update;"
			  "DROP TRIGGER IF EXISTS tree_hash_no_delete;"
			  "DROP TRIGGER IF EXISTS checkpoint_no_update;"
			  "DROP TRIGGER IF EXISTS checkpoint_no_delete;",
			  NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("drop triggers: %s", msg ? msg : "?");
	subst(sql_apart && strcmp(table, "entry") ? sql_apart : sql, table, q,
	      sizeof q);
	rc = sqlite3_exec(elog_store_db(f->w), q, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", q, msg ? msg : "?");
	assert_true(sqlite3_changes(elog_store_db(f->w)) >= 1);
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	elog_err_clear(&err);
	rc = elog_verify_store(r, NULL, NULL, NULL, &rep, &err);
	if (rc != -ELOG_TAMPERED || rep.bad_seq != bad_seq ||
	    (what && !strstr(rep.what, what)))
		fail_msg("%s: rc %d, bad_seq %lld (want %lld), what \"%s\" "
			 "(want \"%s\")",
			 q, rc, (long long)rep.bad_seq, (long long)bad_seq,
			 rep.what, what ? what : "");
	assert_int_equal(err.code, ELOG_TAMPERED);
	assert_int_equal(err.index, bad_seq);
	elog_store_close(r);
	fx_free(f);
}

static void test_verify_tampered(void **state)
{
	char sql[768];
	elog_hash h;
	char hex[65];
	const char *data =
		"{\"kind\":\"event\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\","
		"\"recipient\":\"+44711900001\",\"sender\":\"+44700900001\","
		"\"size\":1,\"ts\":1700000001000,\"type\":\"message\"}";
	int k;
	(void)state;

	char *leaf = NULL;
	size_t leaf_len = 0;
	elog_err_t err;

	assert_int_equal(elog_event_leaf_data(data, strlen(data), &leaf,
					      &leaf_len, &err),
			 0);
	/* the record changed, its commitment not */
	k = snprintf(sql, sizeof sql,
		     "UPDATE {D} SET data = CAST('%s' AS BLOB), "
		     "ts = 1700000001000 WHERE seq = 17",
		     data);
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 17, "does not match its commitment");
	/* the public leaf data changed, its leaf hash not */
	k = snprintf(sql, sizeof sql,
		     "UPDATE entry SET data = CAST('%s' AS BLOB) WHERE seq = 18",
		     leaf);
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 18, "leaf hash differs");
	/* an event's public data that is not a commitment */
	tamper_and_verify(
		"UPDATE entry SET data = CAST('{\"kind\":\"event\"}' "
		"AS BLOB), leaf_hash = X'"
		"8e2c0d0d2d0c8c2b5ac8d3e4f3f1d6a3b1b1f0d9c4d2c8f1a7a1b4e0b8c1d2e3"
		"' WHERE seq = 19",
		NULL, 19, NULL);
	/* record, commitment and leaf hash changed together: the chain
	 * breaks there */
	elog_leaf_hash(leaf, leaf_len, &h);
	elog_hash_to_hex(&h, hex);
	k = snprintf(sql, sizeof sql,
		     "UPDATE {D} SET data = CAST('%s' AS BLOB), "
		     "ts = 1700000001000 WHERE seq = 12; "
		     "UPDATE entry SET data = CAST('%s' AS BLOB), "
		     "leaf_hash = X'%s' WHERE seq = 12",
		     data, leaf, hex);
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 12, "chain value");
	free(leaf);
	/* a chain value alone */
	tamper_and_verify("UPDATE entry SET chain_hash = zeroblob(32) "
			  "WHERE seq = 30",
			  NULL, 30, "chain value");
	/* the ts column no longer matches the signed data */
	tamper_and_verify("UPDATE {D} SET ts = ts + 1 WHERE seq = 4", NULL, 4,
			  "ts column");
	/* the kind column */
	tamper_and_verify("UPDATE entry SET kind = 1 WHERE seq = 9", NULL, 9,
			  NULL);
	/* an entry without public leaf data: every leaf's data is public */
	tamper_and_verify("UPDATE entry SET data = NULL WHERE seq = 9", NULL,
			  9, "public leaf data is missing");
	/* a row removed from the middle */
	tamper_and_verify("DELETE FROM entry WHERE seq = 21", NULL, 21,
			  "entry is missing");
	/* a purge that the log does not record */
	tamper_and_verify("DELETE FROM {D} WHERE seq = 2",
			  "DELETE FROM {D} WHERE seq = 2", 2,
			  "missing above the purge horizon");
	/* the tree node (level 1, index 6) is not stored: it is hashed up
	 * from leaves 12 and 13, so it changes with leaf 13's hash, which its
	 * own check catches */
	tamper_and_verify("UPDATE entry SET leaf_hash = zeroblob(32) WHERE "
			  "seq = 13",
			  NULL, 13, "leaf hash differs");
	/* tree hash (level 4, index 0) covers leaves 0 .. 15 */
	k = snprintf(sql, sizeof sql,
		     "UPDATE tree_hash SET hash = zeroblob(32) WHERE id = %llu",
		     (unsigned long long)elog_stored_hash_index(4, 0));
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 15, "stored tree hash differs");
	/* tree hash (level 4, index 1) covers leaves 16 .. 31 */
	k = snprintf(sql, sizeof sql, "DELETE FROM tree_hash WHERE id = %llu",
		     (unsigned long long)elog_stored_hash_index(4, 1));
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 31, "tree hash is missing");
	/* a row of level 2 (leaves 12 .. 15), which the store does not keep,
	 * added by hand: refused whatever its hash */
	k = snprintf(sql, sizeof sql,
		     "INSERT INTO tree_hash(id, hash) VALUES (%llu, "
		     "zeroblob(32))",
		     (unsigned long long)elog_stored_hash_index(2, 3));
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 15, "a level this store does not keep");
	/* ... and one of level 1 past the last stored node (leaves 38, 39) */
	k = snprintf(sql, sizeof sql,
		     "INSERT INTO tree_hash(id, hash) VALUES (%llu, "
		     "zeroblob(32))",
		     (unsigned long long)elog_stored_hash_index(1, 19));
	assert_true(k > 0 && (size_t)k < sizeof sql);
	tamper_and_verify(sql, NULL, 39, "a level this store does not keep");
	/* a checkpoint's stored root, and its signed note */
	tamper_and_verify("UPDATE checkpoint SET root = zeroblob(32) "
			  "WHERE size = 25",
			  NULL, 24, "checkpoint of size 25");
	tamper_and_verify("UPDATE checkpoint SET note = replace(note, "
			  "'\n10\n', '\n11\n') WHERE size = 10",
			  NULL, 9, "checkpoint of size 10");
	/* a checkpoint of a size the log never reached */
	tamper_and_verify("UPDATE checkpoint SET size = 41 WHERE size = 40",
			  NULL, 40, "checkpoint of size 41");
}

/* ---- tokens ---- */

struct token_list {
	elog_token_info t[8];
	size_t n;
};

static int collect_token(void *ctx, const elog_token_info *t)
{
	struct token_list *l = ctx;
	if (l->n == 8)
		return 1;
	l->t[l->n++] = *t;
	return 0;
}

static void add_authority(fx *f, const char *name, elog_verifier *out)
{
	elog_signer s;
	elog_err_t err;
	char text[ELOG_KEY_TEXT_MAX];
	assert_int_equal(elog_signer_generate(name, &s, &err), 0);
	elog_signer_public(&s, out);
	elog_signer_wipe(&s);
	assert_int_equal(elog_verifier_format(out, text, sizeof text, &err), 0);
	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY, name,
					  text, &err),
			 0);
}

/* 1 if needle occurs in the len bytes at p. */
static int contains(const void *p, size_t len, const char *needle)
{
	size_t nl = strlen(needle);
	const char *s = p;
	for (size_t i = 0; p && i + nl <= len; i++)
		if (memcmp(s + i, needle, nl) == 0)
			return 1;
	return 0;
}

static int file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char buf[65536 + 128];
	size_t keep = 0, got, nl = strlen(needle);
	int hit = 0;
	if (!fp)
		return 0;
	while (!hit && (got = fread(buf + keep, 1, 65536, fp)) > 0) {
		size_t have = keep + got;
		hit = contains(buf, have, needle);
		keep = have < nl ? have : nl - 1;
		memmove(buf, buf + have - keep, keep);
	}
	fclose(fp);
	return hit;
}

static void test_tokens(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_verifier av;
	char ti[ELOG_TOKEN_TEXT_MAX], ta[ELOG_TOKEN_TEXT_MAX],
		tx[ELOG_TOKEN_TEXT_MAX], bad[ELOG_TOKEN_TEXT_MAX];
	int64_t ii = 0, ia = 0, ix = 0;
	elog_token_info info;
	struct token_list tl;
	elog_store *r = NULL;

	/* Refusals before anything is stored. */
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_NONE, NULL, "x", ti,
					&ii, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_AUTHORITY, NULL, "x",
					ti, &ii, &err),
			 -ELOG_MISSING_FIELD);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_AUTHORITY, "uk-nca",
					"x", ti, &ii, &err),
			 -ELOG_NOT_FOUND);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_INGEST, "uk-nca", "x",
					ti, &ii, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(count_rows(f->w, "token"), 0);

	add_authority(f, "uk-nca", &av);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_INGEST, NULL, "mail-1",
					ti, &ii, &err),
			 0);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_AUDITOR, NULL, "ipco",
					ta, &ia, &err),
			 0);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_AUTHORITY, "uk-nca",
					"nca desk", tx, &ix, &err),
			 0);
	assert_true(ii > 0 && ia > ii && ix > ia);
	assert_int_equal(strlen(ti), 5 + 43);
	assert_int_equal(strncmp(ti, "elog_", 5), 0);
	assert_int_equal(strspn(ti + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
					"klmnopqrstuvwxyz0123456789-_"),
			 43);
	assert_string_not_equal(ti, ta);
	assert_string_not_equal(ta, tx);

	assert_int_equal(elog_token_check(f->w, ti, strlen(ti), &info, &err),
			 0);
	assert_int_equal(info.id, ii);
	assert_int_equal(info.role, ELOG_ROLE_INGEST);
	assert_string_equal(info.label, "mail-1");
	assert_string_equal(info.authority, "");
	assert_int_equal(info.revoked, 0);
	/* A reader connection checks tokens too (the server's threads). */
	assert_int_equal(elog_store_open(f->path, ELOG_STORE_READ,
					 ELOG_SYNC_FULL, &r, &err),
			 0);
	assert_int_equal(elog_token_check(r, tx, strlen(tx), &info, &err), 0);
	assert_int_equal(info.id, ix);
	assert_int_equal(info.role, ELOG_ROLE_AUTHORITY);
	assert_string_equal(info.authority, "uk-nca");
	assert_string_equal(info.label, "nca desk");

	/* Wrong text: one character changed, cut short, extended, empty. */
	memcpy(bad, ta, sizeof bad);
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	assert_int_equal(elog_token_check(r, bad, strlen(bad), &info, &err),
			 -ELOG_UNKNOWN_TOKEN);
	assert_int_equal(err.code, ELOG_UNKNOWN_TOKEN);
	assert_int_equal(elog_token_check(r, ta, strlen(ta) - 1, &info, &err),
			 -ELOG_UNKNOWN_TOKEN);
	{
		char longer[ELOG_TOKEN_TEXT_MAX + 2];
		int k = snprintf(longer, sizeof longer, "%sx", ta);
		assert_true(k > 0 && (size_t)k < sizeof longer);
		assert_int_equal(elog_token_check(r, longer, strlen(longer),
						  &info, &err),
				 -ELOG_UNKNOWN_TOKEN);
	}
	assert_int_equal(elog_token_check(r, "", 0, &info, &err),
			 -ELOG_UNKNOWN_TOKEN);
	/* The hash of the token is not the token. */
	{
		elog_hash h;
		elog_sha256(ta, strlen(ta), &h);
		assert_int_equal(elog_token_check(r, (const char *)h.b,
						  sizeof h.b, &info, &err),
				 -ELOG_UNKNOWN_TOKEN);
	}

	memset(&tl, 0, sizeof tl);
	assert_int_equal(elog_token_list(f->w, collect_token, &tl, &err), 0);
	assert_int_equal(tl.n, 3);
	assert_int_equal(tl.t[0].id, ii);
	assert_int_equal(tl.t[0].role, ELOG_ROLE_INGEST);
	assert_int_equal(tl.t[1].role, ELOG_ROLE_AUDITOR);
	assert_string_equal(tl.t[1].label, "ipco");
	assert_int_equal(tl.t[2].role, ELOG_ROLE_AUTHORITY);
	assert_string_equal(tl.t[2].authority, "uk-nca");
	for (size_t i = 0; i < tl.n; i++)
		assert_int_equal(tl.t[i].revoked, 0);

	/* Revocation. */
	assert_int_equal(elog_token_revoke(f->w, ii, &err), 0);
	assert_int_equal(elog_token_check(r, ti, strlen(ti), &info, &err),
			 -ELOG_UNKNOWN_TOKEN);
	assert_int_equal(elog_token_check(f->w, ti, strlen(ti), &info, &err),
			 -ELOG_UNKNOWN_TOKEN);
	assert_int_equal(elog_token_revoke(f->w, ii, &err), -ELOG_NOT_FOUND);
	assert_int_equal(elog_token_revoke(f->w, 9999, &err), -ELOG_NOT_FOUND);
	assert_int_equal(elog_token_check(r, ta, strlen(ta), &info, &err), 0);
	assert_int_equal(info.role, ELOG_ROLE_AUDITOR);
	memset(&tl, 0, sizeof tl);
	assert_int_equal(elog_token_list(r, collect_token, &tl, &err), 0);
	assert_int_equal(tl.n, 3);
	assert_int_equal(tl.t[0].revoked, 1);
	assert_int_equal(tl.t[1].revoked, 0);
	elog_store_close(r);

	/* The token table holds hashes, never token text. */
	{
		const char *texts[3] = {ti, ta, tx};
		sqlite3_stmt *st = NULL;
		int rows = 0;
		assert_int_equal(sqlite3_prepare_v2(elog_store_db(f->w),
						    "SELECT * FROM token", -1,
						    &st, NULL),
				 SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			rows++;
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const void *v = sqlite3_column_blob(st, c);
				size_t len = (size_t)sqlite3_column_bytes(st,
									  c);
				for (int t = 0; t < 3; t++) {
					assert_false(
						contains(v, len, texts[t]));
					assert_false(contains(v, len,
							      texts[t] + 5));
				}
			}
		}
		sqlite3_finalize(st);
		assert_int_equal(rows, 3);
		/* The stored hash is SHA-256 of the text. */
		assert_int_equal(sqlite3_prepare_v2(elog_store_db(f->w),
						    "SELECT hash FROM token "
						    "WHERE id = ?1",
						    -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(st, 1, ia);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		{
			elog_hash h;
			elog_sha256(ta, strlen(ta), &h);
			assert_int_equal(sqlite3_column_bytes(st, 0),
					 ELOG_HASH_LEN);
			assert_memory_equal(sqlite3_column_blob(st, 0), h.b,
					    ELOG_HASH_LEN);
		}
		sqlite3_finalize(st);
		/* Nor anywhere in the files. */
		for (int t = 0; t < 3; t++) {
			char p[160];
			assert_false(file_contains(f->path, texts[t] + 5));
			path_in(f, "-wal", p, sizeof p);
			assert_false(file_contains(p, texts[t] + 5));
		}
	}
	/* An authority token needs a live authority. */
	assert_int_equal(elog_keyring_revoke(f->w, ELOG_KEYRING_AUTHORITY,
					     "uk-nca", &err),
			 0);
	assert_int_equal(elog_token_add(f->w, ELOG_ROLE_AUTHORITY, "uk-nca",
					"again", tx, &ix, &err),
			 -ELOG_NOT_FOUND);
}

/* ---- keyrings ---- */

struct key_list {
	elog_named_key k[4];
	size_t n;
};

static int collect_key(void *ctx, const elog_named_key *k)
{
	struct key_list *l = ctx;
	if (l->n == 4)
		return 1;
	l->k[l->n++] = *k;
	return 0;
}

static void test_keyring(void **state)
{
	fx *f = *state;
	elog_err_t err;
	elog_signer s1, s2;
	elog_verifier v1, v2, got;
	char t1[ELOG_KEY_TEXT_MAX], t2[ELOG_KEY_TEXT_MAX];
	struct key_list kl;

	assert_int_equal(elog_signer_generate("uk-nca", &s1, &err), 0);
	assert_int_equal(elog_signer_generate("uk-nca", &s2, &err), 0);
	elog_signer_public(&s1, &v1);
	elog_signer_public(&s2, &v2);
	elog_signer_wipe(&s1);
	elog_signer_wipe(&s2);
	assert_int_equal(elog_verifier_format(&v1, t1, sizeof t1, &err), 0);
	assert_int_equal(elog_verifier_format(&v2, t2, sizeof t2, &err), 0);

	/* The key's own name must be the name it is registered under. */
	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-fca", t1, &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-fca", &got, &err),
			 -ELOG_NOT_FOUND);
	assert_true(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY, "uk-nca",
				     "uk-nca+0000+notakey", &err) < 0);
	assert_int_equal(count_rows(f->w, "authority"), 0);

	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", t1, &err),
			 0);
	memset(&got, 0, sizeof got);
	assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", &got, &err),
			 0);
	assert_string_equal(got.name, "uk-nca");
	assert_int_equal(got.keyid, v1.keyid);
	assert_memory_equal(got.pk, v1.pk, sizeof got.pk);
	/* A second key under the same name is a conflict; the first stays. */
	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", t2, &err),
			 -ELOG_CONFLICT);
	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", t1, &err),
			 -ELOG_CONFLICT);
	assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", &got, &err),
			 0);
	assert_memory_equal(got.pk, v1.pk, sizeof got.pk);
	/* Rings are separate. */
	assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_WITNESS, "uk-nca",
					  &got, &err),
			 -ELOG_NOT_FOUND);
	/* A witness key must be cosignature/v1 (0x04): an Ed25519 signed-note
	 * key (0x01) could never make a valid cosignature. */
	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_WITNESS, "uk-nca",
					  t2, &err),
			 -ELOG_MALFORMED_KEY);
	assert_non_null(strstr(err.msg, "cosignature/v1"));
	assert_int_equal(count_rows(f->w, "witness"), 0);
	{
		elog_signer s3;
		elog_verifier v3;
		char t3[ELOG_KEY_TEXT_MAX];
		assert_int_equal(elog_signer_generate("uk-nca", &s3, &err), 0);
		s3.alg = ELOG_ALG_COSIGNATURE_V1;
		s3.keyid = elog_key_id(s3.name, s3.alg, s3.pk);
		elog_signer_public(&s3, &v3);
		elog_signer_wipe(&s3);
		assert_int_equal(elog_verifier_format(&v3, t3, sizeof t3, &err),
				 0);
		/* ... and an authority key is not a cosignature/v1 key. */
		assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY,
						  "uk-nca", t3, &err),
				 -ELOG_MALFORMED_KEY);
		assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_WITNESS,
						  "uk-nca", t3, &err),
				 0);
		assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_WITNESS,
						  "uk-nca", &got, &err),
				 0);
		assert_memory_equal(got.pk, v3.pk, sizeof got.pk);
		assert_int_equal(got.alg, ELOG_ALG_COSIGNATURE_V1);
	}

	memset(&kl, 0, sizeof kl);
	assert_int_equal(elog_keyring_list(f->w, ELOG_KEYRING_AUTHORITY,
					   collect_key, &kl, &err),
			 0);
	assert_int_equal(kl.n, 1);
	assert_string_equal(kl.k[0].name, "uk-nca");
	assert_string_equal(kl.k[0].vkey, t1);
	assert_int_equal(kl.k[0].revoked, 0);
	assert_true(kl.k[0].added_ms > 0);

	/* Revocation keeps the row but not the trust. */
	assert_int_equal(elog_keyring_revoke(f->w, ELOG_KEYRING_AUTHORITY,
					     "uk-nca", &err),
			 0);
	assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", &got, &err),
			 -ELOG_NOT_FOUND);
	assert_int_equal(elog_keyring_revoke(f->w, ELOG_KEYRING_AUTHORITY,
					     "uk-nca", &err),
			 -ELOG_NOT_FOUND);
	assert_int_equal(elog_keyring_revoke(f->w, ELOG_KEYRING_AUTHORITY,
					     "nobody", &err),
			 -ELOG_NOT_FOUND);
	assert_int_equal(elog_keyring_add(f->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", t2, &err),
			 -ELOG_CONFLICT);
	memset(&kl, 0, sizeof kl);
	assert_int_equal(elog_keyring_list(f->w, ELOG_KEYRING_AUTHORITY,
					   collect_key, &kl, &err),
			 0);
	assert_int_equal(kl.n, 1);
	assert_int_equal(kl.k[0].revoked, 1);
	/* The witness of the same name is untouched. */
	assert_int_equal(elog_keyring_get(f->w, ELOG_KEYRING_WITNESS, "uk-nca",
					  &got, &err),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pre_r2_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_append_read_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen_continues, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_roots_every_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inclusion_proofs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_consistency_proofs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader_sees_committed_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_restores_frontier,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_for, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reader_across_run_tables,
						setup_runs, teardown),
		cmocka_unit_test_setup_teardown(
			test_events_for_across_run_boundary, setup_runs,
			teardown),
		cmocka_unit_test_setup_teardown(test_events_for_on_run_boundary,
						setup_runs, teardown),
		cmocka_unit_test_setup_teardown(
			test_events_for_after_rollback_rerun, setup_runs,
			teardown),
		cmocka_unit_test_setup_teardown(test_events_for, setup_runs,
						teardown),
		cmocka_unit_test_setup_teardown(test_index_runs, setup_runs,
						teardown),
		cmocka_unit_test_setup_teardown(test_index_query_plan,
						setup_runs, teardown),
		cmocka_unit_test_setup_teardown(test_seal_after_early_flush,
						setup_runs, teardown),
		cmocka_unit_test_setup_teardown(test_seal_fails_whole,
						setup_runs, teardown),
		cmocka_unit_test_setup_teardown(test_record_partitions,
						setup_parts, teardown),
		cmocka_unit_test_setup_teardown(test_record_partition_dropped,
						setup_parts, teardown),
		cmocka_unit_test_setup_teardown(test_record_partitions_migrated,
						setup_parts, teardown),
		cmocka_unit_test_setup_teardown(test_triggers, setup_runs,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree_derived_levels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree_levels_migrated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_good, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_verify_good, setup_runs,
						teardown),
		cmocka_unit_test(test_verify_tampered),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyring, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
