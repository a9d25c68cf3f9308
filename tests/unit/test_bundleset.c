/*
 * test_bundleset.c — bundle sets (bundleset.h): two real shard logs answer
 * one warrant naming their root; the root's entries for them are built in
 * memory and signed by a root key; the set verifies, and every tampering
 * with it is refused naming the shard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "bundleset.h"
#include "canon.h"
#include "checkpoint.h"
#include "keyring.h"
#include "logfx.h"
#include "request.h"
#include "shard.h"
#include "warrant.h"

#define ROOT "root.example/root"
#define SA "shard-a.example/log"
#define SB "shard-b.example/log"
#define SUBJ "+447700900123"
#define OTHER "+447700900777"
#define T0 1700000000000LL
#define DAY 86400000LL
#define NSHARDS 2

typedef struct shard {
	logfx *log;
	json_t *bundle;
	uint64_t size; /* the checkpoint the root recorded (> the bundle's) */
	elog_hash root;
	char sig[sodium_base64_ENCODED_LEN(ELOG_SHARD_SIG_LEN,
					   sodium_base64_VARIANT_ORIGINAL)];
	json_t *consistency;
	uint64_t records;
} shard;

typedef struct sfx {
	elog_signer nca, root;
	elog_verifier root_vk;
	char *warrant;
	char sha[65];
	shard s[NSHARDS];
	json_t *set; /* the good set */
} sfx;

static json_t *proof_json(const elog_hash *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char b64[ELOG_HASH_B64_LEN];
		elog_hash_to_b64(&p[i], b64);
		json_array_append_new(a, json_string(b64));
	}
	return a;
}

/* Shard i: events, the warrant answered, then one more event; the root
 * records that last checkpoint. */
static void make_shard(sfx *f, shard *sh, const char *origin, int nmatch)
{
	elog_verifier v;
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_request rq;
	elog_outcome o;
	elog_commit c, c2;
	elog_policy p = {.now_ms = elog_now_ms(),
			 .max_window_ms = 366 * DAY,
			 .max_subjects = 10,
			 .root_origin = ROOT};
	elog_hash proof[ELOG_MAX_PROOF];
	size_t np = 0;
	elog_err_t err;
	json_t *ev;
	elog_entry e;

	sh->log = logfx_new(origin);
	elog_signer_public(&f->nca, &v);
	assert_int_equal(elog_verifier_format(&v, vkey, sizeof vkey, &err), 0);
	assert_int_equal(elog_keyring_add(sh->log->w, ELOG_KEYRING_AUTHORITY,
					  "uk-nca", vkey, &err),
			 0);
	for (int i = 0; i < nmatch; i++)
		logfx_event(sh->log, SUBJ, OTHER, T0 + i * DAY);
	logfx_event(sh->log, OTHER, OTHER, T0 + DAY);
	assert_int_equal(elog_request_open(sh->log->w, "uk-nca", f->warrant,
					   strlen(f->warrant), &rq, &err),
			 0);
	assert_int_equal(elog_store_begin(sh->log->w, &err), 0);
	assert_int_equal(elog_request_apply(sh->log->w, &rq, &p, 100, &o, &err),
			 0);
	assert_null(o.refusal);
	memset(&c, 0, sizeof c);
	assert_int_equal(elog_store_commit(sh->log->w, &sh->log->sk,
					   elog_now_ms(), &c, &err),
			 0);
	assert_int_equal(elog_bundle_build(sh->log->w, &o, c.checkpoint,
					   c.size, &sh->bundle, &err),
			 0);
	sh->records = o.nrecords;
	/* The log grows on; the root records the later checkpoint. */
	ev = json_pack("{s:I,s:s,s:s,s:s,s:i}", "ts", (json_int_t)T0, "sender",
		       OTHER, "recipient", OTHER, "type", "message", "size",
		       1);
	assert_int_equal(elog_event_from_json(ev, 0, &sh->log->rules, &e, &err),
			 0);
	json_decref(ev);
	memset(&c2, 0, sizeof c2);
	assert_int_equal(elog_store_append(sh->log->w, &e, 1, &sh->log->sk,
					   elog_now_ms(), &c2, &err),
			 0);
	elog_entry_free(&e);
	sh->size = c2.size;
	sh->root = c2.root;
	{
		elog_checkpoint cp;
		uint8_t raw[ELOG_SHARD_SIG_LEN];
		assert_int_equal(elog_shard_checkpoint_open(c2.checkpoint,
							    c2.checkpoint_len,
							    &sh->log->vk, &cp,
							    raw, &err),
				 0);
		sodium_bin2base64(sh->sig, sizeof sh->sig, raw, sizeof raw,
				  sodium_base64_VARIANT_ORIGINAL);
	}
	assert_int_equal(elog_store_prove_consistency(sh->log->w, c.size,
						      c2.size, proof, &np,
						      &err),
			 0);
	sh->consistency = proof_json(proof, np);
	elog_commit_free(&c);
	elog_commit_free(&c2);
	elog_outcome_free(&o);
	elog_request_free(&rq);
}

