/*
 * ledger.h — the public record for auditors: the disclosure, refusal and
 * purge entries of the log, and the transparency report built from them.
 * Never event metadata.
 */
#ifndef ELOG_LEDGER_H
#define ELOG_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "note.h"
#include "store.h"

#define ELOG_KINDMASK(k) (1u << (k))

/* Public entries with seq >= since whose kind is in mask, in seq order, at
 * most limit of them.  data is the leaf data, valid during the call. */
typedef int (*elog_public_fn)(void *ctx, uint64_t seq, int kind,
			      const char *data, size_t len);
int elog_ledger_list(elog_store *s, uint64_t since, size_t limit,
		     unsigned mask, elog_public_fn fn, void *ctx,
		     elog_err_t *err);

typedef struct elog_report_row {
	char authority[ELOG_NAME_MAX + 1];
	char month[8];	   /* "YYYY-MM", UTC, of the entry's ts */
	uint64_t answered; /* disclosures */
	uint64_t refused;  /* refusals */
	uint64_t subjects; /* subjects named in answered requests */
	uint64_t records;  /* records disclosed */
} elog_report_row;

/*
 * The transparency report over entries with ts in [from, to): one row per
 * authority and month, sorted by authority then month.  *rows is malloc'd.
 */
int elog_ledger_report(elog_store *s, int64_t from, int64_t to,
		       elog_report_row **rows, size_t *n, elog_err_t *err);

#endif
