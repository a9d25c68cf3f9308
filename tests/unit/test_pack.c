/* test_pack.c — the packed forms of event records and event leaf data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "entry.h"
#include "pack.h"
#include "vectors.h"

/* The record of issue 13's sample event, as envelog writes it. */
#define SAMPLE \
	"{\"kind\":\"event\",\"nonce\":\"gMYpBxsvrw2nO3MqEvARdg==\"," \
	"\"recipient\":\"+447707499392\",\"sender\":\"+447703896222\"," \
	"\"size\":2848507,\"ts\":1795932145167,\"type\":\"message\"}"

/* Its packed form, worked out by hand from pack.h: the tag (no device, no
 * ip), the nonce's 16 bytes, ts in 6 bytes of LEB128 (41 bits), size in 4
 * (22 bits), sender and recipient as digits (header 13 << 2 | 1 = 0x35,
 * "+4" = 0xa4, ..., the last "2" with an unused half: 0x20), and
 * "message", word 0 (0 << 2 | 2): 1 + 16 + 6 + 4 + 8 + 8 + 1 = 44 bytes. */
static const unsigned char sample_packed[] = {
	0x10, 0x80, 0xc6, 0x29, 0x07, 0x1b, 0x2f, 0xaf, 0x0d, 0xa7, 0x3b,
	0x73, 0x2a, 0x12, 0xf0, 0x11, 0x76, 0x8f, 0x8c, 0x97, 0xaf, 0xa2,
	0x34, 0xfb, 0xed, 0xad, 0x01, 0x35, 0xa4, 0x47, 0x70, 0x38, 0x96,
	0x22, 0x20, 0x35, 0xa4, 0x47, 0x70, 0x74, 0x99, 0x39, 0x20, 0x02,
};
#define SAMPLE_PACKED_LEN 44

#define NONCE "gMYpBxsvrw2nO3MqEvARdg=="

/* Pack rec; expect it packed, and unpacked to exactly rec again.  The
 * packed length is returned. */
static size_t roundtrip(const char *rec)
{
	unsigned char p[ELOG_RECORD_PACKED_MAX];
	char back[ELOG_RECORD_JSON_MAX];
	unsigned char again[ELOG_RECORD_PACKED_MAX];
	size_t n = 0, m = 0, k = 0, len = strlen(rec);

	assert_int_equal(elog_pack_record(rec, len, p, sizeof p, &n), 1);
	assert_true(n > 0 && n < len);
	assert_int_equal(elog_unpack_record(p, n, back, sizeof back, &m), 0);
	assert_int_equal(m, len);
	assert_memory_equal(back, rec, len);
	/* and the one packing of it */
	assert_int_equal(elog_pack_record(back, m, again, sizeof again, &k), 1);
	assert_int_equal(k, n);
	assert_memory_equal(again, p, n);
	return n;
}

/* Expect rec (len bytes) not packed: it stays JSON. */
static void not_packed(const char *rec, size_t len)
{
	unsigned char p[ELOG_RECORD_PACKED_MAX];
	size_t n = 12345;

	assert_int_equal(elog_pack_record(rec, len, p, sizeof p, &n), 0);
	assert_int_equal(n, 12345);
}

/* Expect p (n bytes) refused as a packed record. */
static void malformed(const unsigned char *p, size_t n)
{
	char out[ELOG_RECORD_JSON_MAX];
	size_t m = 12345;

	assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
			 -ELOG_TAMPERED);
	assert_int_equal(m, 12345);
}

/* A record with the given values, in envelog's key order: device and ip
 * are left out when NULL. */
