/*
 * store_pg_query.h — private to libenvelog: the named queries of
 * store_query.h on a PostgreSQL connection.  Not installed.
 *
 * store_query.c dispatches to these when the store is PostgreSQL's
 * (elog_store_pg_conn); the semantics are those of store_query.h:
 * parameters from 1, columns from 0, bound values not copied.  A query
 * runs when first stepped (PQexecParams, results in binary); its rows are
 * then read from the result.  Queries that walk a whole table (tree hashes,
 * checkpoints, entries) run through a cursor fetched in batches when the
 * connection is in a transaction, so that their rows are not all held in
 * memory at once.
 */
#ifndef ELOG_STORE_PG_QUERY_H
#define ELOG_STORE_PG_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

typedef struct elog_pg_query elog_pg_query;

/* Query id (enum elog_query_id) on c into *out: 0, or -1 with *out NULL. */
int elog_pg_query_open(PGconn *c, int id, elog_pg_query **out);
/* Finish q (NULL: nothing); closes its cursor if it has one open. */
void elog_pg_query_end(elog_pg_query *q);

void elog_pg_query_bind_int(elog_pg_query *q, int i, int64_t v);
void elog_pg_query_bind_text(elog_pg_query *q, int i, const char *v);
void elog_pg_query_bind_blob(elog_pg_query *q, int i, const void *v,
			     size_t len);

/* ELOG_QUERY_ROW, ELOG_QUERY_DONE or ELOG_QUERY_ERROR (the connection's
 * error message says why). */
int elog_pg_query_step(elog_pg_query *q);

int64_t elog_pg_query_int(elog_pg_query *q, int col);
const char *elog_pg_query_text(elog_pg_query *q, int col);
const void *elog_pg_query_blob(elog_pg_query *q, int col);
int elog_pg_query_bytes(elog_pg_query *q, int col);
int elog_pg_query_is_null(elog_pg_query *q, int col);
int elog_pg_query_changes(elog_pg_query *q);
/* The id the last insert of q returned (its RETURNING id); 0 if none. */
int64_t elog_pg_query_rowid(elog_pg_query *q);

/* Run query id, which returns no row: 0, or -1. */
int elog_pg_query_exec(PGconn *c, int id);

/*
 * The last error on c as one line for an error message: PostgreSQL's
 * message without its severity prefix ("ERROR:  ") or trailing newline.
 * Valid until the next call in the same thread.
 */
const char *elog_pg_errmsg(PGconn *c);

/*
 * 1 when r (the result of a query on c that failed; NULL: none came) says
 * the database is unavailable rather than the query wrong: c is not
 * connected (connection refused or lost), or the SQLSTATE is of class 08
 * (connection exception), 57P01-57P03 (the server shutting down, crashed
 * or starting) or 25006 (a read-only transaction: a demoted primary).
 */
int elog_pg_unavailable(PGconn *c, const PGresult *r);

/* Whether the last named query that failed in this thread (or c itself)
 * failed because the database is unavailable (elog_pg_unavailable). */
int elog_pg_last_unavailable(PGconn *c);

#endif
