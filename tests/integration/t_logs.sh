#!/usr/bin/env bash
# The request log (docs/OPERATIONS.md, "Logs"): one logfmt line per request
# on stderr with level, request id (the X-Request-Id the client got), method,
# route pattern, status, bytes, duration, role and token label; never a
# token, an identifier, an event field, a query or a path's values.
. "$(dirname "$0")/lib.sh"

LABEL="relay eu-1"
TOKEN=$("$B/envelog" token add --db "$DB" --role ingest --label "$LABEL" 2>/dev/null) || bail "token add"
AUDITOR=$("$B/envelog" token add --db "$DB" --role auditor --label audit-office 2>/dev/null) || bail "token add auditor"
ODD=$("$B/envelog" token add --db "$DB" --role auditor --label 'say "hi" \ café' 2>/dev/null) || bail "token add odd label"
mkdir -p "$T/web" && echo '<!doctype html>' >"$T/web/index.html"
start_server || bail "server starts"

SENDER=+447700900987
RECIPIENT=acct:secret-group-42
body='[{"ts":'$(($(date +%s) * 1000))',"sender":"'$SENDER'","recipient":"'$RECIPIENT'","type":"message","size":2048,"device":"dev-xyz-77"}]'
req POST /v1/events -H "Authorization: Bearer $TOKEN" "${JSON[@]}" --data-binary "$body"
check "ingest: 201" test "$STATUS" = 201
id=$(tr -d '\r' <<<"$HDRS" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
check "the answer carries a 16-hex-digit X-Request-Id" grep -qE '^[0-9a-f]{16}$' <<<"$id"
req GET "/v1/leaves?start=0&end=1"
req GET /v1/disclosures -H "Authorization: Bearer $AUDITOR"
req GET /v1/disclosures -H "Authorization: Bearer not-a-token"
req GET /v1/report -H "Authorization: Bearer $ODD"
req GET /index.html
req GET /tlog/tile/0/000.p/1
req GET /v1/nothing-here
stop_server

line() { grep -E "$1" "$T/server.log" | head -n 1; }
l=$(line "id=$id ")
check "the ingest request's line is found by its request id" test -n "$l"
if [[ "$l" =~ ^ts=[0-9T:.-]+Z\ level=info\ msg=request\ id=$id\ method=POST\ route=/v1/events\ status=201\ bytes=[0-9]+\ duration_s=[0-9]+\.[0-9]{6}\ role=ingest\ token=\"relay\ eu-1\"$ ]]; then
	ok "it has level, id, method, route, status, bytes, duration, role and the token's label, in logfmt"
else nok "the ingest line's fields" "$l"; fi
check "the route is the pattern, without the query" \
	grep -qE 'method=GET route=/v1/leaves status=200 .* role=public$' "$T/server.log"
check "an auditor's request: role and label" \
	grep -qE 'route=/v1/disclosures status=200 .* role=auditor token=audit-office$' "$T/server.log"
check "an unknown token: level=warn, status 401, no role" \
	grep -qE 'level=warn .* route=/v1/disclosures status=401 .* role=public$' "$T/server.log"
check "a label with quotes, a backslash and UTF-8: quoted, escaped, non-ASCII as ?" \
	grep -qF 'route=/v1/report status=200' "$T/server.log"
check "... the whole value: token=\"say \\\"hi\\\" \\\\ caf??\"" \
	grep -qF 'role=auditor token="say \"hi\" \\ caf??"' "$T/server.log"
check "a static file: route=static, not its path" grep -qE 'method=GET route=static status=200 ' "$T/server.log"
check "a tile: the route's pattern, not the tile's coordinates" grep -qE 'route=/tlog/tile/ status=' "$T/server.log"
check "an unknown endpoint: route=unmatched, status 404" grep -qE 'route=unmatched status=404 ' "$T/server.log"
# start_server polls /healthz until it answers: those lines aside.
n=$(grep ' msg=request ' "$T/server.log" | grep -vc ' route=/healthz ')
check "one line per request (8)" test "$n" = 8
grep ' msg=request ' "$T/server.log" |
	grep -vE '^ts=[^ ]+ level=(info|warn|error) msg=request id=[0-9a-f]{16} method=[A-Z]+ route=[^ ]+ status=[0-9]{3} bytes=[0-9]+ duration_s=[0-9.]+ role=[a-z]+( token=("([^"\\]|\\.)*"|[^ "]+))?$' >"$T/odd-lines"
check "every request line is logfmt: these keys, bare or quoted values" test ! -s "$T/odd-lines"
sed 's/^/# /' "$T/odd-lines"
for secret in "$SENDER" "${SENDER#+}" "$RECIPIENT" dev-xyz-77 "$TOKEN" "$AUDITOR" "$ODD" not-a-token "start=" 000.p; do
	check "the log holds no ${secret:0:12}…" bash -c "! grep -qF -- '$secret' '$T/server.log'"
done
# Events while serving are logfmt lines too: level and a quoted msg.
check "the start: level=info msg=\"serving …\"" \
	grep -qE '^ts=[0-9T:.-]+Z level=info msg="serving test.example/log\+[0-9a-f]{8}\+[^ ]+ on http://127.0.0.1:[0-9]+ with [0-9]+ threads"$' "$T/server.log"
check "the shutdown: level=info msg=\"SIGTERM: shutting down\", then msg=stopped" \
	bash -c "grep -q '^ts=[^ ]* level=info msg=\"SIGTERM: shutting down\"\$' '$T/server.log' && tail -n 1 '$T/server.log' | grep -q ' level=info msg=stopped\$'"
ids=$(grep -o ' id=[0-9a-f]*' "$T/server.log" | sort | uniq -d | wc -l)
check "request ids are distinct" test "$ids" = 0
finish
