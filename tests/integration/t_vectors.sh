#!/usr/bin/env bash
# The vectors: tests/vectors is in step with the reference copy beside the
# repository (../shared/vectors), when there is one; and the unit tests
# that read vectors (those including vectors.h) pass against other sets of
# the same layout that tests/tools/mkvectors writes (another origin, other
# keys, another record count, another warrant id), read through
# ELOG_VECTORS; so does the console's verifier test (verify.test.mjs).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

REF=../shared/vectors
if [ -d "$REF" ]; then
	missing=() differ=()
	while IFS= read -r -d '' f; do
		rel=${f#"$REF"/}
		[ "$rel" = README.md ] && continue # ours keeps the attribution
		if [ ! -f "tests/vectors/$rel" ]; then missing+=("$rel")
		elif ! cmp -s "$f" "tests/vectors/$rel"; then differ+=("$rel"); fi
	done < <(find "$REF" -type f -print0)
	if [ "${#missing[@]}" -eq 0 ]; then ok "every file of $REF is in tests/vectors"
	else nok "every file of $REF is in tests/vectors" "missing: ${missing[*]:0:20}"; fi
	if [ "${#differ[@]}" -eq 0 ]; then ok "and the same"
	else nok "and the same" "differ: ${differ[*]:0:20}"; fi
else
	echo "# no $REF beside the repository: tests/vectors is not compared"
fi

[ -x "$B/tests/tools/mkvectors" ] || bail "$B/tests/tools/mkvectors is not built"
units=()
for src in tests/unit/test_*.c; do
	grep -q '#include "vectors.h"' "$src" || continue
	t=$B/tests/$(basename "$src" .c)
	[ -x "$t" ] || bail "$t is not built"
	units+=("$t")
done
[ "${#units[@]}" -gt 0 ] || bail "no unit test reads vectors"

# vector_set NAME RECORDS ORIGIN AUTHORITY WARRANT-ID: write a set and run
# every vector-reading unit test against it.
vector_set() {
	local name=$1 t; shift
	if "$B/tests/tools/mkvectors" "$T/$name" "$@" 2>"$T/mk.err"; then
		ok "mkvectors writes the $name set ($1 records, origin $2)"
	else
		nok "mkvectors writes the $name set" "$(head -3 "$T/mk.err")"
		return
	fi
	for t in "${units[@]}"; do
		if ELOG_VECTORS=$T/$name CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$T/out" 2>&1 &&
			! grep -q '^not ok' "$T/out"; then
			ok "$(basename "$t") passes on the $name set"
		else
			nok "$(basename "$t") passes on the $name set"
			grep -E '^not ok|error|Error' "$T/out" | head -10 | sed 's/^/# /'
		fi
	done
	# The console's verifier reads the same sets.
	if ELOG_VECTORS=$T/$name node tests/browser/verify.test.mjs >"$T/out" 2>&1 &&
		! grep -q '^not ok' "$T/out"; then
		ok "verify.test.mjs (the console's verifier) passes on the $name set"
	else
		nok "verify.test.mjs (the console's verifier) passes on the $name set"
		grep -E '^not ok' -A8 "$T/out" | head -20 | sed 's/^/# /'
	fi
}
vector_set generated 173 vectors.test/generated-log-2 generated-authority GEN/2024/0173
vector_set small 8 small.example/log authority-9 S-8

# Without ELOG_VECTORS the tests read tests/vectors, from a tree with no
# ../shared beside it; ELOG_VECTORS naming an empty folder fails them.
abs=$(cd "$B" && pwd)
mkdir -p "$T/alone/envelog/tests" "$T/empty"
ln -s "$PWD/tests/vectors" "$T/alone/envelog/tests/vectors"
(cd "$T/alone/envelog" && env -u ELOG_VECTORS "$abs/tests/$(basename "${units[0]}")" >"$T/out" 2>&1)
check "without ELOG_VECTORS, $(basename "${units[0]}") reads tests/vectors (no ../shared)" test $? = 0
ELOG_VECTORS=$T/empty "${units[0]}" >"$T/out" 2>&1
check "ELOG_VECTORS naming an empty folder fails it" test $? != 0
finish
