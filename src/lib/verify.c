/* verify.c — the offline check of a whole database.  See verify.h. */
#include "verify.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "store_db.h"
#include "store_query.h"

#include "canon.h"
#include "checkpoint.h"
#include "entry.h"
#include "pack.h"

/* One purge entry: it deleted the records of the events in
 * (previous through_seq, through_seq]. */
struct purge {
	uint64_t seq;
	int64_t before;
	uint64_t through;
	uint64_t events;
};

/*
 * The lawful-request index is checked as multisets, without a search per
 * row: the rows a run of the index must hold (those of its events, from
 * the walk) and the rows it holds (from one scan of the index in its
 * storage order, on another connection and thread) are each summed into
 * a digest, the sum modulo 2^128 of a 128-bit SipHash of each row under a
 * key drawn at random for this verification, with the rows' count.  The
 * key is drawn after the database was written, so whoever changed it
 * could not aim at it: two different sets of rows give the same digest
 * with probability about 2^-127.  A run whose digests differ is read
 * again row by row (elog_store_index_has) to name the first event that
 * lacks a row, as a search per row would; if none does, it holds a row
 * no event explains, reported after the walk.
 */
struct idig {
	uint64_t lo, hi; /* the sum, modulo 2^128 */
	uint64_t n;	 /* rows */
};

/* The index scan: the rows each run holds (see struct idig). */
struct iscan {
	elog_store *s; /* a peer of the walk's store, or the walk's own */
	const unsigned char *key;
	struct run_id {
		int64_t run;
		size_t i; /* in the walk's runs, by first_seq */
	} * ids;	  /* the runs by id */
	size_t nids, bi;
	int started, in_hot;
	int64_t cur;	  /* the run id being read */
	size_t cur_i;	  /* its place in the runs (SIZE_MAX: none) */
	struct idig *got; /* per run (the walk's order) */
	struct idig got_hot;
	uint64_t rows; /* every row, wherever it is */
	atomic_int stop;
	/* shared with the walk */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t below; /* runs with lower ids are read */
	int done;
	int rc;
	elog_err_t err;
	pthread_t th;
	int threaded;
};

