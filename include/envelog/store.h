/*
 * store.h — the store: the append-only log, its tree hashes and
 * checkpoints, and the registries (tokens, authorities, witnesses), in a
 * SQLite file or a PostgreSQL database (a libpq connection string as the
 * path: schema/pg/, src/lib/store_pg.c).
 *
 * One elog_store is one SQLite connection and is used by one thread at a
 * time.  A server opens one writer and one reader per thread; WAL lets the
 * readers run while the writer appends.  Only a writer may append.
 *
 * Tables (schema/NNN_*.sql): entry (seq, kind, ts, data, leaf_hash,
 * chain_hash), the lawful-request index (index_hot, index_run and
 * a table index_sealed_<run> per sealed run: see below), tree_hash (tlog stored-hash index, level >= 1; level 0 is
 * entry.leaf_hash), checkpoint (every checkpoint ever signed), cosignature,
 * meta, token, authority, witness, warrant_use, purge_horizon,
 * ingest_key (idempotency.h).
 */
#ifndef ELOG_STORE_H
#define ELOG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "entry.h"
#include "error.h"
#include "merkle.h"
#include "note.h"
#include "tile.h"

typedef struct elog_store elog_store;

/* 1 when db names a PostgreSQL database: a postgresql:// or postgres://
 * URI, or a key=value libpq connection string (an '=' before any '/');
 * 0 for a SQLite file path. */
int elog_store_is_pg(const char *db);

/* db as a message may name it: a file path as it is; a PostgreSQL
 * connection string as postgresql://USER@HOST:PORT/DBNAME, without its
 * password or other settings (into buf, which is returned). */
const char *elog_store_name(const char *db, char *buf, size_t cap);

enum elog_sync { ELOG_SYNC_FULL = 0, ELOG_SYNC_NORMAL = 1 };

/*
 * The lawful-request index (schema/007_index_runs.sql, 008 and 010): one
 * row (party hash, ts, seq) per distinct party of each event.  A commit
 * adds its rows to index_hot, keyed by block of 1 024 events (seq >> 10),
 * then party, so it writes only the newest blocks; the commit that
 * completes a run of 2^bits events (bits: elog_store_index_run_bits)
 * moves the run's rows, sorted by (party, ts, seq), into a new table of
 * their own (index_sealed_<run>, under a new run id) and records the run
 * in index_run.  When ELOG_INDEX_FANOUT runs of one level fill an aligned
 * block, that commit merges them into one run of the next level (a new
 * table; theirs are dropped), up to ELOG_INDEX_MAX_LEVEL.  So in a log of size entries the rows
 * of an event with seq >= elog_store_index_hot_from(size) are in
 * index_hot, and those of any other in the run that holds its seq.
 *
 * For tests only: ELOG_TEST_INDEX_RUN_BITS=N (1..30) at elog_store_create
 * makes the log's runs 2^N events instead of 2^16.
 */
#define ELOG_INDEX_RUN_BITS 16
#define ELOG_INDEX_FANOUT_BITS 4
#define ELOG_INDEX_FANOUT (1u << ELOG_INDEX_FANOUT_BITS)
#define ELOG_INDEX_MAX_LEVEL 1
#define ELOG_TEST_INDEX_RUN_BITS "ELOG_TEST_INDEX_RUN_BITS"

#define ELOG_STORE_READ 0
#define ELOG_STORE_WRITE 1
/* Writes the registries (tokens, authorities, witnesses, meta) but never
 * appends to the log, so it may run beside the log's writer: on
 * PostgreSQL it does not take the writer's lock; on SQLite it is
 * ELOG_STORE_WRITE. */
#define ELOG_STORE_REGISTRY 2

/*
 * Create a new database at path (fails with CONFLICT if it exists) with the
 * schema, the origin and the log's verifier key text.
 */
int elog_store_create(const char *path, const char *origin,
		      const char *vkey_text, elog_err_t *err);

/*
 * On PostgreSQL (conninfo), as the role that owns the log's tables: grant
 * writer (if not NULL) what envelogd needs and no more (SELECT and INSERT
 * on the log's tables, no UPDATE, DELETE or TRUNCATE; the partitions and
 * the purge through SECURITY DEFINER functions) and reader (if not NULL)
 * SELECT only.  INVALID_VALUE for a SQLite path, or a role that is missing,
 * a superuser, or the owner.  check_only: only check the roles (before
 * elog_store_create, so that a refused role leaves no log behind).
 */
