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
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift
	local l; for l in "$@"; do echo "# $l"; done
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { # DESC COMMAND…
	local d=$1; shift
	if "$@" >/dev/null; then ok "$d"; else nok "$d"; fi
}
finish() { echo "1..$n"; [ "$fails" -eq 0 ]; exit $?; }
bail() { n=$((n + 1)); echo "not ok $n - $1"; echo "1..$n"; exit 1; }
