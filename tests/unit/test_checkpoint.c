/* test_checkpoint.c — C2SP tlog-checkpoint and cosignature/v1. */
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

#include "checkpoint.h"
#include "vectors.h"

static void test_vector_checkpoints(void **state)
{
	json_t *cps = json_object_get(notes, "checkpoints");
	json_t *roots = load_vector("tlog/tlog-roots.json");
	elog_signer s;
	elog_verifier v, other;
	size_t i;

	(void)state;
	assert_true(json_array_size(cps) > 0);
	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
	assert_int_equal(elog_verifier_parse(vec("authority_verifier_key"), &other, NULL), 0);
	for (i = 0; i < json_array_size(cps); i++) {
		json_t *c = json_array_get(cps, i);
		const char *text = json_string_value(json_object_get(c, "text"));
		const char *want = json_string_value(json_object_get(c, "signed_note"));
		json_int_t size = json_integer_value(json_object_get(c, "size"));
		elog_checkpoint cp, back;
		char buf[ELOG_CHECKPOINT_TEXT_MAX], key[16];
		char *note = NULL;
		size_t len = 0;
		elog_hash root;

		snprintf(key, sizeof key, "%lld", (long long)size);
		assert_int_equal(elog_hash_from_b64(json_string_value(json_object_get(roots, key)), &root), 0);

		assert_int_equal(elog_checkpoint_parse(text, strlen(text), &cp, NULL), 0);
		/* The log's origin is its key's name. */
		assert_string_equal(cp.origin, vec_key("log_verifier_key").name);
		assert_int_equal(cp.size, (uint64_t)size);
		assert_memory_equal(cp.root.b, root.b, 32);
		assert_int_equal(elog_checkpoint_format(&cp, buf, sizeof buf, &len, NULL), 0);
		assert_int_equal(len, strlen(text));
		assert_memory_equal(buf, text, len);

		assert_int_equal(elog_checkpoint_sign(&cp, &s, &note, &len, NULL), 0);
		assert_string_equal(note, want);
		assert_int_equal(len, strlen(want));
		free(note);

		memset(&back, 0, sizeof back);
		assert_int_equal(elog_checkpoint_open(want, strlen(want), &v, &back, NULL), 0);
		assert_memory_equal(&back, &cp, sizeof cp);
		assert_int_equal(elog_checkpoint_open(want, strlen(want), &other, &back, NULL), -ELOG_UNKNOWN_KEY);
	}
	elog_signer_wipe(&s);
	json_decref(roots);
}

static void test_parse_rules(void **state)
{
	static const char *bad[] = {
		"",
		"origin\n",
		"origin\n5\n",
		"origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",   /* no final \n */
		"origin\n05\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", /* leading zero */
		"origin\n00\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n+5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n 5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n0x5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",   /* unpadded */
		"origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF==\n",
		"origin\n5\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",  /* URL alphabet */
		"origin\n5\nAAAA\n",
		"\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"ori gin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"ori\xffgin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",  /* empty extension */
		"origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\x01\n",
		"origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\xc3\n",
	};
	elog_checkpoint cp;
	elog_err_t err;
	char longtext[ELOG_CHECKPOINT_TEXT_MAX + 100];
	const char *ok;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		elog_err_clear(&err);
		if (elog_checkpoint_parse(bad[i], strlen(bad[i]), &cp, &err) != -ELOG_MALFORMED_CHECKPOINT)
			fail_msg("checkpoint %zu accepted", i);
		assert_int_equal(err.code, ELOG_MALFORMED_CHECKPOINT);
	}
	ok = "origin\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	assert_int_equal(elog_checkpoint_parse(ok, strlen(ok), &cp, NULL), 0);
	assert_int_equal(cp.size, 0);
	ok = "origin\n18446744073709551615\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension one\n\xe2\x80\x94 x\n";
	assert_int_equal(elog_checkpoint_parse(ok, strlen(ok), &cp, NULL), 0);
	assert_true(cp.size == UINT64_MAX);
	/* The length given, not the NUL, bounds the text. */
	assert_int_equal(elog_checkpoint_parse(ok, 30, &cp, NULL), -ELOG_MALFORMED_CHECKPOINT);
	memset(longtext, 'a', sizeof longtext);
	memcpy(longtext, ok, strlen(ok));
	longtext[sizeof longtext - 1] = '\n';
	assert_int_equal(elog_checkpoint_parse(longtext, sizeof longtext, &cp, NULL), -ELOG_MALFORMED_CHECKPOINT);
	/* Formatting refuses a bad origin and a small buffer. */
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "bad origin");
	assert_int_equal(elog_checkpoint_format(&cp, longtext, sizeof longtext, &i, NULL), -ELOG_MALFORMED_CHECKPOINT);
	snprintf(cp.origin, sizeof cp.origin, "good");
	assert_int_equal(elog_checkpoint_format(&cp, longtext, 10, &i, NULL), -ELOG_INTERNAL);
}