int elog_store_grant(const char *conninfo, const char *writer,
		     const char *reader, int check_only, elog_err_t *err);

/*
 * Open an existing database.  mode: ELOG_STORE_READ or ELOG_STORE_WRITE
 * (the writer applies pending migrations and loads the frontier).
 *
 * For tests only: when the environment variable ELOG_TEST_FAIL_COMMIT is N
 * (a decimal number) at open, the writer's Nth elog_store_commit fails
 * with IO just before COMMIT and rolls back, as a full disk would.
 */
#define ELOG_TEST_FAIL_COMMIT "ELOG_TEST_FAIL_COMMIT"
int elog_store_open(const char *path, int mode, int sync, elog_store **out,
		    elog_err_t *err);
void elog_store_close(elog_store *s);

/*
 * PostgreSQL (path is a libpq connection string, see elog_store_is_pg):
 * every writer holds the log's writer lock (a session advisory lock) from
 * elog_store_open to elog_store_close, so that a second writer of the
 * same log fails at open with CONFLICT ("another writer holds this log")
 * and never commits.
 *
 * A writer whose connection was lost (an elog_store_* call failed with IO
 * and the server is gone, restarted or failed over; in particular when
 * elog_store_commit failed at its COMMIT, whose outcome is then unknown)
 * calls elog_store_reconnect: it drops any open transaction, connects
 * again with the same connection string (a multi-host string with
 * target_session_attrs=read-write finds the new primary), takes the
 * writer's lock again (CONFLICT if another writer has it now) and reloads
 * the frontier and the chain value from the database, so that the writer
 * continues from whatever the database holds: with the ambiguous commit's
 * entries if it happened, without them if not.  On a reader it only
 * connects again.  0, or an error (the store stays unusable; call it
 * again later).  On SQLite it does nothing and returns 0.
 */
int elog_store_reconnect(elog_store *w, elog_err_t *err);

/*
 * Read the database through a memory map of up to bytes (0: not at all):
 * for readers serving many random point reads (proofs), where it saves a
 * copy per page.  Mapped pages count in the process's resident size.
 */
int elog_store_map(elog_store *s, int64_t bytes, elog_err_t *err);

/* The origin and the verifier key text stored at creation. */
const char *elog_store_origin(const elog_store *s);
const char *elog_store_vkey(const elog_store *s);

/* Number of entries committed (reader: as of now; writer: its frontier). */
int elog_store_size(elog_store *s, uint64_t *size, elog_err_t *err);

/* ---- appending (writer only) ---- */

/* Result of a commit. */
typedef struct elog_commit {
	uint64_t first; /* seq of the first entry added in the transaction */
	uint64_t count; /* entries added */
	uint64_t size;	/* tree size after commit */
	elog_hash root;
	char *checkpoint; /* malloc'd signed checkpoint note; caller frees */
	size_t checkpoint_len;
} elog_commit;

/*
 * Outside a transaction: how the following commits reach the disk
 * (enum elog_sync; ELOG_SYNC_FULL: on disk when the commit returns).
 */
int elog_store_set_sync(elog_store *w, int sync, elog_err_t *err);

/*
 * Writer: leave the copying of the WAL into the database file to another
 * connection, so that the writer's commits do not wait for it.  After each
 * commit that leaves at least frames pages in the WAL, call fn(ctx) (which
 * should have another thread call elog_store_wal_checkpoint); when the WAL
 * has reached max_frames pages, checkpoint on this connection as SQLite
 * would by itself, so that the WAL stays bounded if the other thread falls
 * behind.  Without this call SQLite checkpoints in the writer's commit
 * past 1 000 pages.
 */
int elog_store_wal_defer(elog_store *w, int frames, int max_frames,
			 void (*fn)(void *ctx), void *ctx, elog_err_t *err);
/* Copy as much of the WAL into the database file as the readers allow (a
 * passive checkpoint); on a store opened for writing, never in a
 * transaction. */
int elog_store_wal_checkpoint(elog_store *s, elog_err_t *err);

/* Start a transaction. */
int elog_store_begin(elog_store *w, elog_err_t *err);
/*
 * Add one entry: assign the next seq (into *seq if not NULL), write its row
 * with leaf hash and chain value, its index rows and tree hashes.  The
 * entry is not consumed.
 */
