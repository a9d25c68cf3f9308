/* witnesses.c — envelogd's tlog-witness client.  See witnesses.h. */
#include "witnesses.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "fetch.h"
#include "log.h"
#include "merkle.h"
#include "metrics.h"
#include "note.h"
#include "param.h"
#include "rfc3339.h"
#include "store.h"
#include "writer.h"

#define ANSWER_MAX 8192

struct peer {
	char url[1024];
	elog_verifier key;
	uint64_t size; /* the size it last cosigned, as far as we know */
	int known;
	uint64_t alarmed; /* the size of the last refusal reported */
};

struct answer {
	char text[ANSWER_MAX + 1];
	struct fetch_buf b;
};

struct witnesses {
	struct writer *wr;
	char db[CONFIG_PATH_MAX];
	struct peer peer[CONFIG_MAX_WITNESSES];
	size_t n;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* the cosignature being stored */
	struct writer_job job;
	uint64_t job_size;
	const char *job_witness;
	const char *job_line;
	size_t job_len;
	int job_done, job_rc;
	struct answer *answer; /* the last witness's answer */
};

/* POST body to url/add-checkpoint; the status (0: no answer). */
static long post(const char *url, const char *body, size_t len,
		 struct fetch_buf *a)
{
	char full[1100];

	snprintf(full, sizeof full, "%s/add-checkpoint", url);
	return fetch_http(full, NULL, body, len, 10L, a);
}

static int store_run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct witnesses *ws = job->ctx;
	return elog_store_add_cosignature(w, ws->job_size, ws->job_witness,
					  ws->job_line, ws->job_len,
					  elog_now_ms(), err);
}

static void store_done(struct writer_job *job, int rc, const elog_err_t *err,
		       const elog_commit *c)
{
	struct witnesses *ws = job->ctx;
	(void)err;
	(void)c;
	pthread_mutex_lock(&ws->mu);
	ws->job_rc = rc;
	ws->job_done = 1;
	pthread_cond_broadcast(&ws->cv);
	pthread_mutex_unlock(&ws->mu);
}

/* Store one cosignature line through the writer and wait for it. */
static int store(struct witnesses *ws, uint64_t size, const char *witness,
		 const char *line, size_t len, elog_err_t *err)
{
	int rc;

	memset(&ws->job, 0, sizeof ws->job);
	ws->job.run = store_run;
	ws->job.done = store_done;
	ws->job.ctx = ws;
	ws->job.weight = 1;
	ws->job_size = size;
	ws->job_witness = witness;
	ws->job_line = line;
	ws->job_len = len;
	ws->job_done = 0;
	if ((rc = writer_submit(ws->wr, &ws->job, err)) != 0)
		return rc;
	pthread_mutex_lock(&ws->mu);
	while (!ws->job_done)
		pthread_cond_wait(&ws->cv, &ws->mu);
	rc = ws->job_rc;
	pthread_mutex_unlock(&ws->mu);
	return rc;
}

/*
 * Submit the latest checkpoint of s to peer p (again from the size it
 * answers with 409, once).  0 cosigned or nothing new; INCONSISTENT when
 * it shows a rollback or a fork; IO when it did not answer or refused
 * otherwise.
 */
