/* request.c — lawful requests, disclosures, refusals, bundles.  See request.h. */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_query.h"

#include "canon.h"
#include "checkpoint.h"
#include "entry.h"
#include "keyring.h"
#include "merkle.h"
#include "note.h"
#include "rfc3339.h"

int elog_request_open(elog_store *s, const char *authority, const char *note,
		      size_t len, elog_request *out, elog_err_t *err)
{
	elog_verifier v;
	size_t text_len = 0;
	elog_hash whole;
	int rc;

	memset(out, 0, sizeof *out);
	if (len == 0 || len > ELOG_NOTE_MAX)
		return elog_fail(err, ELOG_MALFORMED_NOTE, -1, NULL,
				 "the warrant must be a signed note of at most "
				 "%d bytes",
				 ELOG_NOTE_MAX);
	rc = elog_keyring_get(s, ELOG_KEYRING_AUTHORITY, authority, &v, err);
	if (rc == -ELOG_NOT_FOUND)
		return elog_fail(err, ELOG_UNKNOWN_KEY, -1, NULL,
				 "the authority bound to this token is not "
				 "registered or has been revoked");
	if (rc)
		return rc;
	if ((rc = elog_note_verify(note, len, &v, &text_len, err)))
		return rc;
	if ((rc = elog_warrant_parse(note, text_len, &out->w, err)))
		return rc;
	if (strcmp(out->w.authority, authority) != 0) {
		rc = elog_fail(err, ELOG_AUTHORITY_MISMATCH, -1, "authority",
			       "the warrant names another authority than the "
			       "one bound to this token");
		goto fail;
	}
	out->note = malloc(len + 1);
	if (!out->note) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto fail;
	}
	memcpy(out->note, note, len);
	out->note[len] = '\0';
	out->note_len = len;
	elog_sha256(note, len, &whole);
	elog_hash_to_hex(&whole, out->warrant_sha256);
	elog_sha256(note, text_len, &out->text_sha256);
	return 0;
fail:
	elog_request_free(out);
	return rc;
}

void elog_request_free(elog_request *rq)
{
	if (!rq)
		return;
	free(rq->note);
	elog_warrant_free(&rq->w);
	memset(rq, 0, sizeof *rq);
}

void elog_outcome_free(elog_outcome *o)
{
	if (!o)
		return;
	for (size_t i = 0; o->data && i < o->ndata; i++)
		free(o->data[i]);
	free(o->data);
	free(o->records);
	memset(o, 0, sizeof *o);
}

/* 1 if the id was used before by this authority with a different text; 0
 * if new (then recorded) or same text; negative on error. */
static int id_reused(elog_store *w, const elog_request *rq, uint64_t seq,
		     elog_err_t *err)
{
	elog_query *st = NULL;
	int rc;
	if (elog_query_open(w, ELOG_Q_WARRANT_USE_GET, &st))
		goto dberr;
	elog_query_bind_text(st, 1, rq->w.authority);
	elog_query_bind_text(st, 2, rq->w.id);
	rc = elog_query_step(st);
	if (rc == ELOG_QUERY_ROW) {
		int differs = elog_query_bytes(st, 0) != ELOG_HASH_LEN ||
			      memcmp(elog_query_blob(st, 0), rq->text_sha256.b,
				     ELOG_HASH_LEN) != 0;
		elog_query_end(st);
		return differs;
	}
	elog_query_end(st);
	st = NULL;
	if (rc != ELOG_QUERY_DONE)
		goto dberr;
	if (elog_query_open(w, ELOG_Q_WARRANT_USE_INSERT, &st))
		goto dberr;
	elog_query_bind_text(st, 1, rq->w.authority);
	elog_query_bind_text(st, 2, rq->w.id);
	elog_query_bind_blob(st, 3, rq->text_sha256.b, ELOG_HASH_LEN);
	elog_query_bind_int(st, 4, (int64_t)seq);
	rc = elog_query_step(st);
	elog_query_end(st);
	if (rc != ELOG_QUERY_DONE)
		goto dberr_nostmt;
	return 0;
dberr:
	elog_query_end(st);
dberr_nostmt:
	return elog_fail(err, elog_store_errcode(w), -1, NULL,
			 "database error: %s", elog_store_errmsg(w));
}

