#!/usr/bin/env bash
# make lint, as make check runs it: the C sources as .clang-format formats
# them, no banned function in them, every shell script shellcheck-clean
# (.ci/lint); and the checks themselves catch what they are for.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/tap.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for tool in clang-format shellcheck cc; do
	command -v "$tool" >/dev/null || bail "$tool is not installed (make deps)"
done

# lint DESC CHECK: .ci/lint CHECK passes; what it says otherwise.
lint() {
	if .ci/lint "$2" >"$T/out" 2>&1; then ok "$1"
	else nok "$1" "$(head -n 20 "$T/out")"; fi
}
lint "every C source is formatted as .clang-format says" format
lint "no banned function in src/ or include/" banned
lint "every shell script is shellcheck-clean" shell
n=$(.ci/lint --files shell | wc -l)
check "the shell scripts checked include the suites, tests/run and .ci/deps ($n)" \
	test "$(.ci/lint --files shell | grep -cxE 'tests/run|\.ci/deps|tests/integration/lib\.sh|tests/integration/t_lint\.sh')" = 4

# The checks find what they look for.
cat >"$T/bad.c" <<'C'
/* sprintf(buf, "in a comment") is not a call */
static const char *s = "strcpy(in a string)";
int f(char *b, const char *a)
{
	sprintf(b, "%s", a);
	strcpy(b, a);
	return atoi(a) + (int)strlen(s);
}
C
out=$(.ci/checksrc "$T/bad.c"); rc=$?
check "checksrc fails on banned calls" test "$rc" = 1
check "and names each, with its line, not the ones in comments or strings" \
	test "$out" = "$T/bad.c:5: banned function sprintf
$T/bad.c:6: banned function strcpy
$T/bad.c:7: banned function atoi"
sed 's/^\t/  /' src/lib/param.c >"$T/param.c"
check "clang-format --dry-run with .clang-format finds a file indented otherwise" \
	test -n "$(clang-format --style=file:.clang-format --dry-run "$T/param.c" 2>&1)"
printf '#!/bin/sh\nfor f in $(ls *.txt); do echo $f; done\n' >"$T/bad.sh"
check "shellcheck with .shellcheckrc fails on a careless script" \
	test -n "$(shellcheck "$T/bad.sh" 2>&1)"
finish
