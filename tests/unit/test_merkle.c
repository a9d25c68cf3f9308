/* test_merkle.c — merkle.c against Go tlog and transparency-dev vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <sodium.h>

#include "merkle.h"
#include "sha256.h"
#include "vectors.h"

/* The records of tlog/tlog-records.json (nrec of them, as many as the file
 * holds) and the roots of every size 0..nrec. */
static size_t nrec;
static elog_hash *leaves;
static elog_hash *roots;

static void b64_hash(json_t *s, elog_hash *out)
{
	assert_true(json_is_string(s));
	assert_int_equal(elog_hash_from_b64(json_string_value(s), out), 0);
}

static void assert_hash_equal(const elog_hash *a, const elog_hash *b)
{
	assert_memory_equal(a->b, b->b, ELOG_HASH_LEN);
}

/* Proof array from JSON; returns its length (null is empty). */
static size_t b64_proof(json_t *arr, elog_hash *proof)
{
	size_t i, n;

	if (json_is_null(arr))
		return 0;
	assert_true(json_is_array(arr));
	n = json_array_size(arr);
	assert_true(n <= ELOG_MAX_PROOF);
	for (i = 0; i < n; i++)
		b64_hash(json_array_get(arr, i), &proof[i]);
	return n;
}

/* A reader that counts its reads, over another reader. */
struct counting {
	elog_hash_reader rd;
	void *ctx;
	int reads;
};

static int counting_reader(void *ctx, int level, uint64_t index,
			   elog_hash *out, elog_err_t *err)
{
	struct counting *c = ctx;

	c->reads++;
	return c->rd(c->ctx, level, index, out, err);
}

