/*
 * error.h — the one registry of error codes, and the error report that every
 * library function fills.
 *
 * Library functions return an int: 0 for success, or the negated code of an
 * enum elog_code below.  On failure they fill the caller's elog_err_t (when
 * not NULL) with the code, a human sentence and, where it applies, the index
 * of the offending item and the field it concerns.  Messages never contain
 * secrets or event metadata.
 */
#ifndef ELOG_ERROR_H
#define ELOG_ERROR_H

#include <stddef.h>

/* X(NAME, "snake_case_code", http_status) */
#define ELOG_CODE_TABLE(X) \
	X(OK, "ok", 200) \
	/* input */ \
	X(MALFORMED_JSON, "malformed_json", 400) \
	X(INVALID_UTF8, "invalid_utf8", 400) \
	X(DUPLICATE_KEY, "duplicate_key", 400) \
	X(EXPECTED_ARRAY, "expected_array", 400) \
	X(EXPECTED_OBJECT, "expected_object", 400) \
	X(EMPTY_BATCH, "empty_batch", 400) \
	X(UNKNOWN_FIELD, "unknown_field", 400) \
	X(MISSING_FIELD, "missing_field", 400) \
	X(WRONG_TYPE, "wrong_type", 400) \
	X(OUT_OF_RANGE, "out_of_range", 400) \
	X(TS_IN_FUTURE, "ts_in_future", 400) \
	X(INVALID_VALUE, "invalid_value", 400) \
	X(CONTROL_CHARACTER, "control_character", 400) \
	X(TOO_LONG, "too_long", 400) \
	X(NONCE_NOT_ACCEPTED, "nonce_not_accepted", 400) \
	X(MISSING_PARAMETER, "missing_parameter", 400) \
	X(INVALID_PARAMETER, "invalid_parameter", 400) \
	X(PARAMETER_OUT_OF_RANGE, "parameter_out_of_range", 400) \
	X(INVALID_RANGE, "invalid_range", 400) \
	X(MALFORMED_NOTE, "malformed_note", 400) \
	X(MALFORMED_KEY, "malformed_key", 400) \
	X(MALFORMED_CHECKPOINT, "malformed_checkpoint", 400) \
	X(MALFORMED_WARRANT, "malformed_warrant", 400) \
	X(MALFORMED_PROOF, "malformed_proof", 400) \
	X(MALFORMED_BUNDLE, "malformed_bundle", 400) \
	X(MALFORMED_COSIGNATURE, "malformed_cosignature", 400) \
	X(MALFORMED_REQUEST, "malformed_request", 400) \
	/* auth */ \
	X(MISSING_TOKEN, "missing_token", 401) \
	X(UNKNOWN_TOKEN, "unknown_token", 401) \
	X(WRONG_ROLE, "wrong_role", 403) \
	X(BAD_SIGNATURE, "bad_signature", 403) \
	X(UNKNOWN_KEY, "unknown_key", 403) \
	X(AUTHORITY_MISMATCH, "authority_mismatch", 403) \
	/* routing */ \
	X(NOT_FOUND, "not_found", 404) \
	X(METHOD_NOT_ALLOWED, "method_not_allowed", 405) \
	X(CONFLICT, "conflict", 409) \
	X(BODY_TOO_LARGE, "body_too_large", 413) \
	X(TOO_MANY_EVENTS, "too_many_events", 413) \
	X(UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", 415) \
	/* rules */ \
	X(CONTENT_REJECTED, "content_rejected", 422) \
	X(WARRANT_REFUSED, "warrant_refused", 422) \
	X(HORIZON_BACKWARDS, "horizon_backwards", 422) \
	X(ROOT_LOG, "root_log", 422) \
	X(RATE_LIMITED, "rate_limited", 429) \
	/* verification */ \
	X(PROOF_INVALID, "proof_invalid", 422) \
	X(TAMPERED, "tampered", 422) \
	X(INCONSISTENT, "inconsistent", 422) \
	X(OUTSIDE_WARRANT, "outside_warrant", 422) \
	/* system */ \
	X(IO, "io_error", 500) \
	X(NOMEM, "out_of_memory", 500) \
	X(INTERNAL, "internal_error", 500) \
	X(QUEUE_FULL, "queue_full", 503) \
	X(SHUTTING_DOWN, "shutting_down", 503) \
	X(DB_UNAVAILABLE, "db_unavailable", 503) \
	X(SHARD_UNAVAILABLE, "shard_unavailable", 502)

enum elog_code {
#define ELOG_X(name, str, http) ELOG_##name,
	ELOG_CODE_TABLE(ELOG_X)
#undef ELOG_X
		ELOG_CODE_COUNT
};

typedef struct elog_err {
	int code;   /* enum elog_code */
	long index; /* offending item (event, line, proof element), or -1 */
	char field[64]; /* offending field or parameter, or "" */
	char msg[256];	/* one human sentence */
} elog_err_t;

/* The snake_case name and HTTP status of a code ("internal_error"/500 for
 * codes out of range). */
const char *elog_code_name(int code);
int elog_code_http(int code);

/* Fill err (if not NULL) and return -code.  index -1 and field NULL when
 * they do not apply.  The message is printf-formatted and truncated to fit. */
int elog_fail(elog_err_t *err, int code, long index, const char *field,
	      const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* Reset err to "ok". */
void elog_err_clear(elog_err_t *err);

#endif
