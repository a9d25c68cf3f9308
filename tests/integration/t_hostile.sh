#!/usr/bin/env bash
# Hostile HTTP input: slow headers and bodies, bodies that never end, more
# connections than the limits, header floods, very long URLs, path
# traversal in the static file handler, HTTP/1.0 and pipelining, methods
# not allowed.  After each, the server still answers /healthz and the log
# (size and root of the signed checkpoint) is unchanged.  Raw sockets are
# tests/integration/hostile.py.
. "$(dirname "$0")/lib.sh"
H=tests/integration/hostile.py
export INGEST

# The console's files, a secret beside them, and ways out of the web root.
mkdir -p "$T/web/sub" "$T/outside"
echo '<h1>console</h1>' >"$T/web/index.html"
echo 'inner page' >"$T/web/sub/page.txt"
echo 'TOPSECRET beside' >"$T/secret.txt"
echo 'TOPSECRET outside' >"$T/outside/secret.txt"
echo 'TOPSECRET hidden' >"$T/web/.hidden"
ln -s "$T/outside/secret.txt" "$T/web/link.txt"
ln -s ../outside/secret.txt "$T/web/sub/rel.txt"
ln -s "$T/outside" "$T/web/outdir"

start_server --timeout 2 --request-timeout 4 || bail "server starts"
post_events "a few events to start with" "$(events 5 start)"
STATE0=$(log_state) || bail "log_state"

unchanged() { # DESC
	expect_status "$1: /healthz still answers" 200 GET /healthz
	local st
	st=$(log_state)
	if [ "$st" = "$STATE0" ]; then ok "$1: the log is unchanged"
	else nok "$1: the log is unchanged" "was $STATE0, now $st"; fi
}

# raw NAME — send $T/raw.NAME (written by the caller) on one connection;
# RAW: the statuses answered, in order; the responses are in $T/raw.NAME.out
raw() { RAW=$(python3 "$H" raw "$PORT" "$T/raw.$1"); }

# wait_for FILE — a bounded wait for a background client to be ready
wait_for() {
	local i
	for i in $(seq 1 100); do [ -e "$1" ] && return 0; sleep 0.05; done
	return 1
}

# ---- slow clients: dropped after the timeout, others served meanwhile ----
for kind in headers body chunked; do
	python3 "$H" slow "$PORT" "$kind" 6 "$T/ready.$kind" >"$T/slow.$kind" &
	eval "pid_$kind=$!"
done
{ wait_for "$T/ready.headers" && wait_for "$T/ready.body" && wait_for "$T/ready.chunked"; } ||
	nok "the slow clients connect"
expect_status "with 18 slow clients connected, /healthz answers" 200 GET /healthz
expect_status "with 18 slow clients connected, /v1/checkpoint answers" 200 GET /v1/checkpoint
# shellcheck disable=SC2154 # set by the eval above
wait "$pid_headers" "$pid_body" "$pid_chunked"
check "slow headers: all 6 dropped without an answer" grep -qx 'closed 6/6 answered 0' "$T/slow.headers"
check "slow body: all 6 dropped without an answer" grep -qx 'closed 6/6 answered 0' "$T/slow.body"
check "a chunked body that never ends: all 6 dropped without an answer" \
	grep -qx 'closed 6/6 answered 0' "$T/slow.chunked"
unchanged "slow clients"

# ---- a body that trickles in, never idle: ended by --request-timeout ----
check "a trickling body is cut off after the request timeout" \
	test "$(python3 "$H" trickle "$PORT")" = closed
unchanged "a trickling body"

# ---- header floods ----
{
	printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'
	for ((i = 0; i < 5000; i++)); do printf 'X-Flood-%d: v\r\n' "$i"; done
	printf '\r\n'
} >"$T/raw.many"
raw many
check "5000 headers: 431" test "$RAW" = 431
unchanged "5000 headers"
{
	printf 'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n' "$INGEST"
	printf 'Content-Type: application/json\r\nX-Huge: %0200000d\r\nContent-Length: 2\r\n\r\n[]' 0
} >"$T/raw.huge"
raw huge
check "one 200 kB header on an ingest request: 431" test "$RAW" = 431
unchanged "a 200 kB header"

