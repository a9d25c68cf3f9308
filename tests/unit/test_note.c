/* test_note.c — signed notes and keys against Go sumdb/note vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
	assert_true(elog_key_name_valid("envelog.example/log-1"));
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

	(void)state;
	round_trip_signer(vec("log_signer_key"));
	round_trip_signer(vec("authority_signer_key"));
	round_trip_verifier(vec("log_verifier_key"));
	round_trip_verifier(vec("authority_verifier_key"));

	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	assert_string_equal(s.name, "envelog.example/log-1");
	assert_int_equal(s.keyid, 0x1da554fc);
	assert_int_equal(s.alg, ELOG_ALG_ED25519);
	assert_int_equal(elog_key_id(s.name, s.alg, s.pk), 0x1da554fc);
	elog_signer_public(&s, &pub);
	assert_int_equal(elog_verifier_format(&pub, buf, sizeof buf, NULL), 0);
	assert_string_equal(buf, vec("log_verifier_key"));
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
	assert_memory_equal(v.pk, s.pk, 32);
	assert_int_equal(v.keyid, 0x1da554fc);
	/* Too small a buffer. */
	assert_int_equal(elog_signer_format(&s, buf, 20, NULL), -ELOG_INTERNAL);
	assert_int_equal(elog_verifier_format(&v, buf, 20, NULL), -ELOG_INTERNAL);
	elog_signer_wipe(&s);
	assert_int_equal(s.sk[0] | s.sk[63], 0);

	assert_int_equal(elog_verifier_parse(vec("authority_verifier_key"), &v, NULL), 0);
	assert_string_equal(v.name, "authority-1");
	assert_int_equal(v.keyid, 0x2faf693f);

	/* Surrounding whitespace, as in a key file. */
	snprintf(padded, sizeof padded, "  %s\n", vec("log_signer_key"));
	assert_int_equal(elog_signer_parse(padded, &s, NULL), 0);
	assert_int_equal(s.keyid, 0x1da554fc);
	elog_signer_wipe(&s);
	snprintf(padded, sizeof padded, "%s\r\n", vec("log_verifier_key"));
	assert_int_equal(elog_verifier_parse(padded, &v, NULL), 0);
	/* Upper-case hex key ids parse, as in Go. */
	assert_int_equal(elog_verifier_parse("authority-1+2FAF693F+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t", &v, NULL), 0);
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

static void test_malformed_keys(void **state)
{
	static const char *bad_vkeys[] = {
		"",
		"   ",
		"authority-1",
		"authority-1+2faf693f",
		"authority-1+2faf693f+",
		"+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t",
		"authority-1+2faf693+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t",
		"authority-1+2faf693f0+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t",
		"authority-1+2faf693g+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t",
		"authority-1+2faf693e+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t", /* wrong id */
		"authority-2+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t", /* other name */
		"authority-1+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59", /* short */
		"authority-1+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59tAAAA", /* long */
		"authority-1+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo5!t", /* not base64 */
		"authority-1+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59u", /* trailing bits */
		"authority-1+2faf693f+AinkcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t", /* alg 0x02 */
		"author ity-1+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t",
		"PRIVATE+KEY+authority-1+2faf693f+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
	};
	static const char *bad_skeys[] = {
		"",
		"authority-1+2faf693f+AankcTwUAOVFTVmTws6pcPJc2THYPhiCXUYIp2gMo59t",
		"PRIVATE+KEY+authority-1+2faf693f",
		"PRIVATE+KEYS+authority-1+2faf693f+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
		"private+KEY+authority-1+2faf693f+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
		"PRIVATE+KEY+authority-2+2faf693f+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
		"PRIVATE+KEY+authority-1+2faf6930+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
		"PRIVATE+KEY+authority-1+2faf693f+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6",
		"PRIVATE+KEY+authority-1+2faf693f+Alc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
		"PRIVATE+KEY++2faf693f+AVc3QQoNmPs9SElo+cEu3K9QED/cwUEo6krWwwtWJH6r",
	};
	elog_verifier v;
	elog_signer s;
	elog_err_t err;
	char huge[ELOG_KEY_TEXT_MAX + 10];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_vkeys / sizeof bad_vkeys[0]; i++) {
		elog_err_clear(&err);
		if (elog_verifier_parse(bad_vkeys[i], &v, &err) != -ELOG_MALFORMED_KEY)
			fail_msg("verifier key %zu accepted", i);
		assert_int_equal(err.code, ELOG_MALFORMED_KEY);
		assert_true(err.msg[0] != '\0');
	}
	for (i = 0; i < sizeof bad_skeys / sizeof bad_skeys[0]; i++)
		if (elog_signer_parse(bad_skeys[i], &s, NULL) != -ELOG_MALFORMED_KEY)
			fail_msg("signer key %zu accepted", i);
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
	assert_int_equal(json_array_size(cps), 4);
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
		assert_string_equal(sigs[0].name, "envelog.example/log-1");
		assert_int_equal(sigs[0].keyid, 0x1da554fc);
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

static void test_malformed_notes(void **state)
{
	static const char *bad[] = {
		"",
		"hello\n",
		"hello\n\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==", /* no final \n */
		"hello\n\n- envelog.example/log-1 HaVU/Gn9PjN/Usmu3NEzwQZy+H8zolJf/8NWPi7w9GllIA3r5JA/hGRU7hJc8uY0C0fHGVeetd4I5f5BssrlHcXaAgM=\n",
		"hello\n\n\xe2\x80\x94" "envelog.example/log-1 HaVU/A==\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 \n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU\n",        /* 3 bytes */
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A=\n",     /* bad padding */
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A!=\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/B==\n",    /* trailing bits */
		"hello\n\n\xe2\x80\x94 envelog.exa+mple HaVU/A==\n",
		"hello\n\n\xe2\x80\x94  HaVU/A==\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\nextra\n",
		"he\x01llo\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n",
		"he\rllo\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n",
		"he\xffllo\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n",
		"he\xc3llo\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n",
		"he\xed\xa0\x80llo\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n",
		"hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\t\n",
	};
	size_t i;
	int prc;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = verify_str(bad[i], &prc);
		if (prc != -ELOG_MALFORMED_NOTE || rc != -ELOG_MALFORMED_NOTE)
			fail_msg("note %zu: parse %d verify %d", i, prc, rc);
	}
	/* A well-formed note signed by nobody we know. */
	assert_int_equal(verify_str("hello\n\n\xe2\x80\x94 other HaVU/AA=\n", &prc), -ELOG_UNKNOWN_KEY);
	assert_int_equal(prc, 0);
	/* Right name and key id, signature too short or wrong. */
	assert_int_equal(verify_str("hello\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/AAA\n", &prc), -ELOG_BAD_SIGNATURE);
	assert_int_equal(prc, 0);
	/* Embedded NUL: the length says more than strlen. */
	{
		elog_verifier v;
		const char nul[] = "he\0lo\n\n\xe2\x80\x94 envelog.example/log-1 HaVU/A==\n";
		size_t tl;
		assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
		assert_int_equal(elog_note_verify(nul, sizeof nul - 1, &v, &tl, NULL), -ELOG_MALFORMED_NOTE);
		assert_int_equal(elog_note_verify(nul, ELOG_NOTE_MAX + 1, &v, &tl, NULL), -ELOG_MALFORMED_NOTE);
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
