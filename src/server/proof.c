/*
 * proof.c — GET /v1/proof/inclusion?index=I&size=N and
 * GET /v1/proof/consistency?old=M&new=N: RFC 9162 proofs as arrays of
 * base64 hashes.  Sizes are bounded by the current log size.
 */
#include "handlers.h"

static json_t *proof_array(const elog_hash *proof, size_t n)
{
	json_t *a = json_array();
	char b64[ELOG_HASH_B64_LEN];
	size_t i;

	for (i = 0; a && i < n; i++) {
		elog_hash_to_b64(&proof[i], b64);
		if (json_array_append_new(a, json_string(b64)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

enum MHD_Result handle_proof_inclusion(struct request *rq)
{
	elog_hash proof[ELOG_MAX_PROOF];
	elog_store *s;
	elog_err_t err;
	uint64_t index, size, cur;
	size_t n = 0;
	json_t *a;
	int rc;

	elog_err_clear(&err);
	rc = query_uint(rq, "index", &index, &err);
	if (rc == 0)
		rc = query_uint(rq, "size", &size, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_store_size(s, &cur, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	if (size < 1 || size > cur)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "size",
				   "size must be between 1 and the size of "
				   "the log");
	if (index >= size)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1,
				   "index", "index must be less than size");
	rc = elog_store_prove_inclusion(s, index, size, proof, &n, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	a = proof_array(proof, n);
	if (!a)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	return reply_json(rq, 200,
			  json_pack("{s:I,s:I,s:o}", "index",
				    (json_int_t)index, "size",
				    (json_int_t)size, "proof", a));
}

enum MHD_Result handle_proof_consistency(struct request *rq)
{
	elog_hash proof[ELOG_MAX_PROOF];
	elog_store *s;
	elog_err_t err;
	uint64_t old_size, new_size, cur;
	size_t n = 0;
	json_t *a;
	int rc;

	elog_err_clear(&err);
	rc = query_uint(rq, "old", &old_size, &err);
	if (rc == 0)
		rc = query_uint(rq, "new", &new_size, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	if (new_size < old_size)
		return reply_error(rq, ELOG_INVALID_RANGE, -1, "new",
				   "new must not be less than old");
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_store_size(s, &cur, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	if (old_size < 1)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "old",
				   "old must be at least 1");
	if (new_size > cur)
		return reply_error(rq, ELOG_PARAMETER_OUT_OF_RANGE, -1, "new",
				   "new is beyond the size of the log");
	rc = elog_store_prove_consistency(s, old_size, new_size, proof, &n,
					  &err);
	if (rc)
		return reply_err(rq, rc, &err);
	a = proof_array(proof, n);
	if (!a)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	return reply_json(rq, 200,
			  json_pack("{s:I,s:I,s:o}", "old",
				    (json_int_t)old_size, "new",
				    (json_int_t)new_size, "proof", a));
}