static int add_refusal(elog_store *w, const elog_request *rq,
		       const char *reason, int64_t now, elog_outcome *out,
		       elog_err_t *err)
{
	elog_entry e;
	int rc = elog_refusal_entry(now, rq->w.authority, rq->w.id,
				    rq->warrant_sha256, reason, &e, err);
	if (rc)
		return rc;
	rc = elog_store_add(w, &e, &out->seq, err);
	elog_entry_free(&e);
	out->refusal = reason;
	return rc;
}

/* The records of a disclosure being kept with its outcome (an elog_leaf_fn):
 * record i in out->data[i], its leaf hash in leaves[i]. */
struct kept_records {
	elog_outcome *out;
	elog_hash *leaves;
	size_t i;
	elog_err_t *err;
};

static int keep_record(void *ctx, const elog_leaf *l)
{
	struct kept_records *k = ctx;
	char *d;
	if (!l->record || !(d = malloc(l->record_len + 1)))
		return elog_fail(k->err, ELOG_NOMEM, (long)l->seq, NULL,
				 "cannot keep a record");
	memcpy(d, l->record, l->record_len);
	d[l->record_len] = '\0';
	k->out->data[k->i] = d;
	k->leaves[k->i++] = l->leaf_hash;
	return 0;
}

/* 1 if a warrant's log line names this log: its origin, or the origin of
 * the root log it is registered under (root_origin, may be NULL). */
static int names_this_log(const char *log, const char *origin,
			  const char *root_origin)
{
	return strcmp(log, origin) == 0 || (root_origin && root_origin[0] &&
					    strcmp(log, root_origin) == 0);
}

