#!/usr/bin/env bash
# Retention purge from the command line: the metadata of the prefix
# committed before the horizon goes, the log still verifies, the horizon
# and through_seq only move forward, and deletions outside a purge are
# still caught.  mklog commits each batch of 100 at its last event's ts.
# The log's index runs are 64 events (ELOG_TEST_INDEX_RUN_BITS=6): the
# purge drops the runs below the horizon whole and trims the one holding it.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh
. tests/integration/index.sh

db=$T/log.db
ELOG_TEST_INDEX_RUN_BITS=6 "$B"/tests/tools/mklog "$db" 1000 100 >/dev/null || bail "mklog"
q() { sqlite3 "$db" "$1"; }
state() { q "SELECT (SELECT count(*) FROM entry), (SELECT hex(root) FROM checkpoint ORDER BY size DESC LIMIT 1)"; }

above_before=$(q "SELECT group_concat(hex(data), '') FROM event_data_p0 WHERE seq >= 500")
# Event i has ts 1700000000000 + i*1000; batch k (events 100k..100k+99) is
# committed at the ts of event 100k+99: the horizon at event 500 takes
# batches 0..4.
out=$("$B"/envelog purge --db "$db" --before 2023-11-14T22:21:40Z 2>"$T/progress"); rc=$?
# Progress on stderr (not a terminal here): a line per tenth of the work,
# which counts each purged seq twice (metadata, then index), ending at
# 100%; stdout holds only the result.
check "purge shows its progress on stderr, ending at 100% of 2 x 500 seqs" \
	test "$(tail -n 1 "$T/progress")" = "envelog: purge: 100% (1000/1000)"
pcts=$(sed -n 's/^envelog: purge: \([0-9]*\)% .*/\1/p' "$T/progress" | tr '\n' ' ')
if [ -n "$pcts" ] && [ "$(echo "$pcts" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" = "$pcts" ] &&
	[ "$(wc -l <"$T/progress")" -le 10 ]; then ok "progress lines rise, at most one per tenth ($pcts)"
else nok "progress lines rise, at most one per tenth" "$(cat "$T/progress")"; fi
check "purge exits 0" test "$rc" -eq 0
if [[ "$out" == "purged 500 events through seq 499; purge entry seq 1000;"* ]]; then ok "purge reports 500 events through seq 499"; else nok "purge reports its counts" "$out"; fi
check "metadata below the horizon is gone" test "$(q 'SELECT count(*) FROM event_data_p0 WHERE seq < 500')" = 0
# (an event's public data is kept packed: tag 01 and the 32 bytes of the
# commitment, pack.h)
check "entries below the horizon keep no metadata: no ts, public data only their commitment" test "$(q "SELECT count(*) FROM entry WHERE seq < 500 AND (ts IS NOT NULL OR length(data) <> 33 OR substr(hex(data), 1, 2) <> '01')")" = 0
check "index rows below the horizon are gone" test "$(q "SELECT count(*) FROM ($(index_sql "$db")) WHERE ts < 1700000500000")" = 0
check "index rows above the horizon stay" test "$(q "SELECT count(*) FROM ($(index_sql "$db")) WHERE ts >= 1700000500000")" -gt 0
check "the runs below the horizon are dropped whole, the one holding it stays" test "$(q 'SELECT min(first_seq), count(*) FROM index_run')" = "448|8"
check "the run holding the horizon keeps exactly its rows above it" test "$(q "SELECT count(DISTINCT seq), min(seq), max(seq) FROM index_sealed_$(q 'SELECT run FROM index_run WHERE first_seq = 448')")" = "12|500|511"
check "the tables of the runs below it are dropped, each listed run has its table" test "$(q "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'index_sealed_*'")|$(q "SELECT count(*) FROM index_run r JOIN sqlite_master m ON m.name = 'index_sealed_' || r.run")" = "8|8"
check "index_hot keeps its rows" test "$(q 'SELECT count(DISTINCT seq), min(seq) FROM index_hot')" = "40|960"
check "events above the horizon are untouched" test "$(q "SELECT group_concat(hex(data), '') FROM event_data_p0 WHERE seq >= 500")" = "$above_before"
check "leaf hashes and chain values stay" test "$(q 'SELECT count(*) FROM entry WHERE seq < 500 AND length(leaf_hash) = 32 AND length(chain_hash) = 32')" = 500
entry=$(q "SELECT data FROM entry WHERE seq = 1000")
check "the purge entry is in the log" test "$(echo "$entry" | jq -r '[.kind, .before, .through_seq, .events] | @tsv')" = "$(printf 'purge\t1700000500000\t499\t500')"