static void mkrec(char *out, size_t cap, const char *device, const char *ip,
		  const char *nonce, const char *recipient, const char *sender,
		  const char *size, const char *ts, const char *type)
{
	int n = snprintf(out, cap,
			 "{%s%s%s%s%s%s\"kind\":\"event\",\"nonce\":\"%s\","
			 "\"recipient\":\"%s\",\"sender\":\"%s\",\"size\":%s,"
			 "\"ts\":%s,\"type\":\"%s\"}",
			 device ? "\"device\":\"" : "", device ? device : "",
			 device ? "\"," : "", ip ? "\"ip\":\"" : "",
			 ip ? ip : "", ip ? "\"," : "", nonce, recipient,
			 sender, size, ts, type);
	assert_true(n > 0 && (size_t)n < cap);
}

static void test_sample(void **state)
{
	unsigned char p[ELOG_RECORD_PACKED_MAX];
	char back[ELOG_RECORD_JSON_MAX];
	size_t n = 0, m = 0;

	(void)state;
	assert_int_equal(strlen(SAMPLE), 155);
	assert_int_equal(elog_pack_record(SAMPLE, strlen(SAMPLE), p, sizeof p,
					  &n),
			 1);
	assert_int_equal(n, SAMPLE_PACKED_LEN);
	assert_int_equal(sizeof sample_packed, SAMPLE_PACKED_LEN);
	assert_memory_equal(p, sample_packed, SAMPLE_PACKED_LEN);
	assert_int_equal(elog_unpack_record(sample_packed, sizeof sample_packed,
					    back, sizeof back, &m),
			 0);
	assert_int_equal(m, strlen(SAMPLE));
	assert_memory_equal(back, SAMPLE, m);
	assert_int_equal(roundtrip(SAMPLE), SAMPLE_PACKED_LEN);
}

static void test_roundtrips(void **state)
{
	static const char *const devices[] = {NULL, "dev-300", "", "12345",
					      "iPhone 15 (work)"};
	static const char *const ips[] = {NULL, "192.0.2.61",
					  "2001:db8::8a2e:370:7334", ""};
	static const char *const parties[] = {
		"+447707499392",
		"alice@example.org",
		"",
		"grp:7f3a91",
		"+1 (555) 010-0",
		"0",
		"message",
		"~ !#$%&'*,/;<=>?@[]^_`{|}",
	};
	static const char *const ints[] = {"0",
					   "1",
					   "127",
					   "128",
					   "16383",
					   "16384",
					   "2848507",
					   "1795932145167",
					   "9007199254740991",
					   "4294967296",
					   "72057594037927935"};
	static const char *const types[] = {
		"message",	 "media",    "voice",  "call", "video_call",
		"group_message", "receipt",  "status", "fax",  "",
		"Message",	 "messages",
	};
	char rec[ELOG_RECORD_JSON_MAX + 64];
	size_t i, j, n_ints = sizeof ints / sizeof ints[0];

	(void)state;
	for (i = 0; i < sizeof devices / sizeof devices[0]; i++)
		for (j = 0; j < sizeof ips / sizeof ips[0]; j++) {
			mkrec(rec, sizeof rec, devices[i], ips[j], NONCE,
			      "+447707499392", "+447703896222", "2848507",
			      "1795932145167", "message");
			roundtrip(rec);
		}
	for (i = 0; i < sizeof parties / sizeof parties[0]; i++)
		for (j = 0; j < sizeof parties / sizeof parties[0]; j++) {
			mkrec(rec, sizeof rec, parties[j], parties[i], NONCE,
			      parties[i], parties[j], "1", "2", "status");
			roundtrip(rec);
		}
	/* integers at each varint length, up to 2^53 - 1; beyond it, not
	 * the direct form */
	for (i = 0; i < n_ints; i++) {
		mkrec(rec, sizeof rec, NULL, NULL, NONCE, "a", "b", ints[i],
		      ints[n_ints - 1 - i], "call");
		if (i == 0 || i == n_ints - 1)
			not_packed(rec, strlen(rec));
		else
			roundtrip(rec);
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		mkrec(rec, sizeof rec, NULL, NULL, NONCE, "a", "b", "0", "0",
		      types[i]);
		roundtrip(rec);
	}
	/* the nonces of the first and the last bytes */
	mkrec(rec, sizeof rec, NULL, NULL, "AAAAAAAAAAAAAAAAAAAAAA==", "a",
	      "b", "0", "0", "call");
	roundtrip(rec);
	mkrec(rec, sizeof rec, NULL, NULL, "/////////////////////w==", "a",
	      "b", "0", "0", "call");
	roundtrip(rec);
}

