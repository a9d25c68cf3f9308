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

/* The statements that make partition k of the event records,
 * event_data_pK, unless it exists: the table and its append-only triggers
 * (UPDATE refused; DELETE only at or below the purge horizon's
 * through_seq, as schema 004 has it).  Into buf (ELOG_PART_SQL_MAX bytes suffice); 0, or -1 if cap is too
 * small.  The store makes a partition with its first record; benchmarks
 * that write raw rows make them the same way. */
#define ELOG_PART_SQL_MAX 768
int elog_store_part_sql(int64_t k, char *buf, size_t cap);

/* The bytes s keeps for an entry's leaf data: on SQLite, an event's leaf
 * data in the form the library writes is kept packed (pack.h) into buf,
 * 33 bytes (*out_len); anything else is data itself.  For writers that
 * insert entry rows themselves (envelog copy's purged prefix). */
const void *elog_store_leaf_stored(const elog_store *s, int kind,
				   const char *data, size_t len,
				   unsigned char buf[33], size_t *out_len);

/* elog_store_leaves with each leaf's data and record as stored: packed
 * (pack.h) where the store packs them, to be turned into JSON by
 * elog_leaf_unpack (into data, 76 bytes, and record, 768) by whichever
 * thread checks them.  For envelog verify, whose reading thread is its
 * bottleneck. */
int elog_store_leaves_stored(elog_store *s, uint64_t start, uint64_t end,
			     elog_leaf_fn fn, void *ctx, elog_err_t *err);
void elog_leaf_unpack(elog_leaf *l, char data[76], char record[768]);

#endif
