/* store.c — the SQLite store of the log.  See store.h. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "pack.h"
#include "param.h"
#include "rfc3339.h"
#include "schema.h"
#include "store_db.h"
#include "store_pg.h"

enum stmt_id {
	ST_SIZE,
	ST_INSERT_ENTRY,
	ST_PART_EXISTS,
	ST_PARTS,
	ST_NONEVENTS,
	ST_INSERT_INDEX,
	ST_INSERT_TREE,
	ST_INSERT_CHECKPOINT,
	ST_LEAF_HASH,
	ST_TREE_HASH,
	ST_LEAF,
	ST_LEAVES,
	ST_CP_LATEST,
	ST_CP_AT,
	ST_CP_COVERING,
	ST_COSIGS,
	ST_HOT_QUERY,
	ST_LAST_CHAIN,
	ST_BEGIN_READ,
	ST_END_READ,
	ST_HOT_HAS,
	ST_TILE_LEAF_HASHES,
	ST_TILE_ENTRIES,
	ST_NODE_LEAF_HASHES,
	ST_RUNS,
	ST_RUN_LIST,
	ST_RUN_NEXT,
	ST_SEAL_RUN,
	ST_SEAL_DROP,
	ST_HOT_ROWS,
	ST_HOT_CLEAR,
	ST_MERGE_RANGE,
	ST_MERGE_LIST,
	ST_MERGE_DROP_RUNS,
	ST_MERGE_RUN,
	ST_SCAN_HOT,
	ST_READ_STATE,
	ST_COUNT
};

/* An entry with its public leaf data; an event's record is read from its
 * partition (part_record, part_range). */
#define LEAF_SELECT \
	"SELECT seq, kind, ts, data, leaf_hash, chain_hash FROM entry "

/* index_hot's blocks (schema/008_index_hot_blocks.sql): blk = seq >>
 * ELOG_INDEX_HOT_BLOCK_BITS, fixed by the schema. */
#define ELOG_INDEX_HOT_BLOCK_BITS 10
#define HOT_BITS "10"
/* index_hot's rows of seqs [?1, ?2], found by their blocks */
#define HOT_RANGE \
	"blk >= ?1 >> " HOT_BITS " AND blk <= ?2 >> " HOT_BITS " AND seq " \
	">= ?1 AND seq <= ?2"

/* A tree hash kept for the rest of a read transaction: key is the leaf's
 * seq * 2, or the stored node's id * 2 + 1. */
struct hash_memo {
	uint64_t key, gen;
	elog_hash h;
};
#define MEMO_BITS 10

/* On SQLite, tree_hash keeps no node of levels 1 to
 * ELOG_TREE_DERIVED_LEVELS: the hash reader hashes each up from the (at
 * most 8) leaf hashes under it, which lie side by side in entry
 * (schema/011_tree_derived_levels.sql).  PostgreSQL keeps every level. */
#define ELOG_TREE_DERIVED_LEVELS 3
/* A reader's block of leaf hashes (block_leaf_hashes): a leaf's siblings
 * of levels 0 to ELOG_TREE_DERIVED_LEVELS all lie in its aligned block of
 * 2^(ELOG_TREE_DERIVED_LEVELS + 1). */
#define LEAF_BLOCK (2u << ELOG_TREE_DERIVED_LEVELS)

/* An index row on its way to index_hot (elog_store_index_flush). */
struct hot_row {
	int64_t party, ts;
	uint64_t seq;
};
#define HOT_BUF_MAX 65536

/* A prepared read of one partition of event records (part_record). */
struct part_stmt {
	int64_t part;
	sqlite3_stmt *st;
};
#define PART_CACHE 64

static const char *const stmt_sql[ST_COUNT] = {
	[ST_SIZE] = "SELECT coalesce(max(seq) + 1, 0) FROM entry",
	[ST_INSERT_ENTRY] = "INSERT INTO entry(seq, kind, ts, data, leaf_hash, "
			    "chain_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_PART_EXISTS] = "SELECT 1 FROM sqlite_schema WHERE type = 'table' "
			   "AND name = ?1",
	/* the partitions of event records, by number */
	[ST_PARTS] = "SELECT CAST(substr(name, 13) AS INTEGER) AS k FROM "
		     "sqlite_schema WHERE type = 'table' AND name GLOB "
		     "'event_data_p[0-9]*' ORDER BY k",
	/* entries other than events in [?1, ?2) (the partial index
	 * entry_public) */
	[ST_NONEVENTS] = "SELECT count(*) FROM entry WHERE kind <> 0 AND seq "
			 ">= ?1 AND seq < ?2",
	[ST_INSERT_INDEX] = "INSERT INTO index_hot(blk, party, ts, seq) VALUES "
			    "(?3 >> " HOT_BITS ", ?1, ?2, ?3)",
	[ST_INSERT_TREE] = "INSERT INTO tree_hash(id, hash) VALUES (?1, ?2)",
	[ST_INSERT_CHECKPOINT] =
		"INSERT OR IGNORE INTO checkpoint(size, root, note, created) "
		"VALUES (?1, ?2, ?3, ?4)",
	[ST_LEAF_HASH] = "SELECT leaf_hash FROM entry WHERE seq = ?1",
	[ST_TREE_HASH] = "SELECT hash FROM tree_hash WHERE id = ?1",
	[ST_LEAF] = LEAF_SELECT "WHERE seq = ?1",
	[ST_LEAVES] = LEAF_SELECT "WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
	[ST_CP_LATEST] = "SELECT size, note FROM checkpoint ORDER BY size DESC "
			 "LIMIT 1",
	[ST_CP_AT] = "SELECT size, note FROM checkpoint WHERE size = ?1",
	[ST_CP_COVERING] = "SELECT size, note FROM checkpoint WHERE size >= ?1 "
			   "ORDER BY size LIMIT 1",
	[ST_COSIGS] = "SELECT line FROM cosignature WHERE size = ?1 ORDER BY "
		      "created, witness",
	/* one block of index_hot (?19), a key search for each of up to
	 * HOT_PARTIES party hashes (?3 … ?18) */
	[ST_HOT_QUERY] = "SELECT seq FROM index_hot WHERE blk = ?19 AND party "
			 "IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
			 "?14, ?15, ?16, ?17, ?18) AND ts >= ?1 AND ts < ?2",
	[ST_LAST_CHAIN] = "SELECT chain_hash FROM entry ORDER BY seq DESC "
			  "LIMIT 1",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_HOT_HAS] = "SELECT 1 FROM index_hot WHERE blk = ?3 >> " HOT_BITS
		       " AND party = ?1 AND ts = ?2 AND seq = ?3",
	[ST_RUNS] = "SELECT run FROM index_run WHERE min_ts < ?2 AND "
		    "max_ts >= ?1 ORDER BY run",
	[ST_RUN_LIST] = "SELECT run, level, first_seq, last_seq, min_ts, "
			"max_ts FROM index_run ORDER BY first_seq",
	/* Seal and merge: ?1, ?2 the seq range, ?3 the new run's id. */
	[ST_RUN_NEXT] = "SELECT coalesce(max(run) + 1, 0) FROM index_run",
	[ST_SEAL_RUN] = "INSERT INTO index_run(run, level, first_seq, "
			"last_seq, min_ts, max_ts) SELECT ?3, 0, ?1, ?2, "
			"min(ts), max(ts) FROM index_hot WHERE " HOT_RANGE,
	[ST_SEAL_DROP] = "DELETE FROM index_hot WHERE " HOT_RANGE,
	[ST_HOT_ROWS] = "SELECT count(*) FROM index_hot",
	/* no WHERE: SQLite frees the table's pages whole (its truncate
	 * optimization) instead of deleting row by row */
	[ST_HOT_CLEAR] = "DELETE FROM index_hot",
	[ST_MERGE_RANGE] = "SELECT count(*), min(min_ts), max(max_ts) FROM "
			   "index_run WHERE first_seq >= ?1 AND last_seq <= ?2",
	[ST_MERGE_LIST] = "SELECT run FROM index_run WHERE first_seq >= ?1 "
			  "AND last_seq <= ?2 ORDER BY first_seq",
	[ST_MERGE_DROP_RUNS] = "DELETE FROM index_run WHERE first_seq >= ?1 "
			       "AND last_seq <= ?2",
	[ST_MERGE_RUN] = "INSERT INTO index_run(run, level, first_seq, "
			 "last_seq, min_ts, max_ts) VALUES (?3, ?4, ?1, ?2, "
			 "?5, ?6)",
	[ST_END_READ] = "COMMIT",
	[ST_TILE_LEAF_HASHES] = "SELECT seq, leaf_hash FROM entry WHERE seq >= "
				"?1 AND seq < ?2 ORDER BY seq",
	[ST_TILE_ENTRIES] = "SELECT seq, data FROM entry WHERE seq >= ?1 AND "
			    "seq < ?2 ORDER BY seq",
	/* the leaf hashes under a tree node not stored (tree_node_derived) */
	[ST_NODE_LEAF_HASHES] = "SELECT seq, leaf_hash FROM entry WHERE seq "
				">= ?1 AND seq < ?2 ORDER BY seq",
	/* elog_store_index_scan: index_hot in its key order */
	[ST_SCAN_HOT] = "SELECT party, ts, seq FROM index_hot ORDER BY blk, "
			"party, ts, seq",
	/* elog_store_read_pair: what a commit or a purge changes */
	[ST_READ_STATE] = "SELECT (SELECT coalesce(max(seq) + 1, 0) FROM "
			  "entry), (SELECT count(*) FROM purge_horizon), "
			  "(SELECT coalesce(max(run), -1) FROM index_run), "
			  "(SELECT count(*) FROM index_run)",
};

/*
 * The sealed runs (schema/010_index_run_tables.sql): run r's rows are in
 * a table of its own, RUN_TABLE "<r>" (r in decimal), keyed (party, ts,
 * seq), so that a merge and the purge drop whole tables instead of
 * deleting rows.  SQL cannot name a table by a computed id, so every
 * statement on a run is formatted with its id (run_sql).
 */
#define RUN_TABLE "index_sealed_"
/* The migration that made them (its file name's start). */
#define RUN_TABLES_SCHEMA "010_"
/* Room for one statement on a run's table; a merge names up to
 * ELOG_INDEX_FANOUT of them (MERGE_SQL_MAX). */
#define RUN_SQL_MAX 512
#define MERGE_SQL_MAX (RUN_SQL_MAX + 64 * ELOG_INDEX_FANOUT)

/* The statements kept per run: a lawful request's probe (?1 party, ?2 and
 * ?3 the window) and verification's search for one row (?1 party, ?2 ts,
 * ?3 seq). */
enum run_stmt_id { RS_QUERY, RS_HAS, RS_COUNT };
static const char *const run_stmt_sql[RS_COUNT] = {
	[RS_QUERY] = "SELECT seq FROM \"" RUN_TABLE "%lld\" WHERE party = ?1 "
		     "AND ts >= ?2 AND ts < ?3",
	[RS_HAS] = "SELECT 1 FROM \"" RUN_TABLE "%lld\" WHERE party = ?1 AND "
		   "ts = ?2 AND seq = ?3",
};

/* A direct-mapped cache of those statements, slot run % RUN_CACHE: a
 * request probes every run its window meets (about 100 in a log of 100M
 * events) without preparing a statement per probe.  A slot whose run's
 * table was dropped keeps its statements until the slot is reused; if
 * the run id comes back (a rollback, a purge of every run), SQLite
 * prepares them again against the new table, as it does after any change
 * of the schema. */
#define RUN_CACHE 256
struct run_slot {
	int64_t run;
	sqlite3_stmt *st[RS_COUNT];
};

struct elog_store {
	sqlite3 *db;
	elog_pg *pg; /* a PostgreSQL store: its backend (store_pg.c) */
	int mode;
	sqlite3_stmt *st[ST_COUNT];
	char origin[ELOG_NAME_MAX + 1];
	char vkey[ELOG_KEY_TEXT_MAX];
	uint8_t party_key[crypto_shorthash_KEYBYTES];
	/* writer state */
	elog_frontier frontier;
	elog_hash chain; /* chain value of the last entry */
	int in_tx;
	elog_frontier saved_frontier;
	elog_hash saved_chain;
	uint64_t tx_first;
	unsigned run_bits; /* meta.index_run_bits */
	/* event records: one table per 2^part_bits seqs (part_name) */
	unsigned part_bits;
	int64_t ins_part;		     /* the partition ins_st writes */
	sqlite3_stmt *ins_st;		     /* NULL: none prepared */
	struct part_stmt rec_st[PART_CACHE]; /* by part % PART_CACHE */
	/* the transaction's index rows not yet in index_hot (add_index) */
	struct hot_row *hot_buf;
	size_t hot_len, hot_cap;
	/* elog_store_wal_defer */
	int wal_frames, wal_max;
	void (*wal_fn)(void *);
	void *wal_ctx;
	uint64_t commits;     /* elog_store_commit calls so far */
	uint64_t fail_commit; /* tests: this commit fails (0: none) */
	/* elog_store_leaf's copy of the leaf data, so that its statement is
	 * reset at once and no read transaction outlives the call */
	char *leaf_buf;
	size_t leaf_cap;
	/* a reader's tree hashes read in its current read transaction
	 * (elog_store_hash_reader): the proofs of one bundle share their
	 * upper nodes and right edge */
	struct hash_memo *memo;
	uint64_t memo_gen; /* the read transaction's number, from 1 */
	int memo_on;
	struct run_slot run_cache[RUN_CACHE];
	/* with the memo: the leaf hashes of one aligned block of
	 * LEAF_BLOCK entries, the first blk_n of them (the rest missing or
	 * damaged), read in read transaction blk_gen */
	elog_hash blk[LEAF_BLOCK];
	uint64_t blk_first, blk_gen;
	unsigned blk_n;
};

static int db_fail(elog_store *s, elog_err_t *err, const char *what)
{
	return elog_fail(err, ELOG_IO, -1, NULL, "database error while %s: %s",
			 what,
			 s && s->db ? sqlite3_errmsg(s->db) : "no database");
}

static sqlite3_stmt *stmt(elog_store *s, enum stmt_id id, elog_err_t *err)
{
	if (!s->st[id]) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->st[id],
				       NULL) != SQLITE_OK) {
			db_fail(s, err, "preparing a statement");
			return NULL;
		}
	} else {
		sqlite3_reset(s->st[id]);
		sqlite3_clear_bindings(s->st[id]);
	}
	return s->st[id];
}

static int exec(elog_store *s, const char *sql, elog_err_t *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = elog_fail(err, ELOG_IO, -1, NULL,
				   "database error: %s",
				   msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

/* Format sql (one %lld: the run id) for run into buf of RUN_SQL_MAX
 * bytes. */
static void run_sql(char buf[RUN_SQL_MAX], const char *sql, int64_t run)
{
	snprintf(buf, RUN_SQL_MAX, sql, (long long)run);
}

/* Run's cached statement id (reset, bindings cleared); NULL with err set
 * when it cannot be prepared (its table does not exist). */
static sqlite3_stmt *run_stmt(elog_store *s, int64_t run, enum run_stmt_id id,
			      elog_err_t *err)
{
	struct run_slot *slot = &s->run_cache[(uint64_t)run % RUN_CACHE];
	char sql[RUN_SQL_MAX];
	if (slot->run != run) {
		for (int k = 0; k < RS_COUNT; k++) {
			sqlite3_finalize(slot->st[k]);
			slot->st[k] = NULL;
		}
		slot->run = run;
	}
	if (slot->st[id]) {
		sqlite3_reset(slot->st[id]);
		sqlite3_clear_bindings(slot->st[id]);
		return slot->st[id];
	}
	run_sql(sql, run_stmt_sql[id], run);
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &slot->st[id], NULL) != SQLITE_OK) {
		db_fail(s, err, "reading an index run");
		slot->st[id] = NULL;
		return NULL;
	}
	return slot->st[id];
}

