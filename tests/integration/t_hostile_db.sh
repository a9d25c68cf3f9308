#!/usr/bin/env bash
# A hostile database file (someone with write access to it): `envelog
# verify` names what is wrong and ends, whatever the rows say.  The
# corrupted-database corpus of tests/fuzz/fuzz_store goes further.
. "$(dirname "$0")/lib.sh"
E=$B/envelog

"$B/tests/tools/mklog" "$T/h.db" 6 3 >/dev/null 2>&1 || bail "mklog"
drop=$(sqlite3 "$T/h.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'")
cp "$T/h.db" "$T/h0.db"

# One entry moved to seq 2^63 - 1: the log's size reads as 2^63.  verify
# must stop at the gap (seq 5), not walk 2^63 empty ranges.
sqlite3 "$T/h.db" "$drop UPDATE entry SET seq = 9223372036854775807 WHERE seq = 5"
out=$($E verify --db "$T/h.db" 2>&1); rc=$?
check "an entry at seq 2^63-1: verify exits 1" test "$rc" = 1
check "naming the first missing seq" grep -q "seq 5: entry is missing" <<<"$out"

# A table gone: an error (exit 2), not a crash.
cp "$T/h0.db" "$T/h2.db"
sqlite3 "$T/h2.db" "$drop DROP TABLE tree_hash"
$E verify --db "$T/h2.db" >/dev/null 2>&1; rc=$?
check "a table dropped: verify exits 2" test "$rc" = 2

# Not a database at all.
head -c 8192 "$T/h0.db" >"$T/h3.db"
$E verify --db "$T/h3.db" >/dev/null 2>&1; rc=$?
check "a truncated file: verify exits 2" test "$rc" = 2
finish
