/*
 * witnesses.h — envelogd as a client of C2SP tlog-witnesses (--witness
 * URL=VKEY): each new checkpoint goes, with a consistency proof from the
 * last size the witness cosigned, to POST <URL>/add-checkpoint, at most
 * once a second per witness (as Tessera's publisher); the cosignatures
 * that verify with VKEY are stored through the writer and served with the
 * checkpoint from then on.  A refusal is an alarm: a line on stderr and
 * envelog_witness_refusals_total.
 *
 * At start, witnesses_start() submits the current checkpoint to every
 * witness once, synchronously: a witness that cosigned a larger tree
 * (409 with a size above the log's: the database was rolled back) or
 * another tree (409 at the same size, 422: a fork) makes it fail, and
 * envelogd refuses to run.  An unreachable witness is only a warning.
 */
#ifndef ELOG_SERVER_WITNESSES_H
#define ELOG_SERVER_WITNESSES_H

#include "config.h"
#include "error.h"

struct writer;
struct witnesses;

/* Parse the specs, check the log against every witness and start the
 * thread (*out NULL and 0 without witnesses).  INCONSISTENT when a witness
 * shows the log rolled back or forked (err says which). */
int witnesses_start(const struct config *cfg, struct writer *wr,
		    struct witnesses **out, elog_err_t *err);
/* Stop and join the thread. */
void witnesses_stop(struct witnesses *w);

#endif
