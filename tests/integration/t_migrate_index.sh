#!/usr/bin/env bash
# Schema 007 moves an existing log's lawful-request index (schema 006: one
# B-tree partitioned by seq, and index_part) into runs: the rows of the
# events below the last whole run (2^16 events) into sealed runs, the rest
# into index_hot, every row kept, none added; the log verifies and goes on
# growing.  Schema 008 then keys index_hot by block (seq >> 10), and 009
# moves the records from event_data into their partitions.  The
# schema-6 log is made by taking a log back to schema 5's
# index and applying schema/006_index_partitions.sql itself.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

db=$T/log.db
"$B"/tests/tools/mklog "$db" 70000 1000 >/dev/null || bail "mklog"
q() { sqlite3 "$db" "$1"; }
rows() { q "SELECT party, ts, seq FROM event_index WHERE seq < 70000 ORDER BY seq, party" | md5sum; }
want=$(rows)
n=$(q "SELECT count(*) FROM event_index")

q "CREATE TABLE v5 AS SELECT party, ts, seq FROM event_index;
DROP VIEW event_index;
DROP TABLE index_hot; DROP TABLE index_sealed; DROP TABLE index_run;
DELETE FROM meta WHERE key = 'index_run_bits';
CREATE TABLE event_index (party INTEGER NOT NULL, ts INTEGER NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY (party, ts, seq)) WITHOUT ROWID;
INSERT INTO event_index SELECT party, ts, seq FROM v5 ORDER BY party, ts, seq;
DROP TABLE v5;
CREATE TRIGGER event_index_no_update BEFORE UPDATE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
CREATE TRIGGER event_index_no_delete BEFORE DELETE ON event_index
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
CREATE TABLE event_data (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,
  data BLOB NOT NULL);
INSERT INTO event_data SELECT seq, ts, data FROM event_data_p0;
DROP TABLE event_data_p0;" || bail "back to schema 5's index and records"
sqlite3 "$db" <schema/006_index_partitions.sql || bail "schema 006"
q "PRAGMA user_version = 6"
check "the schema-6 log has the partitioned index" test "$(q "SELECT count(*), (SELECT count(*) FROM index_part) FROM event_index")" = "$n|1"

# A writer opens it (mklog appends 10 events): the migration runs.
"$B"/tests/tools/mklog "$db" 10 10 >/dev/null || bail "mklog after the migration"
latest=$(find schema -maxdepth 1 -name '[0-9]*.sql' | wc -l)
check "the log is at the latest schema ($latest)" test "$(q "PRAGMA user_version")" = "$latest"
check "index_part and the old table are gone" test "$(q "SELECT group_concat(type || ':' || name) FROM sqlite_master WHERE name IN ('index_part', 'event_index')")" = "view:event_index"
check "every index row was moved, none added" test "$(rows)" = "$want"
check "... and the appended events' rows are there too" test "$(q "SELECT count(*) FROM event_index")" -gt "$n"
check "events 0..65535 are sealed in one run of level 0" test "$(q "SELECT count(*), min(first_seq), max(last_seq), max(level) FROM index_run")" = "1|0|65535|0"
check "the run holds exactly their rows, with their ts range" test "$(q "SELECT count(*) = (SELECT count(*) FROM index_sealed) AND min(ts) = (SELECT min_ts FROM index_run) AND max(ts) = (SELECT max_ts FROM index_run) FROM event_index WHERE seq <= 65535")" = 1
check "events from 65536 on are in index_hot" test "$(q "SELECT min(seq), max(seq) FROM index_hot")" = "65536|70009"
check "schema 008 keys index_hot by block: blk = seq >> 10 on every row" test "$(q "SELECT count(*), sum(blk = seq >> 10) FROM index_hot")" = "$(q "SELECT count(*), count(*) FROM index_hot")"
check "meta.index_run_bits is 16" test "$(q "SELECT value FROM meta WHERE key = 'index_run_bits'")" = 16
check "schema 009 moved the records into their partition, event_data is gone" test "$(q "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table' AND name GLOB 'event_data*'")" = event_data_p0
check "... every record, the appended ones after them" test "$(q "SELECT count(*), min(seq), max(seq) FROM event_data_p0")" = "70010|0|70009"
out=$("$B"/envelog verify --quiet --db "$db" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 70010 entries"* ]]; then ok "the migrated log verifies"; else nok "the migrated log verifies" "$rc $out"; fi
finish