typedef struct vstate {
	elog_store *s;
	elog_verify_report *rep;
	elog_verifier vk;
	elog_query *tree;     /* tree_hash in id order */
	elog_query *cps;      /* checkpoint in size order */
	int tree_row, cp_row; /* 1: the statement stands on a row */
	int tree_min_level;   /* elog_store_tree_min_level */
	struct purge *purges; /* the purge entries, in seq order */
	size_t npurges;
	size_t pi;	      /* the purge whose range the walk is in */
	uint64_t in_range;    /* events seen in that range */
	uint64_t index_rows;  /* index rows the records explain */
	elog_index_run *runs; /* the index's sealed runs, by first_seq */
	size_t nruns;
	unsigned char *tabled; /* per run: its table exists */
	int64_t stray;	       /* a table no run has (INT64_MIN: none) */
	size_t ri;	       /* the first run that may hold the walk's seq */
	uint64_t hot_from;     /* the events from here on are in index_hot */
	unsigned char dkey[crypto_shorthash_siphashx24_KEYBYTES];
	struct idig *want; /* per run: the rows its events need */
	struct idig want_hot;
	size_t ci;	       /* the next run whose digests are compared */
	struct iscan *ix;      /* the index scan (NULL: none yet) */
	int index_extra;       /* a run holds rows its events do not explain */
	elog_err_t *err;       /* the caller's, for a failed read */
	uint64_t warrant_rows; /* warrant_use rows the entries explain */
	uint64_t next_seq;
	elog_hash chain;
	elog_frontier f;
	int vkey_given;	      /* the key came from the caller */
	int have_signed;      /* a checkpoint was verified */
	uint64_t signed_size; /* the largest verified checkpoint's size */
	int have_trusted; /* the caller's checkpoint, checked at its size */
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

/* Compare each tree hash the recomputation completes with the stored row.
 * Levels below the store's elog_store_tree_min_level have no row (SQLite
 * hashes them up from the leaf hashes when read): a row there is extra. */
static int tree_check(void *ctx, int level, uint64_t index,
		      const elog_hash *hash, elog_err_t *err)
{
	vstate *v = ctx;
	uint64_t want = elog_stored_hash_index(level, index);
	uint64_t seq = ((index + 1) << level) - 1; /* last leaf it covers */
	(void)err;
	if (level < v->tree_min_level) {
		/* Every row below want was someone else's: one here is
		 * extra. */
		if (v->tree_row && (uint64_t)elog_query_int(v->tree, 0) <= want)
			return bad(v, seq,
				   "tree hash is stored at a level this store "
				   "does not keep",
				   NULL);
		return 0;
	}
	if (!v->tree_row)
		return bad(v, seq, "tree hash is missing", NULL);
	if ((uint64_t)elog_query_int(v->tree, 0) != want)
		return bad(v, seq, "tree hash is missing or misplaced", NULL);
	if (elog_query_bytes(v->tree, 1) != ELOG_HASH_LEN ||
	    memcmp(elog_query_blob(v->tree, 1), hash->b, ELOG_HASH_LEN))
		return bad(v, seq,
			   "stored tree hash differs from the "
			   "recomputed one",
			   NULL);
	v->rep->tree_hashes++;
	v->tree_row = elog_query_step(v->tree) == ELOG_QUERY_ROW;
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
	while (v->cp_row && (uint64_t)elog_query_int(v->cps, 0) == v->f.size) {
		elog_checkpoint cp;
		elog_hash root;
		elog_err_t e;
		const char *note = elog_query_text(v->cps, 2);
		size_t len = (size_t)elog_query_bytes(v->cps, 2);
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
		if (elog_query_bytes(v->cps, 1) != ELOG_HASH_LEN ||
		    memcmp(elog_query_blob(v->cps, 1), root.b, ELOG_HASH_LEN))
			return bad_cp(v, v->f.size,
				      "the stored root differs from the "
				      "recomputed root");
		v->rep->checkpoints++;
		v->have_signed = 1;
		v->signed_size = v->f.size;
		v->cp_row = elog_query_step(v->cps) == ELOG_QUERY_ROW;
	}
	return 0;
}

/* 1 if the last purge's range covers seq (its record must be gone). */
static int purged(const vstate *v, uint64_t seq)
{
	return v->npurges > 0 && seq <= v->purges[v->npurges - 1].through;
}

/* The walk reached seq: close every purge range that ends before it,
 * checking that the purge deleted exactly the events in it. */
static int purge_ranges(vstate *v, uint64_t seq)
{
	while (v->pi < v->npurges && seq > v->purges[v->pi].through) {
		const struct purge *p = &v->purges[v->pi];
		if (v->in_range != p->events) {
			char d[128];
			snprintf(d, sizeof d,
				 "it says %llu events, its range holds %llu",
				 (unsigned long long)p->events,
				 (unsigned long long)v->in_range);
			return bad(v, p->seq,
				   "purge entry's events count differs from "
				   "the events in its range",
				   d);
		}
		v->in_range = 0;
		v->pi++;
	}
	return 0;
}

/* The run of v->runs with id run (SIZE_MAX: none). */
static size_t run_by_id(const vstate *v, int64_t run)
{
	for (size_t i = 0; i < v->nruns; i++)
		if (v->runs[i].run == run)
			return i;
	return SIZE_MAX;
}

/* Which runs have a table of their own (schema/010_index_run_tables.sql),
 * into v->tabled, and the first table that no run has into v->stray: a
 * table left behind could hold rows a lawful request never reads. */
static int load_tables(vstate *v, elog_err_t *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;
	v->stray = INT64_MIN;
	if ((rc = elog_store_index_tables(v->s, &ids, &n, err)))
		return rc;
	if (!(v->tabled = calloc(v->nruns ? v->nruns : 1, 1))) {
		free(ids);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		size_t r = ids[i] < 0 ? SIZE_MAX : run_by_id(v, ids[i]);
		if (r != SIZE_MAX)
			v->tabled[r] = 1;
		else if (v->stray == INT64_MIN)
			v->stray = ids[i];
	}
	free(ids);
	return 0;
}

/* The index's runs (schema/007_index_runs.sql), before the walk: each
 * covers an aligned block of its level's size, below index_hot, and no two
 * overlap.  Which rows are in them is checked event by event. */
static int load_runs(vstate *v, uint64_t total, elog_err_t *err)
{
	unsigned bits = elog_store_index_run_bits(v->s);
	uint64_t size = total;
	elog_query *q = NULL;
	int rc;
	/* The log's size as its writer saw it: in a log that verifies, the
	 * largest checkpoint's.  A hostile row at a huge seq must not move
	 * every event's rows into runs before the walk finds the gap. */
	if (elog_query_open(v->s, ELOG_Q_MAX_CHECKPOINT_SIZE, &q) ||
	    elog_query_step(q) != ELOG_QUERY_ROW) {
		elog_query_end(q);
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot read the checkpoints");
	}
	if (!elog_query_is_null(q, 0) && (uint64_t)elog_query_int(q, 0) < size)
		size = (uint64_t)elog_query_int(q, 0);
	elog_query_end(q);
	v->hot_from = elog_store_index_hot_from(v->s, size);
	if ((rc = elog_store_index_runs(v->s, &v->runs, &v->nruns, err)))
		return rc;
	for (size_t i = 0; i < v->nruns; i++) {
		const elog_index_run *r = &v->runs[i];
		char d[160];
		int ok = r->level >= 0 && r->level <= ELOG_INDEX_MAX_LEVEL;
		if (ok) {
			uint64_t len = UINT64_C(1)
				       << (bits +
					   (unsigned)r->level *
						   ELOG_INDEX_FANOUT_BITS);
			ok = r->first_seq % len == 0 &&
			     r->last_seq == r->first_seq + len - 1 &&
			     r->last_seq < v->hot_from &&
			     (i == 0 || r->first_seq > v->runs[i - 1].last_seq);
		}
		if (!ok) {
			snprintf(d, sizeof d,
				 "run %lld, level %d, seqs %llu to %llu",
				 (long long)r->run, r->level,
				 (unsigned long long)r->first_seq,
				 (unsigned long long)r->last_seq);
			return bad(v, r->first_seq < total ? r->first_seq : 0,
				   "the lawful-request index has a run out of "
				   "place (overlapping, unaligned or not yet "
				   "complete)",
				   d);
		}
	}
	return load_tables(v, err);
}

/* Add row to the digest d under key. */
static void dig_add(struct idig *d, const unsigned char *key,
		    const elog_index_row *row)
{
	unsigned char m[24], h[crypto_shorthash_siphashx24_BYTES];
	uint64_t f[3] = {(uint64_t)row->party, (uint64_t)row->ts, row->seq};
	uint64_t lo = 0, hi = 0;
	for (int i = 0; i < 3; i++)
		for (int b = 0; b < 8; b++)
			m[8 * i + b] = (unsigned char)(f[i] >> (8 * b));
	crypto_shorthash_siphashx24(h, m, sizeof m, key);
	for (int b = 7; b >= 0; b--) {
		lo = lo << 8 | h[b];
		hi = hi << 8 | h[8 + b];
	}
	d->lo += lo;
	d->hi += hi + (d->lo < lo);
	d->n++;
}

static void dig_sum(struct idig *d, const struct idig *add)
{
	d->lo += add->lo;
	d->hi += add->hi + (d->lo < add->lo);
	d->n += add->n;
}

static int dig_equal(const struct idig *a, const struct idig *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->n == b->n;
}

/* The run of v->runs that holds seq (SIZE_MAX: none). */
static size_t run_of(const vstate *v, uint64_t seq)
{
	size_t lo = 0, hi = v->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->runs[mid].last_seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nruns && v->runs[lo].first_seq <= seq ? lo : SIZE_MAX;
}

/* The event's rows, searched one by one in run (run < 0: index_hot).  A
 * missing row hides a person from warrants. */
static int index_probe(vstate *v, uint64_t seq, const elog_entry *en,
		       int64_t run)
{
	const char *party[2] = {en->sender, en->recipient};
	elog_err_t e;
	int found;
	for (int i = 0; i < 2; i++) {
		if (elog_store_index_has(v->s, run, party[i], en->ts, seq,
					 &found, &e))
			return bad(v, seq,
				   "the lawful-request index is "
				   "unreadable",
				   e.msg);
		if (!found)
			return bad(v, seq,
				   i ? "the lawful-request index lacks the "
				       "event's recipient where it belongs (a "
				       "warrant would miss it; was "
				       "meta.party_key or the index changed?)"
				     : "the lawful-request index lacks the "
				       "event's sender where it belongs (a "
				       "warrant would miss it; was "
				       "meta.party_key or the index changed?)",
				   NULL);
	}
	return 0;
}

/* elog_store_leaves' callback of diagnose(): probe each event's rows. */
static int diag_leaf(void *ctx, const elog_leaf *l)
{
	vstate *v = ctx;
	elog_entry en;
	elog_err_t e;
	size_t r;
	int rc;
	if (l->kind != ELOG_KIND_EVENT || !l->record || purged(v, l->seq))
		return 0;
	/* the walk reports a record that does not parse */
	if (elog_entry_from_record(l->record, l->record_len, &en, &e))
		return 0;
	r = l->seq >= v->hot_from ? SIZE_MAX : run_of(v, l->seq);
	rc = l->seq < v->hot_from && r == SIZE_MAX
		     ? 0
		     : index_probe(v, l->seq, &en,
				   r == SIZE_MAX ? -1 : v->runs[r].run);
	elog_entry_free(&en);
	return rc;
}

/* The digests of seqs [from, to) differ: find the first event in them
 * that lacks a row; if none does, the rows there include one no event
 * explains (reported after the walk). */
static int diagnose(vstate *v, uint64_t from, uint64_t to)
{
	int rc = from < to ? elog_store_leaves(v->s, from, to, diag_leaf, v,
					       v->err)
			   : 0;
	if (rc == 0)
		v->index_extra = 1;
	return rc;
}

/* The walk failed at rep->bad_seq: if an event before it, among those
 * whose rows were not compared yet, lacks a row, that is the first
 * failure (as a search per row would have found it first). */
static void earlier_index_failure(vstate *v)
{
	elog_verify_report was = *v->rep;
	uint64_t from = v->ci < v->nruns ? v->runs[v->ci].first_seq
					 : v->hot_from;
	elog_err_t e;
	elog_err_t *keep = v->err;
	int rc;
	if (v->rep->bad_seq < 0 || (uint64_t)v->rep->bad_seq <= from)
		return;
	v->err = &e; /* a read failure here leaves the first report */
	rc = diagnose(v, from, (uint64_t)v->rep->bad_seq);
	v->err = keep;
	if (rc != -ELOG_TAMPERED)
		*v->rep = was;
}

/* Wait until the scan has read run i's rows (or failed). */
static int scan_wait(vstate *v, size_t i)
{
	struct iscan *x = v->ix;
	int rc;
	pthread_mutex_lock(&x->mu);
	while (!x->done && (i == SIZE_MAX || x->below <= v->runs[i].run))
		pthread_cond_wait(&x->cv, &x->mu);
	rc = x->done ? x->rc : 0;
	pthread_mutex_unlock(&x->mu);
	if (rc)
		return elog_fail(v->err, ELOG_IO, -1, NULL, "%s", x->err.msg);
	return 0;
}

/* The walk has passed seq: compare the digests of every run that ends
 * there. */
static int runs_through(vstate *v, uint64_t seq)
{
	int rc;
	while (v->ci < v->nruns && v->runs[v->ci].last_seq <= seq) {
		const elog_index_run *r = &v->runs[v->ci];
		if ((rc = scan_wait(v, v->ci)))
			return rc;
		if (!dig_equal(&v->want[v->ci], &v->ix->got[v->ci]) &&
		    (rc = diagnose(v, r->first_seq, r->last_seq + 1)))
			return rc;
		v->ci++;
	}
	return 0;
}

/* The event's parties are in the lawful-request index where the design
 * puts them: in index_hot from hot_from on, else in the run holding seq,
 * whose ts range covers ts (else a request would skip it).  want: the
 * event's rows, added to what that place must hold. */
static int index_check(vstate *v, uint64_t seq, int64_t ts,
		       const struct idig *want)
{
	if (want->n == 0)
		return bad(v, seq, "event has no parties", NULL);
	if (seq < v->hot_from) {
		const elog_index_run *r;
		while (v->ri < v->nruns && v->runs[v->ri].last_seq < seq)
			v->ri++;
		r = v->ri < v->nruns ? &v->runs[v->ri] : NULL;
		if (!r || r->first_seq > seq)
			return bad(v, seq,
				   "the lawful-request index has no run for "
				   "the event (a warrant would miss it; was "
				   "index_run changed?)",
				   NULL);
		if (!v->tabled[v->ri]) {
			char d[96];
			snprintf(d, sizeof d, "run %lld has no table",
				 (long long)r->run);
			return bad(v, seq,
				   "the lawful-request index lacks the rows "
				   "of the event's run (a warrant would miss "
				   "it; was the run's table dropped?)",
				   d);
		}
		if (!r->has_ts || ts < r->min_ts || ts > r->max_ts)
			return bad(v, seq,
				   "the ts range of the event's index run does "
				   "not cover it (a warrant would skip the "
				   "run; was index_run changed?)",
				   NULL);
		dig_sum(&v->want[v->ri], want);
	} else {
		dig_sum(&v->want_hot, want);
	}
	v->index_rows += want->n;
	return 0;
}

/* A disclosure or refusal: the warrant id a disclosure answered (or a
 * refusal found used) is recorded in warrant_use, since deleting the row
 * would let the id be reused with other text; and each row is explained
 * by the entry at its first_seq. */
static int warrant_check(vstate *v, const elog_leaf *l)
{
	elog_query *st = NULL;
	json_t *j = NULL;
	const char *auth, *id, *sha, *reason;
	int rc = 0, row;
	if (elog_json_load(l->data, l->len, &j, NULL) != 0)
		return bad(v, l->seq, "leaf data is not JSON", NULL);
	auth = json_string_value(json_object_get(j, "authority"));
	id = json_string_value(json_object_get(j, "warrant_id"));
	sha = json_string_value(json_object_get(j, "warrant_sha256"));
	reason = json_string_value(json_object_get(j, "reason"));
	if (!auth || !id || !sha) {
		rc = bad(v, l->seq, "entry names no warrant", NULL);
		goto out;
	}
	if (elog_query_open(v->s, ELOG_Q_WARRANT_USE_FIRST_SEQ, &st)) {
		rc = bad(v, l->seq, "warrant_use is unreadable", NULL);
		goto out;
	}
	elog_query_bind_text(st, 1, auth);
	elog_query_bind_text(st, 2, id);
	row = elog_query_step(st) == ELOG_QUERY_ROW;
	/* A refusal by policy comes before the id is recorded; a disclosure,
	 * or a refusal because the id was used, comes after. */
	if (!row && (l->kind == ELOG_KIND_DISCLOSURE ||
		     (reason && strcmp(reason, "id_reused") == 0))) {
		rc = bad(v, l->seq,
			 "the warrant id it answered has no warrant_use row "
			 "(deleting it re-opens the id)",
			 NULL);
		goto out;
	}
	/* The row holds the hash of the warrant's text, the entry that of
	 * the whole note: they cannot be compared here. */
	if (row && (uint64_t)elog_query_int(st, 0) == l->seq)
		v->warrant_rows++;
out:
	elog_query_end(st);
	json_decref(j);
	return rc;
}

/* What a leaf says by itself (no state of the walk): its data is there,
 * its leaf hash is that of the data, and the data is a canonical entry or,
 * for an event with its record, the record's commitment.  On success *en
 * is the event of the record, else the public entry (the caller frees it).
 * On a failure, *what and detail (the library's message, if *has_detail)
 * say what is wrong, as bad() words it, and *en is empty. */
static int leaf_alone(const elog_leaf *l, elog_entry *en, const char **what,
		      char detail[sizeof(((elog_err_t *)0)->msg)],
		      int *has_detail)
{
	elog_hash h;
	elog_err_t e;

	memset(en, 0, sizeof *en);
	*has_detail = 0;
	if (!l->data) {
		*what = "the public leaf data is missing";
		return -1;
	}
	elog_leaf_hash(l->data, l->len, &h);
	if (memcmp(h.b, l->leaf_hash.b, ELOG_HASH_LEN)) {
		*what = "leaf hash differs from the hash of the leaf data";
		return -1;
	}
	/* An event with its record: the record's commitment, rebuilt below,
	 * must equal the data byte for byte, which checks the data too. */
	if (!(l->record && l->kind == ELOG_KIND_EVENT)) {
		if (elog_entry_from_data(l->data, l->len, en, &e)) {
			*what = "leaf data is not a canonical entry";
			snprintf(detail, sizeof e.msg, "%s", e.msg);
			*has_detail = 1;
			return -1;
		}
		if (en->kind != l->kind ||
		    (en->kind != ELOG_KIND_EVENT && en->ts != l->ts)) {
			*what = "kind or ts column differs from the leaf data";
			goto fail;
		}
	}
	if (l->record) {
		if (l->kind != ELOG_KIND_EVENT) {
			*what = "a record is stored for an entry that is not "
				"an event";
			goto fail;
		}
		if (elog_entry_from_record(l->record, l->record_len, en, &e)) {
			*what = "the record is not a canonical event";
			snprintf(detail, sizeof e.msg, "%s", e.msg);
			*has_detail = 1;
			return -1;
		}
		if (en->len != l->len || memcmp(en->data, l->data, l->len) ||
		    en->ts != l->ts) {
			*what = "the record does not match its commitment (or "
				"its ts column)";
			goto fail;
		}
	}
	return 0;
fail:
	elog_entry_free(en);
	memset(en, 0, sizeof *en);
	return -1;
}

/* The checks of a leaf in seq order, after leaf_alone passed: the chain,
 * the tree hashes, the records and the tables beside them, the
 * checkpoints at its size.  want: the index rows of its event (from
 * leaf_rows). */
static int leaf_in_order(vstate *v, const elog_leaf *l, const struct idig *want)
{
	elog_hash chain;
	elog_err_t e;
	int rc;

	elog_chain_hash(&v->chain, &l->leaf_hash, &chain);
	if (memcmp(chain.b, l->chain_hash.b, ELOG_HASH_LEN)) {
		rc = bad(v, l->seq,
			 "chain value does not follow from the "
			 "previous entry",
			 NULL);
		goto out;
	}
	v->chain = chain;
	if ((rc = elog_frontier_append(&v->f, &l->leaf_hash, tree_check, v,
				       &e)))
		goto out;
	/* What the records and the tables beside them must say. */
	rc = 0;
	if (l->kind == ELOG_KIND_EVENT && !l->record) {
		if (!purged(v, l->seq)) {
			rc = bad(v, l->seq,
				 "the record is missing above the purge "
				 "horizon (the last purge's through_seq)",
				 NULL);
			goto out;
		}
		v->rep->purged++;
	} else if (l->kind == ELOG_KIND_EVENT && purged(v, l->seq)) {
		rc = bad(v, l->seq,
			 "the record survives below the last purge's "
			 "through_seq: the purge was not a prefix",
			 NULL);
		goto out;
	} else if (l->kind == ELOG_KIND_EVENT) {
		rc = index_check(v, l->seq, l->ts, want);
	} else if (l->kind == ELOG_KIND_DISCLOSURE ||
		   l->kind == ELOG_KIND_REFUSAL) {
		rc = warrant_check(v, l);
	}
	if (rc || (rc = runs_through(v, l->seq)) ||
	    (rc = purge_ranges(v, l->seq)))
		goto out;
	if (l->kind == ELOG_KIND_EVENT && v->pi < v->npurges)
		v->in_range++;
	v->next_seq++;
	v->rep->entries++;
	rc = checkpoints_at_size(v);
out:
	return rc;
}

/* ---- the walk: one thread reads, workers check leaves alone ----
 *
 * The reading thread (the caller's, which alone uses the SQLite
 * connection) copies rows into batches and hands each to a worker, which
 * runs leaf_alone() on every leaf of it; the reading thread then takes
 * the batches back in seq order and runs leaf_in_order() on each leaf.
 * A leaf's own failure is reported only when the walk reaches it in
 * order, so the first failure is the same as with one thread.  At most
 * NSLOTS batches are in flight: memory does not grow with the log. */

#define BATCH_LEAVES 1024
#define BATCH_BYTES (1u << 20) /* a batch is full past this much data */
#define MAX_WORKERS 8

struct vleaf {
	elog_leaf l; /* data and record: offsets into the arena */
	size_t data_off, rec_off;
	struct idig want; /* from leaf_rows */
};

struct vbatch {
	struct vleaf *leaves; /* BATCH_LEAVES */
	size_t n;
	char *arena;
	size_t used, cap;
	/* from the worker: the first leaf that failed alone (n if none) */
	size_t bad_at;
	const char *bad_what;
	char bad_detail[sizeof(((elog_err_t *)0)->msg)];
	int bad_has_detail;
	int state; /* enum slot_state, guarded by the pool's mu */
};

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

#define NSLOTS (2 * MAX_WORKERS + 2)

typedef struct vpool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t threads[MAX_WORKERS];
	int nthreads;
	int stopping;
	struct vbatch slots[NSLOTS];
	int nslots;
	size_t fill;	   /* the slot being filled by the reader */
	size_t oldest;	   /* the oldest slot handed out, in seq order */
	size_t inflight;   /* slots handed out, not yet taken back */
	size_t queue_head; /* next slot a worker takes (FIFO by slot order) */
	vstate *v;
	uint64_t expect; /* the seq the reader expects next */
	int gap;	 /* the reader saw a seq out of order */
	int rc;		 /* a failure of the in-order checks */
} vpool;

