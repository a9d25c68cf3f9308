/* entry.c — event validation and the canonical leaf data of every entry. */
#include "entry.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "canon.h"
#include "pack.h"
#include "rfc3339.h"
#include "shard.h"

_Static_assert(ELOG_NONCE_LEN == 16, "pack.c packs a nonce of 16 bytes, 24 "
				     "characters of base64");

static const char *const kind_names[] = {
	[ELOG_KIND_EVENT] = "event",
	[ELOG_KIND_DISCLOSURE] = "disclosure",
	[ELOG_KIND_REFUSAL] = "refusal",
	[ELOG_KIND_PURGE] = "purge",
	[ELOG_KIND_SHARD_ADD] = "shard_add",
	[ELOG_KIND_SHARD] = "shard",
	[ELOG_KIND_SHARD_REFUSAL] = "shard_refusal",
	[ELOG_KIND_SHARD_RETIRE] = "shard_retire",
	[ELOG_KIND_SHARD_CLOSE] = "shard_close",
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

#define KEY(k) \
	{ \
		k, sizeof k - 1 \
	}
static const struct {
	const char *name;
	size_t len;
} content_keys[] = {
	KEY("body"),	     KEY("text"),	KEY("content"),
	KEY("message"),	     KEY("payload"),	KEY("ciphertext"),
	KEY("caption"),	     KEY("attachment"), KEY("media_url"),
	KEY("subject_line"),
};
#undef KEY

static const char *const event_types[] = {
	"message",    "media",	       "voice",	  "call",
	"video_call", "group_message", "receipt", "status",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *elog_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= NKINDS)
		return NULL;
	return kind_names[kind];
}

int elog_kind_from_name(const char *name)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < NKINDS; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

void elog_entry_free(elog_entry *e)
{
	if (!e)
		return;
	free(e->data);
	free(e->record);
	free(e->sender);
	free(e->recipient);
	memset(e, 0, sizeof *e);
}

void elog_entries_free(elog_entry *e, size_t n)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < n; i++)
		elog_entry_free(&e[i]);
	free(e);
}

int elog_identifier_valid(const char *s, size_t n, size_t max)
{
	size_t i;

	if (!s || n < 1 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\0' ||
		    !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || strchr("+._:@/=-", c)))
			return 0;
	}
	return 1;
}

int elog_is_content_key(const char *key)
{
	size_t i, n;

	if (!key)
		return 0;
	n = strlen(key);
	for (i = 0; i < NELEM(content_keys); i++)
		if (n == content_keys[i].len &&
		    strcasecmp(key, content_keys[i].name) == 0)
			return 1;
	return 0;
}

/* The first content-like key at any depth of v, or NULL. */
static const char *find_content_key(const json_t *v)
{
	const char *key, *hit;
	json_t *val;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, val)
		{
			if (elog_is_content_key(key))
				return key;
			hit = find_content_key(val);
			if (hit)
				return hit;
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			hit = find_content_key(json_array_get(v, i));
			if (hit)
				return hit;
		}
	}
	return NULL;
}

static int content_rejected(const json_t *v, size_t index, elog_err_t *err)
{
	const char *key = find_content_key(v);

	if (!key)
		return 0;
	return elog_fail(err, ELOG_CONTENT_REJECTED, (long)index, key,
			 "Event %zu has a field that names message content; "
			 "envelog never accepts message content.",
			 index);
}

