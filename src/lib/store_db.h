/*
 * store_db.h — private to libenvelog: the store's raw SQLite connection.
 * Not installed.  Only the store's own modules and the tests that tamper
 * with a database include it; the public store.h hands out no handle.
 */
#ifndef ELOG_STORE_DB_H
#define ELOG_STORE_DB_H

#include <sqlite3.h>

#include "store.h"

/* The connection under s; owned by s, valid until elog_store_close. */
sqlite3 *elog_store_db(elog_store *s);

#endif
