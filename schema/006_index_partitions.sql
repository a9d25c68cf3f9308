-- 006: the lawful-request index for an append-only log (issue 13).
--
-- Every row of event_index used to land at a random place in one B-tree
-- keyed by the party's hash, so each commit dirtied about one page per row
-- and ingest slowed down as the index outgrew the cache.  Now the key
-- starts with part = seq >> 19 (partitions of 524 288 events): a commit
-- writes only into the newest partition's subtree, small enough to stay in
-- the cache, and older partitions are never written again.  A lawful
-- request probes, per subject, each partition whose events' ts range
-- (index_part, kept in the same transactions as the rows) meets its
-- window.  The purge deletes whole partitions as key ranges.
--
-- The rows stay committed atomically with their entries, and envelog
-- verify checks each event's row and that its partition's range covers
-- its ts.  ELOG_INDEX_PART_BITS in src/lib/store.h must stay 19.

DROP TRIGGER event_index_no_update;
DROP TRIGGER event_index_no_delete;
ALTER TABLE event_index RENAME TO event_index_v5;
CREATE TABLE event_index (
  part  INTEGER NOT NULL,   -- seq >> 19
  party INTEGER NOT NULL,   -- SipHash of the identifier (meta.party_key)
  ts    INTEGER NOT NULL,
  seq   INTEGER NOT NULL,
  PRIMARY KEY (part, party, ts, seq)
) WITHOUT ROWID;
INSERT INTO event_index(part, party, ts, seq)
  SELECT seq >> 19, party, ts, seq FROM event_index_v5 ORDER BY seq;
DROP TABLE event_index_v5;

-- The ts range of each partition's events; it only widens.
CREATE TABLE index_part (
  part   INTEGER PRIMARY KEY,
  min_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL
);
INSERT INTO index_part(part, min_ts, max_ts)
  SELECT part, min(ts), max(ts) FROM event_index GROUP BY part;

CREATE TRIGGER event_index_no_update BEFORE UPDATE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
CREATE TRIGGER event_index_no_delete BEFORE DELETE ON event_index
WHEN NOT (OLD.seq <= coalesce((SELECT max(through_seq) FROM purge_horizon), -1))
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
CREATE TRIGGER index_part_only_widens BEFORE UPDATE ON index_part
WHEN NEW.part != OLD.part OR NEW.min_ts > OLD.min_ts OR NEW.max_ts < OLD.max_ts
BEGIN SELECT RAISE(ABORT, 'a partition''s ts range only widens'); END;
CREATE TRIGGER index_part_no_delete BEFORE DELETE ON index_part
WHEN NOT (((OLD.part + 1) << 19) - 1 <=
          coalesce((SELECT max(through_seq) FROM purge_horizon), -1))
BEGIN SELECT RAISE(ABORT, 'index_part is kept until its events are purged'); END;