/* 1 if s holds a C0 control, DEL or an encoded C1 control (U+0080-U+009F). */
static int has_control(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* Validate a party-like string field (sender, recipient, device). */
static int check_text(const json_t *v, size_t index, const char *field,
		      size_t max, elog_err_t *err)
{
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return elog_fail(err, ELOG_WRONG_TYPE, (long)index, field,
				 "Event %zu: %s must be a string.", index,
				 field);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return elog_fail(err, ELOG_INVALID_VALUE, (long)index, field,
				 "Event %zu: %s must not be empty.", index,
				 field);
	if (n > max)
		return elog_fail(err, ELOG_TOO_LONG, (long)index, field,
				 "Event %zu: %s is longer than %zu bytes.",
				 index, field, max);
	if (!elog_text_clean(s, n)) {
		if (has_control(s, n))
			return elog_fail(err, ELOG_CONTROL_CHARACTER,
					 (long)index, field,
					 "Event %zu: %s contains a control "
					 "character.",
					 index, field);
		return elog_fail(err, ELOG_INVALID_UTF8, (long)index, field,
				 "Event %zu: %s is not valid UTF-8.", index,
				 field);
	}
	if (!elog_identifier_valid(s, n, max))
		return elog_fail(err, ELOG_INVALID_VALUE, (long)index, field,
				 "Event %zu: %s must be an identifier: only "
				 "A-Z a-z 0-9 and + . _ : @ / = -.",
				 index, field);
	return 0;
}

static int check_ts(const json_t *v, size_t index,
		    const elog_ingest_rules *rules, int64_t *ts,
		    elog_err_t *err)
{
	int64_t t;

	if (json_is_integer(v)) {
		json_int_t iv = json_integer_value(v);
		if (iv < 0 || iv >= ELOG_JSON_INT_MAX)
			return elog_fail(err, ELOG_OUT_OF_RANGE, (long)index,
					 "ts",
					 "Event %zu: ts must be between 0 and "
					 "2^53-1 milliseconds.",
					 index);
		t = (int64_t)iv;
	} else if (json_is_string(v)) {
		if (elog_rfc3339_parse(json_string_value(v),
				       json_string_length(v), 0, &t) != 0)
			return elog_fail(err, ELOG_INVALID_VALUE, (long)index,
					 "ts",
					 "Event %zu: ts is not an RFC 3339 "
					 "timestamp.",
					 index);
	} else {
		return elog_fail(err, ELOG_WRONG_TYPE, (long)index, "ts",
				 "Event %zu: ts must be integer milliseconds "
				 "or an RFC 3339 string.",
				 index);
	}
	if (rules && t > rules->now_ms &&
	    t - rules->now_ms > rules->max_future_ms)
		return elog_fail(err, ELOG_TS_IN_FUTURE, (long)index, "ts",
				 "Event %zu: ts is more than %lld ms ahead of "
				 "the server clock.",
				 index, (long long)rules->max_future_ms);
	*ts = t;
	return 0;
}

/* Normalised textual form of an IPv4 or IPv6 address into out. */
static int check_ip(const json_t *v, size_t index, char out[INET6_ADDRSTRLEN],
		    elog_err_t *err)
{
	unsigned char addr[16];
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return elog_fail(err, ELOG_WRONG_TYPE, (long)index, "ip",
				 "Event %zu: ip must be a string.", index);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n >= INET6_ADDRSTRLEN || strlen(s) != n || strchr(s, '%'))
		goto bad;
	if (inet_pton(AF_INET, s, addr) == 1) {
		if (!inet_ntop(AF_INET, addr, out, INET6_ADDRSTRLEN))
			goto bad;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		if (!inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN))
			goto bad;
		return 0;
	}
bad:
	return elog_fail(err, ELOG_INVALID_VALUE, (long)index, "ip",
			 "Event %zu: ip is not a valid IPv4 or IPv6 address.",
			 index);
}

static int is_event_field(const char *key)
{
	static const char *const fields[] = {"ts",    "sender", "recipient",
					     "type",  "size",	"ip",
					     "device"};
	size_t i;

	for (i = 0; i < NELEM(fields); i++)
		if (strcmp(key, fields[i]) == 0)
			return 1;
	return 0;
}

static int required(const json_t *obj, const char *field, size_t index,
		    json_t **v, elog_err_t *err)
{
	*v = json_object_get(obj, field);
	if (!*v)
		return elog_fail(err, ELOG_MISSING_FIELD, (long)index, field,
				 "Event %zu has no %s.", index, field);
	return 0;
}

/* n fresh nonces of 16 random bytes each into raw, in one call to the
 * generator. */
static int random_nonces(unsigned char *raw, size_t n, elog_err_t *err)
{
	if (sodium_init() < 0)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "The random number generator is unavailable.");
	randombytes_buf(raw, n * ELOG_NONCE_LEN);
	return 0;
}

/* Set key to a new reference (stolen); -1 on failure. */
static int set_new(json_t *obj, const char *key, json_t *val)
{
	if (!val)
		return -1;
	return json_object_set_new(obj, key, val);
}

