/*
 * retention.h — the server's retention purge: with --retention-days N, a
 * thread asks the writer, at start and then every --retention-interval
 * seconds, to purge the metadata of events older than N days.  The purge
 * runs inside the writer's transaction, so it never races ingestion, and
 * appends its purge entry in the same commit.
 */
#ifndef ELOG_SERVER_RETENTION_H
#define ELOG_SERVER_RETENTION_H

#include <stdint.h>

struct writer;
struct retention;

/* Start the thread (NULL *out and 0 when days is 0). */
int retention_start(struct writer *wr, uint64_t days, uint64_t interval_s,
		    struct retention **out);
/* Stop and join it; waits for a purge in progress. */
void retention_stop(struct retention *r);

#endif
