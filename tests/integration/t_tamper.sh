#!/usr/bin/env bash
# Tamper tests: the append-only triggers refuse UPDATE and DELETE, and
# `envelog verify` names the first bad seq of a database changed behind the
# triggers' back.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

"$B"/tests/tools/mklog "$T/log.db" 40 4 >/dev/null || bail "mklog"

# The log's key as an auditor holds it, taken before any tampering.
VK=$(sqlite3 "$T/log.db" "SELECT value FROM meta WHERE key = 'vkey'")

# verify DB [VKEY] -> sets $out and $rc
run_verify() { out=$("$B"/envelog verify --quiet --db "$1" --vkey "${2:-$VK}" 2>&1); rc=$?; }
expect_tampered() { # desc, db, seq
	run_verify "$2"
	if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq $3:"* ]]; then ok "$1"
	else nok "$1" "exit $rc, output: $out"; fi
}

run_verify "$T/log.db"
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 40 entries"* ]]; then ok "untouched log verifies"; else nok "untouched log verifies" "exit $rc: $out"; fi

fresh() { cp "$T/log.db" "$T/$1.db"; echo "$T/$1.db"; }
state() { sqlite3 "$1" "SELECT count(*), hex(max(chain_hash)), (SELECT count(*) FROM tree_hash), (SELECT count(*) FROM checkpoint), (SELECT hex(group_concat(data)) FROM event_data_p0) FROM entry"; }

# The triggers.
db=$(fresh triggers)
before=$(state "$db")
for sql in "UPDATE entry SET data = 'x' WHERE seq = 1" \
	"DELETE FROM entry WHERE seq = 39" \
	"UPDATE tree_hash SET hash = zeroblob(32) WHERE id = 30" \
	"DELETE FROM tree_hash" \
	"UPDATE checkpoint SET note = 'x'" \
	"DELETE FROM checkpoint"; do
	err=$(sqlite3 "$db" "$sql" 2>&1)
	if [[ "$err" == *"append-only"* ]]; then ok "trigger refuses: $sql"; else nok "trigger refuses: $sql" "$err"; fi
done
check "refused changes left the log unchanged" test "$(state "$db")" = "$before"
run_verify "$db"
check "log verifies after refused changes" test "$rc" -eq 0

drop="DROP TRIGGER entry_no_update; DROP TRIGGER entry_no_delete; DROP TRIGGER event_data_p0_no_update; DROP TRIGGER event_data_p0_no_delete; DROP TRIGGER tree_hash_no_update; DROP TRIGGER checkpoint_no_update; DROP TRIGGER checkpoint_no_delete;"

db=$(fresh data)
# (records are kept packed, pack.h: byte 3 is the nonce's second byte)
sqlite3 "$db" "$drop UPDATE event_data_p0 SET data = substr(data, 1, 2) || CASE WHEN substr(data, 3, 1) = X'00' THEN X'01' ELSE X'00' END || substr(data, 4) WHERE seq = 5"
expect_tampered "altered leaf data is named" "$db" 5
db=$(fresh datajson)
rec=$("$B"/tests/tools/records "$db" 5 | sed 's/"size":/"size":1/')
sqlite3 "$db" "$drop UPDATE event_data_p0 SET data = CAST('$rec' AS BLOB) WHERE seq = 5"
expect_tampered "altered leaf data kept as JSON is named" "$db" 5
db=$(fresh datagarbled)
sqlite3 "$db" "$drop UPDATE event_data_p0 SET data = substr(data, 1, length(data) - 1) WHERE seq = 5"
expect_tampered "a packed record cut short is named" "$db" 5

db=$(fresh leafhash)
sqlite3 "$db" "$drop UPDATE event_data_p0 SET data = replace(data, 'message', 'voice') WHERE seq = 11; UPDATE entry SET leaf_hash = (SELECT leaf_hash FROM entry WHERE seq = 12) WHERE seq = 11"
expect_tampered "altered data and leaf hash are named" "$db" 11

db=$(fresh delete)
sqlite3 "$db" "$drop DELETE FROM entry WHERE seq = 7; DELETE FROM event_data_p0 WHERE seq = 7"
expect_tampered "deleted row is named" "$db" 7

db=$(fresh truncate)
sqlite3 "$db" "$drop DELETE FROM entry WHERE seq = 39; DELETE FROM event_data_p0 WHERE seq = 39"
expect_tampered "deleted last row is found by the checkpoint" "$db" 39

