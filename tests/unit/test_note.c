/* test_note.c — signed notes and keys against Go sumdb/note vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "note.h"
#include "vectors.h"

static void test_key_names(void **state)
{
	char longname[ELOG_NAME_MAX + 2];

	(void)state;
	assert_true(elog_key_name_valid(vec_key("log_verifier_key").name));
	assert_true(elog_key_name_valid(vec_key("authority_verifier_key").name));
	assert_true(elog_key_name_valid("a"));
	assert_true(elog_key_name_valid("caf\xc3\xa9"));
	assert_false(elog_key_name_valid(""));
	assert_false(elog_key_name_valid(NULL));
	assert_false(elog_key_name_valid("a+b"));
	assert_false(elog_key_name_valid("a b"));
	assert_false(elog_key_name_valid("a\tb"));
	assert_false(elog_key_name_valid("a\x01"));
	assert_false(elog_key_name_valid("a\x7f"));
	assert_false(elog_key_name_valid("a\xc2\xa0z"));     /* NBSP */
	assert_false(elog_key_name_valid("a\xe3\x80\x80z")); /* ideographic space */
	assert_false(elog_key_name_valid("a\xe2\x80\x83z")); /* em space */
	assert_false(elog_key_name_valid("a\xc2\x85z"));     /* NEL */
	assert_false(elog_key_name_valid("a\xff"));
	assert_false(elog_key_name_valid("a\xc0\xaf"));      /* overlong */
	assert_false(elog_key_name_valid("a\xed\xa0\x80"));  /* surrogate */
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(elog_key_name_valid(longname));
	longname[ELOG_NAME_MAX] = '\0';
	assert_true(elog_key_name_valid(longname));
}

static void round_trip_signer(const char *text)
{
	elog_signer s;
	char buf[ELOG_KEY_TEXT_MAX];

	assert_int_equal(elog_signer_parse(text, &s, NULL), 0);
	assert_int_equal(elog_signer_format(&s, buf, sizeof buf, NULL), 0);
	assert_string_equal(buf, text);
	elog_signer_wipe(&s);
}

static void round_trip_verifier(const char *text)
{
	elog_verifier v;
	char buf[ELOG_KEY_TEXT_MAX];

	assert_int_equal(elog_verifier_parse(text, &v, NULL), 0);
	assert_int_equal(elog_verifier_format(&v, buf, sizeof buf, NULL), 0);
	assert_string_equal(buf, text);
}

static void test_vector_keys(void **state)
{
	elog_signer s;
	elog_verifier v, pub;
	char buf[ELOG_KEY_TEXT_MAX];
	char padded[ELOG_KEY_TEXT_MAX];
	struct key_text lk = vec_key("log_signer_key"), ak = vec_key("authority_verifier_key");
	size_t i;

	(void)state;
	/* The text forms agree with each other. */
	assert_string_equal(vec_key("log_verifier_key").name, lk.name);
	assert_int_equal(vec_key("log_verifier_key").keyid, lk.keyid);
	assert_string_equal(vec_key("authority_signer_key").name, ak.name);
	assert_int_equal(vec_key("authority_signer_key").keyid, ak.keyid);
	round_trip_signer(vec("log_signer_key"));
	round_trip_signer(vec("authority_signer_key"));
	round_trip_verifier(vec("log_verifier_key"));
	round_trip_verifier(vec("authority_verifier_key"));

	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	assert_string_equal(s.name, lk.name);
	assert_int_equal(s.keyid, lk.keyid);
	assert_int_equal(s.alg, ELOG_ALG_ED25519);
	assert_int_equal(elog_key_id(s.name, s.alg, s.pk), lk.keyid);
	elog_signer_public(&s, &pub);
	assert_int_equal(elog_verifier_format(&pub, buf, sizeof buf, NULL), 0);
	assert_string_equal(buf, vec("log_verifier_key"));
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
	assert_memory_equal(v.pk, s.pk, 32);
	assert_int_equal(v.keyid, lk.keyid);
	/* Too small a buffer. */
	assert_int_equal(elog_signer_format(&s, buf, 20, NULL), -ELOG_INTERNAL);
	assert_int_equal(elog_verifier_format(&v, buf, 20, NULL), -ELOG_INTERNAL);
	elog_signer_wipe(&s);
	assert_int_equal(s.sk[0] | s.sk[63], 0);

	assert_int_equal(elog_verifier_parse(vec("authority_verifier_key"), &v, NULL), 0);
	assert_string_equal(v.name, ak.name);
	assert_int_equal(v.keyid, ak.keyid);

	/* Surrounding whitespace, as in a key file. */
	snprintf(padded, sizeof padded, "  %s\n", vec("log_signer_key"));
	assert_int_equal(elog_signer_parse(padded, &s, NULL), 0);
	assert_int_equal(s.keyid, lk.keyid);
	elog_signer_wipe(&s);
	snprintf(padded, sizeof padded, "%s\r\n", vec("log_verifier_key"));
	assert_int_equal(elog_verifier_parse(padded, &v, NULL), 0);
	/* Upper-case hex key ids parse, as in Go. */
	for (i = 0; i < 8; i++)
		ak.hexid[i] = (char)toupper((unsigned char)ak.hexid[i]);
	snprintf(padded, sizeof padded, "%s+%s+%s", ak.name, ak.hexid, ak.b64);
	assert_int_equal(elog_verifier_parse(padded, &v, NULL), 0);
	assert_int_equal(v.keyid, ak.keyid);
}

