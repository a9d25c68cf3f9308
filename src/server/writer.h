/*
 * writer.h — the one writer thread and its group commit.
 *
 * Every change to the log goes through the writer as a job.  The writer
 * takes all jobs queued while it was busy, runs each inside one shared
 * transaction (elog_store_begin … elog_store_commit), signs one checkpoint
 * per commit, and then tells every job its outcome.  If the shared
 * transaction fails, it is rolled back and each job is run again alone, so
 * that one failing job does not sink the others.
 *
 * A job is owned by its submitter; the writer only borrows it from
 * writer_submit() until it calls job->done, after which it never touches
 * the job again.
 */
#ifndef ELOG_SERVER_WRITER_H
#define ELOG_SERVER_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "note.h"
#include "store.h"

struct writer;
struct writer_job;

/*
 * Runs on the writer thread inside the write transaction; appends entries
 * with elog_store_add().  It must have no effect outside the store: when
 * the transaction fails it may be run again.  Returns 0 or a negative elog
 * code (err filled); a failure rolls back the job's transaction.
 */
typedef int (*writer_run_fn)(struct writer_job *job, elog_store *w,
			     elog_err_t *err);

/*
 * Runs on the writer thread exactly once per submitted job, after its
 * transaction committed (rc 0: c is the commit, job->first/count are the
 * job's entries, c->checkpoint covers them) or failed (rc < 0, err says
 * why, c is NULL).  Nothing it receives outlives the call.
 */
typedef void (*writer_done_fn)(struct writer_job *job, int rc,
			       const elog_err_t *err, const elog_commit *c);

struct writer_job {
	writer_run_fn run;
	writer_done_fn done;
	void *ctx;	/* the submitter's */
	size_t weight;	/* entries it will add, for the queue bound */
	int full_sync;	/* commit with full sync whatever --sync says
			       (lawful requests: an answer leaves only once
			       its entry is on disk) */
	uint64_t first; /* filled by the writer */
	uint64_t count;
	struct writer_job *next; /* the writer's */
};

struct writer_config {
	const char *db_path;
	int sync;		   /* enum elog_sync */
	const elog_signer *signer; /* borrowed for the writer's lifetime */
	size_t queue_max;	   /* entries waiting, at most */
	size_t batch_max;	   /* entries per transaction, about */
	/* The file that keeps the last signed checkpoint outside the
	 * database (NULL: none): replaced at most a second after each
	 * commit, and at the final checkpoint. */
	const char *state_path;
};

/*
 * Open the write connection and start the thread.  When a commit fails
 * because the database was lost (DB_UNAVAILABLE: a PostgreSQL failover), the
 * writer answers the batch's jobs DB_UNAVAILABLE and calls
 * elog_store_reconnect, with backoff, until that works: the new connection
 * takes the writer's lock and loads the frontier from what the database
 * holds.  Each
 * reconnect is logged and counted (envelog_store_reconnects_total).
 */
int writer_start(const struct writer_config *cfg, struct writer **out,
		 elog_err_t *err);

/*
 * The tree size of the last commit the writer saw succeed (or, at start
 * and after a reconnect, of the database); UINT64_MAX for no writer or a
 * SQLite log (where what a reader sees is durable, and envelog purge may
 * commit beside the writer).  A
 * reader may see a larger size committed on a PostgreSQL primary before
 * its synchronous standby confirmed it, which a failover at that moment
 * would lose: the checkpoints envelogd serves go no further than this, so
 * that it never hands out one that another of the same size could
 * replace.
 */
uint64_t writer_committed(struct writer *wr);

/*
 * Queue a job.  QUEUE_FULL when the queued weight would exceed queue_max
 * (a job is always accepted into an empty queue), SHUTTING_DOWN after
 * writer_stop() began.  On failure job->done is not called.
 */
int writer_submit(struct writer *wr, struct writer_job *job, elog_err_t *err);

/*
 * Refuse new jobs, run every queued one, commit a final checkpoint of the
 * current size, write it to the state file and join the thread.  Returns 0 if the final checkpoint was
 * committed.  The writer stays valid (writer_submit answers SHUTTING_DOWN)
 * until writer_free(), which may only run once no other thread can reach
 * it — after the HTTP daemon stopped.
 */
int writer_stop(struct writer *wr, elog_err_t *err);
void writer_free(struct writer *wr);

#endif