/* The trigger that refuses a DELETE from run %lld's table above the purge
 * horizon (its name, then its table). */
#define RUN_NO_DELETE \
	"CREATE TRIGGER \"" RUN_TABLE "%lld_no_delete\" BEFORE DELETE ON " \
	"\"" RUN_TABLE "%lld\" WHEN NOT (OLD.seq <= coalesce((SELECT " \
	"max(through_seq) FROM purge_horizon), -1)) BEGIN SELECT " \
	"RAISE(ABORT, 'a sealed index run is append-only'); END"

/* Create the table of run (empty) with the triggers that keep it
 * append-only, as schema 004 keeps the log's tables: no UPDATE, and a
 * DELETE only of rows at or below the purge horizon.  A merge or the
 * purge drops the whole table (and its triggers with it). */
static int create_run_table(elog_store *w, int64_t run, elog_err_t *err)
{
	char sql[3 * RUN_SQL_MAX];
	long long r = (long long)run;
	snprintf(sql, sizeof sql,
		 "CREATE TABLE \"" RUN_TABLE "%lld\" ("
		 "party INTEGER NOT NULL, ts INTEGER NOT NULL, "
		 "seq INTEGER NOT NULL, PRIMARY KEY (party, ts, seq)) "
		 "WITHOUT ROWID; "
		 "CREATE TRIGGER \"" RUN_TABLE "%lld_no_update\" BEFORE "
		 "UPDATE ON \"" RUN_TABLE "%lld\" BEGIN SELECT "
		 "RAISE(ABORT, 'a sealed index run is append-only'); END; " RUN_NO_DELETE,
		 r, r, r, r, r);
	return exec(w, sql, err);
}

static int blob_hash(sqlite3_stmt *st, int col, elog_hash *out)
{
	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != ELOG_HASH_LEN)
		return -1;
	memcpy(out->b, sqlite3_column_blob(st, col), ELOG_HASH_LEN);
	return 0;
}

int elog_store_meta_get(elog_store *s, const char *key, char *buf, size_t cap,
			elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (s->pg)
		return elog_pg_meta_get(s->pg, key, buf, cap, err);
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (!v || (size_t)snprintf(buf, cap, "%s", v) >= cap)
			rc = elog_fail(err, ELOG_INTERNAL, -1, key,
				       "meta value %s is too long", key);
		else
			rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, key,
			       "meta value %s is not set", key);
	} else {
		rc = db_fail(s, err, "reading meta");
	}
	sqlite3_finalize(st);
	return rc;
}

int elog_store_meta_set(elog_store *s, const char *key, const char *value,
			elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (s->pg)
		return elog_pg_meta_set(s->pg, key, value, err);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO meta(key, value) "
			       "VALUES (?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "writing meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(s, err, "writing meta");
	sqlite3_finalize(st);
	return rc;
}

/* The database's user_version into *version, refusing one newer than this
 * program or made before R2. */
static int schema_version(elog_store *s, int *version, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;

	*version = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, err, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (*version > elog_schema_count)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "the database schema (version %d) is newer "
				 "than this program (version %d)",
				 *version, elog_schema_count);
	if (*version > 0 && *version < ELOG_SCHEMA_R2)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "the database was made before Revision 2 of "
				 "the envelog formats (schema version %d); an "
				 "R2 log cannot continue it: create a new log "
				 "with envelog init",
				 *version);
	return 0;
}

static int part_create(elog_store *w, int64_t k, elog_err_t *err);
static int run_bits(elog_store *s, unsigned *bits, elog_err_t *err);

/* 1 if the table name exists, 0 if not, or an error. */
static int part_exists_named(elog_store *s, const char *name, elog_err_t *err)
{
	sqlite3_stmt *st = stmt(s, ST_PART_EXISTS, err);
	int rc;
	if (!st)
		return -ELOG_IO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading the schema");
}

/* Schema 009's move of the records from event_data into their partitions
 * (schema/009_event_partitions.sql), in the migration's transaction. */
static int migrate_records(elog_store *s, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	unsigned bits = 0;
	char sql[192];
	int rc = 0, step;

	if ((rc = part_exists_named(s, "event_data", err)) <= 0)
		return rc; /* none to move */
	if ((rc = run_bits(s, &bits, err)) == -ELOG_NOT_FOUND)
		rc = 0, bits = 16; /* a log being made: no records yet */
	if (rc)
		return rc;
	bits += ELOG_INDEX_FANOUT_BITS;
	snprintf(sql, sizeof sql,
		 "SELECT DISTINCT seq >> %u FROM event_data WHERE seq >= 0 "
		 "ORDER BY 1",
		 bits);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "partitioning the records");
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t k = (uint64_t)sqlite3_column_int64(st, 0);
		uint64_t last = ((k + 1) << bits) - 1;
		if (last > INT64_MAX || last < k << bits)
			last = INT64_MAX;
		if ((rc = part_create(s, (int64_t)k, err)))
			break;
		snprintf(sql, sizeof sql,
			 "INSERT INTO event_data_p%llu SELECT seq, ts, data "
			 "FROM event_data WHERE seq >= %llu AND seq <= %llu",
			 (unsigned long long)k,
			 (unsigned long long)(k << bits),
			 (unsigned long long)last);
		rc = exec(s, sql, err);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(s, err, "partitioning the records");
	sqlite3_finalize(st);
	return rc ? rc : exec(s, "DROP TABLE event_data", err);
}

static int run_purge_sql(elog_store *w, const char *sql, int64_t v,
			 int64_t before, int64_t *a, int64_t *b,
			 elog_err_t *err);

/* Schema 010's step in C, before its SQL drops index_sealed: each run's
 * rows move from index_sealed into a table of their own (SQL cannot name
 * a table by a computed id), sorted; a run index_run lists without rows
 * gets an empty table, and rows under a run id index_run does not list
 * keep theirs, so that envelog verify still names them.  In migrate's
 * transaction. */
static int migrate_run_tables(elog_store *s, elog_err_t *err)
{
	char sql[RUN_SQL_MAX];
	int64_t run = -1, next;
	int rc;

	/* The run ids of index_sealed, one key search each. */
	for (;;) {
		next = -1;
		if ((rc = run_purge_sql(s,
					"SELECT coalesce(min(run), -1) FROM "
					"index_sealed WHERE run > ?1",
					run, 0, &next, NULL, err)))
			return rc;
		if (next < 0 || next <= run)
			break;
		run = next;
		if ((rc = create_run_table(s, run, err)))
			return rc;
		run_sql(sql,
			"INSERT INTO \"" RUN_TABLE "%lld\"(party, ts, seq) "
			"SELECT party, ts, seq FROM index_sealed WHERE run = "
			"?1 ORDER BY party, ts, seq",
			run);
		if ((rc = run_purge_sql(s, sql, run, 0, NULL, NULL, err)))
			return rc;
	}
	/* index_run's runs without rows (none in a log that verifies). */
	for (;;) {
		next = -1;
		if ((rc = run_purge_sql(s,
					"SELECT coalesce(min(run), -1) FROM "
					"index_run r WHERE run >= 0 AND NOT "
					"EXISTS (SELECT 1 FROM index_sealed i "
					"WHERE i.run = r.run) AND NOT EXISTS "
					"(SELECT 1 FROM sqlite_master WHERE "
					"name = '" RUN_TABLE "' || r.run)",
					0, 0, &next, NULL, err)))
			return rc;
		if (next < 0)
			break;
		if ((rc = create_run_table(s, next, err)))
			return rc;
	}
	return 0;
}

/* The schema version from which each sealed run has a table of its own
 * (schema/010_index_run_tables.sql applied). */
static int run_tables_version(void)
{
	for (int v = 0; v < elog_schema_count; v++)
		if (strncmp(elog_schema_name[v], RUN_TABLES_SCHEMA,
			    strlen(RUN_TABLES_SCHEMA)) == 0)
			return v + 1;
	return 0;
}

/* elog_tree_level(id): the level of the tree node stored at id
 * (elog_stored_hash_level), for schema/011_tree_derived_levels.sql;
 * NULL for an id that is not a non-negative integer. */
static void sql_tree_level(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	uint64_t id;
	(void)argc;
	if (sqlite3_value_type(v[0]) != SQLITE_INTEGER ||
	    sqlite3_value_int64(v[0]) < 0) {
		sqlite3_result_null(cx);
		return;
	}
	id = (uint64_t)sqlite3_value_int64(v[0]);
	sqlite3_result_int(cx, elog_stored_hash_level(id, NULL));
}

/* Apply the migrations above the database's user_version. */
static int migrate(elog_store *s, elog_err_t *err)
{
	int version = 0, rc;

	if ((rc = schema_version(s, &version, err)))
		return rc;
	if (version < elog_schema_count &&
	    sqlite3_create_function(s->db, "elog_tree_level", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    sql_tree_level, NULL, NULL) != SQLITE_OK)
		return db_fail(s, err, "preparing the migration");
	for (int v = version; v < elog_schema_count; v++) {
		char pragma[64];
		if ((rc = exec(s, "BEGIN IMMEDIATE", err)))
			return rc;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
			 v + 1);
		if ((v + 1 == run_tables_version() &&
		     (rc = migrate_run_tables(s, err))) ||
		    (rc = exec(s, elog_schema[v], err)) ||
		    (v + 1 == ELOG_SCHEMA_PARTS &&
		     (rc = migrate_records(s, err))) ||
		    (rc = exec(s, pragma, err)) ||
		    (rc = exec(s, "COMMIT", err))) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}

static int configure(elog_store *s, int sync, elog_err_t *err)
{
	int rc;
	sqlite3_busy_timeout(s->db, 10000);
	if ((rc = exec(s, "PRAGMA journal_mode = WAL", err)))
		return rc;
	if ((rc = exec(s,
		       sync == ELOG_SYNC_NORMAL ? "PRAGMA synchronous = NORMAL"
						: "PRAGMA synchronous = FULL",
		       err)))
		return rc;
	if ((rc = exec(s,
		       "PRAGMA foreign_keys = OFF; "
		       "PRAGMA temp_store = MEMORY; "
		       "PRAGMA cache_size = -65536",
		       err)))
		return rc;
	return 0;
}

static void store_free(elog_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->ins_st);
	for (int i = 0; i < PART_CACHE; i++)
		sqlite3_finalize(s->rec_st[i].st);
	for (int i = 0; i < RUN_CACHE; i++)
		for (int k = 0; k < RS_COUNT; k++)
			sqlite3_finalize(s->run_cache[i].st[k]);
	if (s->db)
		sqlite3_close(s->db);
	elog_pg_free(s->pg);
	sodium_memzero(s->party_key, sizeof s->party_key);
	free(s->leaf_buf);
	free(s->hot_buf);
	free(s->memo);
	free(s);
}

/* The meta rows of a new log: origin, verifier key, a new party key and,
 * for tests, the run size.  In s's open transaction. */
static int create_meta(elog_store *s, const char *origin,
		       const char *vkey_text, const char *test_bits,
		       elog_err_t *err)
{
	uint8_t key[crypto_shorthash_KEYBYTES];
	char hex[2 * sizeof key + 1];
	int rc;
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	if ((rc = elog_store_meta_set(s, "origin", origin, err)) ||
	    (rc = elog_store_meta_set(s, "vkey", vkey_text, err)) ||
	    (rc = elog_store_meta_set(s, "party_key", hex, err)) ||
	    (test_bits &&
	     (rc = elog_store_meta_set(s, "index_run_bits", test_bits, err))))
		goto out;
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

/* elog_store_create on PostgreSQL: the schema, then the meta rows, in the
 * database conninfo names (which must hold no log yet). */
static int create_pg(const char *conninfo, const char *origin,
		     const char *vkey_text, const char *test_bits,
		     elog_err_t *err)
{
	elog_store *s = calloc(1, sizeof *s);
	int rc;
	if (!s)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	if ((rc = elog_pg_connect(conninfo, ELOG_STORE_WRITE, 1, &s->pg,
				  err)) ||
	    (rc = elog_pg_exec(s->pg, "BEGIN", err)))
		goto out;
	if ((rc = create_meta(s, origin, vkey_text, test_bits, err))) {
		elog_pg_rollback(s->pg);
		goto out;
	}
	rc = elog_pg_exec(s->pg, "COMMIT", err);
out:
	store_free(s);
	return rc;
}

int elog_store_grant(const char *conninfo, const char *writer,
		     const char *reader, int check_only, elog_err_t *err)
{
	elog_pg *pg = NULL;
	int rc;
	if (!elog_store_is_pg(conninfo))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
				 "roles are PostgreSQL's: a SQLite log has "
				 "none");
	/* check_only: a reader, which migrates nothing (there may be no log
	 * yet) */
	if ((rc = elog_pg_connect(conninfo,
				  check_only ? ELOG_STORE_READ
					     : ELOG_STORE_REGISTRY,
				  check_only, &pg, err)))
		return rc;
	rc = elog_pg_grant(pg, writer, reader, check_only, err);
	elog_pg_free(pg);
	return rc;
}

int elog_store_create(const char *path, const char *origin,
		      const char *vkey_text, elog_err_t *err)
{
	elog_store *s = NULL;
	const char *test_bits = getenv(ELOG_TEST_INDEX_RUN_BITS);
	uint64_t bits;
	int rc;
	mode_t old;

	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "libsodium failed to initialise");
	if (test_bits &&
	    (elog_param_uint(test_bits, 30, &bits) != 0 || bits < 1))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
				 "%s must be 1 to 30",
				 ELOG_TEST_INDEX_RUN_BITS);
	if (elog_store_is_pg(path))
		return create_pg(path, origin, vkey_text, test_bits, err);
	if (access(path, F_OK) == 0)
		return elog_fail(err, ELOG_CONFLICT, -1, NULL,
				 "%s already exists", path);
	s = calloc(1, sizeof *s);
	if (!s)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	/* The database holds personal data: owner only. */
	old = umask(077);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot create %s: %s",
			       path, s->db ? sqlite3_errmsg(s->db) : "?");
		goto out;
	}
	/* Free pages are handed back by the purge (incremental vacuum); this
	 * must be set before the first table exists. */
	if ((rc = exec(s, "PRAGMA auto_vacuum = INCREMENTAL", err)) ||
	    (rc = configure(s, ELOG_SYNC_FULL, err)) || (rc = migrate(s, err)))
		goto out;
	if ((rc = exec(s, "BEGIN IMMEDIATE", err)))
		goto out;
	if ((rc = create_meta(s, origin, vkey_text, test_bits, err))) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	rc = exec(s, "COMMIT", err);
out:
	store_free(s);
	return rc;
}

/* The index's run size in bits: meta.index_run_bits, 1 to 30. */
static int run_bits(elog_store *s, unsigned *bits, elog_err_t *err)
{
	char buf[16];
	uint64_t v;
	int rc;
	if ((rc = elog_store_meta_get(s, "index_run_bits", buf, sizeof buf,
				      err)))
		return rc;
	if (elog_param_uint(buf, 30, &v) != 0 || v < 1)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "meta.index_run_bits is not 1 to 30");
	*bits = (unsigned)v;
	return 0;
}