db=$(fresh swap)
sqlite3 "$db" "$drop
CREATE TEMP TABLE t AS SELECT e.seq, leaf_hash, chain_hash, v.ts, v.data FROM entry e JOIN event_data_p0 v USING (seq) WHERE seq IN (3, 4);
UPDATE entry SET (leaf_hash, chain_hash) = (SELECT leaf_hash, chain_hash FROM t WHERE t.seq = 4) WHERE seq = 3;
UPDATE entry SET (leaf_hash, chain_hash) = (SELECT leaf_hash, chain_hash FROM t WHERE t.seq = 3) WHERE seq = 4;
UPDATE event_data_p0 SET (ts, data) = (SELECT ts, data FROM t WHERE t.seq = 4) WHERE seq = 3;
UPDATE event_data_p0 SET (ts, data) = (SELECT ts, data FROM t WHERE t.seq = 3) WHERE seq = 4;"
expect_tampered "swapped rows are named" "$db" 3

db=$(fresh chain)
sqlite3 "$db" "$drop UPDATE entry SET chain_hash = zeroblob(32) WHERE seq = 20"
expect_tampered "altered chain value is named" "$db" 20

# tree_hash keeps the nodes of level 4 and above (stored-hash index 30 is
# level 4, index 0: leaves 0..15; 61 is level 4, index 1); those of levels
# 1 to 3 are hashed up from the leaf hashes when read, so the level-1 node
# over leaves 0 and 1 changes with leaf 1's hash, which its own check names.
check "tree_hash keeps levels 4 and 5 only" \
	test "$(sqlite3 "$T/log.db" "SELECT group_concat(id) FROM tree_hash")" = "30,61,62"
db=$(fresh leafunder)
sqlite3 "$db" "$drop UPDATE entry SET leaf_hash = zeroblob(32) WHERE seq = 1"
expect_tampered "altered leaf hash under a level-1 node is named" "$db" 1

db=$(fresh tree)
sqlite3 "$db" "$drop UPDATE tree_hash SET hash = zeroblob(32) WHERE id = 30"
expect_tampered "altered tree hash is named" "$db" 15

db=$(fresh treegone)
sqlite3 "$db" "DROP TRIGGER tree_hash_no_delete; DELETE FROM tree_hash WHERE id = 61"
expect_tampered "deleted tree hash is named" "$db" 31

# Size 40 = 32 + 8: the level-5 node over leaves 0..31 is the last stored.
db=$(fresh tree2)
sqlite3 "$db" "$drop UPDATE tree_hash SET hash = randomblob(32) WHERE id = (SELECT max(id) FROM tree_hash)"
expect_tampered "altered last tree hash is named" "$db" 31

# A level-2 row (index 9: leaves 36..39, stored-hash index 76) added by hand.
db=$(fresh treeextra)
sqlite3 "$db" "INSERT INTO tree_hash(id, hash) VALUES (76, zeroblob(32))"
expect_tampered "a tree hash of a level the store does not keep is named" "$db" 39
check "verify says the level is not kept" grep -q "a level this store does not keep" <<<"$out"

db=$(fresh checkpoint)
sqlite3 "$db" "$drop UPDATE checkpoint SET note = replace(note, char(10) || '20' || char(10), char(10) || '21' || char(10)) WHERE size = 20"
expect_tampered "altered checkpoint is named" "$db" 19

db=$(fresh cproot)
sqlite3 "$db" "$drop UPDATE checkpoint SET root = zeroblob(32) WHERE size = 12"
expect_tampered "altered checkpoint root is named" "$db" 11

# A checkpoint whose body still parses and matches the log, but whose
# signature is broken: one base64 character of the signature changed.
cpbody() { sqlite3 "$1" "SELECT substr(note, 1, instr(note, char(10) || char(10))) FROM checkpoint WHERE size = 20"; }
db=$(fresh cpsig)
sqlite3 "$db" "$drop UPDATE checkpoint SET note = substr(note, 1, length(note) - 20) ||
	(CASE substr(note, length(note) - 19, 1) WHEN 'A' THEN 'B' ELSE 'A' END) ||
	substr(note, length(note) - 18) WHERE size = 20"
if [ "$(cpbody "$db")" = "$(cpbody "$T/log.db")" ] &&
	[ "$(sqlite3 "$db" "SELECT note FROM checkpoint WHERE size = 20")" != \
		"$(sqlite3 "$T/log.db" "SELECT note FROM checkpoint WHERE size = 20")" ]; then
	ok "the broken signature left the checkpoint's body intact"
else nok "the broken signature left the checkpoint's body intact"; fi
expect_tampered "checkpoint with an intact body and a broken signature is named" "$db" 19
check "verify says the checkpoint's signature does not verify" \
	grep -q "checkpoint of size 20: the signature does not verify" <<<"$out"