static void test_generate(void **state)
{
	elog_signer s, t;
	elog_verifier v;
	char buf[ELOG_KEY_TEXT_MAX];
	elog_err_t err;

	(void)state;
	assert_int_equal(elog_signer_generate("witness.example/w1", &s, NULL), 0);
	assert_int_equal(s.alg, ELOG_ALG_ED25519);
	assert_int_equal(s.keyid, elog_key_id(s.name, s.alg, s.pk));
	assert_int_equal(elog_signer_format(&s, buf, sizeof buf, NULL), 0);
	assert_int_equal(strncmp(buf, "PRIVATE+KEY+witness.example/w1+", 31), 0);
	assert_int_equal(elog_signer_parse(buf, &t, NULL), 0);
	assert_memory_equal(t.sk, s.sk, 64);
	assert_memory_equal(t.pk, s.pk, 32);
	assert_int_equal(t.keyid, s.keyid);
	elog_signer_public(&s, &v);
	assert_int_equal(elog_verifier_format(&v, buf, sizeof buf, NULL), 0);
	round_trip_verifier(buf);
	assert_int_equal(elog_signer_generate("bad name", &t, &err), -ELOG_MALFORMED_KEY);
	assert_int_equal(err.code, ELOG_MALFORMED_KEY);
	assert_int_equal(elog_signer_generate("", &t, NULL), -ELOG_MALFORMED_KEY);

	/* A cosignature/v1 key has the same text form with alg 0x04. */
	s.alg = ELOG_ALG_COSIGNATURE_V1;
	s.keyid = elog_key_id(s.name, s.alg, s.pk);
	assert_int_equal(elog_signer_format(&s, buf, sizeof buf, NULL), 0);
	round_trip_signer(buf);
	assert_int_equal(elog_signer_parse(buf, &t, NULL), 0);
	assert_int_equal(t.alg, ELOG_ALG_COSIGNATURE_V1);
	elog_signer_public(&s, &v);
	assert_int_equal(elog_verifier_format(&v, buf, sizeof buf, NULL), 0);
	round_trip_verifier(buf);
	assert_int_equal(elog_verifier_parse(buf, &v, NULL), 0);
	assert_int_equal(v.alg, ELOG_ALG_COSIGNATURE_V1);
	elog_signer_wipe(&s);
	elog_signer_wipe(&t);
}

/* The base64 character of value v. */
static char b64_char(int v)
{
	return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[v & 63];
}

/* The value of base64 character c. */
static int b64_value(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(a, c);

	assert_non_null(p);
	return (int)(p - a);
}

