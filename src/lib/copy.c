/* copy.c — copy a log from one store to another.  See copy.h. */
#include "copy.h"

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "merkle.h"
#include "store_db.h"
#include "store_query.h"
#include "verify.h"

struct copy {
	elog_store *src, *w;
	const char *to;
	const elog_signer *signer;
	elog_err_t *err;
	elog_copy_report *rep;
	elog_frontier f;  /* of the purged prefix, written as rows */
	uint64_t through; /* the purged prefix: seqs below */
	uint64_t next;	  /* the next seq to append */
};

static int q_fail(elog_store *s, elog_err_t *err, const char *what)
{
	return elog_fail(err, elog_store_errcode(s), -1, NULL, "%s: %s", what,
			 elog_store_errmsg(s));
}

/* Open the target into c->w (closing the one open) in mode: the rows
 * written before the first append go through a registry store, which does
 * not take PostgreSQL's writer lock, so that the writer opens once, after
 * them, and loads them. */
static int reopen(struct copy *c, int mode)
{
	elog_store_close(c->w);
	c->w = NULL;
	return elog_store_open(c->to, mode, ELOG_SYNC_NORMAL, &c->w, c->err);
}

/* Column types of copy_rows: integer, text, blob. */
enum { CI = 'i', CT = 't', CB = 'b' };

/*
 * Copy every row query sel of c->src returns into c->w with query ins, the
 * columns of sel being ins's parameters in order; types names each
 * column's type (CI, CT, CB).  NULL stays NULL.
 */
static int copy_rows(struct copy *c, int sel, int ins, const char *types,
		     const char *what)
{
	elog_query *qs = NULL, *qi = NULL;
	int rc = 0, step;

	if (elog_query_open(c->src, sel, &qs)) {
		rc = q_fail(c->src, c->err, what);
		goto out;
	}
	while ((step = elog_query_step(qs)) == ELOG_QUERY_ROW) {
		if (elog_query_open(c->w, ins, &qi)) {
			rc = q_fail(c->w, c->err, what);
			goto out;
		}
		for (int i = 0; types[i]; i++) {
			if (elog_query_is_null(qs, i))
				continue;
			if (types[i] == CI)
				elog_query_bind_int(qi, i + 1,
						    elog_query_int(qs, i));
			else if (types[i] == CT)
				elog_query_bind_text(qi, i + 1,
						     elog_query_text(qs, i));
			else
				elog_query_bind_blob(
					qi, i + 1, elog_query_blob(qs, i),
					(size_t)elog_query_bytes(qs, i));
		}
		if (elog_query_step(qi) != ELOG_QUERY_DONE) {
			rc = q_fail(c->w, c->err, what);
			goto out;
		}
		elog_query_end(qi);
		qi = NULL;
		c->rep->rows++;
	}
	if (step != ELOG_QUERY_DONE)
		rc = q_fail(c->src, c->err, what);
out:
	elog_query_end(qi);
	elog_query_end(qs);
	return rc;
}

/* ---- the purged prefix, as rows ---- */

static int prefix_tree(void *ctx, int level, uint64_t index,
		       const elog_hash *hash, elog_err_t *err)
{
	struct copy *c = ctx;
	elog_query *q = NULL;
	int rc = 0;

	if (level < elog_store_tree_min_level(c->w))
		return 0; /* the target hashes it up from the leaf hashes */
	if (elog_query_open(c->w, ELOG_Q_COPY_TREE_HASH_INSERT, &q))
		return q_fail(c->w, err, "copying a tree hash");
	elog_query_bind_int(q, 1,
			    (int64_t)elog_stored_hash_index(level, index));
	elog_query_bind_blob(q, 2, hash->b, ELOG_HASH_LEN);
	if (elog_query_step(q) != ELOG_QUERY_DONE)
		rc = q_fail(c->w, err, "copying a tree hash");
	elog_query_end(q);
	return rc;
}

