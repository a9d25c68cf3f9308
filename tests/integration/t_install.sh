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

# What else make install installs: the man pages, the bash completion, the
# example config and the sample alert rules.
for f in share/man/man1/envelog.1 share/man/man5/envelogd.conf.5 share/man/man8/envelogd.8 \
	share/bash-completion/completions/envelog share/bash-completion/completions/envelogd \
	share/doc/envelog/examples/envelogd.conf.example share/doc/envelog/examples/envelog.rules.yml; do
	check "make install installs $f" test -s "$P/$f"
done
check "the installed envelogd(8) names the installed config file" grep -qF "$P/etc/envelog/envelogd.conf" "$P/share/man/man8/envelogd.8"

# FHS defaults of the installed programs (PREFIX=$P: SYSCONFDIR $P/etc,
# LOCALSTATEDIR $P/var): every envelog command defaults --db to
# $P/var/lib/envelog/envelog.db, and envelogd reads
# $P/etc/envelog/envelogd.conf when it exists; the build tree's keep ./var/.
flat() { tr -s ' \n' '  '; } # --help with its lines joined

check "installed envelog: --db defaults to LOCALSTATEDIR/lib/envelog/envelog.db" \
	grep -qF "(default $P/var/lib/envelog/envelog.db)" <<<"$("$P/bin/envelog" init --help | flat)"
check "installed envelogd: the same default database" \
	grep -qF "(default $P/var/lib/envelog/envelog.db)" <<<"$("$P/sbin/envelogd" --help | flat)"
check "installed envelogd: the config file is SYSCONFDIR/envelog/envelogd.conf" \
	grep -qF "(default $P/etc/envelog/envelogd.conf)" <<<"$("$P/sbin/envelogd" --help | flat)"
check "build tree envelog: --db defaults to ./var/envelog.db (make run)" \
	grep -qF "(default ./var/envelog.db)" <<<"$("$B/envelog" verify --help | flat)"
mkdir -p "$P/var/lib/envelog"
(cd / && "$P/bin/envelog" init --origin fhs.example/log >/dev/null 2>&1)
check "installed envelog init from / writes the default database" test -f "$P/var/lib/envelog/envelog.db" -a -f "$P/var/lib/envelog/envelog.key"
tok=$(cd / && "$P/bin/envelog" token add --role ingest --label fhs 2>/dev/null)
check "installed envelog token add uses it too" test -n "$tok"
check "... and token list shows it" grep -q "fhs" <<<"$(cd / && "$P/bin/envelog" token list)"
mkdir -p "$P/etc/envelog"
port=$(free_port)
printf '# test\nlisten = 127.0.0.1:%s\nmax-events = 2\n' "$port" >"$P/etc/envelog/envelogd.conf"
(cd / && exec "$P/sbin/envelogd") 2>>"$T/server.log" &
SRV_PID=$! PORT=$port URL=http://127.0.0.1:$port
for _ in $(seq 1 100); do curl -s -o /dev/null "$URL/healthz" && break; sleep 0.05; done
req GET /v1/checkpoint
check "installed envelogd from / with no options: the default config and database" \
	test "$STATUS:$(head -n 1 <<<"$BODY")" = "200:fhs.example/log"
req POST /v1/events -H "Authorization: Bearer $tok" "${JSON[@]}" --data-binary "$(events 3 fhs)"
check "... the config file's max-events = 2 applies" test "$STATUS" = 413
stop_server
check "... and it stops cleanly" test "$SRV_RC" = 0

# The installed console removed: 404, not another tree's files.
rm -rf "$P/share/envelog/web"
SERVER=$P/sbin/envelogd SERVER_DIR=/ NO_WEB=1 start_server || bail "without its console"
req GET /
check "without the installed console, GET / is 404" test "$STATUS" = 404
stop_server
finish