/* Canonical dump of obj into out->data/len. */
static int finish(json_t *obj, elog_entry *out, elog_err_t *err)
{
	return elog_canon_dump(obj, &out->data, &out->len, err);
}

int elog_event_leaf_data(const char *record, size_t len, char **data,
			 size_t *data_len, elog_err_t *err)
{
	elog_hash h;
	char *p;

	elog_sha256(record, len, &h);
	if (!(p = malloc(ELOG_EVENT_LEAF_JSON_LEN + 1)))
		return elog_fail(err, ELOG_NOMEM, -1, NULL,
				 "Out of memory building a commitment.");
	elog_event_leaf_write(&h, p);
	p[ELOG_EVENT_LEAF_JSON_LEN] = '\0';
	*data = p;
	*data_len = ELOG_EVENT_LEAF_JSON_LEN;
	return 0;
}

void elog_records_commitment(const unsigned char salt[ELOG_SALT_LEN],
			     const elog_hash *records_root, elog_hash *out)
{
	unsigned char buf[ELOG_SALT_LEN + ELOG_HASH_LEN];

	memcpy(buf, salt, ELOG_SALT_LEN);
	memcpy(buf + ELOG_SALT_LEN, records_root->b, ELOG_HASH_LEN);
	elog_sha256(buf, sizeof buf, out);
}

/*
 * The record of a validated event, written directly in its canonical form
 * (the bytes elog_canon_dump gives for the object event_from_json would
 * build: keys in byte order, nothing to escape), into out->record.
 * 0 if a value would make the dump differ (escapes, out-of-range
 * integers): then the caller builds it with jansson.  1 when done
 * (out->record NULL if out of memory).
 */
static int record_direct(int64_t ts, const char *sender, const char *recipient,
			 const char *type, int64_t size, const char *ip,
			 const char *device, const char *nonce,
			 elog_entry *out)
{
	elog_record_form f = {
		.device = device,
		.ip = ip,
		.device_len = device ? strlen(device) : 0,
		.ip_len = ip ? strlen(ip) : 0,
		.nonce = nonce,
		.recipient = recipient,
		.sender = sender,
		.type = type,
		.nonce_len = strlen(nonce),
		.recipient_len = strlen(recipient),
		.sender_len = strlen(sender),
		.type_len = strlen(type),
		.size = size,
		.ts = ts,
	};
	char b[ELOG_RECORD_JSON_MAX];
	size_t n = 0;

	if (!elog_record_form_write(&f, b, sizeof b, &n))
		return 0;
	out->record = malloc(n + 1);
	if (out->record) {
		memcpy(out->record, b, n);
		out->record[n] = '\0';
		out->record_len = n;
	}
	return 1;
}

/* elog_event_from_json with the event's nonce (16 random bytes) given,
 * and the content keys already checked when content_checked is set. */