int elog_store_add(elog_store *w, const elog_entry *e, uint64_t *seq,
		   elog_err_t *err);
/*
 * Sign a checkpoint of the new size with s, store it, seal the index runs
 * the transaction's entries completed (and merge where a level fills), and
 * commit.  On failure the transaction is rolled back and the frontier restored.
 */
int elog_store_commit(elog_store *w, const elog_signer *s, int64_t now_ms,
		      elog_commit *out, elog_err_t *err);
void elog_store_rollback(elog_store *w);
void elog_commit_free(elog_commit *c);

/* begin + add all + commit. */
int elog_store_append(elog_store *w, const elog_entry *entries, size_t n,
		      const elog_signer *s, int64_t now_ms, elog_commit *out,
		      elog_err_t *err);

/* ---- reading ---- */

typedef struct elog_leaf {
	uint64_t seq;
	int kind;
	int64_t ts; /* -1 when purged */
	elog_hash leaf_hash;
	elog_hash chain_hash;
	const char *data; /* public leaf data (events: the commitment); valid
			      until the next call on the store or the end of
			      the callback */
	size_t len;
	const char *record; /* events: the private record, NULL when purged;
			       other kinds: NULL.  Valid as data is. */
	size_t record_len;
} elog_leaf;

/*
 * Run the reads that follow in one read transaction (one snapshot, and no
 * lock and unlock per statement), unless one is already open: *began says
 * whether this call opened it; pass it to elog_store_read_end().  Proofs
 * and roots do this themselves.
 */
int elog_store_read_begin(elog_store *s, int *began, elog_err_t *err);
void elog_store_read_end(elog_store *s, int began);

/* Entry seq; NOT_FOUND if seq >= size. */
int elog_store_leaf(elog_store *s, uint64_t seq, elog_leaf *out,
		    elog_err_t *err);

/* Stream entries [start, end) in seq order to fn; a non-zero return from fn
 * stops the walk and is returned. */
typedef int (*elog_leaf_fn)(void *ctx, const elog_leaf *leaf);
int elog_store_leaves(elog_store *s, uint64_t start, uint64_t end,
		      elog_leaf_fn fn, void *ctx, elog_err_t *err);

/* Entries seqs[0..n) (ascending, no repeats) in that order to fn, on
 * PostgreSQL in one query; NOT_FOUND for a seq not in the log.  A
 * non-zero return from fn stops the walk and is returned. */
int elog_store_leaves_at(elog_store *s, const uint64_t *seqs, size_t n,
			 elog_leaf_fn fn, void *ctx, elog_err_t *err);

/* Hash reader over the store (ctx: the elog_store). */
int elog_store_hash_reader(void *ctx, int level, uint64_t index,
			   elog_hash *out, elog_err_t *err);

/*
 * The contents of tile t (tile.h) in the tree of size leaves (at most the
 * log's size), in one read: a hash tile's t->width hashes, 32 bytes each
 * (level 0: leaf hashes, above: the stored tree hashes), or an entry
 * bundle's t->width public leaf data, each behind its big-endian uint16
 * length.  *out is malloc'd (caller frees), *len its length.  NOT_FOUND
 * when that tree does not reach t->width leaves or nodes of the tile.
 */
int elog_store_tile(elog_store *s, const elog_tile *t, uint64_t size,
		    uint8_t **out, size_t *len, elog_err_t *err);

int elog_store_root(elog_store *s, uint64_t size, elog_hash *out,
		    elog_err_t *err);
int elog_store_prove_inclusion(elog_store *s, uint64_t index, uint64_t size,
			       elog_hash *proof, size_t *n, elog_err_t *err);
/*
 * The inclusion proofs of the entries index[0..count) in the tree of size,
 * read in one read transaction (on PostgreSQL the nodes of all of them in
 * one query per kind): proof i in proofs[i * ELOG_MAX_PROOF ..], its
 * length in n[i].  Fails as elog_store_prove_inclusion on the first entry
 * that fails.
 */
int elog_store_prove_inclusions(elog_store *s, const uint64_t *index,
				size_t count, uint64_t size, elog_hash *proofs,
				size_t *n, elog_err_t *err);
int elog_store_prove_consistency(elog_store *s, uint64_t old_size,
				 uint64_t new_size, elog_hash *proof,
				 size_t *n, elog_err_t *err);