static int submit(struct witnesses *ws, struct peer *p, elog_store *s,
		  elog_err_t *err)
{
	struct answer *aw = ws->answer;
	struct fetch_buf *a = &aw->b;
	char *note = NULL, *body = NULL, b64[ELOG_HASH_B64_LEN];
	elog_hash proof[ELOG_MAX_PROOF];
	size_t len = 0, np = 0, text_len = 0, off, cap;
	uint64_t size = 0, m;
	long status = 0;
	char *nl409;
	int rc, attempt;

	*a = (struct fetch_buf){aw->text, 0, ANSWER_MAX};
	aw->text[0] = '\0';
	if ((rc = elog_store_checkpoint_latest(s, &note, &len, &size, err)))
		return rc;
	if (p->known && p->size == size)
		goto out;
	if ((rc = elog_note_parse(note, len, &text_len, NULL, 0, &np, err)))
		goto out;
	for (attempt = 0; attempt < 2; attempt++) {
		uint64_t old = p->known ? p->size : 0;
		np = 0;
		if (old > 0 && old < size &&
		    (rc = elog_store_prove_consistency(s, old, size, proof,
						       &np, err)))
			goto out;
		cap = 32 + np * (ELOG_HASH_B64_LEN + 1) + len;
		free(body);
		if (!(body = malloc(cap))) {
			rc = elog_fail(err, ELOG_NOMEM, -1, NULL,
				       "out of memory");
			goto out;
		}
		off = (size_t)snprintf(body, cap, "old %llu\n",
				       (unsigned long long)old);
		for (size_t i = 0; i < np; i++) {
			elog_hash_to_b64(&proof[i], b64);
			off += (size_t)snprintf(body + off, cap - off, "%s\n",
						b64);
		}
		body[off++] = '\n';
		memcpy(body + off, note, len);
		off += len;
		status = post(p->url, body, off, a);
		if (status == 200) {
			/* keep the lines that verify with the witness's key */
			char *line = a->buf, *nl;
			int stored = 0;
			while ((nl = strchr(line, '\n')) != NULL) {
				uint64_t t;
				elog_err_t e2;
				size_t ll = (size_t)(nl - line) + 1;
				if (elog_cosignature_verify(note, text_len,
							    line, ll, &p->key,
							    &t, &e2) == 0 &&
				    store(ws, size, p->key.name, line, ll,
					  &e2) == 0)
					stored++;
				line = nl + 1;
			}
			if (!stored) {
				rc = elog_fail(err, ELOG_IO, -1, NULL,
					       "witness %s answered no valid "
					       "cosignature",
					       p->key.name);
				goto out;
			}
			metrics_witness(1);
			p->size = size;
			p->known = 1;
			rc = 0;
			goto out;
		}
		if (status == 409 && (nl409 = strchr(a->buf, '\n')) != NULL)
			*nl409 = '\0';
		if (status == 409 &&
		    elog_param_uint(a->buf, (uint64_t)INT64_MAX, &m) == 0) {
			if (m > size) {
				rc = elog_fail(err, ELOG_INCONSISTENT, -1,
					       NULL,
					       "witness %s cosigned a tree of "
					       "size %llu, larger than this "
					       "log's %llu: the log was "
					       "rolled back",
					       p->key.name,
					       (unsigned long long)m,
					       (unsigned long long)size);
				goto out;
			}
			if (p->known && m == p->size) {
				rc = elog_fail(err, ELOG_INCONSISTENT, -1,
					       NULL,
					       "witness %s cosigned another "
					       "tree of size %llu: a fork",
					       p->key.name,
					       (unsigned long long)m);
				goto out;
			}
			p->size = m;
			p->known = 1;
			continue;
		}
		break;
	}
	if (status == 422)
		rc = elog_fail(err, ELOG_INCONSISTENT, -1, NULL,
			       "witness %s: the consistency proof from %llu "
			       "to %llu does not verify: a fork",
			       p->key.name, (unsigned long long)p->size,
			       (unsigned long long)size);
	else
		rc = elog_fail(err, ELOG_IO, -1, NULL,
			       "witness %s answered %ld%s: %.120s",
			       p->key.name, status,
			       status ? "" : " (no answer)", a->buf);
out:
	free(body);
	free(note);
	return rc;
}

/* One round over every witness; alarms for refusals. */
static void round_all(struct witnesses *ws, elog_store *s)
{
	for (size_t i = 0; i < ws->n; i++) {
		elog_err_t err;
		uint64_t size = 0;
		elog_err_clear(&err);
		if (submit(ws, &ws->peer[i], s, &err) == 0)
			continue;
		elog_store_size(s, &size, NULL);
		if (ws->peer[i].alarmed == size + 1)
			continue; /* said once for this size */
		ws->peer[i].alarmed = size + 1;
		metrics_witness(0);
		log_event(LEVEL_ERROR, NULL, "ALARM: %s", err.msg);
	}
}