static int bit_len(uint64_t x)
{
	int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static int setup(void **state)
{
	json_t *recs = load_vector("tlog/tlog-records.json");
	json_t *rts = load_vector("tlog/tlog-roots.json");
	size_t i;
	char key[16];

	(void)state;
	nrec = json_array_size(recs);
	/* The fixed cases below look at sizes up to 5. */
	assert_true(nrec >= 5);
	leaves = calloc(nrec, sizeof *leaves);
	roots = calloc(nrec + 1, sizeof *roots);
	assert_non_null(leaves);
	assert_non_null(roots);
	for (i = 0; i < nrec; i++) {
		json_t *r = json_array_get(recs, i);
		const char *data = json_string_value(json_object_get(r, "data"));
		elog_hash want;

		assert_non_null(data);
		assert_int_equal(json_integer_value(json_object_get(r, "index")),
				 (json_int_t)i);
		elog_leaf_hash(data, strlen(data), &leaves[i]);
		b64_hash(json_object_get(r, "leaf_hash"), &want);
		assert_hash_equal(&leaves[i], &want);
	}
	assert_int_equal(json_object_size(rts), nrec + 1);
	for (i = 0; i <= nrec; i++) {
		snprintf(key, sizeof key, "%zu", i);
		b64_hash(json_object_get(rts, key), &roots[i]);
	}
	json_decref(recs);
	json_decref(rts);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(leaves);
	free(roots);
	return 0;
}

static void test_basics(void **state)
{
	elog_hash h, back;
	char b64[ELOG_HASH_B64_LEN], hex[65];

	(void)state;
	elog_sha256("", 0, &h);
	assert_hash_equal(&h, &ELOG_EMPTY_ROOT);
	elog_hash_to_hex(&ELOG_EMPTY_ROOT, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	elog_hash_to_b64(&ELOG_EMPTY_ROOT, b64);
	assert_string_equal(b64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	assert_int_equal(elog_hash_from_b64(b64, &back), 0);
	assert_hash_equal(&back, &ELOG_EMPTY_ROOT);
	/* RFC 6962 leaf hash of the empty string. */
	elog_leaf_hash("", 0, &h);
	elog_hash_to_hex(&h, hex);
	assert_string_equal(hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	/* Not 32 bytes, not base64, no padding, trailing junk. */
	assert_true(elog_hash_from_b64("", &h) < 0);
	assert_true(elog_hash_from_b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", &h) < 0);
	assert_true(elog_hash_from_b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==", &h) < 0);
	assert_true(elog_hash_from_b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu!U=", &h) < 0);
	assert_true(elog_hash_from_b64("47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", &h) < 0);
	assert_true(elog_hash_from_b64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &h) < 0);
	assert_true(elog_hash_from_b64(NULL, &h) < 0);
	/* Chain: SHA-256(prev || leaf). */
	{
		unsigned char buf[64];
		elog_hash want;
		memcpy(buf, ELOG_ZERO_HASH.b, 32);
		memcpy(buf + 32, ELOG_EMPTY_ROOT.b, 32);
		elog_sha256(buf, 64, &want);
		elog_chain_hash(&ELOG_ZERO_HASH, &ELOG_EMPTY_ROOT, &h);
		assert_hash_equal(&h, &want);
	}
}

static void test_roots(void **state)
{
	elog_leaf_array la = {leaves, nrec};
	elog_hash h;
	size_t n;

	(void)state;
	for (n = 0; n <= nrec; n++) {
		struct counting c = {elog_leaf_array_reader, &la, 0};
		elog_root_of_leaves(leaves, n, &h);
		assert_hash_equal(&h, &roots[n]);
		assert_int_equal(elog_tree_root(n, counting_reader, &c, &h, NULL), 0);
		assert_hash_equal(&h, &roots[n]);
		assert_true(c.reads <= bit_len(n));
	}
}

static void test_stored_hash_index(void **state)
{
	(void)state;
	/* Values from Go sumdb/tlog's StoredHashIndex. */
	assert_int_equal(elog_stored_hash_index(0, 0), 0);
	assert_int_equal(elog_stored_hash_index(0, 1), 1);
	assert_int_equal(elog_stored_hash_index(1, 0), 2);
	assert_int_equal(elog_stored_hash_index(0, 2), 3);
	assert_int_equal(elog_stored_hash_index(0, 3), 4);
	assert_int_equal(elog_stored_hash_index(1, 1), 5);
	assert_int_equal(elog_stored_hash_index(2, 0), 6);
	assert_int_equal(elog_stored_hash_index(0, 4), 7);
	assert_int_equal(elog_stored_hash_index(3, 0), 14);
	assert_int_equal(elog_stored_hash_index(0, 8), 15);
	/* elog_stored_hash_level is its inverse, index by index. */
	for (uint64_t i = 0; i < 70000; i++) {
		uint64_t n = UINT64_MAX;
		int level = elog_stored_hash_level(i, &n);
		assert_true(level >= 0 && level < 17);
		assert_int_equal(elog_stored_hash_index(level, n), i);
	}
	assert_int_equal(elog_stored_hash_level(14, NULL), 3);
	assert_int_equal(elog_stored_hash_level(
				 elog_stored_hash_index(40, 3), NULL),
			 40);
}

struct sink_log {
	uint64_t next;  /* next expected stored-hash index */
	int fail_at;    /* fail on this call (-1: never) */
	int calls;
	const elog_hash *leaves;
};

static int sink(void *ctx, int level, uint64_t index, const elog_hash *hash,
		elog_err_t *err)
{
	struct sink_log *s = ctx;
	elog_leaf_array la = {s->leaves, nrec};
	elog_hash want;

	if (s->calls++ == s->fail_at)
		return elog_fail(err, ELOG_IO, -1, NULL, "Sink failed.");
	assert_true(level >= 1);
	assert_int_equal(elog_stored_hash_index(level, index), s->next);
	s->next++;
	assert_int_equal(elog_leaf_array_reader(&la, level, index, &want, NULL), 0);
	assert_hash_equal(hash, &want);
	return 0;
}

static void test_frontier(void **state)
{
	elog_leaf_array la = {leaves, nrec};
	struct sink_log s = {0, -1, 0, leaves};
	elog_frontier f, g;
	elog_hash h;
	size_t i;

	(void)state;
	elog_frontier_init(&f);
	elog_frontier_root(&f, &h);
	assert_hash_equal(&h, &roots[0]);
	for (i = 0; i < nrec; i++) {
		/* The leaf is stored first, then the nodes it completes. */
		assert_int_equal(elog_stored_hash_index(0, i), s.next);
		s.next++;
		assert_int_equal(elog_frontier_append(&f, &leaves[i], sink, &s, NULL), 0);
		assert_int_equal(f.size, i + 1);
		elog_frontier_root(&f, &h);
		assert_hash_equal(&h, &roots[i + 1]);
		elog_root_of_leaves(leaves, i + 1, &h);
		assert_hash_equal(&h, &roots[i + 1]);
		assert_int_equal(elog_frontier_load(&g, i + 1, elog_leaf_array_reader, &la, NULL), 0);
		assert_int_equal(g.size, i + 1);
		elog_frontier_root(&g, &h);
		assert_hash_equal(&h, &roots[i + 1]);
	}
	/* About two stored hashes per leaf, as tlog. */
	assert_int_equal(s.next, elog_stored_hash_index(0, nrec));

	/* A failing sink leaves the frontier as it was. */
	{
		elog_frontier k;
		elog_err_t err;
		struct sink_log t = {0, 1, 0, leaves};
		elog_frontier_init(&k);
		for (i = 0; i < 3; i++)
			assert_int_equal(elog_frontier_append(&k, &leaves[i], NULL, NULL, NULL), 0);
		g = k;
		t.next = elog_stored_hash_index(1, 1);
		assert_int_equal(elog_frontier_append(&k, &leaves[3], sink, &t, &err), -ELOG_IO);
		assert_memory_equal(&k, &g, sizeof k);
		/* Loading beyond the leaves fails. */
		assert_true(elog_frontier_load(&g, nrec + 1, elog_leaf_array_reader, &la, &err) < 0);
	}
}

/* Call check with each case in the vector file at rel, an array that must
 * not be empty. */
static void each_case(const char *rel, void (*check)(json_t *c))
{
	json_t *v = load_vector(rel);
	size_t i, count = json_array_size(v);

	assert_true(count > 0);
	for (i = 0; i < count; i++)
		check(json_array_get(v, i));
	json_decref(v);
}

/* A proof made over the counting reader cnt (got, ngot) is the vector's
 * (want, nwant), and making it read at most 2 bit_len(size) + 1 hashes. */
static void assert_made_proof(const elog_hash *got, size_t ngot, const elog_hash *want, size_t nwant,
			      const struct counting *cnt, uint64_t size)
{
	assert_int_equal(ngot, nwant);
	if (nwant)
		assert_memory_equal(got, want, nwant * sizeof want[0]);
	assert_true(cnt->reads <= 2 * bit_len(size) + 1);
}

static void inclusion_case(json_t *c)
{
	elog_leaf_array la = {leaves, nrec};
	uint64_t index = (uint64_t)json_integer_value(json_object_get(c, "index"));
	uint64_t size = (uint64_t)json_integer_value(json_object_get(c, "size"));
	elog_hash root, leaf, want[ELOG_MAX_PROOF], got[ELOG_MAX_PROOF];
	struct counting cnt = {elog_leaf_array_reader, &la, 0};
	size_t nwant, ngot = 99;

	b64_hash(json_object_get(c, "root"), &root);
	b64_hash(json_object_get(c, "leaf_hash"), &leaf);
	nwant = b64_proof(json_object_get(c, "proof"), want);
	assert_hash_equal(&root, &roots[size]);
	assert_hash_equal(&leaf, &leaves[index]);
	assert_int_equal(elog_verify_inclusion(index, size, &leaf, want, nwant, &root, NULL), 0);
	assert_int_equal(elog_prove_inclusion(index, size, counting_reader, &cnt, got, &ngot, NULL), 0);
	assert_made_proof(got, ngot, want, nwant, &cnt, size);
	/* Wrong leaf, wrong index, shortened proof. */
	assert_int_equal(elog_verify_inclusion(index, size, &roots[0], want, nwant, &root, NULL), -ELOG_PROOF_INVALID);
	if (size > 1)
		assert_int_equal(elog_verify_inclusion(index ^ 1, size, &leaf, want, nwant, &root, NULL), -ELOG_PROOF_INVALID);
	if (nwant)
		assert_int_equal(elog_verify_inclusion(index, size, &leaf, want, nwant - 1, &root, NULL), -ELOG_PROOF_INVALID);
}

static void test_tlog_inclusion(void **state)
{
	(void)state;
	each_case("tlog/tlog-inclusion.json", inclusion_case);
}

static void consistency_case(json_t *c)
{
	elog_leaf_array la = {leaves, nrec};
	uint64_t old = (uint64_t)json_integer_value(json_object_get(c, "old"));
	uint64_t new = (uint64_t)json_integer_value(json_object_get(c, "new"));
	elog_hash r1, r2, want[ELOG_MAX_PROOF], got[ELOG_MAX_PROOF];
	struct counting cnt = {elog_leaf_array_reader, &la, 0};
	size_t nwant, ngot = 99;

	b64_hash(json_object_get(c, "old_root"), &r1);
	b64_hash(json_object_get(c, "new_root"), &r2);
	nwant = b64_proof(json_object_get(c, "proof"), want);
	assert_hash_equal(&r1, &roots[old]);
	assert_hash_equal(&r2, &roots[new]);
	assert_int_equal(elog_verify_consistency(old, new, &r1, &r2, want, nwant, NULL), 0);
	assert_int_equal(elog_prove_consistency(old, new, counting_reader, &cnt, got, &ngot, NULL), 0);
	assert_made_proof(got, ngot, want, nwant, &cnt, new);
	if (old != new) {
		assert_int_equal(elog_verify_consistency(old, new, &r2, &r1, want, nwant, NULL), -ELOG_PROOF_INVALID);
		assert_int_equal(elog_verify_consistency(old, new, &r1, &r2, want, nwant - 1, NULL), -ELOG_PROOF_INVALID);
		assert_int_equal(elog_verify_consistency(0, new, &r1, &r2, want, nwant, NULL), -ELOG_PROOF_INVALID);
	}
}

static void test_tlog_consistency(void **state)
{
	(void)state;
	each_case("tlog/tlog-consistency.json", consistency_case);
}

/* Every proof between all sizes 1..64 (or as many as there are records)
 * regenerates and verifies. */
static void test_all_small_proofs(void **state)
{
	elog_leaf_array la = {leaves, nrec};
	elog_hash p[ELOG_MAX_PROOF];
	uint64_t a, b;
	size_t n;

	(void)state;
	for (b = 1; b <= 64 && b <= nrec; b++) {
		for (a = 0; a < b; a++) {
			assert_int_equal(elog_prove_inclusion(a, b, elog_leaf_array_reader, &la, p, &n, NULL), 0);
			assert_int_equal(elog_verify_inclusion(a, b, &leaves[a], p, n, &roots[b], NULL), 0);
			if (a == 0)
				continue;
			assert_int_equal(elog_prove_consistency(a, b, elog_leaf_array_reader, &la, p, &n, NULL), 0);
			assert_int_equal(elog_verify_consistency(a, b, &roots[a], &roots[b], p, n, NULL), 0);
		}
	}
	assert_int_equal(elog_prove_inclusion(5, 5, elog_leaf_array_reader, &la, p, &n, NULL), -ELOG_PARAMETER_OUT_OF_RANGE);
	assert_int_equal(elog_prove_consistency(0, 5, elog_leaf_array_reader, &la, p, &n, NULL), -ELOG_PARAMETER_OUT_OF_RANGE);
	assert_int_equal(elog_prove_consistency(6, 5, elog_leaf_array_reader, &la, p, &n, NULL), -ELOG_PARAMETER_OUT_OF_RANGE);
	assert_int_equal(elog_verify_inclusion(5, 5, &leaves[4], p, 0, &roots[5], NULL), -ELOG_PROOF_INVALID);
	assert_int_equal(elog_verify_consistency(3, 2, &roots[3], &roots[2], p, 0, NULL), -ELOG_PROOF_INVALID);
	assert_int_equal(elog_verify_consistency(3, 3, &roots[3], &roots[3], p, 0, NULL), 0);
	assert_int_equal(elog_verify_consistency(3, 3, &roots[3], &roots[4], p, 0, NULL), -ELOG_PROOF_INVALID);
	assert_int_equal(elog_verify_consistency(3, 3, &roots[3], &roots[3], p, 1, NULL), -ELOG_PROOF_INVALID);
	assert_int_equal(elog_verify_consistency(3, 4, &roots[3], &roots[4], p, 0, NULL), -ELOG_PROOF_INVALID);
	assert_int_equal(elog_verify_inclusion(0, 1, &leaves[0], p, ELOG_MAX_PROOF + 1, &roots[1], NULL), -ELOG_PROOF_INVALID);
}

/*
 * A huge tree whose leaves are all equal: the complete subtree of level L
 * has hash z[L], so it is a real tree that costs nothing to read.
 */
static elog_hash z[64];

static int uniform_reader(void *ctx, int level, uint64_t index,
			  elog_hash *out, elog_err_t *err)
{
	uint64_t size = *(const uint64_t *)ctx;

	if (level < 0 || level > 63 || index >= (size >> level))
		return elog_fail(err, ELOG_NOT_FOUND, -1, NULL, "No such subtree.");
	*out = z[level];
	return 0;
}

static void test_logarithmic_reads(void **state)
{
	uint64_t sizes[] = {((uint64_t)1 << 62) + 12345, ((uint64_t)1 << 63) - 1,
			    ((uint64_t)1 << 40) - 1, 1000001};
	size_t s;
	int l;

	(void)state;
	elog_leaf_hash("x", 1, &z[0]);
	for (l = 1; l < 64; l++)
		elog_node_hash(&z[l - 1], &z[l - 1], &z[l]);
	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t size = sizes[s], old = size / 3 + 7;
		elog_hash root, old_root, p[ELOG_MAX_PROOF];
		struct counting c = {uniform_reader, &size, 0};
		uint64_t idx[] = {0, 1, size / 2, size - 2, size - 1};
		size_t i, n;

		assert_int_equal(elog_tree_root(size, uniform_reader, &size, &root, NULL), 0);
		for (i = 0; i < sizeof idx / sizeof idx[0]; i++) {
			c.reads = 0;
			assert_int_equal(elog_prove_inclusion(idx[i], size, counting_reader, &c, p, &n, NULL), 0);
			assert_true(c.reads <= 2 * 64);
			assert_int_equal(elog_verify_inclusion(idx[i], size, &z[0], p, n, &root, NULL), 0);
		}
		assert_int_equal(elog_tree_root(old, uniform_reader, &old, &old_root, NULL), 0);
		c.reads = 0;
		assert_int_equal(elog_prove_consistency(old, size, counting_reader, &c, p, &n, NULL), 0);
		assert_true(c.reads <= 2 * 64);
		assert_int_equal(elog_verify_consistency(old, size, &old_root, &root, p, n, NULL), 0);
	}
	/* Beyond 2^63 leaves a consistency proof may not fit. */
	{
		uint64_t big = UINT64_MAX - 1;
		elog_hash p[ELOG_MAX_PROOF];
		size_t n;
		assert_int_equal(elog_prove_consistency(big / 3, big, uniform_reader, &big, p, &n, NULL), -ELOG_PARAMETER_OUT_OF_RANGE);
	}
}

/* Decode a JSON base64 hash; -1 if it is not exactly 32 bytes. */
static int try_hash(json_t *s, elog_hash *out)
{
	if (!json_is_string(s))
		return -1;
	return elog_hash_from_b64(json_string_value(s), out) == 0 ? 0 : -1;
}

static int try_proof(json_t *arr, elog_hash *proof, size_t *n)
{
	size_t i;

	*n = 0;
	if (json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > ELOG_MAX_PROOF)
		return -1;
	for (i = 0; i < json_array_size(arr); i++)
		if (try_hash(json_array_get(arr, i), &proof[i]) != 0)
			return -1;
	*n = json_array_size(arr);
	return 0;
}

/*
 * Sizes and indexes; the vectors hold 2^64 - 1, beyond jansson's integers,
 * so they are read as reals and saturate.
 */
static int get_u64(json_t *c, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(c, key);
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (d < 0)
		return -1;
	/* 18446744073709551616.0 is 2^64: saturate at and beyond it. */
	*out = d >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)d;
	return 0;
}

/* 0 if the case verifies, -1 if rejected. */
static int run_case(const char *kind, json_t *c)
{
	elog_hash a, b, proof[ELOG_MAX_PROOF];
	size_t n;
	elog_err_t err;

	if (try_proof(json_object_get(c, "proof"), proof, &n) != 0)
		return -1;
	if (strcmp(kind, "inclusion") == 0) {
		uint64_t idx, size;
		if (get_u64(c, "leafIdx", &idx) != 0 ||
		    get_u64(c, "treeSize", &size) != 0 ||
		    try_hash(json_object_get(c, "leafHash"), &a) != 0 ||
		    try_hash(json_object_get(c, "root"), &b) != 0)
			return -1;
		if (elog_verify_inclusion(idx, size, &a, proof, n, &b, &err) != 0) {
			assert_int_equal(err.code, ELOG_PROOF_INVALID);
			return -1;
		}
		return 0;
	} else {
		uint64_t s1, s2;
		if (get_u64(c, "size1", &s1) != 0 ||
		    get_u64(c, "size2", &s2) != 0 ||
		    try_hash(json_object_get(c, "root1"), &a) != 0 ||
		    try_hash(json_object_get(c, "root2"), &b) != 0)
			return -1;
		if (elog_verify_consistency(s1, s2, &a, &b, proof, n, &err) != 0) {
			assert_int_equal(err.code, ELOG_PROOF_INVALID);
			return -1;
		}
		return 0;
	}
}

/* The cases found so far: how many, how many verified. */
struct case_count {
	int count;
	int accepted;
};

/*
 * Run every case file (*.json) in the folder path and, recursively, in its
 * subfolders, in whatever order the file system lists them; a case must be
 * rejected exactly when it says wantErr.  A folder may hold only cases
 * that expect an error.
 */
static void run_tree(const char *kind, const char *path, struct case_count *n)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		fail_msg("cannot open %s", path);
	while ((de = readdir(d)) != NULL) {
		char sub[1024];
		json_error_t jerr;
		json_t *c;
		size_t l = strlen(de->d_name);
		int want_err, got, len;
		DIR *probe;

		if (de->d_name[0] == '.')
			continue;
		len = snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		assert_true(len > 0 && (size_t)len < sizeof sub);
		probe = opendir(sub);
		if (probe != NULL) {
			closedir(probe);
			run_tree(kind, sub, n);
			continue;
		}
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		c = json_load_file(sub, JSON_DECODE_INT_AS_REAL, &jerr);
		if (c == NULL)
			fail_msg("cannot read %s: %s", sub, jerr.text);
		want_err = json_is_true(json_object_get(c, "wantErr"));
		got = run_case(kind, c);
		if ((got != 0) != want_err)
			print_message("# %s: wantErr %d, got %d\n", sub, want_err, got);
		assert_int_equal(got != 0, want_err);
		n->count++;
		n->accepted += got == 0;
		json_decref(c);
	}
	closedir(d);
}

static int run_dir(const char *kind)
{
	char path[512];
	struct case_count n = {0, 0};
	int len = snprintf(path, sizeof path, "%s/merkle/%s", vectors_dir(), kind);

	assert_true(len > 0 && (size_t)len < sizeof path);
	run_tree(kind, path, &n);
	print_message("# %s: %d vectors, %d accepted\n", kind, n.count, n.accepted);
	return n.count;
}

/* The SHA extensions' SHA-256 against libsodium's, for every length
 * around the padding boundaries (55, 56, 63, 64 …) and every split of the
 * input into the two parts; and the hashes merkle.c builds on it against
 * libsodium's of the same bytes. */
static void test_sha256_ni(void **state)
{
	uint8_t in[300], want[32], got[32];
	elog_hash h;
	(void)state;
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof in; len++) {
		crypto_hash_sha256(want, in, len);
		elog_sha256(in, len, &h);
		assert_memory_equal(h.b, want, 32);
		if (!elog_sha256_ni_available())
			continue;
		for (size_t cut = 0; cut <= len; cut += len < 140 ? 1 : 37) {
			elog_sha256_ni(in, cut, in + cut, len - cut, got);
			assert_memory_equal(got, want, 32);
		}
	}
	/* leaf, node and chain: the prefixes and concatenations */
	in[0] = 0x00;
	crypto_hash_sha256(want, in, 101);
	elog_leaf_hash(in + 1, 100, &h);
	assert_memory_equal(h.b, want, 32);
	{
		elog_hash l, r;
		memcpy(l.b, in + 1, 32);
		memcpy(r.b, in + 33, 32);
		in[0] = 0x01;
		crypto_hash_sha256(want, in, 65);
		elog_node_hash(&l, &r, &h);
		assert_memory_equal(h.b, want, 32);
		crypto_hash_sha256(want, in + 1, 64);
		elog_chain_hash(&l, &r, &h);
		assert_memory_equal(h.b, want, 32);
	}
}

static void test_merkle_vectors(void **state)
{
	(void)state;
	assert_true(run_dir("inclusion") > 0);
	assert_true(run_dir("consistency") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_stored_hash_index),
		cmocka_unit_test(test_frontier),
		cmocka_unit_test(test_tlog_inclusion),
		cmocka_unit_test(test_tlog_consistency),
		cmocka_unit_test(test_all_small_proofs),
		cmocka_unit_test(test_logarithmic_reads),
		cmocka_unit_test(test_merkle_vectors),
		cmocka_unit_test(test_sha256_ni),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