static int event_from_json(const json_t *obj, size_t index,
			   const elog_ingest_rules *rules,
			   const unsigned char raw_nonce[ELOG_NONCE_LEN],
			   int content_checked, elog_entry *out,
			   elog_err_t *err)
{
	json_t *ts_v, *sender_v, *recipient_v, *type_v, *size_v, *ip_v,
		*device_v, *val, *leaf = NULL;
	char ip[INET6_ADDRSTRLEN], nonce[32];
	const char *key, *type;
	json_int_t size;
	int64_t ts = 0;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if (!json_is_object(obj))
		return elog_fail(err, ELOG_EXPECTED_OBJECT, (long)index, NULL,
				 "Event %zu is not a JSON object.", index);
	if (!content_checked && (rc = content_rejected(obj, index, err)))
		return rc;
	json_object_foreach((json_t *)obj, key, val)
	{
		if (strcmp(key, "nonce") == 0)
			return elog_fail(err, ELOG_NONCE_NOT_ACCEPTED,
					 (long)index, "nonce",
					 "Event %zu carries a nonce; envelog "
					 "adds the nonce itself.",
					 index);
		if (!is_event_field(key))
			return elog_fail(err, ELOG_UNKNOWN_FIELD, (long)index,
					 key,
					 "Event %zu has a field that is not "
					 "part of an event.",
					 index);
	}

	if ((rc = required(obj, "ts", index, &ts_v, err)) ||
	    (rc = required(obj, "sender", index, &sender_v, err)) ||
	    (rc = required(obj, "recipient", index, &recipient_v, err)) ||
	    (rc = required(obj, "type", index, &type_v, err)) ||
	    (rc = required(obj, "size", index, &size_v, err)))
		return rc;
	ip_v = json_object_get(obj, "ip");
	device_v = json_object_get(obj, "device");

	rc = check_ts(ts_v, index, rules, &ts, err);
	if (rc)
		return rc;
	if ((rc = check_text(sender_v, index, "sender", ELOG_PARTY_MAX, err)) ||
	    (rc = check_text(recipient_v, index, "recipient", ELOG_PARTY_MAX,
			     err)))
		return rc;
	if (!json_is_string(type_v))
		return elog_fail(err, ELOG_WRONG_TYPE, (long)index, "type",
				 "Event %zu: type must be a string.", index);
	type = json_string_value(type_v);
	for (i = 0; i < NELEM(event_types); i++)
		if (strcmp(type, event_types[i]) == 0 &&
		    strlen(type) == json_string_length(type_v))
			break;
	if (i == NELEM(event_types))
		return elog_fail(err, ELOG_INVALID_VALUE, (long)index, "type",
				 "Event %zu: type is not one of message, media, "
				 "voice, call, video_call, group_message, "
				 "receipt, status.",
				 index);
	if (!json_is_integer(size_v))
		return elog_fail(err, ELOG_WRONG_TYPE, (long)index, "size",
				 "Event %zu: size must be an integer.", index);
	size = json_integer_value(size_v);
	if (size < 0 || size >= ELOG_SIZE_LIMIT)
		return elog_fail(err, ELOG_OUT_OF_RANGE, (long)index, "size",
				 "Event %zu: size must be between 0 and "
				 "2^40-1.",
				 index);
	if (ip_v && (rc = check_ip(ip_v, index, ip, err)))
		return rc;
	if (device_v &&
	    (rc = check_text(device_v, index, "device", ELOG_DEVICE_MAX, err)))
		return rc;

	sodium_bin2base64(nonce, sizeof nonce, raw_nonce, ELOG_NONCE_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	if (record_direct(ts, json_string_value(sender_v),
			  json_string_value(recipient_v), type, size,
			  ip_v ? ip : NULL,
			  device_v ? json_string_value(device_v) : NULL, nonce,
			  out)) {
		if (!out->record) {
			rc = elog_fail(err, ELOG_NOMEM, (long)index, NULL,
				       "Out of memory building event %zu.",
				       index);
			goto out;
		}
		goto leaf_data;
	}
	leaf = json_object();
	if (!leaf || set_new(leaf, "kind", json_string("event")) ||
	    set_new(leaf, "nonce", json_string(nonce)) ||
	    json_object_set(leaf, "sender", sender_v) ||
	    json_object_set(leaf, "recipient", recipient_v) ||
	    json_object_set(leaf, "type", type_v) ||
	    set_new(leaf, "size", json_integer(size)) ||
	    set_new(leaf, "ts", json_integer((json_int_t)ts)) ||
	    (ip_v && set_new(leaf, "ip", json_string(ip))) ||
	    (device_v && json_object_set(leaf, "device", device_v))) {
		rc = elog_fail(err, ELOG_NOMEM, (long)index, NULL,
			       "Out of memory building event %zu.", index);
		goto out;
	}
	rc = elog_canon_dump(leaf, &out->record, &out->record_len, err);
	if (rc)
		goto out;
leaf_data:
	rc = elog_event_leaf_data(out->record, out->record_len, &out->data,
				  &out->len, err);
	if (rc)
		goto out;
	out->kind = ELOG_KIND_EVENT;
	out->ts = ts;
	out->sender = strdup(json_string_value(sender_v));
	out->recipient = strdup(json_string_value(recipient_v));
	if (!out->sender || !out->recipient)
		rc = elog_fail(err, ELOG_NOMEM, (long)index, NULL,
			       "Out of memory building event %zu.", index);
out:
	json_decref(leaf);
	if (rc)
		elog_entry_free(out);
	return rc;
}

int elog_event_from_json(const json_t *obj, size_t index,
			 const elog_ingest_rules *rules, elog_entry *out,
			 elog_err_t *err)
{
	unsigned char raw[ELOG_NONCE_LEN];
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = random_nonces(raw, 1, err)))
		return rc;
	rc = event_from_json(obj, index, rules, raw, 0, out, err);
	sodium_memzero(raw, sizeof raw);
	return rc;
}