/* Rebuild the writer's frontier and last chain value from the tables. */
static int load_writer(elog_store *s, elog_err_t *err)
{
	uint64_t size;
	int rc;
	sqlite3_stmt *st;
	if ((rc = elog_store_size(s, &size, err)))
		return rc;
	elog_frontier_init(&s->frontier);
	if ((rc = elog_frontier_load(&s->frontier, size,
				     elog_store_hash_reader, s, err)))
		return rc;
	s->chain = ELOG_ZERO_HASH;
	if (size > 0 && s->pg)
		return elog_pg_last_chain(s->pg, &s->chain, err);
	if (size > 0) {
		if (!(st = stmt(s, ST_LAST_CHAIN, err)))
			return -ELOG_IO;
		if (sqlite3_step(st) != SQLITE_ROW ||
		    blob_hash(st, 0, &s->chain) < 0) {
			sqlite3_reset(st);
			return elog_fail(err, ELOG_TAMPERED, (long)size - 1,
					 NULL,
					 "the last entry has no chain value");
		}
		sqlite3_reset(st);
	}
	return 0;
}

int elog_store_open(const char *path, int mode, int sync, elog_store **out,
		    elog_err_t *err)
{
	elog_store *s;
	char hex[2 * crypto_shorthash_KEYBYTES + 1];
	int rc, in_read = 0;
	int flags = SQLITE_OPEN_NOMUTEX |
		    (mode == ELOG_STORE_WRITE ? SQLITE_OPEN_READWRITE
					      : SQLITE_OPEN_READONLY);

	*out = NULL;
	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "libsodium failed to initialise");
	s = calloc(1, sizeof *s);
	if (!s)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	if (mode == ELOG_STORE_REGISTRY && !elog_store_is_pg(path)) {
		mode = ELOG_STORE_WRITE; /* SQLite: a writer never waits */
		flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE;
	}
	s->mode = mode;
	if (elog_store_is_pg(path)) {
		flags = 0;
		if ((rc = elog_pg_connect(path, mode, 0, &s->pg, err)))
			goto out;
		path = "the PostgreSQL database";
	} else if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot open %s: %s",
			       path, s->db ? sqlite3_errmsg(s->db) : "?");
		goto out;
	}
	if (s->pg) {
		if (mode == ELOG_STORE_WRITE &&
		    (rc = elog_pg_set_sync(s->pg, sync, err)))
			goto out;
	} else if (mode == ELOG_STORE_WRITE) {
		if ((rc = configure(s, sync, err)) || (rc = migrate(s, err)))
			goto out;
	} else {
		int version;
		sqlite3_busy_timeout(s->db, 10000);
		/* The reads of the open in one read transaction: one snapshot
		 * of the schema, which a writer changes whenever it makes or
		 * drops a partition or a run's table (so that no statement
		 * here runs out of retries on a schema that keeps changing). */
		if ((rc = exec(s, "PRAGMA query_only = 1", err)) ||
		    (rc = exec(s, "BEGIN", err)))
			goto out;
		in_read = 1;
		if ((rc = schema_version(s, &version, err)))
			goto out;
		/* A reader migrates nothing, and before schema 010 the runs'
		 * rows are not where it reads them (verification would call
		 * every run's rows missing). */
		if (version > 0 && version < run_tables_version()) {
			rc = elog_fail(err, ELOG_IO, -1, NULL,
				       "%s has schema version %d, older than "
				       "this program's %d: open it once with a "
				       "writer (envelogd, or envelog purge) to "
				       "migrate it",
				       path, version, elog_schema_count);
			goto out;
		}
	}
	if ((rc = elog_store_meta_get(s, "origin", s->origin, sizeof s->origin,
				      err)) ||
	    (rc = elog_store_meta_get(s, "vkey", s->vkey, sizeof s->vkey,
				      err)) ||
	    (rc = elog_store_meta_get(s, "party_key", hex, sizeof hex, err))) {
		if (rc == -ELOG_NOT_FOUND ||
		    (rc == -ELOG_IO &&
		     (sqlite3_errcode(s->db) == SQLITE_ERROR ||
		      sqlite3_errcode(s->db) == SQLITE_NOTADB)))
			rc = elog_fail(err, ELOG_IO, -1, NULL,
				       "%s is not an envelog database", path);
		goto out;
	}
	if (sodium_hex2bin(s->party_key, sizeof s->party_key, hex, strlen(hex),
			   NULL, NULL, NULL) != 0) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "%s has a damaged index key", path);
		goto out;
	}
	if ((rc = run_bits(s, &s->run_bits, err))) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "%s has a damaged index run size "
			       "(meta.index_run_bits)",
			       path);
		goto out;
	}
	s->part_bits = s->run_bits + ELOG_INDEX_FANOUT_BITS;
	if (s->pg)
		elog_pg_set_bits(s->pg, s->run_bits);
	if (mode == ELOG_STORE_WRITE && (rc = load_writer(s, err)))
		goto out;
	if (mode == ELOG_STORE_WRITE && getenv(ELOG_TEST_FAIL_COMMIT) &&
	    elog_param_uint(getenv(ELOG_TEST_FAIL_COMMIT), UINT64_MAX,
			    &s->fail_commit) != 0) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
			       "%s must be a commit number",
			       ELOG_TEST_FAIL_COMMIT);
		goto out;
	}
	if (in_read && (rc = exec(s, "COMMIT", err)))
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	sodium_memzero(hex, sizeof hex);
	store_free(s);
	return rc;
}

void elog_store_close(elog_store *s)
{
	if (s && s->in_tx)
		elog_store_rollback(s);
	store_free(s);
}

int elog_store_map(elog_store *s, int64_t bytes, elog_err_t *err)
{
	char sql[64];
	if (s->pg)
		return 0; /* SQLite's */
	snprintf(sql, sizeof sql, "PRAGMA mmap_size = %lld", (long long)bytes);
	return exec(s, sql, err);
}

struct sqlite3 *elog_store_db(elog_store *s)
{
	return s->db;
}
int elog_store_is_pg(const char *db)
{
	const char *eq = strchr(db, '='), *slash = strchr(db, '/');
	return strncmp(db, "postgresql://", 13) == 0 ||
	       strncmp(db, "postgres://", 11) == 0 ||
	       (eq && (!slash || eq < slash));
}

const char *elog_store_name(const char *db, char *buf, size_t cap)
{
	PQconninfoOption *o, *opts;
	const char *user = "", *host = "", *port = "", *name = "";
	if (!elog_store_is_pg(db))
		return db;
	if (!(opts = PQconninfoParse(db, NULL))) {
		snprintf(buf, cap,
			 "a PostgreSQL database (unreadable "
			 "connection string)");
		return buf;
	}
	for (o = opts; o->keyword; o++) {
		const char *v = o->val ? o->val : "";
		if (!strcmp(o->keyword, "user"))
			user = v;
		else if (!strcmp(o->keyword, "host"))
			host = v;
		else if (!strcmp(o->keyword, "port"))
			port = v;
		else if (!strcmp(o->keyword, "dbname"))
			name = v;
	}
	snprintf(buf, cap, "postgresql://%s%s%s%s%s/%s", user,
		 *user ? "@" : "", host, *port ? ":" : "", port, name);
	PQconninfoFree(opts);
	return buf;
}

PGconn *elog_store_pg_conn(elog_store *s)
{
	return s->pg ? elog_pg_conn(s->pg) : NULL;
}

int elog_store_reconnect(elog_store *w, elog_err_t *err)
{
	int rc;
	if (!w->pg)
		return 0;
	if (w->in_tx) {
		elog_pg_rollback(w->pg);
		w->hot_len = 0;
		w->in_tx = 0;
	}
	if ((rc = elog_pg_reconnect(w->pg, err)))
		return rc;
	/* The frontier and chain value are what the database holds: after
	 * an ambiguous COMMIT, with or without that transaction. */
	return w->mode == ELOG_STORE_WRITE ? load_writer(w, err) : 0;
}

const char *elog_store_origin(const elog_store *s)
{
	return s->origin;
}
const char *elog_store_vkey(const elog_store *s)
{
	return s->vkey;
}

int elog_store_size(elog_store *s, uint64_t *size, elog_err_t *err)
{
	sqlite3_stmt *st;
	if (s->mode == ELOG_STORE_WRITE && s->in_tx) {
		*size = s->frontier.size;
		return 0;
	}
	if (s->pg)
		return elog_pg_size(s->pg, size, err);
	if (!(st = stmt(s, ST_SIZE, err)))
		return -ELOG_IO;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(s, err, "counting entries");
	}
	*size = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* ---- appending ---- */

int elog_store_set_sync(elog_store *w, int sync, elog_err_t *err)
{
	if (w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "the sync mode is set outside a transaction");
	if (w->pg)
		return elog_pg_set_sync(w->pg, sync, err);
	return exec(w,
		    sync == ELOG_SYNC_NORMAL ? "PRAGMA synchronous = NORMAL"
					     : "PRAGMA synchronous = FULL",
		    err);
}

/* SQLite's WAL hook, after every commit: n pages are in the WAL. */
static int wal_hook(void *ctx, sqlite3 *db, const char *name, int n)
{
	elog_store *w = ctx;
	if (n >= w->wal_max)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	else if (n >= w->wal_frames)
		w->wal_fn(w->wal_ctx);
	return SQLITE_OK;
}

int elog_store_wal_defer(elog_store *w, int frames, int max_frames,
			 void (*fn)(void *ctx), void *ctx, elog_err_t *err)
{
	if (w->mode != ELOG_STORE_WRITE || !fn || frames < 1 ||
	    max_frames < frames)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "bad WAL checkpoint settings");
	w->wal_frames = frames;
	w->wal_max = max_frames;
	w->wal_fn = fn;
	w->wal_ctx = ctx;
	if (!w->pg) /* PostgreSQL checkpoints by itself */
		sqlite3_wal_hook(w->db, wal_hook, w);
	return 0;
}

int elog_store_wal_checkpoint(elog_store *s, elog_err_t *err)
{
	int rc;
	if (s->pg)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
				       NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return db_fail(s, err, "checkpointing the WAL");
	return 0;
}

int elog_store_begin(elog_store *w, elog_err_t *err)
{
	uint64_t size;
	int rc;
	if (w->mode != ELOG_STORE_WRITE)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "the store is open read-only");
	if (w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "a transaction is already open");
	if ((rc = w->pg ? elog_pg_begin(w->pg, w->frontier.size, err)
			: exec(w, "BEGIN IMMEDIATE", err)))
		return rc;
	/* Another writer (the CLI's purge beside a server) may have
	 * appended: then the frontier is reloaded from the tables. */
	if ((rc = elog_store_size(w, &size, err)) ||
	    (size != w->frontier.size && (rc = load_writer(w, err)))) {
		if (w->pg)
			elog_pg_rollback(w->pg);
		else
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	w->in_tx = 1;
	w->saved_frontier = w->frontier;
	w->saved_chain = w->chain;
	w->tx_first = w->frontier.size;
	w->hot_len = 0;
	return 0;
}

void elog_store_rollback(elog_store *w)
{
	if (!w->in_tx)
		return;
	if (w->pg)
		elog_pg_rollback(w->pg);
	else
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	/* its partition may have been made in the transaction */
	sqlite3_finalize(w->ins_st);
	w->ins_st = NULL;
	w->hot_len = 0;
	w->frontier = w->saved_frontier;
	w->chain = w->saved_chain;
	w->in_tx = 0;
}

int64_t elog_store_party_hash(const elog_store *s, const char *party)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	crypto_shorthash(h, (const unsigned char *)party, strlen(party),
			 s->party_key);
	for (int i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	return (int64_t)v;
}

static int step_done(elog_store *s, sqlite3_stmt *st, elog_err_t *err,
		     const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, err, what);
	return 0;
}

/* Run the cached statement id, which returns one row of one integer, into
 * *v; what names the read for the error message. */
static int stmt_int(elog_store *s, enum stmt_id id, int64_t *v,
		    const char *what, elog_err_t *err)
{
	sqlite3_stmt *st = stmt(s, id, err);
	int rc;
	if (!st)
		return -ELOG_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : db_fail(s, err, what);
}

/* ---- event records, one table per partition ----
 *
 * The record of event seq is in the table event_data_pK, K = seq >>
 * part_bits: a partition holds the events of one level-1 run of the index
 * (part_bits = index_run_bits + ELOG_INDEX_FANOUT_BITS), so that the purge
 * drops the partitions wholly below its horizon instead of deleting their
 * rows one by one (schema/009_event_partitions.sql).  A missing table
 * reads as records missing: purged, or removed, which verify tells apart
 * by the horizon. */

static void part_name(char *buf, size_t cap, int64_t k)
{
	snprintf(buf, cap, "event_data_p%lld", (long long)k);
}

/* 1 if partition k's table exists, 0 if not, or an error. */
static int part_exists(elog_store *s, int64_t k, elog_err_t *err)
{
	char name[40];
	part_name(name, sizeof name, k);
	return part_exists_named(s, name, err);
}

int elog_store_part_sql(int64_t k, char *buf, size_t cap)
{
	const long long n = (long long)k;
	int len = snprintf(
		buf, cap,
		"CREATE TABLE IF NOT EXISTS event_data_p%lld (seq INTEGER "
		"PRIMARY KEY, ts INTEGER NOT NULL, data BLOB NOT NULL); "
		"CREATE TRIGGER IF NOT EXISTS event_data_p%lld_no_update "
		"BEFORE UPDATE ON event_data_p%lld BEGIN SELECT RAISE(ABORT, "
		"'event_data is append-only'); END; "
		"CREATE TRIGGER IF NOT EXISTS event_data_p%lld_no_delete "
		"BEFORE DELETE ON event_data_p%lld WHEN NOT (OLD.seq <= "
		"coalesce((SELECT max(through_seq) FROM purge_horizon), -1)) "
		"BEGIN SELECT RAISE(ABORT, 'event_data is append-only'); END;",
		n, n, n, n, n);
	return len > 0 && (size_t)len < cap ? 0 : -1;
}

/* Make partition k's table and its triggers, in w's transaction, unless
 * it exists. */
static int part_create(elog_store *w, int64_t k, elog_err_t *err)
{
	char sql[ELOG_PART_SQL_MAX];
	if (elog_store_part_sql(k, sql, sizeof sql))
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "partition statement too long");
	return exec(w, sql, err);
}

/* Prepare sql with partition k's name for %s (at most one). */
static int part_prepare(elog_store *s, const char *fmt, int64_t k,
			sqlite3_stmt **st)
{
	char name[40], sql[256];
	part_name(name, sizeof name, k);
	snprintf(sql, sizeof sql, fmt, name);
	return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				  st, NULL);
}

/* The writer's insert of event seq's record, its partition made first
 * when seq is the first of it. */
static sqlite3_stmt *part_insert(elog_store *w, uint64_t seq, elog_err_t *err)
{
	const int64_t k = (int64_t)(seq >> w->part_bits);
	if (w->ins_st && w->ins_part == k) {
		sqlite3_reset(w->ins_st);
		return w->ins_st;
	}
	sqlite3_finalize(w->ins_st);
	w->ins_st = NULL;
	if (part_create(w, k, err))
		return NULL;
	if (part_prepare(w, "INSERT INTO %s(seq, ts, data) VALUES (?1, ?2, ?3)",
			 k, &w->ins_st) != SQLITE_OK) {
		db_fail(w, err, "preparing a statement");
		sqlite3_finalize(w->ins_st);
		w->ins_st = NULL;
		return NULL;
	}
	w->ins_part = k;
	return w->ins_st;
}

/* Event seq's record: its statement stepped onto the row (ts, data), to
 * be reset by the caller; NULL in *out when there is none (no row or no
 * partition).  0 or an error. */
