-- 002: an index of the public entries (disclosure, refusal, purge) for the
-- auditor endpoints, and the retention purge.
--
-- The purge is the one deletion ever allowed: the metadata of events with
-- ts before the horizon (entry.data and entry.ts set to NULL, their
-- event_index rows deleted).  The entry row, leaf hash, chain value, tree
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

-- An entry may change only by losing the metadata of an event below the
-- horizon; nothing else about it may change.
DROP TRIGGER entry_no_update;
CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
WHEN NOT (OLD.kind = 0 AND NEW.kind = 0 AND NEW.seq = OLD.seq
          AND NEW.data IS NULL AND NEW.ts IS NULL
          AND NEW.leaf_hash = OLD.leaf_hash
          AND NEW.chain_hash = OLD.chain_hash
          AND OLD.ts < coalesce((SELECT max(before) FROM purge_horizon), 0))
BEGIN SELECT RAISE(ABORT, 'entry is append-only'); END;

DROP TRIGGER event_index_no_delete;
CREATE TRIGGER event_index_no_delete BEFORE DELETE ON event_index
WHEN NOT (OLD.ts < coalesce((SELECT max(before) FROM purge_horizon), 0))
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