/* 1 if the bytes are only spaces, tabs and carriage returns. */
static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Parse NDJSON into a new array of the lines' values. */
static int load_ndjson(const char *body, size_t len, size_t max, json_t **out,
		       elog_err_t *err)
{
	json_t *arr = json_array(), *v;
	size_t pos = 0, count = 0;
	int rc = 0;

	*out = NULL;
	if (!arr)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "Out of memory.");
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) : len;

		if (!blank(body + pos, end - pos)) {
			if (count >= max) {
				rc = elog_fail(err, ELOG_TOO_MANY_EVENTS,
					       (long)count, NULL,
					       "At most %zu events are "
					       "accepted in one request.",
					       max);
				goto out;
			}
			rc = elog_json_load(body + pos, end - pos, &v, err);
			if (rc) {
				if (err)
					err->index = (long)count;
				goto out;
			}
			if (json_array_append_new(arr, v)) {
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "Out of memory.");
				goto out;
			}
			count++;
		}
		pos = end + 1;
	}
out:
	if (rc)
		json_decref(arr);
	else
		*out = arr;
	return rc;
}

int elog_events_parse(const char *body, size_t len, int ndjson,
		      const elog_ingest_rules *rules, elog_entry **out,
		      size_t *n, elog_err_t *err)
{
	size_t max = rules && rules->max_events ? rules->max_events
						: ELOG_MAX_BATCH;
	elog_entry *entries = NULL;
	unsigned char *nonces = NULL;
	json_t *arr = NULL;
	size_t i, count = 0, done = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (ndjson) {
		rc = load_ndjson(body, len, max, &arr, err);
		if (rc)
			return rc;
	} else {
		rc = elog_json_load(body, len, &arr, err);
		if (rc)
			return rc;
		if (!json_is_array(arr)) {
			rc = elog_fail(err, ELOG_EXPECTED_ARRAY, -1, NULL,
				       "The body must be a JSON array of "
				       "events.");
			goto out;
		}
	}
	count = json_array_size(arr);
	if (count == 0) {
		rc = elog_fail(err, ELOG_EMPTY_BATCH, -1, NULL,
			       "The request contains no events.");
		goto out;
	}
	if (count > max) {
		rc = elog_fail(err, ELOG_TOO_MANY_EVENTS, (long)max, NULL,
			       "At most %zu events are accepted in one "
			       "request.",
			       max);
		goto out;
	}
	for (i = 0; i < count; i++) {
		rc = content_rejected(json_array_get(arr, i), i, err);
		if (rc)
			goto out;
	}
	entries = calloc(count, sizeof *entries);
	nonces = malloc(count * ELOG_NONCE_LEN);
	if (!entries || !nonces) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "Out of memory.");
		goto out;
	}
	/* every nonce of the batch from one call to the generator */
	if ((rc = random_nonces(nonces, count, err)))
		goto out;
	for (i = 0; i < count; i++) {
		rc = event_from_json(json_array_get(arr, i), i, rules,
				     nonces + i * ELOG_NONCE_LEN, 1,
				     &entries[i], err);
		if (rc)
			goto out;
		done++;
	}
	*out = entries;
	*n = count;
	entries = NULL;
out:
	if (nonces) {
		sodium_memzero(nonces, count * ELOG_NONCE_LEN);
		free(nonces);
	}
	elog_entries_free(entries, done);
	json_decref(arr);
	return rc;
}

/* A string that may go into public leaf data: clean UTF-8. */
static int check_public(const char *s, const char *field, elog_err_t *err)
{
	if (!s || !*s)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, field,
				 "The %s is missing.", field);
	if (!elog_text_clean(s, strlen(s)))
		return elog_fail(err, ELOG_INVALID_VALUE, -1, field,
				 "The %s contains control characters or "
				 "invalid UTF-8.",
				 field);
	return 0;
}

static int check_int(int64_t v, const char *field, elog_err_t *err)
{
	if (v < 0 || v >= ELOG_JSON_INT_MAX)
		return elog_fail(err, ELOG_OUT_OF_RANGE, -1, field,
				 "The %s is outside 0 to 2^53-1.", field);
	return 0;
}