static int prefix_leaf(void *ctx, const elog_leaf *l)
{
	struct copy *c = ctx;
	elog_query *q = NULL;
	unsigned char buf[33];
	const void *stored;
	size_t stored_len;
	int rc;

	if (elog_query_open(c->w, ELOG_Q_COPY_ENTRY_INSERT, &q))
		return q_fail(c->w, c->err, "copying an entry");
	elog_query_bind_int(q, 1, (int64_t)l->seq);
	elog_query_bind_int(q, 2, l->kind);
	/* An event's ts is its record's; the entry row has none. */
	if (l->kind != ELOG_KIND_EVENT)
		elog_query_bind_int(q, 3, l->ts);
	stored = elog_store_leaf_stored(c->w, l->kind, l->data, l->len, buf,
					&stored_len);
	elog_query_bind_blob(q, 4, stored, stored_len);
	elog_query_bind_blob(q, 5, l->leaf_hash.b, ELOG_HASH_LEN);
	elog_query_bind_blob(q, 6, l->chain_hash.b, ELOG_HASH_LEN);
	rc = elog_query_step(q) == ELOG_QUERY_DONE
		     ? 0
		     : q_fail(c->w, c->err, "copying an entry");
	elog_query_end(q);
	if (rc)
		return rc;
	c->rep->purged++;
	return elog_frontier_append(&c->f, &l->leaf_hash, prefix_tree, c,
				    c->err);
}

/* The entries below the purge horizon (their records are gone, so they
 * cannot be appended), the checkpoints of sizes up to there (the one of
 * size 0 too) and every purge horizon, in one transaction. */
static int copy_prefix(struct copy *c)
{
	elog_query *qs = NULL, *qi = NULL;
	int rc, step;

	if (elog_query_exec(c->w, ELOG_Q_BEGIN))
		return q_fail(c->w, c->err, "copying the purged prefix");
	elog_frontier_init(&c->f);
	if (c->through && (rc = elog_store_leaves(c->src, 0, c->through,
						  prefix_leaf, c, c->err)))
		goto out;
	if (elog_query_open(c->src, ELOG_Q_COPY_CHECKPOINTS, &qs)) {
		rc = q_fail(c->src, c->err, "reading the checkpoints");
		goto out;
	}
	while ((step = elog_query_step(qs)) == ELOG_QUERY_ROW &&
	       (uint64_t)elog_query_int(qs, 0) <= c->through) {
		if (elog_query_open(c->w, ELOG_Q_COPY_CHECKPOINT_INSERT, &qi)) {
			rc = q_fail(c->w, c->err, "copying a checkpoint");
			goto out;
		}
		elog_query_bind_int(qi, 1, elog_query_int(qs, 0));
		elog_query_bind_blob(qi, 2, elog_query_blob(qs, 1),
				     (size_t)elog_query_bytes(qs, 1));
		elog_query_bind_text(qi, 3, elog_query_text(qs, 2));
		elog_query_bind_int(qi, 4, elog_query_int(qs, 3));
		if (elog_query_step(qi) != ELOG_QUERY_DONE) {
			rc = q_fail(c->w, c->err, "copying a checkpoint");
			goto out;
		}
		elog_query_end(qi);
		qi = NULL;
		c->rep->checkpoints++;
	}
	if (step == ELOG_QUERY_ERROR) {
		rc = q_fail(c->src, c->err, "reading the checkpoints");
		goto out;
	}
	elog_query_end(qs);
	qs = NULL;
	if ((rc = copy_rows(c, ELOG_Q_COPY_PURGE_HORIZONS,
			    ELOG_Q_COPY_PURGE_HORIZON_INSERT, "iii",
			    "copying the purge horizons")))
		goto out;
	if (elog_query_exec(c->w, ELOG_Q_COMMIT))
		rc = q_fail(c->w, c->err, "copying the purged prefix");
out:
	elog_query_end(qi);
	elog_query_end(qs);
	return rc;
}

/* ---- the rest, appended ---- */

