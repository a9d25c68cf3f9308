/*
 * verify.h — the complete offline check of a database: every leaf hash
 * recomputed from its data (unless purged), the chain, every stored tree
 * hash, every stored checkpoint's root and signature.  Streaming: memory
 * does not grow with the size of the log.
 */
#ifndef ELOG_VERIFY_H
#define ELOG_VERIFY_H

#include <stdint.h>

#include "error.h"
#include "store.h"

typedef struct elog_verify_report {
	uint64_t entries;      /* entries checked */
	uint64_t purged;       /* of which purged (data gone, hashes kept) */
	uint64_t tree_hashes;  /* stored tree hashes checked */
	uint64_t checkpoints;  /* stored checkpoints checked */
	int64_t bad_seq;       /* first bad seq, or -1 */
	char what[256];        /* what is wrong, for bad_seq */
} elog_verify_report;

/* Called now and then with entries done and the total. */
typedef void (*elog_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/*
 * Verify the store.  0 if intact; TAMPERED with rep->bad_seq and rep->what
 * naming the first failure; IO and others for errors reading it.
 */
int elog_verify_store(elog_store *s, elog_progress_fn progress, void *ctx,
		      elog_verify_report *rep, elog_err_t *err);

#endif
