/* writer.c — the group-commit writer thread (see writer.h). */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "rfc3339.h"
#include "statefile.h"
#include "store_pg.h"

struct writer {
	pthread_t thread;
	const char *db;		    /* --db, borrowed */
	atomic_uint_fast64_t acked; /* size of the last commit it answered */
	int bounded; /* PostgreSQL: readers go no further than acked */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct writer_job *head, *tail; /* queue, guarded by mu */
	size_t queued;			/* weight queued, guarded by mu */
	int stopping;			/* guarded by mu */
	int final_rc;
	elog_err_t final_err;
	elog_store *store; /* the writer thread's alone */
	int sync;	   /* enum elog_sync, for ingest */
	const elog_signer *signer;
	size_t queue_max, batch_max;
	/* the state file; the writer thread's alone */
	const char *state_path;
	char *state_note; /* last signed checkpoint, unsaved */
	size_t state_len;
	int state_dirty;
	double state_saved; /* when it was last written */
	/* The WAL checkpointer: its own connection and thread, woken by
	 * the writer's commits (elog_store_wal_defer). */
	elog_store *ck_store;
	pthread_t ck_thread;
	int ck_running;
	pthread_mutex_t ck_mu;
	pthread_cond_t ck_cv;
	int ck_wanted, ck_stopping; /* guarded by ck_mu */
};

/* A commit left this many pages in the WAL: checkpoint it beside the
 * writer (SQLite's own threshold); past the second, in the writer. */
#define CK_FRAMES 1000
#define CK_FRAMES_MAX 8000

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keep the commit's checkpoint for the state file. */
static void note_state(struct writer *wr, const elog_commit *c)
{
	char *copy;
	if (!wr->state_path || !c->checkpoint)
		return;
	copy = malloc(c->checkpoint_len + 1);
	if (!copy)
		return; /* the next commit's will do */
	memcpy(copy, c->checkpoint, c->checkpoint_len + 1);
	free(wr->state_note);
	wr->state_note = copy;
	wr->state_len = c->checkpoint_len;
	wr->state_dirty = 1;
}

/* Write the last signed checkpoint to the state file (mode 0600). */
static void save_state(struct writer *wr)
{
	elog_err_t err;
	if (!wr->state_dirty)
		return;
	elog_err_clear(&err);
	if (elog_file_replace(wr->state_path, wr->state_note, wr->state_len,
			      0600, &err) != 0)
		log_event(LEVEL_ERROR, NULL,
			  "cannot keep the last checkpoint: %s", err.msg);
	else
		wr->state_dirty = 0;
	wr->state_saved = now_seconds();
}

static int run_jobs(struct writer *wr, struct writer_job *list, size_t n,
		    elog_commit *c, elog_err_t *err);

static void want_checkpoint(void *ctx);

/* First wait between two attempts to reconnect, and the longest. */
#define RECONNECT_FIRST_S 0.1
#define RECONNECT_MAX_S 5.0

static int is_stopping(struct writer *wr)
{
	int stopping;

	pthread_mutex_lock(&wr->mu);
	stopping = wr->stopping;
	pthread_mutex_unlock(&wr->mu);
	return stopping;
}

/*
 * The writer lost its database (why says how): elog_store_reconnect until
 * it works, waiting RECONNECT_FIRST_S, doubling up to RECONNECT_MAX_S,
 * between attempts.  A multi-host connection string with
 * target_session_attrs=read-write finds the new primary after a failover.
 * The new connection takes the writer's lock again and loads the frontier
 * from the database: from then on the writer's state is what the database
 * holds, whether or not the commit that failed had landed.  Gives up only
 * when the writer is stopping (0 on success, else -1; the store then stays
 * unusable and every job is answered DB_UNAVAILABLE).
 */
static int reconnect(struct writer *wr, const elog_err_t *why)
{
	double t0 = now_seconds(), wait = RECONNECT_FIRST_S;
	struct timespec ts;
	elog_err_t err;
	uint64_t size = 0;
	unsigned attempts = 0;
	int rc;

	log_event(LEVEL_WARN, NULL,
		  "the writer lost the database, reconnecting: %s", why->msg);
	for (;;) {
		attempts++;
		elog_err_clear(&err);
		rc = elog_store_reconnect(wr->store, &err);
		if (rc == 0)
			rc = elog_store_size(wr->store, &size, &err);
		if (rc == 0)
			break;
		if (attempts == 1 || attempts % 10 == 0)
			log_event(LEVEL_WARN, NULL,
				  "the writer cannot reconnect yet (attempt "
				  "%u): %s",
				  attempts, err.msg);
		if (is_stopping(wr))
			return -1;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		wait = wait * 2 < RECONNECT_MAX_S ? wait * 2 : RECONNECT_MAX_S;
	}
	atomic_store(&wr->acked, size);
	metrics_set_size(size);
	metrics_reconnect(1);
	log_event(LEVEL_INFO, NULL,
		  "the writer reconnected to the database after %u attempts "
		  "in %.1f s; the log has %llu entries",
		  attempts, now_seconds() - t0, (unsigned long long)size);
	return 0;
}