/* A word of the dictionary is one byte; digits are half a byte each. */
static void test_sizes(void **state)
{
	static const char *const types[] = {
		"message",    "media",	       "voice",	  "call",
		"video_call", "group_message", "receipt", "status",
	};
	char rec[ELOG_RECORD_JSON_MAX];
	size_t i, base;

	(void)state;
	mkrec(rec, sizeof rec, NULL, NULL, NONCE, "", "", "0", "0", "message");
	/* tag, nonce, two varints of 1 byte, two empty strings, a word */
	base = roundtrip(rec);
	assert_int_equal(base, 1 + 16 + 1 + 1 + 1 + 1 + 1);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		mkrec(rec, sizeof rec, NULL, NULL, NONCE, "", "", "0", "0",
		      types[i]);
		assert_int_equal(roundtrip(rec), base);
	}
	mkrec(rec, sizeof rec, NULL, "192.0.2.61", NONCE, "+447707499392",
	      "alice@example.org", "0", "0", "fax");
	/* ip: 1 + 5; recipient: 1 + 7; sender: 1 + 17; type: 1 + 3 */
	assert_int_equal(roundtrip(rec), 1 + 16 + 1 + 1 + 6 + 8 + 18 + 4);
	/* every character digits hold, 16 in 8 bytes; one other makes the
	 * string plain */
	mkrec(rec, sizeof rec, NULL, NULL, NONCE, "0123456789+-.() ", "", "0",
	      "0", "message");
	assert_int_equal(roundtrip(rec), base + 8);
	mkrec(rec, sizeof rec, NULL, NULL, NONCE, "0123456789+-.() /", "", "0",
	      "0", "message");
	assert_int_equal(roundtrip(rec), base + 17);
}

/* Every event the ingest accepts is packed: its type is a word. */
static void test_ingested(void **state)
{
	static const char *const types[] = {
		"message",    "media",	       "voice",	  "call",
		"video_call", "group_message", "receipt", "status",
	};
	elog_ingest_rules rules = {1711234567890LL, 300000, ELOG_MAX_BATCH};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		elog_entry e;
		elog_err_t err;
		json_t *o;
		size_t n;
		int k = snprintf(body, sizeof body,
				 "{\"ts\":1711234567890,\"sender\":\"+4477009"
				 "00123\",\"recipient\":\"bob@example.org\","
				 "\"type\":\"%s\",\"size\":2048,\"ip\":\"::1\","
				 "\"device\":\"d\"}",
				 types[i]);
		assert_true(k > 0 && (size_t)k < sizeof body);
		o = json_loads(body, 0, NULL);
		assert_non_null(o);
		assert_int_equal(elog_event_from_json(o, 0, &rules, &e, &err),
				 0);
		n = roundtrip(e.record);
		/* tag 1, nonce 16, ts 6, size 2, sender 1 + 7, recipient
		 * 1 + 15, type 1, device 1 + 1, ip 1 + 3 */
		assert_int_equal(n, 1 + 16 + 6 + 2 + 8 + 16 + 1 + 2 + 4);
		elog_entry_free(&e);
		json_decref(o);
	}
}

