/* test_entry.c — event validation and the leaf data of every entry kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "canon.h"
#include "entry.h"
#include "vectors.h"

#define NOW 1711234567890LL
#define GOOD \
	"{\"ts\":1711234567890,\"sender\":\"+447700900123\"," \
	"\"recipient\":\"+447700900456\",\"type\":\"message\",\"size\":2048}"

static const elog_ingest_rules rules = {NOW, 5 * 60 * 1000, ELOG_MAX_BATCH};

/* Parse body (JSON array or NDJSON) and expect it to be refused. */
static void refuse_ex(const char *body, size_t len, int ndjson, int code,
		      long index, const char *field)
{
	elog_entry *out = (elog_entry *)1;
	size_t n = 99;
	elog_err_t err;

	elog_err_clear(&err);
	assert_int_equal(elog_events_parse(body, len, ndjson, &rules, &out, &n,
					   &err),
			 -code);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(err.code, code);
	assert_int_equal(err.index, index);
	assert_string_equal(err.field, field);
	assert_true(err.msg[0] != '\0');
	/* messages never carry event values */
	assert_null(strstr(err.msg, "+4477"));
	assert_null(strstr(err.msg, "SECRET"));
}

static void refuse(const char *body, int code, long index, const char *field)
{
	refuse_ex(body, strlen(body), 0, code, index, field);
}

/* Wrap one event (text of an object) into an array and expect refusal at
 * index 0. */
static void refuse_one(const char *event, int code, const char *field)
{
	char body[4096];
	int k = snprintf(body, sizeof body, "[%s]", event);

	assert_true(k > 0 && (size_t)k < sizeof body);
	refuse(body, code, 0, field);
}

/* Expect {"ts":TS,"sender":"a","recipient":"b","type":TYPE,"size":SIZE}
 * to be refused (ts, type and size are JSON texts). */
static void refuse_event(const char *ts, const char *type, const char *size,
			 int code, const char *field)
{
	char event[512];
	int k = snprintf(event, sizeof event,
			 "{\"ts\":%s,\"sender\":\"a\",\"recipient\":\"b\","
			 "\"type\":%s,\"size\":%s}",
			 ts, type, size);

	assert_true(k > 0 && (size_t)k < sizeof event);
	refuse_one(event, code, field);
}

/* Parse a one-event array and return its entry. */
static elog_entry accept_one(const char *event)
{
	elog_entry *out = NULL, e;
	char body[4096];
	size_t n = 0;
	elog_err_t err;
	int k = snprintf(body, sizeof body, "[%s]", event);

	assert_true(k > 0 && (size_t)k < sizeof body);
	elog_err_clear(&err);
	if (elog_events_parse(body, strlen(body), 0, &rules, &out, &n, &err))
		fail_msg("refused: %s (%s, field %s)", err.msg,
			 elog_code_name(err.code), err.field);
	assert_int_equal(n, 1);
	e = out[0];
	free(out);
	return e;
}

/* The leaf data an event's record commits to, computed here from SPEC
 * (base64 SHA-256 of the record inside {"commitment","kind"}). */
static void commitment_of(const char *record, char *out, size_t cap)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];

	crypto_hash_sha256(h, (const unsigned char *)record, strlen(record));
	sodium_bin2base64(b64, sizeof b64, h, sizeof h,
			  sodium_base64_VARIANT_ORIGINAL);
	assert_true((size_t)snprintf(out, cap,
				     "{\"commitment\":\"%s\",\"kind\":"
				     "\"event\"}",
				     b64) < cap);
}

