-- 005: retry-safe ingest.  A POST /v1/events with an Idempotency-Key
-- header keeps here, in the same transaction as its events, the key (per
-- ingest token), the SHA-256 of its media type and body, and the entries
-- it was given.  A retry with the same key and body is answered from this
-- row and appends nothing; the same key with another body is refused.
-- Rows older than envelogd's --idempotency-window are deleted by the
-- writer.  The table is no part of the log: it holds no metadata, and
-- verification does not read it.
CREATE TABLE ingest_key (
    token     INTEGER NOT NULL,          -- the ingest token's id
    key       TEXT    NOT NULL,          -- the client's Idempotency-Key
    body_hash BLOB    NOT NULL CHECK (length(body_hash) = 32),
    first     INTEGER NOT NULL,          -- first seq the request was given
    count     INTEGER NOT NULL,          -- entries it was given
    created   INTEGER NOT NULL,          -- ms, commit clock
    PRIMARY KEY (token, key)
) WITHOUT ROWID;
CREATE INDEX ingest_key_created ON ingest_key(created);