int elog_request_apply(elog_store *w, const elog_request *rq,
		       const elog_policy *p, size_t max_records,
		       elog_outcome *out, elog_err_t *err)
{
	const char *reason;
	uint64_t next, *seqs = NULL, through = 0;
	elog_hash *leaves = NULL, root;
	elog_disclosure d;
	elog_entry e;
	size_t n = 0;
	int truncated = 0, rc;
	int64_t horizon = 0;
	struct kept_records kr = {0};

	memset(out, 0, sizeof *out);
	memset(&e, 0, sizeof e);
	if ((rc = elog_store_size(w, &next, err)))
		return rc;
	reason = !names_this_log(rq->w.log, elog_store_origin(w),
				 p->root_origin)
			 ? "other_log"
			 : elog_warrant_refusal(&rq->w, p);
	if (!reason) {
		rc = id_reused(w, rq, next, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			reason = "id_reused";
	}
	if (reason)
		return add_refusal(w, rq, reason, p->now_ms, out, err);

	if ((rc = elog_store_events_for(w, rq->w.subjects, rq->w.nsubjects,
					rq->w.from, rq->w.to, max_records,
					&seqs, &n, &truncated, err)))
		return rc;
	if (truncated) {
		free(seqs);
		return add_refusal(w, rq, "too_many_records", p->now_ms, out,
				   err);
	}
	leaves = malloc((n ? n : 1) * sizeof *leaves);
	if (!leaves) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	/* The records are kept with the outcome: the bundle is built after
	 * the commit, when a purge may already have run. */
	out->data = calloc(n ? n : 1, sizeof *out->data);
	if (!out->data) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	out->ndata = n;
	kr.out = out;
	kr.leaves = leaves;
	kr.err = err;
	if ((rc = elog_store_leaves_at(w, seqs, n, keep_record, &kr, err)))
		goto out;
	if ((rc = elog_store_horizon(w, &horizon, &through, err)))
		goto out;
	memset(&d, 0, sizeof d);
	d.ts = p->now_ms;
	d.authority = rq->w.authority;
	d.warrant_id = rq->w.id;
	memcpy(d.warrant_sha256, rq->warrant_sha256, sizeof d.warrant_sha256);
	d.from = rq->w.from;
	d.to = rq->w.to;
	d.subjects = rq->w.nsubjects;
	d.records = n;
	elog_root_of_leaves(leaves, n, &root);
	randombytes_buf(out->salt, sizeof out->salt);
	elog_records_commitment(out->salt, &root, &d.records_commitment);
	d.partly_purged = horizon > rq->w.from;
	if ((rc = elog_disclosure_entry(&d, &e, err)) ||
	    (rc = elog_store_add(w, &e, &out->seq, err)))
		goto out;
	out->records = seqs;
	out->nrecords = n;
	out->partly_purged = d.partly_purged;
	seqs = NULL;
out:
	elog_entry_free(&e);
	free(leaves);
	free(seqs);
	if (rc)
		elog_outcome_free(out);
	return rc;
}

/* {"seq":…,"entry":{…},"proof":[…]} for one entry with its proof (np
 * hashes), its leaf data read from the store; or, when record is given,
 * {"seq":…,"record":{…},"proof":[…]} for that event's record. */
static int proved_entry(elog_store *s, uint64_t seq, const char *record,
			const elog_hash *proof, size_t np, json_t **out,
			elog_err_t *err)
{
	size_t len;
	elog_leaf l;
	json_t *entry = NULL, *arr = NULL;
	int rc;

	const char *data = record;

	*out = NULL;
	if (data) {
		len = strlen(data);
	} else {
		if ((rc = elog_store_leaf(s, seq, &l, err)))
			return rc;
		if (!l.data)
			return elog_fail(err, ELOG_NOT_FOUND, (long)seq, NULL,
					 "entry %llu has no leaf data",
					 (unsigned long long)seq);
		data = l.data;
		len = l.len;
	}
	if ((rc = elog_json_load(data, len, &entry, err)))
		return rc;
	arr = json_array();
	for (size_t i = 0; arr && i < np; i++) {
		char b64[ELOG_HASH_B64_LEN];
		elog_hash_to_b64(&proof[i], b64);
		json_array_append_new(arr, json_string(b64));
	}
	*out = json_pack("{s:I,s:O,s:O}", "seq", (json_int_t)seq,
			 record ? "record" : "entry", entry, "proof", arr);
	if (!*out)
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	json_decref(entry);
	json_decref(arr);
	return rc;
}

int elog_bundle_build(elog_store *s, const elog_outcome *o,
		      const char *checkpoint, uint64_t size, json_t **out,
		      elog_err_t *err)
{
	json_t *b = NULL, *records = NULL, *disc = NULL;
	char salt[sodium_base64_ENCODED_LEN(ELOG_SALT_LEN,
					    sodium_base64_VARIANT_ORIGINAL)];
	/* the disclosure's proof, then the records' */
	uint64_t *seqs = malloc((o->nrecords + 1) * sizeof *seqs);
	elog_hash *proofs = malloc((o->nrecords + 1) * ELOG_MAX_PROOF *
				   sizeof *proofs);
	size_t *np = malloc((o->nrecords + 1) * sizeof *np);
	int rc, began = 0;

	*out = NULL;
	if (!seqs || !proofs || !np) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out_free;
	}
	if ((rc = elog_store_read_begin(s, &began, err)))
		goto out_free;
	seqs[0] = o->seq;
	if (o->nrecords)
		memcpy(seqs + 1, o->records, o->nrecords * sizeof *seqs);
	if ((rc = elog_store_prove_inclusions(s, seqs, o->nrecords + 1, size,
					      proofs, np, err)) ||
	    (rc = proved_entry(s, o->seq, NULL, proofs, np[0], &disc, err)))
		goto out;
	records = json_array();
	if (!records) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->nrecords; i++) {
		json_t *r;
		if (i >= o->ndata || !o->data[i]) {
			rc = elog_fail(err, ELOG_INTERNAL, (long)i, NULL,
				       "a record of the outcome is missing");
			goto out;
		}
		if ((rc = proved_entry(s, o->records[i], o->data[i],
				       proofs + (i + 1) * ELOG_MAX_PROOF,
				       np[i + 1], &r, err)))
			goto out;
		json_array_append_new(records, r);
	}
	sodium_bin2base64(salt, sizeof salt, o->salt, sizeof o->salt,
			  sodium_base64_VARIANT_ORIGINAL);
	b = json_pack("{s:O,s:O,s:s,s:s}", "disclosure", disc, "records",
		      records, "records_salt", salt, "checkpoint", checkpoint);
	if (!b) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	*out = b;
	rc = 0;
