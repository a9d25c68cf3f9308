/*
 * leaves.c — GET /v1/leaves?start=S&end=E: entries [S, E) as
 * {"leaves":[{"seq","kind","leaf_hash","chain_hash"[,"entry"]}]}.
 *
 * end must not exceed the log size and not precede start.  A range longer
 * than LEAVES_MAX is clamped to [S, S + LEAVES_MAX): clients page on by
 * asking again from the last seq + 1.  Every leaf's data is public (R2)
 * and served as "entry": disclosure, refusal and purge entries in full,
 * events as their commitment, so that anyone can recompute every leaf hash.
 */
#include "handlers.h"

#include "canon.h"
#include "entry.h"

#define LEAVES_MAX 1000

struct walk {
	json_t *list;
	elog_err_t *err;
};

static int add_leaf(void *ctx, const elog_leaf *leaf)
{
	struct walk *w = ctx;
	char lh[ELOG_HASH_B64_LEN], ch[ELOG_HASH_B64_LEN];
	const char *kind = elog_kind_name(leaf->kind);
	json_t *o;
	int rc;

	elog_hash_to_b64(&leaf->leaf_hash, lh);
	elog_hash_to_b64(&leaf->chain_hash, ch);
	o = json_pack("{s:I,s:s,s:s,s:s}", "seq", (json_int_t)leaf->seq,
		      "kind", kind ? kind : "unknown", "leaf_hash", lh,
		      "chain_hash", ch);
	if (!o)
		return elog_fail(w->err, ELOG_NOMEM, -1, NULL, "out of memory");
	if (leaf->data) {
		json_t *entry = NULL;
		rc = elog_json_load(leaf->data, leaf->len, &entry, w->err);
		if (rc) {
			json_decref(o);
			return elog_fail(w->err, ELOG_INTERNAL,
					 (long)leaf->seq, NULL,
					 "stored leaf data does not parse");
		}
		json_object_set_new(o, "entry", entry);
	}
	if (json_array_append_new(w->list, o) != 0)
		return elog_fail(w->err, ELOG_NOMEM, -1, NULL, "out of memory");
	return 0;
}

enum MHD_Result handle_leaves(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	uint64_t start, end, size;
	struct walk w;
	json_t *list = NULL;
	int rc;

	elog_err_clear(&err);
	rc = query_uint(rq, "start", &start, &err);
	if (rc == 0)
		rc = query_uint(rq, "end", &end, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	if (end < start)
		return reply_error(rq, ELOG_INVALID_RANGE, -1, "end",
				   "end must not be less than start");
	rc = http_reader_at(rq->srv, end, &s, &size, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	if (end > size)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "end",
				   "end is beyond the size of the log");
	if (end - start > LEAVES_MAX)
		end = start + LEAVES_MAX;
	list = json_array();
	if (!list)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	w.list = list;
	w.err = &err;
	if (end > start) {
		rc = elog_store_leaves(s, start, end, add_leaf, &w, &err);
		if (rc) {
			json_decref(list);
			return reply_err(rq, rc, &err);
		}
	}
	return reply_json(rq, 200, json_pack("{s:o}", "leaves", list));
}
