/*
 * store_query.h — private to libenvelog: the store's named queries.
 *
 * Every SQL statement of the library lives in the store: store.c's own,
 * and the named queries of store_query.c, which the registry modules
 * (token.c, keyring.c, idempotency.c), the lawful-request and ledger
 * modules and the verifier run by their id, binding parameters and reading
 * columns through this interface.  No database handle and no SQL text
 * leaves the store; another backend provides the same queries.
 *
 * Parameters and columns are numbered as in SQLite: parameters from 1,
 * columns from 0.  Text and blobs bound are not copied: they must outlive
 * the query's steps.  What a column returns is valid until the next step
 * or the query's end.
 */
#ifndef ELOG_STORE_QUERY_H
#define ELOG_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum elog_query_id {
	/* token.c */
	ELOG_Q_TOKEN_INSERT,  /* hash, role, authority, label, created */
	ELOG_Q_TOKEN_BY_HASH, /* hash -> id, role, authority, label,
				   created, revoked, hash */
	ELOG_Q_TOKEN_LIST,    /* -> id, role, authority, label, created,
				   revoked */
	ELOG_Q_TOKEN_REVOKE,  /* id, now */
	/* keyring.c: one of each for authorities, one for witnesses */
	ELOG_Q_AUTHORITY_INSERT, /* name, vkey, added (conflict: no row) */
	ELOG_Q_AUTHORITY_GET,	 /* name -> vkey of the live one */
	ELOG_Q_AUTHORITY_LIST,	 /* -> name, vkey, added, revoked */
	ELOG_Q_AUTHORITY_REVOKE, /* name, now */
	ELOG_Q_WITNESS_INSERT,
	ELOG_Q_WITNESS_GET,
	ELOG_Q_WITNESS_LIST,
	ELOG_Q_WITNESS_REVOKE,
	/* idempotency.c */
	ELOG_Q_INGEST_KEY_EXPIRE, /* older_than */
	ELOG_Q_INGEST_KEY_GET,	  /* token, key -> body_hash, first, count */
	ELOG_Q_INGEST_KEY_PUT,	  /* token, key, body_hash, first, count,
				     created */
	ELOG_Q_INGEST_KEY_COUNT,  /* -> count */
	/* request.c */
	ELOG_Q_WARRANT_USE_GET,	   /* authority, id -> text_sha256 */
	ELOG_Q_WARRANT_USE_INSERT, /* authority, id, text_sha256, first_seq */
	/* ledger.c */
	ELOG_Q_PUBLIC_ENTRIES, /* since -> seq, kind, data (kind <> 0) */
	/* verify.c */
	ELOG_Q_BEGIN,
	ELOG_Q_COMMIT,
	ELOG_Q_WARRANT_USE_FIRST_SEQ, /* authority, id -> first_seq */
	ELOG_Q_WARRANT_USE_COUNT,     /* -> count */
	ELOG_Q_PURGE_ENTRIES,	      /* -> seq, data */
	ELOG_Q_PURGE_HORIZONS,	      /* -> before, through_seq */
	ELOG_Q_TREE_HASHES,	      /* -> id, hash, in id order */
	ELOG_Q_CHECKPOINTS,	      /* -> size, root, note, in size order */
	ELOG_Q_COSIGNED_MISSING,      /* -> min(size) of cosignatures whose
					 checkpoint is gone, or NULL */
	ELOG_Q_MAX_CHECKPOINT_SIZE,   /* -> max(size), or NULL */
	/* copy.c: every row of the log, read and written verbatim (the
	 * inserts of warrant uses and ingest keys are the ones above) */
	ELOG_Q_COPY_CHECKPOINTS,       /* -> size, root, note, created */
	ELOG_Q_COPY_CHECKPOINT_INSERT, /* size, root, note, created */
	ELOG_Q_COPY_ENTRY_INSERT,      /* seq, kind, ts, data, leaf_hash,
					  chain_hash */
	ELOG_Q_COPY_TREE_HASH_INSERT,  /* id, hash */
	ELOG_Q_COPY_COSIGNATURES,      /* -> size, witness, line, created */
	ELOG_Q_COPY_COSIGNATURE_INSERT,
	ELOG_Q_COPY_TOKENS,	      /* -> id, hash, role, authority, label,
				     created, revoked */
	ELOG_Q_COPY_TOKEN_INSERT,     /* the same */
	ELOG_Q_COPY_TOKEN_NEXT_ID,    /* after: new tokens get ids above */
	ELOG_Q_COPY_AUTHORITY_INSERT, /* name, vkey, added, revoked */
	ELOG_Q_COPY_WITNESS_INSERT,   /* name, vkey, added, revoked */
	ELOG_Q_COPY_WARRANT_USES,     /* -> authority, id, text_sha256,
					 first_seq */
	ELOG_Q_COPY_PURGE_HORIZONS,   /* -> before, through_seq, created */
	ELOG_Q_COPY_PURGE_HORIZON_INSERT,
	ELOG_Q_COPY_INGEST_KEYS, /* -> token, key, body_hash, first, count,
				    created */
	ELOG_Q_COUNT
};

/* elog_query_step's results. */
#define ELOG_QUERY_ERROR 1
#define ELOG_QUERY_ROW 100
#define ELOG_QUERY_DONE 101

typedef struct elog_query elog_query;

/* Prepare query id on s into *out (the caller ends it with
 * elog_query_end).  0, or -1 with *out NULL: elog_store_errmsg says why. */
int elog_query_open(elog_store *s, int id, elog_query **out);
/* Finish q (NULL: nothing). */
void elog_query_end(elog_query *q);

void elog_query_bind_int(elog_query *q, int i, int64_t v);
void elog_query_bind_text(elog_query *q, int i, const char *v);
void elog_query_bind_blob(elog_query *q, int i, const void *v, size_t len);

/* Run to the next row: ELOG_QUERY_ROW, ELOG_QUERY_DONE or
 * ELOG_QUERY_ERROR. */
int elog_query_step(elog_query *q);

int64_t elog_query_int(elog_query *q, int col);
const char *elog_query_text(elog_query *q, int col);
const void *elog_query_blob(elog_query *q, int col);
int elog_query_bytes(elog_query *q, int col);
int elog_query_is_null(elog_query *q, int col);

/* Rows the last step of a query that writes changed. */
int elog_query_changes(elog_query *q);
/* The rowid of the last row inserted on q's connection. */
int64_t elog_query_rowid(elog_query *q);

/* Run query id, which returns no row: 0, or -1 (see elog_store_errmsg). */
int elog_query_exec(elog_store *s, int id);

/* Set the page cache of s's connection to value, in SQLite's cache_size
 * terms (negative: KiB; positive: pages); with old, first store the
 * setting it replaces there.  0, or -1 (nothing changed). */
int elog_store_cache_size(elog_store *s, int64_t value, int64_t *old);

/* The last database error on s, as a sentence for an error message. */
const char *elog_store_errmsg(elog_store *s);

/* The code of the last database error on s: ELOG_DB_UNAVAILABLE when the
 * database could not be reached or went away (elog_pg_unavailable), else
 * ELOG_IO. */
int elog_store_errcode(elog_store *s);

#endif