/* The writer's WAL hook: wake the checkpointer. */
static void want_checkpoint(void *ctx)
{
	struct writer *wr = ctx;

	pthread_mutex_lock(&wr->ck_mu);
	wr->ck_wanted = 1;
	pthread_cond_signal(&wr->ck_cv);
	pthread_mutex_unlock(&wr->ck_mu);
}

/* Copy the WAL into the database file whenever a commit asks, so that
 * the writer goes on with the next transaction meanwhile. */
static void *checkpointer_main(void *arg)
{
	struct writer *wr = arg;
	elog_err_t err;

	pthread_mutex_lock(&wr->ck_mu);
	for (;;) {
		while (!wr->ck_wanted && !wr->ck_stopping)
			pthread_cond_wait(&wr->ck_cv, &wr->ck_mu);
		if (wr->ck_stopping)
			break;
		wr->ck_wanted = 0;
		pthread_mutex_unlock(&wr->ck_mu);
		elog_err_clear(&err);
		if (elog_store_wal_checkpoint(wr->ck_store, &err) != 0)
			log_event(LEVEL_ERROR, NULL, "%s", err.msg);
		pthread_mutex_lock(&wr->ck_mu);
	}
	pthread_mutex_unlock(&wr->ck_mu);
	return NULL;
}

/* Start the checkpointer.  Without it (on failure) SQLite checkpoints in
 * the writer's commits as before. */
static void checkpointer_start(struct writer *wr, const char *path, int sync)
{
	elog_err_t err;

	elog_err_clear(&err);
	if (elog_store_open(path, ELOG_STORE_WRITE, sync, &wr->ck_store,
			    &err) != 0) {
		log_event(LEVEL_ERROR, NULL, "no WAL checkpointer: %s",
			  err.msg);
		return;
	}
	if (pthread_create(&wr->ck_thread, NULL, checkpointer_main, wr) != 0) {
		elog_store_close(wr->ck_store);
		wr->ck_store = NULL;
		return;
	}
	wr->ck_running = 1;
	if (elog_store_wal_defer(wr->store, CK_FRAMES, CK_FRAMES_MAX,
				 want_checkpoint, wr, &err) != 0)
		log_event(LEVEL_ERROR, NULL, "%s", err.msg);
}

static void checkpointer_stop(struct writer *wr)
{
	if (!wr->ck_running)
		return;
	pthread_mutex_lock(&wr->ck_mu);
	wr->ck_stopping = 1;
	pthread_cond_signal(&wr->ck_cv);
	pthread_mutex_unlock(&wr->ck_mu);
	pthread_join(wr->ck_thread, NULL);
	wr->ck_running = 0;
	elog_store_close(wr->ck_store);
	wr->ck_store = NULL;
}

/*
 * Run the jobs of list (n of them, linked by next) in one transaction and
 * commit it, with full sync if one of them asks for it.  On success fills
 * every job's first/count and *c.  On failure everything is rolled back.
 */
static int run_batch(struct writer *wr, struct writer_job *list, size_t n,
		     elog_commit *c, elog_err_t *err)
{
	struct writer_job *j;
	size_t i;
	int rc, full = 0;

	for (j = list, i = 0; j && i < n; j = j->next, i++)
		full |= j->full_sync;
	full = full && wr->sync != ELOG_SYNC_FULL;
	if (full && (rc = elog_store_set_sync(wr->store, ELOG_SYNC_FULL, err)))
		return rc;
	rc = run_jobs(wr, list, n, c, err);
	if (full) {
		elog_err_t e;
		if (elog_store_set_sync(wr->store, wr->sync, &e) != 0)
			log_event(LEVEL_ERROR, NULL, "%s", e.msg);
		if (rc == 0)
			metrics_full_sync_commit();
	}
	return rc;
}

