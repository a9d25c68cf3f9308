/*
 * merkle.h — RFC 6962 / RFC 9162 Merkle tree hashing, proofs and the chain.
 *
 * Hashes are SHA-256 (the x86 SHA extensions where the processor has
 * them, sha256.h; libsodium elsewhere).  A "complete subtree" (level L, index K)
 * is the subtree over leaves [K << L, (K + 1) << L); level 0 is a leaf hash.
 * Stores supply complete-subtree hashes through an elog_hash_reader; proof
 * generation reads O(log n) of them.  Nothing here allocates except where
 * stated.
 */
#ifndef ELOG_MERKLE_H
#define ELOG_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ELOG_HASH_LEN 32
#define ELOG_HASH_B64_LEN 45 /* 44 chars of padded base64 + NUL */
#define ELOG_MAX_PROOF 64    /* no proof of a tree below 2^63 is longer */

typedef struct elog_hash {
	uint8_t b[ELOG_HASH_LEN];
} elog_hash;

/* SHA-256 of the empty string: the root of the empty tree. */
extern const elog_hash ELOG_EMPTY_ROOT;
/* 32 zero bytes: chain(-1). */
extern const elog_hash ELOG_ZERO_HASH;

void elog_sha256(const void *data, size_t len, elog_hash *out);
/* SHA-256(0x00 || data) */
void elog_leaf_hash(const void *data, size_t len, elog_hash *out);
/* SHA-256(0x01 || left || right) */
void elog_node_hash(const elog_hash *left, const elog_hash *right,
		    elog_hash *out);
/* SHA-256(prev || leaf) */
void elog_chain_hash(const elog_hash *prev, const elog_hash *leaf,
		     elog_hash *out);

/* Standard padded base64 of a hash into out (ELOG_HASH_B64_LEN bytes). */
void elog_hash_to_b64(const elog_hash *h, char out[ELOG_HASH_B64_LEN]);
/* Decode standard padded base64; fails unless it is exactly 32 bytes. */
int elog_hash_from_b64(const char *b64, elog_hash *out);
/* Lower-case hex, 65 bytes with NUL. */
void elog_hash_to_hex(const elog_hash *h, char out[65]);

/*
 * Reads the hash of the complete subtree (level, index) into out.  Returns 0
 * or a negative elog code (and fills err).
 */
typedef int (*elog_hash_reader)(void *ctx, int level, uint64_t index,
				elog_hash *out, elog_err_t *err);

/*
 * Go sumdb/tlog stored-hash index of complete subtree (level, n): the
 * position at which it is stored when hashes are stored in append order.
 */
uint64_t elog_stored_hash_index(int level, uint64_t n);
/* Its inverse: the level of the subtree stored at index, and its n into *n
 * unless n is NULL. */
int elog_stored_hash_level(uint64_t index, uint64_t *n);

/* Root of the tree of the first size leaves. */
int elog_tree_root(uint64_t size, elog_hash_reader rd, void *ctx,
		   elog_hash *out, elog_err_t *err);

/*
 * RFC 9162 §2.1.3.1 inclusion proof of leaf index in a tree of size leaves,
 * written into proof[ELOG_MAX_PROOF] with its length in *n.
 * Fails with PARAMETER_OUT_OF_RANGE unless index < size.
 */
int elog_prove_inclusion(uint64_t index, uint64_t size, elog_hash_reader rd,
			 void *ctx, elog_hash *proof, size_t *n,
			 elog_err_t *err);

/*
 * RFC 9162 §2.1.4.1 consistency proof from old to new (0 < old <= new).
 */
int elog_prove_consistency(uint64_t old_size, uint64_t new_size,
			   elog_hash_reader rd, void *ctx, elog_hash *proof,
			   size_t *n, elog_err_t *err);

/*
 * RFC 9162 §2.1.3.2: 0 if proof shows leaf at index in the tree of size with
 * root; PROOF_INVALID otherwise (wrong length, wrong hashes, index >= size).
 */
int elog_verify_inclusion(uint64_t index, uint64_t size, const elog_hash *leaf,
			  const elog_hash *proof, size_t n,
			  const elog_hash *root, elog_err_t *err);

/*
 * RFC 9162 §2.1.4.2: 0 if proof shows the tree old_size/old_root is a prefix
 * of new_size/new_root; PROOF_INVALID otherwise.  old_size 0 is rejected;
 * old_size == new_size needs an empty proof and equal roots.
 */
int elog_verify_consistency(uint64_t old_size, uint64_t new_size,
			    const elog_hash *old_root,
			    const elog_hash *new_root, const elog_hash *proof,
			    size_t n, elog_err_t *err);

/*
 * The right edge of a growing tree: for each set bit L of size, peak[L] is
 * the hash of the complete subtree of level L ending the decomposition of
 * size at that bit.  Enough to append and to compute the root in memory.
 */
typedef struct elog_frontier {
	uint64_t size;
	elog_hash peak[64];
} elog_frontier;

/* Called for every complete subtree of level >= 1 that an append completes,
 * in the order tlog stores them. */
typedef int (*elog_node_sink)(void *ctx, int level, uint64_t index,
			      const elog_hash *hash, elog_err_t *err);

void elog_frontier_init(elog_frontier *f);
/* Load the frontier of a tree of size leaves from a hash reader. */
int elog_frontier_load(elog_frontier *f, uint64_t size, elog_hash_reader rd,
		       void *ctx, elog_err_t *err);
/* Append one leaf hash; sink (may be NULL) sees each completed node. */
int elog_frontier_append(elog_frontier *f, const elog_hash *leaf,
			 elog_node_sink sink, void *ctx, elog_err_t *err);
void elog_frontier_root(const elog_frontier *f, elog_hash *out);

/* Root over n leaf hashes held in memory (n may be 0). */
void elog_root_of_leaves(const elog_hash *leaves, size_t n, elog_hash *out);

/* A hash reader over leaf hashes held in memory (ctx: elog_leaf_array). */
typedef struct elog_leaf_array {
	const elog_hash *leaves;
	size_t n;
} elog_leaf_array;
int elog_leaf_array_reader(void *ctx, int level, uint64_t index,
			   elog_hash *out, elog_err_t *err);

#endif
