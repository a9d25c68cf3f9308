/* store_query.c — the store's named queries.  See store_query.h. */
#include "store_query.h"

#include <stdio.h>

#include <stdlib.h>

#include <sqlite3.h>

#include "store_db.h"
#include "store_pg.h"
#include "store_pg_query.h"

/* On a PostgreSQL store (pg set) every call goes to store_pg_query.c. */
struct elog_query {
	sqlite3 *db;
	sqlite3_stmt *st;
	elog_pg_query *pg;
};

static const char *const query_sql[ELOG_Q_COUNT] = {
	[ELOG_Q_TOKEN_INSERT] = "INSERT INTO token(hash, role, authority, "
				"label, created) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ELOG_Q_TOKEN_BY_HASH] = "SELECT id, role, authority, label, created, "
				 "revoked, hash FROM token WHERE hash = ?1",
	[ELOG_Q_TOKEN_LIST] = "SELECT id, role, authority, label, created, "
			      "revoked FROM token ORDER BY id",
	[ELOG_Q_TOKEN_REVOKE] = "UPDATE token SET revoked = ?2 WHERE id = ?1 "
				"AND revoked IS NULL",
	[ELOG_Q_AUTHORITY_INSERT] = "INSERT INTO authority(name, vkey, added) "
				    "VALUES (?1, ?2, ?3) ON CONFLICT DO "
				    "NOTHING",
	[ELOG_Q_AUTHORITY_GET] = "SELECT vkey FROM authority WHERE name = ?1 "
				 "AND revoked IS NULL",
	[ELOG_Q_AUTHORITY_LIST] = "SELECT name, vkey, added, revoked FROM "
				  "authority ORDER BY name",
	[ELOG_Q_AUTHORITY_REVOKE] = "UPDATE authority SET revoked = ?2 WHERE "
				    "name = ?1 AND revoked IS NULL",
	[ELOG_Q_WITNESS_INSERT] = "INSERT INTO witness(name, vkey, added) "
				  "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
	[ELOG_Q_WITNESS_GET] = "SELECT vkey FROM witness WHERE name = ?1 AND "
			       "revoked IS NULL",
	[ELOG_Q_WITNESS_LIST] = "SELECT name, vkey, added, revoked FROM "
				"witness ORDER BY name",
	[ELOG_Q_WITNESS_REVOKE] = "UPDATE witness SET revoked = ?2 WHERE "
				  "name = ?1 AND revoked IS NULL",
	[ELOG_Q_INGEST_KEY_EXPIRE] = "DELETE FROM ingest_key WHERE created < "
				     "?1",
	[ELOG_Q_INGEST_KEY_GET] = "SELECT body_hash, first, count FROM "
				  "ingest_key WHERE token = ?1 AND key = ?2",
	[ELOG_Q_INGEST_KEY_PUT] = "INSERT OR REPLACE INTO ingest_key(token, "
				  "key, body_hash, first, count, created) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ELOG_Q_INGEST_KEY_COUNT] = "SELECT count(*) FROM ingest_key",
	[ELOG_Q_WARRANT_USE_GET] = "SELECT text_sha256 FROM warrant_use WHERE "
				   "authority = ?1 AND id = ?2",
	[ELOG_Q_WARRANT_USE_INSERT] = "INSERT INTO warrant_use(authority, id, "
				      "text_sha256, first_seq) VALUES (?1, "
				      "?2, ?3, ?4)",
	/* kind <> 0 lets SQLite use the partial index entry_public. */
	[ELOG_Q_PUBLIC_ENTRIES] = "SELECT seq, kind, data FROM entry WHERE "
				  "kind <> 0 AND seq >= ?1 ORDER BY seq",
	[ELOG_Q_BEGIN] = "BEGIN",
	[ELOG_Q_COMMIT] = "COMMIT",
	[ELOG_Q_WARRANT_USE_FIRST_SEQ] = "SELECT first_seq FROM warrant_use "
					 "WHERE authority = ?1 AND id = ?2",
	[ELOG_Q_WARRANT_USE_COUNT] = "SELECT count(*) FROM warrant_use",
	[ELOG_Q_PURGE_ENTRIES] = "SELECT seq, data FROM entry WHERE kind = 3 "
				 "ORDER BY seq",
	[ELOG_Q_PURGE_HORIZONS] = "SELECT before, through_seq FROM "
				  "purge_horizon ORDER BY before",
	[ELOG_Q_TREE_HASHES] = "SELECT id, hash FROM tree_hash ORDER BY id",
	[ELOG_Q_CHECKPOINTS] = "SELECT size, root, note FROM checkpoint ORDER "
			       "BY size",
	[ELOG_Q_COSIGNED_MISSING] = "SELECT min(size) FROM cosignature WHERE "
				    "size NOT IN (SELECT size FROM "
				    "checkpoint)",
	[ELOG_Q_MAX_CHECKPOINT_SIZE] = "SELECT max(size) FROM checkpoint",
	[ELOG_Q_COPY_CHECKPOINTS] = "SELECT size, root, note, created FROM "
				    "checkpoint ORDER BY size",
	[ELOG_Q_COPY_CHECKPOINT_INSERT] = "INSERT INTO checkpoint(size, root, "
					  "note, created) VALUES (?1, ?2, ?3, "
					  "?4)",
	[ELOG_Q_COPY_ENTRY_INSERT] = "INSERT INTO entry(seq, kind, ts, data, "
				     "leaf_hash, chain_hash) VALUES (?1, ?2, "
				     "?3, ?4, ?5, ?6)",
	[ELOG_Q_COPY_TREE_HASH_INSERT] = "INSERT INTO tree_hash(id, hash) "
					 "VALUES (?1, ?2)",
	[ELOG_Q_COPY_COSIGNATURES] = "SELECT size, witness, line, created "
				     "FROM cosignature ORDER BY size, witness",
	[ELOG_Q_COPY_COSIGNATURE_INSERT] = "INSERT INTO cosignature(size, "
					   "witness, line, created) VALUES "
					   "(?1, ?2, ?3, ?4)",
	[ELOG_Q_COPY_TOKENS] = "SELECT id, hash, role, authority, label, "
			       "created, revoked FROM token ORDER BY id",
	[ELOG_Q_COPY_TOKEN_INSERT] = "INSERT INTO token(id, hash, role, "
				     "authority, label, created, revoked) "
				     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* A rowid is max(id) + 1 already. */
	[ELOG_Q_COPY_TOKEN_NEXT_ID] = "SELECT 1",
	[ELOG_Q_COPY_AUTHORITY_INSERT] = "INSERT INTO authority(name, vkey, "
					 "added, revoked) VALUES (?1, ?2, ?3, "
					 "?4)",
	[ELOG_Q_COPY_WITNESS_INSERT] = "INSERT INTO witness(name, vkey, "
				       "added, revoked) VALUES (?1, ?2, ?3, "
				       "?4)",
	[ELOG_Q_COPY_WARRANT_USES] = "SELECT authority, id, text_sha256, "
				     "first_seq FROM warrant_use ORDER BY "
				     "first_seq, authority, id",
	[ELOG_Q_COPY_PURGE_HORIZONS] = "SELECT before, through_seq, created "
				       "FROM purge_horizon ORDER BY before",
	[ELOG_Q_COPY_PURGE_HORIZON_INSERT] = "INSERT INTO purge_horizon("
					     "before, through_seq, created) "
					     "VALUES (?1, ?2, ?3)",
	[ELOG_Q_COPY_INGEST_KEYS] = "SELECT token, key, body_hash, first, "
				    "count, created FROM ingest_key ORDER BY "
				    "token, key",
};

