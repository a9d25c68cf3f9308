/*
 * requests.c — POST /v1/requests: a lawful request, in the order of docs/PROTOCOL.md.
 *
 *   1. the token's role is authority (the router: 401/403, not logged);
 *   2. the warrant verifies with the registered key of the authority bound
 *      to the token and names it (here, on the HTTP thread: 403/400, not
 *      logged);
 *   3. policy, 4. query and disclosure: on the writer thread, inside the
 *      write transaction, so that the refusal or disclosure entry is
 *      committed, with a signed checkpoint, before anything is answered;
 *   then the bundle is built from the reader: every proof against the
 *   commit's checkpoint.  If the commit fails, nothing is disclosed (500).
 */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "request.h"
#include "rfc3339.h"

struct lawful {
	struct write_request wr; /* first: the writer's view */
	elog_request req;
	elog_policy policy;
	size_t max_records;
	elog_outcome out;
};

static void lawful_free(void *p)
{
	struct lawful *l = p;
	elog_request_free(&l->req);
	elog_outcome_free(&l->out);
	write_request_clear(&l->wr);
	free(l);
}

/* Writer thread, inside the transaction; may be run again alone. */
static int run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct lawful *l = job->ctx;
	elog_outcome_free(&l->out);
	l->policy.now_ms = elog_now_ms();
	return elog_request_apply(w, &l->req, &l->policy, l->max_records,
				  &l->out, err);
}

static enum MHD_Result answer(struct request *rq, struct lawful *l)
{
	elog_store *s;
	elog_err_t err;
	json_t *bundle = NULL;
	int rc;

	if (l->wr.rc) {
		metrics_lawful("failed");
		return reply_err(rq, l->wr.rc, &l->wr.err);
	}
	if (l->out.refusal) {
		json_t *detail = json_pack("{s:s,s:I}", "reason",
					   l->out.refusal, "seq",
					   (json_int_t)l->out.seq);
		metrics_lawful_refused(l->out.refusal);
		return reply_error_detail(rq, ELOG_WARRANT_REFUSED,
					  "the warrant was refused by policy; "
					  "the refusal is in the log",
					  detail);
	}
	/* The disclosure is committed: build the bundle from the reader. */
	elog_err_clear(&err);
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_bundle_build(s, &l->out, l->wr.checkpoint,
				       l->wr.size, &bundle, &err);
	if (rc) {
		metrics_lawful("failed");
		return reply_err(rq, rc, &err);
	}
	metrics_lawful("answered");
	return reply_json(rq, 200, bundle);
}

enum MHD_Result handle_requests_post(struct request *rq)
{
	struct server *srv = rq->srv;
	struct lawful *l = rq->state;
	elog_store *s;
	elog_err_t err;
	int rc;

	if (l) /* resumed by the writer */
		return answer(rq, l);
	if (srv->cfg.shards[0])
		return reply_error(rq, ELOG_ROOT_LOG, -1, NULL,
				   "This log is a root: it records shard "
				   "checkpoints; send events and warrants to "
				   "the shards.");

	elog_err_clear(&err);
	l = calloc(1, sizeof *l);
	if (!l)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	rc = http_reader(srv, &s, &err);
	if (rc == 0)
		rc = elog_request_open(s, rq->token.authority,
				       rq->body ? rq->body : "", rq->len,
				       &l->req, &err);
	if (rc) {
		free(l);
		metrics_lawful(rc == -ELOG_BAD_SIGNATURE ||
					       rc == -ELOG_UNKNOWN_KEY ||
					       rc == -ELOG_AUTHORITY_MISMATCH
				       ? "bad_signature"
				       : "malformed");
		return reply_err(rq, rc, &err);
	}
	l->policy.max_window_ms = (int64_t)srv->cfg.max_window_days * 86400000;
	l->policy.max_subjects = (size_t)srv->cfg.max_subjects;
	l->policy.root_origin = srv->cfg.root_origin;
	l->max_records = (size_t)srv->cfg.max_records;
	l->wr.job.run = run;
	l->wr.job.ctx = l;
	l->wr.job.weight = 1;
	l->wr.job.full_sync = 1; /* the answer leaves only once it is on disk */
	rq->state = l;
	rq->state_free = lawful_free;
	return write_submit(rq, &l->wr);
}
