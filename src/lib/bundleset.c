/* bundleset.c — verifying a bundle set offline (see bundleset.h). */
#include "bundleset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "canon.h"
#include "checkpoint.h"
#include "request.h"
#include "shard.h"

int elog_bundle_is_set(const char *json, size_t len)
{
	json_t *j = NULL;
	int yes;

	if (elog_json_load(json, len, &j, NULL) != 0)
		return 0;
	yes = json_is_object(j) && json_object_get(j, "bundle_set") != NULL;
	json_decref(j);
	return yes;
}

/* The string member name of o, or NULL. */
static const char *str(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The non-negative integer member name of o into *out; -1 if none. */
static int uint_member(const json_t *o, const char *name, uint64_t *out)
{
	const json_t *v = json_object_get(o, name);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/*
 * One root entry of a shard ({"seq","entry","proof"} under name in sh),
 * included in the root checkpoint rcp and of the given kind for origin.
 */
static int root_entry(const json_t *sh, const char *name, const char *kind,
		      const char *origin, const elog_checkpoint *rcp,
		      uint64_t *seq, const json_t **entry, elog_err_t *err)
{
	elog_hash leaf, proof[ELOG_MAX_PROOF];
	size_t np = 0;
	const char *k, *o;
	elog_err_t e;

	if (elog_bundle_proved_entry(json_object_get(sh, name), -1, seq, &leaf,
				     proof, &np, entry, &e) != 0)
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, name,
				 "shard %s: %s: %s", origin, name, e.msg);
	if (elog_verify_inclusion(*seq, rcp->size, &leaf, proof, np,
				  &rcp->root, NULL) != 0)
		return elog_fail(err, ELOG_PROOF_INVALID, -1, name,
				 "shard %s: its %s entry (root seq %llu) is "
				 "not included in the root checkpoint",
				 origin, name, (unsigned long long)*seq);
	k = str(*entry, "kind");
	o = str(*entry, "origin");
	if (!k || strcmp(k, kind) != 0 || !o || strcmp(o, origin) != 0)
		return elog_fail(err, ELOG_PROOF_INVALID, -1, name,
				 "shard %s: its %s entry (root seq %llu) is "
				 "not a %s entry for %s",
				 origin, name, (unsigned long long)*seq, kind,
				 origin);
	if (elog_shard_data_check(*entry, elog_kind_from_name(kind), &e) != 0)
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, name,
				 "shard %s: its %s entry is not a valid %s "
				 "entry: %s",
				 origin, name, kind, e.msg);
	return 0;
}

/*
 * Check shard sh (index i) of a set against the root checkpoint rcp; its
 * records are added to rep.  nshards: the number of shards in the set.
 */