static int check_uint(uint64_t v, const char *field, elog_err_t *err)
{
	if (v >= (uint64_t)ELOG_JSON_INT_MAX)
		return elog_fail(err, ELOG_OUT_OF_RANGE, -1, field,
				 "The %s is outside 0 to 2^53-1.", field);
	return 0;
}

static int check_hex(const char *s, elog_err_t *err)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (i != 64 || s[64] != '\0')
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "warrant_sha256",
				 "The warrant hash is not 64 lower-case hex "
				 "digits.");
	return 0;
}

static int nomem_entry(elog_err_t *err)
{
	return elog_fail(err, ELOG_NOMEM, -1, NULL,
			 "Out of memory building an entry.");
}

int elog_disclosure_entry(const elog_disclosure *d, elog_entry *out,
			  elog_err_t *err)
{
	char root[sodium_base64_ENCODED_LEN(ELOG_HASH_LEN,
					    sodium_base64_VARIANT_ORIGINAL)];
	json_t *obj = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = check_int(d->ts, "ts", err)) ||
	    (rc = check_int(d->from, "from", err)) ||
	    (rc = check_int(d->to, "to", err)) ||
	    (rc = check_uint(d->subjects, "subjects", err)) ||
	    (rc = check_uint(d->records, "records", err)) ||
	    (rc = check_public(d->authority, "authority", err)) ||
	    (rc = check_public(d->warrant_id, "warrant_id", err)) ||
	    (rc = check_hex(d->warrant_sha256, err)))
		return rc;
	sodium_bin2base64(root, sizeof root, d->records_commitment.b,
			  ELOG_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
	obj = json_object();
	if (!obj || set_new(obj, "kind", json_string("disclosure")) ||
	    set_new(obj, "ts", json_integer(d->ts)) ||
	    set_new(obj, "authority", json_string(d->authority)) ||
	    set_new(obj, "warrant_id", json_string(d->warrant_id)) ||
	    set_new(obj, "warrant_sha256", json_string(d->warrant_sha256)) ||
	    set_new(obj, "from", json_integer(d->from)) ||
	    set_new(obj, "to", json_integer(d->to)) ||
	    set_new(obj, "subjects", json_integer((json_int_t)d->subjects)) ||
	    set_new(obj, "records", json_integer((json_int_t)d->records)) ||
	    set_new(obj, "records_commitment", json_string(root)) ||
	    (d->partly_purged &&
	     set_new(obj, "partly_purged", json_integer(1)))) {
		rc = nomem_entry(err);
		goto out;
	}
	rc = finish(obj, out, err);
	if (rc)
		goto out;
	out->kind = ELOG_KIND_DISCLOSURE;
	out->ts = d->ts;
out:
	json_decref(obj);
	return rc;
}

int elog_refusal_entry(int64_t ts, const char *authority,
		       const char *warrant_id, const char warrant_sha256[65],
		       const char *reason, elog_entry *out, elog_err_t *err)
{
	json_t *obj = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = check_int(ts, "ts", err)) ||
	    (rc = check_public(authority, "authority", err)) ||
	    (rc = check_public(warrant_id, "warrant_id", err)) ||
	    (rc = check_hex(warrant_sha256, err)) ||
	    (rc = check_public(reason, "reason", err)))
		return rc;
	obj = json_object();
	if (!obj || set_new(obj, "kind", json_string("refusal")) ||
	    set_new(obj, "ts", json_integer(ts)) ||
	    set_new(obj, "authority", json_string(authority)) ||
	    set_new(obj, "warrant_id", json_string(warrant_id)) ||
	    set_new(obj, "warrant_sha256", json_string(warrant_sha256)) ||
	    set_new(obj, "reason", json_string(reason))) {
		rc = nomem_entry(err);
		goto out;
	}
	rc = finish(obj, out, err);
	if (rc)
		goto out;
	out->kind = ELOG_KIND_REFUSAL;
	out->ts = ts;
out:
	json_decref(obj);
	return rc;
}

