/*
 * cosignatures.c — POST /v1/cosignatures (auditor role): a witness's C2SP
 * cosignature/v1 of a checkpoint this log signed.
 *
 * Body (text/plain): the checkpoint text exactly as served (its lines
 * without signatures), a blank line, and the cosignature line
 * "— <witness> <base64(keyid || time || signature)>\n" — a signed note
 * carrying only the witness's signature.  The witness must be registered
 * (`envelog witness add`); the checkpoint must be one the log stored.  The
 * line is stored through the writer and served from then on with that
 * checkpoint (and in bundles against it).  201 {"size":N,"witness":name}.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "keyring.h"
#include "rfc3339.h"

struct cosign {
	struct write_request wr; /* first: the writer's view */
	uint64_t size;
	char witness[ELOG_NAME_MAX + 1];
	char *line;
	size_t line_len;
};

static void cosign_free(void *p)
{
	struct cosign *c = p;
	free(c->line);
	write_request_clear(&c->wr);
	free(c);
}

static int run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct cosign *c = job->ctx;
	return elog_store_add_cosignature(w, c->size, c->witness, c->line,
					  c->line_len, elog_now_ms(), err);
}

/* Check the body against the stored checkpoint and the witness's key. */
static int check(struct request *rq, struct cosign *c, elog_err_t *err)
{
	elog_note_sig sigs[2]; /* room for one more than allowed */
	elog_checkpoint cp;
	elog_verifier wk;
	elog_store *s;
	size_t text_len = 0, nsigs = 0, stored_len = 0;
	char *stored = NULL;
	uint64_t t;
	int rc;

	if (!rq->body || rq->len == 0)
		return elog_fail(err, ELOG_MALFORMED_COSIGNATURE, -1, NULL,
				 "the body is empty");
	if ((rc = elog_note_parse(rq->body, rq->len, &text_len, sigs, 2,
				  &nsigs, err)))
		return rc;
	if (nsigs != 1)
		return elog_fail(err, ELOG_MALFORMED_COSIGNATURE, -1, NULL,
				 "the body must carry exactly one "
				 "cosignature line");
	if ((rc = elog_checkpoint_parse(rq->body, text_len, &cp, err)))
		return rc;
	if ((rc = http_reader(rq->srv, &s, err)))
		return rc;
	rc = elog_store_checkpoint_at(s, cp.size, &stored, &stored_len, err);
	if (rc == -ELOG_NOT_FOUND ||
	    (rc == 0 && (stored_len < text_len + 1 ||
			 memcmp(stored, rq->body, text_len) != 0 ||
			 stored[text_len] != '\n'))) {
		free(stored);
		return elog_fail(err, ELOG_NOT_FOUND, -1, "checkpoint",
				 "this log never signed that checkpoint");
	}
	free(stored);
	if (rc)
		return rc;
	rc = elog_keyring_get(s, ELOG_KEYRING_WITNESS, sigs[0].name, &wk, err);
	if (rc == -ELOG_NOT_FOUND)
		return elog_fail(err, ELOG_UNKNOWN_KEY, -1, "witness",
				 "the witness is not registered with this log");
	if (rc)
		return rc;
	if (elog_cosignature_verify(rq->body, text_len,
				    rq->body + sigs[0].line_off,
				    sigs[0].line_len, &wk, &t, err) != 0)
		return elog_fail(err, ELOG_BAD_SIGNATURE, -1, "cosignature",
				 "the cosignature does not verify with the "
				 "witness's key");
	c->size = cp.size;
	snprintf(c->witness, sizeof c->witness, "%s", sigs[0].name);
	c->line = malloc(sigs[0].line_len + 1);
	if (!c->line)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	memcpy(c->line, rq->body + sigs[0].line_off, sigs[0].line_len);
	c->line[sigs[0].line_len] = '\0';
	c->line_len = sigs[0].line_len;
	return 0;
}

int cosignature_check(struct request *rq, uint64_t *size, elog_err_t *err)
{
	struct cosign *c = calloc(1, sizeof *c);
	int rc;

	if (!c)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	rc = check(rq, c, err);
	if (rc == 0 && size)
		*size = c->size;
	cosign_free(c);
	return rc;
}

enum MHD_Result handle_cosignatures_post(struct request *rq)
{
	struct cosign *c = rq->state;
	elog_err_t err;
	int rc;

	if (c) { /* resumed by the writer */
		if (c->wr.rc)
			return reply_err(rq, c->wr.rc, &c->wr.err);
		return reply_json(rq, 201,
				  json_pack("{s:I,s:s}", "size",
					    (json_int_t)c->size, "witness",
					    c->witness));
	}
	elog_err_clear(&err);
	c = calloc(1, sizeof *c);
	if (!c)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	if ((rc = check(rq, c, &err))) {
		cosign_free(c);
		return reply_err(rq, rc, &err);
	}
	c->wr.job.run = run;
	c->wr.job.ctx = c;
	c->wr.job.weight = 1;
	rq->state = c;
	rq->state_free = cosign_free;
	return write_submit(rq, &c->wr);
}
