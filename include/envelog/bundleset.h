/*
 * bundleset.h — the bundle set of a lawful request across the shards of a
 * root log (docs/PROTOCOL.md, "Bundle sets"): one bundle per shard, each
 * tied to one signed root checkpoint by the root's entries for its shard.
 *
 *   {"bundle_set":"envelog/bundle-set/v1",
 *    "root_checkpoint":"<signed root checkpoint note>",
 *    "warrant_sha256":"<hex>",
 *    "shards":[{"origin":O,
 *               "registration":{"seq":S,"entry":{shard_add},"proof":[…]},
 *               "recorded":{"seq":S2,"entry":{shard},"proof":[…]},
 *               "consistency":[…],
 *               "bundle":{…the shard's bundle…}}],
 *    "missing":[{"origin":O,"error":"<code>","message":"…"}]}
 *
 * Verified offline trusting only the root's verifier key.
 */
#ifndef ELOG_BUNDLESET_H
#define ELOG_BUNDLESET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "merkle.h"
#include "note.h"

#define ELOG_BUNDLE_SET_FORMAT "envelog/bundle-set/v1"
/* 1 if json parses as an object with a "bundle_set" member, else 0. */
int elog_bundle_is_set(const char *json, size_t len);

typedef struct elog_bundle_set_report {
	uint64_t root_size; /* the root checkpoint's size */
	size_t shards;	    /* bundles checked */
	uint64_t records;   /* records disclosed, over all bundles */
	/* the shard that failed ("" when none, or the set as a whole) */
	char shard[ELOG_NAME_MAX + 1];
} elog_bundle_set_report;

/*
 * Verify a bundle set offline with the root's verifier key root_vk: the
 * root checkpoint's signature; per shard, the inclusion of its
 * registration (a shard_add entry for the shard whose vkey names it) and
 * of its recorded checkpoint (a later shard entry for it, whose signature
 * verifies with that vkey; both of the exact form of shard.h), the shard's bundle (elog_bundle_verify with
 * that vkey), the consistency of the bundle's checkpoint with the recorded
 * one, and that its disclosure answers the set's warrant_sha256; that no
 * origin appears twice and every recorded entry's registry is the number
 * of shards in the set; and that "missing" is empty.  0; on failure
 * rep->shard names the shard (when one is to blame) and err says what
 * failed: MALFORMED_BUNDLE, BAD_SIGNATURE, PROOF_INVALID, INCONSISTENT.
 */
int elog_bundle_set_verify(const char *json, size_t len,
			   const elog_verifier *root_vk,
			   elog_bundle_set_report *rep, elog_err_t *err);

/*
 * Over-disclosure across a set: elog_bundle_check_warrant on every
 * shard's bundle with the signed warrant note the authority sent.  Call
 * after elog_bundle_set_verify.  0; OUTSIDE_WARRANT (a record outside the
 * warrant, or a disclosure of another warrant) with rep->shard naming the
 * shard; MALFORMED_BUNDLE / MALFORMED_WARRANT / MALFORMED_NOTE.
 */
int elog_bundle_set_check_warrant(const char *json, size_t len,
				  const char *warrant, size_t warrant_len,
				  elog_bundle_set_report *rep,
				  elog_err_t *err);

#endif