out=$("$B"/envelog verify --quiet --db "$db" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 1001 entries (500 purged)"* ]]; then ok "verify passes and counts the purged"; else nok "verify passes after purge" "$rc $out"; fi

s0=$(state)
out=$("$B"/envelog purge --db "$db" --before 2023-11-14T22:00:00Z 2>&1); rc=$?
check "moving the horizon back exits 3 (refused; 1 means tampering)" test "$rc" -eq 3
check "moving the horizon back names the rule" grep -q "only moves forward" <<<"$out"
check "moving the horizon back left the log unchanged" test "$(state)" = "$s0"
# Usage errors exit 2 and change nothing.
for args in "" "--before" "--before yesterday" "--before 2023-11-14 extra" "--bogus 1" "--before 2999-01-01"; do
	# shellcheck disable=SC2086 # the words of each case
	"$B"/envelog purge --db "$db" $args >/dev/null 2>&1; rc=$?
	check "purge ${args:-without --before}: usage error, exit 2" test "$rc" -eq 2
done
check "usage errors left the log unchanged" test "$(state)" = "$s0"
err=$(q "INSERT INTO purge_horizon(before, through_seq, created) VALUES (1, 0, 0)" 2>&1)
check "trigger refuses a horizon moved back" grep -q "only moves forward" <<<"$err"
err=$(q "INSERT INTO purge_horizon(before, through_seq, created) VALUES (1800000000000, 10, 0)" 2>&1)
check "trigger refuses a through_seq moved back" grep -q "only moves forward" <<<"$err"
err=$(q "DELETE FROM event_data_p0 WHERE seq = 700" 2>&1)
check "trigger refuses purging above the horizon" grep -q "append-only" <<<"$err"
err=$(q "DELETE FROM index_sealed_$(q 'SELECT run FROM index_run WHERE first_seq = 448') WHERE seq >= 500" 2>&1)
check "trigger refuses deleting a run's index rows above the horizon" grep -q "append-only" <<<"$err"
err=$(q "UPDATE index_sealed_$(q 'SELECT run FROM index_run WHERE first_seq = 448') SET ts = 0 WHERE seq = 500" 2>&1)
check "trigger refuses changing a run's index rows" grep -q "append-only" <<<"$err"
err=$(q "UPDATE entry SET leaf_hash = zeroblob(32) WHERE seq = 10" 2>&1)
check "trigger refuses changing a purged entry's hashes" grep -q "append-only" <<<"$err"
check "refused changes left the log unchanged" test "$(state)" = "$s0"

cp "$db" "$T/tampered.db"
sqlite3 "$T/tampered.db" "DROP TRIGGER event_data_p0_no_delete; DELETE FROM event_data_p0 WHERE seq = 700"
out=$("$B"/envelog verify --quiet --db "$T/tampered.db" 2>/dev/null); rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq 700:"*"purge horizon"* ]]; then ok "metadata deleted above the horizon is tampering"; else nok "metadata deleted above the horizon is tampering" "$rc $out"; fi

out=$("$B"/envelog purge --db "$db" --before 2023-11-14T22:22:00Z 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "purged 0 events through seq 499; purge entry seq 1001;"* ]]; then ok "a horizon inside a batch's commit purges nothing more"; else nok "a horizon inside a batch's commit purges nothing more" "$rc $out"; fi
out=$("$B"/envelog purge --db "$db" --before 2023-11-14T22:23:20Z 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "purged 100 events through seq 599; purge entry seq 1002;"* ]]; then ok "a later purge moves the horizon forward by the next batch"; else nok "a later purge moves the horizon forward" "$rc $out"; fi
out=$("$B"/envelog verify --quiet --db "$db" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 1003 entries (600 purged)"* ]]; then ok "verify passes after three purges"; else nok "verify passes after three purges" "$rc $out"; fi
check "after them the runs begin at the one holding seq 600" test "$(q "SELECT min(first_seq), (SELECT min(seq) FROM ($(index_sql "$db")) WHERE run >= 0) FROM index_run")" = "576|600"

cp "$db" "$T/horizon.db"
sqlite3 "$T/horizon.db" "DROP TRIGGER purge_horizon_no_update; UPDATE purge_horizon SET before = before + 1 WHERE through_seq = 599"
out=$("$B"/envelog verify --quiet --db "$T/horizon.db" 2>/dev/null); rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq 1002: the purge_horizon table differs from the purge entries"* ]]; then ok "an edited purge horizon row is tampering"; else nok "an edited purge horizon row is tampering" "$rc $out"; fi

db2=$T/new.db
"$B"/tests/tools/mklog "$db2" 0 >/dev/null
out=$("$B"/envelog purge --db "$db2" --before 2023-11-14T22:21:40Z 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "nothing to purge: no entry was committed before"* ]]; then ok "a purge before anything was committed does nothing"; else nok "a purge before anything was committed does nothing" "$rc $out"; fi
check "... and appends nothing" test "$(sqlite3 "$db2" "SELECT count(*) FROM entry")" = 0