/* The shared vectors' records and leaf data, packed and back. */
static void test_v2_vectors(void **state)
{
	json_t *ev = load_vector("v2/events.json");
	size_t i;

	(void)state;
	assert_true(json_array_size(ev) > 0);
	for (i = 0; i < json_array_size(ev); i++) {
		json_t *e = json_array_get(ev, i);
		const char *rec = json_string_value(
			json_object_get(e, "record"));
		const char *ld = json_string_value(
			json_object_get(e, "leaf_data"));
		const char *com = json_string_value(
			json_object_get(e, "commitment"));
		unsigned char p[ELOG_EVENT_LEAF_PACKED_LEN];
		char back[ELOG_EVENT_LEAF_JSON_LEN];
		size_t n = 0, m = 0;
		elog_hash h;

		assert_non_null(rec);
		assert_non_null(ld);
		assert_non_null(com);
		roundtrip(rec);
		assert_int_equal(elog_pack_event_leaf(ld, strlen(ld), p,
						      sizeof p, &n),
				 1);
		assert_int_equal(n, ELOG_EVENT_LEAF_PACKED_LEN);
		assert_int_equal(p[0], ELOG_PACK_TAG_EVENT_LEAF);
		assert_int_equal(elog_hash_from_b64(com, &h), 0);
		assert_memory_equal(p + 1, h.b, ELOG_HASH_LEN);
		assert_int_equal(elog_unpack_event_leaf(p, n, back,
							sizeof back, &m),
				 0);
		assert_int_equal(m, strlen(ld));
		assert_memory_equal(back, ld, m);
	}
	json_decref(ev);
}

static void test_not_in_form(void **state)
{
	static const char *const bad[] = {
		/* an escape, and characters the form never holds verbatim */
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\\\"b\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":"
		"\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"\\u0041\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":"
		"\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"caf\xc3\xa9\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":"
		"\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\x7f\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":"
		"\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\tb\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":"
		"\"call\"}",
		/* keys out of order */
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"sender\":\"b\","
		"\"recipient\":\"a\",\"size\":1,\"ts\":2,\"type\":\"call\"}",
		"{\"ip\":\"::1\",\"device\":\"d\",\"kind\":\"event\",\"nonce\":"
		"\"" NONCE
		"\",\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,"
		"\"ts\":2,\"type\":\"call\"}",
		/* negative, too large, leading zero, fraction, exponent */
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":-1,\"ts\":2,\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":9007199254740992,"
		"\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":01,\"ts\":2,\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1.0,\"ts\":2,\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1e3,\"ts\":2,\"type\":\"call\"}",
		/* nonces: short, unused bits set, no padding, not base64,
		 * 17 bytes */
		"{\"kind\":\"event\",\"nonce\":\"gMYpBxsvrw2nO3MqEvAR==\","
		"\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,"
		"\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"gMYpBxsvrw2nO3MqEvARdh==\","
		"\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,"
		"\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"gMYpBxsvrw2nO3MqEvARdgAA\","
		"\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,"
		"\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"gMYpBxsvrw2nO3MqEv-Rdg==\","
		"\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,"
		"\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"gMYpBxsvrw2nO3MqEvARdgA=\","
		"\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,"
		"\"type\":\"call\"}",
		/* an extra key, a missing one, another kind */
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":\"call\","
		"\"x\":1}",
		"{\"extra\":\"e\",\"kind\":\"event\",\"nonce\":\"" NONCE "\","
		"\"recipient\":\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,"
		"\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"ts\":2,\"type\":\"call\"}",
		"{\"kind\":\"other\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":\"call\"}",
		/* a string where an integer goes, and the other way */
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":\"1\",\"ts\":2,\"type\":"
		"\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":3}",
		/* whitespace */
		"{\"kind\": \"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":\"call\"}",
		" {\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":\"call\"}",
		"{\"kind\":\"event\",\"nonce\":\"" NONCE "\",\"recipient\":"
		"\"a\",\"sender\":\"b\",\"size\":1,\"ts\":2,\"type\":\"call\"}"
		"\n",
		"",
		"{}",
	};
	char rec[2048], big[700];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		not_packed(bad[i], strlen(bad[i]));
	/* cut short at every length */
	for (i = 0; i < strlen(SAMPLE); i++)
		not_packed(SAMPLE, i);
	/* a NUL inside */
	memcpy(rec, SAMPLE, sizeof SAMPLE);
	rec[60] = '\0';
	not_packed(rec, strlen(SAMPLE));
	/* longer than ELOG_RECORD_JSON_MAX, else in the form */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mkrec(rec, sizeof rec, NULL, NULL, NONCE, big, "b", "1", "2", "call");
	assert_true(strlen(rec) > ELOG_RECORD_JSON_MAX);
	not_packed(rec, strlen(rec));
	big[ELOG_RECORD_JSON_MAX - strlen(rec) + sizeof big - 1] = '\0';
	mkrec(rec, sizeof rec, NULL, NULL, NONCE, big, "b", "1", "2", "call");
	assert_int_equal(strlen(rec), ELOG_RECORD_JSON_MAX);
	roundtrip(rec);
	mkrec(rec, sizeof rec, NULL, NULL, NONCE, big, "bb", "1", "2", "call");
	not_packed(rec, strlen(rec));
}

