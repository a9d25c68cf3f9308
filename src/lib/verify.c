/* verify.c — the offline check of a whole database.  See verify.h. */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "canon.h"
#include "checkpoint.h"
#include "entry.h"

typedef struct vstate {
	elog_store *s;
	elog_verify_report *rep;
	elog_verifier vk;
	sqlite3_stmt *tree;  /* tree_hash in id order */
	sqlite3_stmt *cps;   /* checkpoint in size order */
	int tree_row, cp_row; /* 1: the statement stands on a row */
	uint64_t purged_through; /* seqs below this may be purged (from the
				    purge entries in the log itself) */
	uint64_t purged_max;     /* events the purge entries say they purged */
	uint64_t next_seq;
	elog_hash chain;
	elog_frontier f;
	int vkey_given;          /* the key came from the caller */
	int have_signed;         /* a checkpoint was verified */
	uint64_t signed_size;    /* the largest verified checkpoint's size */
	int have_trusted;        /* the caller's checkpoint, checked at its size */
	elog_checkpoint trusted;
} vstate;

static int bad(vstate *v, uint64_t seq, const char *what, const char *detail)
{
	v->rep->bad_seq = (int64_t)seq;
	snprintf(v->rep->what, sizeof v->rep->what, "%s%s%.180s%s", what,
		 detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	return -ELOG_TAMPERED;
}

static int bad_cp(vstate *v, uint64_t size, const char *why)
{
	v->rep->bad_seq = size > 0 ? (int64_t)size - 1 : 0;
	snprintf(v->rep->what, sizeof v->rep->what,
		 "checkpoint of size %llu: %s", (unsigned long long)size, why);
	return -ELOG_TAMPERED;
}

/* Compare each tree hash the recomputation completes with the stored row. */
static int tree_check(void *ctx, int level, uint64_t index,
		      const elog_hash *hash, elog_err_t *err)
{
	vstate *v = ctx;
	uint64_t want = elog_stored_hash_index(level, index);
	uint64_t seq = ((index + 1) << level) - 1; /* last leaf it covers */
	(void)err;
	if (!v->tree_row)
		return bad(v, seq, "tree hash is missing", NULL);
	if ((uint64_t)sqlite3_column_int64(v->tree, 0) != want)
		return bad(v, seq, "tree hash is missing or misplaced", NULL);
	if (sqlite3_column_bytes(v->tree, 1) != ELOG_HASH_LEN ||
	    memcmp(sqlite3_column_blob(v->tree, 1), hash->b, ELOG_HASH_LEN))
		return bad(v, seq, "stored tree hash differs from the "
				   "recomputed one", NULL);
	v->rep->tree_hashes++;
	v->tree_row = sqlite3_step(v->tree) == SQLITE_ROW;
	return 0;
}

/* Check every stored checkpoint of size v->f.size, and the caller's. */
static int checkpoints_at_size(vstate *v)
{
	if (v->have_trusted && v->trusted.size == v->f.size) {
		elog_hash root;
		elog_frontier_root(&v->f, &root);
		if (memcmp(v->trusted.root.b, root.b, ELOG_HASH_LEN))
			return bad_cp(v, v->f.size,
				      "the trusted checkpoint (--checkpoint) "
				      "has another root: the log was "
				      "rewritten or forked");
	}
	while (v->cp_row &&
	       (uint64_t)sqlite3_column_int64(v->cps, 0) == v->f.size) {
		elog_checkpoint cp;
		elog_hash root;
		elog_err_t e;
		const char *note = (const char *)sqlite3_column_text(v->cps, 2);
		size_t len = (size_t)sqlite3_column_bytes(v->cps, 2);
		elog_frontier_root(&v->f, &root);
		if (!note || elog_checkpoint_open(note, len, &v->vk, &cp, &e))
			return bad_cp(v, v->f.size,
				      v->vkey_given
					      ? "the signature does not verify "
						"with --vkey"
					      : "the signature does not verify "
						"with the log key");
		if (cp.size != v->f.size)
			return bad_cp(v, v->f.size,
				      "the signed size differs from the row");
		if (memcmp(cp.root.b, root.b, ELOG_HASH_LEN))
			return bad_cp(v, v->f.size,
				      "the signed root differs from the "
				      "recomputed root");
		if (sqlite3_column_bytes(v->cps, 1) != ELOG_HASH_LEN ||
		    memcmp(sqlite3_column_blob(v->cps, 1), root.b,
			   ELOG_HASH_LEN))
			return bad_cp(v, v->f.size,
				      "the stored root differs from the "
				      "recomputed root");
		v->rep->checkpoints++;
		v->have_signed = 1;
		v->signed_size = v->f.size;
		v->cp_row = sqlite3_step(v->cps) == SQLITE_ROW;
	}
	return 0;
}

static int check_leaf(void *ctx, const elog_leaf *l)
{
	vstate *v = ctx;
	elog_hash h, chain;
	elog_err_t e;
	int rc;

	if (l->seq != v->next_seq)
		return bad(v, v->next_seq, "entry is missing", NULL);
	if (l->data) {
		elog_entry en;
		elog_leaf_hash(l->data, l->len, &h);
		if (memcmp(h.b, l->leaf_hash.b, ELOG_HASH_LEN))
			return bad(v, l->seq,
				   "leaf hash differs from the hash of the "
				   "leaf data", NULL);
		if (elog_entry_from_data(l->data, l->len, &en, &e))
			return bad(v, l->seq, "leaf data is not a canonical "
					      "entry", e.msg);
		rc = en.kind != l->kind || en.ts != l->ts;
		elog_entry_free(&en);
		if (rc)
			return bad(v, l->seq, "kind or ts column differs from "
					      "the leaf data", NULL);
	} else {
		if (l->kind != ELOG_KIND_EVENT || l->seq >= v->purged_through)
			return bad(v, l->seq,
				   "entry data is missing above the purge "
				   "horizon", NULL);
		if (++v->rep->purged > v->purged_max)
			return bad(v, l->seq,
				   "more event data is missing, up to this "
				   "seq, than the purge entries say they "
				   "deleted",
				   NULL);
	}
	elog_chain_hash(&v->chain, &l->leaf_hash, &chain);
	if (memcmp(chain.b, l->chain_hash.b, ELOG_HASH_LEN))
		return bad(v, l->seq, "chain value does not follow from the "
				      "previous entry", NULL);
	v->chain = chain;
	if ((rc = elog_frontier_append(&v->f, &l->leaf_hash, tree_check, v,
				       &e)))
		return rc;
	v->next_seq++;
	v->rep->entries++;
	return checkpoints_at_size(v);
}

/* From the purge entries in the log: the highest through_seq of a purge
 * that deleted anything (below it, event data may be gone) and how many
 * events they deleted in all.  The purge entries are themselves verified
 * later. */
static int purge_bound(vstate *v, elog_err_t *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	v->purged_through = 0;
	v->purged_max = 0;
	if (sqlite3_prepare_v2(elog_store_db(v->s),
			       "SELECT data FROM entry WHERE kind = 3", -1, &st,
			       NULL) != SQLITE_OK)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot read purge entries");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *j = NULL;
		const char *d = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (d && elog_json_load(d, (size_t)n, &j, NULL) == 0) {
			json_t *t = json_object_get(j, "through_seq");
			json_t *ev = json_object_get(j, "events");
			if (json_is_integer(ev) && json_integer_value(ev) > 0 &&
			    json_is_integer(t) && json_integer_value(t) >= 0) {
				v->purged_max += (uint64_t)json_integer_value(ev);
				if ((uint64_t)json_integer_value(t) + 1 >
				    v->purged_through)
					v->purged_through =
						(uint64_t)json_integer_value(
							t) + 1;
			}
		}
		json_decref(j);
	}
	sqlite3_finalize(st);
	return 0;
}

