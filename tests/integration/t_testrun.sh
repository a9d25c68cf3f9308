#!/usr/bin/env bash
# tests/run's counting: fake suites (executables named like unit binaries,
# in a build folder of their own) print a pass, a skip, a short plan, a
# missing plan, nothing, or exit non-zero, and tests/run must count each
# as it is: skips apart from passes, every broken plan a failure, a skip a
# failure of the run under CI.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

mkdir -p "$T/tests"
fake() { # NAME, then the script's body
	printf '#!/bin/sh\n%s\n' "$2" >"$T/tests/test_fake_$1"
	chmod +x "$T/tests/test_fake_$1"
}
fake good 'echo 1..2; echo "ok 1 - a"; echo "ok 2 - b"'
fake planlast 'echo "ok 1 - a"; echo "not ok 2 - b # TODO later"; echo 1..2; exit 1'
fake skip 'echo 1..3; echo "ok 1 - a"; echo "ok 2 - b # SKIP no chromium"; echo "ok 3 # skip bare"'
fake short 'echo 1..3; echo "ok 1 - a"; echo "ok 2 - b"'
fake long 'echo 1..1; echo "ok 1 - a"; echo "ok 2 - b"'
fake noplan 'echo "ok 1 - a"'
fake nothing 'exit 0'
fake status 'echo 1..1; echo "ok 1 - a"; exit 3'
fake allskip 'echo "1..0 # SKIP nothing to do here"'
fake noskip 'echo "1..0"'

# run PATTERN [VAR=VALUE…]: tests/run over the fakes; sets rc and last
# (the closing line).
run() {
	local p=$1; shift
	env -u CI "$@" B="$T" FUZZ_B="$T/none" TEST_OUT="$T/out" tests/run "test_fake_$p" >"$T/log" 2>&1
	rc=$?
	last=$(tail -n 1 "$T/log")
}

run good
check "a suite that prints its plan first passes" test "$rc:$last" = "0:2 passed, 0 failed, 0 skipped"
run planlast
check "a plan at the end counts; its not ok fails" test "$rc:$last" = "1:1 passed, 1 failed, 0 skipped"
run skip
check "SKIP directives count as skipped, not passed" test "$rc:$last" = "0:1 passed, 0 failed, 2 skipped"
grep -q '^unit/test_fake_skip .* 1 passed, 0 failed, 2 skipped$' "$T/log"
check "the suite's own line says so" test $? = 0
run skip CI=true
check "under CI a skip fails the run" test "$rc:$last" = "1:1 passed, 0 failed, 2 skipped"
run skip CI=
check "an empty CI is not CI" test "$rc" = 0
run short
check "a plan longer than the results fails" test "$rc:$last" = "1:2 passed, 1 failed, 0 skipped"
grep -q 'planned 3 results and printed 2' "$T/log"
check "and says what it planned and printed" test $? = 0
run long
check "more results than the plan fails" test "$rc:$last" = "1:2 passed, 1 failed, 0 skipped"
run noplan
check "a missing plan fails" test "$rc:$last" = "1:1 passed, 1 failed, 0 skipped"
run nothing
check "a suite that prints nothing fails" test "$rc:$last" = "1:0 passed, 1 failed, 0 skipped"
grep -q 'printed nothing' "$T/log"
check "and is named as printing nothing" test $? = 0
run status
check "a non-zero exit with every result ok fails" test "$rc:$last" = "1:1 passed, 1 failed, 0 skipped"
run allskip
check "a plan 1..0 with a SKIP directive is one skip" test "$(tail -n 1 "$T/log")" = "0 passed, 0 failed, 1 skipped"
run noskip
check "1..0 without a reason is a failure" test "$rc:$last" = "1:0 passed, 1 failed, 0 skipped"
run ""
check "the run sums every suite" test "$rc:$last" = "1:10 passed, 7 failed, 3 skipped"

# The fuzz smoke is never skipped silently: without build-fuzz the run
# says so, and under CI that fails it.
env -u CI B="$T" FUZZ_B="$T/none" TEST_OUT="$T/out" tests/run fuzz/smoke >"$T/log" 2>&1
rc=$?
check "no build-fuzz: the fuzz smoke is a skip" test "$rc:$(tail -n 1 "$T/log")" = "1:0 passed, 0 failed, 1 skipped"
grep -q "$T/none/fuzz is absent" "$T/log"
check "that names what is missing" test $? = 0
CI=true B="$T" FUZZ_B="$T/none" TEST_OUT="$T/out" tests/run fuzz/smoke >"$T/log" 2>&1
check "and under CI fails the run" test $? = 1

# tap.sh's own plan: finish and bail print 1..n at the end.
out=$(bash -c '. tests/integration/tap.sh; ok a; skip b why; nok c; finish')
rc=$?
check "finish prints the plan and fails after a nok" test "$rc:$(tail -n 1 <<<"$out")" = "1:1..3"
check "skip prints a TAP skip" grep -qx 'ok 2 - b # SKIP why' <<<"$out"
out=$(bash -c '. tests/integration/tap.sh; ok a; bail b; ok never')
check "bail prints its failure and the plan" test "$?:$(tr '\n' '|' <<<"$out")" = "1:ok 1 - a|not ok 2 - b|1..2|"
finish