static int part_record(elog_store *s, uint64_t seq, sqlite3_stmt **out,
		       elog_err_t *err)
{
	const int64_t k = (int64_t)(seq >> s->part_bits);
	struct part_stmt *c = &s->rec_st[(uint64_t)k % PART_CACHE];
	int rc;

	*out = NULL;
	if (c->st && c->part != k) {
		sqlite3_finalize(c->st);
		c->st = NULL;
	}
	if (!c->st) {
		if ((rc = part_exists(s, k, err)) <= 0)
			return rc;
		if (part_prepare(s, "SELECT ts, data FROM %s WHERE seq = ?1",
				 k, &c->st) != SQLITE_OK) {
			sqlite3_finalize(c->st);
			c->st = NULL;
			return db_fail(s, err, "reading a record");
		}
		c->part = k;
	}
	sqlite3_reset(c->st);
	sqlite3_bind_int64(c->st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(c->st);
	if (rc == SQLITE_ROW) {
		*out = c->st;
		return 0;
	}
	sqlite3_reset(c->st);
	if (rc == SQLITE_DONE)
		return 0;
	/* Its table dropped since it was prepared (a purge), or an error. */
	sqlite3_finalize(c->st);
	c->st = NULL;
	if ((rc = part_exists(s, k, err)) <= 0)
		return rc;
	return db_fail(s, err, "reading a record");
}

static int tree_sink(void *ctx, int level, uint64_t index,
		     const elog_hash *hash, elog_err_t *err)
{
	elog_store *w = ctx;
	sqlite3_stmt *st;
	if (w->pg)
		return elog_pg_add_tree(w->pg,
					(int64_t)elog_stored_hash_index(level,
									index),
					hash, err);
	if (level <= ELOG_TREE_DERIVED_LEVELS)
		return 0; /* derived from the leaf hashes when read */
	if (!(st = stmt(w, ST_INSERT_TREE, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1,
			   (sqlite3_int64)elog_stored_hash_index(level, index));
	sqlite3_bind_blob(st, 2, hash->b, ELOG_HASH_LEN, SQLITE_STATIC);
	return step_done(w, st, err, "writing a tree hash");
}

static int cmp_hot_row(const void *a, const void *b)
{
	const struct hot_row *x = a, *y = b;
	uint64_t bx = x->seq >> ELOG_INDEX_HOT_BLOCK_BITS;
	uint64_t by = y->seq >> ELOG_INDEX_HOT_BLOCK_BITS;
	if (bx != by)
		return bx < by ? -1 : 1;
	if (x->party != y->party)
		return x->party < y->party ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Write the waiting index rows of seqs below limit to index_hot, in key
 * order (a block's new rows go at the end of index_hot, where SQLite
 * appends without a search from the root); the others keep waiting, in
 * order. */
static int flush_below(elog_store *w, uint64_t limit, elog_err_t *err)
{
	size_t kept = 0;
	int rc = 0;
	if (w->hot_len > 1)
		qsort(w->hot_buf, w->hot_len, sizeof *w->hot_buf, cmp_hot_row);
	for (size_t i = 0; i < w->hot_len && !rc; i++) {
		sqlite3_stmt *st;
		if (w->hot_buf[i].seq >= limit) {
			w->hot_buf[kept++] = w->hot_buf[i];
			continue;
		}
		if (!(st = stmt(w, ST_INSERT_INDEX, err))) {
			rc = -ELOG_IO;
			break;
		}
		sqlite3_bind_int64(st, 1, w->hot_buf[i].party);
		sqlite3_bind_int64(st, 2, w->hot_buf[i].ts);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)w->hot_buf[i].seq);
		rc = step_done(w, st, err, "writing the event index");
	}
	w->hot_len = rc ? 0 : kept;
	return rc;
}

int elog_store_index_flush(elog_store *w, elog_err_t *err)
{
	if (w->pg)
		return elog_pg_flush(w->pg, err);
	return flush_below(w, UINT64_MAX, err);
}

/* Keep an index row for elog_store_index_flush (at the latest at commit;
 * at once when HOT_BUF_MAX rows wait). */
static int add_index(elog_store *w, int64_t party, int64_t ts, uint64_t seq,
		     elog_err_t *err)
{
	int rc;
	if (w->pg)
		return elog_pg_add_index(w->pg, party, ts, seq, err);
	if (w->hot_len == HOT_BUF_MAX && (rc = elog_store_index_flush(w, err)))
		return rc;
	if (w->hot_len == w->hot_cap) {
		size_t ncap = w->hot_cap ? 2 * w->hot_cap : 1024;
		struct hot_row *g = realloc(w->hot_buf, ncap * sizeof *g);
		if (!g)
			return elog_fail(err, ELOG_NOMEM, -1, NULL,
					 "out of memory");
		w->hot_buf = g;
		w->hot_cap = ncap;
	}
	w->hot_buf[w->hot_len].party = party;
	w->hot_buf[w->hot_len].ts = ts;
	w->hot_buf[w->hot_len].seq = seq;
	w->hot_len++;
	return 0;
}

int elog_store_add(elog_store *w, const elog_entry *e, uint64_t *seq,
		   elog_err_t *err)
{
	elog_hash leaf, chain;
	unsigned char pdata[ELOG_EVENT_LEAF_PACKED_LEN];
	unsigned char prec[ELOG_RECORD_PACKED_MAX];
	const void *stored;
	size_t stored_len;
	uint64_t n;
	sqlite3_stmt *st;
	int rc;

	if (!w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "no transaction is open");
	n = w->frontier.size;
	elog_leaf_hash(e->data, e->len, &leaf);
	elog_chain_hash(&w->chain, &leaf, &chain);
	if (e->kind == ELOG_KIND_EVENT && !e->record)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "an event entry has no record");
	if (w->pg) {
		rc = elog_pg_add_entry(w->pg, n, e, &leaf, &chain, err);
		goto added;
	}
	if (!(st = stmt(w, ST_INSERT_ENTRY, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_bind_int(st, 2, e->kind);
	if (e->kind != ELOG_KIND_EVENT)
		sqlite3_bind_int64(st, 3, e->ts);
	else if (!e->record)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "an event entry has no record");
	stored = elog_store_leaf_stored(w, e->kind, e->data, e->len, pdata,
					&stored_len);
	sqlite3_bind_blob(st, 4, stored, (int)stored_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, leaf.b, ELOG_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, chain.b, ELOG_HASH_LEN, SQLITE_STATIC);
	if ((rc = step_done(w, st, err, "writing an entry")))
		return rc;
	if (e->kind == ELOG_KIND_EVENT) {
		if (!(st = part_insert(w, n, err)))
			return -ELOG_IO;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
		sqlite3_bind_int64(st, 2, e->ts);
		if (elog_pack_record(e->record, e->record_len, prec,
				     sizeof prec, &stored_len) == 1)
			sqlite3_bind_blob(st, 3, prec, (int)stored_len,
					  SQLITE_STATIC);
		else
			sqlite3_bind_blob(st, 3, e->record, (int)e->record_len,
					  SQLITE_STATIC);
		rc = step_done(w, st, err, "writing an event");
	}
added:
	if (rc)
		return rc;
	if (e->kind == ELOG_KIND_EVENT && e->sender && e->recipient) {
		int64_t ps = elog_store_party_hash(w, e->sender);
		int64_t pr = elog_store_party_hash(w, e->recipient);
		if ((rc = add_index(w, ps, e->ts, n, err)))
			return rc;
		if (pr != ps && (rc = add_index(w, pr, e->ts, n, err)))
			return rc;
	}
	if ((rc = elog_frontier_append(&w->frontier, &leaf, tree_sink, w, err)))
		return rc;
	w->chain = chain;
	if (seq)
		*seq = n;
	return 0;
}

/* Step statement id with the seq range [first, last] as ?1, ?2 and run as
 * ?3. */
static int range_step(elog_store *w, enum stmt_id id, uint64_t first,
		      uint64_t last, int64_t run, elog_err_t *err)
{
	sqlite3_stmt *st = stmt(w, id, err);
	if (!st)
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, run);
	return step_done(w, st, err, "sealing the index");
}

/* The id of the next run: above every other, so that run ids grow with
 * first_seq (verification reads the runs' tables in id order beside its
 * walk in seq order). */
static int next_run(elog_store *w, int64_t *run, elog_err_t *err)
{
	return stmt_int(w, ST_RUN_NEXT, run, "sealing the index", err);
}

/* Run the statement sql once with the seq range [first, last] as ?1, ?2;
 * what names it for the error message. */
static int range_sql(elog_store *w, const char *sql, uint64_t first,
		     uint64_t last, const char *what, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(w, err, what);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(w, err, what);
	sqlite3_finalize(st);
	return rc;
}

/* Move the index rows of seqs [first, last] from index_hot, sorted, into
 * the table of a new run of level 0. */
static int seal_run(elog_store *w, uint64_t first, uint64_t last,
		    elog_err_t *err)
{
	char sql[RUN_SQL_MAX];
	int64_t run, moved, hot;
	int rc;
	if ((rc = next_run(w, &run, err)) ||
	    (rc = create_run_table(w, run, err)))
		return rc;
	run_sql(sql,
		"INSERT INTO \"" RUN_TABLE "%lld\"(party, ts, seq) SELECT "
		"party, ts, seq FROM index_hot WHERE " HOT_RANGE " ORDER BY "
		"party, ts, seq",
		run);
	if ((rc = range_sql(w, sql, first, last, "sealing the index", err)))
		return rc;
	moved = sqlite3_changes64(w->db);
	/* When index_hot holds only the rows just moved (the usual case:
	 * seal_runs writes a commit's rows past the run after the seal),
	 * empty it whole; else delete the run's rows by their key range. */
	if ((rc = range_step(w, ST_SEAL_RUN, first, last, run, err)) ||
	    (rc = stmt_int(w, ST_HOT_ROWS, &hot, "sealing the index", err)))
		return rc;
	return range_step(w, hot == moved ? ST_HOT_CLEAR : ST_SEAL_DROP, first,
			  last, run, err);
}

/* Merge the runs inside [first, last] (a block of level - 1 runs) into one
 * new run of level: one INSERT … SELECT of their tables, which SQLite
 * merges in key order without a sort (each table is read in its key
 * order), then their tables are dropped whole.  Nothing when the purge
 * left none. */
static int merge_runs(elog_store *w, int level, uint64_t first, uint64_t last,
		      elog_err_t *err)
{
	sqlite3_stmt *st;
	int64_t run, count = 0, min_ts = 0, max_ts = 0;
	int64_t old[ELOG_INDEX_FANOUT];
	size_t nold = 0, len;
	char sql[MERGE_SQL_MAX];
	int has_ts = 0, rc;

	if (!(st = stmt(w, ST_MERGE_RANGE, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		count = sqlite3_column_int64(st, 0);
		has_ts = sqlite3_column_type(st, 1) != SQLITE_NULL;
		min_ts = sqlite3_column_int64(st, 1);
		max_ts = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(w, err, "merging index runs");
	if (count == 0)
		return 0;
	if (!(st = stmt(w, ST_MERGE_LIST, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       nold < ELOG_INDEX_FANOUT)
		old[nold++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW
			       ? elog_fail(err, ELOG_TAMPERED, -1, NULL,
					   "more than %u index runs in one "
					   "block of level %d",
					   ELOG_INDEX_FANOUT, level - 1)
			       : db_fail(w, err, "merging index runs");
	if ((rc = next_run(w, &run, err)) ||
	    (rc = create_run_table(w, run, err)))
		return rc;
	len = (size_t)snprintf(sql, sizeof sql,
			       "INSERT INTO \"" RUN_TABLE "%lld\"(party, ts, "
			       "seq) ",
			       (long long)run);
	for (size_t i = 0; i < nold && len < sizeof sql; i++)
		len += (size_t)
			snprintf(sql + len, sizeof sql - len,
				 "%sSELECT party, ts, seq FROM \"" RUN_TABLE
				 "%lld\"",
				 i ? " UNION ALL " : "", (long long)old[i]);
	if (len < sizeof sql)
		len += (size_t)snprintf(sql + len, sizeof sql - len,
					" ORDER BY party, ts, seq");
	if (len >= sizeof sql)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "the merge's statement is too long");
	if ((rc = range_sql(w, sql, first, last, "merging index runs", err)))
		return rc;
	for (size_t i = 0; i < nold; i++) {
		run_sql(sql, "DROP TABLE \"" RUN_TABLE "%lld\"", old[i]);
		if ((rc = exec(w, sql, err)))
			return rc;
	}
	if ((rc = range_step(w, ST_MERGE_DROP_RUNS, first, last, run, err)))
		return rc;
	if (!(st = stmt(w, ST_MERGE_RUN, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
	sqlite3_bind_int64(st, 3, run);
	sqlite3_bind_int(st, 4, level);
	if (has_ts) {
		sqlite3_bind_int64(st, 5, min_ts);
		sqlite3_bind_int64(st, 6, max_ts);
	}
	return step_done(w, st, err, "merging index runs");
}

/* Inside the commit: write the waiting index rows, seal each run the
 * transaction's entries completed, and merge each block of
 * ELOG_INDEX_FANOUT runs that this fills.  A run's rows are written before
 * its seal, the rows past it after, so that the seal finds index_hot
 * holding its run alone (seal_run). */
static int seal_runs(elog_store *w, elog_err_t *err)
{
	const unsigned bits = w->run_bits;
	int rc;
	if (w->pg) {
		/* A run is a partition: its rows are there already. */
		if ((rc = elog_pg_flush(w->pg, err)))
			return rc;
		for (uint64_t k = w->tx_first >> bits;
		     k < w->frontier.size >> bits; k++)
			if ((rc = elog_pg_seal(w->pg, k << bits,
					       ((k + 1) << bits) - 1, err)))
				return rc;
		return 0;
	}
	for (uint64_t k = w->tx_first >> bits; k < w->frontier.size >> bits;
	     k++) {
		uint64_t end = (k + 1) << bits; /* one past the run */
		if ((rc = flush_below(w, end, err)) ||
		    (rc = seal_run(w, k << bits, end - 1, err)))
			return rc;
		for (int level = 1; level <= ELOG_INDEX_MAX_LEVEL; level++) {
			unsigned b = bits +
				     (unsigned)level * ELOG_INDEX_FANOUT_BITS;
			if (end & ((UINT64_C(1) << b) - 1))
				break;
			if ((rc = merge_runs(w, level, end - (UINT64_C(1) << b),
					     end - 1, err)))
				return rc;
		}
	}
	return elog_store_index_flush(w, err);
}

void elog_commit_free(elog_commit *c)
{
	if (c) {
		free(c->checkpoint);
		c->checkpoint = NULL;
	}
}

int elog_store_commit(elog_store *w, const elog_signer *signer, int64_t now_ms,
		      elog_commit *out, elog_err_t *err)
{
	elog_checkpoint cp;
	char *note = NULL;
	size_t note_len = 0;
	sqlite3_stmt *st;
	int rc;

	if (!w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "no transaction is open");
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", w->origin);
	cp.size = w->frontier.size;
	elog_frontier_root(&w->frontier, &cp.root);
	if ((rc = elog_checkpoint_sign(&cp, signer, &note, &note_len, err)))
		goto fail;
	if (w->pg) {
		if ((rc = elog_pg_add_checkpoint(w->pg, cp.size, &cp.root, note,
						 note_len, now_ms, err)) ||
		    (rc = seal_runs(w, err)))
			goto fail;
		goto sealed;
	}
	if (!(st = stmt(w, ST_INSERT_CHECKPOINT, err))) {
		rc = -ELOG_IO;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)cp.size);
	sqlite3_bind_blob(st, 2, cp.root.b, ELOG_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note, (int)note_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	if ((rc = step_done(w, st, err, "writing the checkpoint")) ||
	    (rc = seal_runs(w, err)))
		goto fail;
sealed:
	if (++w->commits == w->fail_commit) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "commit %llu failed as %s asked",
			       (unsigned long long)w->commits,
			       ELOG_TEST_FAIL_COMMIT);
		goto fail;
	}
	if ((rc = w->pg ? elog_pg_commit(w->pg, err) : exec(w, "COMMIT", err)))
		goto fail;
	w->in_tx = 0;
	if (out) {
		out->first = w->tx_first;
		out->count = cp.size - w->tx_first;
		out->size = cp.size;
		out->root = cp.root;
		out->checkpoint = note;
		out->checkpoint_len = note_len;
		note = NULL;
	}
	free(note);
	return 0;
fail:
	free(note);
	elog_store_rollback(w);
	return rc;
}

int elog_store_append(elog_store *w, const elog_entry *entries, size_t n,
		      const elog_signer *s, int64_t now_ms, elog_commit *out,
		      elog_err_t *err)
{
	int rc = elog_store_begin(w, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = elog_store_add(w, &entries[i], NULL, err))) {
			elog_store_rollback(w);
			return rc;
		}
	}
	return elog_store_commit(w, s, now_ms, out, err);
}

/* ---- reading ---- */

/* A blob column, NULL when the column is NULL. */
static const char *blob_col(sqlite3_stmt *st, int col, size_t *len)
{
	const char *b;

	*len = 0;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	b = sqlite3_column_blob(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	return b ? b : "";
}

/* ---- packed leaf data and records (pack.h) ----
 *
 * The SQLite store keeps an event's leaf data and its record packed when
 * they are in the form the library writes (nearly always): 33 and about
 * 45 bytes instead of 76 and about 155.  Reads give back the exact JSON
 * bytes.  Bytes that do not unpack (not packed, or damaged) are given as
 * they are stored, so that verify finds they differ from their hashes. */

_Static_assert(ELOG_EVENT_LEAF_PACKED_LEN == 33,
	       "store_db.h's elog_store_leaf_stored takes 33 bytes");

struct unpacked {
	char data[ELOG_EVENT_LEAF_JSON_LEN];
	char record[ELOG_RECORD_JSON_MAX];
};

const void *elog_store_leaf_stored(
	const elog_store *s, int kind, const char *data, size_t len,
	unsigned char buf[ELOG_EVENT_LEAF_PACKED_LEN], size_t *out_len)
{
	if (!s->pg && kind == ELOG_KIND_EVENT && data &&
	    elog_pack_event_leaf(data, len, buf, ELOG_EVENT_LEAF_PACKED_LEN,
				 out_len) == 1)
		return buf;
	*out_len = len;
	return data;
}

/* Stored bytes p (*len) as JSON: buf's (cap bytes) if unpack takes them,
 * else p as it is. */
static const char *unpacked(const char *p, size_t *len, char *buf, size_t cap,
			    int (*unpack)(const unsigned char *, size_t,
					  char *, size_t, size_t *))
{
	size_t n;
	if (p && *len > 0 && *p != '{' &&
	    unpack((const unsigned char *)p, *len, buf, cap, &n) == 0) {
		*len = n;
		return buf;
	}
	return p;
}

/* Stored leaf data as JSON (into buf, ELOG_EVENT_LEAF_JSON_LEN bytes). */
static const char *leaf_unpacked(const char *p, size_t *len, char *buf)
{
	return unpacked(p, len, buf, ELOG_EVENT_LEAF_JSON_LEN,
			elog_unpack_event_leaf);
}

/* A stored record as JSON (into buf, ELOG_RECORD_JSON_MAX bytes). */
static const char *record_unpacked(const char *p, size_t *len, char *buf)
{
	return unpacked(p, len, buf, ELOG_RECORD_JSON_MAX, elog_unpack_record);
}

/* An entry row of LEAF_SELECT into l, with its record from rec (a row of
 * ts, data) when an event has one: the record's ts is the event's.  Packed
 * bytes are unpacked into u, which l then points into. */
static void fill_leaf(sqlite3_stmt *st, sqlite3_stmt *rec, elog_leaf *l,
		      struct unpacked *u)
{
	char *ud = u ? u->data : NULL, *ur = u ? u->record : NULL;
	l->seq = (uint64_t)sqlite3_column_int64(st, 0);
	l->kind = sqlite3_column_int(st, 1);
	l->ts = sqlite3_column_type(st, 2) == SQLITE_NULL
			? -1
			: sqlite3_column_int64(st, 2);
	l->data = blob_col(st, 3, &l->len);
	if (ud)
		l->data = leaf_unpacked(l->data, &l->len, ud);
	if (blob_hash(st, 4, &l->leaf_hash) < 0)
		memset(&l->leaf_hash, 0, sizeof l->leaf_hash);
	if (blob_hash(st, 5, &l->chain_hash) < 0)
		memset(&l->chain_hash, 0, sizeof l->chain_hash);
	l->record = NULL;
	l->record_len = 0;
	if (rec) {
		l->ts = sqlite3_column_int64(rec, 0);
		l->record = blob_col(rec, 1, &l->record_len);
		if (ur)
			l->record = record_unpacked(l->record, &l->record_len,
						    ur);
	}
}

int elog_store_note_add_line(char **note, size_t *len, const char *line,
			     size_t ll, elog_err_t *err)
{
	char *grown;
	if (ll == 0)
		return 0;
	if (!(grown = realloc(*note, *len + ll + 2)))
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	*note = grown;
	memcpy(*note + *len, line, ll);
	*len += ll;
	if (line[ll - 1] != '\n')
		(*note)[(*len)++] = '\n';
	(*note)[*len] = '\0';
	return 0;
}

int elog_store_leaf_keep(elog_leaf *l, char **buf, size_t *cap, elog_err_t *err)
{
	size_t need = l->len + 1 + l->record_len + 1;
	if (need > *cap) {
		size_t ncap = need > 4096 ? need : 4096;
		char *g = realloc(*buf, ncap);
		if (!g)
			return elog_fail(err, ELOG_NOMEM, -1, NULL,
					 "out of memory");
		*buf = g;
		*cap = ncap;
	}
	if (l->data) {
		memcpy(*buf, l->data, l->len);
		(*buf)[l->len] = '\0';
		l->data = *buf;
	}
	if (l->record) {
		char *r = *buf + l->len + 1;
		memcpy(r, l->record, l->record_len);
		r[l->record_len] = '\0';
		l->record = r;
	}
	return 0;
}

int elog_store_leaf(elog_store *s, uint64_t seq, elog_leaf *out,
		    elog_err_t *err)
{
	sqlite3_stmt *st, *rec = NULL;
	struct unpacked u;
	int rc;
	if (s->pg)
		return elog_pg_leaf(s->pg, seq, out, err);
	if (!(st = stmt(s, ST_LEAF, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1) == ELOG_KIND_EVENT &&
		    (rc = part_record(s, seq, &rec, err))) {
			sqlite3_reset(st);
			return rc;
		}
		fill_leaf(st, rec, out, &u);
		/* Copy the data (valid until the next call on s) and reset
		 * now: a statement left on its row would hold the connection's
		 * read snapshot, hiding later commits and pinning the WAL. */
		rc = elog_store_leaf_keep(out, &s->leaf_buf, &s->leaf_cap, err);
		if (rec)
			sqlite3_reset(rec);
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return elog_fail(err, ELOG_NOT_FOUND, -1, "seq",
				 "no entry %llu", (unsigned long long)seq);
	return db_fail(s, err, "reading an entry");
}

/* The records of a range of seqs, read in seq order beside the entries
 * (elog_store_leaves): one private statement per partition. */
struct rec_cursor {
	elog_store *s;
	uint64_t end;	  /* one past the range */
	int64_t part;	  /* the partition st reads (-1: none yet) */
	sqlite3_stmt *st; /* NULL: the partition has no table */
	int on_row;	  /* st is on a row not yet taken */
};

/* The record of event seq from c (seqs asked in increasing order): its
 * statement on the row (ts, data), or NULL in *out if it has none. */
static int cursor_record(struct rec_cursor *c, uint64_t seq,
			 sqlite3_stmt **out, elog_err_t *err)
{
	const int64_t k = (int64_t)(seq >> c->s->part_bits);
	int rc;

	*out = NULL;
	if (k != c->part) {
		sqlite3_finalize(c->st);
		c->st = NULL;
		c->on_row = 0;
		c->part = k;
		if ((rc = part_exists(c->s, k, err)) < 0)
			return rc;
		if (rc == 0)
			return 0;
		if (part_prepare(c->s,
				 "SELECT ts, data, seq FROM %s WHERE seq >= "
				 "?1 AND seq < ?2 ORDER BY seq",
				 k, &c->st) != SQLITE_OK)
			return db_fail(c->s, err, "reading records");
		sqlite3_bind_int64(c->st, 1, (sqlite3_int64)seq);
		sqlite3_bind_int64(c->st, 2, (sqlite3_int64)c->end);
	}
	if (!c->st)
		return 0;
	for (;;) {
		if (!c->on_row) {
			rc = sqlite3_step(c->st);
			if (rc == SQLITE_DONE) {
				sqlite3_finalize(c->st);
				c->st = NULL;
				return 0;
			}
			if (rc != SQLITE_ROW)
				return db_fail(c->s, err, "reading records");
			c->on_row = 1;
		}
		if ((uint64_t)sqlite3_column_int64(c->st, 2) > seq)
			return 0; /* seq has none; keep the row */
		c->on_row = 0;
		if ((uint64_t)sqlite3_column_int64(c->st, 2) == seq) {
			/* ts, data as part_record gives them */
			*out = c->st;
			return 1;
		}
	}
}

/* elog_store_leaves, with the bytes as stored (packed) when stored is
 * set. */
static int leaves(elog_store *s, uint64_t start, uint64_t end, elog_leaf_fn fn,
		  void *ctx, int stored, elog_err_t *err)
{
	sqlite3_stmt *st = NULL, *rec;
	struct rec_cursor c = {s, end, -1, NULL, 0};
	struct unpacked u;
	int rc;
	if (s->pg)
		return elog_pg_leaves(s->pg, start, end, fn, ctx, err);
	/* Private statements: fn may call back into the store. */
	if (sqlite3_prepare_v2(s->db, stmt_sql[ST_LEAVES], -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, err, "reading entries");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		elog_leaf l;
		rec = NULL;
		if (sqlite3_column_int(st, 1) == ELOG_KIND_EVENT &&
		    (rc = cursor_record(&c,
					(uint64_t)sqlite3_column_int64(st, 0),
					&rec, err)) < 0)
			goto out;
		fill_leaf(st, rec, &l, stored ? NULL : &u);
		if ((rc = fn(ctx, &l)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading entries");
out:
	sqlite3_finalize(c.st);
	sqlite3_finalize(st);
	return rc;
}

int elog_store_leaves(elog_store *s, uint64_t start, uint64_t end,
		      elog_leaf_fn fn, void *ctx, elog_err_t *err)
{
	return leaves(s, start, end, fn, ctx, 0, err);
}

int elog_store_leaves_stored(elog_store *s, uint64_t start, uint64_t end,
			     elog_leaf_fn fn, void *ctx, elog_err_t *err)
{
	return leaves(s, start, end, fn, ctx, 1, err);
}

void elog_leaf_unpack(elog_leaf *l, char data[ELOG_EVENT_LEAF_JSON_LEN],
		      char record[ELOG_RECORD_JSON_MAX])
{
	l->data = leaf_unpacked(l->data, &l->len, data);
	l->record = record_unpacked(l->record, &l->record_len, record);
}

int elog_store_leaves_at(elog_store *s, const uint64_t *seqs, size_t n,
			 elog_leaf_fn fn, void *ctx, elog_err_t *err)
{
	int rc = 0;
	if (s->pg)
		return elog_pg_leaves_at(s->pg, seqs, n, fn, ctx, err);
	for (size_t i = 0; i < n && !rc; i++) {
		elog_leaf l;
		if (!(rc = elog_store_leaf(s, seqs[i], &l, err)))
			rc = fn(ctx, &l);
	}
	return rc;
}

/* A node's key in the memo and the prefetch: its tree_hash id (or a leaf's
 * seq) and whether it is a tree node. */
static uint64_t hash_key(int level, uint64_t index)
{
	return level == 0 ? index << 1
			  : elog_stored_hash_index(level, index) << 1 | 1;
}

int elog_store_tree_min_level(const elog_store *s)
{
	return s->pg ? 1 : ELOG_TREE_DERIVED_LEVELS + 1;
}

/* Leaf hashes [first, first + n) into h, in one range read: how many of
 * them were there, in order and well formed, from first on; or an error. */
static int read_leaf_hashes(elog_store *s, uint64_t first, unsigned n,
			    elog_hash *h, unsigned *got, elog_err_t *err)
{
	sqlite3_stmt *st = stmt(s, ST_NODE_LEAF_HASHES, err);
	int rc;
	*got = 0;
	if (!st)
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(first + n));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((uint64_t)sqlite3_column_int64(st, 0) != first + *got ||
		    blob_hash(st, 1, &h[*got]) < 0)
			break;
		(*got)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "reading a tree hash");
	return 0;
}

/*
 * Leaf hashes [first, first + n), within one aligned block of LEAF_BLOCK,
 * into h.  With the memo the whole block is read once per read
 * transaction: an inclusion proof's siblings of levels 0 to 3 all lie in
 * its leaf's block.  1 if one is missing or damaged, 0, or an error.
 */
static int block_leaf_hashes(elog_store *s, uint64_t first, unsigned n,
			     elog_hash *h, elog_err_t *err)
{
	const unsigned w = LEAF_BLOCK;
	uint64_t b = first & ~(uint64_t)(w - 1);
	unsigned got;
	int rc;
	if (!s->memo_on) {
		if ((rc = read_leaf_hashes(s, first, n, h, &got, err)))
			return rc;
		return got == n ? 0 : 1;
	}
	if (s->blk_gen != s->memo_gen || s->blk_first != b) {
		s->blk_gen = 0;
		if ((rc = read_leaf_hashes(s, b, w, s->blk, &s->blk_n, err)))
			return rc;
		s->blk_first = b;
		s->blk_gen = s->memo_gen;
	}
	if (first - b + n > s->blk_n)
		return 1;
	memcpy(h, s->blk + (first - b), n * sizeof *h);
	return 0;
}

/* The hash of node (level, index), level 1 to ELOG_TREE_DERIVED_LEVELS,
 * hashed up from its leaf hashes.  1 if a leaf is missing or damaged, 0,
 * or an error. */
static int tree_node_derived(elog_store *s, int level, uint64_t index,
			     elog_hash *out, elog_err_t *err)
{
	elog_hash h[1 << ELOG_TREE_DERIVED_LEVELS];
	unsigned n = 1u << level;
	int rc;
	if ((rc = block_leaf_hashes(s, index << level, n, h, err)))
		return rc;
	for (; n > 1; n /= 2)
		for (unsigned i = 0; i < n / 2; i++)
			elog_node_hash(&h[2 * i], &h[2 * i + 1], &h[i]);
	*out = h[0];
	return 0;
}

int elog_store_hash_reader(void *ctx, int level, uint64_t index,
			   elog_hash *out, elog_err_t *err)
{
	elog_store *s = ctx;
	struct hash_memo *m = NULL;
	sqlite3_stmt *st;
	int rc;
	if (s->memo_on) {
		uint64_t key = hash_key(level, index);
		m = &s->memo[(key * UINT64_C(0x9E3779B97F4A7C15)) >>
			     (64 - MEMO_BITS)];
		if (m->gen == s->memo_gen && m->key == key) {
			*out = m->h;
			return 0;
		}
		m->key = key;
		m->gen = 0; /* filled below when the read succeeds */
	}
	if (s->pg) {
		if ((rc = elog_pg_hash(s->pg, level, index, out, err)))
			return rc;
		if (m) {
			m->h = *out;
			m->gen = s->memo_gen;
		}
		return 0;
	}
	if (level >= 1 && level <= ELOG_TREE_DERIVED_LEVELS) {
		if ((rc = tree_node_derived(s, level, index, out, err)) < 0)
			return rc;
		if (rc == 0 && m) {
			m->h = *out;
			m->gen = s->memo_gen;
		}
		if (rc == 0)
			return 0;
		return elog_fail(err, ELOG_TAMPERED, -1, NULL,
				 "tree hash (level %d, index %llu) is missing "
				 "or damaged",
				 level, (unsigned long long)index);
	}
	if (level == 0 && s->memo_on &&
	    block_leaf_hashes(s, index, 1, out, err) == 0) {
		if (m) {
			m->h = *out;
			m->gen = s->memo_gen;
		}
		return 0;
	}
	if (level == 0) { /* without the memo, or missing from the block */
		st = stmt(s, ST_LEAF_HASH, err);
		if (!st)
			return -ELOG_IO;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	} else {
		st = stmt(s, ST_TREE_HASH, err);
		if (!st)
			return -ELOG_IO;
		sqlite3_bind_int64(st, 1,
				   (sqlite3_int64)
					   elog_stored_hash_index(level,
								  index));
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && blob_hash(st, 0, out) == 0) {
		sqlite3_reset(st);
		if (m) {
			m->h = *out;
			m->gen = s->memo_gen;
		}
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return elog_fail(err, ELOG_TAMPERED, -1, NULL,
				 "tree hash (level %d, index %llu) is missing "
				 "or damaged",
				 level, (unsigned long long)index);
	return db_fail(s, err, "reading a tree hash");
}

/* A tile being read: its rows in seq order from next on. */
struct tile_buf {
	int hashes; /* leaf hashes, else entry bundle data */
	uint8_t *buf;
	size_t n, cap;
	uint64_t next;
};

/* Add entry seq's leaf hash or public leaf data v (len bytes) to the tile
 * t (an elog_pg_row_fn). */
static int tile_put(void *ctx, uint64_t seq, const void *v, size_t l,
		    elog_err_t *err)
{
	struct tile_buf *t = ctx;
	if (seq != t->next)
		return elog_fail(err, ELOG_TAMPERED, -1, NULL,
				 "entry %llu is missing",
				 (unsigned long long)t->next);
	if (t->hashes) {
		if (!v || l != ELOG_HASH_LEN)
			return elog_fail(err, ELOG_TAMPERED, -1, NULL,
					 "the leaf hash of entry %llu is "
					 "damaged",
					 (unsigned long long)seq);
		memcpy(t->buf + t->n, v, ELOG_HASH_LEN);
		t->n += ELOG_HASH_LEN;
	} else {
		if (l > ELOG_TILE_MAX_ENTRY)
			return elog_fail(err, ELOG_INTERNAL, -1, NULL,
					 "entry %llu is too long for an entry "
					 "bundle",
					 (unsigned long long)seq);
		if (t->n + 2 + l > t->cap) {
			size_t nc = t->cap * 2 > t->n + 2 + l ? t->cap * 2
							      : t->n + 2 + l;
			uint8_t *nb = realloc(t->buf, nc);
			if (!nb)
				return elog_fail(err, ELOG_NOMEM, -1, NULL,
						 "out of memory");
			t->buf = nb;
			t->cap = nc;
		}
		t->buf[t->n] = (uint8_t)(l >> 8);
		t->buf[t->n + 1] = (uint8_t)(l & 0xff);
		if (l)
			memcpy(t->buf + t->n + 2, v, l);
		t->n += 2 + l;
	}
	t->next++;
	return 0;
}

/*
 * Tile rows [first, first + width) of a range statement (ST_TILE_*: seq,
 * then a leaf hash or the leaf data) into *out: hashes, or the entry
 * bundle's length-prefixed data.  Every seq must be there, in order.
 */
static int tile_rows(elog_store *s, enum stmt_id id, uint64_t first,
		     unsigned width, uint8_t **out, size_t *len,
		     elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	struct tile_buf t = {0};
	int rc;

	t.hashes = id == ST_TILE_LEAF_HASHES;
	t.cap = t.hashes ? (size_t)width * ELOG_HASH_LEN : (size_t)width * 128;
	t.next = first;
	if (!(t.buf = malloc(t.cap)))
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	if (s->pg) {
		if ((rc = elog_pg_tile_rows(s->pg, t.hashes, first, width,
					    tile_put, &t, err)))
			goto out;
	} else {
		if (!(st = stmt(s, id, err))) {
			rc = -ELOG_IO;
			goto out;
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(first + width));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			char buf[ELOG_EVENT_LEAF_JSON_LEN];
			size_t n = (size_t)sqlite3_column_bytes(st, 1);
			const char *v = sqlite3_column_blob(st, 1);
			if (!t.hashes)
				v = leaf_unpacked(v, &n, buf);
			if ((rc = tile_put(&t,
					   (uint64_t)sqlite3_column_int64(st,
									  0),
					   v, n, err)))
				goto out;
		}
		if (rc != SQLITE_DONE) {
			rc = db_fail(s, err, "reading a tile");
			goto out;
		}
	}
	if (t.next != first + width) {
		rc = elog_fail(err, ELOG_TAMPERED, -1, NULL,
			       "entry %llu is missing",
			       (unsigned long long)t.next);
		goto out;
	}
	*out = t.buf;
	*len = t.n;
	t.buf = NULL;
	rc = 0;
out:
	if (st)
		sqlite3_reset(st);
	free(t.buf);
	return rc;
}

int elog_store_tile(elog_store *s, const elog_tile *t, uint64_t size,
		    uint8_t **out, size_t *len, elog_err_t *err)
{
	uint8_t *buf = NULL;
	uint64_t cur, first = t->index * ELOG_TILE_WIDTH;
	int began = 0, rc, h = elog_tile_merkle_level(t);

	*out = NULL;
	*len = 0;
	if ((rc = elog_store_read_begin(s, &began, err)) != 0)
		return rc;
	if ((rc = elog_store_size(s, &cur, err)) != 0)
		goto out;
	if (size > cur || t->width < 1 ||
	    elog_tile_width_at(t->level, t->index, size) < t->width) {
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, "path",
			       "the tree does not reach that tile");
		goto out;
	}
	if (t->level == ELOG_TILE_ENTRIES || t->level == 0) {
		rc = tile_rows(s,
			       t->level == 0 ? ST_TILE_LEAF_HASHES
					     : ST_TILE_ENTRIES,
			       first, t->width, out, len, err);
		goto out;
	}
	/* Above level 0 the nodes of a tile are not adjacent in tree_hash. */
	if (!(buf = malloc((size_t)t->width * ELOG_HASH_LEN))) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	if (s->pg) {
		int64_t ids[ELOG_TILE_WIDTH];
		for (unsigned i = 0; i < t->width; i++)
			ids[i] = (int64_t)elog_stored_hash_index(h, first + i);
		if ((rc = elog_pg_tree_hashes(s->pg, ids, t->width,
					      (elog_hash *)buf, err)))
			goto out;
	}
	for (unsigned i = 0; i < t->width && !s->pg; i++) {
		elog_hash hh;
		if ((rc = elog_store_hash_reader(s, h, first + i, &hh, err)))
			goto out;
		memcpy(buf + (size_t)i * ELOG_HASH_LEN, hh.b, ELOG_HASH_LEN);
	}
	*out = buf;
	*len = (size_t)t->width * ELOG_HASH_LEN;
	buf = NULL;
out:
	free(buf);
	elog_store_read_end(s, began);
	return rc;
}

int elog_store_read_begin(elog_store *s, int *began, elog_err_t *err)
{
	sqlite3_stmt *st;
	int rc;
	*began = 0;
	if (s->pg) {
		if ((rc = elog_pg_read_begin(s->pg, began, err)) || !*began)
			return rc;
	} else {
		if (!sqlite3_get_autocommit(s->db))
			return 0; /* already inside a transaction */
		if (!(st = stmt(s, ST_BEGIN_READ, err)))
			return -ELOG_IO;
		if (step_done(s, st, err, "starting a read"))
			return -ELOG_IO;
		*began = 1;
	}
	/* A reader's snapshot: its tree hashes may be kept until it ends
	 * (without the memo if it cannot be had). */
	if (s->mode == ELOG_STORE_READ &&
	    (s->memo ||
	     (s->memo = calloc((size_t)1 << MEMO_BITS, sizeof *s->memo)))) {
		s->memo_gen++;
		s->memo_on = 1;
	}
	return 0;
}

void elog_store_read_end(elog_store *s, int began)
{
	sqlite3_stmt *st;
	if (began)
		s->memo_on = 0;
	if (s->pg)
		elog_pg_read_end(s->pg, began);
	else if (began && (st = stmt(s, ST_END_READ, NULL)))
		step_done(s, st, NULL, "ending a read");
}

/*
 * On PostgreSQL each hash read is a round trip, so a root or a proof is
 * computed twice: first with a reader that only notes which nodes it asks
 * for (which nodes a root or proof needs depends on the sizes and
 * indices, never on the hashes), then, after one query has fetched them
 * all, with a reader that answers from those.
 */
struct prefetch {
	elog_store *s;
	uint64_t *key; /* hash_key of each node, sorted once fetched */
	elog_hash *h;  /* once fetched, the hash of key[i] */
	size_t n, cap;
	int fetched;
};

static int cmp_u64(const void *a, const void *b);

static int prefetch_reader(void *ctx, int level, uint64_t index,
			   elog_hash *out, elog_err_t *err)
{
	struct prefetch *p = ctx;
	uint64_t k = hash_key(level, index), *f;
	if (p->fetched) {
		f = p->n ? bsearch(&k, p->key, p->n, sizeof *p->key, cmp_u64)
			 : NULL;
		if (f) {
			*out = p->h[f - p->key];
			return 0;
		}
		/* not foreseen: read it */
		return elog_store_hash_reader(p->s, level, index, out, err);
	}
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		uint64_t *nk = realloc(p->key, nc * sizeof *nk);
		if (!nk)
			return elog_fail(err, ELOG_NOMEM, -1, NULL,
					 "out of memory");
		p->key = nk;
		p->cap = nc;
	}
	p->key[p->n++] = k;
	memset(out, 0, sizeof *out);
	return 0;
}

/* Fetch the nodes the first pass noted, in one query per kind. */
static int prefetch_fill(struct prefetch *p, elog_err_t *err)
{
	int64_t *ids = NULL;
	elog_hash *got = NULL;
	size_t u = 0;
	int rc = 0;
	p->fetched = 1;
	if (p->n == 0)
		return 0;
	qsort(p->key, p->n, sizeof *p->key, cmp_u64);
	for (size_t i = 0; i < p->n; i++)
		if (u == 0 || p->key[i] != p->key[u - 1])
			p->key[u++] = p->key[i];
	p->n = u;
	ids = malloc(p->n * sizeof *ids);
	got = malloc(p->n * sizeof *got);
	p->h = malloc(p->n * sizeof *p->h);
	if (!ids || !got || !p->h) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	for (uint64_t tree = 0; tree < 2; tree++) {
		size_t k = 0;
		for (size_t i = 0; i < p->n; i++)
			if ((p->key[i] & 1) == tree)
				ids[k++] = (int64_t)(p->key[i] >> 1);
		if (k == 0)
			continue;
		if ((rc = tree ? elog_pg_tree_hashes(p->s->pg, ids, k, got, err)
			       : elog_pg_leaf_hashes(p->s->pg, ids, k, got,
						     err)))
			goto out;
		k = 0;
		for (size_t i = 0; i < p->n; i++)
			if ((p->key[i] & 1) == tree)
				p->h[i] = got[k++];
	}
out:
	free(ids);
	free(got);
	return rc;
}

static void prefetch_free(struct prefetch *p)
{
	free(p->key);
	free(p->h);
}

int elog_store_root(elog_store *s, uint64_t size, elog_hash *out,
		    elog_err_t *err)
{
	struct prefetch p = {.s = s};
	int began, rc = elog_store_read_begin(s, &began, err);
	if (rc == 0 && s->pg) {
		if ((rc = elog_tree_root(size, prefetch_reader, &p, out,
					 err)) == 0 &&
		    (rc = prefetch_fill(&p, err)) == 0)
			rc = elog_tree_root(size, prefetch_reader, &p, out,
					    err);
	} else if (rc == 0) {
		rc = elog_tree_root(size, elog_store_hash_reader, s, out, err);
	}
	prefetch_free(&p);
	elog_store_read_end(s, began);
	return rc;
}

int elog_store_prove_inclusion(elog_store *s, uint64_t index, uint64_t size,
			       elog_hash *proof, size_t *n, elog_err_t *err)
{
	return elog_store_prove_inclusions(s, &index, 1, size, proof, n, err);
}

int elog_store_prove_inclusions(elog_store *s, const uint64_t *index,
				size_t count, uint64_t size, elog_hash *proofs,
				size_t *n, elog_err_t *err)
{
	struct prefetch p = {.s = s};
	int began, rc = elog_store_read_begin(s, &began, err);
	/* On PostgreSQL a first pass notes the nodes of all the proofs. */
	for (int pass = s->pg ? 0 : 1; rc == 0 && pass < 2; pass++) {
		if (pass == 1 && s->pg && (rc = prefetch_fill(&p, err)))
			break;
		for (size_t i = 0; rc == 0 && i < count; i++)
			rc = elog_prove_inclusion(index[i], size,
						  s->pg ? prefetch_reader
							: elog_store_hash_reader,
						  s->pg ? (void *)&p
							: (void *)s,
						  proofs + i * ELOG_MAX_PROOF,
						  &n[i], err);
	}
	prefetch_free(&p);
	elog_store_read_end(s, began);
	return rc;
}

int elog_store_prove_consistency(elog_store *s, uint64_t old_size,
				 uint64_t new_size, elog_hash *proof,
				 size_t *n, elog_err_t *err)
{
	struct prefetch p = {.s = s};
	int began, rc = elog_store_read_begin(s, &began, err);
	if (rc == 0 && s->pg) {
		if ((rc = elog_prove_consistency(old_size, new_size,
						 prefetch_reader, &p, proof, n,
						 err)) == 0 &&
		    (rc = prefetch_fill(&p, err)) == 0)
			rc = elog_prove_consistency(old_size, new_size,
						    prefetch_reader, &p, proof,
						    n, err);
	} else if (rc == 0) {
		rc = elog_prove_consistency(old_size, new_size,
					    elog_store_hash_reader, s, proof,
					    n, err);
	}
	prefetch_free(&p);
	elog_store_read_end(s, began);
	return rc;
}

/* Append the cosignature lines stored for size to the malloc'd note. */
static int with_cosignatures(elog_store *s, uint64_t size, char **note,
			     size_t *len, elog_err_t *err)
{
	sqlite3_stmt *st = stmt(s, ST_COSIGS, err);
	int rc;
	if (!st)
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		size_t ll = (size_t)sqlite3_column_bytes(st, 0);
		int rc2 = line ? elog_store_note_add_line(note, len, line, ll,
							  err)
			       : 0;
		if (rc2) {
			sqlite3_reset(st);
			return rc2;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading cosignatures");
}

/* The checkpoint st's step finds, with its cosignature lines if cosigned. */
static int read_checkpoint(elog_store *s, sqlite3_stmt *st, char **note,
			   size_t *len, uint64_t *size, int cosigned,
			   elog_err_t *err)
{
	int rc = sqlite3_step(st);
	const char *text;
	size_t n;
	uint64_t sz;
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
					 "no such checkpoint");
		return db_fail(s, err, "reading a checkpoint");
	}
	sz = (uint64_t)sqlite3_column_int64(st, 0);
	text = (const char *)sqlite3_column_text(st, 1);
	n = (size_t)sqlite3_column_bytes(st, 1);
	*note = malloc(n + 1);
	if (!*note) {
		sqlite3_reset(st);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	memcpy(*note, text ? text : "", n);
	(*note)[n] = '\0';
	sqlite3_reset(st);
	*len = n;
	if (size)
		*size = sz;
	rc = cosigned ? with_cosignatures(s, sz, note, len, err) : 0;
	if (rc) {
		free(*note);
		*note = NULL;
	}
	return rc;
}

int elog_store_checkpoint_latest(elog_store *s, char **note, size_t *len,
				 uint64_t *size, elog_err_t *err)
{
	sqlite3_stmt *st;
	if (s->pg)
		return elog_pg_checkpoint(s->pg, ELOG_PG_CP_LATEST, 0, note,
					  len, size, err);
	if (!(st = stmt(s, ST_CP_LATEST, err)))
		return -ELOG_IO;
	return read_checkpoint(s, st, note, len, size, 1, err);
}

int elog_store_checkpoint_at(elog_store *s, uint64_t size, char **note,
			     size_t *len, elog_err_t *err)
{
	sqlite3_stmt *st;
	if (s->pg)
		return elog_pg_checkpoint(s->pg, ELOG_PG_CP_AT, size, note,
					  len, NULL, err);
	if (!(st = stmt(s, ST_CP_AT, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	return read_checkpoint(s, st, note, len, NULL, 1, err);
}

int elog_store_checkpoint_covering(elog_store *s, uint64_t size, char **note,
				   size_t *len, uint64_t *cp_size,
				   elog_err_t *err)
{
	sqlite3_stmt *st;
	if (s->pg)
		return elog_pg_checkpoint(s->pg, ELOG_PG_CP_COVERING, size,
					  note, len, cp_size, err);
	if (!(st = stmt(s, ST_CP_COVERING, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	return read_checkpoint(s, st, note, len, cp_size, 0, err);
}

int elog_store_checkpoints(elog_store *s, elog_checkpoint_fn fn, void *ctx,
			   elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (s->pg)
		return elog_pg_checkpoints(s->pg, fn, ctx, err);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT size, note FROM checkpoint ORDER BY size",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading checkpoints");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 1);
		rc = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0),
			text ? text : "", (size_t)sqlite3_column_bytes(st, 1));
		if (rc != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading checkpoints");
out:
	sqlite3_finalize(st);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Append v to *cand (growing it), unless that makes more than limit: then
 * 1.  Negative on failure. */
static int add_candidate(uint64_t **cand, size_t *nc, size_t *cap, uint64_t v,
			 size_t limit, elog_err_t *err)
{
	if (*nc == *cap) {
		size_t ncap = *cap ? 2 * *cap : 256;
		uint64_t *g = realloc(*cand, ncap * sizeof *g);
		if (!g)
			return elog_fail(err, ELOG_NOMEM, -1, NULL,
					 "out of memory");
		*cand = g;
		*cap = ncap;
	}
	(*cand)[(*nc)++] = v;
	return *nc > limit;
}

/* Step st (bound by the caller), adding each row's seq (column 0) to the
 * candidates, then reset it.  0 when every row was added; 1 when there are
 * more than limit (*truncated set); a negative error (what names the read
 * for the message). */
static int collect_candidates(elog_store *s, sqlite3_stmt *st, uint64_t **cand,
			      size_t *nc, size_t *cap, size_t limit,
			      int *truncated, const char *what,
			      elog_err_t *err)
{
	int rc, r;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = add_candidate(cand, nc, cap,
				       (uint64_t)sqlite3_column_int64(st, 0),
				       limit, err))) {
			sqlite3_reset(st);
			if (r > 0)
				*truncated = 1;
			return r;
		}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, what);
}

/* Party hashes one search of an index_hot block looks for (ST_HOT_QUERY). */
#define HOT_PARTIES 16

/* The index's candidates for the subjects' party hashes in [from, to):
 * in each block of index_hot, one key search per subject (one statement
 * per HOT_PARTIES subjects); then a probe per subject of each run whose ts
 * range meets the window.  *truncated when more than limit. */
static int index_candidates(elog_store *s, const int64_t *hash,
			    size_t nsubjects, int64_t from, int64_t to,
			    size_t limit, uint64_t **cand, size_t *nc,
			    int *truncated, elog_err_t *err)
{
	int64_t *runs = NULL;
	size_t nr = 0, rcap = 0, cap = 0;
	uint64_t size, blk, hot_end, hot_from;
	sqlite3_stmt *st;
	int rc = 0;

	if ((rc = elog_store_size(s, &size, err)))
		goto out;
	/* What is sealed is what the last commit sealed: a writer's open
	 * transaction may have passed run boundaries whose runs are still in
	 * index_hot until its commit seals them. */
	hot_from = elog_store_index_hot_from(s, s->mode == ELOG_STORE_WRITE &&
								s->in_tx
							? s->tx_first
							: size);
	/* index_hot's blocks: from the first hot event's to one past the
	 * last event's (none when the log ends on a run's boundary) */
	blk = hot_from >> ELOG_INDEX_HOT_BLOCK_BITS;
	hot_end = size > hot_from
			  ? ((size - 1) >> ELOG_INDEX_HOT_BLOCK_BITS) + 1
			  : blk;
	for (; blk < hot_end; blk++)
		for (size_t i0 = 0; i0 < nsubjects; i0 += HOT_PARTIES) {
			if (!(st = stmt(s, ST_HOT_QUERY, err))) {
				rc = -ELOG_IO;
				goto out;
			}
			sqlite3_bind_int64(st, 1, from);
			sqlite3_bind_int64(st, 2, to);
			/* unused places repeat the first hash */
			for (int k = 0; k < HOT_PARTIES; k++)
				sqlite3_bind_int64(
					st, 3 + k,
					hash[i0 + (i0 + (size_t)k < nsubjects
							   ? (size_t)k
							   : 0)]);
			sqlite3_bind_int64(st, 19, (sqlite3_int64)blk);
			if ((rc = collect_candidates(s, st, cand, nc, &cap,
						     limit, truncated,
						     "scanning the hot index",
						     err)))
				goto out;
		}
	/* The runs whose events' ts range meets the window. */
	if (!(st = stmt(s, ST_RUNS, err))) {
		rc = -ELOG_IO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nr == rcap) {
			size_t ncap = rcap ? 2 * rcap : 64;
			int64_t *g = realloc(runs, ncap * sizeof *g);
			if (!g) {
				sqlite3_reset(st);
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "out of memory");
				goto out;
			}
			runs = g;
			rcap = ncap;
		}
		runs[nr++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = db_fail(s, err, "reading the index runs");
		goto out;
	}
	rc = 0;
	for (size_t k = 0; k < nr * nsubjects; k++) {
		if (!(st = run_stmt(s, runs[k % nr], RS_QUERY, err))) {
			rc = -ELOG_IO;
			goto out;
		}
		sqlite3_bind_int64(st, 1, hash[k / nr]);
		sqlite3_bind_int64(st, 2, from);
		sqlite3_bind_int64(st, 3, to);
		if ((rc = collect_candidates(s, st, cand, nc, &cap, limit,
					     truncated,
					     "querying the event index", err)))
			goto out;
	}
out:
	free(runs);
	return rc < 0 ? rc : 0; /* 1: truncated, which is not an error */
}

int elog_store_events_for(elog_store *s, char *const *subjects,
			  size_t nsubjects, int64_t from, int64_t to,
			  size_t max, uint64_t **seqs, size_t *n,
			  int *truncated, elog_err_t *err)
{
	uint64_t *cand = NULL, *keep = NULL;
	int64_t *hash = NULL;
	size_t nc = 0, nk = 0;
	int began = 0, rc = 0;

	*seqs = NULL;
	*n = 0;
	*truncated = 0;
	if (!(hash = malloc((nsubjects ? nsubjects : 1) * sizeof *hash))) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nsubjects; i++)
		hash[i] = elog_store_party_hash(s, subjects[i]);
	/* A writer's own transaction: its rows first. */
	if ((rc = elog_store_index_flush(s, err)))
		goto out;
	/* One snapshot: a seal moves rows from index_hot into a run. */
	if ((rc = elog_store_read_begin(s, &began, err)))
		goto out;
	/* Bound the work: more than twice max candidates cannot all be
	 * wanted. */
	if (nsubjects > 0 && s->pg &&
	    (rc = elog_pg_candidates(s->pg, hash, nsubjects, from, to,
				     2 * max + 2 * nsubjects, &cand, &nc,
				     truncated, err)))
		goto out;
	if (nsubjects > 0 && !s->pg &&
	    (rc = index_candidates(s, hash, nsubjects, from, to,
				   2 * max + 2 * nsubjects, &cand, &nc,
				   truncated, err)))
		goto out;
	if (nc > 1) /* qsort's array must not be NULL, even when empty */
		qsort(cand, nc, sizeof *cand, cmp_u64);
	keep = malloc((nc ? nc : 1) * sizeof *keep);
	if (!keep) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	/* Confirm each candidate against its leaf data (the index holds
	 * 64-bit hashes, which may collide), once per seq. */
	for (size_t i = 0; i < nc; i++) {
		elog_leaf l;
		elog_entry e;
		int match = 0;
		if (i > 0 && cand[i] == cand[i - 1])
			continue;
		if ((rc = elog_store_leaf(s, cand[i], &l, err)))
			goto out;
		if (!l.record || l.kind != ELOG_KIND_EVENT)
			continue; /* purged since it was indexed */
		if ((rc = elog_entry_from_record(l.record, l.record_len, &e,
						 err)))
			goto out;
		if (e.ts >= from && e.ts < to)
			for (size_t j = 0; j < nsubjects && !match; j++)
				match = strcmp(e.sender, subjects[j]) == 0 ||
					strcmp(e.recipient, subjects[j]) == 0;
		elog_entry_free(&e);
		if (!match)
			continue;
		if (nk == max) {
			*truncated = 1;
			break;
		}
		keep[nk++] = cand[i];
	}
	*seqs = keep;
	*n = nk;
	keep = NULL;
out:
	elog_store_read_end(s, began);
	free(hash);
	free(cand);
	free(keep);
	return rc;
}

unsigned elog_store_index_run_bits(const elog_store *s)
{
	return s->run_bits;
}

uint64_t elog_store_index_hot_from(const elog_store *s, uint64_t size)
{
	return (size >> s->run_bits) << s->run_bits;
}

int elog_store_index_runs(elog_store *s, elog_index_run **runs, size_t *n,
			  elog_err_t *err)
{
	elog_index_run *v = NULL;
	size_t nv = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	*runs = NULL;
	*n = 0;
	if (s->pg)
		return elog_pg_index_runs(s->pg, runs, n, err);
	if (!(st = stmt(s, ST_RUN_LIST, err)))
		return -ELOG_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		elog_index_run *r;
		if (nv == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			elog_index_run *g = realloc(v, ncap * sizeof *g);
			if (!g) {
				sqlite3_reset(st);
				free(v);
				return elog_fail(err, ELOG_NOMEM, -1, NULL,
						 "out of memory");
			}
			v = g;
			cap = ncap;
		}
		r = &v[nv++];
		r->run = sqlite3_column_int64(st, 0);
		r->level = sqlite3_column_int(st, 1);
		r->first_seq = (uint64_t)sqlite3_column_int64(st, 2);
		r->last_seq = (uint64_t)sqlite3_column_int64(st, 3);
		r->has_ts = sqlite3_column_type(st, 4) == SQLITE_INTEGER &&
			    sqlite3_column_type(st, 5) == SQLITE_INTEGER;
		r->min_ts = sqlite3_column_int64(st, 4);
		r->max_ts = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_fail(s, err, "reading the index runs");
	}
	*runs = v;
	*n = nv;
	return 0;
}

int elog_store_index_has(elog_store *s, int64_t run, const char *party,
			 int64_t ts, uint64_t seq, int *found, elog_err_t *err)
{
	sqlite3_stmt *st;
	int rc;
	if (s->pg)
		return elog_pg_index_has(s->pg, run,
					 elog_store_party_hash(s, party), ts,
					 seq, found, err);
	if (!(st = run < 0 ? stmt(s, ST_HOT_HAS, err)
			   : run_stmt(s, run, RS_HAS, err)))
		return -ELOG_IO;
	sqlite3_bind_int64(st, 1, elog_store_party_hash(s, party));
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "reading the event index");
	*found = rc == SQLITE_ROW;
	return 0;
}

int elog_store_index_rows(const elog_store *s, const char *sender,
			  const char *recipient)
{
	return elog_store_party_hash(s, sender) ==
			       elog_store_party_hash(s, recipient)
		       ? 1
		       : 2;
}

/* The ids of the tables of sealed runs into *runs (the caller frees it),
 * ascending; a table named like one whose name is not RUN_TABLE and a run
 * id in decimal as this store writes it is listed as -1. */
static int run_tables(elog_store *s, int64_t **runs, size_t *n, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int64_t *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;

	*runs = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT name FROM sqlite_master WHERE type = "
			       "'table' AND name GLOB '" RUN_TABLE "*'",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "listing the index runs' tables");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		char back[RUN_SQL_MAX];
		uint64_t id;
		if (nv == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			int64_t *g = realloc(v, ncap * sizeof *g);
			if (!g) {
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "out of memory");
				goto out;
			}
			v = g;
			cap = ncap;
		}
		v[nv] = -1;
		if (name && elog_param_uint(name + strlen(RUN_TABLE),
					    INT64_MAX, &id) == 0) {
			run_sql(back, RUN_TABLE "%lld", (int64_t)id);
			if (strcmp(back, name) == 0)
				v[nv] = (int64_t)id;
		}
		nv++;
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(s, err, "listing the index runs' tables");
		goto out;
	}
	rc = 0;
	if (nv > 1)
		qsort(v, nv, sizeof *v, cmp_i64);
	*runs = v;
	*n = nv;
	v = NULL;
out:
	sqlite3_finalize(st);
	free(v);
	return rc;
}

int elog_store_index_tables(elog_store *s, int64_t **runs, size_t *n,
			    elog_err_t *err)
{
	elog_index_run *r = NULL;
	int rc;
	if (!s->pg)
		return run_tables(s, runs, n, err);
	/* PostgreSQL's runs are partitions of one table, checked by its
	 * scan: each listed run has its place. */
	*runs = NULL;
	if ((rc = elog_store_index_runs(s, &r, n, err)))
		return rc;
	if (*n > 0 && !(*runs = malloc(*n * sizeof **runs))) {
		free(r);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	for (size_t i = 0; i < *n; i++)
		(*runs)[i] = r[i].run;
	if (*n > 1)
		qsort(*runs, *n, sizeof **runs, cmp_i64);
	free(r);
	return 0;
}

/* The one integer sql's first row holds into *v (a private statement). */
static int query_int(elog_store *s, const char *sql, int64_t *v,
		     const char *what, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, what);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW ? 0 : db_fail(s, err, what);
	sqlite3_finalize(st);
	return rc;
}

int elog_store_index_count(elog_store *s, uint64_t *n, elog_err_t *err)
{
	int64_t *runs = NULL, v = 0, total = 0;
	size_t nr = 0;
	char sql[RUN_SQL_MAX];
	int rc;
	if (s->pg)
		return elog_pg_index_count(s->pg, n, err);
	if ((rc = query_int(s, "SELECT count(*) FROM index_hot", &total,
			    "counting the event index", err)) ||
	    (rc = run_tables(s, &runs, &nr, err)))
		goto out;
	for (size_t i = 0; i < nr; i++) {
		if (runs[i] < 0)
			continue;
		run_sql(sql, "SELECT count(*) FROM \"" RUN_TABLE "%lld\"",
			runs[i]);
		if ((rc = query_int(s, sql, &v, "counting the event index",
				    err)))
			goto out;
		total += v;
	}
out:
	free(runs);
	*n = (uint64_t)total;
	return rc;
}

int elog_store_index_rows_of(const elog_store *s, const char *sender,
			     const char *recipient, int64_t ts, uint64_t seq,
			     elog_index_row rows[2])
{
	int64_t a = elog_store_party_hash(s, sender),
		b = elog_store_party_hash(s, recipient);
	rows[0].party = a;
	rows[0].ts = ts;
	rows[0].seq = seq;
	if (a == b)
		return 1;
	rows[1].party = b;
	rows[1].ts = ts;
	rows[1].seq = seq;
	return 2;
}

/* Pass each row of st (party, ts, seq) to fn with hot and run; then
 * finalize st.  0 when all were passed, fn's nonzero return, or a negative
 * error. */
static int scan_rows(elog_store *s, sqlite3_stmt *st, int hot, int64_t run,
		     elog_index_row_fn fn, void *ctx, elog_err_t *err)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		elog_index_row r;
		r.party = sqlite3_column_int64(st, 0);
		r.ts = sqlite3_column_int64(st, 1);
		r.seq = (uint64_t)sqlite3_column_int64(st, 2);
		if ((rc = fn(ctx, hot, run, &r)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0
			       : db_fail(s, err, "reading the event index");
out:
	sqlite3_finalize(st);
	return rc;
}

int elog_store_index_scan(elog_store *s, elog_index_row_fn fn, void *ctx,
			  elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int64_t *runs = NULL;
	size_t nr = 0;
	char sql[RUN_SQL_MAX];
	int rc;
	if (s->pg)
		return elog_pg_index_scan(s->pg, s->run_bits, fn, ctx, err);
	if ((rc = run_tables(s, &runs, &nr, err)))
		return rc;
	/* Private statements: fn may call back into the store. */
	for (size_t i = 0; i < nr && rc == 0; i++) {
		if (runs[i] < 0)
			continue; /* no run's: verification names it */
		run_sql(sql,
			"SELECT party, ts, seq FROM \"" RUN_TABLE "%lld\" "
			"ORDER BY party, ts, seq",
			runs[i]);
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) !=
		    SQLITE_OK) {
			rc = db_fail(s, err, "reading the event index");
			goto out;
		}
		rc = scan_rows(s, st, 0, runs[i], fn, ctx, err);
	}
	if (rc == 0) {
		if (sqlite3_prepare_v2(s->db, stmt_sql[ST_SCAN_HOT], -1, &st,
				       NULL) != SQLITE_OK) {
			rc = db_fail(s, err, "reading the event index");
			goto out;
		}
		rc = scan_rows(s, st, 1, -1, fn, ctx, err);
	}
out:
	free(runs);
	return rc;
}