/* The nonce inside a record, checked to be 16 bytes of padded base64. */
static void get_nonce(const char *data, char nonce[25])
{
	const char *p = strstr(data, "\"nonce\":\"");
	unsigned char raw[32];
	size_t raw_len = 0;

	assert_non_null(p);
	p += 9;
	assert_true(strlen(p) > 25 && p[24] == '"');
	memcpy(nonce, p, 24);
	nonce[24] = '\0';
	assert_int_equal(sodium_base642bin(raw, sizeof raw, nonce, 24, NULL,
					   &raw_len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(raw_len, ELOG_NONCE_LEN);
}

static void test_accept_minimal(void **state)
{
	elog_entry e = accept_one(GOOD);
	char nonce[25], want[512];

	char leaf[128];

	(void)state;
	get_nonce(e.record, nonce);
	snprintf(want, sizeof want,
		 "{\"kind\":\"event\",\"nonce\":\"%s\",\"recipient\":"
		 "\"+447700900456\",\"sender\":\"+447700900123\",\"size\":2048,"
		 "\"ts\":1711234567890,\"type\":\"message\"}",
		 nonce);
	assert_string_equal(e.record, want);
	assert_int_equal(e.record_len, strlen(want));
	/* the public leaf data is the record's commitment, nothing else */
	commitment_of(want, leaf, sizeof leaf);
	assert_string_equal(e.data, leaf);
	assert_int_equal(e.len, strlen(leaf));
	assert_int_equal(e.kind, ELOG_KIND_EVENT);
	assert_int_equal(e.ts, NOW);
	assert_string_equal(e.sender, "+447700900123");
	assert_string_equal(e.recipient, "+447700900456");
	elog_entry_free(&e);
	assert_null(e.data);
}

static void test_accept_optional(void **state)
{
	elog_entry e;
	char nonce[25], want[512];

	(void)state;
	e = accept_one("{\"device\":\"phone-1\",\"ip\":\"2001:DB8::0:1\","
		       "\"ts\":1711234567890,\"sender\":\"alice\","
		       "\"recipient\":\"group:42\",\"type\":\"group_message\","
		       "\"size\":0}");
	get_nonce(e.record, nonce);
	snprintf(want, sizeof want,
		 "{\"device\":\"phone-1\",\"ip\":\"2001:db8::1\",\"kind\":"
		 "\"event\",\"nonce\":\"%s\",\"recipient\":\"group:42\","
		 "\"sender\":\"alice\",\"size\":0,\"ts\":1711234567890,"
		 "\"type\":\"group_message\"}",
		 nonce);
	assert_string_equal(e.record, want);
	elog_entry_free(&e);
}

static void expect_ip(const char *in, const char *want)
{
	char ev[512], needle[128];
	elog_entry e;

	snprintf(ev, sizeof ev,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":1,\"ip\":\"%s\"}",
		 in);
	e = accept_one(ev);
	snprintf(needle, sizeof needle, "\"ip\":\"%s\"", want);
	assert_non_null(strstr(e.record, needle));
	elog_entry_free(&e);
}

static void bad_ip(const char *in)
{
	char ev[512];

	snprintf(ev, sizeof ev,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":1,\"ip\":\"%s\"}",
		 in);
	refuse_one(ev, ELOG_INVALID_VALUE, "ip");
}

static void test_ip(void **state)
{
	(void)state;
	expect_ip("192.0.2.1", "192.0.2.1");
	expect_ip("2001:DB8::0:1", "2001:db8::1");
	expect_ip("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	expect_ip("::1", "::1");
	expect_ip("::FFFF:192.0.2.1", "::ffff:192.0.2.1");
	bad_ip("");
	bad_ip("256.1.1.1");
	bad_ip("1.2.3");
	bad_ip("01.2.3.4");
	bad_ip("1.2.3.4 ");
	bad_ip("fe80::1%eth0");
	bad_ip("fe80::1%1");
	bad_ip("2001:db8:::1");
	bad_ip("example.org");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"ip\":3232235521}",
		   ELOG_WRONG_TYPE, "ip");
}

static void test_types(void **state)
{
	static const char *const types[] = {"message",	  "media",
					    "voice",	  "call",
					    "video_call", "group_message",
					    "receipt",	  "status"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		char ev[512];
		elog_entry e;

		snprintf(ev, sizeof ev,
			 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
			 "\"type\":\"%s\",\"size\":1}",
			 types[i]);
		e = accept_one(ev);
		elog_entry_free(&e);
	}
	refuse_event("1", "\"Message\"", "1", ELOG_INVALID_VALUE, "type");
	refuse_event("1", "\"fax\"", "1", ELOG_INVALID_VALUE, "type");
	refuse_event("1", "\"\"", "1", ELOG_INVALID_VALUE, "type");
	refuse_event("1", "[\"call\"]", "1", ELOG_WRONG_TYPE, "type");
}

static void test_ts(void **state)
{
	elog_entry e;

	(void)state;
	e = accept_one("{\"ts\":\"2024-03-23T22:56:07.890Z\",\"sender\":\"a\","
		       "\"recipient\":\"b\",\"type\":\"call\",\"size\":1}");
	assert_int_equal(e.ts, NOW);
	assert_non_null(strstr(e.record, "\"ts\":1711234567890,"));
	elog_entry_free(&e);
	e = accept_one("{\"ts\":\"2024-03-23T23:56:07.890+01:00\","
		       "\"sender\":\"a\",\"recipient\":\"b\",\"type\":\"call\","
		       "\"size\":1}");
	assert_int_equal(e.ts, NOW);
	elog_entry_free(&e);
	/* exactly 5 minutes ahead is accepted, one ms more is not */
	e = accept_one("{\"ts\":1711234867890,\"sender\":\"a\","
		       "\"recipient\":\"b\",\"type\":\"call\",\"size\":1}");
	elog_entry_free(&e);
	e = accept_one("{\"ts\":0,\"sender\":\"a\","
		       "\"recipient\":\"b\",\"type\":\"call\",\"size\":1}");
	assert_int_equal(e.ts, 0);
	elog_entry_free(&e);
	refuse_event("1711234867891", "\"call\"", "1", ELOG_TS_IN_FUTURE, "ts");
	refuse_event("\"2099-01-01T00:00:00Z\"", "\"call\"", "1",
		     ELOG_TS_IN_FUTURE, "ts");
	refuse_event("-1", "\"call\"", "1", ELOG_OUT_OF_RANGE, "ts");
	refuse_event("9007199254740992", "\"call\"", "1", ELOG_OUT_OF_RANGE,
		     "ts");
	refuse_event("1711234567890.0", "\"call\"", "1", ELOG_WRONG_TYPE, "ts");
	refuse_event("true", "\"call\"", "1", ELOG_WRONG_TYPE, "ts");
	refuse_event("null", "\"call\"", "1", ELOG_WRONG_TYPE, "ts");
	refuse_event("\"yesterday\"", "\"call\"", "1", ELOG_INVALID_VALUE,
		     "ts");
	refuse_event("\"2024-02-30T00:00:00Z\"", "\"call\"", "1",
		     ELOG_INVALID_VALUE, "ts");
}

static void test_size(void **state)
{
	elog_entry e;

	(void)state;
	e = accept_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		       "\"type\":\"media\",\"size\":1099511627775}");
	assert_non_null(strstr(e.record, "\"size\":1099511627775,"));
	elog_entry_free(&e);
	refuse_event("1", "\"media\"", "1099511627776", ELOG_OUT_OF_RANGE,
		     "size");
	refuse_event("1", "\"media\"", "-1", ELOG_OUT_OF_RANGE, "size");
	refuse_event("1", "\"media\"", "2048.0", ELOG_WRONG_TYPE, "size");
	refuse_event("1", "\"media\"", "2e3", ELOG_WRONG_TYPE, "size");
	refuse_event("1", "\"media\"", "\"2048\"", ELOG_WRONG_TYPE, "size");
	refuse_event("1", "\"media\"", "false", ELOG_WRONG_TYPE, "size");
	/* beyond 64 bits: jansson overflows; the byte position is reported */
	refuse("[{\"size\":99999999999999999999}]", ELOG_OUT_OF_RANGE, -1, "");
}

static void test_text_fields(void **state)
{
	char long_sender[200], ev[1024];
	elog_entry e;

	(void)state;
	/* 128 bytes accepted, 129 refused */
	memset(long_sender, 0, sizeof long_sender);
	memset(long_sender, 'a', 128);
	snprintf(ev, sizeof ev,
		 "{\"ts\":1,\"sender\":\"%s\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":1}",
		 long_sender);
	e = accept_one(ev);
	assert_int_equal(strlen(e.sender), 128);
	elog_entry_free(&e);
	memset(long_sender, 'S', 129);
	memcpy(long_sender, "SECRET", 6);
	long_sender[129] = '\0';
	snprintf(ev, sizeof ev,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"%s\","
		 "\"type\":\"call\",\"size\":1}",
		 long_sender);
	refuse_one(ev, ELOG_TOO_LONG, "recipient");
	refuse_one("{\"ts\":1,\"sender\":\"\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_INVALID_VALUE, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"SECRET\\u0001\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_CONTROL_CHARACTER, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\\n\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_CONTROL_CHARACTER, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\\u007f\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_CONTROL_CHARACTER, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\\u0085\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_CONTROL_CHARACTER, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\\tc\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_CONTROL_CHARACTER, "recipient");
	/* R2: identifiers are [A-Za-z0-9+._:@/=-], so no prose rides in them */
	refuse_one("{\"ts\":1,\"sender\":\"Meet me at the docks at 5pm\","
		   "\"recipient\":\"b\",\"type\":\"call\",\"size\":1}",
		   ELOG_INVALID_VALUE, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"caf\u00e9\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_INVALID_VALUE, "recipient");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"device\":\"my phone\"}",
		   ELOG_INVALID_VALUE, "device");
	refuse_one("{\"ts\":1,\"sender\":\"a,b\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_INVALID_VALUE, "sender");
	e = accept_one("{\"ts\":1,\"sender\":\"Az09+._:@/=-\","
		       "\"recipient\":\"grp:7f3a91\",\"type\":\"call\","
		       "\"size\":1}");
	assert_string_equal(e.sender, "Az09+._:@/=-");
	elog_entry_free(&e);
	refuse_one("{\"ts\":1,\"sender\":447700900123,\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_WRONG_TYPE, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":{},"
		   "\"type\":\"call\",\"size\":1}",
		   ELOG_WRONG_TYPE, "recipient");
	/* device: 64 bytes accepted, 65 refused */
	memset(long_sender, 'd', 64);
	long_sender[64] = '\0';
	snprintf(ev, sizeof ev,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":1,\"device\":\"%s\"}",
		 long_sender);
	e = accept_one(ev);
	elog_entry_free(&e);
	long_sender[64] = 'd';
	long_sender[65] = '\0';
	snprintf(ev, sizeof ev,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":1,\"device\":\"%s\"}",
		 long_sender);
	refuse_one(ev, ELOG_TOO_LONG, "device");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"device\":\"\"}",
		   ELOG_INVALID_VALUE, "device");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"device\":\"x\\u001b\"}",
		   ELOG_CONTROL_CHARACTER, "device");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"device\":7}",
		   ELOG_WRONG_TYPE, "device");
}

