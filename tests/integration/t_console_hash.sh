#!/usr/bin/env bash
# The standalone console's SHA-256 recorded in CHANGELOG.md is the one
# `make console` builds from this tree's web/ (so a change to web/ updates
# it), and the build is deterministic: the same bytes from a copy of web/
# elsewhere, with other file times, built twice.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

command -v node >/dev/null || bail "node is installed (make deps)"
# The line the changelog records: "… `envelog-console.html` SHA-256 `HEX` …"
recorded=$(grep -oE 'envelog-console\.html` SHA-256 `[0-9a-f]{64}`' CHANGELOG.md | grep -oE '[0-9a-f]{64}')
check "CHANGELOG.md records one SHA-256 of envelog-console.html" test "$(wc -w <<<"$recorded")" = 1

out=$(make --no-print-directory -s B="$T/b" console 2>&1)
built=${out%% *}
check "make console prints the SHA-256 of the file it built" \
	test "$built" = "$(sha256sum "$T/b/envelog-console.html" | cut -d' ' -f1)"
if [ "$built" = "$recorded" ]; then ok "the recorded SHA-256 is the one make console builds"
else nok "the recorded SHA-256 is the one make console builds" \
	"recorded $recorded" "built    $built" "(web/ changed: record the new hash in CHANGELOG.md)"; fi

# Deterministic: a copy of web/ elsewhere, files touched to other times
# and listed in another order on disk, built twice.
mkdir -p "$T/w2"
for f in $(cd web && printf '%s\n' * | sort -r); do cp "web/$f" "$T/w2/$f"; touch -d "2001-02-03 04:05:06" "$T/w2/$f"; done
node src/console/bundle.mjs "$T/w2" "$T/c1.html" >/dev/null
node src/console/bundle.mjs "$T/w2" "$T/c2.html" >/dev/null
check "the build is deterministic: a copy of web/ elsewhere gives the same bytes, twice" \
	test "$(sha256sum <"$T/c1.html")" = "$(sha256sum <"$T/b/envelog-console.html")" -a \
	"$(sha256sum <"$T/c2.html")" = "$(sha256sum <"$T/c1.html")"
TZ=Pacific/Kiritimati LC_ALL=C node src/console/bundle.mjs web "$T/c3.html" >/dev/null
check "... and under another time zone and locale" cmp -s "$T/c3.html" "$T/c1.html"
finish