static void test_open_rules(void **state)
{
	elog_signer s, t;
	elog_verifier v, tv;
	elog_checkpoint cp;
	elog_err_t err;
	char *note = NULL;
	size_t len;

	(void)state;
	assert_int_equal(elog_signer_parse(vec("log_signer_key"), &s, NULL), 0);
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &v, NULL), 0);
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", "another/origin");
	cp.size = 3;
	/* The log signs only its own origin. */
	assert_int_equal(elog_checkpoint_sign(&cp, &s, &note, &len, &err), -ELOG_MALFORMED_CHECKPOINT);
	assert_null(note);
	/* A key named like the origin must still be the log key. */
	assert_int_equal(elog_signer_generate("another/origin", &t, NULL), 0);
	assert_int_equal(elog_checkpoint_sign(&cp, &t, &note, &len, NULL), 0);
	elog_signer_public(&t, &tv);
	assert_int_equal(elog_checkpoint_open(note, len, &tv, &cp, NULL), 0);
	assert_int_equal(elog_checkpoint_open(note, len, &v, &cp, NULL), -ELOG_UNKNOWN_KEY);
	free(note);
	/* A signed note that is not a checkpoint. */
	assert_int_equal(elog_note_sign("hello\n", 6, &s, &note, &len, NULL), 0);
	assert_int_equal(elog_checkpoint_open(note, len, &v, &cp, NULL), -ELOG_MALFORMED_CHECKPOINT);
	free(note);
	/* A checkpoint of another origin signed with the log key's name. */
	{
		const char *text = "other.example/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
		assert_int_equal(elog_note_sign(text, strlen(text), &s, &note, &len, NULL), 0);
		assert_int_equal(elog_checkpoint_open(note, len, &v, &cp, &err), -ELOG_MALFORMED_CHECKPOINT);
		free(note);
	}
	elog_signer_wipe(&s);
	elog_signer_wipe(&t);
}

static void make_witness(const char *name, elog_signer *w, elog_verifier *wv)
{
	assert_int_equal(elog_signer_generate(name, w, NULL), 0);
	w->alg = ELOG_ALG_COSIGNATURE_V1;
	w->keyid = elog_key_id(w->name, w->alg, w->pk);
	elog_signer_public(w, wv);
}