/* "PRIVATE+KEY+" (signer) or "", then name+hexid+b64, into out. */
static void key_join(char *out, size_t size, const char *prefix, const char *name,
		     const char *hexid, const char *b64)
{
	int n = snprintf(out, size, "%s%s+%s+%s", prefix, name, hexid, b64);

	assert_true(n > 0 && (size_t)n < size);
}

/* The vector key k with one change: what names which. */
enum key_change {
	KEY_AS_IS, KEY_NO_NAME, KEY_SHORT_ID, KEY_LONG_ID, KEY_ID_NOT_HEX,
	KEY_WRONG_ID, KEY_OTHER_NAME, KEY_SHORT, KEY_LONG, KEY_NOT_B64,
	KEY_OTHER_KEY, KEY_ALG_2, KEY_SPACE_IN_NAME, KEY_COUNT
};

static void key_changed(char *out, size_t size, const char *prefix,
			const struct key_text *k, enum key_change what)
{
	struct key_text c = *k;
	size_t bl = strlen(c.b64);
	char name[300];

	snprintf(name, sizeof name, "%s", c.name);
	switch (what) {
	case KEY_AS_IS: break;
	case KEY_NO_NAME: name[0] = '\0'; break;
	case KEY_SHORT_ID: c.hexid[7] = '\0'; break;
	case KEY_LONG_ID:
		snprintf(out, size, "%s%s+%s0+%s", prefix, c.name, c.hexid, c.b64);
		return;
	case KEY_ID_NOT_HEX: c.hexid[7] = 'g'; break;
	case KEY_WRONG_ID: c.hexid[7] = c.hexid[7] == '0' ? '1' : '0'; break;
	case KEY_OTHER_NAME: snprintf(name, sizeof name, "%sx", c.name); break;
	case KEY_SHORT: c.b64[bl - 1] = '\0'; break;
	case KEY_LONG: snprintf(c.b64 + bl, sizeof c.b64 - bl, "AAAA"); break;
	case KEY_NOT_B64: c.b64[bl - 2] = '!'; break;
	case KEY_OTHER_KEY: c.b64[bl - 1] = b64_char(b64_value(c.b64[bl - 1]) ^ 1); break;
	/* The first byte is the algorithm: its low two bits are the top of
	 * the second character. */
	case KEY_ALG_2: c.b64[1] = b64_char((b64_value(c.b64[1]) & 15) | 32); break;
	case KEY_SPACE_IN_NAME: snprintf(name, sizeof name, "x %s", c.name); break;
	case KEY_COUNT: break;
	}
	key_join(out, size, prefix, name, c.hexid, c.b64);
}