# ---- very long URLs and query strings ----
printf 'GET /healthz?q=%0100000d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' 0 >"$T/raw.longq"
raw longq
check "a 100 kB query string: 414" test "$RAW" = 414
printf 'GET /%0100000d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' 0 >"$T/raw.longp"
raw longp
check "a 100 kB path: 414" test "$RAW" = 414
unchanged "100 kB URLs"
pad=$(printf '%020000d' 0)
expect_status "a 20 kB query parameter within the limits is served" 200 GET "/healthz?pad=$pad"
expect_error "a 20 kB number as a parameter" 400 parameter_out_of_range GET "/v1/leaves?start=0&end=1$pad"
expect_error "a 20 kB path under /v1/" 404 not_found GET "/v1/$pad"
expect_status "a 20 kB path outside /v1/" 404 GET "/$pad"
{
	printf 'GET /healthz?'
	for ((i = 0; i < 4000; i++)); do printf 'a%d=1&' "$i"; done
	printf ' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
} >"$T/raw.params"
raw params
# libmicrohttpd runs out of its per-connection memory parsing these and
# closes the connection, with or without its 431.
case $RAW in none | 431) ok "4000 query parameters: refused ($RAW)" ;;
*) nok "4000 query parameters: refused" "answered $RAW" ;; esac
unchanged "long URLs"

# ---- a NUL in a query value: 400 with the JSON error shape, never read as
# the digits before it ----
expect_error "index=1%00abc is refused, not read as 1" 400 invalid_parameter \
	GET "/v1/proof/inclusion?index=1%00abc&size=5"
check "the error names the parameter" jq -e '.error.detail.field == "index"' <<<"$BODY"
expect_error "start=0%00 on /v1/leaves is refused" 400 invalid_parameter GET "/v1/leaves?start=0%00&end=1"
expect_error "size=5%00 on /v1/checkpoint is refused" 400 invalid_parameter GET "/v1/checkpoint?size=5%00"
expect_error "a NUL in a parameter's name is refused" 400 invalid_parameter GET "/v1/leaves?start=0&end=1&x%00y=1"
expect_error "a NUL in a query on a static path is refused" 400 invalid_parameter GET "/?q=%00"
expect_error "a NUL in an ingest request's query is refused" 400 invalid_parameter \
	POST "/v1/events?x=%00" "${AUTH[@]}" "${JSON[@]}" --data-binary "$(events 1 nul)"
unchanged "NUL in a query"

# ---- an HTTP version libmicrohttpd does not speak: 505 (its own HTML body,
# see docs/SECURITY.md) ----
printf 'GET /healthz HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n' >"$T/raw.v2"
raw v2
check "HTTP/2.0 in the request line: 505" test "$RAW" = 505
unchanged "HTTP/2.0 request line"

# ---- path traversal in the static file handler ----
expect_status "the console's index is served" 200 GET /
check "  with its content" grep -q console <<<"$BODY"
expect_status "a file in a subdirectory is served" 200 GET /sub/page.txt
check "  with its content" test "$BODY" = "inner page"
for p in /../secret.txt /sub/../../secret.txt /%2e%2e/secret.txt /%2E%2E/secret.txt \
	/sub/%2e%2e/%2e%2e/secret.txt /..%2fsecret.txt /%2e%2e%2fsecret.txt \
	/sub%2f..%2f..%2fsecret.txt /%252e%252e/secret.txt /%252e%252e%252fsecret.txt \
	/..%5csecret.txt /..%255csecret.txt /. /.. /.hidden /%2ehidden /sub/. \
	/link.txt /sub/rel.txt /outdir/secret.txt /outdir/ /outdir \
	"//$T/secret.txt" "/$T/outside/secret.txt" /index.html/ /index.html/..; do
	req GET "$p" --path-as-is
	if [ "$STATUS" = 404 ] && ! grep -q TOPSECRET <<<"$BODY" &&
		jq -e '.error.code == "not_found"' <<<"$BODY" >/dev/null 2>&1; then
		ok "GET $p: 404 not_found"
	else
		nok "GET $p: 404 not_found" "status $STATUS" "${BODY:0:200}"
	fi
done
printf 'GET ../secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >"$T/raw.rel"
raw rel
check "a request target without a leading slash is not served" test "$RAW" != 200
check "  and nothing outside the web root came back" eval '! grep -q TOPSECRET "$T/raw.rel.out"'
unchanged "path traversal"