/*
 * The latest checkpoint note (malloc'd, with any stored cosignature lines
 * appended) and its size.  NOT_FOUND before the first checkpoint.
 */
int elog_store_checkpoint_latest(elog_store *s, char **note, size_t *len,
				 uint64_t *size, elog_err_t *err);
/* The stored checkpoint of exactly this size, with cosignatures. */
int elog_store_checkpoint_at(elog_store *s, uint64_t size, char **note,
			     size_t *len, elog_err_t *err);

/*
 * The first checkpoint signed at a size >= size, as it was signed (no
 * cosignature lines), and its size into *cp_size (if not NULL): the one a
 * commit that brought the log to size or beyond answered with.
 * NOT_FOUND if none.
 */
int elog_store_checkpoint_covering(elog_store *s, uint64_t size, char **note,
				   size_t *len, uint64_t *cp_size,
				   elog_err_t *err);

/* Walk every stored checkpoint in size order (note without cosignatures). */
typedef int (*elog_checkpoint_fn)(void *ctx, uint64_t size, const char *note,
				  size_t len);
int elog_store_checkpoints(elog_store *s, elog_checkpoint_fn fn, void *ctx,
			   elog_err_t *err);

/*
 * Seqs of events whose sender or recipient is one of subjects and whose ts
 * is in [from, to), in seq order, each once, at most max of them (more:
 * TOO_MANY... reported as *truncated = 1).  Found through the index, in
 * one snapshot: one scan of index_hot per 16 subjects, and a probe per
 * subject of each run whose ts range meets [from, to).
 * *seqs is malloc'd.
 */
int elog_store_events_for(elog_store *s, char *const *subjects,
			  size_t nsubjects, int64_t from, int64_t to,
			  size_t max, uint64_t **seqs, size_t *n,
			  int *truncated, elog_err_t *err);

/* The lowest level of tree node s stores in tree_hash: 1 on PostgreSQL;
 * on SQLite the nodes of levels 1 to 3 are not stored but hashed up from
 * the leaf hashes when read, so 4. */
int elog_store_tree_min_level(const elog_store *s);

/* The log's run size in bits (meta.index_run_bits). */
unsigned elog_store_index_run_bits(const elog_store *s);
/* Where index_hot begins in a log of size entries: the rows of events with
 * a lower seq are sealed in runs. */
uint64_t elog_store_index_hot_from(const elog_store *s, uint64_t size);

/* One sealed run of the index (a row of index_run). */
typedef struct elog_index_run {
	int64_t run;
	int level;
	uint64_t first_seq, last_seq;
	int has_ts;		/* 0: the run has no rows (min/max NULL) */
	int64_t min_ts, max_ts; /* the ts range of its rows */
} elog_index_run;

/* Every run in first_seq order; *runs is malloc'd (caller frees). */
int elog_store_index_runs(elog_store *s, elog_index_run **runs, size_t *n,
			  elog_err_t *err);
/*
 * The ids of the runs whose rows have a table (SQLite: index_sealed_<run>,
 * schema/010_index_run_tables.sql), ascending, into *runs (malloc'd,
 * caller frees); a table named like one but not for a run id in decimal
 * is listed as -1.  For verification: each run index_run lists has its
 * table, and no other.  PostgreSQL keeps its runs as partitions of one
 * table: its list is index_run's.
 */
int elog_store_index_tables(elog_store *s, int64_t **runs, size_t *n,
			    elog_err_t *err);

/*
 * For verification of the lawful-request index: *found = 1 if the index
 * has the row of this party (an identifier, hashed with the database's
 * party key) for the event (ts, seq) in run (run < 0: in index_hot), else
 * 0.
 */
int elog_store_index_has(elog_store *s, int64_t run, const char *party,
			 int64_t ts, uint64_t seq, int *found,
			 elog_err_t *err);
/* The rows an event with these parties has in the index: 1 or 2. */
int elog_store_index_rows(const elog_store *s, const char *sender,
			  const char *recipient);
/*
 * Inside a transaction: write to index_hot the index rows that
 * elog_store_add keeps until then (sorted, so that they are appended).
 * elog_store_commit and elog_store_events_for do it themselves; only a
 * caller that ends the transaction some other way needs it.
 */
int elog_store_index_flush(elog_store *w, elog_err_t *err);
/* Number of rows in the index (index_hot and the runs' tables). */
int elog_store_index_count(elog_store *s, uint64_t *n, elog_err_t *err);