int elog_query_open(elog_store *s, int id, elog_query **out)
{
	elog_query *q;

	*out = NULL;
	if (id < 0 || id >= ELOG_Q_COUNT || !query_sql[id])
		return -1;
	q = calloc(1, sizeof *q);
	if (!q)
		return -1;
	if (elog_store_pg_conn(s)) {
		if (elog_pg_query_open(elog_store_pg_conn(s), id, &q->pg)) {
			free(q);
			return -1;
		}
		*out = q;
		return 0;
	}
	q->db = elog_store_db(s);
	if (sqlite3_prepare_v2(q->db, query_sql[id], -1, &q->st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(q->st);
		free(q);
		return -1;
	}
	*out = q;
	return 0;
}

void elog_query_end(elog_query *q)
{
	if (!q)
		return;
	elog_pg_query_end(q->pg);
	sqlite3_finalize(q->st);
	free(q);
}

void elog_query_bind_int(elog_query *q, int i, int64_t v)
{
	if (q->pg) {
		elog_pg_query_bind_int(q->pg, i, v);
		return;
	}
	sqlite3_bind_int64(q->st, i, (sqlite3_int64)v);
}

void elog_query_bind_text(elog_query *q, int i, const char *v)
{
	if (q->pg) {
		elog_pg_query_bind_text(q->pg, i, v);
		return;
	}
	sqlite3_bind_text(q->st, i, v, -1, SQLITE_STATIC);
}

void elog_query_bind_blob(elog_query *q, int i, const void *v, size_t len)
{
	if (q->pg) {
		elog_pg_query_bind_blob(q->pg, i, v, len);
		return;
	}
	sqlite3_bind_blob(q->st, i, v, (int)len, SQLITE_STATIC);
}

int elog_query_step(elog_query *q)
{
	if (q->pg)
		return elog_pg_query_step(q->pg);
	switch (sqlite3_step(q->st)) {
	case SQLITE_ROW:
		return ELOG_QUERY_ROW;
	case SQLITE_DONE:
		return ELOG_QUERY_DONE;
	default:
		return ELOG_QUERY_ERROR;
	}
}

int64_t elog_query_int(elog_query *q, int col)
{
	if (q->pg)
		return elog_pg_query_int(q->pg, col);
	return sqlite3_column_int64(q->st, col);
}

const char *elog_query_text(elog_query *q, int col)
{
	if (q->pg)
		return elog_pg_query_text(q->pg, col);
	return (const char *)sqlite3_column_text(q->st, col);
}

const void *elog_query_blob(elog_query *q, int col)
{
	if (q->pg)
		return elog_pg_query_blob(q->pg, col);
	return sqlite3_column_blob(q->st, col);
}

int elog_query_bytes(elog_query *q, int col)
{
	if (q->pg)
		return elog_pg_query_bytes(q->pg, col);
	return sqlite3_column_bytes(q->st, col);
}

int elog_query_is_null(elog_query *q, int col)
{
	if (q->pg)
		return elog_pg_query_is_null(q->pg, col);
	return sqlite3_column_type(q->st, col) == SQLITE_NULL;
}

int elog_query_changes(elog_query *q)
{
	if (q->pg)
		return elog_pg_query_changes(q->pg);
	return sqlite3_changes(q->db);
}

int64_t elog_query_rowid(elog_query *q)
{
	if (q->pg)
		return elog_pg_query_rowid(q->pg);
	return sqlite3_last_insert_rowid(q->db);
}

int elog_query_exec(elog_store *s, int id)
{
	if (id < 0 || id >= ELOG_Q_COUNT || !query_sql[id])
		return -1;
	if (elog_store_pg_conn(s))
		return elog_pg_query_exec(elog_store_pg_conn(s), id);
	return sqlite3_exec(elog_store_db(s), query_sql[id], NULL, NULL,
			    NULL) == SQLITE_OK
		       ? 0
		       : -1;
}

int elog_store_cache_size(elog_store *s, int64_t value, int64_t *old)
{
	sqlite3 *db = elog_store_db(s);
	sqlite3_stmt *st = NULL;
	char sql[64];
	int rc = -1;

	/* PostgreSQL's buffer cache is the server's: nothing to set. */
	if (elog_store_pg_conn(s)) {
		if (old)
			*old = value;
		return 0;
	}
	if (old) {
		if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st,
				       NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW)
			goto out;
		*old = sqlite3_column_int64(st, 0);
	}
	snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)value);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
out:
	sqlite3_finalize(st);
	return rc;
}

int elog_store_errcode(elog_store *s)
{
	if (elog_store_pg_conn(s) &&
	    elog_pg_last_unavailable(elog_store_pg_conn(s)))
		return ELOG_DB_UNAVAILABLE;
	return ELOG_IO;
}

const char *elog_store_errmsg(elog_store *s)
{
	if (elog_store_pg_conn(s))
		return elog_pg_errmsg(elog_store_pg_conn(s));
	return sqlite3_errmsg(elog_store_db(s));
}
