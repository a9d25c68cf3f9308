/*
 * shard.h — the entries of a root log (docs/PROTOCOL.md, "Root logs"): a
 * root records the signed checkpoints of the shard logs it follows.
 *
 *   shard_add      {"kind","origin","ts","vkey"}
 *   shard          {"kind","origin","registry","root","signature","size","ts"}
 *   shard_refusal  {"kind","origin","reason","root","signature","size","ts"}
 *   shard_retire   {"kind","origin","root","size","ts"}
 *   shard_close    {"kind","origin","root","size","ts"}
 *
 * root is the base64 of the shard checkpoint's 32-byte root hash; signature
 * the base64 of the 68 bytes keyid || Ed25519 signature of the shard's
 * signature line over the checkpoint text "<origin>\n<size>\n<root>\n", so
 * a shard or shard_refusal entry is the shard's own signed statement.
 */
#ifndef ELOG_SHARD_H
#define ELOG_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checkpoint.h"
#include "entry.h"
#include "error.h"
#include "merkle.h"
#include "note.h"

#define ELOG_SHARD_SIG_LEN 68 /* 4-byte key id || 64-byte signature */

/* A root entry to build (the fields its kind has; the others ignored). */
typedef struct elog_shard_entry {
	int kind; /* ELOG_KIND_SHARD_ADD .. ELOG_KIND_SHARD_CLOSE */
	int64_t ts;
	const char *origin;
	const char *vkey;   /* shard_add: the shard's verifier key text */
	const char *reason; /* shard_refusal: "rollback" or "fork" */
	uint64_t registry;  /* shard: shards registered and not closed */
	elog_checkpoint cp; /* all but shard_add: origin unused, size, root */
	uint8_t signature[ELOG_SHARD_SIG_LEN]; /* shard, shard_refusal */
} elog_shard_entry;

/* 1 if kind is one of the five root kinds. */
int elog_kind_is_root(int kind);

/*
 * Build the canonical leaf data of a root entry into out.  INVALID_VALUE
 * for a bad origin, vkey (not an Ed25519 key named origin), reason or
 * kind; OUT_OF_RANGE for ts, size or registry beyond 2^53-1.
 */
int elog_shard_entry_build(const elog_shard_entry *s, elog_entry *out,
			   elog_err_t *err);

/*
 * Check parsed canonical leaf data of a root kind: exactly the fields of
 * its kind with their types and lengths (used by elog_entry_from_data).
 * UNKNOWN_FIELD, MISSING_FIELD, WRONG_TYPE, OUT_OF_RANGE or INVALID_VALUE
 * naming the field.
 */
int elog_shard_data_check(const json_t *obj, int kind, elog_err_t *err);

/*
 * Verify a shard's statement: sig (keyid || Ed25519 signature) by the
 * shard key v over "<origin>\n<size>\n<root>\n".  MALFORMED_KEY unless v
 * is an Ed25519 key named origin; BAD_SIGNATURE if the key id or the
 * signature is wrong.
 */
int elog_shard_sig_verify(const elog_verifier *v, const char *origin,
			  uint64_t size, const elog_hash *root,
			  const uint8_t sig[ELOG_SHARD_SIG_LEN],
			  elog_err_t *err);

/*
 * Verify the signature of a shard or shard_refusal entry (a parsed JSON
 * object, already checked by elog_shard_data_check) with the shard key v:
 * its origin, size and root signed by v.  INVALID_VALUE for other kinds.
 */
int elog_shard_entry_verify(const json_t *entry, const elog_verifier *v,
			    elog_err_t *err);

/*
 * Open a shard's signed checkpoint note with its key v (as
 * elog_checkpoint_open) and take its signature: *cp parsed, sig the 68
 * bytes of v's line.  MALFORMED_CHECKPOINT if the note has extension
 * lines (the signed text must be exactly the three lines).
 */
int elog_shard_checkpoint_open(const char *note, size_t len,
			       const elog_verifier *v, elog_checkpoint *cp,
			       uint8_t sig[ELOG_SHARD_SIG_LEN],
			       elog_err_t *err);

#endif