int elog_store_open_peer(elog_store *s, elog_store **peer, elog_err_t *err)
{
	const char *path = s->db ? sqlite3_db_filename(s->db, "main") : NULL;
	*peer = NULL;
	if (!path || !*path)
		return elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
				 "the database has no file another reader "
				 "could open");
	return elog_store_open(path, ELOG_STORE_READ, ELOG_SYNC_FULL, peer,
			       err);
}

/* Begin a read transaction on s and read what identifies its state. */
static int begin_state(elog_store *s, int64_t state[4], elog_err_t *err)
{
	sqlite3_stmt *st;
	int rc;
	if (!sqlite3_get_autocommit(s->db))
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "a transaction is already open");
	if (!(st = stmt(s, ST_BEGIN_READ, err)) ||
	    step_done(s, st, err, "starting a read") ||
	    !(st = stmt(s, ST_READ_STATE, err)))
		return -ELOG_IO;
	rc = sqlite3_step(st);
	for (int i = 0; i < 4 && rc == SQLITE_ROW; i++)
		state[i] = sqlite3_column_int64(st, i);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		rc = db_fail(s, err, "starting a read");
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

/* Tries of elog_store_read_pair before it gives up. */
#define READ_PAIR_TRIES 100

int elog_store_read_pair(elog_store *a, elog_store *b, elog_err_t *err)
{
	/* SQLite cannot hand one snapshot to another connection (without
	 * SQLITE_ENABLE_SNAPSHOT): begin both, and begin again until no
	 * commit came between them.  Every transaction that changes the
	 * index appends entries or a purge, so equal states mean the same
	 * index. */
	for (int i = 0; i < READ_PAIR_TRIES; i++) {
		int64_t sa[4], sb[4];
		int rc;
		if ((rc = begin_state(a, sa, err)))
			return rc;
		if ((rc = begin_state(b, sb, err))) {
			sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
			return rc;
		}
		if (memcmp(sa, sb, sizeof sa) == 0)
			return 0;
		sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
		sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL);
	}
	return elog_fail(err, ELOG_CONFLICT, -1, NULL,
			 "two readers could not see the same state of the "
			 "log: commits kept coming between them");
}