static void test_missing(void **state)
{
	(void)state;
	refuse_one("{\"sender\":\"a\",\"recipient\":\"b\",\"type\":\"call\","
		   "\"size\":1}",
		   ELOG_MISSING_FIELD, "ts");
	refuse_one("{\"ts\":1,\"recipient\":\"b\",\"type\":\"call\",\"size\":1}",
		   ELOG_MISSING_FIELD, "sender");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"type\":\"call\",\"size\":1}",
		   ELOG_MISSING_FIELD, "recipient");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\",\"size\":1}",
		   ELOG_MISSING_FIELD, "type");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\"}",
		   ELOG_MISSING_FIELD, "size");
	refuse_one("{}", ELOG_MISSING_FIELD, "ts");
}

static void test_unknown_and_nonce(void **state)
{
	(void)state;
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"foo\":1}",
		   ELOG_UNKNOWN_FIELD, "foo");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"kind\":\"event\"}",
		   ELOG_UNKNOWN_FIELD, "kind");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,\"TS\":1}",
		   ELOG_UNKNOWN_FIELD, "TS");
	/* unknown fields are reported even when required ones are missing */
	refuse_one("{\"extra\":{\"deep\":[1,2]}}", ELOG_UNKNOWN_FIELD, "extra");
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,"
		   "\"nonce\":\"q83vEjRWeJCrze8SNFZ4kA==\"}",
		   ELOG_NONCE_NOT_ACCEPTED, "nonce");
}

static void test_content(void **state)
{
	static const char *const keys[] = {"body",	"text",
					   "content",	"message",
					   "payload",	"ciphertext",
					   "caption",	"attachment",
					   "media_url", "subject_line",
					   "Body",	"TEXT",
					   "Media_URL", "SubJect_Line"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char ev[512];

		snprintf(ev, sizeof ev,
			 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
			 "\"type\":\"call\",\"size\":1,\"%s\":\"SECRET\"}",
			 keys[i]);
		refuse_one(ev, ELOG_CONTENT_REJECTED, keys[i]);
		assert_true(elog_is_content_key(keys[i]));
	}
	assert_false(elog_is_content_key("bodyx"));
	assert_false(elog_is_content_key("sender"));
	assert_false(elog_is_content_key(""));
	/* at any depth, inside unknown fields, objects and arrays */
	refuse_one("{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		   "\"type\":\"call\",\"size\":1,"
		   "\"meta\":{\"x\":[1,{\"CAPTION\":\"SECRET\"}]}}",
		   ELOG_CONTENT_REJECTED, "CAPTION");
	refuse_one("{\"meta\":[[[{\"Payload\":{}}]]]}", ELOG_CONTENT_REJECTED,
		   "Payload");
	/* content wins over an earlier event's other problem */
	refuse("[" GOOD ",{\"foo\":1},{\"ts\":\"bad\"},"
	       "{\"ts\":1,\"x\":{\"text\":\"SECRET\"}}]",
	       ELOG_CONTENT_REJECTED, 3, "text");
	refuse("[1,{\"body\":\"SECRET\"}]", ELOG_CONTENT_REJECTED, 1, "body");
	refuse("[{\"size\":-1},[{\"attachment\":1}]]", ELOG_CONTENT_REJECTED,
	       1, "attachment");
	/* a value that looks like content is not a key */
	{
		elog_entry e = accept_one(
			"{\"ts\":1,\"sender\":\"body\",\"recipient\":\"text\","
			"\"type\":\"message\",\"size\":1}");
		elog_entry_free(&e);
	}
}

