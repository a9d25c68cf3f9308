# tap.sh — TAP output for the shell test suites (tests/run counts the
# "ok"/"not ok" lines).  Source it.
#
#   ok DESC / nok DESC [COMMENT…]   one result line
#   check DESC COMMAND…             ok when COMMAND succeeds (its stdout
#                                   is discarded)
#   bail DESC                       a failing line, then exit 1
#   finish                          exit 0 if nothing failed
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift
	local l; for l in "$@"; do echo "# $l"; done
}
check() { # DESC COMMAND…
	local d=$1; shift
	if "$@" >/dev/null; then ok "$d"; else nok "$d"; fi
}
finish() { [ "$fails" -eq 0 ]; exit $?; }
bail() { echo "not ok $((n + 1)) - $1"; exit 1; }
