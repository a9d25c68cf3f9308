/*
 * store_pg.h — private to libenvelog: the PostgreSQL store.  Not installed.
 *
 * The store of store.h has two backends: SQLite (a file path) and
 * PostgreSQL (a libpq connection string, schema/pg/NNN_*.sql).  store.c
 * keeps what both share (the frontier and chain value, the signing of
 * checkpoints, the tree-hash memo, the confirmation of a lawful request's
 * candidates) and calls the elog_pg_* functions of store_pg.c where it
 * would touch SQLite.  Each returns 0 or a negative elog error with *err
 * filled, like the store's own.
 */
#ifndef ELOG_STORE_PG_H
#define ELOG_STORE_PG_H

#include <libpq-fe.h>

#include "store.h"

/* 1 when db names a PostgreSQL database: a postgresql:// or postgres://
 * URI, or a key=value connection string (it has an '=' before any '/');
 * 0 for a file path. */
int elog_store_is_pg(const char *db);

/* The connection under a PostgreSQL store; NULL for a SQLite store. */
PGconn *elog_store_pg_conn(elog_store *s);

/* Copy l's data and record into *buf (grown as needed, *cap its size),
 * NUL-terminated, and point l at the copies: valid until the next call on
 * the store.  0, or -ELOG_NOMEM. */
int elog_store_leaf_keep(elog_leaf *l, char **buf, size_t *cap,
			 elog_err_t *err);

/* Append one cosignature line (ll bytes; none when empty) to the note
 * *note of *len bytes, with a newline if it lacks one, NUL-terminated.
 * 0, or -ELOG_NOMEM (the note as it was). */
int elog_store_note_add_line(char **note, size_t *len, const char *line,
			     size_t ll, elog_err_t *err);

/* The 64-bit keyed hash of a party identifier in the index (SipHash-2-4
 * with the log's meta.party_key), as stored. */
int64_t elog_store_party_hash(const elog_store *s, const char *party);

typedef struct elog_pg elog_pg;

/* Connect to conninfo for mode (store.h's ELOG_STORE_*).  A writer takes
 * the log's writer lock (CONFLICT when another session holds it); a writer
 * or registry store applies pending migrations; a reader checks the
 * schema's version.  creating: refuse (CONFLICT) a database that already
 * holds a log.  *out: free with elog_pg_free. */
int elog_pg_connect(const char *conninfo, int mode, int creating,
		    elog_pg **out, elog_err_t *err);
void elog_pg_free(elog_pg *pg);
/* Connect again with the same conninfo (a writer: and take its lock
 * again); rows waiting for the commit are dropped. */
int elog_pg_reconnect(elog_pg *pg, elog_err_t *err);
PGconn *elog_pg_conn(elog_pg *pg);
/* The log's run size (meta.index_run_bits), once read. */
void elog_pg_set_bits(elog_pg *pg, unsigned bits);
int elog_pg_set_sync(elog_pg *pg, int sync, elog_err_t *err);

int elog_pg_meta_get(elog_pg *pg, const char *key, char *buf, size_t cap,
		     elog_err_t *err);
int elog_pg_meta_set(elog_pg *pg, const char *key, const char *value,
		     elog_err_t *err);

/* Run sql, which returns no rows. */
int elog_pg_exec(elog_pg *pg, const char *sql, elog_err_t *err);
/* 1 inside a transaction (the writer's or a read). */
int elog_pg_in_tx(const elog_pg *pg);

/* The writer's transaction: begin (a log of size entries: the partitions
 * of its current and next run are made first, outside it), commit (the
 * waiting rows are written first; an error when the COMMIT did not
 * happen, or when its outcome is unknown: see elog_store_reconnect),
 * rollback (the waiting rows are dropped). */
int elog_pg_begin(elog_pg *pg, uint64_t size, elog_err_t *err);
int elog_pg_commit(elog_pg *pg, elog_err_t *err);
void elog_pg_rollback(elog_pg *pg);
/* Grant a least-privilege writer role (SELECT and INSERT on the log's
 * tables, what envelogd writes of the registries, EXECUTE on the
 * SECURITY DEFINER functions of schema/pg/002) and a reader role (SELECT),
 * either NULL, on the tables of the connection's role, in one
 * transaction.  Refuses a role that does not exist, is a superuser, or is
 * (a member of) the connection's role.  check_only: only that. */
int elog_pg_grant(elog_pg *pg, const char *writer, const char *reader,
		  int check_only, elog_err_t *err);
/* Make the partitions of event_data and event_index up to run upto. */
int elog_pg_ensure_parts(elog_pg *pg, int64_t upto, elog_err_t *err);

/* Rows kept for the transaction's COPYs: an entry (and its event_data row
 * for an event), an index row, a tree hash (stored index id). */
int elog_pg_add_entry(elog_pg *pg, uint64_t seq, const elog_entry *e,
		      const elog_hash *leaf, const elog_hash *chain,
		      elog_err_t *err);