static void test_cosignature(void **state)
{
	json_t *cps = json_object_get(notes, "checkpoints");
	json_t *c = json_array_get(cps, json_array_size(cps) - 1); /* the largest */
	const char *text = json_string_value(json_object_get(c, "text"));
	size_t tl = strlen(text);
	elog_signer w, w2;
	elog_verifier wv, wv2, logv;
	char line[256], forged[256], msg[512];
	uint8_t raw[76];
	size_t raw_len = 0, ll;
	uint64_t t = 0;
	elog_err_t err;
	const char *b64;
	int n;

	(void)state;
	make_witness("witness.example/w1", &w, &wv);
	make_witness("witness.example/w1", &w2, &wv2); /* same name, other key */

	assert_int_equal(elog_cosign(text, tl, &w, 1700000000, line, sizeof line, NULL), 0);
	ll = strlen(line);
	assert_int_equal(strncmp(line, "\xe2\x80\x94 witness.example/w1 ", 23), 0);
	assert_int_equal(line[ll - 1], '\n');
	assert_int_equal(elog_cosignature_verify(text, tl, line, ll, &wv, &t, NULL), 0);
	assert_true(t == 1700000000);
	t = 0;
	assert_int_equal(elog_cosignature_verify(text, tl, line, ll - 1, &wv, &t, NULL), 0);
	assert_true(t == 1700000000);

	/* The line holds keyid || time || signature over the C2SP message. */
	b64 = line + 23;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, ll - 24, NULL, &raw_len, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(raw_len, 76);
	assert_int_equal((uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3], wv.keyid);
	assert_int_equal(raw[4] | raw[5] | raw[6] | raw[7], 0);
	assert_int_equal((uint32_t)raw[8] << 24 | (uint32_t)raw[9] << 16 | (uint32_t)raw[10] << 8 | raw[11], 1700000000);
	n = snprintf(msg, sizeof msg, "cosignature/v1\ntime 1700000000\n%s", text);
	assert_true(n > 0 && (size_t)n < sizeof msg);
	assert_int_equal(crypto_sign_ed25519_verify_detached(raw + 12, (const unsigned char *)msg, (size_t)n, wv.pk), 0);

	/* Wrong checkpoint, wrong key, other key of the same name. */
	{
		json_t *c0 = json_array_get(json_object_get(notes, "checkpoints"), 0);
		const char *t0 = json_string_value(json_object_get(c0, "text"));
		assert_int_equal(elog_cosignature_verify(t0, strlen(t0), line, ll, &wv, &t, &err), -ELOG_BAD_SIGNATURE);
	}
	assert_int_equal(elog_cosignature_verify(text, tl, line, ll, &wv2, &t, &err), -ELOG_BAD_SIGNATURE);

	/* Forged: the time changed after signing. */
	memcpy(forged, line, ll + 1);
	raw[11] ^= 1;
	sodium_bin2base64(forged + 23, sizeof forged - 23, raw, 76, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(elog_cosignature_verify(text, tl, forged, strlen(forged), &wv, &t, &err), -ELOG_BAD_SIGNATURE);
	assert_int_equal(err.code, ELOG_BAD_SIGNATURE);
	/* Forged: a signature by another witness key under our key id. */
	assert_int_equal(elog_cosign(text, tl, &w2, 1700000000, forged, sizeof forged, NULL), 0);
	assert_int_equal(sodium_base642bin(raw, sizeof raw, forged + 23, strlen(forged) - 24, NULL, &raw_len, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	raw[0] = (uint8_t)(wv.keyid >> 24);
	raw[1] = (uint8_t)(wv.keyid >> 16);
	raw[2] = (uint8_t)(wv.keyid >> 8);
	raw[3] = (uint8_t)wv.keyid;
	sodium_bin2base64(forged + 23, sizeof forged - 23, raw, 76, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(elog_cosignature_verify(text, tl, forged, strlen(forged), &wv, &t, &err), -ELOG_BAD_SIGNATURE);

	/* Malformed lines. */
	assert_int_equal(elog_cosignature_verify(text, tl, "garbage", 7, &wv, &t, NULL), -ELOG_MALFORMED_COSIGNATURE);
	assert_int_equal(elog_cosignature_verify(text, tl, line + 4, ll - 4, &wv, &t, NULL), -ELOG_MALFORMED_COSIGNATURE);
	assert_int_equal(elog_cosignature_verify(text, tl, line, ll - 3, &wv, &t, NULL), -ELOG_MALFORMED_COSIGNATURE);
	memcpy(forged, line, ll + 1);
	forged[30] = '!';
	assert_int_equal(elog_cosignature_verify(text, tl, forged, ll, &wv, &t, NULL), -ELOG_MALFORMED_COSIGNATURE);
	{
		char two[512];
		n = snprintf(two, sizeof two, "%s%s", line, line);
		assert_int_equal(elog_cosignature_verify(text, tl, two, (size_t)n, &wv, &t, NULL), -ELOG_MALFORMED_COSIGNATURE);
	}
	/* Another witness name. */
	{
		elog_signer w3;
		elog_verifier wv3;
		make_witness("witness.example/w3", &w3, &wv3);
		assert_int_equal(elog_cosignature_verify(text, tl, line, ll, &wv3, &t, NULL), -ELOG_UNKNOWN_KEY);
		elog_signer_wipe(&w3);
	}
	/* Keys of the wrong kind, a bad checkpoint, a small buffer. */
	assert_int_equal(elog_verifier_parse(vec("log_verifier_key"), &logv, NULL), 0);
	assert_int_equal(elog_cosignature_verify(text, tl, line, ll, &logv, &t, NULL), -ELOG_MALFORMED_KEY);
	w2.alg = ELOG_ALG_ED25519;
	assert_int_equal(elog_cosign(text, tl, &w2, 1, line, sizeof line, NULL), -ELOG_MALFORMED_KEY);
	assert_int_equal(elog_cosign("nope\n", 5, &w, 1, line, sizeof line, NULL), -ELOG_MALFORMED_CHECKPOINT);
	assert_int_equal(elog_cosign(text, tl, &w, 1, line, 50, NULL), -ELOG_INTERNAL);
	/* The largest time C2SP allows (2^63 - 1) round-trips; 2^63 and more
	 * is neither made nor accepted, even correctly signed. */
	assert_int_equal(elog_cosign(text, tl, &w, (uint64_t)INT64_MAX, line, sizeof line, NULL), 0);
	assert_int_equal(elog_cosignature_verify(text, tl, line, strlen(line), &wv, &t, NULL), 0);
	assert_true(t == (uint64_t)INT64_MAX);
	assert_int_equal(elog_cosign(text, tl, &w, UINT64_MAX, line, sizeof line, &err), -ELOG_OUT_OF_RANGE);
	assert_int_equal(elog_cosign(text, tl, &w, (uint64_t)INT64_MAX + 1, line, sizeof line, &err), -ELOG_OUT_OF_RANGE);
	{
		uint64_t big = (uint64_t)INT64_MAX + 1;
		int k;
		n = snprintf(msg, sizeof msg, "cosignature/v1\ntime %llu\n%s", (unsigned long long)big, text);
		assert_true(n > 0 && (size_t)n < sizeof msg);
		for (k = 0; k < 4; k++)
			raw[k] = (uint8_t)(wv.keyid >> (24 - 8 * k));
		for (k = 0; k < 8; k++)
			raw[4 + k] = (uint8_t)(big >> (56 - 8 * k));
		assert_int_equal(crypto_sign_ed25519_detached(raw + 12, NULL, (const unsigned char *)msg, (size_t)n, w.sk), 0);
		memcpy(forged, "\xe2\x80\x94 witness.example/w1 ", 23);
		sodium_bin2base64(forged + 23, sizeof forged - 23, raw, 76, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(crypto_sign_ed25519_verify_detached(raw + 12, (const unsigned char *)msg, (size_t)n, wv.pk), 0);
		assert_int_equal(elog_cosignature_verify(text, tl, forged, strlen(forged), &wv, &t, &err), -ELOG_MALFORMED_COSIGNATURE);
	}
	/* A cosignature line rides in the note after the log's signature. */
	{
		const char *signed_note = json_string_value(json_object_get(c, "signed_note"));
		char both[1024];
		elog_checkpoint cp;
		n = snprintf(both, sizeof both, "%s%s", signed_note, line);
		assert_true(n > 0 && (size_t)n < sizeof both);
		assert_int_equal(elog_checkpoint_open(both, (size_t)n, &logv, &cp, NULL), 0);
		assert_int_equal(cp.size, json_integer_value(json_object_get(c, "size")));
	}
	elog_signer_wipe(&w);
	elog_signer_wipe(&w2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_checkpoints),
		cmocka_unit_test(test_parse_rules),
		cmocka_unit_test(test_open_rules),
		cmocka_unit_test(test_cosignature),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, notes_setup, notes_teardown);
}