static void test_batch_shape(void **state)
{
	(void)state;
	refuse("[]", ELOG_EMPTY_BATCH, -1, "");
	refuse(" [ ] ", ELOG_EMPTY_BATCH, -1, "");
	refuse(GOOD, ELOG_EXPECTED_ARRAY, -1, "");
	refuse("\"events\"", ELOG_EXPECTED_ARRAY, -1, "");
	refuse("[" GOOD ",42]", ELOG_EXPECTED_OBJECT, 1, "");
	refuse("[" GOOD ",[]]", ELOG_EXPECTED_OBJECT, 1, "");
	refuse("[null]", ELOG_EXPECTED_OBJECT, 0, "");
	refuse("[" GOOD ",", ELOG_MALFORMED_JSON, -1, "");
	refuse("", ELOG_MALFORMED_JSON, -1, "");
	refuse("[" GOOD "] x", ELOG_MALFORMED_JSON, -1, "");
	refuse("[{\"ts\":1,\"ts\":2}]", ELOG_DUPLICATE_KEY, -1, "");
	refuse("[{\"sender\":\"\xff\"}]", ELOG_INVALID_UTF8, -1, "");
	refuse("[{\"sender\":\"a\\u0000b\"}]", ELOG_CONTROL_CHARACTER, -1, "");
}

static void test_one_bad_among_good(void **state)
{
	char body[4096];

	(void)state;
	snprintf(body, sizeof body, "[%s,%s,%s,%s]", GOOD, GOOD,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":-5}",
		 GOOD);
	refuse(body, ELOG_OUT_OF_RANGE, 2, "size");
	snprintf(body, sizeof body, "[%s,%s]", GOOD,
		 "{\"ts\":1,\"sender\":\"a\",\"recipient\":\"b\","
		 "\"type\":\"call\",\"size\":1,\"colour\":\"red\"}");
	refuse(body, ELOG_UNKNOWN_FIELD, 1, "colour");
}

/* A body of n copies of GOOD. */
static char *batch(size_t n, int ndjson, size_t *len)
{
	size_t one = strlen(GOOD), cap = n * (one + 1) + 3, pos = 0, i;
	char *b = malloc(cap);

	assert_non_null(b);
	if (!ndjson)
		b[pos++] = '[';
	for (i = 0; i < n; i++) {
		if (i && !ndjson)
			b[pos++] = ',';
		memcpy(b + pos, GOOD, one);
		pos += one;
		if (ndjson)
			b[pos++] = '\n';
	}
	if (!ndjson)
		b[pos++] = ']';
	b[pos] = '\0';
	*len = pos;
	return b;
}

static void test_batch_limits(void **state)
{
	elog_entry *out = NULL;
	size_t len, n = 0, i;
	elog_err_t err;
	char *b;

	(void)state;
	b = batch(ELOG_MAX_BATCH, 0, &len);
	assert_int_equal(elog_events_parse(b, len, 0, &rules, &out, &n, &err),
			 0);
	assert_int_equal(n, ELOG_MAX_BATCH);
	/* every event gets its own nonce */
	for (i = 1; i < 50; i++)
		assert_string_not_equal(out[0].record, out[i].record);
	elog_entries_free(out, n);
	free(b);

	b = batch(ELOG_MAX_BATCH + 1, 0, &len);
	refuse_ex(b, len, 0, ELOG_TOO_MANY_EVENTS, ELOG_MAX_BATCH, "");
	free(b);
	b = batch(ELOG_MAX_BATCH + 1, 1, &len);
	refuse_ex(b, len, 1, ELOG_TOO_MANY_EVENTS, ELOG_MAX_BATCH, "");
	free(b);

	/* a smaller configured limit */
	{
		elog_ingest_rules small = rules;

		small.max_events = 2;
		b = batch(3, 0, &len);
		assert_int_equal(elog_events_parse(b, len, 0, &small, &out, &n,
						   &err),
				 -ELOG_TOO_MANY_EVENTS);
		free(b);
	}
}

static void test_ndjson(void **state)
{
	const char *body = "\n" GOOD "\n\n  \r\n" GOOD "\r\n" GOOD;
	elog_entry *out = NULL;
	size_t n = 0, i;
	elog_err_t err;

	(void)state;
	elog_err_clear(&err);
	assert_int_equal(elog_events_parse(body, strlen(body), 1, &rules, &out,
					   &n, &err),
			 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].ts, NOW);
		assert_string_equal(out[i].sender, "+447700900123");
	}
	elog_entries_free(out, n);

	refuse_ex("", 0, 1, ELOG_EMPTY_BATCH, -1, "");
	refuse_ex("\n \n\n", 4, 1, ELOG_EMPTY_BATCH, -1, "");
	body = GOOD "\n\n{\"ts\":1,\n";
	refuse_ex(body, strlen(body), 1, ELOG_MALFORMED_JSON, 1, "");
	body = GOOD "\n[" GOOD "]\n";
	refuse_ex(body, strlen(body), 1, ELOG_EXPECTED_OBJECT, 1, "");
	body = GOOD "\n{\"foo\":1}\n{\"body\":\"SECRET\"}\n";
	refuse_ex(body, strlen(body), 1, ELOG_CONTENT_REJECTED, 2, "body");
	body = GOOD "\n{\"ts\":1,\"ts\":1}\n";
	refuse_ex(body, strlen(body), 1, ELOG_DUPLICATE_KEY, 1, "");
	body = GOOD "\n\n" GOOD "\n{\"ts\":1,\"sender\":\"a\",\"recipient\":"
		    "\"b\",\"type\":\"call\",\"size\":1.5}\n";
	refuse_ex(body, strlen(body), 1, ELOG_WRONG_TYPE, 2, "size");
	/* a JSON array is not NDJSON's one object per line */
	body = "[" GOOD "]";
	refuse_ex(body, strlen(body), 1, ELOG_EXPECTED_OBJECT, 0, "");
}

/* Every record ingest writes is its own canonical dump and rebuilds the
 * same commitment, with and without each optional field, at the integer
 * limits (records are written without jansson where nothing needs
 * escaping). */