int elog_pg_add_index(elog_pg *pg, int64_t party, int64_t ts, uint64_t seq,
		      elog_err_t *err);
int elog_pg_add_tree(elog_pg *pg, int64_t id, const elog_hash *h,
		     elog_err_t *err);
/* Write the waiting rows (every read of a writer's transaction does). */
int elog_pg_flush(elog_pg *pg, elog_err_t *err);
int elog_pg_pending(const elog_pg *pg);
int elog_pg_add_checkpoint(elog_pg *pg, uint64_t size, const elog_hash *root,
			   const char *note, size_t len, int64_t now_ms,
			   elog_err_t *err);
/* Record the complete partition of seqs [first, last] as a run. */
int elog_pg_seal(elog_pg *pg, uint64_t first, uint64_t last, elog_err_t *err);

int elog_pg_read_begin(elog_pg *pg, int *began, elog_err_t *err);
void elog_pg_read_end(elog_pg *pg, int began);
int elog_pg_size(elog_pg *pg, uint64_t *size, elog_err_t *err);
int elog_pg_last_chain(elog_pg *pg, elog_hash *out, elog_err_t *err);
/* A leaf hash (level 0) or a stored tree hash. */
int elog_pg_hash(elog_pg *pg, int level, uint64_t index, elog_hash *out,
		 elog_err_t *err);
/* The stored tree hashes of ids, in order, into out. */
int elog_pg_tree_hashes(elog_pg *pg, const int64_t *ids, size_t n,
			elog_hash *out, elog_err_t *err);
/* The leaf hashes of seqs, in order, into out. */
int elog_pg_leaf_hashes(elog_pg *pg, const int64_t *seqs, size_t n,
			elog_hash *out, elog_err_t *err);
int elog_pg_leaf(elog_pg *pg, uint64_t seq, elog_leaf *out, elog_err_t *err);
int elog_pg_leaves_at(elog_pg *pg, const uint64_t *seqs, size_t n,
		      elog_leaf_fn fn, void *ctx, elog_err_t *err);
int elog_pg_leaves(elog_pg *pg, uint64_t start, uint64_t end, elog_leaf_fn fn,
		   void *ctx, elog_err_t *err);
/* Each entry of [first, first + width) in seq order to fn: its leaf hash
 * (hashes) or its public leaf data. */
typedef int (*elog_pg_row_fn)(void *ctx, uint64_t seq, const void *v,
			      size_t len, elog_err_t *err);
int elog_pg_tile_rows(elog_pg *pg, int hashes, uint64_t first, unsigned width,
		      elog_pg_row_fn fn, void *ctx, elog_err_t *err);

enum { ELOG_PG_CP_LATEST, ELOG_PG_CP_AT, ELOG_PG_CP_COVERING };
/* A checkpoint as store.h's elog_store_checkpoint_latest, _at, _covering
 * return it. */
int elog_pg_checkpoint(elog_pg *pg, int which, uint64_t size, char **note,
		       size_t *len, uint64_t *cp_size, elog_err_t *err);
int elog_pg_checkpoints(elog_pg *pg, elog_checkpoint_fn fn, void *ctx,
			elog_err_t *err);
int elog_pg_add_cosignature(elog_pg *pg, uint64_t size, const char *witness,
			    const char *line, size_t len, int64_t now_ms,
			    elog_err_t *err);
int elog_pg_checkpoint_time(elog_pg *pg, int64_t *created_ms, elog_err_t *err);

/* The seqs the index has for the party hashes in [from, to) (unsorted,
 * maybe repeated), at most limit (more: *truncated = 1); *cand malloc'd. */
int elog_pg_candidates(elog_pg *pg, const int64_t *hash, size_t nsubjects,
		       int64_t from, int64_t to, size_t limit, uint64_t **cand,
		       size_t *nc, int *truncated, elog_err_t *err);
int elog_pg_index_runs(elog_pg *pg, elog_index_run **runs, size_t *n,
		       elog_err_t *err);
int elog_pg_index_has(elog_pg *pg, int64_t run, int64_t party, int64_t ts,
		      uint64_t seq, int *found, elog_err_t *err);
int elog_pg_index_count(elog_pg *pg, uint64_t *n, elog_err_t *err);
/* Every index row to fn: the complete partitions' as their runs, in run
 * order, then the newest partition's as hot (elog_store_index_scan). */
int elog_pg_index_scan(elog_pg *pg, unsigned bits, elog_index_row_fn fn,
		       void *ctx, elog_err_t *err);

int elog_pg_horizon(elog_pg *pg, int64_t *before, uint64_t *through,
		    elog_err_t *err);
int elog_pg_purge(elog_pg *pg, int64_t before, elog_store_progress_fn progress,
		  void *ctx, uint64_t *events, uint64_t *through_seq,
		  elog_err_t *err);

#endif
