/*
 * proof.c — GET /v1/proof/inclusion?index=I&size=N and
 * GET /v1/proof/consistency?old=M&new=N: RFC 9162 proofs as arrays of
 * base64 hashes.  Sizes are bounded by the current log size.
 */
#include "handlers.h"

/*
 * The query parameters na and nb, the thread's reader and the log's size.
 * 0, or an error reply was queued and *ret holds its outcome.
 */
static int params(struct request *rq, const char *na, uint64_t *a,
		  const char *nb, uint64_t *b, elog_store **s, uint64_t *cur,
		  enum MHD_Result *ret)
{
	elog_err_t err;
	int rc;

	elog_err_clear(&err);
	rc = query_uint(rq, na, a, &err);
	if (rc == 0)
		rc = query_uint(rq, nb, b, &err);
	/* A proof to tree size b: the read standby's when it has b. */
	if (rc == 0)
		rc = http_reader_at(rq->srv, *b, s, cur, &err);
	if (rc)
		*ret = reply_err(rq, rc, &err);
	return rc;
}

/* {"<na>":a,"<nb>":b,"proof":[b64…]} */
static enum MHD_Result reply_proof(struct request *rq, const char *na,
				   uint64_t a, const char *nb, uint64_t b,
				   const elog_hash *proof, size_t n)
{
	json_t *arr = json_array();
	char b64[ELOG_HASH_B64_LEN];

	for (size_t i = 0; arr && i < n; i++) {
		elog_hash_to_b64(&proof[i], b64);
		if (json_array_append_new(arr, json_string(b64)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	return reply_json(rq, 200,
			  json_pack("{s:I,s:I,s:o}", na, (json_int_t)a, nb,
				    (json_int_t)b, "proof", arr));
}

enum MHD_Result handle_proof_inclusion(struct request *rq)
{
	elog_hash proof[ELOG_MAX_PROOF];
	elog_store *s;
	elog_err_t err;
	uint64_t index, size, cur;
	size_t n = 0;
	enum MHD_Result ret;
	int rc;

	if (params(rq, "index", &index, "size", &size, &s, &cur, &ret))
		return ret;
	if (size < 1 || size > cur)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "size",
				   "size must be between 1 and the size of "
				   "the log");
	if (index >= size)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1,
				   "index", "index must be less than size");
	elog_err_clear(&err);
	rc = elog_store_prove_inclusion(s, index, size, proof, &n, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	return reply_proof(rq, "index", index, "size", size, proof, n);
}

enum MHD_Result handle_proof_consistency(struct request *rq)
{
	elog_hash proof[ELOG_MAX_PROOF];
	elog_store *s;
	elog_err_t err;
	uint64_t old_size, new_size, cur;
	size_t n = 0;
	enum MHD_Result ret;
	int rc;

	if (params(rq, "old", &old_size, "new", &new_size, &s, &cur, &ret))
		return ret;
	if (new_size < old_size)
		return reply_error(rq, ELOG_INVALID_RANGE, -1, "new",
				   "new must not be less than old");
	if (old_size < 1)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "old",
				   "old must be at least 1");
	if (new_size > cur)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "new",
				   "new is beyond the size of the log");
	elog_err_clear(&err);
	rc = elog_store_prove_consistency(s, old_size, new_size, proof, &n,
					  &err);
	if (rc)
		return reply_err(rq, rc, &err);
	return reply_proof(rq, "old", old_size, "new", new_size, proof, n);
}
