/*
 * witness.h — the witness side of C2SP tlog-witness
 * (https://c2sp.org/tlog-witness): checking an add-checkpoint request
 * against the last checkpoint the witness cosigned for that log, and the
 * witness's state of the logs it follows.
 *
 * The request body is "old <size>\n", up to 63 base64 consistency proof
 * lines, an empty line, then the signed checkpoint.  The answers, as the
 * spec gives them: 404 unknown origin (NOT_FOUND), 403 no signature by
 * the log's key (BAD_SIGNATURE), 400 malformed or old above the
 * checkpoint's size (MALFORMED_REQUEST), 409 old is not the size last
 * cosigned, or the same size with another root (CONFLICT; the caller
 * answers the size last cosigned as text/x.tlog.size), 422 the
 * consistency proof does not verify (PROOF_INVALID).
 */
#ifndef ELOG_WITNESS_H
#define ELOG_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "error.h"
#include "merkle.h"
#include "note.h"

#define ELOG_WITNESS_MAX_LOGS 64
#define ELOG_WITNESS_MAX_BODY 16384

/* One log a witness follows: its key, and what the witness last cosigned
 * (size 0: nothing yet). */
typedef struct elog_witness_log {
	elog_verifier key; /* its name is the log's origin */
	uint64_t size;
	elog_hash root;
} elog_witness_log;

/*
 * Check the add-checkpoint body (len bytes) against logs[0..n) and, when
 * it passes, cosign the checkpoint with w at time now (seconds): the
 * cosignature line into line (cap bytes, with its \n), *log the index of
 * the log, and the new size and root into *size, *root (the caller stores
 * them, then updates logs[*log], atomically with this check).  On CONFLICT
 * *size is the size last cosigned.  Never changes logs.
 */
int elog_witness_check(const char *body, size_t len,
		       const elog_witness_log *logs, size_t n,
		       const elog_signer *w, uint64_t now, char *line,
		       size_t cap, size_t *log, uint64_t *size,
		       elog_hash *root, elog_err_t *err);

/*
 * The state file's text for logs[0..n): one line "<origin> <size>
 * <base64 root>" per log that has a cosigned size, into a malloc'd *out.
 */
int elog_witness_state_format(const elog_witness_log *logs, size_t n,
			      char **out, size_t *len, elog_err_t *err);
/* Read a state file's text into logs[0..n) (lines of unknown origins are
 * kept out; a malformed line is MALFORMED_REQUEST). */
int elog_witness_state_parse(const char *text, size_t len,
			     elog_witness_log *logs, size_t n,
			     elog_err_t *err);

#endif