out:
	elog_store_read_end(s, began);
	json_decref(disc);
	json_decref(records);
out_free:
	free(seqs);
	free(proofs);
	free(np);
	return rc;
}

/* ---- offline verification ---- */

static int bad_bundle(elog_err_t *err, int code, long index, const char *what)
{
	return elog_fail(err, code, index, NULL, "%s", what);
}

/* Parse {"seq",<what>,"proof"} (what: "entry" or "record"); leaf hash of
 * the canonical entry, or for a record of its commitment (the record must
 * be an event with a nonce). */
static int read_proved(const json_t *j, long index, const char *what,
		       uint64_t *seq, elog_hash *leaf, elog_hash *proof,
		       size_t *np, const json_t **entry, elog_err_t *err)
{
	const json_t *js = json_object_get(j, "seq");
	const json_t *jp = json_object_get(j, "proof");
	char *canon = NULL;
	size_t clen = 0;

	*entry = json_object_get(j, what);
	if (!json_is_object(j) || !json_is_integer(js) ||
	    json_integer_value(js) < 0 || !json_is_object(*entry) ||
	    !json_is_array(jp) || json_array_size(jp) > ELOG_MAX_PROOF)
		return elog_fail(err, ELOG_MALFORMED_BUNDLE, index, what,
				 "an item of the bundle lacks seq, %s or proof",
				 what);
	*seq = (uint64_t)json_integer_value(js);
	if (elog_bundle_proof_parse(jp, proof, np) != 0)
		return bad_bundle(err, ELOG_MALFORMED_BUNDLE, index,
				  "a proof hash is not 32 bytes of base64");
	if (elog_canon_dump(*entry, &canon, &clen, err) != 0)
		return bad_bundle(err, ELOG_MALFORMED_BUNDLE, index,
				  "an entry is not canonical JSON of our "
				  "types");
	if (strcmp(what, "record") == 0) {
		elog_entry ev;
		elog_err_t e;
		if (elog_entry_from_record(canon, clen, &ev, &e) != 0) {
			free(canon);
			return elog_fail(err, ELOG_MALFORMED_BUNDLE, index,
					 "record",
					 "record %ld is not an event record "
					 "with a nonce: %s",
					 index, e.msg);
		}
		elog_leaf_hash(ev.data, ev.len, leaf);
		elog_entry_free(&ev);
	} else {
		elog_leaf_hash(canon, clen, leaf);
	}
	free(canon);
	return 0;
}

int elog_bundle_proof_parse(const json_t *arr, elog_hash *proof, size_t *np)
{
	size_t i;
	const json_t *h;

	*np = 0;
	if (!json_is_array(arr) || json_array_size(arr) > ELOG_MAX_PROOF)
		return -1;
	json_array_foreach(arr, i, h)
	{
		if (!json_is_string(h) ||
		    elog_hash_from_b64(json_string_value(h), &proof[i]) != 0)
			return -1;
	}
	*np = json_array_size(arr);
	return 0;
}