static void test_malformed_keys(void **state)
{
	struct key_text av = vec_key("authority_verifier_key");
	struct key_text as = vec_key("authority_signer_key");
	char bad[ELOG_KEY_TEXT_MAX + 64];
	elog_verifier v;
	elog_signer s;
	elog_err_t err;
	char huge[ELOG_KEY_TEXT_MAX + 10];
	size_t i;
	int what;

	(void)state;
	/* The vector keys themselves parse: each change below is what breaks. */
	key_changed(bad, sizeof bad, "", &av, KEY_AS_IS);
	assert_int_equal(elog_verifier_parse(bad, &v, NULL), 0);
	key_changed(bad, sizeof bad, "PRIVATE+KEY+", &as, KEY_AS_IS);
	assert_int_equal(elog_signer_parse(bad, &s, NULL), 0);
	elog_signer_wipe(&s);
	for (what = KEY_NO_NAME; what < KEY_COUNT; what++) {
		key_changed(bad, sizeof bad, "", &av, (enum key_change)what);
		elog_err_clear(&err);
		if (elog_verifier_parse(bad, &v, &err) != -ELOG_MALFORMED_KEY)
			fail_msg("verifier key change %d accepted: %s", what, bad);
		assert_int_equal(err.code, ELOG_MALFORMED_KEY);
		assert_true(err.msg[0] != '\0');
		key_changed(bad, sizeof bad, "PRIVATE+KEY+", &as, (enum key_change)what);
		if (elog_signer_parse(bad, &s, NULL) != -ELOG_MALFORMED_KEY)
			fail_msg("signer key change %d accepted: %s", what, bad);
	}
	{
		const char *other[] = {"", "   ", av.name, NULL, NULL, NULL, NULL};
		char a[300], b[300], c[ELOG_KEY_TEXT_MAX], d[ELOG_KEY_TEXT_MAX];

		snprintf(a, sizeof a, "%s+%s", av.name, av.hexid);
		snprintf(b, sizeof b, "%s+%s+", av.name, av.hexid);
		snprintf(c, sizeof c, "+%s+%s", av.hexid, av.b64);
		other[3] = a;
		other[4] = b;
		other[5] = c;
		other[6] = vec("authority_signer_key"); /* a signer key */
		for (i = 0; i < sizeof other / sizeof other[0]; i++)
			if (elog_verifier_parse(other[i], &v, NULL) != -ELOG_MALFORMED_KEY)
				fail_msg("verifier key %zu accepted", i);
		/* Signer keys: none, a verifier key, no key, a changed prefix. */
		snprintf(a, sizeof a, "PRIVATE+KEY+%s+%s", as.name, as.hexid);
		snprintf(c, sizeof c, "PRIVATE+KEYS+%s+%s+%s", as.name, as.hexid, as.b64);
		snprintf(d, sizeof d, "private+KEY+%s+%s+%s", as.name, as.hexid, as.b64);
		other[0] = "";
		other[1] = vec("authority_verifier_key");
		other[2] = a;
		other[3] = c;
		other[4] = d;
		for (i = 0; i < 5; i++)
			if (elog_signer_parse(other[i], &s, NULL) != -ELOG_MALFORMED_KEY)
				fail_msg("signer key %zu accepted", i);
	}
	assert_int_equal(elog_verifier_parse(NULL, &v, NULL), -ELOG_MALFORMED_KEY);
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(elog_verifier_parse(huge, &v, NULL), -ELOG_MALFORMED_KEY);
	assert_int_equal(elog_signer_parse(huge, &s, NULL), -ELOG_MALFORMED_KEY);
}

static void test_checkpoint_notes(void **state)
{
	json_t *cps = json_object_get(notes, "checkpoints");
	elog_signer s;
	elog_verifier v;
	size_t i;

	(void)state;
	assert_true(json_array_size(cps) > 0);
	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
	for (i = 0; i < json_array_size(cps); i++) {
		json_t *c = json_array_get(cps, i);
		const char *text = json_string_value(json_object_get(c, "text"));
		const char *want = json_string_value(json_object_get(c, "signed_note"));
		elog_note_sig sigs[ELOG_NOTE_MAX_SIGS];
		size_t tl = 0, ns = 0, len = 0;
		char *note = NULL;

		assert_non_null(text);
		assert_non_null(want);
		assert_int_equal(elog_note_sign(text, strlen(text), &s, &note, &len, NULL), 0);
		assert_string_equal(note, want);
		assert_int_equal(len, strlen(want));
		free(note);
		assert_int_equal(elog_note_verify(want, strlen(want), &v, &tl, NULL), 0);
		assert_int_equal(tl, strlen(text));
		assert_int_equal(elog_note_parse(want, strlen(want), &tl, sigs, ELOG_NOTE_MAX_SIGS, &ns, NULL), 0);
		assert_int_equal(tl, strlen(text));
		assert_int_equal(ns, 1);
		assert_string_equal(sigs[0].name, vec_key("log_verifier_key").name);
		assert_int_equal(sigs[0].keyid, vec_key("log_verifier_key").keyid);
		assert_int_equal(sigs[0].sig_len, 64);
		assert_int_equal(sigs[0].line_off, strlen(text) + 1);
		assert_int_equal(sigs[0].line_off + sigs[0].line_len, strlen(want));
	}
	elog_signer_wipe(&s);
}

