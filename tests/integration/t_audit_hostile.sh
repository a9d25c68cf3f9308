#!/usr/bin/env bash
# `envelog audit` against a hostile server (a tiny python3 http.server on a
# free loopback port) whose answers carry terminal escape sequences: what
# audit prints never holds a raw control character, in error bodies (JSON
# or not), served checkpoints or its JSON output.
. "$(dirname "$0")/lib.sh"
E=$B/envelog

# The server answers every GET with the status and body in $T/answer.status
# and $T/answer.body, read anew for each request.
cat >"$T/hostile_server.py" <<'PY'
import http.server, sys
d = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = int(open(d + "/answer.status").read())
        body = open(d + "/answer.body", "rb").read()
        self.send_response(status)
        self.send_header("Content-Type", open(d + "/answer.type").read().strip())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
HPORT=$(free_port)
answer() { # STATUS TYPE BODY(printf format)
	echo "$1" >"$T/answer.status"; echo "$2" >"$T/answer.type"
	# shellcheck disable=SC2059 # the body is given as a format
	printf "$3" >"$T/answer.body"
}
answer 200 text/plain 'x\n'
python3 "$T/hostile_server.py" "$HPORT" "$T" &
HPID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$HPORT/" && break; sleep 0.05; done

# raw_ctl FILE: 0 if FILE holds a byte below 0x20 other than newline, DEL,
# or a UTF-8 C1 control (U+0080..U+009F).
raw_ctl() {
	python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
t = b.decode("utf-8", "replace")
sys.exit(0 if any((ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f for c in t) else 1)' "$1"
}
audit() { # ARGS… -> $T/out, $T/err, RC
	rm -f "$T/state"
	"$E" audit --url "http://127.0.0.1:$HPORT" --vkey "$VKEY" --state "$T/state" "$@" \
		>"$T/out" 2>"$T/err"
	RC=$?
}

answer 500 application/json ''
# JSON escapes in a string: \u001b, \u0007 are control characters too.
printf '{"error":{"code":"internal\\u001b[1m","message":"boom \\u001b]0;pwned\\u0007 \\u001b[2J \\u009b31m","detail":{}}}' >"$T/answer.body"
audit
check "a JSON error body: audit exits 2" test "$RC" = 2
check "the message is printed" grep -q "boom" "$T/err"
check "with its escapes made visible" grep -qF 'boom \x1b]0;pwned\x07 \x1b[2J \u009b31m' "$T/err"
if raw_ctl "$T/err"; then nok "a JSON error body: no raw control character on stderr"; else ok "a JSON error body: no raw control character on stderr"; fi
if raw_ctl "$T/out"; then nok "a JSON error body: no raw control character on stdout"; else ok "a JSON error body: no raw control character on stdout"; fi

answer 502 text/html "<html>\033[2J\033]0;title\007 bad gateway \033[?1049h\302\233m\377</html>"
audit
check "a non-JSON error body: audit exits 2" test "$RC" = 2
check "its text is printed with escapes visible" grep -qF '\x1b[2J\x1b]0;title\x07 bad gateway \x1b[?1049h\u009bm\xff' "$T/err"
if raw_ctl "$T/err"; then nok "a non-JSON error body: no raw control character on stderr"; else ok "a non-JSON error body: no raw control character on stderr"; fi

audit --json
check "--json: audit exits 2" test "$RC" = 2
if raw_ctl "$T/err"; then nok "--json: no raw control character on stderr"; else ok "--json: no raw control character on stderr"; fi
if raw_ctl "$T/out"; then nok "--json: no raw control character on stdout"; else ok "--json: no raw control character on stdout"; fi

# A checkpoint whose signature fails is shown as evidence: escaped too.
answer 200 'text/plain; charset=utf-8' "test.example/log\n5\n\033[2J\033]0;x\007AAAA=\n\n\342\200\224 test.example/log \033[31mAAAA\n"
audit
check "a forged checkpoint: audit exits 1" test "$RC" = 1
check "the served checkpoint is shown" grep -q "checkpoint served now" "$T/out"
check "its escapes made visible" grep -qF '\x1b[2J\x1b]0;x\x07AAAA=' "$T/out"
if raw_ctl "$T/out"; then nok "a forged checkpoint: no raw control character on stdout"; else ok "a forged checkpoint: no raw control character on stdout"; fi
check "the state file was not written" test ! -e "$T/state"

kill "$HPID"; wait "$HPID" 2>/dev/null
finish