/* run_batch's transaction, under the sync mode it chose. */
static int run_jobs(struct writer *wr, struct writer_job *list, size_t n,
		    elog_commit *c, elog_err_t *err)
{
	struct writer_job *j;
	uint64_t before, after;
	size_t i;
	int64_t now;
	int rc;

	rc = elog_store_begin(wr->store, err);
	if (rc)
		return rc;
	for (j = list, i = 0; j && i < n; j = j->next, i++) {
		rc = elog_store_size(wr->store, &before, err);
		if (rc)
			goto fail;
		rc = j->run ? j->run(j, wr->store, err) : 0;
		if (rc)
			goto fail;
		rc = elog_store_size(wr->store, &after, err);
		if (rc)
			goto fail;
		j->first = before;
		j->count = after - before;
	}
	now = elog_now_ms();
	rc = elog_store_commit(wr->store, wr->signer, now, c, err);
	if (rc)
		return rc; /* commit rolls back itself */
	metrics_checkpoint(now);
	return 0;
fail:
	elog_store_rollback(wr->store);
	return rc;
}

/* Run list (n jobs) together; if that fails and there is more than one
 * job, run each alone.  Calls every job's done. */
static void process(struct writer *wr, struct writer_job *list, size_t n)
{
	elog_commit c = {0};
	elog_err_t err;
	struct writer_job *j, *next;
	double t0 = now_seconds();
	int rc;

	elog_err_clear(&err);
	rc = run_batch(wr, list, n, &c, &err);
	if (rc == 0) {
		atomic_store(&wr->acked, c.size);
		metrics_commit(c.count, now_seconds() - t0, c.size);
		note_state(wr, &c);
		for (j = list; j; j = next) {
			next = j->next;
			j->done(j, 0, NULL, &c);
		}
		elog_commit_free(&c);
		return;
	}
	metrics_commit_failed();
	if (rc == -ELOG_DB_UNAVAILABLE || err.code == ELOG_DB_UNAVAILABLE) {
		/* Whether the commit landed is unknown: answer 503, so that
		 * the clients retry (a batch with its Idempotency-Key finds
		 * its entries if it did), and go on with what the database
		 * holds. */
		elog_err_t lost;
		elog_fail(&lost, ELOG_DB_UNAVAILABLE, -1, NULL,
			  "the database connection was lost: %s", err.msg);
		for (j = list; j; j = next) {
			next = j->next;
			j->done(j, -ELOG_DB_UNAVAILABLE, &lost, NULL);
		}
		reconnect(wr, &lost);
		return;
	}
	if (n == 1) {
		list->done(list, rc, &err, NULL);
		return;
	}
	for (j = list; j; j = next) {
		next = j->next;
		j->next = NULL;
		process(wr, j, 1);
	}
}

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	elog_commit c = {0};
	int64_t now;

	for (;;) {
		struct writer_job *list, *last, *j;
		size_t n = 0, weight = 0;

		pthread_mutex_lock(&wr->mu);
		while (!wr->head && !wr->stopping) {
			struct timespec until;
			if (!wr->state_dirty) {
				pthread_cond_wait(&wr->cv, &wr->mu);
				continue;
			}
			/* A checkpoint waits for the state file: at most a
			 * second. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			if (pthread_cond_timedwait(&wr->cv, &wr->mu, &until) ==
			    ETIMEDOUT) {
				pthread_mutex_unlock(&wr->mu);
				save_state(wr);
				pthread_mutex_lock(&wr->mu);
			}
		}
		if (!wr->head) { /* stopping and drained */
			pthread_mutex_unlock(&wr->mu);
			break;
		}
		/* Take jobs up to about batch_max entries (at least one). */
		list = wr->head;
		last = NULL;
		for (j = wr->head; j; j = j->next) {
			if (n > 0 && weight + j->weight > wr->batch_max)
				break;
			weight += j->weight;
			n++;
			last = j;
		}
		wr->head = last->next;
		if (!wr->head)
			wr->tail = NULL;
		last->next = NULL;
		wr->queued -= weight;
		metrics_set_queue(wr->queued);
		pthread_mutex_unlock(&wr->mu);

		process(wr, list, n);
		if (wr->state_dirty && now_seconds() - wr->state_saved >= 1.0)
			save_state(wr);
	}

	/* The final checkpoint: a commit with no entries. */
	elog_err_clear(&wr->final_err);
	wr->final_rc = elog_store_begin(wr->store, &wr->final_err);
	now = elog_now_ms();
	if (wr->final_rc == 0)
		wr->final_rc = elog_store_commit(wr->store, wr->signer, now,
						 &c, &wr->final_err);
	if (wr->final_rc == 0) {
		metrics_set_size(c.size);
		metrics_checkpoint(now);
		note_state(wr, &c);
	}
	save_state(wr);
	elog_commit_free(&c);
	return NULL;
}

