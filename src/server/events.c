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

struct ingest {
	struct write_request wr; /* first: the writer's view */
	elog_entry *entries;
	size_t n;
};

static void ingest_free(void *p)
{
	struct ingest *in = p;

	elog_entries_free(in->entries, in->n);
	write_request_clear(&in->wr);
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

static enum MHD_Result answer(struct request *rq, struct ingest *in)
{
	if (in->wr.rc)
		return reply_err(rq, in->wr.rc, &in->wr.err);
	metrics_events(in->wr.job.count);
	return reply_json(rq, 201,
			  json_pack("{s:I,s:I,s:s}", "first",
				    (json_int_t)in->wr.job.first, "count",
				    (json_int_t)in->wr.job.count, "checkpoint",
				    in->wr.checkpoint));
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
	in->wr.job.run = run;
	in->wr.job.ctx = in;
	in->wr.job.weight = in->n;
	rq->state = in;
	rq->state_free = ingest_free;
	return write_submit(rq, &in->wr);
}