# The same body signed by another key of the log's name, stored as an
# attacker with the file would: the row deleted and a new one inserted.
"$B"/envelog warrant keygen test.example/log --out "$T/other.key" >/dev/null 2>&1
printf '%s\n' "$(cpbody "$T/log.db")" | "$B"/tests/tools/signnote "$T/other.key" >"$T/other.cp"
db=$(fresh cpkey)
sqlite3 "$db" "$drop CREATE TEMP TABLE c AS SELECT * FROM checkpoint WHERE size = 20;
DELETE FROM checkpoint WHERE size = 20;
INSERT INTO checkpoint(size, root, note, created)
	SELECT size, root, CAST(readfile('$T/other.cp') AS TEXT), created FROM c;"
check "the re-signed checkpoint was stored with the same body" \
	test "$(cpbody "$db")" = "$(cpbody "$T/log.db")"
expect_tampered "checkpoint signed by another key of the same name is named" "$db" 19

db=$(fresh purged)
sqlite3 "$db" "$drop DELETE FROM event_data_p0 WHERE seq = 13"
expect_tampered "metadata deleted outside a purge is named" "$db" 13

# The lawful-request index is derived data, checked row by row: a log with
# runs of 8 events (ELOG_TEST_INDEX_RUN_BITS=3), 45 events in batches of 4:
# seqs 0..39 sealed in runs (0..7 … 32..39), 40..44 in index_hot.
ELOG_TEST_INDEX_RUN_BITS=3 "$B"/tests/tools/mklog "$T/idx.db" 45 4 >/dev/null || bail "mklog idx"
IVK=$(sqlite3 "$T/idx.db" "SELECT value FROM meta WHERE key = 'vkey'")
run_verify "$T/idx.db" "$IVK"
if [ "$rc" -eq 0 ] && [[ "$out" == "ok: 45 entries"* ]]; then ok "a log with sealed runs verifies"; else nok "a log with sealed runs verifies" "exit $rc: $out"; fi
check "it has 5 runs and 5 hot events" test "$(sqlite3 "$T/idx.db" "SELECT (SELECT count(*) FROM index_run), (SELECT count(DISTINCT seq) FROM index_hot), (SELECT min(seq) FROM index_hot)")" = "5|5|40"
ifresh() { cp "$T/idx.db" "$T/$1.db"; echo "$T/$1.db"; }
# Each sealed run is a table of its own (schema 010): rt SEQ names the
# table of the run holding SEQ; $idrop drops the runs' append-only
# triggers.
rt() { echo "index_sealed_$(sqlite3 "$T/idx.db" "SELECT run FROM index_run WHERE first_seq <= $1 AND last_seq >= $1")"; }
idrop=$(sqlite3 "$T/idx.db" "SELECT group_concat('DROP TRIGGER \"' || name || '\"', '; ') || ';' FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'index_sealed_*'")
check "each run has its table, and no other table is a run's" test "$(sqlite3 "$T/idx.db" "SELECT count(*) FROM index_run r JOIN sqlite_master m ON m.type = 'table' AND m.name = 'index_sealed_' || r.run")|$(sqlite3 "$T/idx.db" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'index_sealed*'")" = "5|5"
db=$(ifresh runtriggers)
before=$(sqlite3 "$db" "SELECT count(*), sum(ts) FROM $(rt 13)")
for sql in "DELETE FROM $(rt 13)" "UPDATE $(rt 13) SET ts = 0"; do
	err=$(sqlite3 "$db" "$sql" 2>&1)
	if [[ "$err" == *"append-only"* ]]; then ok "trigger refuses: $sql"; else nok "trigger refuses: $sql" "$err"; fi
done
check "refused changes left the run unchanged" test "$(sqlite3 "$db" "SELECT count(*), sum(ts) FROM $(rt 13)")" = "$before"
# tamper DESC SEQ SQL [WHAT]: the change is made, verify names seq (and
# says WHAT)
itamper() {
	local db; db=$(ifresh "x$RANDOM"); sqlite3 "$db" "$3"
	run_verify "$db" "$IVK"
	if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq $2:"*"${4:-}"* ]]; then ok "$1"
	else nok "$1" "exit $rc, output: $out"; fi
}
itamper "a deleted sealed index row is named" 13 \
	"$idrop DELETE FROM $(rt 13) WHERE seq = 13 AND party = (SELECT max(party) FROM $(rt 13) WHERE seq = 13)"
itamper "a deleted hot index row is named" 42 "DELETE FROM index_hot WHERE seq = 42"
itamper "a sealed row moved to another run is named" 13 \
	"$idrop INSERT INTO $(rt 16)(party, ts, seq) SELECT party, ts, seq FROM $(rt 13) WHERE seq = 13; DELETE FROM $(rt 13) WHERE seq = 13"