int elog_store_add_cosignature(elog_store *w, uint64_t size,
			       const char *witness, const char *line,
			       size_t len, int64_t now_ms, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (!w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "no transaction is open");
	if (w->pg)
		return elog_pg_add_cosignature(w->pg, size, witness, line, len,
					       now_ms, err);
	if (sqlite3_prepare_v2(w->db,
			       "INSERT OR IGNORE INTO cosignature(size, "
			       "witness, line, created) VALUES (?1, ?2, ?3, "
			       "?4)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(w, err, "storing a cosignature");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, witness, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, line, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = sqlite3_step(st) == SQLITE_DONE
		     ? 0
		     : db_fail(w, err, "storing a cosignature");
	sqlite3_finalize(st);
	return rc;
}

/* ---- purge ---- */

int elog_store_checkpoint_time(elog_store *s, int64_t *created_ms,
			       elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->pg)
		return elog_pg_checkpoint_time(s->pg, created_ms, err);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT created FROM checkpoint ORDER BY size "
			       "DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading the latest checkpoint");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*created_ms = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
			       "no checkpoint yet");
	} else {
		rc = db_fail(s, err, "reading the latest checkpoint");
	}
	sqlite3_finalize(st);
	return rc;
}

int elog_store_horizon(elog_store *s, int64_t *before, uint64_t *through,
		       elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	*before = 0;
	*through = 0;
	if (s->pg)
		return elog_pg_horizon(s->pg, before, through, err);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT before, through_seq FROM purge_horizon "
			       "ORDER BY before DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading the purge horizon");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*before = sqlite3_column_int64(st, 0);
		*through = (uint64_t)(sqlite3_column_int64(st, 1) + 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE
			     ? 0
			     : db_fail(s, err, "reading the purge horizon");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Run one purge statement with ?1 = v, ?2 = now, ?3 = before bound; the
 * first column of its first row into *a and the second into *b when
 * given. */
static int run_purge_sql(elog_store *w, const char *sql, int64_t v,
			 int64_t before, int64_t *a, int64_t *b,
			 elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(w, err, "purging");
	sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_int64(st, 2, elog_now_ms());
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, before);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (a)
			*a = sqlite3_column_int64(st, 0);
		if (b)
			*b = sqlite3_column_int64(st, 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : db_fail(w, err, "purging");
	}
	sqlite3_finalize(st);
	return rc;
}