static json_t *shard_entry(const shard *sh, const char *origin, int registry)
{
	char r[ELOG_HASH_B64_LEN];
	elog_hash_to_b64(&sh->root, r);
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:I,s:I}", "kind", "shard",
			 "origin", origin, "registry", registry, "root", r,
			 "signature", sh->sig, "size", (json_int_t)sh->size,
			 "ts", (json_int_t)T0);
}

/* A root log in memory over entries[0..n): the proved entry of seq i. */
static json_t *proved(json_t **entries, size_t n, size_t i)
{
	elog_hash leaves[8], proof[ELOG_MAX_PROOF];
	elog_leaf_array arr = {leaves, n};
	size_t np = 0;
	elog_err_t err;

	for (size_t k = 0; k < n; k++) {
		char *c = NULL;
		size_t len = 0;
		assert_int_equal(elog_canon_dump(entries[k], &c, &len, &err),
				 0);
		elog_leaf_hash(c, len, &leaves[k]);
		free(c);
	}
	assert_int_equal(elog_prove_inclusion(i, n, elog_leaf_array_reader,
					      &arr, proof, &np, &err),
			 0);
	return json_pack("{s:I,s:O,s:o}", "seq", (json_int_t)i, "entry",
			 entries[i], "proof", proof_json(proof, np));
}

/* The root's checkpoint over entries[0..n), signed by key. */
static char *root_checkpoint(json_t **entries, size_t n, const elog_signer *key)
{
	elog_hash leaves[8];
	elog_checkpoint cp;
	char *note = NULL;
	elog_err_t err;

	for (size_t k = 0; k < n; k++) {
		char *c = NULL;
		size_t len = 0;
		assert_int_equal(elog_canon_dump(entries[k], &c, &len, &err),
				 0);
		elog_leaf_hash(c, len, &leaves[k]);
		free(c);
	}
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", key->name);
	cp.size = n;
	elog_root_of_leaves(leaves, n, &cp.root);
	assert_int_equal(elog_checkpoint_sign(&cp, key, &note, NULL, &err), 0);
	return note;
}

static const char *const origins[NSHARDS] = {SA, SB};

/* A set of both shards under a root log holding both registrations, then
 * both recorded checkpoints; with swap >= 0, shard swap's recorded entry
 * carries the other shard's signature (a root that recorded a checkpoint
 * its shard never signed); with swap -2, the first registration has a
 * field of no root entry. */
static json_t *build_set(sfx *f, int swap)
{
	json_t *entries[2 * NSHARDS], *shards, *set;
	char *cp;

	for (int i = 0; i < NSHARDS; i++)
		entries[i] = json_pack("{s:s,s:s,s:I,s:s}", "kind",
				       "shard_add", "origin", origins[i], "ts",
				       (json_int_t)T0, "vkey",
				       f->s[i].log->vkey);
	if (swap == -2) /* a field no shard_add has */
		json_object_set_new(entries[0], "note", json_string("x"));
	for (int i = 0; i < NSHARDS; i++) {
		entries[NSHARDS + i] = shard_entry(&f->s[i], origins[i],
						   NSHARDS);
		if (i == swap)
			json_object_set_new(entries[NSHARDS + i], "signature",
					    json_string(f->s[(i + 1) % NSHARDS]
								.sig));
	}
	cp = root_checkpoint(entries, 2 * NSHARDS, &f->root);
	shards = json_array();
	for (int i = 0; i < NSHARDS; i++)
		json_array_append_new(shards,
				      json_pack("{s:s,s:o,s:o,s:O,s:O}",
						"origin", origins[i],
						"registration",
						proved(entries, 2 * NSHARDS,
						       (size_t)i),
						"recorded",
						proved(entries, 2 * NSHARDS,
						       (size_t)(NSHARDS + i)),
						"consistency",
						f->s[i].consistency, "bundle",
						f->s[i].bundle));
	set = json_pack("{s:s,s:s,s:s,s:o,s:[]}", "bundle_set",
			ELOG_BUNDLE_SET_FORMAT, "root_checkpoint", cp,
			"warrant_sha256", f->sha, "shards", shards, "missing");
	assert_non_null(set);
	free(cp);
	for (int i = 0; i < 2 * NSHARDS; i++)
		json_decref(entries[i]);
	return set;
}