static void *loop(void *arg)
{
	struct witnesses *ws = arg;
	elog_store *s = NULL;
	elog_err_t err;

	if (elog_store_open(ws->db, ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
			    &err) != 0) {
		log_event(LEVEL_ERROR, NULL, "witnesses: %s", err.msg);
		return NULL;
	}
	pthread_mutex_lock(&ws->mu);
	while (!ws->stop) {
		struct timespec until;
		pthread_mutex_unlock(&ws->mu);
		round_all(ws, s);
		pthread_mutex_lock(&ws->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1; /* at most one submission a second each */
		while (!ws->stop &&
		       pthread_cond_timedwait(&ws->cv, &ws->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&ws->mu);
	elog_store_close(s);
	return NULL;
}

int witnesses_start(const struct config *cfg, struct writer *wr,
		    struct witnesses **out, elog_err_t *err)
{
	struct witnesses *ws;
	elog_store *s = NULL;
	int rc = 0;

	*out = NULL;
	if (cfg->nwitness == 0)
		return 0;
	if (!(ws = calloc(1, sizeof *ws)) ||
	    !(ws->answer = calloc(1, sizeof *ws->answer))) {
		free(ws);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	ws->wr = wr;
	snprintf(ws->db, sizeof ws->db, "%s", cfg->db);
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->cv, NULL);
	for (size_t i = 0; i < cfg->nwitness; i++) {
		const char *spec = cfg->witness[i], *eq = strchr(spec, '=');
		struct peer *p = &ws->peer[i];
		size_t ul = eq ? (size_t)(eq - spec) : 0;
		if (!eq || ul == 0 || ul >= sizeof p->url) {
			rc = elog_fail(err, ELOG_INVALID_PARAMETER, -1,
				       "witness",
				       "--witness %s: expected "
				       "URL=VKEY",
				       spec);
			goto fail;
		}
		memcpy(p->url, spec, ul);
		p->url[ul] = '\0';
		while (ul > 0 && p->url[ul - 1] == '/')
			p->url[--ul] = '\0';
		if ((rc = elog_verifier_parse(eq + 1, &p->key, err)) != 0 ||
		    p->key.alg != ELOG_ALG_COSIGNATURE_V1) {
			rc = elog_fail(err, ELOG_MALFORMED_KEY, -1, "witness",
				       "--witness %s: VKEY must be a "
				       "cosignature/v1 verifier key",
				       spec);
			goto fail;
		}
		ws->n++;
	}
	if ((rc = elog_store_open(cfg->db, ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
				  err)))
		goto fail;
	for (size_t i = 0; i < ws->n; i++) {
		elog_err_t e2;
		elog_err_clear(&e2);
		rc = submit(ws, &ws->peer[i], s, &e2);
		if (rc == -ELOG_INCONSISTENT) {
			*err = e2;
			goto fail;
		}
		if (rc)
			log_event(LEVEL_WARN, NULL, "%s", e2.msg);
	}
	elog_store_close(s);
	s = NULL;
	if (pthread_create(&ws->thread, NULL, loop, ws) != 0) {
		rc = elog_fail(err, ELOG_INTERNAL, -1, NULL,
			       "cannot start the witness thread");
		goto fail;
	}
	*out = ws;
	return 0;
fail:
	elog_store_close(s);
	pthread_mutex_destroy(&ws->mu);
	pthread_cond_destroy(&ws->cv);
	free(ws->answer);
	free(ws);
	return rc ? rc : -ELOG_INTERNAL;
}

void witnesses_stop(struct witnesses *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->mu);
	ws->stop = 1;
	pthread_cond_broadcast(&ws->cv);
	pthread_mutex_unlock(&ws->mu);
	pthread_join(ws->thread, NULL);
	pthread_mutex_destroy(&ws->mu);
	pthread_cond_destroy(&ws->cv);
	free(ws->answer);
	free(ws);
}