/* The purge's part of the sealed runs, below seq n: the table of each
 * run wholly below n dropped with its index_run row, and the rows below n
 * deleted from the run holding n.  Progress as in elog_store_purge (the
 * index being the second half of total, from start). */
static int purge_runs(elog_store *w, int64_t n, int64_t start, uint64_t total,
		      elog_store_progress_fn progress, void *ctx,
		      elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	char sql[RUN_SQL_MAX];
	int64_t(*drop)[2] = NULL, cut = -1; /* run, last_seq */
	size_t nd = 0, cap = 0;
	int rc;

	/* The runs first: SQLite drops no table while a statement reads. */
	if (sqlite3_prepare_v2(w->db,
			       "SELECT run, last_seq FROM index_run WHERE "
			       "last_seq < ?1 ORDER BY first_seq",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(w, err, "purging");
	sqlite3_bind_int64(st, 1, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nd == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			int64_t(*g)[2] = realloc(drop, ncap * sizeof *g);
			if (!g) {
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "out of memory");
				goto out;
			}
			drop = g;
			cap = ncap;
		}
		drop[nd][0] = sqlite3_column_int64(st, 0);
		drop[nd++][1] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		rc = db_fail(w, err, "purging");
		goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		run_sql(sql, "DROP TABLE \"" RUN_TABLE "%lld\"", drop[i][0]);
		if ((rc = exec(w, sql, err)))
			goto out;
		if (progress && drop[i][1] + 1 > start)
			progress(ctx,
				 total / 2 + (uint64_t)(drop[i][1] + 1 - start),
				 total);
	}
	if ((rc = run_purge_sql(w, "DELETE FROM index_run WHERE last_seq < ?1",
				n, 0, NULL, NULL, err)) ||
	    (rc = run_purge_sql(w,
				"SELECT run FROM index_run WHERE first_seq < "
				"?1 AND last_seq >= ?1",
				n, 0, &cut, NULL, err)))
		goto out;
	/* The run it cuts: its rows below n, without its delete trigger,
	 * whose subquery per row would cost more than the delete (the
	 * horizon row is written, so every row deleted is below it); the
	 * trigger is made again in the same transaction. */
	if (cut >= 0) {
		char trig[RUN_SQL_MAX];
		long long c = (long long)cut;
		run_sql(sql, "DROP TRIGGER \"" RUN_TABLE "%lld_no_delete\"",
			cut);
		snprintf(trig, sizeof trig, RUN_NO_DELETE, c, c);
		if ((rc = exec(w, sql, err)))
			goto out;
		run_sql(sql,
			"DELETE FROM \"" RUN_TABLE "%lld\" WHERE seq < ?1",
			cut);
		if ((rc = run_purge_sql(w, sql, n, 0, NULL, NULL, err)) ||
		    (rc = exec(w, trig, err)))
			goto out;
	}
out:
	sqlite3_finalize(st);
	free(drop);
	return rc;
}