static int append_leaf(void *ctx, const elog_leaf *l)
{
	struct copy *c = ctx;
	elog_entry e;
	int rc;

	memset(&e, 0, sizeof e);
	if (l->kind == ELOG_KIND_EVENT) {
		if (!l->record)
			return elog_fail(c->err, ELOG_TAMPERED, (long)l->seq,
					 NULL,
					 "event %llu above the purge horizon "
					 "has no record",
					 (unsigned long long)l->seq);
		if ((rc = elog_entry_from_record(l->record, l->record_len, &e,
						 c->err)))
			return rc;
		if (e.len != l->len || memcmp(e.data, l->data, l->len)) {
			elog_entry_free(&e);
			return elog_fail(c->err, ELOG_TAMPERED, (long)l->seq,
					 NULL,
					 "event %llu: its record does not "
					 "match its commitment",
					 (unsigned long long)l->seq);
		}
		rc = elog_store_add(c->w, &e, NULL, c->err);
		elog_entry_free(&e);
		return rc;
	}
	/* Other kinds: the entry is their data; not consumed by add. */
	e.kind = l->kind;
	e.ts = l->ts;
	e.data = (char *)l->data;
	e.len = l->len;
	return elog_store_add(c->w, &e, NULL, c->err);
}

/* Append the entries up to size in one transaction and commit it at the
 * source checkpoint's time; its note must be note (len bytes). */
static int append_to(struct copy *c, uint64_t size, const char *note,
		     size_t len, int64_t created)
{
	elog_commit cm;
	int rc;

	memset(&cm, 0, sizeof cm);
	if ((rc = elog_store_begin(c->w, c->err)))
		return rc;
	if ((rc = elog_store_leaves(c->src, c->next, size, append_leaf, c,
				    c->err)) ||
	    (rc = elog_store_commit(c->w, c->signer, created, &cm, c->err))) {
		elog_store_rollback(c->w);
		return rc;
	}
	if (cm.size != size || cm.checkpoint_len != len ||
	    memcmp(cm.checkpoint, note, len) != 0)
		rc = elog_fail(c->err, ELOG_TAMPERED, -1, NULL,
			       "the copy's checkpoint of size %llu is not the "
			       "source's: is the key the log's?",
			       (unsigned long long)size);
	elog_commit_free(&cm);
	c->next = size;
	c->rep->checkpoints++;
	return rc;
}

static int append_rest(struct copy *c)
{
	elog_query *qs = NULL;
	char *note = NULL;
	int rc = 0, step;

	if (elog_query_open(c->src, ELOG_Q_COPY_CHECKPOINTS, &qs))
		return q_fail(c->src, c->err, "reading the checkpoints");
	c->next = c->through;
	while ((step = elog_query_step(qs)) == ELOG_QUERY_ROW) {
		uint64_t size = (uint64_t)elog_query_int(qs, 0);
		size_t len = (size_t)elog_query_bytes(qs, 2);
		if (size <= c->through)
			continue;
		/* The note outlives the query's next reads of the source. */
		free(note);
		if (!(note = malloc(len + 1))) {
			rc = elog_fail(c->err, ELOG_NOMEM, -1, NULL,
				       "out of memory");
			goto out;
		}
		memcpy(note, elog_query_text(qs, 2), len);
		note[len] = '\0';
		if ((rc = append_to(c, size, note, len, elog_query_int(qs, 3))))
			goto out;
	}
	if (step != ELOG_QUERY_DONE)
		rc = q_fail(c->src, c->err, "reading the checkpoints");
out:
	free(note);
	elog_query_end(qs);
	return rc;
}