# Records in partitions of 64 events (index runs of 4: ELOG_TEST_INDEX_
# RUN_BITS=2, a partition per level-1 run): the purge drops the partitions
# wholly below the horizon and deletes rows only in the one it cuts.
db3=$T/parts.db
ELOG_TEST_INDEX_RUN_BITS=2 "$B"/tests/tools/mklog "$db3" 1000 100 >/dev/null || bail "mklog parts"
parts() { sqlite3 "$db3" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'event_data_p[0-9]*' ORDER BY CAST(substr(name, 13) AS INTEGER))"; }
check "1000 events make 16 partitions of 64" test "$(parts)" = "$(for k in $(seq 0 15); do printf 'event_data_p%d ' "$k"; done | sed 's/ $//')"
kept=$(sqlite3 "$db3" "SELECT group_concat(hex(data), '') FROM $(records "$db3") WHERE seq >= 500")
out=$("$B"/envelog purge --db "$db3" --before 2023-11-14T22:21:40Z 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "purged 500 events through seq 499; purge entry seq 1000;"* ]]; then ok "a purge over partitions reports 500 events through seq 499"; else nok "a purge over partitions" "$rc $out"; fi
check "the partitions wholly below the horizon (0 to 6: seqs 0 to 447) are dropped" test "$(parts)" = "$(for k in $(seq 7 15); do printf 'event_data_p%d ' "$k"; done | sed 's/ $//')"
check "the partition holding the horizon keeps exactly its records above it" test "$(sqlite3 "$db3" 'SELECT count(*), min(seq), max(seq) FROM event_data_p7')" = "12|500|511"
check "records above the horizon are untouched" test "$(sqlite3 "$db3" "SELECT group_concat(hex(data), '') FROM $(records "$db3") WHERE seq >= 500")" = "$kept"
out=$("$B"/envelog verify --quiet --db "$db3" 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 1001 entries (500 purged)"* ]]; then ok "verify passes after partitions were dropped"; else nok "verify passes after partitions were dropped" "$rc $out"; fi
cp "$db3" "$T/parts-tampered.db"
sqlite3 "$T/parts-tampered.db" "DROP TABLE event_data_p9"
out=$("$B"/envelog verify --quiet --db "$T/parts-tampered.db" 2>/dev/null); rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq 576: the record is missing above the purge horizon"* ]]; then ok "a partition above the horizon dropped is tampering, named at its first event"; else nok "a partition above the horizon dropped is tampering" "$rc $out"; fi

finish
