/*
 * request.h — lawful requests (docs/PROTOCOL.md): a signed warrant
 * in, a disclosure or a refusal entry in the log, and the bundle out.
 *
 *   elog_request_open    step 2: the warrant verifies with the registered
 *                        key of the authority bound to the token, names
 *                        that authority, and parses.  Nothing is logged.
 *   elog_request_apply   steps 3-4, inside the writer's transaction:
 *                        policy (incl. id reuse); a refusal entry, or the
 *                        query and a disclosure entry.
 *   elog_bundle_build    after the commit: the bundle, with inclusion
 *                        proofs against the commit's checkpoint.
 */
#ifndef ELOG_REQUEST_H
#define ELOG_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "store.h"
#include "warrant.h"

#define ELOG_MAX_RECORDS 10000 /* default bound on records per bundle */

typedef struct elog_request {
	char *note; /* the signed warrant as received (owned) */
	size_t note_len;
	elog_warrant w;
	char warrant_sha256[65]; /* hex SHA-256 of the whole note */
	elog_hash text_sha256;	 /* SHA-256 of the warrant text */
} elog_request;

/*
 * Verify and parse note for the authority bound to the token.
 * UNKNOWN_KEY (no live authority of that name, or the note is not signed
 * by its key), BAD_SIGNATURE, AUTHORITY_MISMATCH (the warrant names
 * another authority), MALFORMED_NOTE, MALFORMED_WARRANT.
 */
int elog_request_open(elog_store *s, const char *authority, const char *note,
		      size_t len, elog_request *out, elog_err_t *err);
void elog_request_free(elog_request *rq);

typedef struct elog_outcome {
	const char *refusal; /* NULL: disclosed; else the refusal reason */
	uint64_t seq;	     /* seq of the disclosure or refusal entry */
	uint64_t *records;   /* disclosed seqs, ascending (owned) */
	size_t nrecords;
	char **data; /* their private records, kept for the bundle
				  (owned) */
	size_t ndata;
	unsigned char salt[ELOG_SALT_LEN]; /* of the records_commitment */
	int partly_purged;
} elog_outcome;

void elog_outcome_free(elog_outcome *o);

/*
 * Inside a transaction begun on the writer: apply the policy (now, limits,
 * id reuse), then add a refusal entry, or find the records (at most
 * max_records, else the refusal "too_many_records") and add the disclosure
 * entry with records_commitment = SHA-256(salt || records_root) and a
 * fresh random salt (kept in out->salt for the bundle).  A warrant whose
 * log line names another log than this one's origin (or p->root_origin,
 * when set) is refused "other_log".  The caller commits.
 */
int elog_request_apply(elog_store *w, const elog_request *rq,
		       const elog_policy *p, size_t max_records,
		       elog_outcome *out, elog_err_t *err);

/*
 * The bundle of a committed disclosure, proofs against the checkpoint note
 * of size `size` (the commit's):
 *   {"disclosure":{"seq","entry","proof"},
 *    "records":[{"seq","record","proof"},…], "records_salt":"<base64>",
 *    "checkpoint":"…"}
 * Each record is the event's private record (with its nonce); its leaf is
 * its commitment.
 */
int elog_bundle_build(elog_store *s, const elog_outcome *o,
		      const char *checkpoint, uint64_t size, json_t **out,
		      elog_err_t *err);

/*
 * Pieces of a bundle, for the bundle sets of root logs (bundleset.h):
 *   elog_bundle_proof_parse   a JSON array of at most ELOG_MAX_PROOF base64
 *                             hashes into proof[ELOG_MAX_PROOF], its length
 *                             in *np; -1 if it is anything else.
 *   elog_bundle_proved_entry  {"seq":S,"entry":{…},"proof":[…]}: S, the
 *                             leaf hash of the canonical entry, its proof
 *                             and the entry (borrowed from j);
 *                             MALFORMED_BUNDLE naming what is wrong.
 */
int elog_bundle_proof_parse(const json_t *arr, elog_hash *proof, size_t *np);
int elog_bundle_proved_entry(const json_t *j, long index, uint64_t *seq,
			     elog_hash *leaf, elog_hash *proof, size_t *np,
			     const json_t **entry, elog_err_t *err);

typedef struct elog_bundle_report {
	uint64_t size; /* the checkpoint's tree size */
	uint64_t seq;  /* the disclosure's seq */
	uint64_t records;
	size_t witnesses; /* valid witness cosignatures found */
	char authority[ELOG_NAME_MAX + 1];
	char warrant_id[ELOG_WARRANT_ID_MAX + 1];
} elog_bundle_report;

/*
 * Check a bundle offline: the checkpoint's signature by the log key vk;
 * at least min_witnesses valid cosignatures by distinct given witness keys;
 * the disclosure's and every record's inclusion proof, each record's leaf
 * recomputed from the record (record -> commitment -> leaf hash); that
 * records are events in ascending seq order below the disclosure; that the
 * disclosure (a public disclosure entry, not an event commitment) has the
 * number of records and records_commitment = SHA-256(records_salt ||
 * root of the records' leaf hashes).  PROOF_INVALID, BAD_SIGNATURE or
 * MALFORMED_BUNDLE naming what failed.
 */
int elog_bundle_verify(const char *json, size_t len, const elog_verifier *vk,
		       const elog_verifier *witnesses, size_t nwitnesses,
		       size_t min_witnesses, elog_bundle_report *rep,
		       elog_err_t *err);

/*
 * Over-disclosure: check a bundle's records against the signed warrant note
 * it answered (warrant, as the authority sent it).  The disclosure's
 * warrant_sha256 must be that note's; each record's event must have its ts
 * in the warrant's [from, to) and a subject as its sender or recipient.
 * The event's fields are read from the record's "record" object, or, when
 * it has none, from its "entry".  Call after elog_bundle_verify.
 * OUTSIDE_WARRANT naming the first record outside (err->index, and its seq
 * in the message), MALFORMED_BUNDLE / MALFORMED_WARRANT /
 * MALFORMED_NOTE when either does not parse.
 */
int elog_bundle_check_warrant(const char *json, size_t len,
			      const char *warrant, size_t warrant_len,
			      elog_err_t *err);

#endif