static void test_records_canonical(void **state)
{
	const char *body =
		"[{\"ts\":1711234567890,\"sender\":\"+4470001\",\"recipient\":"
		"\"+4470002\",\"type\":\"message\",\"size\":12},"
		"{\"ts\":1711234567891,\"sender\":\"a@b\",\"recipient\":"
		"\"c/d=e\",\"type\":\"video_call\",\"size\":0,\"ip\":"
		"\"2001:DB8::1\",\"device\":\"dev-1.x\"},"
		"{\"ts\":0,\"sender\":\"x\",\"recipient\":\"y\",\"type\":"
		"\"status\",\"size\":1099511627775,\"ip\":\"10.0.0.1\"},"
		"{\"ts\":5,\"sender\":\"x\",\"recipient\":\"y\",\"type\":"
		"\"receipt\",\"size\":3,\"device\":\"d\"}]";
	const char *want_prefix[] = {
		"{\"kind\":\"event\",\"nonce\":\"",
		"{\"device\":\"dev-1.x\",\"ip\":\"2001:db8::1\",\"kind\":"
		"\"event\",\"nonce\":\"",
		"{\"ip\":\"10.0.0.1\",\"kind\":\"event\",\"nonce\":\"",
		"{\"device\":\"d\",\"kind\":\"event\",\"nonce\":\"",
	};
	elog_entry *out = NULL;
	size_t n = 0;
	elog_err_t err;
	(void)state;
	assert_int_equal(elog_events_parse(body, strlen(body), 0, &rules, &out,
					   &n, &err),
			 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		json_t *j = NULL;
		char *c = NULL;
		size_t cl = 0;
		elog_entry back;
		assert_int_equal(elog_json_load(out[i].record,
						out[i].record_len, &j, &err),
				 0);
		assert_int_equal(elog_canon_dump(j, &c, &cl, &err), 0);
		assert_int_equal(cl, out[i].record_len);
		assert_memory_equal(c, out[i].record, cl);
		assert_int_equal(strncmp(out[i].record, want_prefix[i],
					 strlen(want_prefix[i])),
				 0);
		assert_int_equal(elog_entry_from_record(out[i].record,
							out[i].record_len,
							&back, &err),
				 0);
		assert_int_equal(back.len, out[i].len);
		assert_memory_equal(back.data, out[i].data, back.len);
		elog_entry_free(&back);
		free(c);
		json_decref(j);
	}
	elog_entries_free(out, n);
}

static void test_event_from_json(void **state)
{
	elog_err_t err;
	elog_entry e;
	json_t *v = json_pack("{s:I,s:s,s:s,s:s,s:I}", "ts", (json_int_t)5,
			      "sender", "a", "recipient", "b", "type", "voice",
			      "size", (json_int_t)9);

	(void)state;
	assert_int_equal(elog_event_from_json(v, 7, &rules, &e, &err), 0);
	assert_int_equal(e.ts, 5);
	elog_entry_free(&e);
	json_object_set_new(v, "Content", json_string("x"));
	elog_err_clear(&err);
	assert_int_equal(elog_event_from_json(v, 7, &rules, &e, &err),
			 -ELOG_CONTENT_REJECTED);
	assert_int_equal(err.index, 7);
	assert_string_equal(err.field, "Content");
	assert_null(e.data);
	json_decref(v);
	v = json_integer(1);
	assert_int_equal(elog_event_from_json(v, 3, &rules, &e, &err),
			 -ELOG_EXPECTED_OBJECT);
	assert_int_equal(err.index, 3);
	json_decref(v);
}

static const char SHA[65] =
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

static void test_disclosure(void **state)
{
	elog_disclosure d;
	elog_err_t err;
	elog_entry e;

	(void)state;
	memset(&d, 0, sizeof d);
	d.ts = 1711234567890LL;
	d.authority = "uk-nca";
	d.warrant_id = "NCA-2026-000042";
	memcpy(d.warrant_sha256, SHA, 65);
	d.from = 1699920000000LL;
	d.to = 1700006400000LL;
	d.subjects = 2;
	d.records = 3;
	assert_int_equal(elog_disclosure_entry(&d, &e, &err), 0);
	assert_string_equal(
		e.data,
		"{\"authority\":\"uk-nca\",\"from\":1699920000000,\"kind\":"
		"\"disclosure\",\"records\":3,\"records_commitment\":"
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		"\"subjects\":2,\"to\":1700006400000,\"ts\":1711234567890,"
		"\"warrant_id\":\"NCA-2026-000042\",\"warrant_sha256\":"
		"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f0"
		"0a08\"}");
	assert_int_equal(e.kind, ELOG_KIND_DISCLOSURE);
	assert_int_equal(e.ts, d.ts);
	assert_null(e.sender);
	elog_entry_free(&e);

	memset(d.records_commitment.b, 0xff, ELOG_HASH_LEN);
	d.partly_purged = 1;
	assert_int_equal(elog_disclosure_entry(&d, &e, &err), 0);
	assert_non_null(
		strstr(e.data,
		       "\"kind\":\"disclosure\",\"partly_purged\":1,"
		       "\"records\":3,\"records_commitment\":"
		       "\"//////////////////////////////////////////8=\","));
	elog_entry_free(&e);

	d.subjects = (uint64_t)1 << 53;
	assert_int_equal(elog_disclosure_entry(&d, &e, &err),
			 -ELOG_OUT_OF_RANGE);
	assert_string_equal(err.field, "subjects");
	assert_null(e.data);
	d.subjects = 1;
	d.warrant_sha256[0] = 'G';
	assert_int_equal(elog_disclosure_entry(&d, &e, &err),
			 -ELOG_INVALID_VALUE);
	assert_string_equal(err.field, "warrant_sha256");
}

