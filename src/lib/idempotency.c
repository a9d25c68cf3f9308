/* idempotency.c — the Idempotency-Key of ingest.  See idempotency.h. */
#include "idempotency.h"

#include <string.h>

#include <sodium.h>

#include "store_query.h"

static int db_fail(elog_store *s, elog_err_t *err, const char *what)
{
	return elog_fail(err, elog_store_errcode(s), -1, NULL,
			 "database error while %s: %s", what,
			 elog_store_errmsg(s));
}

int elog_idempotency_key_check(const char *key, size_t len, elog_err_t *err)
{
	if (len == 0)
		return elog_fail(err, ELOG_INVALID_VALUE, -1,
				 "Idempotency-Key",
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
		return elog_fail(err, ELOG_INVALID_VALUE, -1,
				 "Idempotency-Key",
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
	elog_query *st = NULL;
	int rc;

	*found = 0;
	if (elog_query_open(w, ELOG_Q_INGEST_KEY_EXPIRE, &st)) {
		rc = db_fail(w, err, "expiring idempotency keys");
		goto out;
	}
	elog_query_bind_int(st, 1, now_ms - window_ms);
	if (elog_query_step(st) != ELOG_QUERY_DONE) {
		rc = db_fail(w, err, "expiring idempotency keys");
		goto out;
	}
	elog_query_end(st);
	st = NULL;
	if (elog_query_open(w, ELOG_Q_INGEST_KEY_GET, &st)) {
		rc = db_fail(w, err, "reading an idempotency key");
		goto out;
	}
	elog_query_bind_int(st, 1, token);
	elog_query_bind_text(st, 2, key);
	rc = elog_query_step(st);
	if (rc == ELOG_QUERY_DONE) {
		rc = 0;
		goto out;
	}
	if (rc != ELOG_QUERY_ROW) {
		rc = db_fail(w, err, "reading an idempotency key");
		goto out;
	}
	if (elog_query_bytes(st, 0) != 32 ||
	    memcmp(elog_query_blob(st, 0), body_hash, 32) != 0) {
		rc = elog_fail(err, ELOG_CONFLICT, -1, "Idempotency-Key",
			       "this Idempotency-Key was used for another "
			       "batch; a retry must resend the same body");
		goto out;
	}
	*first = (uint64_t)elog_query_int(st, 1);
	*count = (uint64_t)elog_query_int(st, 2);
	*found = 1;
	rc = 0;
out:
	elog_query_end(st);
	return rc;
}

int elog_idempotency_put(elog_store *w, int64_t token, const char *key,
			 const uint8_t body_hash[32], uint64_t first,
			 uint64_t count, int64_t now_ms, elog_err_t *err)
{
	elog_query *st = NULL;
	int rc = 0;

	if (elog_query_open(w, ELOG_Q_INGEST_KEY_PUT, &st))
		return db_fail(w, err, "keeping an idempotency key");
	elog_query_bind_int(st, 1, token);
	elog_query_bind_text(st, 2, key);
	elog_query_bind_blob(st, 3, body_hash, 32);
	elog_query_bind_int(st, 4, (int64_t)first);
	elog_query_bind_int(st, 5, (int64_t)count);
	elog_query_bind_int(st, 6, now_ms);
	if (elog_query_step(st) != ELOG_QUERY_DONE)
		rc = db_fail(w, err, "keeping an idempotency key");
	elog_query_end(st);
	return rc;
}

int elog_idempotency_count(elog_store *s, uint64_t *n, elog_err_t *err)
{
	elog_query *st = NULL;
	int rc = 0;

	if (elog_query_open(s, ELOG_Q_INGEST_KEY_COUNT, &st))
		return db_fail(s, err, "counting idempotency keys");
	if (elog_query_step(st) == ELOG_QUERY_ROW)
		*n = (uint64_t)elog_query_int(st, 0);
	else
		rc = db_fail(s, err, "counting idempotency keys");
	elog_query_end(st);
	return rc;
}
