#!/usr/bin/env bash
# envelogd's tiles driven by a client envelog shares no code with:
# tests/tools/tilecheck.go on Go's golang.org/x/mod/sumdb (tlog's
# TileHashReader over HTTP, note for the signed checkpoint).  It proves the
# tree hash of the checkpoint from the tiles and the inclusion of random
# leaves from the entry bundles, on the empty log, on a log with a full
# level-1 tile (65 536 leaves and more) and after growth, where it also
# proves through the tiles that the tree extends the earlier checkpoint;
# and it must fail on a forked checkpoint, on another log's key and on a
# tile whose stored hash was overwritten.
. "$(dirname "$0")/lib.sh"
TC=$B/tests/tools/tilecheck
[ -x "$TC" ] || bail "$TC is not built (make check builds it; needs golang-go)"

# tilecheck_ok DESC: tilecheck passes and agrees with the oracle's state
tilecheck_ok() {
	local out st
	out=$("$TC" "$URL/tlog" "$VKEY" 40 2>"$T/tc.err")
	if st=$(log_state) && [ "${out% *}" = "ok $st" ]; then ok "$1"
	else nok "$1" "tilecheck: $out $(cat "$T/tc.err")" "oracle: $st"; fi
}

start_server || bail "server starts"
tilecheck_ok "the empty log: tree hash from no tiles"
stop_server

"$B/tests/tools/mklog" "$DB" 66000 6000 >/dev/null || bail "mklog"
sqlite3 "$DB" ".backup '$T/fork.db'"; cp "$KEY" "$T/fork.key"
start_server || bail "server restarts"
post_events "7 events through the server" "$(events 7 g)"
curl -s -o "$T/cp_old" "$URL/v1/checkpoint"
# A fork: the same log key, 7 other events on the same 66 000.
"$B/tests/tools/mklog" "$T/fork.db" 7 7 >/dev/null || bail "mklog fork"
sqlite3 "$T/fork.db" "SELECT writefile('$T/cp_fork', note) FROM checkpoint WHERE size = 66007" >/dev/null
tilecheck_ok "66 007 leaves: tree hash and 42 inclusion proofs through the tiles"
out=$("$TC" "$URL/tlog" "$VKEY" 40)
check "it proved 42 leaves (random, first, last)" test "${out##* }" = 42
post_events "300 more events" "$(events 300 h)"
tilecheck_ok "after growth: tree hash and inclusion proofs again"
"$TC" "$URL/tlog" "$VKEY" 5 "$T/cp_old" >/dev/null 2>"$T/tc.err"
check "the tree after growth extends the checkpoint of 66 007 (consistency through the tiles)" test $? = 0
check "it says so" grep -q "extends the old checkpoint of 66007" "$T/tc.err"
"$TC" "$URL/tlog" "$VKEY" 5 "$T/cp_fork" >/dev/null 2>"$T/tc.err"
check "a forked checkpoint of 66 007 (same key, other events): exit 1" test $? = 1
check "it says the tree does not extend it" grep -q "does not extend the old one of 66007" "$T/tc.err"

"$B/envelog" init --db "$T/other.db" --origin test.example/log >"$T/other.vkey" 2>/dev/null
"$TC" "$URL/tlog" "$(cat "$T/other.vkey")" 2>"$T/tc.err" >/dev/null
check "another log's key (same origin): exit 1" test $? = 1
check "and it says the checkpoint does not verify" grep -q "checkpoint" "$T/tc.err"

# Overwrite the stored hash of leaves [0,256) (tree_hash id 510: tlog's
# stored index of level 8, index 0), served in tile/1/000.
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER IF EXISTS tree_hash_no_update")
db.execute("UPDATE tree_hash SET hash = zeroblob(32) WHERE id = 510")
db.commit()
PY
curl -s "$URL/tlog/tile/1/000" | head -c 32 | od -An -v -tx1 | tr -d " \n" >"$T/h0"
check "tile/1/000 now serves the overwritten hash" test "$(cat "$T/h0")" = "$(printf '%064d' 0)"
"$TC" "$URL/tlog" "$VKEY" 2>"$T/tc.err" >/dev/null
check "a tampered tile: exit 1" test $? = 1
check "and it names the inconsistent tiles" grep -qi "tile" "$T/tc.err"
finish