/* The sample's packed form with bytes [at, at + cut) replaced by with[]. */
static size_t edit(unsigned char *out, size_t at, size_t cut,
		   const unsigned char *with, size_t n)
{
	memcpy(out, sample_packed, at);
	memcpy(out + at, with, n);
	memcpy(out + at + n, sample_packed + at + cut,
	       sizeof sample_packed - at - cut);
	return sizeof sample_packed - cut + n;
}

/* Offsets in sample_packed. */
#define AT_RECIPIENT 35
#define AT_TS 17
#define AT_SIZE 23
#define AT_SENDER 27
#define AT_TYPE 43

/* The sample's packed form with its sender s plain characters 'x' and r
 * more plain 'y' at the end of its recipient; its length. */
static size_t long_sender(unsigned char *p, size_t s, size_t r)
{
	size_t k = AT_SENDER, i;

	memcpy(p, sample_packed, k);
	p[k++] = (unsigned char)(((s << 2) & 0x7f) | 0x80);
	p[k++] = (unsigned char)(s << 2 >> 7);
	memset(p + k, 'x', s);
	k += s;
	if (r == 0) {
		memcpy(p + k, sample_packed + AT_RECIPIENT,
		       sizeof sample_packed - AT_RECIPIENT);
		return k + sizeof sample_packed - AT_RECIPIENT;
	}
	p[k++] = (unsigned char)(((r << 2) & 0x7f) | 0x80);
	p[k++] = (unsigned char)(r << 2 >> 7);
	for (i = 0; i < r; i++)
		p[k++] = 'y';
	p[k++] = sample_packed[AT_TYPE];
	return k;
}