static void test_refusal_and_purge(void **state)
{
	elog_err_t err;
	elog_entry e;

	(void)state;
	assert_int_equal(elog_refusal_entry(1711234567890LL, "uk-nca", "W-1",
					    SHA, "window_too_long", &e, &err),
			 0);
	assert_string_equal(
		e.data,
		"{\"authority\":\"uk-nca\",\"kind\":\"refusal\",\"reason\":"
		"\"window_too_long\",\"ts\":1711234567890,\"warrant_id\":"
		"\"W-1\",\"warrant_sha256\":\"9f86d081884c7d659a2feaa0c55ad015"
		"a3bf4f1b2b0b822cd15d6c15b0f00a08\"}");
	assert_int_equal(e.kind, ELOG_KIND_REFUSAL);
	elog_entry_free(&e);
	assert_int_equal(elog_refusal_entry(1, "uk-nca", "W-1", SHA, "", &e,
					    &err),
			 -ELOG_INVALID_VALUE);
	assert_int_equal(elog_refusal_entry(-1, "uk-nca", "W-1", SHA, "x", &e,
					    &err),
			 -ELOG_OUT_OF_RANGE);

	assert_int_equal(elog_purge_entry(1711234567890LL, 1700000000000LL, 41,
					  40, &e, &err),
			 0);
	assert_string_equal(e.data,
			    "{\"before\":1700000000000,\"events\":40,\"kind\":"
			    "\"purge\",\"through_seq\":41,\"ts\":1711234567890}");
	assert_int_equal(e.kind, ELOG_KIND_PURGE);
	assert_int_equal(e.ts, 1711234567890LL);
	elog_entry_free(&e);
	assert_int_equal(elog_purge_entry(1, -5, 0, 0, &e, &err),
			 -ELOG_OUT_OF_RANGE);
	assert_string_equal(err.field, "before");
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(elog_kind_name(ELOG_KIND_EVENT), "event");
	assert_string_equal(elog_kind_name(ELOG_KIND_DISCLOSURE), "disclosure");
	assert_string_equal(elog_kind_name(ELOG_KIND_REFUSAL), "refusal");
	assert_string_equal(elog_kind_name(ELOG_KIND_PURGE), "purge");
	assert_null(elog_kind_name(ELOG_KIND_SHARD_CLOSE + 1));
	assert_null(elog_kind_name(-1));
	assert_int_equal(elog_kind_from_name("purge"), ELOG_KIND_PURGE);
	assert_int_equal(elog_kind_from_name("event"), ELOG_KIND_EVENT);
	assert_int_equal(elog_kind_from_name("Event"), -1);
	assert_int_equal(elog_kind_from_name(NULL), -1);
}

static void from_data_fails(const char *data, int code)
{
	elog_err_t err;
	elog_entry e;

	elog_err_clear(&err);
	assert_int_equal(elog_entry_from_data(data, strlen(data), &e, &err),
			 -code);
	assert_null(e.data);
	assert_null(e.sender);
}

/* A v1 vector record (an event with a nonce) reads back as a record: its
 * leaf data is its commitment, and that reads back as an event leaf. */
static void reads_back_as_record(const char *data)
{
	char leaf[128];
	elog_err_t err;
	elog_entry e, pub;

	assert_int_equal(elog_entry_from_record(data, strlen(data), &e, &err),
			 0);
	assert_int_equal(e.kind, ELOG_KIND_EVENT);
	assert_string_equal(e.record, data);
	assert_int_equal(e.record_len, strlen(data));
	commitment_of(data, leaf, sizeof leaf);
	assert_string_equal(e.data, leaf);
	assert_non_null(e.sender);
	assert_non_null(e.recipient);
	assert_true(e.ts >= 1700000000000LL);
	assert_int_equal(elog_entry_from_data(e.data, e.len, &pub, &err), 0);
	assert_int_equal(pub.kind, ELOG_KIND_EVENT);
	assert_int_equal(pub.ts, -1);
	assert_null(pub.record);
	assert_null(pub.sender);
	elog_entry_free(&pub);
	elog_entry_free(&e);
	/* a record is never public leaf data */
	assert_int_equal(elog_entry_from_data(data, strlen(data), &e, &err),
			 -ELOG_INVALID_VALUE);
	assert_string_equal(err.field, "commitment");
}

static void from_record_fails(const char *rec, int code, const char *field)
{
	elog_err_t err;
	elog_entry e;

	elog_err_clear(&err);
	assert_int_equal(elog_entry_from_record(rec, strlen(rec), &e, &err),
			 -code);
	assert_string_equal(err.field, field);
	assert_null(e.data);
	assert_null(e.record);
}

static void test_entry_from_data(void **state)
{
	elog_err_t err;
	elog_entry e, built;

	(void)state;
	each_record(reads_back_as_record);

	/* an event built here reads back the same, from either side */
	built = accept_one(GOOD);
	assert_int_equal(elog_entry_from_record(built.record, built.record_len,
						&e, &err),
			 0);
	assert_string_equal(e.data, built.data);
	assert_string_equal(e.record, built.record);
	assert_string_equal(e.sender, "+447700900123");
	assert_string_equal(e.recipient, "+447700900456");
	assert_int_equal(e.ts, NOW);
	elog_entry_free(&e);
	assert_int_equal(elog_entry_from_data(built.data, built.len, &e, &err),
			 0);
	assert_string_equal(e.data, built.data);
	assert_int_equal(e.kind, ELOG_KIND_EVENT);
	elog_entry_free(&e);
	elog_entry_free(&built);

	assert_int_equal(elog_purge_entry(5, 4, 3, 2, &built, &err), 0);
	assert_int_equal(elog_entry_from_data(built.data, built.len, &e, &err),
			 0);
	assert_int_equal(e.kind, ELOG_KIND_PURGE);
	assert_int_equal(e.ts, 5);
	assert_null(e.sender);
	elog_entry_free(&e);
	/* a purge entry is no record */
	from_record_fails(built.data, ELOG_INVALID_VALUE, "kind");
	elog_entry_free(&built);

	from_data_fails("{\"kind\":\"purge\", \"ts\":5}", ELOG_INVALID_VALUE);
	from_data_fails("{\"ts\":5,\"kind\":\"purge\"}", ELOG_INVALID_VALUE);
	from_data_fails("{\"kind\":\"purge\",\"ts\":5}\n", ELOG_INVALID_VALUE);
	from_data_fails("{\"kind\":\"purge\",\"ts\":5", ELOG_MALFORMED_JSON);
	from_data_fails("{\"kind\":\"purge\",\"ts\":5.0}", ELOG_WRONG_TYPE);
	from_data_fails("{\"kind\":\"other\",\"ts\":5}", ELOG_INVALID_VALUE);
	from_data_fails("{\"ts\":5}", ELOG_MISSING_FIELD);
	from_data_fails("{\"kind\":\"purge\"}", ELOG_MISSING_FIELD);
	from_data_fails("[1]", ELOG_EXPECTED_OBJECT);
	from_data_fails("{\"kind\":\"purge\",\"kind\":\"event\",\"ts\":5}",
			ELOG_DUPLICATE_KEY);
	/* nothing passes for an event unless it is exactly a commitment */
	from_data_fails("{\"kind\":\"event\",\"ts\":5}", ELOG_INVALID_VALUE);
	from_data_fails("{\"kind\":\"event\"}", ELOG_INVALID_VALUE);
	from_data_fails("{\"commitment\":\"AAAA\",\"kind\":\"event\"}",
			ELOG_INVALID_VALUE);
	from_data_fails("{\"commitment\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			"AAAAA=\",\"kind\":\"event\",\"records\":1}",
			ELOG_INVALID_VALUE);
	from_data_fails("{\"commitment\":1,\"kind\":\"event\"}",
			ELOG_INVALID_VALUE);
	from_record_fails("{\"kind\":\"event\",\"recipient\":\"b\",\"sender\":"
			  "\"a\",\"size\":1,\"ts\":1,\"type\":\"call\"}",
			  ELOG_INVALID_VALUE, "nonce");
	from_record_fails("{\"kind\":\"event\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA=="
			  "\",\"recipient\":\"b\",\"sender\":\"a\",\"size\":1,"
			  "\"type\":\"call\"}",
			  ELOG_MISSING_FIELD, "ts");
}