/* The rows that are no part of the tree, in one transaction. */
static int copy_registries(struct copy *c)
{
	static const struct {
		int sel, ins;
		const char *types, *what;
	} t[] = {
		{ELOG_Q_COPY_COSIGNATURES, ELOG_Q_COPY_COSIGNATURE_INSERT,
		 "itti", "copying the cosignatures"},
		{ELOG_Q_COPY_TOKENS, ELOG_Q_COPY_TOKEN_INSERT, "ibtttii",
		 "copying the tokens"},
		{ELOG_Q_AUTHORITY_LIST, ELOG_Q_COPY_AUTHORITY_INSERT, "ttii",
		 "copying the authorities"},
		{ELOG_Q_WITNESS_LIST, ELOG_Q_COPY_WITNESS_INSERT, "ttii",
		 "copying the witnesses"},
		{ELOG_Q_COPY_WARRANT_USES, ELOG_Q_WARRANT_USE_INSERT, "ttbi",
		 "copying the warrant uses"},
		{ELOG_Q_COPY_INGEST_KEYS, ELOG_Q_INGEST_KEY_PUT, "itbiii",
		 "copying the ingest keys"},
	};
	elog_query *q = NULL;
	int rc;

	if (elog_query_exec(c->w, ELOG_Q_BEGIN))
		return q_fail(c->w, c->err, "copying the registries");
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if ((rc = copy_rows(c, t[i].sel, t[i].ins, t[i].types,
				    t[i].what)))
			return rc;
	if (elog_query_open(c->w, ELOG_Q_COPY_TOKEN_NEXT_ID, &q) ||
	    elog_query_step(q) != ELOG_QUERY_ROW) {
		elog_query_end(q);
		return q_fail(c->w, c->err, "copying the tokens");
	}
	elog_query_end(q);
	if (elog_query_exec(c->w, ELOG_Q_COMMIT))
		return q_fail(c->w, c->err, "copying the registries");
	return 0;
}

/* ---- the check ---- */

/* Every checkpoint of the target the source's: size, root, note, time. */
static int same_checkpoints(struct copy *c)
{
	elog_query *a = NULL, *b = NULL;
	int rc = 0, sa, sb;

	if (elog_query_open(c->src, ELOG_Q_COPY_CHECKPOINTS, &a) ||
	    elog_query_open(c->w, ELOG_Q_COPY_CHECKPOINTS, &b)) {
		rc = q_fail(a ? c->w : c->src, c->err,
			    "comparing the checkpoints");
		goto out;
	}
	for (;;) {
		sa = elog_query_step(a);
		sb = elog_query_step(b);
		if (sa == ELOG_QUERY_ERROR || sb == ELOG_QUERY_ERROR) {
			rc = q_fail(sa == ELOG_QUERY_ERROR ? c->src : c->w,
				    c->err, "comparing the checkpoints");
			goto out;
		}
		if (sa != sb)
			break;
		if (sa == ELOG_QUERY_DONE)
			goto out;
		if (elog_query_int(a, 0) != elog_query_int(b, 0) ||
		    elog_query_int(a, 3) != elog_query_int(b, 3) ||
		    elog_query_bytes(a, 1) != elog_query_bytes(b, 1) ||
		    elog_query_bytes(a, 2) != elog_query_bytes(b, 2) ||
		    memcmp(elog_query_blob(a, 1), elog_query_blob(b, 1),
			   (size_t)elog_query_bytes(a, 1)) ||
		    memcmp(elog_query_text(a, 2), elog_query_text(b, 2),
			   (size_t)elog_query_bytes(a, 2)))
			break;
	}
	rc = elog_fail(c->err, ELOG_TAMPERED, -1, NULL,
		       "the copy's checkpoints are not the source's");
out:
	elog_query_end(a);
	elog_query_end(b);
	return rc;
}