static int setup(void **state)
{
	sfx *f = calloc(1, sizeof *f);
	char text[1024], t1[32], t2[32], t3[32];
	elog_hash h;
	elog_err_t err;
	int k;

	assert_non_null(f);
	assert_int_equal(elog_signer_generate("uk-nca", &f->nca, &err), 0);
	assert_int_equal(elog_signer_generate(ROOT, &f->root, &err), 0);
	elog_signer_public(&f->root, &f->root_vk);
	k = snprintf(text, sizeof text,
		     "envelog/warrant/v1\nid W-1\nauthority uk-nca\nlog %s\n"
		     "subject %s\nfrom %s\nto %s\nexpires %s\nbasis Test Act "
		     "s.1\n",
		     ROOT, SUBJ, logfx_time(T0, t1),
		     logfx_time(T0 + 10 * DAY, t2),
		     logfx_time(elog_now_ms() + DAY, t3));
	assert_true(k > 0 && (size_t)k < sizeof text);
	f->warrant = logfx_sign(&f->nca, text);
	elog_sha256(f->warrant, strlen(f->warrant), &h);
	elog_hash_to_hex(&h, f->sha);
	make_shard(f, &f->s[0], SA, 3);
	make_shard(f, &f->s[1], SB, 2);
	f->set = build_set(f, -1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	sfx *f = *state;
	for (int i = 0; i < NSHARDS; i++) {
		json_decref(f->s[i].bundle);
		json_decref(f->s[i].consistency);
		logfx_free(f->s[i].log);
	}
	json_decref(f->set);
	free(f->warrant);
	elog_signer_wipe(&f->nca);
	elog_signer_wipe(&f->root);
	free(f);
	return 0;
}

/* Verify set (then freed) with vk; the status, rep and err filled. */
static int verify(json_t *set, const elog_verifier *vk,
		  elog_bundle_set_report *rep, elog_err_t *err)
{
	char *text = json_dumps(set, JSON_COMPACT);
	int rc;

	assert_non_null(text);
	json_decref(set);
	elog_err_clear(err);
	rc = elog_bundle_set_verify(text, strlen(text), vk, rep, err);
	free(text);
	return rc;
}

/* A deep copy of the good set. */
static json_t *copy(sfx *f)
{
	return json_deep_copy(f->set);
}

static json_t *shard_of(json_t *set, size_t i)
{
	return json_array_get(json_object_get(set, "shards"), i);
}

static void test_good(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	char *text = json_dumps(f->set, JSON_COMPACT);

	assert_true(elog_bundle_is_set(text, strlen(text)));
	free(text);
	assert_int_equal(verify(copy(f), &f->root_vk, &rep, &err), 0);
	assert_int_equal(rep.shards, NSHARDS);
	assert_int_equal(rep.records, 5);
	assert_int_equal(rep.records, f->s[0].records + f->s[1].records);
	assert_int_equal(rep.root_size, 2 * NSHARDS);
	assert_string_equal(rep.shard, "");
	/* A plain bundle is not a set. */
	text = json_dumps(f->s[0].bundle, JSON_COMPACT);
	assert_false(elog_bundle_is_set(text, strlen(text)));
	free(text);
}

static void test_record_altered(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	json_t *set = copy(f);
	json_t *rec = json_object_get(
		json_array_get(json_object_get(json_object_get(shard_of(set, 1),
							       "bundle"),
					       "records"),
			       0),
		"record");

	json_object_set_new(rec, "recipient", json_string("+447700900999"));
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_PROOF_INVALID);
	assert_string_equal(rep.shard, SB);
	assert_non_null(strstr(err.msg, "shard " SB ": bundle: record 0"));
}

static void test_shard_dropped(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	json_t *set = copy(f);

	json_array_remove(json_object_get(set, "shards"), 0);
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_INCONSISTENT);
	assert_string_equal(rep.shard, SB);
	assert_non_null(strstr(err.msg, "2 shards registered"));
	assert_non_null(strstr(err.msg, "the set has 1"));
}

