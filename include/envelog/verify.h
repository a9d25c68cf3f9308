/*
 * verify.h — the complete offline check of a database: every leaf hash
 * recomputed from its data (unless purged), the chain, every stored tree
 * hash, every stored checkpoint's root and signature (against a key the
 * caller trusts), every entry covered by a signed checkpoint, the purge
 * prefix (purge entries, their counts and the purge_horizon table), the
 * lawful-request index against the records, warrant_use against the
 * disclosures and refusals, and, optionally, a checkpoint the caller
 * holds.  Streaming: memory does not grow with the size of the log (but
 * for one small record per purge entry).
 */
#ifndef ELOG_VERIFY_H
#define ELOG_VERIFY_H

#include <stdint.h>

#include "error.h"
#include "store.h"

typedef struct elog_verify_report {
	uint64_t entries;     /* entries checked */
	uint64_t purged;      /* of which purged (data gone, hashes kept) */
	uint64_t tree_hashes; /* stored tree hashes checked */
	uint64_t checkpoints; /* stored checkpoints checked */
	int64_t bad_seq;      /* first bad seq, or -1 */
	char what[256];	      /* what is wrong, for bad_seq */
} elog_verify_report;

/* What the caller trusts; every field may be NULL. */
typedef struct elog_verify_opts {
	/* The log's verifier key text the auditor holds.  NULL: the key the
	 * database stores (which its operator controls). */
	const char *vkey;
	/* A signed checkpoint note the auditor holds (e.g. cosigned by
	 * witnesses), verified with the key above: the log must contain its
	 * size and have its root there, so a truncated, rolled back or
	 * rewritten log fails. */
	const char *checkpoint;
	size_t checkpoint_len;
} elog_verify_opts;

/* Called now and then with entries done and the total. */
typedef void (*elog_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/*
 * Verify the store against opts (NULL: trust nothing but the database).
 * 0 if intact; TAMPERED with rep->bad_seq (-1 when no one seq is to blame)
 * and rep->what naming the first failure; BAD_KEY or MALFORMED_CHECKPOINT
 * when opts->vkey or opts->checkpoint is unusable; IO and others for errors
 * reading it.
 */
int elog_verify_store(elog_store *s, const elog_verify_opts *opts,
		      elog_progress_fn progress, void *ctx,
		      elog_verify_report *rep, elog_err_t *err);

/*
 * The quick check of the store against a signed checkpoint note, from the
 * stored hashes (O(log n) reads, not a full verify): the note verifies with
 * vk, the log has at least its size, and the stored tree has its root at
 * that size.  *size (if not NULL) receives its size.  0; TAMPERED when the
 * log is shorter (rolled back or truncated) or has another root there
 * (rewritten or forked), err saying which; MALFORMED_CHECKPOINT or
 * BAD_SIGNATURE for a note that does not verify.
 */
int elog_verify_checkpoint(elog_store *s, const elog_verifier *vk,
			   const char *note, size_t len, uint64_t *size,
			   elog_err_t *err);

#endif