static int check_copy(struct copy *c, uint64_t size, const char *note,
		      size_t len)
{
	elog_verify_opts opts;
	elog_verify_report vr;
	elog_hash ra, rb;
	uint64_t have;
	int rc;

	if ((rc = elog_store_size(c->w, &have, c->err)))
		return rc;
	if (have != size)
		return elog_fail(c->err, ELOG_TAMPERED, -1, NULL,
				 "the copy has %llu entries, the source %llu",
				 (unsigned long long)have,
				 (unsigned long long)size);
	if (size && ((rc = elog_store_root(c->src, size, &ra, c->err)) ||
		     (rc = elog_store_root(c->w, size, &rb, c->err))))
		return rc;
	if (size && memcmp(ra.b, rb.b, ELOG_HASH_LEN))
		return elog_fail(c->err, ELOG_TAMPERED, -1, NULL,
				 "the copy's root at size %llu is not the "
				 "source's",
				 (unsigned long long)size);
	if ((rc = same_checkpoints(c)))
		return rc;
	memset(&opts, 0, sizeof opts);
	opts.vkey = elog_store_vkey(c->src);
	opts.checkpoint = note;
	opts.checkpoint_len = len;
	return elog_verify_store(c->w, &opts, NULL, NULL, &vr, c->err);
}

int elog_store_copy(elog_store *src, const char *to, const elog_signer *signer,
		    elog_copy_report *rep, elog_err_t *err)
{
	static const char *const meta[] = {"party_key", "index_run_bits"};
	struct copy c;
	elog_verifier stored, mine;
	char buf[256], *note = NULL;
	size_t len = 0;
	uint64_t size, cp_size = 0;
	int64_t before;
	int began = 0, rc, created = 0;

	memset(&c, 0, sizeof c);
	memset(rep, 0, sizeof *rep);
	c.src = src;
	c.to = to;
	c.signer = signer;
	c.err = err;
	c.rep = rep;
	/* One snapshot of the source for the whole copy. */
	if ((rc = elog_store_read_begin(src, &began, err)) ||
	    (rc = elog_store_size(src, &size, err)))
		goto out;
	rc = elog_store_checkpoint_latest(src, &note, &len, &cp_size, err);
	if (rc && rc != -ELOG_NOT_FOUND)
		goto out;
	rc = 0;
	if (cp_size != size) {
		rc = elog_fail(err, ELOG_TAMPERED, -1, NULL,
			       "the source has %llu entries and its latest "
			       "checkpoint %llu",
			       (unsigned long long)size,
			       (unsigned long long)cp_size);
		goto out;
	}
	if ((rc = elog_store_horizon(src, &before, &c.through, err)))
		goto out;
	/* Before anything is created: the key must be the log's, or no
	 * checkpoint would come out the same. */
	if ((rc = elog_verifier_parse(elog_store_vkey(src), &stored, err)))
		goto out;
	elog_signer_public(signer, &mine);
	if (strcmp(stored.name, mine.name) != 0 ||
	    stored.keyid != mine.keyid ||
	    memcmp(stored.pk, mine.pk, sizeof mine.pk) != 0) {
		rc = elog_fail(err, ELOG_UNKNOWN_KEY, -1, NULL,
			       "the key is not this log's key (the log's is "
			       "%s)",
			       elog_store_vkey(src));
		goto out;
	}
	if ((rc = elog_store_create(to, elog_store_origin(src),
				    elog_store_vkey(src), err)))
		goto out;
	created = 1;
	/* The index's party key and run size, before any entry. */
	if ((rc = reopen(&c, ELOG_STORE_REGISTRY)))
		goto out;
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++) {
		rc = elog_store_meta_get(src, meta[i], buf, sizeof buf, err);
		if (rc == -ELOG_NOT_FOUND)
			continue;
		if (rc || (rc = elog_store_meta_set(c.w, meta[i], buf, err)))
			goto out;
	}
	if ((rc = copy_prefix(&c)) || (rc = reopen(&c, ELOG_STORE_WRITE)))
		goto out;
	if ((rc = append_rest(&c)) || (rc = copy_registries(&c)))
		goto out;
	rep->size = size;
	rc = check_copy(&c, size, note, len);
out:
	if (rc && created) {
		char why[sizeof err->msg];
		memcpy(why, err->msg, sizeof why);
		elog_fail(err, -rc, err->index, NULL,
			  "%.*s (the copy at the target is incomplete)",
			  (int)(sizeof why - 48), why);
	}
	elog_store_close(c.w);
	elog_store_read_end(src, began);
	free(note);
	return rc;
}
