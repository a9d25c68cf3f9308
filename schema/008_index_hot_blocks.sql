-- 008: index_hot read by block (issue 13).
--
-- 007 keyed index_hot (seq, party), so a lawful request scanned all of it
-- (up to two runs' worth of rows, 2^17 at the default run size) whatever
-- its subjects.  Now its key is (blk, party, ts, seq) with blk = seq >> 10
-- (ELOG_INDEX_HOT_BLOCK_BITS in src/lib/store.c): the events of one block
-- of 1 024 are sorted by party, so a request makes one key search per
-- subject per block (at most 64 blocks at the default run size) and reads
-- only its subjects' rows.  A commit still writes only the last pages of
-- the table: its rows land in the block it fills, never in an older one.
-- The runs, their seal and merge are unchanged.

CREATE TEMP TABLE index_hot_old AS SELECT seq, party, ts FROM index_hot;

DROP VIEW event_index;
DROP TABLE index_hot;

CREATE TABLE index_hot (
  blk   INTEGER NOT NULL,   -- seq >> 10
  party INTEGER NOT NULL,   -- SipHash of the identifier (meta.party_key)
  ts    INTEGER NOT NULL,
  seq   INTEGER NOT NULL,
  PRIMARY KEY (blk, party, ts, seq)
) WITHOUT ROWID;

INSERT INTO index_hot(blk, party, ts, seq)
  SELECT seq >> 10, party, ts, seq FROM index_hot_old
  ORDER BY seq >> 10, party, ts, seq;

DROP TABLE index_hot_old;

-- For reading only (tools and tests): every index row, wherever it is.
CREATE VIEW event_index(party, ts, seq) AS
  SELECT party, ts, seq FROM index_hot
  UNION ALL SELECT party, ts, seq FROM index_sealed;
CREATE TRIGGER event_index_no_insert INSTEAD OF INSERT ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only (a view of index_hot and index_sealed)'); END;
CREATE TRIGGER event_index_no_update INSTEAD OF UPDATE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only (a view of index_hot and index_sealed)'); END;
CREATE TRIGGER event_index_no_delete INSTEAD OF DELETE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only (a view of index_hot and index_sealed)'); END;
