/*
 * checkpoint.c — GET /v1/checkpoint (the latest signed checkpoint) and
 * GET /v1/key (the log's verifier key), both text/plain.
 *
 * GET /v1/checkpoint?size=N answers the checkpoint of that size, if the
 * log ever signed one (404 otherwise), with the witness cosignatures it has
 * gathered since: how the holder of a bundle gets its checkpoint cosigned.
 *
 * On PostgreSQL neither goes past the writer's last confirmed commit
 * (writer_committed): a reader may see a commit before the synchronous
 * standby has it.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_PLAIN "text/plain; charset=utf-8"

enum MHD_Result handle_checkpoint(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	char *note = NULL;
	size_t len = 0;
	uint64_t size, top = writer_committed(rq->srv->writer);
	enum MHD_Result ret;
	int rc;

	elog_err_clear(&err);
	if (MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND,
					"size")) {
		rc = query_uint(rq, "size", &size, &err);
		if (rc == 0 && size > top)
			rc = -ELOG_NOT_FOUND; /* not confirmed yet */
		else if (rc == 0)
			rc = http_reader_at(rq->srv, size, &s, NULL, &err);
		if (rc == 0)
			rc = elog_store_checkpoint_at(s, size, &note, &len,
						      &err);
		if (rc == -ELOG_NOT_FOUND)
			return reply_error(rq, ELOG_NOT_FOUND, -1, "size",
					   "the log never signed a checkpoint "
					   "of that size");
	} else if ((rc = http_reader(rq->srv, &s, &err)) == 0) {
		rc = elog_store_checkpoint_latest(s, &note, &len, &size, &err);
		if (rc == 0 && size > top) { /* the writer's, not newer */
			free(note);
			note = NULL;
			rc = elog_store_checkpoint_at(s, top, &note, &len,
						      &err);
		}
	}
	if (rc)
		return reply_err(rq, rc, &err);
	ret = reply_text(rq, 200, TEXT_PLAIN, note, len);
	free(note);
	return ret;
}

enum MHD_Result handle_key(struct request *rq)
{
	char buf[ELOG_KEY_TEXT_MAX + 2];
	int n;

	n = snprintf(buf, sizeof buf, "%s\n", rq->srv->vkey);
	if (n < 0 || (size_t)n >= sizeof buf)
		return reply_error(rq, ELOG_INTERNAL, -1, NULL, NULL);
	return reply_text(rq, 200, TEXT_PLAIN, buf, (size_t)n);
}
