/* merkle.c — RFC 6962 / RFC 9162 Merkle tree hashing, proofs and frontier. */
#include "merkle.h"

#include <string.h>

#include <sodium.h>

#include "sha256.h"

const elog_hash ELOG_EMPTY_ROOT = {{
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
}};
const elog_hash ELOG_ZERO_HASH = {{0}};

/* SHA-256(a || b): with the SHA extensions where the processor has them
 * (sha256.h), else libsodium. */
static void sha256_2(const void *a, size_t alen, const void *b, size_t blen,
		     elog_hash *out)
{
	crypto_hash_sha256_state st;

	if (elog_sha256_ni_available()) {
		elog_sha256_ni(a, alen, b, blen, out->b);
		return;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)a,
				  (unsigned long long)alen);
	crypto_hash_sha256_update(&st, (const unsigned char *)b,
				  (unsigned long long)blen);
	crypto_hash_sha256_final(&st, out->b);
}

void elog_sha256(const void *data, size_t len, elog_hash *out)
{
	sha256_2(data, len, NULL, 0, out);
}

void elog_leaf_hash(const void *data, size_t len, elog_hash *out)
{
	const unsigned char prefix = 0x00;

	sha256_2(&prefix, 1, data, len, out);
}

void elog_node_hash(const elog_hash *left, const elog_hash *right,
		    elog_hash *out)
{
	unsigned char buf[1 + 2 * ELOG_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left->b, ELOG_HASH_LEN);
	memcpy(buf + 1 + ELOG_HASH_LEN, right->b, ELOG_HASH_LEN);
	sha256_2(buf, sizeof buf, NULL, 0, out);
}

void elog_chain_hash(const elog_hash *prev, const elog_hash *leaf,
		     elog_hash *out)
{
	sha256_2(prev->b, ELOG_HASH_LEN, leaf->b, ELOG_HASH_LEN, out);
}

