#!/usr/bin/env bash
# Schema 007 moves an existing log's lawful-request index (schema 006: one
# B-tree partitioned by seq, and index_part) into runs: the rows of the
# events below the last whole run (2^16 events) into sealed runs, the rest
# into index_hot, every row kept, none added; the log verifies and goes on
# growing.  Schema 008 then keys index_hot by block (seq >> 10), 009
# moves the records from event_data into their partitions, and 010
# moves each sealed run from index_sealed into a table of its own (a step
# in C: store.c, migrate_run_tables).  The schema-6 log is made by taking a
# log back to schema 5's index and applying
# schema/006_index_partitions.sql itself; the log before 010 by taking a
# log with merged runs back to index_sealed.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh
. tests/integration/index.sh
# The schema version of the newest migration, and of 010's
latest=0 v10=0
for f in schema/*.sql; do latest=$((latest + 1)); case $f in schema/010_*) v10=$latest ;; esac; done

db=$T/log.db
"$B"/tests/tools/mklog "$db" 70000 1000 >/dev/null || bail "mklog"
q() { sqlite3 "$db" "$1"; }
rows() { q "SELECT party, ts, seq FROM ($(index_sql "$db")) WHERE seq < 70000 ORDER BY seq, party" | md5sum; }
want=$(rows)
n=$(q "SELECT count(*) FROM ($(index_sql "$db"))")

q "CREATE TABLE v5 AS $(index_sql "$db");
DROP TABLE index_hot; $(q "SELECT group_concat('DROP TABLE index_sealed_' || run, '; ') FROM index_run"); DROP TABLE index_run;
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
check "the log is at the newest schema ($latest)" test "$(q "PRAGMA user_version")" = "$latest"
check "index_part, the old table, index_sealed and the view are gone" test "$(q "SELECT count(*) FROM sqlite_master WHERE name IN ('index_part', 'event_index', 'index_sealed')")" = 0
check "every index row was moved, none added" test "$(rows)" = "$want"
check "... and the appended events' rows are there too" test "$(q "SELECT count(*) FROM ($(index_sql "$db"))")" -gt "$n"
check "events 0..65535 are sealed in one run of level 0" test "$(q "SELECT count(*), min(first_seq), max(last_seq), max(level) FROM index_run")" = "1|0|65535|0"
check "the run holds exactly their rows, in its own table, with their ts range" test "$(q "SELECT count(*) = (SELECT count(*) FROM index_sealed_$(q 'SELECT run FROM index_run')) AND min(ts) = (SELECT min_ts FROM index_run) AND max(ts) = (SELECT max_ts FROM index_run) FROM ($(index_sql "$db")) WHERE seq <= 65535")" = 1
check "events from 65536 on are in index_hot" test "$(q "SELECT min(seq), max(seq) FROM index_hot")" = "65536|70009"
check "schema 008 keys index_hot by block: blk = seq >> 10 on every row" test "$(q "SELECT count(*), sum(blk = seq >> 10) FROM index_hot")" = "$(q "SELECT count(*), count(*) FROM index_hot")"
check "meta.index_run_bits is 16" test "$(q "SELECT value FROM meta WHERE key = 'index_run_bits'")" = 16
check "schema 009 moved the records into their partition, event_data is gone" test "$(q "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table' AND name GLOB 'event_data*'")" = event_data_p0
check "... every record, the appended ones after them" test "$(q "SELECT count(*), min(seq), max(seq) FROM event_data_p0")" = "70010|0|70009"
out=$("$B"/envelog verify --quiet --db "$db" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 70010 entries"* ]]; then ok "the migrated log verifies"; else nok "the migrated log verifies" "$rc $out"; fi

# ---- 010 alone: a log with merged runs, taken back to index_sealed ----
db=$T/runs.db
ELOG_TEST_INDEX_RUN_BITS=3 "$B"/tests/tools/mklog "$db" 300 7 >/dev/null || bail "mklog runs"
sealed() { q "SELECT r.run, r.level, r.first_seq, s.party, s.ts, s.seq FROM index_run r JOIN ($(index_sql "$db")) s USING (run) ORDER BY 1, 4, 5, 6" | md5sum; }
want=$(sealed)
nruns=$(q "SELECT count(*) || '|' || sum(level) FROM index_run")
back="CREATE TABLE index_sealed (run INTEGER NOT NULL, party INTEGER NOT NULL,
  ts INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (run, party, ts, seq)) WITHOUT ROWID;
INSERT INTO index_sealed $(index_sql "$db") ORDER BY 1, 2, 3, 4;
DELETE FROM index_sealed WHERE run < 0;"
for r in $(q "SELECT run FROM index_run"); do back="$back DROP TABLE index_sealed_$r;"; done
q "$back
CREATE VIEW event_index(party, ts, seq) AS
  SELECT party, ts, seq FROM index_hot
  UNION ALL SELECT party, ts, seq FROM index_sealed;
PRAGMA user_version = $((v10 - 1));" || bail "back to index_sealed"
check "the log before 010 has index_sealed and no run's table" test "$(q "SELECT count(*), (SELECT count(*) FROM sqlite_master WHERE name GLOB 'index_sealed_*') FROM index_sealed")" = "$(q "SELECT count(*) FROM index_sealed")|0"
check "... with merged runs (level 1) and runs of level 0" test "$nruns" = "7|2"
out=$("$B"/envelog verify --quiet --db "$db" 2>&1); rc=$?
if [ "$rc" -eq 2 ] && [[ "$out" == *"schema version $((v10 - 1)), older than this program's $latest: open it once with a writer"* ]]; then ok "a reader refuses it before a writer migrates it (exit 2), instead of calling its runs' rows missing"
else nok "a reader refuses it before a writer migrates it" "$rc $out"; fi
"$B"/tests/tools/mklog "$db" 0 >/dev/null || bail "open after 010"
check "a writer's open migrates it to schema $latest" test "$(q "PRAGMA user_version")" = "$latest"
check "index_sealed and its view are gone" test "$(q "SELECT count(*) FROM sqlite_master WHERE name IN ('index_sealed', 'event_index')")" = 0
check "each run has a table of its own with its triggers, and no other table is a run's" test "$(q "SELECT count(*) FROM index_run r JOIN sqlite_master m ON m.type = 'table' AND m.name = 'index_sealed_' || r.run")|$(q "SELECT count(*) FROM sqlite_master WHERE name GLOB 'index_sealed_*'")" = "7|21"
check "every sealed row is in its run's table, none lost, none added" test "$(sealed)" = "$want"
err=$(q "DELETE FROM index_sealed_$(q 'SELECT max(run) FROM index_run')" 2>&1)
check "a moved run's table is append-only" grep -q "append-only" <<<"$err"
out=$("$B"/envelog verify --quiet --db "$db" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 300 entries"* ]]; then ok "the log verifies after 010"; else nok "the log verifies after 010" "$rc $out"; fi
"$B"/tests/tools/mklog "$db" 100 7 >/dev/null || bail "mklog after 010"
check "it goes on: 400 events seal and merge into tables (3 of level 1, 2 of level 0)" test "$(q "SELECT count(*), sum(level) FROM index_run")|$(q "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'index_sealed_*'")" = "5|3|5"
out=$("$B"/envelog verify --quiet --db "$db" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 400 entries"* ]]; then ok "... and verifies"; else nok "... and verifies" "$rc $out"; fi
finish
