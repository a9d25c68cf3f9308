#!/usr/bin/env bash
# The console is found wherever envelogd runs: `make install PREFIX=…`
# into a temporary directory, then the installed envelogd started from /
# without --web serves the installed console; the build tree's envelogd,
# started from / without --web, serves this tree's web/.  Only config.c is
# compiled again for the installed binary.
. "$(dirname "$0")/lib.sh"

P=$T/prefix
# The build the suites run against (B, and SANITIZE under tests/sanitize).
make --no-print-directory B="$B" SANITIZE="${SANITIZE:-}" PREFIX="$P" DESTDIR= \
	install >"$T/make.log" 2>&1
rc=$?
[ "$rc" = 0 ] || tail -n 20 "$T/make.log" | sed 's/^/# /'
check "make install PREFIX=<tmp> DESTDIR= succeeds" test "$rc" = 0
check "it installs envelogd in sbin, envelog in bin" test -x "$P/sbin/envelogd" -a -x "$P/bin/envelog" -a ! -e "$P/bin/envelogd"
check "and the console" cmp -s web/index.html "$P/share/envelog/web/index.html"
"$P/sbin/envelogd" --help >"$T/help" 2>&1
check "the installed envelogd's default --web is the installed console" \
	grep -qF "$P/share/envelog/web)" "$T/help"

# console DESC: GET / answers 200 with web/index.html, and an asset.
console() {
	req GET /
	if [ "$STATUS" = 200 ] && [ "$BODY" = "$(cat web/index.html)" ]; then ok "$1: GET / is the console's index.html"
	else nok "$1: GET / is the console's index.html" "status $STATUS" "${BODY:0:200}"; fi
	req GET /app.js
	if [ "$STATUS" = 200 ] && [ "$BODY" = "$(cat web/app.js)" ]; then ok "$1: GET /app.js is the console's"
	else nok "$1: GET /app.js is the console's" "status $STATUS"; fi
}

SERVER=$P/sbin/envelogd SERVER_DIR=/ NO_WEB=1 start_server || bail "the installed envelogd starts from /"
console "installed, run from /"
stop_server
check "and stops cleanly" test "$SRV_RC" = 0

SERVER_DIR=/ NO_WEB=1 start_server || bail "the build tree's envelogd starts from /"
console "build tree, run from /"
stop_server

# --web still wins over the default.
mkdir -p "$T/other"
echo "another console" >"$T/other/index.html"
SERVER=$P/sbin/envelogd SERVER_DIR=/ NO_WEB=1 start_server --web "$T/other" || bail "--web DIR"
req GET /
check "--web DIR overrides the default" test "$STATUS:$BODY" = "200:another console"
stop_server

# The installed console removed: 404, not another tree's files.
rm -rf "$P/share/envelog/web"
SERVER=$P/sbin/envelogd SERVER_DIR=/ NO_WEB=1 start_server || bail "without its console"
req GET /
check "without the installed console, GET / is 404" test "$STATUS" = 404
stop_server
finish