int elog_bundle_proved_entry(const json_t *j, long index, uint64_t *seq,
			     elog_hash *leaf, elog_hash *proof, size_t *np,
			     const json_t **entry, elog_err_t *err)
{
	return read_proved(j, index, "entry", seq, leaf, proof, np, entry, err);
}

/* The number of distinct witness keys among wits[0..nw) with a valid
 * cosignature in the note. */
static int count_witnesses(const char *note, size_t len,
			   const elog_checkpoint *cp, size_t text_len,
			   const elog_verifier *wits, size_t nw, size_t *count,
			   elog_err_t *err)
{
	elog_note_sig sigs[ELOG_NOTE_MAX_SIGS];
	size_t ns = 0, tl = 0;
	int rc;
	(void)cp;
	*count = 0;
	if ((rc = elog_note_parse(note, len, &tl, sigs, ELOG_NOTE_MAX_SIGS,
				  &ns, err)))
		return rc;
	for (size_t k = 0; k < nw; k++) {
		size_t j;
		/* A witness key given twice counts once. */
		for (j = 0; j < k; j++)
			if (!memcmp(wits[j].pk, wits[k].pk, sizeof wits[k].pk))
				break;
		if (j < k)
			continue;
		for (size_t i = 0; i < ns; i++) {
			uint64_t t;
			if (strcmp(sigs[i].name, wits[k].name) != 0 ||
			    sigs[i].keyid != wits[k].keyid)
				continue;
			if (elog_cosignature_verify(note, text_len,
						    note + sigs[i].line_off,
						    sigs[i].line_len, &wits[k],
						    &t, NULL) == 0) {
				(*count)++;
				break;
			}
		}
	}
	return 0;
}

