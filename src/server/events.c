/*
 * events.c — POST /v1/events: validate the whole batch on the HTTP thread,
 * hand it to the writer, suspend the connection, and answer
 * 201 {"first":seq,"count":n,"checkpoint":"…"} once the writer has
 * committed it and signed a checkpoint covering it.
 *
 * With an Idempotency-Key header the request is retry-safe: the key, the
 * hash of the body and the entries it was given are kept in the same
 * transaction as its events (idempotency.h).  A retry with the same key
 * and body appends nothing and answers the original first, count and
 * checkpoint; the same key with another body is 409 conflict.
 */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "idempotency.h"
#include "metrics.h"
#include "rfc3339.h"

struct ingest {
	struct write_request wr; /* first: the writer's view */
	elog_entry *entries;
	size_t n;
	/* with an Idempotency-Key */
	int keyed;
	char key[ELOG_IDEMPOTENCY_KEY_MAX + 1];
	int64_t token;
	uint8_t body_hash[32];
	int64_t window_ms;
	/* set by run(): the key was kept with this body; nothing appended */
	int replay;
	uint64_t first, count;
};

static void ingest_free(void *p)
{
	struct ingest *in = p;

	elog_entries_free(in->entries, in->n);
	write_request_clear(&in->wr);
	free(in);
}

/* Writer thread, inside the transaction (it may run again after a
 * rollback). */
static int run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct ingest *in = job->ctx;
	int64_t now = elog_now_ms();
	uint64_t first = 0;
	size_t i;
	int rc;

	in->replay = 0;
	if (in->keyed) {
		rc = elog_idempotency_find(w, in->token, in->key,
					   in->body_hash, now, in->window_ms,
					   &in->replay, &in->first, &in->count,
					   err);
		if (rc || in->replay)
			return rc;
	}
	for (i = 0; i < in->n; i++) {
		rc = elog_store_add(w, &in->entries[i], i ? NULL : &first, err);
		if (rc)
			return rc;
	}
	if (in->keyed)
		return elog_idempotency_put(w, in->token, in->key,
					    in->body_hash, first, in->n, now,
					    err);
	return 0;
}

/* The answer to a retry: the original entries and the checkpoint their
 * commit was answered with. */
static enum MHD_Result answer_replay(struct request *rq, struct ingest *in)
{
	elog_store *r;
	elog_err_t err;
	json_t *body;
	char *note = NULL;
	size_t len;
	int rc;

	elog_err_clear(&err);
	rc = http_reader(rq->srv, &r, &err);
	if (rc == 0)
		rc = elog_store_checkpoint_covering(r, in->first + in->count,
						    &note, &len, NULL, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	metrics_ingest_replay();
	body = json_pack("{s:I,s:I,s:s%}", "first", (json_int_t)in->first,
			 "count", (json_int_t)in->count, "checkpoint", note,
			 len);
	free(note);
	return reply_json(rq, 201, body);
}

static enum MHD_Result answer(struct request *rq, struct ingest *in)
{
	if (in->wr.rc)
		return reply_err(rq, in->wr.rc, &in->wr.err);
	if (in->replay)
		return answer_replay(rq, in);
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
	const char *key;
	elog_err_t err;
	int rc;

	if (in) /* resumed by the writer */
		return answer(rq, in);
	if (srv->cfg.shards[0])
		return reply_error(rq, ELOG_ROOT_LOG, -1, NULL,
				   "This log is a root: it records shard "
				   "checkpoints; send events and warrants to "
				   "the shards.");

	elog_err_clear(&err);
	in = calloc(1, sizeof *in);
	if (!in)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	key = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
					  "Idempotency-Key");
	if (key) {
		size_t klen = strlen(key);
		rc = elog_idempotency_key_check(key, klen, &err);
		if (rc) {
			free(in);
			return reply_err(rq, rc, &err);
		}
		memcpy(in->key, key, klen + 1);
		in->keyed = 1;
		in->token = rq->token.id;
		in->window_ms = (int64_t)srv->cfg.idempotency_window * 1000;
		elog_idempotency_body_hash(rq->ctype, rq->body ? rq->body : "",
					   rq->len, in->body_hash);
	}
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
