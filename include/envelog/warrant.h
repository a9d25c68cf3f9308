/*
 * warrant.h — the body of an envelog warrant (docs/PROTOCOL.md) and the
 * policy applied to it.  The signature is checked with note.h first.
 *
 *   envelog/warrant/v1
 *   id <1-64 of [A-Za-z0-9._:/-]>
 *   authority <key name>
 *   log <origin of the one log the warrant is for>   (R2, required)
 *   subject <an identifier, as an event's sender>   (1 or more)
 *   from <RFC 3339 UTC>
 *   to <RFC 3339 UTC>
 *   expires <RFC 3339 UTC>
 *   basis <free text, 1-512 bytes>
 */
#ifndef ELOG_WARRANT_H
#define ELOG_WARRANT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "note.h"

#define ELOG_WARRANT_HEADER "envelog/warrant/v1"
#define ELOG_WARRANT_ID_MAX 64
#define ELOG_WARRANT_MAX_SUBJECTS 1000 /* grammar bound; policy is lower */
#define ELOG_WARRANT_BASIS_MAX 512

typedef struct elog_warrant {
	char id[ELOG_WARRANT_ID_MAX + 1];
	char authority[ELOG_NAME_MAX + 1];
	char log[ELOG_NAME_MAX + 1]; /* the origin of the log it is for */
	char **subjects;	     /* owned, nsubjects of them, distinct */
	size_t nsubjects;
	int64_t from, to, expires; /* ms */
	char basis[ELOG_WARRANT_BASIS_MAX + 1];
} elog_warrant;

/* Parse the text of a warrant note (without signatures).  MALFORMED_WARRANT
 * naming the line on any deviation (err->index: 1-based line number, or -1
 * for a missing key; err->field: the key).  Free with elog_warrant_free(). */
int elog_warrant_parse(const char *text, size_t len, elog_warrant *w,
		       elog_err_t *err);
void elog_warrant_free(elog_warrant *w);

typedef struct elog_policy {
	int64_t now_ms;
	int64_t max_window_ms; /* default (when 0) 366 days */
	size_t max_subjects;   /* default (when 0) 10 */
	/* A root log's origin (envelogd --root-origin) whose warrants this
	 * shard also accepts, as if they named its own origin; NULL: none. */
	const char *root_origin;
} elog_policy;

/*
 * Apply the policy (all but id reuse, which needs the store).  Returns NULL
 * if the warrant passes, else the refusal reason: "expired",
 * "window_reversed", "window_too_long", "no_subjects", "too_many_subjects".
 */
const char *elog_warrant_refusal(const elog_warrant *w, const elog_policy *p);

#endif
