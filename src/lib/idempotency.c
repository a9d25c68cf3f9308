/* idempotency.c — the Idempotency-Key of ingest.  See idempotency.h. */
#include "idempotency.h"

#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store_db.h"

static int db_fail(elog_store *s, elog_err_t *err, const char *what)
{
	return elog_fail(err, ELOG_IO, -1, NULL, "database error while %s: %s",
			 what, sqlite3_errmsg(elog_store_db(s)));
}

int elog_idempotency_key_check(const char *key, size_t len, elog_err_t *err)
{
	if (len == 0)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "Idempotency-Key",
				 "the Idempotency-Key is empty");
	if (len > ELOG_IDEMPOTENCY_KEY_MAX)
		return elog_fail(err, ELOG_TOO_LONG, -1, "Idempotency-Key",
				 "the Idempotency-Key is longer than %d "
				 "characters",
				 ELOG_IDEMPOTENCY_KEY_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == ':')
			continue;
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "Idempotency-Key",
				 "the Idempotency-Key may hold only letters, "
				 "digits and \"-_.:\"");
	}
	return 0;
}

void elog_idempotency_body_hash(const char *ctype, const char *body,
				size_t len, uint8_t out[32])
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)ctype,
				  strlen(ctype) + 1);
	if (len)
		crypto_hash_sha256_update(&h, (const unsigned char *)body, len);
	crypto_hash_sha256_final(&h, out);
}

int elog_idempotency_find(elog_store *w, int64_t token, const char *key,
			  const uint8_t body_hash[32], int64_t now_ms,
			  int64_t window_ms, int *found, uint64_t *first,
			  uint64_t *count, elog_err_t *err)
{
	sqlite3 *db = elog_store_db(w);
	sqlite3_stmt *st = NULL;
	int rc;

	*found = 0;
	if (sqlite3_prepare_v2(db, "DELETE FROM ingest_key WHERE created < ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(w, err, "expiring idempotency keys");
		goto out;
	}
	sqlite3_bind_int64(st, 1, now_ms - window_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(w, err, "expiring idempotency keys");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT body_hash, first, count FROM ingest_key "
			       "WHERE token = ?1 AND key = ?2",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(w, err, "reading an idempotency key");
		goto out;
	}
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = db_fail(w, err, "reading an idempotency key");
		goto out;
	}
	if (sqlite3_column_bytes(st, 0) != 32 ||
	    memcmp(sqlite3_column_blob(st, 0), body_hash, 32) != 0) {
		rc = elog_fail(err, ELOG_CONFLICT, -1, "Idempotency-Key",
			       "this Idempotency-Key was used for another "
			       "batch; a retry must resend the same body");
		goto out;
	}
	*first = (uint64_t)sqlite3_column_int64(st, 1);
	*count = (uint64_t)sqlite3_column_int64(st, 2);
	*found = 1;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int elog_idempotency_put(elog_store *w, int64_t token, const char *key,
			 const uint8_t body_hash[32], uint64_t first,
			 uint64_t count, int64_t now_ms, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(elog_store_db(w),
			       "INSERT OR REPLACE INTO ingest_key(token, key, "
			       "body_hash, first, count, created) VALUES "
			       "(?1, ?2, ?3, ?4, ?5, ?6)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(w, err, "keeping an idempotency key");
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, body_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)count);
	sqlite3_bind_int64(st, 6, now_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(w, err, "keeping an idempotency key");
	sqlite3_finalize(st);
	return rc;
}

int elog_idempotency_count(elog_store *s, uint64_t *n, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(elog_store_db(s),
			       "SELECT count(*) FROM ingest_key", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(s, err, "counting idempotency keys");
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = db_fail(s, err, "counting idempotency keys");
	sqlite3_finalize(st);
	return rc;
}