/* One row of the index: a party's hash (meta.party_key), ts, seq. */
typedef struct elog_index_row {
	int64_t party, ts;
	uint64_t seq;
} elog_index_row;

/*
 * The rows the index must hold for the event (ts, seq) with these parties
 * into rows: 1 (one party) or 2, the number returned.  Reads only what
 * the store loaded at open, so other threads may call it while the
 * store's own thread uses it.
 */
int elog_store_index_rows_of(const elog_store *s, const char *sender,
			     const char *recipient, int64_t ts, uint64_t seq,
			     elog_index_row rows[2]);

/*
 * Walk every row of the index once, each table in its storage order: the
 * sealed rows by (run, party, ts, seq), then index_hot's (hot = 1, run
 * -1).  A run id may be one index_run does not list (its table was not
 * dropped); a table named like a run's whose name holds no run id is not
 * read (elog_store_index_tables lists it).  fn's nonzero return
 * ends the walk and is returned.
 */
typedef int (*elog_index_row_fn)(void *ctx, int hot, int64_t run,
				 const elog_index_row *row);
int elog_store_index_scan(elog_store *s, elog_index_row_fn fn, void *ctx,
			  elog_err_t *err);

/*
 * Another reader of s's database (for a second thread); *peer is closed
 * with elog_store_close.  NOT_FOUND if s has no file another connection
 * could open.
 */
int elog_store_open_peer(elog_store *s, elog_store **peer, elog_err_t *err);

/*
 * Begin a read transaction on each of a and b (neither inside one) in
 * which both see the same state of the log: the same entries, purges and
 * index runs, so the same index.  End them with ELOG_Q_COMMIT or
 * elog_store_close.  CONFLICT if commits kept coming between the two.
 */
int elog_store_read_pair(elog_store *a, elog_store *b, elog_err_t *err);

/*
 * Inside a transaction: store a witness's cosignature line for the
 * checkpoint of size (kept from then on and served with it).  A second
 * line from the same witness for the same size is ignored.
 */
int elog_store_add_cosignature(elog_store *w, uint64_t size,
			       const char *witness, const char *line,
			       size_t len, int64_t now_ms, elog_err_t *err);

/* ---- purge (writer) ---- */

/* When the latest checkpoint was signed (ms since the epoch).  NOT_FOUND
 * before the first. */
int elog_store_checkpoint_time(elog_store *s, int64_t *created_ms,
			       elog_err_t *err);

/* The purge horizon (ms, commit time; 0 if never purged) and the last
 * purged seq + 1 (0 if never purged). */
int elog_store_horizon(elog_store *s, int64_t *before, uint64_t *through,
		       elog_err_t *err);

/*
 * Inside a transaction begun with elog_store_begin: the purge is a prefix
 * (SPEC, purge, R2).  through_seq is the last seq committed before the
 * horizon before (ms, commit time: every seq below the largest checkpoint
 * signed before it); delete the metadata of every event with seq <=
 * through_seq (their records and index rows: whole partitions and runs
 * dropped, then the rest deleted; SQLite zeroes what it frees), record the
 * horizon, and fill *events (deleted now)
 * and *through_seq for the purge entry, which the caller then adds.
 * HORIZON_BACKWARDS if before is not after the current horizon; NOT_FOUND
 * if nothing was committed before it (then nothing changed).  progress
 * (may be NULL) is called with ctx as the work advances (done of total).
 */
typedef void (*elog_store_progress_fn)(void *ctx, uint64_t done,
				       uint64_t total);
int elog_store_purge(elog_store *w, int64_t before,
		     elog_store_progress_fn progress, void *ctx,
		     uint64_t *events, uint64_t *through_seq, elog_err_t *err);

/* Outside a transaction: return up to pages free pages to the file system
 * (0: all) and checkpoint the WAL into the database file, which shrinks.
 * It moves the pages after the free ones, so it holds the write lock for
 * as long as copying them takes; new entries reuse free pages anyway. */
int elog_store_vacuum(elog_store *w, int64_t pages, elog_err_t *err);

/* ---- key-value meta ---- */
int elog_store_meta_get(elog_store *s, const char *key, char *buf, size_t cap,
			elog_err_t *err);
int elog_store_meta_set(elog_store *s, const char *key, const char *value,
			elog_err_t *err);

#endif