static int check_shard(const json_t *sh, size_t i, const elog_checkpoint *rcp,
		       const char *warrant_sha256, size_t nshards,
		       elog_bundle_set_report *rep, elog_err_t *err)
{
	const json_t *reg, *rec, *jb;
	const char *origin, *vtext, *sig, *rtext, *wsha, *note;
	elog_verifier vk;
	elog_checkpoint bcp;
	elog_hash root, proof[ELOG_MAX_PROOF];
	elog_bundle_report br;
	uint64_t rseq, sseq, size, registry;
	size_t np = 0;
	char *text = NULL;
	elog_err_t e;
	int rc;

	origin = str(sh, "origin");
	if (!json_is_object(sh) || !origin)
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, (long)i, "origin",
				 "shard %zu of the set has no origin", i);
	snprintf(rep->shard, sizeof rep->shard, "%s", origin);
	/* Registration: the shard's key, from the root's own log. */
	if ((rc = root_entry(sh, "registration", "shard_add", origin, rcp,
			     &rseq, &reg, err)))
		return rc;
	vtext = str(reg, "vkey");
	if (!vtext || elog_verifier_parse(vtext, &vk, NULL) != 0 ||
	    strcmp(vk.name, origin) != 0)
		return elog_fail(err, ELOG_PROOF_INVALID, -1, "registration",
				 "shard %s: its registration's vkey is not a "
				 "key named %s",
				 origin, origin);
	/* Recorded: the shard's signed checkpoint, as the root appended it. */
	if ((rc = root_entry(sh, "recorded", "shard", origin, rcp, &sseq, &rec,
			     err)))
		return rc;
	if (sseq <= rseq)
		return elog_fail(err, ELOG_PROOF_INVALID, -1, "recorded",
				 "shard %s: its recorded checkpoint (root seq "
				 "%llu) is not after its registration (root "
				 "seq %llu)",
				 origin, (unsigned long long)sseq,
				 (unsigned long long)rseq);
	sig = str(rec, "signature");
	rtext = str(rec, "root");
	if (uint_member(rec, "size", &size) ||
	    uint_member(rec, "registry", &registry) || !sig || !rtext ||
	    elog_hash_from_b64(rtext, &root) != 0)
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "recorded",
				 "shard %s: its recorded entry lacks size, "
				 "root, signature or registry",
				 origin);
	if (elog_shard_entry_verify(rec, &vk, &e))
		return elog_fail(err, e.code, -1, "recorded",
				 "shard %s: recorded checkpoint: %s", origin,
				 e.msg);
	if (registry != nshards)
		return elog_fail(err, ELOG_INCONSISTENT, -1, "registry",
				 "shard %s: the root had %llu shards registered "
				 "when it recorded this one; the set has %zu",
				 origin, (unsigned long long)registry,
				 nshards);
	/* The shard's own bundle, with the key the root registered. */
	jb = json_object_get(sh, "bundle");
	if (!json_is_object(jb) || !(text = json_dumps(jb, JSON_COMPACT)))
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "bundle",
				 "shard %s: no bundle", origin);
	rc = elog_bundle_verify(text, strlen(text), &vk, NULL, 0, 0, &br, &e);
	free(text);
	if (rc)
		return elog_fail(err, e.code, -1, "bundle",
				 "shard %s: bundle: %s", origin, e.msg);
	note = str(jb, "checkpoint");
	if (!note || elog_checkpoint_open(note, strlen(note), &vk, &bcp, NULL))
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "bundle",
				 "shard %s: the bundle's checkpoint does not "
				 "open",
				 origin);
	wsha = str(json_object_get(json_object_get(jb, "disclosure"), "entry"),
		   "warrant_sha256");
	if (!wsha || strcmp(wsha, warrant_sha256) != 0)
		return elog_fail(err, ELOG_PROOF_INVALID, -1, "warrant_sha256",
				 "shard %s: its disclosure answers another "
				 "warrant than the set's",
				 origin);
	/* The bundle's checkpoint is a prefix of the recorded one. */
	if (bcp.size > size)
		return elog_fail(err, ELOG_INCONSISTENT, -1, "consistency",
				 "shard %s: the bundle's checkpoint (size "
				 "%llu) is beyond the one the root recorded "
				 "(size %llu)",
				 origin, (unsigned long long)bcp.size,
				 (unsigned long long)size);
	if (elog_bundle_proof_parse(json_object_get(sh, "consistency"), proof,
				    &np) != 0)
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "consistency",
				 "shard %s: consistency is not a list of "
				 "base64 hashes",
				 origin);
	if (elog_verify_consistency(bcp.size, size, &bcp.root, &root, proof,
				    np, NULL) != 0)
		return elog_fail(err, ELOG_INCONSISTENT, -1, "consistency",
				 "shard %s: the bundle's checkpoint (size "
				 "%llu) is not consistent with the one the "
				 "root recorded (size %llu)",
				 origin, (unsigned long long)bcp.size,
				 (unsigned long long)size);
	rep->records += br.records;
	rep->shard[0] = '\0';
	return 0;
}

