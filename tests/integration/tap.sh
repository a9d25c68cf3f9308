# shellcheck shell=bash
# tap.sh — TAP output for the shell test suites (tests/run counts the
# "ok", "not ok" and "ok … # SKIP" lines and checks them against the plan
# "1..N" that finish and bail print at the end).  Source it.
#
#   ok DESC / nok DESC [COMMENT…]   one result line
#   skip DESC REASON                a skipped result (fails a run under CI)
#   check DESC COMMAND…             ok when COMMAND succeeds (its stdout
#                                   is discarded)
#   bail DESC                       a failing line and the plan, then exit 1
#   finish                          the plan; exit 0 if nothing failed
#
# The counters are tap_n and tap_fails, names a suite will not reuse by
# chance (a suite that set n= once overwrote the count).
tap_n=0 tap_fails=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
nok() {
	tap_n=$((tap_n + 1)); tap_fails=$((tap_fails + 1))
	echo "not ok $tap_n - $1"; shift
	local l; for l in "$@"; do echo "# $l"; done
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
check() { # DESC COMMAND…
	local d=$1; shift
	if "$@" >/dev/null; then ok "$d"; else nok "$d"; fi
}
finish() { echo "1..$tap_n"; [ "$tap_fails" -eq 0 ]; exit $?; }
bail() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $1"; echo "1..$tap_n"; exit 1; }

# The event records of SQLite log $1, to read as a table: FROM $(records
# "$1").  Since schema 009 they are in one table per partition
# (event_data_pK).
records() {
	local u
	u=$(sqlite3 "$1" "SELECT group_concat(q, ' UNION ALL ') FROM (SELECT 'SELECT seq, ts, data FROM ' || name AS q FROM sqlite_schema WHERE type = 'table' AND name GLOB 'event_data_p[0-9]*' ORDER BY name)")
	printf '(%s)' "${u:-SELECT NULL AS seq, NULL AS ts, NULL AS data WHERE 0}"
}