void elog_hash_to_b64(const elog_hash *h, char out[ELOG_HASH_B64_LEN])
{
	sodium_bin2base64(out, ELOG_HASH_B64_LEN, h->b, ELOG_HASH_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

int elog_hash_from_b64(const char *b64, elog_hash *out)
{
	elog_hash h;
	size_t bin_len = 0;
	const char *end = NULL;

	if (b64 == NULL || strlen(b64) != ELOG_HASH_B64_LEN - 1)
		return -ELOG_INVALID_VALUE;
	if (sodium_base642bin(h.b, sizeof h.b, b64, ELOG_HASH_B64_LEN - 1,
			      NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != ELOG_HASH_LEN || end != b64 + ELOG_HASH_B64_LEN - 1)
		return -ELOG_INVALID_VALUE;
	*out = h;
	return 0;
}

void elog_hash_to_hex(const elog_hash *h, char out[65])
{
	sodium_bin2hex(out, 65, h->b, ELOG_HASH_LEN);
}

uint64_t elog_stored_hash_index(int level, uint64_t n)
{
	uint64_t i = 0;
	int l;

	/* Level L's n'th hash is stored right after level L+1's 2n+1'th. */
	for (l = level; l > 0; l--)
		n = 2 * n + 1;
	/* Level 0's n'th hash is stored at n + n/2 + n/4 + ... */
	for (; n > 0; n >>= 1)
		i += n;
	return i + (uint64_t)level;
}

/* Number of trailing zero bits; 64 for 0. */
static int ctz64(uint64_t x)
{
	int n = 0;

	if (x == 0)
		return 64;
	while ((x & 1) == 0) {
		x >>= 1;
		n++;
	}
	return n;
}

int elog_stored_hash_level(uint64_t index, uint64_t *n)
{
	/* Leaf m's hash is at 2m - popcount(m) <= index, and the hashes
	 * stored with leaf m are its own and those of the ctz(m + 1)
	 * subtrees it completes, levels 0, 1, ... in order (tlog's
	 * SplitStoredHashIndex). */
	uint64_t m = index / 2, at = elog_stored_hash_index(0, m);
	int level;

	for (;;) {
		uint64_t next = at + 1 + (uint64_t)ctz64(m + 1);
		if (next > index)
			break;
		m++;
		at = next;
	}
	level = (int)(index - at);
	if (n)
		*n = m >> level;
	return level;
}

/* 1 if x is a power of two. */
static int is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/*
 * The state of one proof generation or root computation: the tree size, the
 * reader, and memoised right-edge hashes.  edge[j] is the hash of leaves
 * [size & ~(2^j - 1), size), the fold of the peaks of size below level j;
 * all of them come from reading each peak of size once.
 */
struct tree {
	uint64_t size;
	elog_hash_reader rd;
	void *ctx;
	elog_err_t *err;
	int have_edge;
	int edge_set[65];
	elog_hash edge[65];
	int reads;
};

static int tree_read(struct tree *t, int level, uint64_t index, elog_hash *out)
{
	t->reads++;
	return t->rd(t->ctx, level, index, out, t->err);
}

static int tree_edges(struct tree *t)
{
	elog_hash acc;
	int have = 0, j, rc;

	if (t->have_edge)
		return 0;
	memset(t->edge_set, 0, sizeof t->edge_set);
	for (j = 0; j < 64; j++) {
		if (have) {
			t->edge[j] = acc;
			t->edge_set[j] = 1;
		}
		if (t->size & ((uint64_t)1 << j)) {
			elog_hash peak;
			rc = tree_read(t, j, (t->size >> j) - 1, &peak);
			if (rc < 0)
				return rc;
			if (have)
				elog_node_hash(&peak, &acc, &acc);
			else
				acc = peak;
			have = 1;
		}
	}
	if (have) {
		t->edge[64] = acc;
		t->edge_set[64] = 1;
	}
	t->have_edge = 1;
	return 0;
}

/*
 * Hash of leaves [lo, hi): a complete subtree (one read) or a right-edge
 * range ending at the tree size (memoised fold of peaks).
 */
static int tree_range(struct tree *t, uint64_t lo, uint64_t hi, elog_hash *out)
{
	uint64_t w = hi - lo;
	int level, j, rc;

	if (is_pow2(w) && (lo & (w - 1)) == 0) {
		level = ctz64(w);
		return tree_read(t, level, lo >> level, out);
	}
	if (hi != t->size)
		return elog_fail(t->err, ELOG_INTERNAL, -1, NULL,
				 "Incomplete subtree off the right edge.");
	rc = tree_edges(t);
	if (rc < 0)
		return rc;
	for (j = 0; j <= 64; j++) {
		uint64_t start = j == 64 ? 0
					 : t->size & ~(((uint64_t)1 << j) - 1);
		if (start == lo && t->edge_set[j]) {
			*out = t->edge[j];
			return 0;
		}
	}
	return elog_fail(t->err, ELOG_INTERNAL, -1, NULL,
			 "Range is not on the right edge of the tree.");
}

static void tree_init(struct tree *t, uint64_t size, elog_hash_reader rd,
		      void *ctx, elog_err_t *err)
{
	memset(t, 0, sizeof *t);
	t->size = size;
	t->rd = rd;
	t->ctx = ctx;
	t->err = err;
}

int elog_tree_root(uint64_t size, elog_hash_reader rd, void *ctx,
		   elog_hash *out, elog_err_t *err)
{
	struct tree t;
	int rc;

	if (size == 0) {
		*out = ELOG_EMPTY_ROOT;
		return 0;
	}
	tree_init(&t, size, rd, ctx, err);
	rc = tree_edges(&t);
	if (rc < 0)
		return rc;
	*out = t.edge[64];
	return 0;
}

int elog_prove_inclusion(uint64_t index, uint64_t size, elog_hash_reader rd,
			 void *ctx, elog_hash *proof, size_t *n,
			 elog_err_t *err)
{
	struct tree t;
	elog_hash path[ELOG_MAX_PROOF];
	uint64_t lo = 0, hi = size, m = index;
	size_t len = 0, i;
	int rc;

	if (index >= size)
		return elog_fail(err, ELOG_PARAMETER_OUT_OF_RANGE, -1, "index",
				 "The leaf index must be below the tree size.");
	tree_init(&t, size, rd, ctx, err);
	/* Walk from the root down; siblings come out top first. */
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);
		if (len == ELOG_MAX_PROOF)
			return elog_fail(err, ELOG_INTERNAL, -1, NULL,
					 "Inclusion proof too long.");
		if (m < k) {
			rc = tree_range(&t, lo + k, hi, &path[len]);
			hi = lo + k;
		} else {
			rc = tree_range(&t, lo, lo + k, &path[len]);
			lo += k;
			m -= k;
		}
		if (rc < 0)
			return rc;
		len++;
	}
	for (i = 0; i < len; i++)
		proof[i] = path[len - 1 - i];
	*n = len;
	return 0;
}

/* RFC 9162 SUBPROOF(m, D[lo:hi], b), appended to proof. */
static int subproof(struct tree *t, uint64_t m, uint64_t lo, uint64_t hi,
		    int b, elog_hash *proof, size_t *len)
{
	uint64_t n = hi - lo, k;
	elog_hash h;
	int rc;

	if (m == n) {
		if (b)
			return 0;
		rc = tree_range(t, lo, hi, &h);
		goto append;
	}
	k = split_point(n);
	if (m <= k) {
		rc = subproof(t, m, lo, lo + k, b, proof, len);
		if (rc < 0)
			return rc;
		rc = tree_range(t, lo + k, hi, &h);
	} else {
		rc = subproof(t, m - k, lo + k, hi, 0, proof, len);
		if (rc < 0)
			return rc;
		rc = tree_range(t, lo, lo + k, &h);
	}
append:
	if (rc < 0)
		return rc;
	if (*len == ELOG_MAX_PROOF)
		return elog_fail(t->err, ELOG_INTERNAL, -1, NULL,
				 "Consistency proof too long.");
	proof[(*len)++] = h;
	return 0;
}

int elog_prove_consistency(uint64_t old_size, uint64_t new_size,
			   elog_hash_reader rd, void *ctx, elog_hash *proof,
			   size_t *n, elog_err_t *err)
{
	struct tree t;
	elog_hash path[ELOG_MAX_PROOF];
	size_t len = 0;
	int rc;

	if (old_size == 0 || old_size > new_size)
		return elog_fail(err, ELOG_PARAMETER_OUT_OF_RANGE, -1, "old",
				 "A consistency proof needs 0 < old <= new.");
	if (new_size > (uint64_t)1 << 63)
		return elog_fail(err, ELOG_PARAMETER_OUT_OF_RANGE, -1, "new",
				 "Consistency proofs stop at 2^63 leaves.");
	tree_init(&t, new_size, rd, ctx, err);
	rc = subproof(&t, old_size, 0, new_size, 1, path, &len);
	if (rc < 0)
		return rc;
	memcpy(proof, path, len * sizeof path[0]);
	*n = len;
	return 0;
}

static int proof_invalid(elog_err_t *err, const char *why)
{
	return elog_fail(err, ELOG_PROOF_INVALID, -1, "proof", "%s", why);
}

int elog_verify_inclusion(uint64_t index, uint64_t size, const elog_hash *leaf,
			  const elog_hash *proof, size_t n,
			  const elog_hash *root, elog_err_t *err)
{
	uint64_t fn = index, sn;
	elog_hash r;
	size_t i;

	if (index >= size)
		return proof_invalid(
			err, "The leaf index is not below the tree size.");
	if (n > ELOG_MAX_PROOF || (n > 0 && proof == NULL))
		return proof_invalid(err, "The inclusion proof is too long.");
	sn = size - 1;
	r = *leaf;
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return proof_invalid(err,
					     "The inclusion proof is too long.");
		if ((fn & 1) || fn == sn) {
			elog_node_hash(&proof[i], &r, &r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			elog_node_hash(&r, &proof[i], &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return proof_invalid(err, "The inclusion proof is too short.");
	if (sodium_memcmp(r.b, root->b, ELOG_HASH_LEN) != 0)
		return proof_invalid(
			err, "The inclusion proof does not lead to the root.");
	return 0;
}

int elog_verify_consistency(uint64_t old_size, uint64_t new_size,
			    const elog_hash *old_root,
			    const elog_hash *new_root, const elog_hash *proof,
			    size_t n, elog_err_t *err)
{
	uint64_t fn, sn;
	elog_hash fr, sr;
	size_t i, start;

	if (old_size == 0)
		return proof_invalid(err, "The old tree size must not be 0.");
	if (old_size > new_size)
		return proof_invalid(err,
				     "The old tree is larger than the new one.");
	if (n > ELOG_MAX_PROOF || (n > 0 && proof == NULL))
		return proof_invalid(err, "The consistency proof is too long.");
	if (old_size == new_size) {
		if (n != 0)
			return proof_invalid(
				err, "Equal tree sizes need an empty proof.");
		if (sodium_memcmp(old_root->b, new_root->b, ELOG_HASH_LEN) != 0)
			return proof_invalid(
				err, "Equal tree sizes with different roots.");
		return 0;
	}
	if (n == 0)
		return proof_invalid(err, "The consistency proof is empty.");

	fn = old_size - 1;
	sn = new_size - 1;
	/* An old tree that is a complete subtree is its own first node. */
	if (is_pow2(old_size)) {
		fr = sr = *old_root;
		start = 0;
	} else {
		fr = sr = proof[0];
		start = 1;
	}
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (i = start; i < n; i++) {
		if (sn == 0)
			return proof_invalid(
				err, "The consistency proof is too long.");
		if ((fn & 1) || fn == sn) {
			elog_node_hash(&proof[i], &fr, &fr);
			elog_node_hash(&proof[i], &sr, &sr);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			elog_node_hash(&sr, &proof[i], &sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return proof_invalid(err,
				     "The consistency proof is too short.");
	if (sodium_memcmp(fr.b, old_root->b, ELOG_HASH_LEN) != 0)
		return proof_invalid(
			err,
			"The consistency proof does not lead to the old root.");
	if (sodium_memcmp(sr.b, new_root->b, ELOG_HASH_LEN) != 0)
		return proof_invalid(
			err,
			"The consistency proof does not lead to the new root.");
	return 0;
}

void elog_frontier_init(elog_frontier *f)
{
	memset(f, 0, sizeof *f);
}

int elog_frontier_load(elog_frontier *f, uint64_t size, elog_hash_reader rd,
		       void *ctx, elog_err_t *err)
{
	elog_frontier nf;
	int j, rc;

	elog_frontier_init(&nf);
	for (j = 0; j < 64; j++) {
		if (!(size & ((uint64_t)1 << j)))
			continue;
		rc = rd(ctx, j, (size >> j) - 1, &nf.peak[j], err);
		if (rc < 0)
			return rc;
	}
	nf.size = size;
	*f = nf;
	return 0;
}

int elog_frontier_append(elog_frontier *f, const elog_hash *leaf,
			 elog_node_sink sink, void *ctx, elog_err_t *err)
{
	uint64_t size = f->size, new_size;
	elog_hash h = *leaf;
	int level = 0, rc;

	if (size == UINT64_MAX)
		return elog_fail(err, ELOG_OUT_OF_RANGE, -1, NULL,
				 "The tree is full.");
	new_size = size + 1;
	/* Each set low bit of size is a peak that the new leaf completes. */
	while (level < 64 && (size & ((uint64_t)1 << level))) {
		elog_node_hash(&f->peak[level], &h, &h);
		level++;
		if (sink) {
			rc = sink(ctx, level, (new_size >> level) - 1, &h, err);
			if (rc < 0)
				return rc;
		}
	}
	f->peak[level] = h;
	f->size = new_size;
	return 0;
}

void elog_frontier_root(const elog_frontier *f, elog_hash *out)
{
	elog_hash acc;
	int have = 0, j;

	for (j = 0; j < 64; j++) {
		if (!(f->size & ((uint64_t)1 << j)))
			continue;
		if (have)
			elog_node_hash(&f->peak[j], &acc, &acc);
		else
			acc = f->peak[j];
		have = 1;
	}
	*out = have ? acc : ELOG_EMPTY_ROOT;
}

/* RFC 6962 MTH over n >= 1 leaves, by its recursive definition. */
static void mth(const elog_hash *leaves, size_t n, elog_hash *out)
{
	elog_hash l, r;
	size_t k;

	if (n == 1) {
		*out = leaves[0];
		return;
	}
	k = (size_t)split_point(n);
	mth(leaves, k, &l);
	mth(leaves + k, n - k, &r);
	elog_node_hash(&l, &r, out);
}

void elog_root_of_leaves(const elog_hash *leaves, size_t n, elog_hash *out)
{
	if (n == 0)
		*out = ELOG_EMPTY_ROOT;
	else
		mth(leaves, n, out);
}

int elog_leaf_array_reader(void *ctx, int level, uint64_t index,
			   elog_hash *out, elog_err_t *err)
{
	const elog_leaf_array *a = ctx;
	uint64_t start, width;

	if (level < 0 || level > 62)
		return elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
				 "No subtree at level %d.", level);
	width = (uint64_t)1 << level;
	if (index > (UINT64_MAX >> level) - 1 ||
	    (index + 1) * width > (uint64_t)a->n)
		return elog_fail(err, ELOG_NOT_FOUND, -1, NULL,
				 "Subtree %d/%llu is beyond the leaves.",
				 level, (unsigned long long)index);
	start = index * width;
	mth(a->leaves + start, (size_t)width, out);
	return 0;
}