int elog_purge_entry(int64_t ts, int64_t before, uint64_t through_seq,
		     uint64_t events, elog_entry *out, elog_err_t *err)
{
	json_t *obj = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = check_int(ts, "ts", err)) ||
	    (rc = check_int(before, "before", err)) ||
	    (rc = check_uint(through_seq, "through_seq", err)) ||
	    (rc = check_uint(events, "events", err)))
		return rc;
	obj = json_object();
	if (!obj || set_new(obj, "kind", json_string("purge")) ||
	    set_new(obj, "ts", json_integer(ts)) ||
	    set_new(obj, "before", json_integer(before)) ||
	    set_new(obj, "through_seq",
		    json_integer((json_int_t)through_seq)) ||
	    set_new(obj, "events", json_integer((json_int_t)events))) {
		rc = nomem_entry(err);
		goto out;
	}
	rc = finish(obj, out, err);
	if (rc)
		goto out;
	out->kind = ELOG_KIND_PURGE;
	out->ts = ts;
out:
	json_decref(obj);
	return rc;
}

/* Owned copy of the string field of obj, or an error. */
static int copy_string(const json_t *obj, const char *field, char **out,
		       elog_err_t *err)
{
	json_t *v = json_object_get(obj, field);

	if (!v)
		return elog_fail(err, ELOG_MISSING_FIELD, -1, field,
				 "The entry has no %s.", field);
	if (!json_is_string(v))
		return elog_fail(err, ELOG_WRONG_TYPE, -1, field,
				 "The entry's %s is not a string.", field);
	*out = strdup(json_string_value(v));
	if (!*out)
		return nomem_entry(err);
	return 0;
}

/* Parse data (len bytes) into a JSON object, checking it is canonical; the
 * canonical copy into *canon. */
static int load_canonical(const char *data, size_t len, json_t **obj,
			  char **canon, size_t *canon_len, elog_err_t *err)
{
	int rc;

	*obj = NULL;
	*canon = NULL;
	rc = elog_json_load(data, len, obj, err);
	if (rc)
		return rc;
	if (!json_is_object(*obj)) {
		rc = elog_fail(err, ELOG_EXPECTED_OBJECT, -1, NULL,
			       "Leaf data is not a JSON object.");
		goto out;
	}
	rc = elog_canon_dump(*obj, canon, canon_len, err);
	if (rc)
		goto out;
	if (*canon_len != len || memcmp(*canon, data, len) != 0)
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, NULL,
			       "Leaf data is not in canonical form.");
out:
	if (rc) {
		json_decref(*obj);
		*obj = NULL;
		free(*canon);
		*canon = NULL;
	}
	return rc;
}

/* The kind named by obj's "kind", or a failure. */
static int entry_kind(const json_t *obj, int *kind, elog_err_t *err)
{
	const json_t *kind_v = json_object_get(obj, "kind");

	if (!json_is_string(kind_v))
		return elog_fail(err,
				 kind_v ? ELOG_WRONG_TYPE : ELOG_MISSING_FIELD,
				 -1, "kind", "Leaf data has no kind.");
	*kind = elog_kind_from_name(json_string_value(kind_v));
	if (*kind < 0)
		return elog_fail(err, ELOG_INVALID_VALUE, -1, "kind",
				 "Leaf data has an unknown kind.");
	return 0;
}

/* 1 if v is a string of base64 decoding to exactly n bytes. */
static int b64_of_len(const json_t *v, size_t n)
{
	unsigned char buf[64];
	size_t got = 0;
	const char *s;

	if (!json_is_string(v) || n > sizeof buf)
		return 0;
	s = json_string_value(v);
	if (json_string_length(v) !=
	    sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) - 1)
		return 0;
	return sodium_base642bin(buf, sizeof buf, s, json_string_length(v),
				 NULL, &got, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       got == n;
}

/* The integer ts of stored leaf data or a record (what: which, for the
 * message) into *ts. */
static int stored_ts(json_t *obj, const char *what, int64_t *ts,
		     elog_err_t *err)
{
	json_t *v = json_object_get(obj, "ts");

	if (!json_is_integer(v))
		return elog_fail(err, v ? ELOG_WRONG_TYPE : ELOG_MISSING_FIELD,
				 -1, "ts", "%s has no integer ts.", what);
	*ts = (int64_t)json_integer_value(v);
	return 0;
}

