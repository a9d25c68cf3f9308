/* test_shard.c — the entries of a root log and the shard statements in
 * them. */
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
#include "checkpoint.h"
#include "entry.h"
#include "note.h"
#include "shard.h"

#define ORIGIN "shard.example/a"
#define TS 1711234567890LL

static elog_signer key, other;
static char vkey[ELOG_KEY_TEXT_MAX], other_vkey[ELOG_KEY_TEXT_MAX];

static int setup(void **state)
{
	elog_verifier v;

	(void)state;
	if (elog_signer_generate(ORIGIN, &key, NULL) ||
	    elog_signer_generate("shard.example/b", &other, NULL))
		return -1;
	elog_signer_public(&key, &v);
	if (elog_verifier_format(&v, vkey, sizeof vkey, NULL))
		return -1;
	elog_signer_public(&other, &v);
	return elog_verifier_format(&v, other_vkey, sizeof other_vkey, NULL);
}

/* A signed checkpoint of ORIGIN at size 7, opened: cp and its signature. */
static void signed_cp(elog_checkpoint *cp, uint8_t sig[ELOG_SHARD_SIG_LEN])
{
	elog_checkpoint c;
	elog_verifier v;
	char *note = NULL;
	size_t len = 0;

	memset(&c, 0, sizeof c);
	strcpy(c.origin, ORIGIN);
	c.size = 7;
	memset(c.root.b, 0x5a, ELOG_HASH_LEN);
	assert_int_equal(elog_checkpoint_sign(&c, &key, &note, &len, NULL), 0);
	elog_signer_public(&key, &v);
	assert_int_equal(elog_shard_checkpoint_open(note, len, &v, cp, sig,
						    NULL),
			 0);
	assert_int_equal(cp->size, 7);
	free(note);
}

/* The entry of kind built from the signed checkpoint; data in *e. */
static void build(int kind, elog_entry *e)
{
	elog_shard_entry s;

	memset(&s, 0, sizeof s);
	s.kind = kind;
	s.ts = TS;
	s.origin = ORIGIN;
	s.vkey = vkey;
	s.reason = "fork";
	s.registry = 3;
	signed_cp(&s.cp, s.signature);
	assert_int_equal(elog_shard_entry_build(&s, e, NULL), 0);
	assert_int_equal(e->kind, kind);
	assert_int_equal(e->ts, TS);
}

static void test_shard_add_canonical(void **state)
{
	char want[1024];
	elog_entry e, back;

	(void)state;
	build(ELOG_KIND_SHARD_ADD, &e);
	snprintf(want, sizeof want,
		 "{\"kind\":\"shard_add\",\"origin\":\"" ORIGIN
		 "\",\"ts\":%lld,\"vkey\":\"%s\"}",
		 TS, vkey);
	assert_string_equal(e.data, want);
	assert_int_equal(elog_entry_from_data(e.data, e.len, &back, NULL), 0);
	assert_int_equal(back.kind, ELOG_KIND_SHARD_ADD);
	assert_int_equal(back.ts, TS);
	elog_entry_free(&back);
	elog_entry_free(&e);
}

static void test_kinds_accepted(void **state)
{
	static const char *const fields[] = {
		[ELOG_KIND_SHARD] = "{\"kind\":\"shard\",\"origin\":\"" ORIGIN
				    "\",\"registry\":3,\"root\":",
		[ELOG_KIND_SHARD_REFUSAL] =
			"{\"kind\":\"shard_refusal\",\"origin\":\"" ORIGIN
			"\",\"reason\":\"fork\",\"root\":",
		[ELOG_KIND_SHARD_RETIRE] =
			"{\"kind\":\"shard_retire\",\"origin\":\"" ORIGIN
			"\",\"root\":",
		[ELOG_KIND_SHARD_CLOSE] =
			"{\"kind\":\"shard_close\",\"origin\":\"" ORIGIN
			"\",\"root\":",
	};
	elog_entry e, back;
	int k;

	(void)state;
	for (k = ELOG_KIND_SHARD; k <= ELOG_KIND_SHARD_CLOSE; k++) {
		build(k, &e);
		assert_memory_equal(e.data, fields[k], strlen(fields[k]));
		assert_non_null(strstr(e.data, ",\"size\":7,\"ts\":"));
		assert_int_equal(strstr(e.data, "\"signature\":") != NULL,
				 k == ELOG_KIND_SHARD ||
					 k == ELOG_KIND_SHARD_REFUSAL);
		assert_int_equal(elog_entry_from_data(e.data, e.len, &back,
						      NULL),
				 0);
		assert_int_equal(back.kind, k);
		assert_true(elog_kind_is_root(k));
		elog_entry_free(&back);
		elog_entry_free(&e);
	}
	assert_false(elog_kind_is_root(ELOG_KIND_PURGE));
	assert_string_equal(elog_kind_name(ELOG_KIND_SHARD_REFUSAL),
			    "shard_refusal");
	assert_int_equal(elog_kind_from_name("shard_close"),
			 ELOG_KIND_SHARD_CLOSE);
}

/* The canonical data of e with field set to val (stolen; NULL: removed)
 * must be refused by elog_entry_from_data with code on field. */
static void refused(const elog_entry *e, const char *field, json_t *val,
		    int code, const char *err_field)
{
	json_t *obj = NULL;
	elog_entry back;
	elog_err_t err;
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(elog_json_load(e->data, e->len, &obj, NULL), 0);
	if (val)
		json_object_set_new(obj, field, val);
	else
		json_object_del(obj, field);
	assert_int_equal(elog_canon_dump(obj, &data, &len, NULL), 0);
	elog_err_clear(&err);
	assert_int_equal(elog_entry_from_data(data, len, &back, &err), -code);
	assert_int_equal(err.code, code);
	assert_string_equal(err.field, err_field);
	free(data);
	json_decref(obj);
}

