/* retention.c — the daily retention purge through the writer.  See retention.h. */
#include "retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entry.h"
#include "log.h"
#include "metrics.h"
#include "rfc3339.h"
#include "store.h"
#include "writer.h"

struct retention {
	struct writer *wr;
	int64_t keep_ms;
	uint64_t interval_s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* one purge job at a time */
	struct writer_job job;
	int job_done;
	uint64_t purged, through, seq;
	int64_t before;
	int added;
};

/* Writer thread, inside the transaction: purge below now - keep, unless the
 * horizon is already there. */
static int run(struct writer_job *job, elog_store *w, elog_err_t *err)
{
	struct retention *r = job->ctx;
	int64_t now = elog_now_ms(), before = now - r->keep_ms, cur;
	uint64_t through;
	elog_entry e;
	int rc;

	r->added = 0;
	if ((rc = elog_store_horizon(w, &cur, &through, err)))
		return rc;
	if (before <= cur)
		return 0;
	rc = elog_store_purge(w, before, NULL, NULL, &r->purged, &r->through,
			      err);
	if (rc == -ELOG_NOT_FOUND) { /* nothing committed before it yet */
		elog_err_clear(err);
		return 0;
	}
	if (rc || (rc = elog_purge_entry(now, before, r->through, r->purged,
					 &e, err)))
		return rc;
	rc = elog_store_add(w, &e, &r->seq, err);
	elog_entry_free(&e);
	if (rc == 0) {
		r->added = 1;
		r->before = before;
	}
	return rc;
}

static void done(struct writer_job *job, int rc, const elog_err_t *err,
		 const elog_commit *c)
{
	struct retention *r = job->ctx;
	(void)c;
	if (rc)
		log_event(LEVEL_ERROR, NULL, "retention purge failed: %s",
			  err ? err->msg : "?");
	if (!rc && r->added)
		metrics_set_horizon(r->before, r->through + 1);
	if (!rc && r->added)
		log_event(LEVEL_INFO, NULL,
			  "retention purge: %llu events through seq %llu, "
			  "purge entry seq %llu",
			  (unsigned long long)r->purged,
			  (unsigned long long)r->through,
			  (unsigned long long)r->seq);
	pthread_mutex_lock(&r->mu);
	r->job_done = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void *loop(void *arg)
{
	struct retention *r = arg;
	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		struct timespec until;
		elog_err_t err;
		memset(&r->job, 0, sizeof r->job);
		r->job.run = run;
		r->job.done = done;
		r->job.ctx = r;
		r->job.weight = 1;
		r->job_done = 0;
		pthread_mutex_unlock(&r->mu);
		if (writer_submit(r->wr, &r->job, &err) != 0) {
			pthread_mutex_lock(&r->mu);
			r->job_done = 1; /* refused (shutting down, queue full) */
		} else {
			pthread_mutex_lock(&r->mu);
		}
		while (!r->job_done)
			pthread_cond_wait(&r->cv, &r->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)r->interval_s;
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu,
							  &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int retention_start(struct writer *wr, uint64_t days, uint64_t interval_s,
		    struct retention **out)
{
	struct retention *r;
	*out = NULL;
	if (days == 0)
		return 0;
	r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	r->wr = wr;
	r->keep_ms = (int64_t)days * 86400000;
	r->interval_s = interval_s;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, loop, r) != 0) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void retention_stop(struct retention *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