/* The digest of the index rows x's event (en, from leaf_alone) needs:
 * none but for an event with its record and both parties. */
static void leaf_rows(const vstate *v, struct vleaf *x, const elog_entry *en)
{
	elog_index_row rows[2];
	int k;
	memset(&x->want, 0, sizeof x->want);
	if (x->l.kind != ELOG_KIND_EVENT || !x->l.record || !en->sender ||
	    !en->recipient)
		return;
	k = elog_store_index_rows_of(v->s, en->sender, en->recipient, en->ts,
				     x->l.seq, rows);
	for (int i = 0; i < k; i++)
		dig_add(&x->want, v->dkey, &rows[i]);
}

/* Check every leaf of b alone; stop at the first failure. */
static void batch_alone(const vstate *v, struct vbatch *b)
{
	b->bad_at = b->n;
	for (size_t i = 0; i < b->n; i++) {
		struct vleaf *x = &b->leaves[i];
		char data[ELOG_EVENT_LEAF_JSON_LEN];
		char record[ELOG_RECORD_JSON_MAX];
		elog_leaf u;
		elog_entry en;
		x->l.data = x->data_off == SIZE_MAX ? NULL
						    : b->arena + x->data_off;
		x->l.record = x->rec_off == SIZE_MAX ? NULL
						     : b->arena + x->rec_off;
		/* The leaf as JSON (the reading thread copied it as
		 * stored); x keeps the stored bytes, whose NULLs are all the
		 * checks in order look at. */
		u = x->l;
		elog_leaf_unpack(&u, data, record);
		if (leaf_alone(&u, &en, &b->bad_what, b->bad_detail,
			       &b->bad_has_detail)) {
			b->bad_at = i;
			break;
		}
		/* freed here, by the thread that made it */
		leaf_rows(v, x, &en);
		elog_entry_free(&en);
	}
}