/* The key and the caller's checkpoint: from opts, or the database's key. */
static int trust(vstate *v, const elog_verify_opts *opts, elog_err_t *err)
{
	int rc;
	v->vkey_given = opts && opts->vkey;
	if ((rc = elog_verifier_parse(v->vkey_given ? opts->vkey
						     : elog_store_vkey(v->s),
				      &v->vk, err)))
		return rc;
	if (strcmp(v->vk.name, elog_store_origin(v->s)) != 0) {
		v->rep->bad_seq = -1;
		snprintf(v->rep->what, sizeof v->rep->what,
			 "the database's origin (meta.origin %.80s) is not "
			 "the log key's name %.80s",
			 elog_store_origin(v->s), v->vk.name);
		return -ELOG_TAMPERED;
	}
	if (opts && opts->checkpoint) {
		elog_err_t e;
		if ((rc = elog_checkpoint_open(opts->checkpoint,
					       opts->checkpoint_len, &v->vk,
					       &v->trusted, &e)))
			return elog_fail(err, -rc, -1, NULL,
					 "the trusted checkpoint does not "
					 "verify with the log key: %s",
					 e.msg);
		v->have_trusted = 1;
	}
	return 0;
}

int elog_verify_store(elog_store *s, const elog_verify_opts *opts,
		      elog_progress_fn progress, void *ctx,
		      elog_verify_report *rep, elog_err_t *err)
{
	vstate v;
	uint64_t total = 0, start = 0;
	const uint64_t step = 65536;
	int rc;
	sqlite3 *db = elog_store_db(s);

	memset(&v, 0, sizeof v);
	memset(rep, 0, sizeof *rep);
	rep->bad_seq = -1;
	v.s = s;
	v.rep = rep;
	v.chain = ELOG_ZERO_HASH;
	elog_frontier_init(&v.f);
	if ((rc = trust(&v, opts, err))) {
		if (rc == -ELOG_TAMPERED)
			elog_fail(err, ELOG_TAMPERED, -1, NULL, "%s",
				  rep->what);
		return rc;
	}
	/* One read transaction, so the walk sees one state of the log even
	 * while a server appends to it. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return elog_fail(err, ELOG_IO, -1, NULL, "cannot read: %s",
				 sqlite3_errmsg(db));
	if ((rc = elog_store_size(s, &total, err)) ||
	    (rc = purge_bound(&v, err)))
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT id, hash FROM tree_hash ORDER BY id",
			       -1, &v.tree, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT size, root, note FROM checkpoint "
			       "ORDER BY size",
			       -1, &v.cps, NULL) != SQLITE_OK) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot read: %s",
			       sqlite3_errmsg(db));
		goto out;
	}
	v.tree_row = sqlite3_step(v.tree) == SQLITE_ROW;
	v.cp_row = sqlite3_step(v.cps) == SQLITE_ROW;
	if ((rc = checkpoints_at_size(&v)))
		goto out;
	for (start = 0; start < total; start += step) {
		uint64_t end = start + step < total ? start + step : total;
		rc = elog_store_leaves(s, start, end, check_leaf, &v, err);
		if (rc)
			goto out;
		if (progress)
			progress(ctx, end, total);
	}
	if (v.next_seq != total) {
		rc = bad(&v, v.next_seq, "entry is missing", NULL);
		goto out;
	}
	if (v.cp_row) {
		rc = bad_cp(&v, (uint64_t)sqlite3_column_int64(v.cps, 0),
			    "the log has fewer entries than the checkpoint");
		goto out;
	}
	if (v.tree_row) {
		rc = bad(&v, total,
			 "there are tree hashes beyond the last entry", NULL);
		goto out;
	}
	if (total > 0 && (!v.have_signed || v.signed_size < total)) {
		char d[96];
		snprintf(d, sizeof d, "the last signed checkpoint has size %llu",
			 (unsigned long long)v.signed_size);
		rc = bad(&v, v.signed_size,
			 "entry is not covered by a signed checkpoint "
			 "(an unsigned tail)", d);
		goto out;
	}
	if (v.have_trusted && v.trusted.size > total) {
		char d[96];
		snprintf(d, sizeof d, "the trusted checkpoint has size %llu",
			 (unsigned long long)v.trusted.size);
		rc = bad(&v, total,
			 "entry is missing: the log is shorter than the "
			 "trusted checkpoint (--checkpoint), so it was "
			 "truncated or rolled back", d);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(v.tree);
	sqlite3_finalize(v.cps);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc == -ELOG_TAMPERED)
		elog_fail(err, ELOG_TAMPERED, (long)rep->bad_seq, NULL,
			  "seq %lld: %s", (long long)rep->bad_seq, rep->what);
	return rc;
}