itamper "a sealed row moved back to index_hot is named" 13 \
	"$idrop INSERT INTO index_hot(blk, party, ts, seq) SELECT seq >> 10, party, ts, seq FROM $(rt 13) WHERE seq = 13; DELETE FROM $(rt 13) WHERE seq = 13"
itamper "a hot row moved into a run is named" 41 \
	"INSERT INTO $(rt 39)(party, ts, seq) SELECT party, ts, seq FROM index_hot WHERE seq = 41; DELETE FROM index_hot WHERE seq = 41"
itamper "an index row moved to another ts is named" 21 \
	"$idrop UPDATE $(rt 21) SET ts = ts + 1 WHERE seq = 21"
itamper "an index row moved to another event is named" 22 \
	"$idrop UPDATE $(rt 22) SET seq = 23 WHERE seq = 22 AND party = (SELECT min(party) FROM $(rt 22) WHERE seq = 22)"
# The runs are compared as sets of rows: rows exchanged between two events
# of one run keep its row count, and are still named.
itamper "index rows exchanged between two events of one run are named" 9 \
	"$idrop UPDATE $(rt 9) SET seq = 19 - seq, ts = 3400000019000 - ts WHERE seq IN (9, 10)"
itamper "a sealed row duplicated under another event's seq is named (at the end of the walk)" 45 \
	"INSERT INTO $(rt 3)(party, ts, seq) SELECT party, ts + 1000, seq + 1 FROM $(rt 3) WHERE seq = 3 AND party = (SELECT min(party) FROM $(rt 3) WHERE seq = 3)"
itamper "an extra sealed index row is named (at the end of the walk)" 45 \
	"INSERT INTO $(rt 3)(party, ts, seq) SELECT party + 1, ts, seq FROM $(rt 3) WHERE seq = 3 LIMIT 1"
itamper "an extra hot index row is named (at the end of the walk)" 45 \
	"INSERT INTO index_hot(blk, party, ts, seq) VALUES (0, 42, 1700000043000, 43)"
# A run is compared when the walk has passed it: a row missing before a
# later failure in the same, not yet compared, part is still named first.
itamper "a missing hot row before a broken chain value is named first" 41 \
	"$drop DELETE FROM index_hot WHERE seq = 41; UPDATE entry SET chain_hash = zeroblob(32) WHERE seq = 43"
itamper "a missing sealed row before a broken chain value in its run is named first" 34 \
	"$drop $idrop DELETE FROM $(rt 34) WHERE seq = 34; UPDATE entry SET chain_hash = zeroblob(32) WHERE seq = 37"
itamper "a deleted run is named" 8 "DELETE FROM index_run WHERE first_seq = 8"
itamper "a run's ts range narrowed under its events is named" 39 \
	"UPDATE index_run SET max_ts = max_ts - 1 WHERE first_seq = 32"
itamper "a run stretched over another is named" 0 \
	"UPDATE index_run SET first_seq = 0 WHERE first_seq = 8"
itamper "a whole run moved to index_hot is named" 32 \
	"INSERT INTO index_hot(blk, party, ts, seq) SELECT seq >> 10, party, ts, seq FROM $(rt 32); DROP TABLE $(rt 32); DELETE FROM index_run WHERE first_seq = 32"
itamper "a run emptied, its table kept, is named at its first event" 16 \
	"$idrop DELETE FROM $(rt 16)" "lacks the event's sender"
# A run's table dropped while index_run still lists it: a request would
# fail or miss its events.
itamper "a run's table dropped, its registry row kept, is named at its first event" 16 \
	"DROP TABLE $(rt 16)" "lacks the rows of the event's run"
# A table for a run index_run does not list: no request reads it, so an
# operator could keep rows there out of warrants' sight.  Named at the end
# of the walk, whether it is empty or holds rows.
itamper "an empty table for a run index_run does not list is named (at the end of the walk)" 45 \
	"CREATE TABLE index_sealed_99(party INTEGER NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (party, ts, seq)) WITHOUT ROWID" \
	"a table for a run that index_run does not list (run 99)"
itamper "a copy of a run's rows under a run index_run does not list is named (at the end of the walk)" 45 \
	"CREATE TABLE index_sealed_99 AS SELECT * FROM $(rt 16)" "a table for a run that index_run does not list (run 99)"
itamper "a table named like a run's but for no run id is named (at the end of the walk)" 45 \
	"CREATE TABLE index_sealed_07(party, ts, seq)" "for no run id"
itamper "a run's rows moved to a table index_run does not list are named at the run's first event" 16 \
	"ALTER TABLE $(rt 16) RENAME TO index_sealed_99" "lacks the rows of the event's run"

run_verify "$T/nonexistent.db"
check "missing database exits 2" test "$rc" -eq 2

finish
