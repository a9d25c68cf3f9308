#!/usr/bin/env bash
# CORS: a console served from another origin, or from a file, reads the
# public API and the auditor's reads.  Their answers (errors too) carry
# Access-Control-Allow-Origin: *; a preflight OPTIONS is answered 204 with
# the methods and, for the auditor's reads, the Authorization header.  The
# writes and /metrics allow no other origin, and a preflight there is 405.
# No cookies are involved: no Allow-Credentials anywhere.
. "$(dirname "$0")/lib.sh"

AUD=$("$B/envelog" token add --db "$DB" --role auditor 2>/dev/null)
start_server || bail "server"
post_events "ingest" "[$(event 1772400000000)]"
BASE=$(log_state)
ORIGIN_H=(-H "Origin: null")
hdr() { # NAME: the value of header NAME in $HDRS, CR removed ("" if absent)
	grep -i "^$1:" <<<"$HDRS" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'
}
is() { # DESC WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$3', want '$2'"; fi
}

for p in /healthz /v1/checkpoint /v1/key "/v1/leaves?start=0&end=1" \
	"/v1/proof/inclusion?index=0&size=1" "/v1/proof/consistency?old=1&new=1"; do
	req GET "$p" "${ORIGIN_H[@]}"
	is "GET $p: 200" 200 "$STATUS"
	is "GET $p: Access-Control-Allow-Origin *" "*" "$(hdr Access-Control-Allow-Origin)"
done
req GET /v1/leaves?start=x -H "Origin: https://auditor.example"
is "an error of the public API: 400" 400 "$STATUS"
is "its body can be read elsewhere too" "*" "$(hdr Access-Control-Allow-Origin)"

for p in /v1/disclosures /v1/report; do
	req GET "$p" -H "Origin: https://auditor.example" -H "Authorization: Bearer $AUD"
	is "GET $p with the auditor token: 200" 200 "$STATUS"
	is "GET $p: Access-Control-Allow-Origin *" "*" "$(hdr Access-Control-Allow-Origin)"
	is "GET $p: no Allow-Credentials (no cookies)" "" "$(hdr Access-Control-Allow-Credentials)"
	req GET "$p" -H "Origin: https://auditor.example"
	is "GET $p without a token: 401" 401 "$STATUS"
	is "the 401 can be read elsewhere (its sentence shown)" "*" "$(hdr Access-Control-Allow-Origin)"
	req OPTIONS "$p" -H "Origin: https://auditor.example" \
		-H "Access-Control-Request-Method: GET" -H "Access-Control-Request-Headers: authorization"
	is "preflight OPTIONS $p: 204" 204 "$STATUS"
	is "preflight $p: Allow-Origin *" "*" "$(hdr Access-Control-Allow-Origin)"
	is "preflight $p: Allow-Methods" "GET, HEAD" "$(hdr Access-Control-Allow-Methods)"
	is "preflight $p: Allow-Headers Authorization" "Authorization" "$(hdr Access-Control-Allow-Headers)"
	is "preflight $p: Max-Age" "600" "$(hdr Access-Control-Max-Age)"
	is "preflight $p: empty body" "" "$BODY"
done
req OPTIONS /v1/checkpoint -H "Origin: null" -H "Access-Control-Request-Method: GET"
is "preflight of a public read: 204" 204 "$STATUS"
is "it allows no extra header" "" "$(hdr Access-Control-Allow-Headers)"

# The writes and /metrics: no CORS; a preflight is refused, nothing changes.
for p in /v1/events /v1/requests /v1/cosignatures /metrics; do
	expect_error "preflight OPTIONS $p: 405" 405 method_not_allowed OPTIONS "$p" \
		-H "Origin: https://auditor.example" -H "Access-Control-Request-Method: POST"
	is "$p: no Access-Control-Allow-Origin" "" "$(hdr Access-Control-Allow-Origin)"
done
req POST /v1/events -H "Origin: https://auditor.example" -H "Authorization: Bearer $INGEST" \
	-H "Content-Type: application/json" --data-binary "[$(event 1772400001000)]"
is "a cross-origin write still works for curl (201)" 201 "$STATUS"
is "but its answer allows no other origin" "" "$(hdr Access-Control-Allow-Origin)"
# The console's files are not shared with other origins.
req GET / -H "Origin: https://auditor.example"
is "the console's files carry no Access-Control-Allow-Origin" "" "$(hdr Access-Control-Allow-Origin)"
req OPTIONS /nowhere -H "Origin: https://auditor.example"
is "OPTIONS on a static path: 405" 405 "$STATUS"
now=$(log_state)
if [ "$now" != "$BASE" ]; then ok "the log grew only by the one write"; else nok "the log grew by the write"; fi
finish
