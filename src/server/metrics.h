/*
 * metrics.h — the server's counters, exposed at GET /metrics in the
 * Prometheus text format (version 0.0.4).  All updates are lock-free
 * atomics; any thread may call them.
 */
#ifndef ELOG_SERVER_METRICS_H
#define ELOG_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_ROUTES 48

/* Label values of route slots: route table rows 0..n-1 are named by their
 * path, then "static" and "unmatched". */
void metrics_init(size_t nroutes, const char *const *labels);

/* One answered request on route slot (see http.h) with HTTP status, taking
 * seconds from its first byte to its completion. */
void metrics_request(size_t route, unsigned status, double seconds);
/* The latest checkpoint was signed at created_ms. */
void metrics_checkpoint(int64_t created_ms);
/* The purge horizon (ms; 0 never purged) and the entries below it. */
void metrics_set_horizon(int64_t before_ms, uint64_t entries);
/* One committed transaction of entries entries, taking seconds, leaving
 * the log at size. */
void metrics_commit(uint64_t entries, double seconds, uint64_t size);
void metrics_commit_failed(void);
/* One transaction committed with full sync although --sync is normal (it
 * held a lawful request). */
void metrics_full_sync_commit(void);
/* Events acknowledged to ingest clients. */
void metrics_events(uint64_t n);
/* A witness cosigned a checkpoint (1) or refused one (0). */
void metrics_witness(int cosigned);
/* A root's follower (shards.c): a shard checkpoint recorded, refused
 * (rollback or fork: an alarm), or a shard that could not be read or
 * served a checkpoint its key did not sign. */
enum { METRICS_SHARD_RECORDED, METRICS_SHARD_REFUSAL, METRICS_SHARD_ERROR };
void metrics_shard(int what);
/* An ingest retry answered from its Idempotency-Key. */
void metrics_ingest_replay(void);
void metrics_set_size(uint64_t size);
/* One lawful request with outcome "answered", "unauthenticated",
 * "bad_signature", "malformed" or "failed"; or refused for reason (which
 * also counts outcome "refused"). */
void metrics_lawful(const char *outcome);
void metrics_lawful_refused(const char *reason);
void metrics_set_queue(uint64_t entries);
/* A job refused because the writer's queue was full (503 queue_full). */
void metrics_queue_full(void);
/* A connection to the database opened again after it was lost: the
 * writer's (writer 1) or a reader's (0). */
void metrics_reconnect(int writer);
/* A read of a checkpoint's size (http_reader_at) answered by the --read-db
 * standby (standby 1) or by the primary (0). */
void metrics_read_db(int standby);

/* The exposition text, malloc'd, into *out (length *len), with in_flight
 * requests in progress.  0 or -1. */
int metrics_render(uint64_t in_flight, char **out, size_t *len);

#endif