/* The purge's records: below seq n, from partition start >> part_bits
 * on (those below hold none), each partition wholly below n dropped and
 * the rows below n deleted in the one n cuts; progress as seqs done of
 * total. */
static int purge_records(elog_store *w, uint64_t start, uint64_t n,
			 elog_store_progress_fn progress, void *ctx,
			 uint64_t total, elog_err_t *err)
{
	const unsigned b = w->part_bits;
	sqlite3_stmt *st = stmt(w, ST_PARTS, err);
	int64_t *parts = NULL;
	size_t np = 0, cap = 0;
	char sql[96];
	int rc = 0;

	if (!st)
		return -ELOG_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(st, 0);
		if (k < 0 || (uint64_t)k << b >= n)
			continue;
		if (np == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			int64_t *g = realloc(parts, ncap * sizeof *g);
			if (!g) {
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "out of memory");
				goto out;
			}
			parts = g;
			cap = ncap;
		}
		parts[np++] = k;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = db_fail(w, err, "purging");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < np && !rc; i++) {
		uint64_t last = (((uint64_t)parts[i] + 1) << b) - 1;
		if (last < n) {
			snprintf(sql, sizeof sql,
				 "DROP TABLE event_data_p%lld",
				 (long long)parts[i]);
			if (w->ins_st && w->ins_part == parts[i]) {
				sqlite3_finalize(w->ins_st);
				w->ins_st = NULL;
			}
		} else {
			/* Without its delete trigger, whose subquery per row
			 * costs more than the delete (the horizon row is
			 * written, so every row deleted is below it); made
			 * again below, in the same transaction. */
			snprintf(sql, sizeof sql,
				 "DROP TRIGGER event_data_p%lld_no_delete",
				 (long long)parts[i]);
			if ((rc = exec(w, sql, err)))
				break;
			snprintf(sql, sizeof sql,
				 "DELETE FROM event_data_p%lld WHERE seq < ?1",
				 (long long)parts[i]);
		}
		rc = run_purge_sql(w, sql, (int64_t)n, 0, NULL, NULL, err);
		if (!rc && last >= n)
			rc = part_create(w, parts[i], err);
		if (!rc && progress) {
			uint64_t done = (last < n ? last + 1 : n);
			progress(ctx, done > start ? done - start : 0, total);
		}
	}
out:
	free(parts);
	return rc;
}

int elog_store_purge(elog_store *w, int64_t before,
		     elog_store_progress_fn progress, void *ctx,
		     uint64_t *events, uint64_t *through_seq, elog_err_t *err)
{
	int64_t cur, n = 0, count = 0, others = 0, start;
	uint64_t through, total;
	int rc;

	if (!w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "no transaction is open");
	if (w->pg)
		return elog_pg_purge(w->pg, before, progress, ctx, events,
				     through_seq, err);
	if ((rc = elog_store_horizon(w, &cur, &through, err)))
		return rc;
	if (before <= cur)
		return elog_fail(err, ELOG_HORIZON_BACKWARDS, -1, "before",
				 "the purge horizon only moves forward; it "
				 "is already at %lld ms",
				 (long long)cur);
	/* The prefix committed before the horizon: every seq below the
	 * largest checkpoint signed before it (a checkpoint is signed in the
	 * commit of its entries). */
	if ((rc = run_purge_sql(w,
				"SELECT coalesce(max(size), 0) FROM "
				"checkpoint WHERE created < ?1",
				before, before, &n, NULL, err)))
		return rc;
	if (n < (int64_t)through)
		n = (int64_t)through;
	if (n == 0)
		return elog_fail(err, ELOG_NOT_FOUND, -1, "before",
				 "nothing was committed before the horizon");
	/* The events purged now: those in [through, n), counted by the
	 * entries (the records of an untampered log), the others being few
	 * and indexed (entry_public). */
	if ((rc = run_purge_sql(w,
				"SELECT count(*) FROM entry WHERE kind <> 0 "
				"AND seq >= ?3 AND seq < ?1",
				n, (int64_t)through, &others, NULL, err)))
		return rc;
	count = n - (int64_t)through - others;
	if ((rc = run_purge_sql(w,
				"INSERT INTO purge_horizon(before, "
				"through_seq, created) VALUES (?3, ?1 - 1, "
				"?2)",
				n, before, NULL, NULL, err)))
		return rc;
	/* The records: each partition wholly below n dropped, the rows below
	 * n deleted in the one n cuts.  The work is counted as twice the seqs
	 * purged, the index being the second half. */
	start = (int64_t)through;
	total = 2 * (uint64_t)(n - start);
	if ((rc = purge_records(w, (uint64_t)start, (uint64_t)n, progress, ctx,
				total, err)))
		return rc;
	/* The index: the tables of the runs wholly below seq n, dropped
	 * whole; the rows below n of the run holding n; the hot rows below
	 * n. */
	if ((rc = purge_runs(w, n, start, total, progress, ctx, err)) ||
	    (rc = run_purge_sql(w,
				"DELETE FROM index_hot WHERE blk <= ?1 >> " HOT_BITS
				" AND seq < ?1",
				n, before, NULL, NULL, err)))
		return rc;
	/* No vacuum here: SQLite zeroes what it frees (secure_delete), new
	 * entries reuse the pages, and moving the pages after them to shrink
	 * the file would take the writer's lock for as long as copying
	 * them (elog_store_vacuum, after the commit). */
	if (progress)
		progress(ctx, total, total);
	*events = (uint64_t)count;
	*through_seq = (uint64_t)n - 1;
	return 0;
}

int elog_store_vacuum(elog_store *w, int64_t pages, elog_err_t *err)
{
	char sql[64];
	int rc;
	if (w->in_tx)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "vacuum runs outside a transaction");
	if (w->pg)
		return 0; /* PostgreSQL's autovacuum; a purge drops whole
			     partitions */
	snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%lld)",
		 (long long)pages);
	if ((rc = exec(w, sql, err)))
		return rc;
	/* The file shrinks when the WAL is checkpointed into it. */
	return exec(w, "PRAGMA wal_checkpoint(TRUNCATE)", err);
}