int elog_bundle_set_verify(const char *json, size_t len,
			   const elog_verifier *root_vk,
			   elog_bundle_set_report *rep, elog_err_t *err)
{
	json_t *set = NULL;
	const json_t *shards, *missing, *sh;
	const char *fmt, *note, *wsha;
	elog_checkpoint rcp;
	size_t i, n;
	int rc;

	memset(rep, 0, sizeof *rep);
	if ((rc = elog_json_load(json, len, &set, err)))
		return rc;
	fmt = str(set, "bundle_set");
	note = str(set, "root_checkpoint");
	wsha = str(set, "warrant_sha256");
	shards = json_object_get(set, "shards");
	missing = json_object_get(set, "missing");
	if (!fmt || strcmp(fmt, ELOG_BUNDLE_SET_FORMAT) != 0) {
		rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "bundle_set",
			       "not a bundle set of format %s",
			       ELOG_BUNDLE_SET_FORMAT);
		goto out;
	}
	if (!note || !wsha || strlen(wsha) != 64 || !json_is_array(shards) ||
	    !json_is_array(missing)) {
		rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, NULL,
			       "a bundle set has root_checkpoint, "
			       "warrant_sha256, shards and missing");
		goto out;
	}
	if (elog_checkpoint_open(note, strlen(note), root_vk, &rcp, NULL)) {
		rc = elog_fail(err, ELOG_BAD_SIGNATURE, -1, "root_checkpoint",
			       "the root checkpoint is not signed by the root "
			       "key %s",
			       root_vk->name);
		goto out;
	}
	rep->root_size = rcp.size;
	n = json_array_size(shards);
	/* Each origin once, before any count is compared with n. */
	json_array_foreach(shards, i, sh)
	{
		const char *o = str(sh, "origin"), *p;
		for (size_t k = 0; o && k < i; k++)
			if ((p = str(json_array_get(shards, k), "origin")) &&
			    !strcmp(o, p)) {
				snprintf(rep->shard, sizeof rep->shard, "%s",
					 o);
				rc = elog_fail(err, ELOG_MALFORMED_BUNDLE,
					       (long)i, "origin",
					       "shard %s appears twice in the "
					       "set",
					       o);
				goto out;
			}
	}
	json_array_foreach(shards, i, sh)
	{
		if ((rc = check_shard(sh, i, &rcp, wsha, n, rep, err)))
			goto out;
		rep->shards++;
	}
	if (json_array_size(missing) > 0) {
		const char *o = str(json_array_get(missing, 0), "origin");
		snprintf(rep->shard, sizeof rep->shard, "%s", o ? o : "");
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, "missing",
			       "the set is incomplete: %zu shard(s) did not "
			       "answer, the first %s",
			       json_array_size(missing), o ? o : "unnamed");
		goto out;
	}
	if (n == 0) {
		rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "shards",
			       "the set has no shard");
		goto out;
	}
	rc = 0;
out:
	json_decref(set);
	return rc;
}

int elog_bundle_set_check_warrant(const char *json, size_t len,
				  const char *warrant, size_t warrant_len,
				  elog_bundle_set_report *rep, elog_err_t *err)
{
	json_t *set = NULL;
	const json_t *sh;
	size_t i;
	int rc;

	memset(rep, 0, sizeof *rep);
	if ((rc = elog_json_load(json, len, &set, err)))
		return rc;
	json_array_foreach(json_object_get(set, "shards"), i, sh)
	{
		const char *origin = str(sh, "origin");
		char *text = json_dumps(json_object_get(sh, "bundle"),
					JSON_COMPACT);
		elog_err_t e;

		snprintf(rep->shard, sizeof rep->shard, "%s",
			 origin ? origin : "");
		if (!text) {
			rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, (long)i,
				       "bundle", "shard %zu has no bundle", i);
			goto out;
		}
		rc = elog_bundle_check_warrant(text, strlen(text), warrant,
					       warrant_len, &e);
		free(text);
		if (rc) {
			rc = elog_fail(err, e.code, e.index, e.field,
				       "shard %s: %s", rep->shard, e.msg);
			goto out;
		}
		rep->shards++;
	}
	rep->shard[0] = '\0';
	rc = 0;
out:
	json_decref(set);
	return rc;
}