int writer_start(const struct writer_config *cfg, struct writer **out,
		 elog_err_t *err)
{
	struct writer *wr;
	uint64_t size, through;
	int64_t created = 0, horizon;
	int rc;

	wr = calloc(1, sizeof *wr);
	if (!wr)
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	wr->db = cfg->db_path;
	wr->signer = cfg->signer;
	wr->queue_max = cfg->queue_max ? cfg->queue_max : 1;
	wr->batch_max = cfg->batch_max ? cfg->batch_max : 1;
	wr->state_path = cfg->state_path;
	wr->sync = cfg->sync;
	wr->state_saved = now_seconds();
	pthread_mutex_init(&wr->ck_mu, NULL);
	pthread_cond_init(&wr->ck_cv, NULL);
	rc = elog_store_open(cfg->db_path, ELOG_STORE_WRITE, cfg->sync,
			     &wr->store, err);
	if (rc)
		goto fail;
	rc = elog_store_size(wr->store, &size, err);
	if (rc == 0)
		rc = elog_store_checkpoint_time(wr->store, &created, err);
	if (rc == 0)
		rc = elog_store_horizon(wr->store, &horizon, &through, err);
	if (rc)
		goto fail;
	atomic_store(&wr->acked, size);
	metrics_set_size(size);
	metrics_checkpoint(created);
	metrics_set_horizon(horizon, through);
	/* PostgreSQL has no WAL for another connection to copy, and a
	 * second writer connection would wait for the writer's lock. */
	if (!elog_store_pg_conn(wr->store))
		checkpointer_start(wr, cfg->db_path, cfg->sync);
	else
		wr->bounded = 1;
	pthread_mutex_init(&wr->mu, NULL);
	pthread_cond_init(&wr->cv, NULL);
	if (pthread_create(&wr->thread, NULL, writer_main, wr) != 0) {
		checkpointer_stop(wr);
		pthread_cond_destroy(&wr->cv);
		pthread_mutex_destroy(&wr->mu);
		rc = elog_fail(err, ELOG_INTERNAL, -1, NULL,
			       "cannot start the writer thread");
		goto fail;
	}
	*out = wr;
	return 0;
fail:
	if (wr->store)
		elog_store_close(wr->store);
	pthread_cond_destroy(&wr->ck_cv);
	pthread_mutex_destroy(&wr->ck_mu);
	free(wr);
	return rc;
}

uint64_t writer_committed(struct writer *wr)
{
	/* On SQLite what a reader sees is durable, and other programs (a
	 * retention purge by envelog purge) commit beside the writer: no
	 * bound. */
	return wr && wr->bounded ? atomic_load(&wr->acked) : UINT64_MAX;
}

int writer_submit(struct writer *wr, struct writer_job *job, elog_err_t *err)
{
	int rc = 0;

	job->next = NULL;
	job->first = job->count = 0;
	pthread_mutex_lock(&wr->mu);
	if (wr->stopping) {
		rc = elog_fail(err, ELOG_SHUTTING_DOWN, -1, NULL,
			       "the server is shutting down");
	} else if (wr->head && wr->queued + job->weight > wr->queue_max) {
		rc = elog_fail(err, ELOG_QUEUE_FULL, -1, NULL,
			       "the write queue is full; retry later");
		metrics_queue_full();
	} else {
		if (wr->tail)
			wr->tail->next = job;
		else
			wr->head = job;
		wr->tail = job;
		wr->queued += job->weight;
		metrics_set_queue(wr->queued);
		pthread_cond_signal(&wr->cv);
	}
	pthread_mutex_unlock(&wr->mu);
	return rc;
}

int writer_stop(struct writer *wr, elog_err_t *err)
{
	int rc;

	pthread_mutex_lock(&wr->mu);
	wr->stopping = 1;
	pthread_cond_signal(&wr->cv);
	pthread_mutex_unlock(&wr->mu);
	pthread_join(wr->thread, NULL);
	rc = wr->final_rc;
	if (rc && err)
		*err = wr->final_err;
	checkpointer_stop(wr);
	elog_store_close(wr->store);
	wr->store = NULL;
	return rc;
}

void writer_free(struct writer *wr)
{
	if (!wr)
		return;
	pthread_cond_destroy(&wr->cv);
	pthread_mutex_destroy(&wr->mu);
	pthread_cond_destroy(&wr->ck_cv);
	pthread_mutex_destroy(&wr->ck_mu);
	free(wr->state_note);
	free(wr);
}