static void test_recorded_from_other_shard(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	json_t *set = copy(f);

	json_object_set(shard_of(set, 0), "recorded",
			json_object_get(shard_of(set, 1), "recorded"));
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_PROOF_INVALID);
	assert_string_equal(rep.shard, SA);
	assert_non_null(strstr(err.msg, "not a shard entry for " SA));
}

static void test_wrong_root_key(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	elog_signer other;
	elog_verifier ov;

	assert_int_equal(elog_signer_generate(ROOT, &other, &err), 0);
	elog_signer_public(&other, &ov);
	elog_signer_wipe(&other);
	assert_int_equal(verify(copy(f), &ov, &rep, &err), -ELOG_BAD_SIGNATURE);
	assert_non_null(strstr(err.msg, "root checkpoint"));
}

static void test_missing_and_duplicates(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	json_t *set = copy(f);

	json_array_append_new(json_object_get(set, "missing"),
			      json_pack("{s:s,s:s,s:s}", "origin",
					"shard-c.example/log", "error",
					"unreachable", "message", "refused"));
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_INCONSISTENT);
	assert_string_equal(rep.shard, "shard-c.example/log");
	set = copy(f);
	json_array_append(json_object_get(set, "shards"), shard_of(set, 0));
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_MALFORMED_BUNDLE);
	assert_non_null(strstr(err.msg, "appears twice"));
}

static void test_consistency_and_warrant(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	json_t *set = copy(f), *c;
	char b64[ELOG_HASH_B64_LEN];

	c = json_object_get(shard_of(set, 0), "consistency");
	assert_true(json_array_size(c) > 0);
	elog_hash_to_b64(&ELOG_EMPTY_ROOT, b64);
	json_array_set_new(c, 0, json_string(b64));
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_INCONSISTENT);
	assert_string_equal(rep.shard, SA);
	set = copy(f);
	json_object_set_new(set, "warrant_sha256",
			    json_string("00000000000000000000000000000000"
					"00000000000000000000000000000000"));
	assert_int_equal(verify(set, &f->root_vk, &rep, &err),
			 -ELOG_PROOF_INVALID);
	assert_non_null(strstr(err.msg, "another warrant"));
}

/* The root recorded, and signed, a checkpoint the shard never signed. */
static void test_unsigned_recorded(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;

	assert_int_equal(verify(build_set(f, 0), &f->root_vk, &rep, &err),
			 -ELOG_BAD_SIGNATURE);
	assert_string_equal(rep.shard, SA);
	assert_non_null(strstr(err.msg, "shard " SA ": recorded checkpoint"));
}

/* A root entry that is not of the root kinds' exact form. */
static void test_not_a_root_entry(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;

	assert_int_equal(verify(build_set(f, -2), &f->root_vk, &rep, &err),
			 -ELOG_MALFORMED_BUNDLE);
	assert_string_equal(rep.shard, SA);
	assert_non_null(strstr(err.msg, "not a valid shard_add entry"));
}

static void test_check_warrant(void **state)
{
	sfx *f = *state;
	elog_bundle_set_report rep;
	elog_err_t err;
	char *text = json_dumps(f->set, JSON_COMPACT), *other;
	char t2[1024];

	assert_int_equal(elog_bundle_set_check_warrant(text, strlen(text),
						       f->warrant,
						       strlen(f->warrant),
						       &rep, &err),
			 0);
	assert_int_equal(rep.shards, NSHARDS);
	/* The same warrant but another id: every disclosure is of another
	 * warrant, the first shard is named. */
	snprintf(t2, sizeof t2, "%.*s",
		 (int)(strstr(f->warrant, "\n\n") - f->warrant + 1),
		 f->warrant);
	t2[strlen("envelog/warrant/v1\nid W-")] = '2';
	other = logfx_sign(&f->nca, t2);
	assert_int_equal(elog_bundle_set_check_warrant(text, strlen(text),
						       other, strlen(other),
						       &rep, &err),
			 -ELOG_OUTSIDE_WARRANT);
	assert_string_equal(rep.shard, SA);
	assert_non_null(strstr(err.msg, "shard " SA ": "));
	free(other);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_record_altered),
		cmocka_unit_test(test_shard_dropped),
		cmocka_unit_test(test_recorded_from_other_shard),
		cmocka_unit_test(test_wrong_root_key),
		cmocka_unit_test(test_missing_and_duplicates),
		cmocka_unit_test(test_consistency_and_warrant),
		cmocka_unit_test(test_unsigned_recorded),
		cmocka_unit_test(test_not_a_root_entry),
		cmocka_unit_test(test_check_warrant),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