static void *worker_main(void *arg)
{
	vpool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct vbatch *b = &p->slots[p->queue_head];
		if (p->stopping)
			break;
		if (b->state != SLOT_QUEUED) {
			pthread_cond_wait(&p->work, &p->mu);
			continue;
		}
		b->state = SLOT_BUSY;
		p->queue_head = (p->queue_head + 1) % (size_t)p->nslots;
		pthread_mutex_unlock(&p->mu);
		batch_alone(p->v, b);
		pthread_mutex_lock(&p->mu);
		b->state = SLOT_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Take back the oldest batch handed out (waiting for its worker) and run
 * the in-order checks on its leaves.  Frees every entry it holds. */
static int take_oldest(vpool *p)
{
	struct vbatch *b = &p->slots[p->oldest];
	vstate *v = p->v;
	int rc = p->rc;

	if (p->nthreads > 0) {
		pthread_mutex_lock(&p->mu);
		while (b->state != SLOT_DONE)
			pthread_cond_wait(&p->done, &p->mu);
		pthread_mutex_unlock(&p->mu);
	} else {
		batch_alone(v, b);
	}
	for (size_t i = 0; i < b->n; i++) {
		struct vleaf *x = &b->leaves[i];
		if (rc == 0) {
			if (x->l.seq != v->next_seq)
				rc = bad(v, v->next_seq, "entry is missing",
					 NULL);
			else if (i == b->bad_at)
				rc = bad(v, x->l.seq, b->bad_what,
					 b->bad_has_detail ? b->bad_detail
							   : NULL);
			else if (i < b->bad_at)
				rc = leaf_in_order(v, &x->l, &x->want);
		}
	}
	b->n = 0;
	b->used = 0;
	pthread_mutex_lock(&p->mu);
	b->state = SLOT_FREE;
	pthread_mutex_unlock(&p->mu);
	p->oldest = (p->oldest + 1) % (size_t)p->nslots;
	p->inflight--;
	p->rc = rc;
	return rc;
}

/* Hand the batch being filled to the workers (if it holds leaves), taking
 * back the oldest first when every slot is in flight. */
static int hand_out(vpool *p)
{
	struct vbatch *b = &p->slots[p->fill];

	if (b->n == 0)
		return 0;
	pthread_mutex_lock(&p->mu);
	b->state = SLOT_QUEUED;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	p->inflight++;
	p->fill = (p->fill + 1) % (size_t)p->nslots;
	if (p->inflight == (size_t)p->nslots)
		return take_oldest(p);
	return 0;
}

/* Take back every batch handed out, in order. */
static int drain(vpool *p)
{
	int rc = hand_out(p);
	while (p->inflight > 0) {
		int r = take_oldest(p);
		if (!rc)
			rc = r;
	}
	return rc;
}

/* Copy n bytes into b's arena at *off (SIZE_MAX for NULL). */
static int arena_put(struct vbatch *b, const char *s, size_t n, size_t *off)
{
	if (!s) {
		*off = SIZE_MAX;
		return 0;
	}
	if (b->cap - b->used < n + 1) {
		size_t cap = b->cap ? b->cap : BATCH_BYTES + 4096;
		char *a;
		while (cap - b->used < n + 1)
			cap *= 2;
		if (!(a = realloc(b->arena, cap)))
			return -1;
		b->arena = a;
		b->cap = cap;
	}
	memcpy(b->arena + b->used, s, n);
	b->arena[b->used + n] = '\0';
	*off = b->used;
	b->used += n + 1;
	return 0;
}

/* elog_store_leaves' callback: copy the leaf into the batch being
 * filled. */
static int read_leaf(void *ctx, const elog_leaf *l)
{
	vpool *p = ctx;
	struct vbatch *b = &p->slots[p->fill];
	struct vleaf *x;

	if (p->rc)
		return p->rc;
	if (l->seq != p->expect)
		p->gap = 1;
	p->expect = l->seq + 1;
	x = &b->leaves[b->n];
	x->l = *l;
	x->l.data = x->l.record = NULL;
	if (arena_put(b, l->data, l->len, &x->data_off) ||
	    arena_put(b, l->record, l->record_len, &x->rec_off))
		return -ELOG_NOMEM;
	b->n++;
	if (b->n == BATCH_LEAVES || b->used >= BATCH_BYTES)
		return hand_out(p);
	return 0;
}

static void pool_stop(vpool *p)
{
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (int i = 0; i < p->nslots; i++) {
		struct vbatch *b = &p->slots[i];
		free(b->leaves);
		free(b->arena);
	}
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
}

/* One worker per processor (at most MAX_WORKERS); none on one processor,
 * where the reading thread checks each batch itself. */
static int pool_start(vpool *p, vstate *v, elog_err_t *err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int want = ncpu > 1 ? (int)(ncpu < MAX_WORKERS ? ncpu : MAX_WORKERS)
			    : 0;

	memset(p, 0, sizeof *p);
	p->v = v;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->nslots = want > 0 ? 2 * want + 2 : 1;
	for (int i = 0; i < p->nslots; i++) {
		p->slots[i].leaves = calloc(BATCH_LEAVES,
					    sizeof *p->slots[i].leaves);
		if (!p->slots[i].leaves)
			goto nomem;
	}
	for (int i = 0; i < want; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
			break; /* fewer workers will do */
		p->nthreads++;
	}
	return 0;
nomem:
	pool_stop(p);
	return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
}

/* An integer field of a purge entry, >= 0. */
static int purge_field(json_t *j, const char *name, int64_t *out)
{
	json_t *f = json_object_get(j, name);
	if (!json_is_integer(f) || json_integer_value(f) < 0)
		return -1;
	*out = (int64_t)json_integer_value(f);
	return 0;
}

/* Read the purge entries (their data is verified in the walk): before
 * and through_seq only move forward, each purge covers seqs before its
 * own, and the purge_horizon table says the same. */
static int load_purges(vstate *v, elog_err_t *err)
{
	elog_query *st = NULL;
	size_t cap = 0, i = 0;
	int rc = 0;
	if (elog_query_open(v->s, ELOG_Q_PURGE_ENTRIES, &st))
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot read purge entries");
	while ((rc = elog_query_step(st)) == ELOG_QUERY_ROW) {
		struct purge p;
		json_t *j = NULL;
		int64_t before, through, events;
		const char *d = elog_query_blob(st, 1);
		int n = elog_query_bytes(st, 1);
		p.seq = (uint64_t)elog_query_int(st, 0);
		if (!d || elog_json_load(d, (size_t)n, &j, NULL) != 0 ||
		    purge_field(j, "before", &before) ||
		    purge_field(j, "through_seq", &through) ||
		    purge_field(j, "events", &events)) {
			json_decref(j);
			rc = bad(v, p.seq, "purge entry is malformed", NULL);
			goto out;
		}
		json_decref(j);
		p.before = before;
		p.through = (uint64_t)through;
		p.events = (uint64_t)events;
		if (p.through >= p.seq) {
			rc = bad(v, p.seq,
				 "purge entry's through_seq is not before it",
				 NULL);
			goto out;
		}
		if (v->npurges > 0 &&
		    (p.before <= v->purges[v->npurges - 1].before ||
		     p.through < v->purges[v->npurges - 1].through)) {
			rc = bad(v, p.seq,
				 "purge entry moves before or through_seq "
				 "back",
				 NULL);
			goto out;
		}
		if (v->npurges == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct purge *g = realloc(v->purges, ncap * sizeof *g);
			if (!g) {
				rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
					       "out of memory");
				goto out;
			}
			v->purges = g;
			cap = ncap;
		}
		v->purges[v->npurges++] = p;
	}
	if (rc != ELOG_QUERY_DONE) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "cannot read purge entries");
		goto out;
	}
	elog_query_end(st);
	st = NULL;
	/* The horizon table, which the delete guards read, row for row. */
	if (elog_query_open(v->s, ELOG_Q_PURGE_HORIZONS, &st)) {
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "cannot read the purge horizon");
		goto out;
	}
	while ((rc = elog_query_step(st)) == ELOG_QUERY_ROW) {
		if (i >= v->npurges ||
		    elog_query_int(st, 0) != v->purges[i].before ||
		    elog_query_int(st, 1) != (int64_t)v->purges[i].through)
			break;
		i++;
	}
	if (rc == ELOG_QUERY_ROW || i != v->npurges) {
		v->rep->bad_seq = i < v->npurges ? (int64_t)v->purges[i].seq
						 : -1;
		snprintf(v->rep->what, sizeof v->rep->what,
			 "the purge_horizon table differs from the purge "
			 "entries");
		rc = -ELOG_TAMPERED;
		goto out;
	}
	rc = 0;
