/*
 * canon.h — strict JSON input and canonical JSON output.
 *
 * Input goes through jansson with duplicate keys rejected, NUL characters
 * rejected, and jansson's error codes mapped onto ours.  Output is the
 * canonical form of docs/PROTOCOL.md (RFC 8785 restricted to our value types):
 * objects, arrays, strings and integers 0 <= n < 2^53; no whitespace; keys
 * sorted by byte value; strings with only '"' and '\' escaped (control
 * characters refused); integers in plain decimal.
 */
#ifndef ELOG_CANON_H
#define ELOG_CANON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define ELOG_JSON_INT_MAX ((int64_t)1 << 53) /* exclusive */

/*
 * Parse exactly one JSON value from buf[0..len) (trailing whitespace only).
 * New reference in *out.  MALFORMED_JSON, INVALID_UTF8 or DUPLICATE_KEY on
 * failure, with the byte position in err->index.
 */
int elog_json_load(const char *buf, size_t len, json_t **out, elog_err_t *err);

/*
 * Canonical serialisation of v into a malloc'd NUL-terminated string.
 * WRONG_TYPE for reals, booleans, null; OUT_OF_RANGE for integers outside
 * [0, 2^53); CONTROL_CHARACTER for strings with bytes < 0x20.
 */
int elog_canon_dump(const json_t *v, char **out, size_t *len, elog_err_t *err);

/* 1 if s (len bytes) is valid UTF-8 with no control characters (< 0x20, 0x7f). */
int elog_text_clean(const char *s, size_t len);

#endif