static void test_unpack_malformed(void **state)
{
	unsigned char p[2 * ELOG_RECORD_JSON_MAX];
	char out[ELOG_RECORD_JSON_MAX];
	size_t i, n, m;

	(void)state;
	/* truncated at every length */
	for (i = 0; i < sizeof sample_packed; i++)
		malformed(sample_packed, i);
	/* a trailing byte */
	for (i = 0; i < 256; i++) {
		unsigned char b = (unsigned char)i;
		malformed(p, edit(p, sizeof sample_packed, 0, &b, 1));
	}
	/* tags: none but 0x10 .. 0x13 is a record; 0x11 .. 0x13 want a
	 * device or an ip more */
	for (i = 0; i < 256; i++) {
		unsigned char b = (unsigned char)i;
		if (i == 0x10)
			continue;
		malformed(p, edit(p, 0, 1, &b, 1));
	}
	{
		/* ts as 2^53 (out of range), and 2^53 - 1 (in range) */
		static const unsigned char big[] = {0x80, 0x80, 0x80, 0x80,
						    0x80, 0x80, 0x80, 0x10};
		static const unsigned char max[] = {0xff, 0xff, 0xff, 0xff,
						    0xff, 0xff, 0xff, 0x0f};
		/* ts = 0 in two bytes, and 1 in three */
		static const unsigned char nonmin0[] = {0x80, 0x00};
		static const unsigned char nonmin1[] = {0x81, 0x80, 0x00};
		/* 9 bytes of varint */
		static const unsigned char nine[] = {0x81, 0x80, 0x80,
						     0x80, 0x80, 0x80,
						     0x80, 0x80, 0x00};
		static const unsigned char ok0[] = {0x00};

		malformed(p, edit(p, AT_TS, 6, big, sizeof big));
		n = edit(p, AT_TS, 6, max, sizeof max);
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_non_null(strstr(out, "\"ts\":9007199254740991,"));
		malformed(p, edit(p, AT_TS, 6, nonmin0, sizeof nonmin0));
		malformed(p, edit(p, AT_TS, 6, nonmin1, sizeof nonmin1));
		malformed(p, edit(p, AT_TS, 6, nine, sizeof nine));
		malformed(p, edit(p, AT_SIZE, 4, nonmin0, sizeof nonmin0));
		n = edit(p, AT_SIZE, 4, ok0, sizeof ok0);
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_non_null(strstr(out, "\"size\":0,"));
		/* a string header, not minimal */
		{
			static const unsigned char h[] = {0xb5, 0x00};
			malformed(p, edit(p, AT_SENDER, 1, h, sizeof h));
		}
	}
	{
		/* the sender as plain strings */
		static const unsigned char quote[] = {3 << 2, 'a', '"', 'b'};
		static const unsigned char bslash[] = {3 << 2, 'a', '\\', 'b'};
		static const unsigned char del[] = {3 << 2, 'a', 0x7f, 'b'};
		static const unsigned char ctl[] = {3 << 2, 'a', 0x1f, 'b'};
		static const unsigned char hi[] = {3 << 2, 'a', 0xc3, 'b'};
		static const unsigned char nul[] = {3 << 2, 'a', 0x00, 'b'};
		static const unsigned char good[] = {3 << 2, 'a', '@', 'b'};
		/* digits written plain, a word written plain, the empty
		 * string plain */
		static const unsigned char digits[] = {3 << 2, '+', '4', '4'};
		static const unsigned char word[] = {4 << 2, 'c', 'a', 'l',
						     'l'};
		static const unsigned char empty[] = {0};
		/* digits: an odd count with its unused half set; the empty
		 * string as digits is its one form */
		static const unsigned char pad[] = {3 << 2 | 1, 0xa4, 0x41};
		static const unsigned char even[] = {4 << 2 | 1, 0xa4, 0x41};
		static const unsigned char nodig[] = {0 << 2 | 1};
		/* a word past the dictionary, and the fourth mode */
		static const unsigned char word8[] = {8 << 2 | 2};
		static const unsigned char word7[] = {7 << 2 | 2};
		static const unsigned char mode3[] = {1 << 2 | 3, 'a'};
		/* a length past the end */
		static const unsigned char past[] = {((100 << 2) & 0x7f) | 0x80,
						     100 << 2 >> 7, 'a'};

		malformed(p, edit(p, AT_SENDER, 8, quote, sizeof quote));
		malformed(p, edit(p, AT_SENDER, 8, bslash, sizeof bslash));
		malformed(p, edit(p, AT_SENDER, 8, del, sizeof del));
		malformed(p, edit(p, AT_SENDER, 8, ctl, sizeof ctl));
		malformed(p, edit(p, AT_SENDER, 8, hi, sizeof hi));
		malformed(p, edit(p, AT_SENDER, 8, nul, sizeof nul));
		n = edit(p, AT_SENDER, 8, good, sizeof good);
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_non_null(strstr(out, "\"sender\":\"a@b\","));
		malformed(p, edit(p, AT_SENDER, 8, digits, sizeof digits));
		malformed(p, edit(p, AT_SENDER, 8, word, sizeof word));
		malformed(p, edit(p, AT_SENDER, 8, empty, sizeof empty));
		malformed(p, edit(p, AT_SENDER, 8, pad, sizeof pad));
		n = edit(p, AT_SENDER, 8, even, sizeof even);
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_non_null(strstr(out, "\"sender\":\"+441\","));
		n = edit(p, AT_SENDER, 8, nodig, sizeof nodig);
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_non_null(strstr(out, "\"sender\":\"\","));
		malformed(p, edit(p, AT_TYPE, 1, word8, sizeof word8));
		n = edit(p, AT_TYPE, 1, word7, sizeof word7);
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_non_null(strstr(out, "\"type\":\"status\"}"));
		malformed(p, edit(p, AT_TYPE, 1, mode3, sizeof mode3));
		malformed(p, edit(p, AT_TYPE, 1, past, sizeof past));
		malformed(p, edit(p, AT_SENDER, 8, past, sizeof past));
	}
	{
		/* a device the tag does not announce, and the tag that does */
		static const unsigned char dev[] = {1 << 2, 'd'};
		n = edit(p, sizeof sample_packed, 0, dev, sizeof dev);
		malformed(p, n);
		p[0] = ELOG_PACK_TAG_RECORD | ELOG_PACK_DEVICE;
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_int_equal(memcmp(out, "{\"device\":\"d\",\"kind\":", 21),
				 0);
		p[0] = ELOG_PACK_TAG_RECORD | ELOG_PACK_IP;
		assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m),
				 0);
		assert_int_equal(memcmp(out, "{\"ip\":\"d\",\"kind\":", 17), 0);
		p[0] = ELOG_PACK_TAG_RECORD | ELOG_PACK_DEVICE | ELOG_PACK_IP;
		malformed(p, n);
	}
	/* the sender as s plain characters: the record is 142 + s bytes;
	 * and with the recipient as r more */
	n = long_sender(p, 626, 0);
	assert_int_equal(elog_unpack_record(p, n, out, sizeof out, &m), 0);
	assert_int_equal(m, ELOG_RECORD_JSON_MAX);
	malformed(p, long_sender(p, 627, 0));
	malformed(p, long_sender(p, 700, 100));
	/* cap */
	assert_int_equal(elog_unpack_record(sample_packed, sizeof sample_packed,
					    out, ELOG_RECORD_JSON_MAX - 1, &m),
			 -ELOG_INTERNAL);
	assert_int_equal(elog_pack_record(SAMPLE, strlen(SAMPLE), p,
					  ELOG_RECORD_PACKED_MAX - 1, &m),
			 -ELOG_INTERNAL);
}

