/*
 * events.c — POST /v1/events: validate the whole batch on the HTTP thread,
 * hand it to the writer, suspend the connection, and answer
 * 201 {"first":seq,"count":n,"checkpoint":"…"} once the writer has
 * committed it and signed a checkpoint covering it.
 */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "metrics.h"
#include "rfc3339.h"
#include "writer.h"

struct ingest {
	struct writer_job job;
	struct MHD_Connection *conn;
	elog_entry *entries;
	size_t n;
	int done;          /* set by the writer before it resumes us */
	int rc;
	elog_err_t err;
	uint64_t first, count;
	char *checkpoint;  /* malloc'd copy of the commit's checkpoint */
};

static void ingest_free(void *p)
{
	struct ingest *in = p;

	elog_entries_free(in->entries, in->n);
	free(in->checkpoint);
	free(in);
}

/* Writer thread, inside the transaction. */
static int run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct ingest *in = job->ctx;
	size_t i;
	int rc;

	for (i = 0; i < in->n; i++) {
		rc = elog_store_add(w, &in->entries[i], NULL, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Writer thread, after the commit or its failure. */
static void done(struct writer_job *job, int rc, const elog_err_t *err,
		 const elog_commit *c)
{
	struct ingest *in = job->ctx;

	in->rc = rc;
	if (rc == 0) {
		in->first = job->first;
		in->count = job->count;
		in->checkpoint = malloc(c->checkpoint_len + 1);
		if (in->checkpoint) {
			memcpy(in->checkpoint, c->checkpoint,
			       c->checkpoint_len);
			in->checkpoint[c->checkpoint_len] = '\0';
		} else {
			in->rc = elog_fail(&in->err, ELOG_NOMEM, -1, NULL,
					   "out of memory");
		}
	} else if (err) {
		in->err = *err;
	}
	in->done = 1;
	MHD_resume_connection(in->conn);
}

static enum MHD_Result answer(struct request *rq, struct ingest *in)
{
	if (in->rc)
		return reply_err(rq, in->rc, &in->err);
	metrics_events(in->count);
	return reply_json(rq, 201,
			  json_pack("{s:I,s:I,s:s}", "first",
				    (json_int_t)in->first, "count",
				    (json_int_t)in->count, "checkpoint",
				    in->checkpoint));
}

enum MHD_Result handle_events_post(struct request *rq)
{
	struct server *srv = rq->srv;
	elog_ingest_rules rules;
	struct ingest *in = rq->state;
	elog_err_t err;
	int rc;

	if (in) /* resumed by the writer */
		return answer(rq, in);

	elog_err_clear(&err);
	in = calloc(1, sizeof *in);
	if (!in)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	rules.now_ms = elog_now_ms();
	rules.max_future_ms = (int64_t)srv->cfg.max_future_ms;
	rules.max_events = (size_t)srv->cfg.max_events;
	rc = elog_events_parse(rq->body ? rq->body : "", rq->len,
			       !strcmp(rq->ctype, "application/x-ndjson"),
			       &rules, &in->entries, &in->n, &err);
	free(rq->body);
	rq->body = NULL;
	rq->len = rq->cap = 0;
	if (rc) {
		free(in);
		return reply_err(rq, rc, &err);
	}
	in->conn = rq->conn;
	in->job.run = run;
	in->job.done = done;
	in->job.ctx = in;
	in->job.weight = in->n;
	rq->state = in;
	rq->state_free = ingest_free;

	/* Suspend before the writer can resume us; if the writer refuses the
	 * job, resume at once and answer on the next call. */
	MHD_suspend_connection(rq->conn);
	rc = writer_submit(srv->writer, &in->job, &in->err);
	if (rc) {
		in->rc = rc;
		in->done = 1;
		MHD_resume_connection(rq->conn);
	}
	return MHD_YES;
}