int elog_bundle_verify(const char *json, size_t len, const elog_verifier *vk,
		       const elog_verifier *witnesses, size_t nwitnesses,
		       size_t min_witnesses, elog_bundle_report *rep,
		       elog_err_t *err)
{
	json_t *b = NULL;
	const json_t *jd, *jr, *jc, *js, *entry, *r;
	unsigned char salt[ELOG_SALT_LEN];
	size_t salt_len = 0;
	elog_checkpoint cp;
	elog_hash proof[ELOG_MAX_PROOF], leaf, *leaves = NULL, root;
	size_t np, i, tl = 0;
	uint64_t seq, prev = 0;
	const char *note;
	size_t note_len;
	int rc;

	memset(rep, 0, sizeof *rep);
	if ((rc = elog_json_load(json, len, &b, err)))
		return rc;
	jd = json_object_get(b, "disclosure");
	jr = json_object_get(b, "records");
	jc = json_object_get(b, "checkpoint");
	js = json_object_get(b, "records_salt");
	if (!json_is_object(jd) || !json_is_array(jr) || !json_is_string(jc) ||
	    !json_is_string(js)) {
		rc = bad_bundle(err, ELOG_MALFORMED_BUNDLE, -1,
				"a bundle has disclosure, records, "
				"records_salt and checkpoint");
		goto out;
	}
	if (sodium_base642bin(salt, sizeof salt, json_string_value(js),
			      json_string_length(js), NULL, &salt_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    salt_len != ELOG_SALT_LEN) {
		rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, -1, "records_salt",
			       "records_salt is not 16 bytes of base64");
		goto out;
	}
	note = json_string_value(jc);
	note_len = json_string_length(jc);
	if ((rc = elog_checkpoint_open(note, note_len, vk, &cp, err))) {
		if (rc != -ELOG_MALFORMED_NOTE &&
		    rc != -ELOG_MALFORMED_CHECKPOINT)
			rc = bad_bundle(err, ELOG_BAD_SIGNATURE, -1,
					"the checkpoint is not signed by the "
					"log key");
		goto out;
	}
	rep->size = cp.size;
	if (min_witnesses > 0) {
		if ((rc = elog_note_verify(note, note_len, vk, &tl, err)) ||
		    (rc = count_witnesses(note, note_len, &cp, tl, witnesses,
					  nwitnesses, &rep->witnesses, err)))
			goto out;
		if (rep->witnesses < min_witnesses) {
			rc = elog_fail(err, ELOG_BAD_SIGNATURE, -1, NULL,
				       "the checkpoint has %zu valid witness "
				       "cosignatures; %zu required",
				       rep->witnesses, min_witnesses);
			goto out;
		}
	}
	/* The records. */
	leaves = malloc((json_array_size(jr) ? json_array_size(jr) : 1) *
			sizeof *leaves);
	if (!leaves) {
		rc = elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
		goto out;
	}
	json_array_foreach(jr, i, r)
	{
		if ((rc = read_proved(r, (long)i, "record", &seq, &leaf, proof,
				      &np, &entry, err)))
			goto out;
		if (i > 0 && seq <= prev) {
			rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, (long)i,
				       "seq",
				       "records are not in ascending seq "
				       "order at record %zu",
				       i);
			goto out;
		}
		prev = seq;
		if (elog_verify_inclusion(seq, cp.size, &leaf, proof, np,
					  &cp.root, NULL) != 0) {
			rc = elog_fail(err, ELOG_PROOF_INVALID, (long)i, NULL,
				       "record %zu (seq %llu) is not included "
				       "in the checkpoint: its entry or proof "
				       "was altered",
				       i, (unsigned long long)seq);
			goto out;
		}
		leaves[i] = leaf;
	}
	/* The disclosure. */
	if ((rc = read_proved(jd, -1, "entry", &seq, &leaf, proof, &np, &entry,
			      err)))
		goto out;
	if (elog_verify_inclusion(seq, cp.size, &leaf, proof, np, &cp.root,
				  NULL) != 0) {
		rc = elog_fail(err, ELOG_PROOF_INVALID, -1, "disclosure",
			       "the disclosure (seq %llu) is not included in "
			       "the checkpoint",
			       (unsigned long long)seq);
		goto out;
	}
	{
		const json_t *k = json_object_get(entry, "kind");
		const json_t *nr = json_object_get(entry, "records");
		const json_t *rr = json_object_get(entry, "records_commitment");
		const json_t *au = json_object_get(entry, "authority");
		const json_t *wi = json_object_get(entry, "warrant_id");
		elog_hash want;
		if (!json_is_string(k) ||
		    strcmp(json_string_value(k), "disclosure") != 0 ||
		    !json_is_integer(nr) || !json_is_string(rr) ||
		    elog_hash_from_b64(json_string_value(rr), &want) != 0) {
			rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, -1,
				       "disclosure",
				       "the disclosure entry is not a "
				       "disclosure");
			goto out;
		}
		if ((uint64_t)json_integer_value(nr) != json_array_size(jr)) {
			rc = elog_fail(err, ELOG_PROOF_INVALID, -1, "records",
				       "the disclosure says %lld records; the "
				       "bundle has %zu",
				       (long long)json_integer_value(nr),
				       json_array_size(jr));
			goto out;
		}
		if (json_array_size(jr) > 0 && prev >= seq) {
			rc = elog_fail(err, ELOG_PROOF_INVALID, -1, "records",
				       "a record comes after its disclosure");
			goto out;
		}
		elog_root_of_leaves(leaves, json_array_size(jr), &root);
		elog_records_commitment(salt, &root, &root);
		if (memcmp(root.b, want.b, ELOG_HASH_LEN) != 0) {
			rc = elog_fail(err, ELOG_PROOF_INVALID, -1,
				       "records_commitment",
				       "records_commitment does not match the "
				       "records and records_salt");
			goto out;
		}
		snprintf(rep->authority, sizeof rep->authority, "%s",
			 json_is_string(au) ? json_string_value(au) : "");
		snprintf(rep->warrant_id, sizeof rep->warrant_id, "%s",
			 json_is_string(wi) ? json_string_value(wi) : "");
	}
	rep->seq = seq;
	rep->records = json_array_size(jr);
	rc = 0;