/* A record read back: in record_direct's form (no jansson) or another,
 * the same entry; near misses of that form get the jansson path's
 * verdict. */
#define N16 "\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\""
static void test_record_forms(void **state)
{
	static const struct {
		const char *rec, *sender, *recipient;
		int64_t ts;
	} good[] = {
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"+2\",\"sender\":"
		 "\"+1\",\"size\":0,\"ts\":5,\"type\":\"message\"}",
		 "+1", "+2", 5},
		{"{\"device\":\"d/1\",\"ip\":\"192.0.2.1\",\"kind\":\"event\"," N16
		 ",\"recipient\":\"b\",\"sender\":\"a\",\"size\":12,"
		 "\"ts\":9007199254740991,\"type\":\"call\"}",
		 "a", "b", INT64_C(9007199254740991)},
		{"{\"ip\":\"::1\",\"kind\":\"event\"," N16 ",\"recipient\":"
		 "\"b\",\"sender\":\"a\",\"size\":1,\"ts\":7,\"type\":\"x\"}",
		 "a", "b", 7},
		{"{\"kind\":\"event\",\"nonce\":\"+/09azAZAAAAAAAAAAAAAQ==\","
		 "\"recipient\":\"b\",\"sender\":\"a\",\"size\":0,\"ts\":0,"
		 "\"type\":\"x\"}",
		 "a", "b", 0},
		/* not ASCII, an escape: the jansson path, the same answer */
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"\xc3\xa9\",\"size\":1,\"ts\":7,\"type\":\"x\"}",
		 "\xc3\xa9", "b", 7},
		{"{\"kind\":\"event\"," N16
		 ",\"recipient\":\"b\\\"\",\"sender\":"
		 "\"a\",\"size\":1,\"ts\":7,\"type\":\"x\"}",
		 "a", "b\"", 7},
		/* a key record_direct does not write */
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"a\",\"size\":1,\"ts\":7,\"type\":\"x\",\"z\":1}",
		 "a", "b", 7},
	};
	static const struct {
		const char *rec;
		int code;
	} bad[] = {
		/* leading zero, space, order, a number too large for JSON */
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"a\",\"size\":07,\"ts\":7,\"type\":\"x\"}",
		 ELOG_MALFORMED_JSON},
		{"{\"kind\":\"event\", " N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"a\",\"size\":7,\"ts\":7,\"type\":\"x\"}",
		 ELOG_INVALID_VALUE},
		{"{\"kind\":\"event\"," N16 ",\"sender\":\"a\",\"recipient\":"
		 "\"b\",\"size\":7,\"ts\":7,\"type\":\"x\"}",
		 ELOG_INVALID_VALUE},
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"a\",\"size\":7,\"ts\":9007199254740992,\"type\":\"x\"}",
		 ELOG_OUT_OF_RANGE},
		/* a nonce of 15 bytes; the same with a character to spare */
		{"{\"kind\":\"event\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAA\","
		 "\"recipient\":\"b\",\"sender\":\"a\",\"size\":7,\"ts\":7,"
		 "\"type\":\"x\"}",
		 ELOG_INVALID_VALUE},
		{"{\"kind\":\"event\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA=A\","
		 "\"recipient\":\"b\",\"sender\":\"a\",\"size\":7,\"ts\":7,"
		 "\"type\":\"x\"}",
		 ELOG_INVALID_VALUE},
		/* the unused bits of the nonce's last character set; not
		 * the standard alphabet */
		{"{\"kind\":\"event\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAB==\","
		 "\"recipient\":\"b\",\"sender\":\"a\",\"size\":7,\"ts\":7,"
		 "\"type\":\"x\"}",
		 ELOG_INVALID_VALUE},
		{"{\"kind\":\"event\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAA-A==\","
		 "\"recipient\":\"b\",\"sender\":\"a\",\"size\":7,\"ts\":7,"
		 "\"type\":\"x\"}",
		 ELOG_INVALID_VALUE},
		/* trailing bytes, a truncated record */
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"a\",\"size\":7,\"ts\":7,\"type\":\"x\"}\n",
		 ELOG_INVALID_VALUE},
		{"{\"kind\":\"event\"," N16 ",\"recipient\":\"b\",\"sender\":"
		 "\"a\",\"size\":7,\"ts\":7,\"type\":\"x\"",
		 ELOG_MALFORMED_JSON},
	};
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		elog_err_t err;
		elog_entry e;
		char leaf[128];
		assert_int_equal(elog_entry_from_record(good[i].rec,
							strlen(good[i].rec),
							&e, &err),
				 0);
		assert_int_equal(e.kind, ELOG_KIND_EVENT);
		assert_int_equal(e.ts, good[i].ts);
		assert_string_equal(e.sender, good[i].sender);
		assert_string_equal(e.recipient, good[i].recipient);
		assert_string_equal(e.record, good[i].rec);
		assert_int_equal(e.record_len, strlen(good[i].rec));
		commitment_of(good[i].rec, leaf, sizeof leaf);
		assert_string_equal(e.data, leaf);
		assert_int_equal(e.len, strlen(leaf));
		elog_entry_free(&e);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		elog_err_t err;
		elog_entry e;
		assert_int_equal(elog_entry_from_record(bad[i].rec,
							strlen(bad[i].rec), &e,
							&err),
				 -bad[i].code);
		assert_null(e.record);
		assert_null(e.sender);
	}
}

