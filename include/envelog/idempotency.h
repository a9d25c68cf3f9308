/*
 * idempotency.h — retry-safe ingest: the Idempotency-Key of
 * POST /v1/events (docs/PROTOCOL.md, "Retrying a batch").
 *
 * A key is kept per ingest token in the table ingest_key
 * (schema/005_ingest_keys.sql), written in the same transaction as the
 * events it names, so a key is remembered exactly when its events are
 * committed.  With it are kept the SHA-256 of the request's media type and
 * body and the entries [first, first + count) it was given.
 */
#ifndef ELOG_IDEMPOTENCY_H
#define ELOG_IDEMPOTENCY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* Longest key, in bytes. */
#define ELOG_IDEMPOTENCY_KEY_MAX 128
/* How long keys are kept unless envelogd is told otherwise: 24 h. */
#define ELOG_IDEMPOTENCY_WINDOW_DEFAULT_S 86400

/*
 * 0 if key (len bytes, not necessarily NUL-terminated) is a valid
 * Idempotency-Key: 1 to ELOG_IDEMPOTENCY_KEY_MAX characters from
 * A-Z a-z 0-9 and "-_.:" (a UUID, a ULID, a hex digest).  Otherwise
 * TOO_LONG or INVALID_VALUE, with err's field "Idempotency-Key".
 */
int elog_idempotency_key_check(const char *key, size_t len, elog_err_t *err);

/* The hash a key is bound to: SHA-256 over the media type, a NUL byte and
 * the body. */
void elog_idempotency_body_hash(const char *ctype, const char *body,
				size_t len, uint8_t out[32]);

/*
 * Inside the writer's transaction.  First deletes every key created before
 * now_ms - window_ms (of every token).  Then looks up (token, key):
 * *found = 0 when it is not kept; *found = 1 and *first, *count filled when
 * it is kept with this body_hash; CONFLICT when it is kept with another.
 */
int elog_idempotency_find(elog_store *w, int64_t token, const char *key,
			  const uint8_t body_hash[32], int64_t now_ms,
			  int64_t window_ms, int *found, uint64_t *first,
			  uint64_t *count, elog_err_t *err);

/* Inside the writer's transaction: keep (token, key) for the entries
 * [first, first + count), created at now_ms. */
int elog_idempotency_put(elog_store *w, int64_t token, const char *key,
			 const uint8_t body_hash[32], uint64_t first,
			 uint64_t count, int64_t now_ms, elog_err_t *err);

/* Number of keys kept (all tokens). */
int elog_idempotency_count(elog_store *s, uint64_t *n, elog_err_t *err);

#endif
