/* canon.c — strict JSON input (jansson) and canonical JSON output. */
#include "canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Canonical output larger than this is refused: leaf data is small. */
#define CANON_MAX ((size_t)64 << 20)

int elog_json_load(const char *buf, size_t len, json_t **out, elog_err_t *err)
{
	json_error_t jerr;
	json_t *v;
	int code;

	*out = NULL;
	if (!buf)
		return elog_fail(err, ELOG_MALFORMED_JSON, 0, NULL,
				 "The body is empty.");
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
		       &jerr);
	if (v) {
		*out = v;
		return 0;
	}
	switch (json_error_code(&jerr)) {
	case json_error_invalid_utf8:
		code = ELOG_INVALID_UTF8;
		break;
	case json_error_duplicate_key:
		code = ELOG_DUPLICATE_KEY;
		break;
	case json_error_numeric_overflow:
		code = ELOG_OUT_OF_RANGE;
		break;
	case json_error_null_character:
	case json_error_null_byte_in_key:
		code = ELOG_CONTROL_CHARACTER;
		break;
	case json_error_out_of_memory:
		code = ELOG_NOMEM;
		break;
	default:
		code = ELOG_MALFORMED_JSON;
		break;
	}
	/* jansson's text may quote input (a key or a token): do not echo it.
	 * The byte position goes in the message only: index names an event. */
	return elog_fail(err, code, -1, NULL,
			 "The JSON input is not accepted (%s) near byte %ld.",
			 elog_code_name(code), (long)jerr.position);
}

int elog_text_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		/* C1 control characters U+0080..U+009F */
		if (cp >= 0x80 && cp <= 0x9f)
			return 0;
		i += n + 1;
	}
	return 1;
}

/* A growing output buffer, bounded by CANON_MAX. */
struct buf {
	char *p;
	size_t len, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	if (n > CANON_MAX - b->len - 1)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int nomem(elog_err_t *err)
{
	return elog_fail(err, ELOG_NOMEM, -1, NULL,
			 "Out of memory (or output too large) while "
			 "serialising JSON.");
}

static int dump_string(struct buf *b, const char *s, size_t n, elog_err_t *err)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20)
			return elog_fail(err, ELOG_CONTROL_CHARACTER, -1, NULL,
					 "A string contains a control "
					 "character.");
	}
	if (put(b, "\"", 1))
		return nomem(err);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			if (put(b, s + start, i - start) || put(b, "\\", 1))
				return nomem(err);
			start = i;
		}
	}
	if (put(b, s + start, n - start) || put(b, "\"", 1))
		return nomem(err);
	return 0;
}

struct kv {
	const char *key;
	size_t len;
	json_t *val;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static int dump_value(struct buf *b, const json_t *v, elog_err_t *err);

static int dump_object(struct buf *b, const json_t *v, elog_err_t *err)
{
	json_t *obj = (json_t *)v; /* jansson's iterators are not const */
	size_t n = json_object_size(obj), i = 0;
	struct kv *kvs = NULL;
	const char *key;
	size_t key_len;
	json_t *val;
	int rc = 0;

	if (n) {
		kvs = calloc(n, sizeof *kvs);
		if (!kvs)
			return nomem(err);
	}
	json_object_keylen_foreach(obj, key, key_len, val)
	{
		if (i == n)
			break;
		kvs[i].key = key;
		kvs[i].len = key_len;
		kvs[i].val = val;
		i++;
	}
	n = i;
	if (n > 1)
		qsort(kvs, n, sizeof *kvs, kv_cmp);
	if (put(b, "{", 1)) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (i && put(b, ",", 1)) {
			rc = nomem(err);
			goto out;
		}
		rc = dump_string(b, kvs[i].key, kvs[i].len, err);
		if (rc)
			goto out;
		if (put(b, ":", 1)) {
			rc = nomem(err);
			goto out;
		}
		rc = dump_value(b, kvs[i].val, err);
		if (rc)
			goto out;
	}
	if (put(b, "}", 1))
		rc = nomem(err);
out:
	free(kvs);
	return rc;
}

static int dump_value(struct buf *b, const json_t *v, elog_err_t *err)
{
	char num[32];
	json_int_t iv;
	size_t i, n;
	int rc, k;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return dump_object(b, v, err);
	case JSON_ARRAY:
		if (put(b, "[", 1))
			return nomem(err);
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i && put(b, ",", 1))
				return nomem(err);
			rc = dump_value(b, json_array_get(v, i), err);
			if (rc)
				return rc;
		}
		if (put(b, "]", 1))
			return nomem(err);
		return 0;
	case JSON_STRING:
		return dump_string(b, json_string_value(v),
				   json_string_length(v), err);
	case JSON_INTEGER:
		iv = json_integer_value(v);
		if (iv < 0 || iv >= ELOG_JSON_INT_MAX)
			return elog_fail(err, ELOG_OUT_OF_RANGE, -1, NULL,
					 "An integer is outside 0 to 2^53-1.");
		k = snprintf(num, sizeof num, "%lld", (long long)iv);
		if (k < 0 || (size_t)k >= sizeof num)
			return elog_fail(err, ELOG_INTERNAL, -1, NULL,
					 "Cannot format an integer.");
		if (put(b, num, (size_t)k))
			return nomem(err);
		return 0;
	default:
		return elog_fail(err, ELOG_WRONG_TYPE, -1, NULL,
				 "Only objects, arrays, strings and integers "
				 "have a canonical form.");
	}
}

int elog_canon_dump(const json_t *v, char **out, size_t *len, elog_err_t *err)
{
	struct buf b = {NULL, 0, 0};
	int rc;

	*out = NULL;
	if (len)
		*len = 0;
	if (!v)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "No JSON value to serialise.");
	rc = dump_value(&b, v, err);
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}