static void test_warrants(void **state)
{
	elog_verifier v, logv;
	elog_signer s;
	elog_err_t err;
	const char *w = vec("warrant_signed");
	const char *text = vec("warrant_text");
	char *note = NULL;
	size_t tl = 0;

	(void)state;
	assert_int_equal(elog_verifier_parse(vec("authority_verifier_key"), &v, NULL), 0);
	assert_int_equal(elog_note_verify(w, strlen(w), &v, &tl, NULL), 0);
	assert_int_equal(tl, strlen(text));
	assert_memory_equal(w, text, tl);

	assert_int_equal(elog_signer_parse(vec("authority_signer_key"), &s, NULL), 0);
	assert_int_equal(elog_note_sign(text, strlen(text), &s, &note, NULL, NULL), 0);
	assert_string_equal(note, w);
	free(note);
	elog_signer_wipe(&s);

	w = vec("warrant_forged_same_name_other_key");
	assert_int_equal(elog_note_verify(w, strlen(w), &v, &tl, &err), -ELOG_BAD_SIGNATURE);
	assert_int_equal(err.code, ELOG_BAD_SIGNATURE);
	w = vec("warrant_tampered_after_signing");
	assert_int_equal(elog_note_verify(w, strlen(w), &v, &tl, &err), -ELOG_BAD_SIGNATURE);
	/* Another key, another name: unknown. */
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &logv, NULL), 0);
	w = vec("warrant_signed");
	assert_int_equal(elog_note_verify(w, strlen(w), &logv, &tl, &err), -ELOG_UNKNOWN_KEY);
	/* Only Ed25519 keys verify notes. */
	logv = v;
	logv.alg = ELOG_ALG_COSIGNATURE_V1;
	assert_int_equal(elog_note_verify(w, strlen(w), &logv, &tl, &err), -ELOG_MALFORMED_KEY);
}

/* Sign text with the vector log key; the caller frees. */
static char *sign_text(const char *text)
{
	elog_signer s;
	char *note = NULL;

	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	assert_int_equal(elog_note_sign(text, strlen(text), &s, &note, NULL, NULL), 0);
	elog_signer_wipe(&s);
	return note;
}

static int verify_str(const char *note, int *parse_rc)
{
	elog_verifier v;
	elog_note_sig sigs[4];
	size_t tl, ns;

	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
	*parse_rc = elog_note_parse(note, strlen(note), &tl, sigs, 4, &ns, NULL);
	return elog_note_verify(note, strlen(note), &v, &tl, NULL);
}

/* Base64 of the log key's id followed by zeros bytes of 0, into out. */
static void keyid_b64(char *out, size_t size, size_t zeros)
{
	unsigned long id = vec_key("log_verifier_key").keyid;
	unsigned char raw[8] = {(unsigned char)(id >> 24), (unsigned char)(id >> 16),
				(unsigned char)(id >> 8), (unsigned char)id, 0, 0, 0, 0};

	assert_true(zeros <= 4 && size >= sodium_base64_ENCODED_LEN(8, sodium_base64_VARIANT_ORIGINAL));
	sodium_bin2base64(out, size, raw, 4 + zeros, sodium_base64_VARIANT_ORIGINAL);
}