static void test_event_leaf(void **state)
{
	unsigned char p[ELOG_EVENT_LEAF_PACKED_LEN + 1];
	char back[ELOG_EVENT_LEAF_JSON_LEN], bad[128];
	char *data = NULL;
	size_t len = 0, n = 0, m = 0, i;
	elog_err_t err;
	elog_hash h;

	(void)state;
	assert_int_equal(elog_event_leaf_data(SAMPLE, strlen(SAMPLE), &data,
					      &len, &err),
			 0);
	assert_int_equal(len, ELOG_EVENT_LEAF_JSON_LEN);
	assert_int_equal(elog_pack_event_leaf(data, len, p, sizeof p, &n), 1);
	assert_int_equal(n, 33);
	assert_int_equal(p[0], ELOG_PACK_TAG_EVENT_LEAF);
	elog_sha256(SAMPLE, strlen(SAMPLE), &h);
	assert_memory_equal(p + 1, h.b, 32);
	assert_int_equal(elog_unpack_event_leaf(p, n, back, sizeof back, &m),
			 0);
	assert_int_equal(m, len);
	assert_memory_equal(back, data, len);

	/* not packed: cut short, one more byte, each byte changed to one
	 * of a few others (a base64 character that leaves unused bits set,
	 * key order, whitespace) */
	for (i = 0; i < len; i++)
		assert_int_equal(elog_pack_event_leaf(data, i, p, sizeof p, &n),
				 0);
	memcpy(bad, data, len);
	bad[len] = ' ';
	assert_int_equal(elog_pack_event_leaf(bad, len + 1, p, sizeof p, &n),
			 0);
	for (i = 0; i < len; i++) {
		static const char others[] = " \"=AB+/{}x";
		for (const char *o = others; *o; o++) {
			int rc;
			if (*o == data[i])
				continue;
			memcpy(bad, data, len);
			bad[i] = *o;
			rc = elog_pack_event_leaf(bad, len, p, sizeof p, &n);
			/* a changed commitment character still packs, and is
			 * the leaf data of another record */
			if (rc == 1) {
				assert_true(i >= 15 && i < 15 + 43);
				assert_int_equal(elog_unpack_event_leaf(
							 p, n, back,
							 sizeof back, &m),
						 0);
				assert_memory_equal(back, bad, len);
			} else {
				assert_int_equal(rc, 0);
			}
		}
	}
	/* the last data character of the commitment carries 2 unused bits */
	{
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
					  "klmnopqrstuvwxyz0123456789+/";
		const char *c = strchr(b64, data[15 + 42]);

		assert_non_null(c);
		assert_int_equal((c - b64) & 3, 0);
		for (i = 1; i < 4; i++) {
			memcpy(bad, data, len);
			bad[15 + 42] = b64[(size_t)(c - b64) ^ i];
			assert_int_equal(elog_pack_event_leaf(bad, len, p,
							      sizeof p, &n),
					 0);
		}
	}
	assert_int_equal(
		elog_pack_event_leaf(
			"{\"kind\":\"event\",\"commitment\":\"gMYpBxsvrw2nO3MqEv"
			"ARdgMYpBxsvrw2nO3MqEvARd=\"}",
			76, p, sizeof p, &n),
		0);
	assert_int_equal(elog_pack_event_leaf(data, len, p, 32, &n),
			 -ELOG_INTERNAL);

	/* malformed packed leaves */
	elog_pack_event_leaf(data, len, p, sizeof p, &n);
	m = 12345;
	assert_int_equal(elog_unpack_event_leaf(p, 32, back, sizeof back, &m),
			 -ELOG_TAMPERED);
	assert_int_equal(elog_unpack_event_leaf(p, 34, back, sizeof back, &m),
			 -ELOG_TAMPERED);
	assert_int_equal(elog_unpack_event_leaf(p, 0, back, sizeof back, &m),
			 -ELOG_TAMPERED);
	assert_int_equal(m, 12345);
	for (i = 0; i < 256; i++) {
		if (i == ELOG_PACK_TAG_EVENT_LEAF)
			continue;
		p[0] = (unsigned char)i;
		assert_int_equal(elog_unpack_event_leaf(p, 33, back,
							sizeof back, &m),
				 -ELOG_TAMPERED);
	}
	p[0] = ELOG_PACK_TAG_EVENT_LEAF;
	assert_int_equal(elog_unpack_event_leaf(p, 33, back, 75, &m),
			 -ELOG_INTERNAL);
	/* and a packed record is not a packed leaf, nor the other way */
	malformed(p, 33);
	assert_int_equal(elog_unpack_event_leaf(sample_packed, 33, back,
						sizeof back, &m),
			 -ELOG_TAMPERED);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_ingested),
		cmocka_unit_test(test_v2_vectors),
		cmocka_unit_test(test_not_in_form),
		cmocka_unit_test(test_unpack_malformed),
		cmocka_unit_test(test_event_leaf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