out:
	free(leaves);
	json_decref(b);
	return rc;
}

/* ---- over-disclosure ---- */

/* 1 if s is one of the warrant's subjects. */
static int is_subject(const elog_warrant *w, const char *s)
{
	for (size_t k = 0; s && k < w->nsubjects; k++)
		if (strcmp(w->subjects[k], s) == 0)
			return 1;
	return 0;
}

int elog_bundle_check_warrant(const char *json, size_t len,
			      const char *warrant, size_t warrant_len,
			      elog_err_t *err)
{
	elog_note_sig sigs[ELOG_NOTE_MAX_SIGS];
	elog_warrant w;
	json_t *b = NULL;
	const json_t *jr, *r, *jd;
	size_t tl = 0, ns = 0, i;
	elog_hash whole;
	char hex[65];
	int rc;

	memset(&w, 0, sizeof w);
	if ((rc = elog_note_parse(warrant, warrant_len, &tl, sigs,
				  ELOG_NOTE_MAX_SIGS, &ns, err)) ||
	    (rc = elog_warrant_parse(warrant, tl, &w, err)))
		return rc;
	if ((rc = elog_json_load(json, len, &b, err)))
		goto out;
	jr = json_object_get(b, "records");
	jd = json_object_get(json_object_get(b, "disclosure"), "entry");
	if (!json_is_array(jr) || !json_is_object(jd)) {
		rc = bad_bundle(err, ELOG_MALFORMED_BUNDLE, -1,
				"a bundle has a disclosure and records");
		goto out;
	}
	elog_sha256(warrant, warrant_len, &whole);
	elog_hash_to_hex(&whole, hex);
	if (!json_is_string(json_object_get(jd, "warrant_sha256")) ||
	    strcmp(json_string_value(json_object_get(jd, "warrant_sha256")),
		   hex) != 0) {
		rc = elog_fail(err, ELOG_OUTSIDE_WARRANT, -1, "warrant_sha256",
			       "the disclosure answered another warrant "
			       "(warrant_sha256 differs)");
		goto out;
	}
	json_array_foreach(jr, i, r)
	{
		const json_t *ev = json_object_get(r, "record");
		const json_t *ts, *seq = json_object_get(r, "seq");
		const char *snd, *rcp;
		long long sq = json_is_integer(seq) ? json_integer_value(seq)
						    : -1;

		if (!json_is_object(ev))
			ev = json_object_get(r, "entry");
		ts = json_object_get(ev, "ts");
		snd = json_string_value(json_object_get(ev, "sender"));
		rcp = json_string_value(json_object_get(ev, "recipient"));
		if (!json_is_integer(ts) || !snd || !rcp) {
			rc = elog_fail(err, ELOG_MALFORMED_BUNDLE, (long)i,
				       NULL,
				       "record %zu (seq %lld) has no ts, "
				       "sender and recipient",
				       i, sq);
			goto out;
		}
		if (json_integer_value(ts) < w.from ||
		    json_integer_value(ts) >= w.to) {
			rc = elog_fail(err, ELOG_OUTSIDE_WARRANT, (long)i,
				       "ts",
				       "record %zu (seq %lld) has ts %lld, "
				       "outside the warrant's window "
				       "[%lld, %lld)",
				       i, sq,
				       (long long)json_integer_value(ts),
				       (long long)w.from, (long long)w.to);
			goto out;
		}
		if (!is_subject(&w, snd) && !is_subject(&w, rcp)) {
			rc = elog_fail(err, ELOG_OUTSIDE_WARRANT, (long)i,
				       "sender",
				       "record %zu (seq %lld): neither its "
				       "sender nor its recipient is a subject "
				       "of the warrant",
				       i, sq);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(b);
	elog_warrant_free(&w);
	return rc;
}