out:
	elog_query_end(st);
	return rc;
}

/* Tell the walk that the runs with ids below `below` are read. */
static void scan_publish(struct iscan *x, int64_t below)
{
	pthread_mutex_lock(&x->mu);
	x->below = below;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

/* elog_store_index_scan's callback: add the row to its run's digest. */
static int scan_row(void *ctx, int hot, int64_t run, const elog_index_row *r)
{
	struct iscan *x = ctx;
	if (atomic_load_explicit(&x->stop, memory_order_relaxed))
		return -ELOG_INTERNAL;
	x->rows++;
	if (hot) {
		if (!x->in_hot) {
			x->in_hot = 1;
			scan_publish(x, INT64_MAX);
		}
		dig_add(&x->got_hot, x->key, r);
		return 0;
	}
	if (!x->started || run != x->cur) {
		if (x->started)
			scan_publish(x, run);
		x->started = 1;
		x->cur = run;
		while (x->bi < x->nids && x->ids[x->bi].run < run)
			x->bi++;
		x->cur_i = x->bi < x->nids && x->ids[x->bi].run == run
				   ? x->ids[x->bi].i
				   : SIZE_MAX;
	}
	/* a run index_run does not list: counted only */
	if (x->cur_i != SIZE_MAX)
		dig_add(&x->got[x->cur_i], x->key, r);
	return 0;
}

static void *scan_main(void *arg)
{
	struct iscan *x = arg;
	elog_err_t e;
	int rc;
	elog_err_clear(&e);
	rc = elog_store_index_scan(x->s, scan_row, x, &e);
	pthread_mutex_lock(&x->mu);
	x->rc = rc;
	x->err = e;
	x->done = 1;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

static int cmp_run_id(const void *a, const void *b)
{
	const struct run_id *x = a, *y = b;
	return x->run < y->run ? -1 : x->run > y->run;
}

/* Start the scan of the index on peer in a thread of its own, or (peer
 * NULL, or no thread) on v->s before returning. */
static int scan_start(vstate *v, struct iscan *x, elog_store *peer,
		      elog_err_t *err)
{
	memset(x, 0, sizeof *x);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	atomic_init(&x->stop, 0);
	x->s = peer ? peer : v->s;
	x->key = v->dkey;
	x->below = INT64_MIN;
	v->ix = x;
	x->nids = v->nruns;
	if (v->nruns > 0 && (!(x->ids = calloc(v->nruns, sizeof *x->ids)) ||
			     !(x->got = calloc(v->nruns, sizeof *x->got)) ||
			     !(v->want = calloc(v->nruns, sizeof *v->want))))
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	for (size_t i = 0; i < v->nruns; i++) {
		x->ids[i].run = v->runs[i].run;
		x->ids[i].i = i;
	}
	if (x->nids > 1)
		qsort(x->ids, x->nids, sizeof *x->ids, cmp_run_id);
	if (peer && pthread_create(&x->th, NULL, scan_main, x) == 0) {
		x->threaded = 1;
		return 0;
	}
	scan_main(x);
	return 0;
}

/* Stop the scan (if it still runs) and free it. */
static void scan_stop(struct iscan *x)
{
	if (x->threaded) {
		atomic_store(&x->stop, 1);
		pthread_join(x->th, NULL);
	}
	pthread_cond_destroy(&x->cv);
	pthread_mutex_destroy(&x->mu);
	free(x->ids);
	free(x->got);
}

/* After the walk: every purge range closed, and the index and warrant_use
 * hold nothing the entries do not explain. */
static int after_walk(vstate *v, uint64_t total, elog_err_t *err)
{
	uint64_t n = 0;
	elog_query *st = NULL;
	int rc;
	if ((rc = purge_ranges(v, UINT64_MAX)))
		return rc;
	/* the runs (all below total) were compared in the walk; now
	 * index_hot, once the scan has read it all */
	if ((rc = runs_through(v, UINT64_MAX)) || (rc = scan_wait(v, SIZE_MAX)))
		return rc;
	if (!dig_equal(&v->want_hot, &v->ix->got_hot) &&
	    (rc = diagnose(v, v->hot_from, total)))
		return rc;
	if (v->stray != INT64_MIN) {
		char d[96];
		if (v->stray < 0)
			snprintf(d, sizeof d,
				 "a table named like a run's, "
				 "for no run id");
		else
			snprintf(d, sizeof d, "run %lld", (long long)v->stray);
		return bad(v, total,
			   "the lawful-request index has a table for a run "
			   "that index_run does not list",
			   d);
	}
	n = v->ix->rows;
	if (n != v->index_rows || v->index_extra) {
		char d[128];
		snprintf(d, sizeof d, "%llu rows, the records explain %llu",
			 (unsigned long long)n,
			 (unsigned long long)v->index_rows);
		return bad(v, total,
			   "the lawful-request index has rows no record "
			   "explains",
			   d);
	}
	if (elog_query_open(v->s, ELOG_Q_WARRANT_USE_COUNT, &st) ||
	    elog_query_step(st) != ELOG_QUERY_ROW) {
		elog_query_end(st);
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot read warrant_use");
	}
	n = (uint64_t)elog_query_int(st, 0);
	elog_query_end(st);
	if (n != v->warrant_rows)
		return bad(v, total,
			   "warrant_use has rows that no disclosure or "
			   "refusal entry explains",
			   NULL);
	/* A checkpoint deleted from the middle leaves its entries covered by
	 * later ones; only its witnesses' cosignatures show it was there. */
	if (elog_query_open(v->s, ELOG_Q_COSIGNED_MISSING, &st) ||
	    elog_query_step(st) != ELOG_QUERY_ROW) {
		elog_query_end(st);
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot read cosignatures");
	}
	if (!elog_query_is_null(st, 0)) {
		uint64_t size = (uint64_t)elog_query_int(st, 0);
		elog_query_end(st);
		return bad_cp(v, size,
			      "it was cosigned by a witness but is missing");
	}
	elog_query_end(st);
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
	vpool pool;
	struct iscan scan;
	elog_store *peer = NULL;
	uint64_t total = 0, start = 0;
	const uint64_t step = 65536;
	int rc, pool_on = 0, scan_on = 0, walking = 0;

	memset(&v, 0, sizeof v);
	memset(rep, 0, sizeof *rep);
	rep->bad_seq = -1;
	v.s = s;
	v.rep = rep;
	v.err = err;
	randombytes_buf(v.dkey, sizeof v.dkey);
	v.chain = ELOG_ZERO_HASH;
	elog_frontier_init(&v.f);
	if ((rc = trust(&v, opts, err))) {
		if (rc == -ELOG_TAMPERED)
			elog_fail(err, ELOG_TAMPERED, -1, NULL, "%s",
				  rep->what);
		return rc;
	}
	/* One read transaction, so the walk sees one state of the log even
	 * while a server appends to it; with more than one processor, a
	 * second reader on the same state scans the index in a thread of its
	 * own (without, or if it cannot be had, the scan comes first). */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		elog_err_t e;
		if (elog_store_open_peer(s, &peer, &e) == 0 &&
		    elog_store_read_pair(s, peer, &e) != 0) {
			elog_store_close(peer);
			peer = NULL;
		}
	}
	if (!peer && elog_query_exec(s, ELOG_Q_BEGIN))
		return elog_fail(err, elog_store_errcode(s), -1, NULL,
				 "cannot read: %s", elog_store_errmsg(s));
	if ((rc = elog_store_size(s, &total, err)) ||
	    (rc = load_purges(&v, err)) || (rc = load_runs(&v, total, err)))
		goto out;
	scan_on = 1;
	if ((rc = scan_start(&v, &scan, peer, err)))
		goto out;
	if (elog_query_open(s, ELOG_Q_TREE_HASHES, &v.tree) ||
	    elog_query_open(s, ELOG_Q_CHECKPOINTS, &v.cps)) {
		rc = elog_fail(err, elog_store_errcode(s), -1, NULL,
			       "cannot read: %s", elog_store_errmsg(s));
		goto out;
	}
	v.tree_row = elog_query_step(v.tree) == ELOG_QUERY_ROW;
	v.tree_min_level = elog_store_tree_min_level(s);
	v.cp_row = elog_query_step(v.cps) == ELOG_QUERY_ROW;
	if ((rc = checkpoints_at_size(&v)))
		goto out;
	if ((rc = pool_start(&pool, &v, err)))
		goto out;
	pool_on = 1;
	walking = 1;
	for (start = 0; start < total; start += step) {
		uint64_t end = start + step < total ? start + step : total;
		rc = elog_store_leaves_stored(s, start, end, read_leaf, &pool,
					      err);
		if (rc && !pool.rc) {
			/* A read failed: the leaves read before it come
			 * first, as they would one at a time. */
			int r = drain(&pool);
			if (r)
				rc = r;
			else if (rc == -ELOG_NOMEM)
				elog_fail(err, ELOG_NOMEM, -1, NULL,
					  "out of memory");
		}
		if (rc)
			goto out;
		/* A gap ends the walk: a hostile file's one huge seq must not
		 * make it step through 2^63 empty ranges. */
		if (pool.gap || pool.expect != end) {
			if ((rc = drain(&pool)))
				goto out;
			if (v.next_seq != end) {
				rc = bad(&v, v.next_seq, "entry is missing",
					 NULL);
				goto out;
			}
		}
		if (progress)
			progress(ctx, end, total);
	}
	if ((rc = drain(&pool)))
		goto out;
	walking = 0;
	if (v.next_seq != total) {
		rc = bad(&v, v.next_seq, "entry is missing", NULL);
		goto out;
	}
	if ((rc = after_walk(&v, total, err)))
		goto out;
	if (v.cp_row) {
		rc = bad_cp(&v, (uint64_t)elog_query_int(v.cps, 0),
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
		snprintf(d, sizeof d,
			 "the last signed checkpoint has size %llu",
			 (unsigned long long)v.signed_size);
		rc = bad(&v, v.signed_size,
			 "entry is not covered by a signed checkpoint "
			 "(an unsigned tail)",
			 d);
		goto out;
	}
	if (v.have_trusted && v.trusted.size > total) {
		char d[96];
		snprintf(d, sizeof d, "the trusted checkpoint has size %llu",
			 (unsigned long long)v.trusted.size);
		rc = bad(&v, total,
			 "entry is missing: the log is shorter than the "
			 "trusted checkpoint (--checkpoint), so it was "
			 "truncated or rolled back",
			 d);
		goto out;
	}
	rc = 0;
out:
	if (rc == -ELOG_TAMPERED && walking)
		earlier_index_failure(&v);
	if (pool_on)
		pool_stop(&pool);
	if (scan_on)
		scan_stop(&scan);
	elog_store_close(peer);
	free(v.want);
	elog_query_end(v.tree);
	elog_query_end(v.cps);
	free(v.purges);
	free(v.runs);
	free(v.tabled);
	elog_query_exec(s, ELOG_Q_COMMIT);
	if (rc == -ELOG_TAMPERED)
		elog_fail(err, ELOG_TAMPERED, (long)rep->bad_seq, NULL,
			  "seq %lld: %s", (long long)rep->bad_seq, rep->what);
	return rc;
}

int elog_verify_checkpoint(elog_store *s, const elog_verifier *vk,
			   const char *note, size_t len, uint64_t *size,
			   elog_err_t *err)
{
	elog_checkpoint cp;
	elog_hash root;
	uint64_t have;
	int began, rc;

	if ((rc = elog_checkpoint_open(note, len, vk, &cp, err)))
		return rc;
	if (size)
		*size = cp.size;
	if ((rc = elog_store_read_begin(s, &began, err)))
		return rc;
	if ((rc = elog_store_size(s, &have, err)))
		goto out;
	if (have < cp.size) {
		rc = elog_fail(err, ELOG_TAMPERED, (long)have, NULL,
			       "the log has %llu entries, fewer than the "
			       "signed checkpoint of size %llu: it was rolled "
			       "back or truncated",
			       (unsigned long long)have,
			       (unsigned long long)cp.size);
		goto out;
	}
	if ((rc = elog_tree_root(cp.size, elog_store_hash_reader, s, &root,
				 err)))
		goto out;
	if (memcmp(root.b, cp.root.b, ELOG_HASH_LEN) != 0)
		rc = elog_fail(err, ELOG_TAMPERED, -1, NULL,
			       "the log's tree at size %llu has another root "
			       "than the signed checkpoint of that size: it "
			       "was rewritten or forked",
			       (unsigned long long)cp.size);
out:
	elog_store_read_end(s, began);
	return rc;
}