int elog_entry_from_data(const char *data, size_t len, elog_entry *out,
			 elog_err_t *err)
{
	json_t *obj = NULL;
	char *canon = NULL;
	size_t canon_len = 0;
	int rc, kind;

	memset(out, 0, sizeof *out);
	rc = load_canonical(data, len, &obj, &canon, &canon_len, err);
	if (rc)
		return rc;
	if ((rc = entry_kind(obj, &kind, err)))
		goto out;
	if (kind == ELOG_KIND_EVENT) {
		if (json_object_size(obj) != 2 ||
		    !b64_of_len(json_object_get(obj, "commitment"),
				ELOG_HASH_LEN)) {
			rc = elog_fail(err, ELOG_INVALID_VALUE, -1,
				       "commitment",
				       "The leaf data of an event must be "
				       "exactly its commitment.");
			goto out;
		}
		out->ts = -1;
	} else {
		if ((rc = stored_ts(obj, "Leaf data", &out->ts, err)))
			goto out;
		if (elog_kind_is_root(kind) &&
		    (rc = elog_shard_data_check(obj, kind, err)))
			goto out;
	}
	out->kind = kind;
	out->data = canon;
	out->len = canon_len;
	canon = NULL;
out:
	free(canon);
	json_decref(obj);
	if (rc)
		elog_entry_free(out);
	return rc;
}

/* ---- records read back without jansson ----
 *
 * A record as record_direct() writes it (the form of nearly every record)
 * is read by elog_record_form_read(), which takes it only if writing its
 * values again gives the same bytes: they are then the canonical dump of
 * that object, so the result is the one the jansson path gives.  Anything
 * else goes the jansson path. */

/* elog_entry_from_record for a record in record_direct's form: 1 done,
 * 0 not that form (out untouched), or an error. */
static int record_fast(const char *record, size_t len, elog_entry *out,
		       elog_err_t *err)
{
	elog_record_form f;
	elog_entry e;

	if (!elog_record_form_read(record, len, &f))
		return 0;
	memset(&e, 0, sizeof e);
	e.kind = ELOG_KIND_EVENT;
	e.ts = f.ts;
	if (!(e.record = malloc(len + 1)) ||
	    !(e.sender = strndup(f.sender, f.sender_len)) ||
	    !(e.recipient = strndup(f.recipient, f.recipient_len))) {
		elog_entry_free(&e);
		return nomem_entry(err);
	}
	memcpy(e.record, record, len);
	e.record[len] = '\0';
	e.record_len = len;
	if (elog_event_leaf_data(e.record, e.record_len, &e.data, &e.len,
				 err)) {
		elog_entry_free(&e);
		return -ELOG_NOMEM;
	}
	*out = e;
	return 1;
}

int elog_entry_from_record(const char *record, size_t len, elog_entry *out,
			   elog_err_t *err)
{
	int fast;

	json_t *obj = NULL;
	char *canon = NULL;
	size_t canon_len = 0;
	int rc, kind;

	memset(out, 0, sizeof *out);
	if ((fast = record_fast(record, len, out, err)) != 0)
		return fast < 0 ? fast : 0;
	rc = load_canonical(record, len, &obj, &canon, &canon_len, err);
	if (rc)
		return rc;
	if ((rc = entry_kind(obj, &kind, err)))
		goto out;
	if (kind != ELOG_KIND_EVENT) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "kind",
			       "A record is an event.");
		goto out;
	}
	if (!b64_of_len(json_object_get(obj, "nonce"), ELOG_NONCE_LEN)) {
		rc = elog_fail(err, ELOG_INVALID_VALUE, -1, "nonce",
			       "A record needs a nonce of 16 bytes of "
			       "base64.");
		goto out;
	}
	if ((rc = stored_ts(obj, "The record", &out->ts, err)))
		goto out;
	out->kind = ELOG_KIND_EVENT;
	if ((rc = copy_string(obj, "sender", &out->sender, err)) ||
	    (rc = copy_string(obj, "recipient", &out->recipient, err)) ||
	    (rc = elog_event_leaf_data(canon, canon_len, &out->data, &out->len,
				       err)))
		goto out;
	out->record = canon;
	out->record_len = canon_len;
	canon = NULL;
out:
	free(canon);
	json_decref(obj);
	if (rc)
		elog_entry_free(out);
	return rc;
}