static void test_malformed_notes(void **state)
{
	/* %1$s is the log key's name, %2$s a signature field: base64 of the
	 * key id alone (4 bytes), which the line's form needs before any
	 * signature is looked at; %3$s that field with one character changed
	 * or dropped, as each comment says. */
	enum { ID4, ID3, PAD1, BANG, BITS, DASH };
	static const struct {
		const char *fmt;
		int field;
	} bad[] = {
		{"", ID4},
		{"hello\n", ID4},
		{"hello\n\n", ID4},
		{"hello\n\n\xe2\x80\x94 %s %s", ID4}, /* no final \n */
		{"hello\n\n- %s %s\n", DASH},
		{"hello\n\n\xe2\x80\x94%s %s\n", ID4},
		{"hello\n\n\xe2\x80\x94 %s\n", ID4},
		{"hello\n\n\xe2\x80\x94 %s \n", ID4},
		{"hello\n\n\xe2\x80\x94 %s %s\n", ID3},  /* 3 bytes */
		{"hello\n\n\xe2\x80\x94 %s %s\n", PAD1}, /* bad padding */
		{"hello\n\n\xe2\x80\x94 %s %s\n", BANG}, /* not base64 */
		{"hello\n\n\xe2\x80\x94 %s %s\n", BITS}, /* trailing bits */
		{"hello\n\n\xe2\x80\x94 a+%s %s\n", ID4},
		{"hello\n\n\xe2\x80\x94 %.0s %s\n", ID4},
		{"hello\n\n\xe2\x80\x94 %s %s\n\n", ID4},
		{"hello\n\n\xe2\x80\x94 %s %s\nextra\n", ID4},
		{"he\x01llo\n\n\xe2\x80\x94 %s %s\n", ID4},
		{"he\rllo\n\n\xe2\x80\x94 %s %s\n", ID4},
		{"he\xffllo\n\n\xe2\x80\x94 %s %s\n", ID4},
		{"he\xc3llo\n\n\xe2\x80\x94 %s %s\n", ID4},
		{"he\xed\xa0\x80llo\n\n\xe2\x80\x94 %s %s\n", ID4},
		{"hello\n\n\xe2\x80\x94 %s %s\t\n", ID4},
	};
	const char *name = vec_key("log_verifier_key").name;
	char id4[16], f[16], note[512];
	size_t i, l;
	int prc, n;

	(void)state;
	keyid_b64(id4, sizeof id4, 0);
	l = strlen(id4);
	assert_int_equal(l, 8); /* "XXXXXX==" */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc;

		snprintf(f, sizeof f, "%s", id4);
		switch (bad[i].field) {
		case ID3: keyid_b64(f, sizeof f, 0); f[4] = '\0'; break;
		case PAD1: f[l - 1] = '\0'; break;
		case BANG: f[l - 2] = '!'; break;
		/* The last data character carries 2 bits and 4 zero bits. */
		case BITS: f[l - 3] = b64_char(b64_value(f[l - 3]) | 1); break;
		case DASH: keyid_b64(f, sizeof f, 4); break;
		default: break;
		}
		n = snprintf(note, sizeof note, bad[i].fmt, name, f);
		assert_true(n >= 0 && (size_t)n < sizeof note);
		rc = verify_str(note, &prc);
		if (prc != -ELOG_MALFORMED_NOTE || rc != -ELOG_MALFORMED_NOTE)
			fail_msg("note %zu: parse %d verify %d", i, prc, rc);
	}
	/* The same lines well formed: the key's line verifies as far as its
	 * signature (wrong), an unknown name is unknown. */
	keyid_b64(f, sizeof f, 1);
	snprintf(note, sizeof note, "hello\n\n\xe2\x80\x94 other %s\n", f);
	assert_int_equal(verify_str(note, &prc), -ELOG_UNKNOWN_KEY);
	assert_int_equal(prc, 0);
	/* Right name and key id, signature too short or wrong. */
	keyid_b64(f, sizeof f, 2);
	snprintf(note, sizeof note, "hello\n\n\xe2\x80\x94 %s %s\n", name, f);
	assert_int_equal(verify_str(note, &prc), -ELOG_BAD_SIGNATURE);
	assert_int_equal(prc, 0);
	/* Embedded NUL: the length says more than strlen. */
	{
		elog_verifier v;
		size_t tl;

		n = snprintf(note, sizeof note, "he%clo\n\n\xe2\x80\x94 %s %s\n", 0, name, id4);
		assert_true(n > 0 && (size_t)n < sizeof note);
		assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
		assert_int_equal(elog_note_verify(note, (size_t)n, &v, &tl, NULL), -ELOG_MALFORMED_NOTE);
		assert_int_equal(elog_note_verify(note, ELOG_NOTE_MAX + 1, &v, &tl, NULL), -ELOG_MALFORMED_NOTE);
	}
}

