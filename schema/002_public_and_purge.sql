-- 002: an index of the public entries (disclosure, refusal, purge) for the
-- auditor endpoints, and the retention purge.
--
-- The purge is the one deletion ever allowed: the metadata of events with
-- ts before the horizon (their event_data and event_index rows).  The entry row, leaf hash, chain value, tree
-- hashes and checkpoints stay, so the log still verifies.  The horizon only
-- moves forward.

CREATE INDEX entry_public ON entry(kind, seq) WHERE kind <> 0;

CREATE TABLE purge_horizon (
  before      INTEGER PRIMARY KEY,  -- ms: events with ts < before are purged
  through_seq INTEGER NOT NULL,     -- highest seq purged (-1: none)
  created     INTEGER NOT NULL
);

CREATE TRIGGER purge_horizon_forward BEFORE INSERT ON purge_horizon
WHEN EXISTS (SELECT 1 FROM purge_horizon WHERE before >= NEW.before)
BEGIN SELECT RAISE(ABORT, 'the purge horizon only moves forward'); END;
CREATE TRIGGER purge_horizon_no_update BEFORE UPDATE ON purge_horizon
BEGIN SELECT RAISE(ABORT, 'purge_horizon is append-only'); END;
CREATE TRIGGER purge_horizon_no_delete BEFORE DELETE ON purge_horizon
BEGIN SELECT RAISE(ABORT, 'purge_horizon is append-only'); END;

DROP TRIGGER event_data_no_delete;
CREATE TRIGGER event_data_no_delete BEFORE DELETE ON event_data
WHEN NOT (OLD.ts < coalesce((SELECT max(before) FROM purge_horizon), 0))
BEGIN SELECT RAISE(ABORT, 'event_data is append-only'); END;

DROP TRIGGER event_index_no_delete;
CREATE TRIGGER event_index_no_delete BEFORE DELETE ON event_index
WHEN NOT (OLD.ts < coalesce((SELECT max(before) FROM purge_horizon), 0))
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