static void test_wrong_fields(void **state)
{
	static const char *const all[] = {"origin", "reason",	 "registry",
					  "root",   "signature", "size",
					  "vkey"};
	elog_entry e;
	size_t i;
	int k;

	(void)state;
	for (k = ELOG_KIND_SHARD_ADD; k <= ELOG_KIND_SHARD_CLOSE; k++) {
		build(k, &e);
		refused(&e, "extra", json_integer(1), ELOG_UNKNOWN_FIELD,
			"extra");
		for (i = 0; i < sizeof all / sizeof all[0]; i++) {
			char quoted[32];
			int has;
			const char *f = all[i];
			int is_int = !strcmp(f, "registry") ||
				     !strcmp(f, "size");
			snprintf(quoted, sizeof quoted, "\"%s\":", f);
			has = strstr(e.data, quoted) != NULL;
			if (!has) {
				refused(&e, f, json_string("x"),
					ELOG_UNKNOWN_FIELD, f);
				continue;
			}
			refused(&e, f, NULL, ELOG_MISSING_FIELD, f);
			refused(&e, f,
				is_int ? json_string("7") : json_integer(7),
				ELOG_WRONG_TYPE, f);
		}
		refused(&e, "ts", json_string("1"), ELOG_WRONG_TYPE, "ts");
		refused(&e, "origin", json_string("a+b"), ELOG_INVALID_VALUE,
			"origin");
		if (k != ELOG_KIND_SHARD_ADD) {
			refused(&e, "root", json_string("AAAA"),
				ELOG_INVALID_VALUE, "root");
		}
		elog_entry_free(&e);
	}
}

static void test_wrong_values(void **state)
{
	char hash_b64[ELOG_HASH_B64_LEN];
	elog_entry e;
	elog_hash h;

	(void)state;
	memset(h.b, 1, sizeof h.b);
	elog_hash_to_b64(&h, hash_b64);
	build(ELOG_KIND_SHARD_ADD, &e);
	refused(&e, "vkey", json_string(other_vkey), ELOG_INVALID_VALUE,
		"vkey"); /* a key named after another origin */
	refused(&e, "vkey", json_string("not a key"), ELOG_INVALID_VALUE,
		"vkey");
	elog_entry_free(&e);
	build(ELOG_KIND_SHARD, &e);
	refused(&e, "signature", json_string(hash_b64), ELOG_INVALID_VALUE,
		"signature"); /* 32 bytes, not 68 */
	refused(&e, "registry", json_integer(0), ELOG_OUT_OF_RANGE, "registry");
	elog_entry_free(&e);
	build(ELOG_KIND_SHARD_REFUSAL, &e);
	refused(&e, "reason", json_string("stale"), ELOG_INVALID_VALUE,
		"reason");
	elog_entry_free(&e);
}

static void test_signature(void **state)
{
	uint8_t sig[ELOG_SHARD_SIG_LEN];
	elog_verifier v, w;
	elog_checkpoint cp;
	json_t *obj = NULL;
	elog_entry e;
	elog_err_t err;

	(void)state;
	elog_signer_public(&key, &v);
	elog_signer_public(&other, &w);
	signed_cp(&cp, sig);
	assert_int_equal(elog_shard_sig_verify(&v, ORIGIN, 7, &cp.root, sig,
					       NULL),
			 0);
	assert_int_equal(elog_shard_sig_verify(&v, ORIGIN, 8, &cp.root, sig,
					       &err),
			 -ELOG_BAD_SIGNATURE);
	assert_int_equal(elog_shard_sig_verify(&w, ORIGIN, 7, &cp.root, sig,
					       &err),
			 -ELOG_MALFORMED_KEY);
	sig[10] ^= 1;
	assert_int_equal(elog_shard_sig_verify(&v, ORIGIN, 7, &cp.root, sig,
					       &err),
			 -ELOG_BAD_SIGNATURE);

	build(ELOG_KIND_SHARD, &e);
	assert_int_equal(elog_json_load(e.data, e.len, &obj, NULL), 0);
	assert_int_equal(elog_shard_entry_verify(obj, &v, NULL), 0);
	json_object_set_new(obj, "size", json_integer(6));
	assert_int_equal(elog_shard_entry_verify(obj, &v, &err),
			 -ELOG_BAD_SIGNATURE);
	json_object_set_new(obj, "kind", json_string("shard_close"));
	assert_int_equal(elog_shard_entry_verify(obj, &v, &err),
			 -ELOG_INVALID_VALUE);
	json_decref(obj);
	elog_entry_free(&e);
}

static void test_open_refuses(void **state)
{
	uint8_t sig[ELOG_SHARD_SIG_LEN];
	elog_checkpoint c, cp;
	elog_verifier w;
	char *note = NULL;
	size_t len = 0;

	(void)state;
	memset(&c, 0, sizeof c);
	strcpy(c.origin, ORIGIN);
	c.size = 3;
	assert_int_equal(elog_checkpoint_sign(&c, &key, &note, &len, NULL), 0);
	elog_signer_public(&other, &w);
	/* a key that is not the shard's */
	assert_true(elog_shard_checkpoint_open(note, len, &w, &cp, sig, NULL) <
		    0);
	free(note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_add_canonical),
		cmocka_unit_test(test_kinds_accepted),
		cmocka_unit_test(test_wrong_fields),
		cmocka_unit_test(test_wrong_values),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_open_refuses),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