# ---- HTTP/1.0 and pipelining ----
printf 'GET /healthz HTTP/1.0\r\n\r\n' >"$T/raw.h10"
raw h10
check "HTTP/1.0 without Host: 200, then the server closes" test "$RAW" = 200
check "  with the health answer" grep -q '"status":"ok"' "$T/raw.h10.out"
expect_status "curl --http1.0 /v1/checkpoint" 200 GET /v1/checkpoint --http1.0
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /v1/key HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /v1/leaves?start=0&end=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >"$T/raw.pipe"
raw pipe
check "four pipelined requests are answered in order: 200 200 200 404" test "$RAW" = "200 200 200 404"
check "  the second answer is the log's key" grep -qF "$VKEY" "$T/raw.pipe.out"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /v1/checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >"$T/raw.pipe405"
raw pipe405
check "a 405 in a pipeline does not stop the next: 200 405 200" test "$RAW" = "200 405 200"
printf '\x00\xff\xfe garbage\r\n\r\n' >"$T/raw.garbage"
raw garbage
check "bytes that are not HTTP get no success" test "${RAW%% *}" != 200
unchanged "HTTP/1.0, pipelining and garbage"

# ---- methods not allowed: 405 with Allow ----
not_allowed() { # METHOD PATH ALLOW
	req "$1" "$2"
	local allow
	allow=$(grep -i '^Allow:' <<<"$HDRS" | cut -d' ' -f2- | tr -d '\r')
	if [ "$STATUS" = 405 ] && [ "$allow" = "$3" ] &&
		jq -e '.error.code == "method_not_allowed"' <<<"$BODY" >/dev/null 2>&1; then
		ok "$1 $2: 405, Allow: $3"
	else
		nok "$1 $2: 405, Allow: $3" "status $STATUS, Allow: $allow" "${BODY:0:200}"
	fi
}
not_allowed DELETE /v1/checkpoint "GET, HEAD"
not_allowed PUT /v1/events "POST"
not_allowed GET /v1/events "POST"
not_allowed GET /v1/requests "POST"
not_allowed POST /healthz "GET, HEAD"
not_allowed PATCH /v1/leaves "GET, HEAD"
not_allowed OPTIONS /v1/events "POST" # a read answers a CORS preflight (t_cors.sh)
not_allowed TRACE /metrics "GET, HEAD"
not_allowed BREW /v1/proof/inclusion "GET, HEAD"
not_allowed POST / "GET, HEAD"
not_allowed DELETE /index.html "GET, HEAD"
unchanged "methods not allowed"
stop_server TERM
check "the server exits 0 on SIGTERM after all that" test "$SRV_RC" = 0

# ---- more connections than --max-connections ----
start_server --timeout 2 --threads 1 --max-connections 4 || bail "server with 4 connections"
python3 "$H" hold "$PORT" 4 "$T/ready.limit" "$T/never" 127.0.0.2 >"$T/hold.limit" &
hpid=$!
wait_for "$T/ready.limit" || nok "4 idle connections are opened"
python3 "$H" get "$PORT" 127.0.0.3 /healthz >"$T/get.limit" &
gpid=$!
# The 4 cannot be dropped before the 2 s timeout, so an answer within the
# first half second would break the limit (a slow machine only makes this
# check weaker, never wrong).
sleep 0.5
check "a fifth connection is not served while 4 are held" test ! -s "$T/get.limit"
wait "$hpid"
check "the 4 idle connections are dropped after the timeout" grep -qx 'held 4 closed-by-server 4' "$T/hold.limit"
wait "$gpid"
check "the fifth is served once they are gone" grep -qx 200 "$T/get.limit"
unchanged "more connections than the limit"
stop_server TERM

# ---- more connections from one address than --max-per-ip ----
start_server --timeout 2 --max-per-ip 2 || bail "server with 2 per IP"
python3 "$H" hold "$PORT" 2 "$T/ready.ip" "$T/release.ip" 127.0.0.1 >"$T/hold.ip" &
hpid=$!
wait_for "$T/ready.ip" || nok "2 idle connections are opened"
got=$(python3 "$H" get "$PORT" 127.0.0.1 /healthz)
check "a third connection from 127.0.0.1 is not served (got $got)" test "$got" = none
got=$(python3 "$H" get "$PORT" 127.0.0.2 /healthz)
check "another address is served meanwhile" test "$got" = 200
touch "$T/release.ip"
wait "$hpid"
got=$(python3 "$H" get "$PORT" 127.0.0.1 /healthz)
check "127.0.0.1 is served again once its connections are closed" test "$got" = 200
unchanged "more connections per IP than the limit"
stop_server TERM
check "and exits 0" test "$SRV_RC" = 0
finish
