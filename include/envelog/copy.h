/*
 * copy.h — copy a log from one store to another (a SQLite file to
 * PostgreSQL, or back), then verify the copy.
 */
#ifndef ELOG_COPY_H
#define ELOG_COPY_H

#include "error.h"
#include "note.h"
#include "store.h"

/* What a copy did. */
typedef struct elog_copy_report {
	uint64_t size;	      /* entries */
	uint64_t checkpoints; /* checkpoints, each with its exact note */
	uint64_t purged; /* entries of the purged prefix, copied as rows */
	uint64_t rows;	 /* rows of the registries: cosignatures, tokens,
				 authorities, witnesses, warrant uses, purge
				 horizons, ingest keys */
} elog_copy_report;

/*
 * Copy the log of src (open for reading) into a new store at to (a file
 * path or a PostgreSQL connection string), which elog_store_create
 * creates: CONFLICT, and nothing changed, if to is not new or empty;
 * UNKNOWN_KEY, and nothing created, if signer is not the log's key.
 *
 * The entries of the purged prefix (the purge horizon) are copied as rows
 * (entry, tree hashes, checkpoints); every later entry is appended through
 * the target's store, checkpoint by checkpoint, so that the target writes
 * its own records and lawful-request index, and each commit is signed
 * with signer (the log's key) at the source checkpoint's time: Ed25519
 * being deterministic, the note must then be the source's byte for byte,
 * else the copy fails.  Cosignatures, tokens (their hashes), authorities,
 * witnesses, warrant uses, purge horizons and ingest keys are copied as
 * rows, with the party key and run size of the index.
 *
 * Then the copy is verified: the same size, every checkpoint the same
 * (size, root, note, time), and elog_verify_store of the target against
 * the source's verifier key and latest checkpoint.  0, or an error with
 * err saying why; after a failure past creation the target is incomplete
 * (err says so).
 */
int elog_store_copy(elog_store *src, const char *to, const elog_signer *signer,
		    elog_copy_report *rep, elog_err_t *err);

#endif
