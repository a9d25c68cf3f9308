/*
 * store_pg.h — private to libenvelog: the PostgreSQL store.  Not installed.
 *
 * The store of store.h has two backends: SQLite (a file path) and
 * PostgreSQL (a libpq connection string).  These are the seams between the
 * store's modules and the PostgreSQL backend.
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

#endif