/* v2/events.json: every record -> commitment -> leaf data -> leaf hash,
 * byte for byte. */
static void test_v2_events(void **state)
{
	json_t *v = load_vector("v2/events.json");
	size_t i;

	(void)state;
	assert_true(json_array_size(v) > 0);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *o = json_array_get(v, i);
		const char *rec = json_string_value(
			json_object_get(o, "record"));
		const char *com = json_string_value(
			json_object_get(o, "commitment"));
		const char *ld = json_string_value(
			json_object_get(o, "leaf_data"));
		const char *lh = json_string_value(
			json_object_get(o, "leaf_hash"));
		char b64[ELOG_HASH_B64_LEN], *data = NULL;
		size_t len = 0;
		elog_hash h;
		elog_err_t err;
		elog_entry e;

		assert_non_null(rec);
		assert_non_null(com);
		assert_non_null(ld);
		assert_non_null(lh);
		elog_sha256(rec, strlen(rec), &h);
		elog_hash_to_b64(&h, b64);
		assert_string_equal(b64, com);
		assert_int_equal(elog_event_leaf_data(rec, strlen(rec), &data,
						      &len, &err),
				 0);
		assert_string_equal(data, ld);
		assert_int_equal(len, strlen(ld));
		elog_leaf_hash(data, len, &h);
		elog_hash_to_b64(&h, b64);
		assert_string_equal(b64, lh);
		free(data);
		/* the record reads back, and its leaf data is the vector's */
		assert_int_equal(elog_entry_from_record(rec, strlen(rec), &e,
							&err),
				 0);
		assert_string_equal(e.data, ld);
		elog_entry_free(&e);
		assert_int_equal(elog_entry_from_data(ld, strlen(ld), &e, &err),
				 0);
		assert_int_equal(e.kind, ELOG_KIND_EVENT);
		elog_entry_free(&e);
	}
	json_decref(v);
}

/* v2/records-commitments.json: records_root over the events' leaf hashes
 * in seq order, and records_commitment = SHA-256(salt || root). */
static void test_v2_records_commitments(void **state)
{
	json_t *ev = load_vector("v2/events.json");
	json_t *v = load_vector("v2/records-commitments.json");
	elog_hash *leaves;
	size_t i, k;

	(void)state;
	assert_true(json_array_size(v) > 0);
	leaves = calloc(json_array_size(ev) + 1, sizeof *leaves);
	assert_non_null(leaves);
	for (i = 0; i < json_array_size(v); i++) {
		json_t *o = json_array_get(v, i),
		       *seqs = json_object_get(o, "seqs");
		const char *root_b64 = json_string_value(
			json_object_get(o, "records_root"));
		const char *salt_b64 = json_string_value(
			json_object_get(o, "records_salt"));
		const char *com_b64 = json_string_value(
			json_object_get(o, "records_commitment"));
		unsigned char salt[ELOG_SALT_LEN];
		size_t salt_len = 0, n = json_array_size(seqs);
		char b64[ELOG_HASH_B64_LEN];
		elog_hash root, com;

		assert_true(json_is_array(seqs));
		assert_non_null(root_b64);
		assert_non_null(salt_b64);
		assert_non_null(com_b64);
		for (k = 0; k < n; k++) {
			json_int_t seq = json_integer_value(
				json_array_get(seqs, k));
			json_t *e;

			assert_true(seq >= 0 &&
				    (size_t)seq < json_array_size(ev));
			e = json_array_get(ev, (size_t)seq);
			assert_int_equal(json_integer_value(
						 json_object_get(e, "seq")),
					 seq);
			assert_int_equal(
				elog_hash_from_b64(
					json_string_value(
						json_object_get(e,
								"leaf_hash")),
					&leaves[k]),
				0);
		}
		elog_root_of_leaves(leaves, n, &root);
		elog_hash_to_b64(&root, b64);
		assert_string_equal(b64, root_b64);
		assert_int_equal(sodium_base642bin(
					 salt, sizeof salt, salt_b64,
					 strlen(salt_b64), NULL, &salt_len,
					 NULL, sodium_base64_VARIANT_ORIGINAL),
				 0);
		assert_int_equal(salt_len, ELOG_SALT_LEN);
		elog_records_commitment(salt, &root, &com);
		elog_hash_to_b64(&com, b64);
		assert_string_equal(b64, com_b64);
	}
	free(leaves);
	json_decref(v);
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_minimal),
		cmocka_unit_test(test_accept_optional),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_ts),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_text_fields),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_unknown_and_nonce),
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_v2_events),
		cmocka_unit_test(test_v2_records_commitments),
		cmocka_unit_test(test_batch_shape),
		cmocka_unit_test(test_one_bad_among_good),
		cmocka_unit_test(test_batch_limits),
		cmocka_unit_test(test_ndjson),
		cmocka_unit_test(test_records_canonical),
		cmocka_unit_test(test_event_from_json),
		cmocka_unit_test(test_disclosure),
		cmocka_unit_test(test_refusal_and_purge),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_entry_from_data),
		cmocka_unit_test(test_record_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
