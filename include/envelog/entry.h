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
	/* the entries of a root log (shard.h) */
	ELOG_KIND_SHARD_ADD = 4,
	ELOG_KIND_SHARD = 5,
	ELOG_KIND_SHARD_REFUSAL = 6,
	ELOG_KIND_SHARD_RETIRE = 7,
	ELOG_KIND_SHARD_CLOSE = 8,
};

#define ELOG_MAX_BATCH 10000	 /* events per request */
#define ELOG_MAX_BODY (8u << 20) /* bytes per request */
#define ELOG_PARTY_MAX 128	 /* sender, recipient */
#define ELOG_DEVICE_MAX 64
#define ELOG_SIZE_LIMIT ((int64_t)1 << 40)
#define ELOG_NONCE_LEN 16

/*
 * R2: every leaf's data is public.  For an event, data is its commitment
 * {"commitment":"<base64 SHA-256(record)>","kind":"event"} and record the
 * private canonical JSON of the event with its nonce; for the other kinds
 * record is NULL.  The leaf hash is always over data.
 */
typedef struct elog_entry {
	int kind;   /* enum elog_kind */
	int64_t ts; /* ms since the epoch (events: from the record; -1
			    when only the commitment is known) */
	char *data; /* public canonical leaf data, NUL-terminated, owned */
	size_t len;
	char *record; /* events only: the private record, NUL-terminated,
			    owned; else NULL */
	size_t record_len;
	char *sender; /* from the record (else NULL): owned copies, for the
			    index */
	char *recipient;
} elog_entry;

/* "event", "disclosure", "refusal", "purge", "shard_add", "shard",
 * "shard_refusal", "shard_retire", "shard_close"; NULL for others. */
const char *elog_kind_name(int kind);
/* Kind from name, or -1. */
int elog_kind_from_name(const char *name);

void elog_entry_free(elog_entry *e);
/* Frees the n entries and the array itself (as elog_events_parse returns). */
void elog_entries_free(elog_entry *e, size_t n);

/* Validation limits for ingest. */
typedef struct elog_ingest_rules {
	int64_t now_ms;	       /* the server clock */
	int64_t max_future_ms; /* default 5 minutes */
	size_t max_events;     /* default ELOG_MAX_BATCH */
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

/* 1 if s (n bytes) is an identifier (SPEC R2): 1 to max bytes of
 * [A-Za-z0-9+._:@/=-].  Senders, recipients, devices, warrant subjects. */
int elog_identifier_valid(const char *s, size_t n, size_t max);

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
	elog_hash records_commitment; /* elog_records_commitment() */
	int partly_purged; /* window reaches below the purge horizon */
} elog_disclosure;

#define ELOG_SALT_LEN 16

/* records_commitment = SHA-256(salt || records_root) (SPEC R2). */
void elog_records_commitment(const unsigned char salt[ELOG_SALT_LEN],
			     const elog_hash *records_root, elog_hash *out);

int elog_disclosure_entry(const elog_disclosure *d, elog_entry *out,
			  elog_err_t *err);

int elog_refusal_entry(int64_t ts, const char *authority,
		       const char *warrant_id, const char warrant_sha256[65],
		       const char *reason, elog_entry *out, elog_err_t *err);

int elog_purge_entry(int64_t ts, int64_t before, uint64_t through_seq,
		     uint64_t events, elog_entry *out, elog_err_t *err);

/*
 * Build an entry from public leaf data read back (kind from its "kind"),
 * checking that the data is canonical.  An event's leaf data must be
 * exactly {"commitment":<32 bytes of base64>,"kind":"event"} (ts is then
 * -1); every other kind needs an integer ts.  No entry passes for an event
 * unless it is a commitment.  A root kind must have exactly its fields
 * (elog_shard_data_check).
 */
int elog_entry_from_data(const char *data, size_t len, elog_entry *out,
			 elog_err_t *err);

/*
 * Build an event entry from its private record: canonical JSON of kind
 * "event" with a nonce (16 bytes, base64), string sender and recipient and
 * an integer ts.  Fills record (a copy), data (the commitment leaf data),
 * ts, sender and recipient.  Used by verification, the lawful-request
 * query and bundle verification.
 */
int elog_entry_from_record(const char *record, size_t len, elog_entry *out,
			   elog_err_t *err);

/* The commitment leaf data of a record (no checks on the record): *data is
 * malloc'd, canonical. */
int elog_event_leaf_data(const char *record, size_t len, char **data,
			 size_t *data_len, elog_err_t *err);

#endif
