-- 007: the lawful-request index as sorted runs (issue 13).
--
-- 006 kept one B-tree keyed (seq >> 19, party, ts, seq): each commit still
-- wrote its rows at random places in the newest partition, about one page
-- per row, and ingest slowed down as that partition outgrew the cache.
-- Now a commit appends its events' rows in seq order to index_hot, whose
-- key starts with seq, so a commit writes only the last pages of one small
-- table.  The index is cut into runs of 2^index_run_bits events (meta; 16
-- unless set when the log was made): the commit whose entries complete a
-- run moves that run's rows from index_hot, sorted, into index_sealed under
-- a new run id (larger than every other, so a seal writes sequentially at
-- the end of the tree) and records its seq and ts range in index_run, in
-- the same transaction.  When 16 runs of one level fill an aligned block of
-- 16 times their size, that commit merges them into one run of the next
-- level (levels 0 and 1; see ELOG_INDEX_MAX_LEVEL in src/lib/store.h).
--
-- So in a log of size entries, with B = (size >> index_run_bits) <<
-- index_run_bits, the rows of an event with seq >= B are in index_hot and
-- those of an event with seq < B are in the one run of index_run whose
-- [first_seq, last_seq] holds seq.  A lawful request scans index_hot once
-- and probes each run whose ts range meets its window; the purge deletes
-- whole runs below the horizon.  The index is derived data: envelog verify
-- checks that every event's rows are where this says, and nothing else.
--
-- An existing log's rows are moved: those below B into runs of level 1
-- (2^20 events) and level 0, the rest into index_hot.  event_index stays
-- as a read-only view of both tables.

CREATE TABLE index_hot (
  seq   INTEGER NOT NULL,
  party INTEGER NOT NULL,   -- SipHash of the identifier (meta.party_key)
  ts    INTEGER NOT NULL,
  PRIMARY KEY (seq, party)
) WITHOUT ROWID;

CREATE TABLE index_run (
  run       INTEGER PRIMARY KEY,   -- the key prefix of its rows
  level     INTEGER NOT NULL,      -- 2^(index_run_bits + 4 * level) events
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL UNIQUE,
  min_ts    INTEGER,               -- the ts range of its rows (NULL: none)
  max_ts    INTEGER
);

CREATE TABLE index_sealed (
  run   INTEGER NOT NULL,
  party INTEGER NOT NULL,
  ts    INTEGER NOT NULL,
  seq   INTEGER NOT NULL,
  PRIMARY KEY (run, party, ts, seq)
) WITHOUT ROWID;

INSERT INTO meta(key, value) VALUES ('index_run_bits', '16');

-- b0: where index_hot begins; b1: the end of the level-1 runs.
CREATE TEMP TABLE index_move AS
  SELECT b0, (b0 >> 20) << 20 AS b1 FROM
    (SELECT ((SELECT coalesce(max(seq) + 1, 0) FROM entry) >> 16) << 16
       AS b0);

-- Run ids in seq order: the level-1 runs, then the level-0 runs.
INSERT INTO index_run(run, level, first_seq, last_seq, min_ts, max_ts)
  SELECT CASE WHEN seq < b1 THEN seq >> 20
              ELSE (b1 >> 20) + ((seq - b1) >> 16) END AS r,
         CASE WHEN seq < b1 THEN 1 ELSE 0 END,
         CASE WHEN seq < b1 THEN (seq >> 20) << 20 ELSE (seq >> 16) << 16 END,
         CASE WHEN seq < b1 THEN (((seq >> 20) + 1) << 20) - 1
              ELSE (((seq >> 16) + 1) << 16) - 1 END,
         min(ts), max(ts)
  FROM event_index, index_move WHERE seq < b0 GROUP BY r;

INSERT INTO index_sealed(run, party, ts, seq)
  SELECT CASE WHEN seq < b1 THEN seq >> 20
              ELSE (b1 >> 20) + ((seq - b1) >> 16) END AS r, party, ts, seq
  FROM event_index, index_move WHERE seq < b0 ORDER BY r, party, ts, seq;

INSERT INTO index_hot(seq, party, ts)
  SELECT seq, party, ts FROM event_index, index_move WHERE seq >= b0
  ORDER BY seq, party;

DROP TABLE index_move;
DROP TABLE event_index;
DROP TABLE index_part;

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
