/*
 * entry.h — log entries: validation of ingested events and the canonical
 * leaf data of every kind of entry (docs/PROTOCOL.md).
 *
 * An elog_entry owns its strings; elog_entry_free() releases them.
 */
#ifndef ELOG_ENTRY_H
#define ELOG_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "merkle.h"

enum elog_kind {
	ELOG_KIND_EVENT = 0,
	ELOG_KIND_DISCLOSURE = 1,
	ELOG_KIND_REFUSAL = 2,
	ELOG_KIND_PURGE = 3,
};

#define ELOG_MAX_BATCH 10000         /* events per request */
#define ELOG_MAX_BODY (8u << 20)     /* bytes per request */
#define ELOG_PARTY_MAX 128           /* sender, recipient */
#define ELOG_DEVICE_MAX 64
#define ELOG_SIZE_LIMIT ((int64_t)1 << 40)
#define ELOG_NONCE_LEN 16

typedef struct elog_entry {
	int kind;        /* enum elog_kind */
	int64_t ts;      /* ms since the epoch */
	char *data;      /* canonical leaf data, NUL-terminated, owned */
	size_t len;
	char *sender;    /* events only (else NULL): owned copies, for the index */
	char *recipient;
} elog_entry;

/* "event", "disclosure", "refusal", "purge"; NULL for others. */
const char *elog_kind_name(int kind);
/* Kind from name, or -1. */
int elog_kind_from_name(const char *name);

void elog_entry_free(elog_entry *e);
/* Frees the n entries and the array itself (as elog_events_parse returns). */
void elog_entries_free(elog_entry *e, size_t n);

/* Validation limits for ingest. */
typedef struct elog_ingest_rules {
	int64_t now_ms;          /* the server clock */
	int64_t max_future_ms;   /* default 5 minutes */
	size_t max_events;       /* default ELOG_MAX_BATCH */
} elog_ingest_rules;

/*
 * Validate one event object (index: its position, for errors) and build its
 * entry with a fresh nonce.  CONTENT_REJECTED (422) for content-like keys at
 * any depth; UNKNOWN_FIELD, MISSING_FIELD, WRONG_TYPE, OUT_OF_RANGE,
 * TS_IN_FUTURE, INVALID_VALUE, CONTROL_CHARACTER, TOO_LONG,
 * NONCE_NOT_ACCEPTED otherwise; err names the index and field.
 */
int elog_event_from_json(const json_t *obj, size_t index,
			 const elog_ingest_rules *rules, elog_entry *out,
			 elog_err_t *err);

/*
 * Parse and validate a request body: a JSON array of events, or NDJSON (one
 * object per non-empty line) when ndjson is set.  All or nothing: on
 * success *out is a malloc'd array of *n entries; on failure nothing is
 * returned.  Content-like fields anywhere in the batch are reported before
 * any other error.  EMPTY_BATCH, TOO_MANY_EVENTS, EXPECTED_ARRAY,
 * EXPECTED_OBJECT besides the per-event codes.
 */
int elog_events_parse(const char *body, size_t len, int ndjson,
		      const elog_ingest_rules *rules, elog_entry **out,
		      size_t *n, elog_err_t *err);

/* 1 if key names message content (case-insensitive). */
int elog_is_content_key(const char *key);

/* Disclosure entry (docs/PROTOCOL.md): subjects and records are counts. */
typedef struct elog_disclosure {
	int64_t ts;
	const char *authority;
	const char *warrant_id;
	char warrant_sha256[65]; /* hex */
	int64_t from, to;
	uint64_t subjects;
	uint64_t records;
	elog_hash records_root;
	int partly_purged;       /* window reaches below the purge horizon */
} elog_disclosure;

int elog_disclosure_entry(const elog_disclosure *d, elog_entry *out,
			  elog_err_t *err);

int elog_refusal_entry(int64_t ts, const char *authority,
		       const char *warrant_id, const char warrant_sha256[65],
		       const char *reason, elog_entry *out, elog_err_t *err);

int elog_purge_entry(int64_t ts, int64_t before, uint64_t through_seq,
		     uint64_t events, elog_entry *out, elog_err_t *err);

/*
 * Build an entry from canonical leaf data read back (kind from its "kind"),
 * checking that the data is canonical.  For events, sender/recipient/ts are
 * filled.  Used by verification and the lawful-request query.
 */
int elog_entry_from_data(const char *data, size_t len, elog_entry *out,
			 elog_err_t *err);

#endif
