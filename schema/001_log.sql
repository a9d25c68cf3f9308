-- 001: the log, its tree hashes and checkpoints, and the registries.
-- Log tables are append-only: triggers abort UPDATE and DELETE.  The one
-- deletion ever allowed (the retention purge, schema 002) is guarded there.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per log entry.  seq is the 0-based leaf index.  For disclosure,
-- refusal and purge entries, data is the canonical leaf data and ts the
-- entry time (ms); for events both are NULL here: an event's metadata lives
-- in event_data, so that the retention purge deletes whole rows there and
-- the freed pages can go back to the file system.
CREATE TABLE entry (
  seq        INTEGER PRIMARY KEY,
  kind       INTEGER NOT NULL,
  ts         INTEGER,
  data       BLOB,
  leaf_hash  BLOB NOT NULL,
  chain_hash BLOB NOT NULL
);

-- The metadata of each event: its ts (ms) and canonical leaf data.  A
-- missing row means the event was purged.
CREATE TABLE event_data (
  seq  INTEGER PRIMARY KEY,
  ts   INTEGER NOT NULL,
  data BLOB NOT NULL
);

-- The lawful-request index: one row per distinct party (sender, recipient)
-- of each event.  party is a 64-bit keyed hash (SipHash-2-4, key in meta)
-- of the identifier, so the index stays small and fixed-width; matches are
-- confirmed against the leaf data.
CREATE TABLE event_index (
  party INTEGER NOT NULL,
  ts    INTEGER NOT NULL,
  seq   INTEGER NOT NULL,
  PRIMARY KEY (party, ts, seq)
) WITHOUT ROWID;

-- Complete-subtree hashes of level >= 1, keyed by Go sumdb/tlog's stored
-- hash index (level 0 is entry.leaf_hash).
CREATE TABLE tree_hash (
  id   INTEGER PRIMARY KEY,
  hash BLOB NOT NULL
);

-- Every checkpoint ever signed, as served.
CREATE TABLE checkpoint (
  size    INTEGER PRIMARY KEY,
  root    BLOB NOT NULL,
  note    TEXT NOT NULL,
  created INTEGER NOT NULL
);

-- Witness cosignature lines, served appended to their checkpoint.
CREATE TABLE cosignature (
  size    INTEGER NOT NULL,
  witness TEXT NOT NULL,
  line    TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (size, witness)
) WITHOUT ROWID;

CREATE TABLE token (
  id        INTEGER PRIMARY KEY,
  hash      BLOB NOT NULL UNIQUE,
  role      TEXT NOT NULL,
  authority TEXT,
  label     TEXT NOT NULL DEFAULT '',
  created   INTEGER NOT NULL,
  revoked   INTEGER
);

CREATE TABLE authority (
  name    TEXT PRIMARY KEY,
  vkey    TEXT NOT NULL,
  added   INTEGER NOT NULL,
  revoked INTEGER
) WITHOUT ROWID;

CREATE TABLE witness (
  name    TEXT PRIMARY KEY,
  vkey    TEXT NOT NULL,
  added   INTEGER NOT NULL,
  revoked INTEGER
) WITHOUT ROWID;

-- Warrant ids seen, with the SHA-256 of the warrant text they came with.
CREATE TABLE warrant_use (
  authority TEXT NOT NULL,
  id        TEXT NOT NULL,
  text_sha256 BLOB NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY (authority, id)
) WITHOUT ROWID;

CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
BEGIN SELECT RAISE(ABORT, 'entry is append-only'); END;
CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
BEGIN SELECT RAISE(ABORT, 'entry is append-only'); END;
CREATE TRIGGER tree_hash_no_update BEFORE UPDATE ON tree_hash
BEGIN SELECT RAISE(ABORT, 'tree_hash is append-only'); END;
CREATE TRIGGER tree_hash_no_delete BEFORE DELETE ON tree_hash
BEGIN SELECT RAISE(ABORT, 'tree_hash is append-only'); END;
CREATE TRIGGER checkpoint_no_update BEFORE UPDATE ON checkpoint
BEGIN SELECT RAISE(ABORT, 'checkpoint is append-only'); END;
CREATE TRIGGER checkpoint_no_delete BEFORE DELETE ON checkpoint
BEGIN SELECT RAISE(ABORT, 'checkpoint is append-only'); END;
CREATE TRIGGER cosignature_no_update BEFORE UPDATE ON cosignature
BEGIN SELECT RAISE(ABORT, 'cosignature is append-only'); END;
CREATE TRIGGER cosignature_no_delete BEFORE DELETE ON cosignature
BEGIN SELECT RAISE(ABORT, 'cosignature is append-only'); END;
CREATE TRIGGER event_data_no_update BEFORE UPDATE ON event_data
BEGIN SELECT RAISE(ABORT, 'event_data is append-only'); END;
CREATE TRIGGER event_data_no_delete BEFORE DELETE ON event_data
BEGIN SELECT RAISE(ABORT, 'event_data is append-only'); END;
CREATE TRIGGER event_index_no_update BEFORE UPDATE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
CREATE TRIGGER event_index_no_delete BEFORE DELETE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
CREATE TRIGGER warrant_use_no_update BEFORE UPDATE ON warrant_use
BEGIN SELECT RAISE(ABORT, 'warrant_use is append-only'); END;
CREATE TRIGGER warrant_use_no_delete BEFORE DELETE ON warrant_use
BEGIN SELECT RAISE(ABORT, 'warrant_use is append-only'); END;