static void test_sign_rules(void **state)
{
	static const char *bad[] = {
		"", "no newline", "blank\n\nline\n", "\nleading blank\n",
		"ctl\x01\n", "tab\there\n", "bad\xff utf8\n", "cr\r\n",
	};
	elog_signer s;
	char *note = (char *)"x";
	size_t i;

	(void)state;
	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(elog_note_sign(bad[i], strlen(bad[i]), &s, &note, NULL, NULL), -ELOG_MALFORMED_NOTE);
		assert_null(note);
	}
	s.alg = ELOG_ALG_COSIGNATURE_V1;
	assert_int_equal(elog_note_sign("ok\n", 3, &s, &note, NULL, NULL), -ELOG_MALFORMED_KEY);
	elog_signer_wipe(&s);
}

static void test_many_signatures(void **state)
{
	char *base = sign_text("many\n");
	const char *line = base + 6; /* after "many\n\n": our line, with \n */
	size_t line_len = strlen(line);
	char *buf = malloc(102 * 256);
	elog_note_sig sigs[ELOG_NOTE_MAX_SIGS];
	size_t i, at = 6, tl, ns;
	int prc;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "many\n\n", 6);
	/* Foreign signature lines first (of any length), then ours. */
	for (i = 0; i < 99; i++) {
		/* 120 base64 characters: 90 bytes, more than sig holds. */
		char foreign[160] = "\xe2\x80\x94 other ";
		size_t fl = strlen(foreign);
		memset(foreign + fl, 'A', 120);
		foreign[fl + 120] = '\n';
		foreign[fl + 121] = '\0';
		if (i == 0)
			snprintf(foreign, sizeof foreign, "%s", "\xe2\x80\x94 short AAAAAAA=\n");
		memcpy(buf + at, foreign, strlen(foreign));
		at += strlen(foreign);
	}
	memcpy(buf + at, line, line_len);
	at += line_len;
	buf[at] = '\0';
	assert_int_equal(verify_str(buf, &prc), 0);
	assert_int_equal(prc, 0);
	assert_int_equal(elog_note_parse(buf, at, &tl, sigs, ELOG_NOTE_MAX_SIGS, &ns, NULL), 0);
	assert_int_equal(ns, ELOG_NOTE_MAX_SIGS);
	assert_int_equal(tl, 5);
	assert_string_equal(sigs[0].name, "short");
	assert_int_equal(sigs[0].sig_len, 1);
	assert_int_equal(sigs[1].sig_len, 0); /* too long to keep */
	assert_int_equal(elog_note_parse(buf, at, &tl, NULL, 0, &ns, NULL), 0);
	assert_int_equal(ns, 0);
	/* One more line makes 101: malformed, as in Go. */
	memcpy(buf + at, line, line_len);
	at += line_len;
	buf[at] = '\0';
	assert_int_equal(verify_str(buf, &prc), -ELOG_MALFORMED_NOTE);
	assert_int_equal(prc, -ELOG_MALFORMED_NOTE);

	/* A repeated line of our key: only the first counts, as in Go. */
	{
		char two[512];
		int n = snprintf(two, sizeof two, "%s%.*s", base, (int)line_len, line);
		assert_true(n > 0 && (size_t)n < sizeof two);
		assert_int_equal(verify_str(two, &prc), 0);
	}
	free(buf);
	free(base);
}

static void test_text_with_unicode(void **state)
{
	const char *text = "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x93\x9c\nsecond line\x7f\n";
	char *note = sign_text(text);
	int prc;

	(void)state;
	assert_int_equal(verify_str(note, &prc), 0);
	/* Flip one byte of the text. */
	note[1] = 'b';
	assert_int_equal(verify_str(note, &prc), -ELOG_BAD_SIGNATURE);
	free(note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_vector_keys),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_malformed_keys),
		cmocka_unit_test(test_checkpoint_notes),
		cmocka_unit_test(test_warrants),
		cmocka_unit_test(test_malformed_notes),
		cmocka_unit_test(test_sign_rules),
		cmocka_unit_test(test_many_signatures),
		cmocka_unit_test(test_text_with_unicode),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, notes_setup, notes_teardown);
}
