#!/usr/bin/env bash
# Retention purge from the command line: metadata below the horizon goes,
# the log still verifies, the horizon only moves forward, and deletions
# outside a purge are still caught.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

db=$T/log.db
$B/tests/tools/mklog "$db" 1000 100 >/dev/null || bail "mklog"
q() { sqlite3 "$db" "$1"; }
state() { q "SELECT (SELECT count(*) FROM entry), (SELECT hex(root) FROM checkpoint ORDER BY size DESC LIMIT 1)"; }

above_before=$(q "SELECT group_concat(hex(data), '') FROM event_data WHERE seq >= 500")
# Event i has ts 1700000000000 + i*1000: the horizon at event 500.
out=$($B/envelog purge --db "$db" --before 2023-11-14T22:21:40Z 2>/dev/null); rc=$?
check "purge exits 0" test "$rc" -eq 0
if [[ "$out" == "purged 500 events through seq 499; purge entry seq 1000;"* ]]; then ok "purge reports 500 events through seq 499"; else nok "purge reports its counts" "$out"; fi
check "metadata below the horizon is gone" test "$(q 'SELECT count(*) FROM event_data WHERE seq < 500')" = 0
check "entries below the horizon keep no metadata" test "$(q 'SELECT count(*) FROM entry WHERE seq < 500 AND (data IS NOT NULL OR ts IS NOT NULL)')" = 0
check "index rows below the horizon are gone" test "$(q 'SELECT count(*) FROM event_index WHERE ts < 1700000500000')" = 0
check "index rows above the horizon stay" test "$(q 'SELECT count(*) FROM event_index WHERE ts >= 1700000500000')" -gt 0
check "events above the horizon are untouched" test "$(q "SELECT group_concat(hex(data), '') FROM event_data WHERE seq >= 500")" = "$above_before"
check "leaf hashes and chain values stay" test "$(q 'SELECT count(*) FROM entry WHERE seq < 500 AND length(leaf_hash) = 32 AND length(chain_hash) = 32')" = 500
entry=$(q "SELECT data FROM entry WHERE seq = 1000")
check "the purge entry is in the log" test "$(echo "$entry" | jq -r '[.kind, .before, .through_seq, .events] | @tsv')" = "$(printf 'purge\t1700000500000\t499\t500')"

out=$($B/envelog verify --quiet --db "$db"); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 1001 entries (500 purged)"* ]]; then ok "verify passes and counts the purged"; else nok "verify passes after purge" "$rc $out"; fi

s0=$(state)
out=$($B/envelog purge --db "$db" --before 2023-11-14T22:00:00Z 2>&1); rc=$?
check "moving the horizon back exits 1" test "$rc" -eq 1
check "moving the horizon back names the rule" grep -q "only moves forward" <<<"$out"
check "moving the horizon back left the log unchanged" test "$(state)" = "$s0"
err=$(q "INSERT INTO purge_horizon(before, through_seq, created) VALUES (1, 0, 0)" 2>&1)
check "trigger refuses a horizon moved back" grep -q "only moves forward" <<<"$err"
err=$(q "DELETE FROM event_data WHERE seq = 700" 2>&1)
check "trigger refuses purging above the horizon" grep -q "append-only" <<<"$err"
err=$(q "DELETE FROM event_index WHERE ts >= 1700000600000" 2>&1)
check "trigger refuses deleting index rows above the horizon" grep -q "append-only" <<<"$err"
err=$(q "UPDATE entry SET leaf_hash = zeroblob(32) WHERE seq = 10" 2>&1)
check "trigger refuses changing a purged entry's hashes" grep -q "append-only" <<<"$err"
check "refused changes left the log unchanged" test "$(state)" = "$s0"

cp "$db" "$T/tampered.db"
sqlite3 "$T/tampered.db" "DROP TRIGGER event_data_no_delete; DELETE FROM event_data WHERE seq = 700"
out=$($B/envelog verify --quiet --db "$T/tampered.db"); rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq 700:"*"purge horizon"* ]]; then ok "metadata deleted above the horizon is tampering"; else nok "metadata deleted above the horizon is tampering" "$rc $out"; fi

out=$($B/envelog purge --db "$db" --before 2023-11-14T22:22:00Z 2>/dev/null); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "purged 20 events through seq 519; purge entry seq 1001;"* ]]; then ok "a later purge moves the horizon forward"; else nok "a later purge moves the horizon forward" "$rc $out"; fi
out=$($B/envelog verify --quiet --db "$db"); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 1002 entries (520 purged)"* ]]; then ok "verify passes after two purges"; else nok "verify passes after two purges" "$rc $out"; fi

finish
