#!/usr/bin/env bash
# docs/openapi.yaml against the real server: the description is valid
# OpenAPI 3.1 and in step with the route table and the error registry
# (tests/tools/openapi_lint.mjs); then every public and ingest endpoint,
# and the auditor's and authority's, is called for its successes and for
# each error it can give, and every answer (status, required headers,
# Content-Type, body) is checked against the description by
# tests/tools/openapi_check.py; a test also expects the exact status and
# error code.  An answer the description does not allow fails.  Ingest's
# 503 queue_full and 500 are provoked for real (a full queue behind a
# writer held up by a database lock; a commit that fails when the lock
# outlasts the writer's busy timeout), and their retries with the same
# Idempotency-Key are logged exactly once.  The last
# tests feed the checker answers the description forbids (a wrong code, a
# missing member, an extra member, a missing header) and expect it to
# refuse each, so that it cannot pass everything.
. "$(dirname "$0")/lib.sh"

SPEC=${SPEC:-docs/openapi.yaml}
E=$B/envelog

if out=$(node tests/tools/openapi_lint.mjs "$SPEC" 2>&1); then ok "$SPEC is valid OpenAPI 3.1, in step with routes.c and error.h"
else nok "$SPEC is valid OpenAPI 3.1, in step with routes.c and error.h" \
	"$(grep -E '^(not ok|#)' <<<"$out" | head -20)"; fi
python3 -c 'import yaml, jsonschema' 2>/dev/null ||
	bail "python3-yaml and python3-jsonschema are not installed (make deps)"

# ---- the log, its keys and tokens ----
AUD=$($E token add --db "$DB" --role auditor 2>/dev/null) || bail "auditor token"
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null) || bail "warrant keygen"
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null) || bail "authority token"
W1=$($E witness keygen witness-1 --out "$T/w1.key" 2>/dev/null) || bail "witness keygen"
$E witness add --db "$DB" witness-1 "$W1" >/dev/null 2>&1 || bail "witness add"
mkdir -p "$T/web"
printf '<!doctype html><title>console</title>\n' >"$T/web/index.html"
printf 'body{}\n' >"$T/web/app.css"
start_server --max-events 400 --max-body 65536 || bail "server starts"

coproc CHECKER { exec python3 tests/tools/openapi_check.py "$SPEC" 2>&1; }

# verdict METHOD PATH — the checker's verdict on $T/hdrs and $T/body
verdict() {
	local v
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$T/hdrs" "$T/body" >&"${CHECKER[1]}"
	IFS= read -r -t 60 v <&"${CHECKER[0]}" || v="fail: no verdict from the checker"
	printf '%s' "$v"
}

# conform DESC STATUS CODE METHOD PATH [CURL ARGS…] — the answer has the
# status (and, unless CODE is -, the error code) and the description
# allows it.
conform() {
	local d=$1 s=$2 c=$3 m=$4 p=$5 v code=
	shift 5
	req "$m" "$p" "$@" 2>/dev/null # (tiles: no "null byte" warnings)
	v=$(verdict "$m" "$p")
	[ "$c" = - ] || code=$(jq -r '.error.code' <<<"$BODY" 2>/dev/null)
	if [ "$STATUS" != "$s" ]; then
		nok "$d" "status $STATUS, want $s" "${BODY:0:300}"
	elif [ "$c" != - ] && [ "$code" != "$c" ]; then
		nok "$d" "code $code, want $c" "${BODY:0:300}"
	elif [ "$v" != ok ]; then
		nok "$d: as described" "$v"
	else
		ok "$d"
	fi
}

ING=(-H "Authorization: Bearer $INGEST")
AU=(-H "Authorization: Bearer $AUD")
AUTHY=(-H "Authorization: Bearer $NCA")
TEXT=(-H "Content-Type: text/plain")
ND=(-H "Content-Type: application/x-ndjson")
ev() { printf '{"ts":%s,"sender":"+447700900123","recipient":"+447700900456","type":"message","size":10%s}' "$NOW_MS" "${1:-}"; }
# bad DESC STATUS CODE BODY — a refused batch, the log unchanged
bad() {
	printf '%s' "$4" >"$T/post"
	conform "$1" "$2" "$3" POST /v1/events "${ING[@]}" "${JSON[@]}" --data-binary "@$T/post"
}

# ---- public reads on the empty log ----
conform "healthz" 200 - GET /healthz
conform "healthz HEAD" 200 - HEAD /healthz -I
conform "healthz CORS preflight" 204 - OPTIONS /healthz
conform "healthz POST: 405" 405 method_not_allowed POST /healthz
conform "a NUL in a query argument: 400" 400 invalid_parameter GET '/healthz?x=1%00'
conform "metrics" 200 - GET /metrics
conform "checkpoint of the empty log" 200 - GET /v1/checkpoint
conform "checkpoint ?size=0" 200 - GET '/v1/checkpoint?size=0'
conform "key" 200 - GET /v1/key
conform "shards on a log that is not a root: 404" 404 not_found GET /v1/shards
conform "leaves of the empty log" 200 - GET '/v1/leaves?start=0&end=0'
conform "tlog checkpoint" 200 - GET /tlog/checkpoint
conform "a tile the tree does not reach: 404" 404 not_found GET /tlog/tile/0/000

# ---- ingest: successes ----
events 300 a >"$T/e300"
conform "ingest 300 events (JSON)" 201 - POST /v1/events "${ING[@]}" "${JSON[@]}" --data-binary "@$T/e300"
printf '%s\n%s\n' "$(ev)" "$(ev ',"device":"d-1","ip":"2001:db8::1"')" >"$T/nd"
conform "ingest NDJSON" 201 - POST /v1/events "${ING[@]}" "${ND[@]}" --data-binary "@$T/nd"
printf '[%s]' "$(ev)" >"$T/k"
conform "ingest with an Idempotency-Key" 201 - POST /v1/events "${ING[@]}" "${JSON[@]}" \
	-H "Idempotency-Key: openapi-1" --data-binary "@$T/k"
first=$BODY
conform "its retry: 201, the original answer" 201 - POST /v1/events "${ING[@]}" "${JSON[@]}" \
	-H "Idempotency-Key: openapi-1" --data-binary "@$T/k"
check "the retry's answer is the original's" test "$BODY" = "$first"
BASE=$(log_state)
check "the log holds 303 entries" test "${BASE%% *}" = 303

# ---- ingest: every error ----
printf '[%s,%s]' "$(ev)" "$(ev)" >"$T/k2"
conform "the key with another body: 409" 409 conflict POST /v1/events "${ING[@]}" "${JSON[@]}" \
	-H "Idempotency-Key: openapi-1" --data-binary "@$T/k2"
conform "a key of 129 characters: 400" 400 too_long POST /v1/events "${ING[@]}" "${JSON[@]}" \
	-H "Idempotency-Key: $(printf 'k%.0s' $(seq 1 129))" --data-binary "@$T/k2"
conform "a key with a space: 400" 400 invalid_value POST /v1/events "${ING[@]}" "${JSON[@]}" \
	-H "Idempotency-Key: a b" --data-binary "@$T/k2"
conform "no token: 401" 401 missing_token POST /v1/events "${JSON[@]}" --data-binary "@$T/k2"
conform "an unknown token: 401" 401 unknown_token POST /v1/events "${JSON[@]}" \
	-H "Authorization: Bearer elog_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" --data-binary "@$T/k2"
conform "an auditor token: 403" 403 wrong_role POST /v1/events "${AU[@]}" "${JSON[@]}" --data-binary "@$T/k2"
conform "text/plain: 415" 415 unsupported_media_type POST /v1/events "${ING[@]}" "${TEXT[@]}" --data-binary "@$T/k2"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
conform "a body over --max-body: 413" 413 body_too_large POST /v1/events "${ING[@]}" "${JSON[@]}" --data-binary "@$T/big"
events 401 b >"$T/e401"
conform "more events than --max-events: 413" 413 too_many_events POST /v1/events "${ING[@]}" "${JSON[@]}" --data-binary "@$T/e401"
conform "GET /v1/events: 405" 405 method_not_allowed GET /v1/events
conform "no CORS preflight for the writes: 405" 405 method_not_allowed OPTIONS /v1/events
check "with Allow: POST" grep -qi '^Allow: POST' <<<"$HDRS"
conform "nor for /metrics: 405" 405 method_not_allowed OPTIONS /metrics
bad "malformed JSON" 400 malformed_json '[{"ts":'
bad "invalid UTF-8" 400 invalid_utf8 "$(printf '[{"ts":1,"sender":"\xff"}]')"
bad "a duplicate key" 400 duplicate_key "[$(ev ',"size":1')]"
bad "not an array" 400 expected_array "$(ev)"
bad "an empty batch" 400 empty_batch '[]'
bad "an element not an object" 400 expected_object '[1]'
bad "an unknown member" 400 unknown_field "[$(ev ',"colour":"red"')]"
bad "a nonce" 400 nonce_not_accepted "[$(ev ',"nonce":"AAAAAAAAAAAAAAAAAAAAAA=="')]"
bad "a missing member" 400 missing_field '[{"ts":1,"sender":"+4","recipient":"+4","type":"message"}]'
bad "a wrong type" 400 wrong_type '[{"ts":true,"sender":"+4","recipient":"+4","type":"message","size":1}]'
bad "a size out of range" 400 out_of_range '[{"ts":1,"sender":"+4","recipient":"+4","type":"message","size":1099511627776}]'
bad "a ts in the future" 400 ts_in_future '[{"ts":4102444800000,"sender":"+4","recipient":"+4","type":"message","size":1}]'
bad "an unknown type" 400 invalid_value '[{"ts":1,"sender":"+4","recipient":"+4","type":"letter","size":1}]'
bad "a control character" 400 control_character '[{"ts":1,"sender":"+4\u0001","recipient":"+4","type":"message","size":1}]'
bad "an identifier too long" 400 too_long "[{\"ts\":1,\"sender\":\"$(printf '1%.0s' $(seq 1 129))\",\"recipient\":\"+4\",\"type\":\"message\",\"size\":1}]"
bad "content: 422" 422 content_rejected '[{"ts":1,"sender":"+4","recipient":"+4","type":"message","size":1,"body":"hi"}]'
now=$(log_state)
if [ "$now" = "$BASE" ]; then ok "the refused batches left the log unchanged"
else nok "the refused batches left the log unchanged" "was $BASE, now $now"; fi

# ---- public reads on a log of 303 entries ----
conform "leaves" 200 - GET '/v1/leaves?start=0&end=303'
conform "leaves without start: 400" 400 missing_parameter GET '/v1/leaves?end=3'
conform "leaves start=abc: 400" 400 invalid_parameter GET '/v1/leaves?start=abc&end=3'
conform "leaves end < start: 400" 400 invalid_range GET '/v1/leaves?start=3&end=2'
check "a public read's error is readable cross-origin too" grep -qi '^Access-Control-Allow-Origin: \*' <<<"$HDRS"
conform "leaves beyond the log: 400" 400 parameter_out_of_range GET '/v1/leaves?start=0&end=304'
conform "leaves start above 2^63-1: 400" 400 parameter_out_of_range GET '/v1/leaves?start=99999999999999999999&end=3'
conform "inclusion proof" 200 - GET '/v1/proof/inclusion?index=5&size=303'
conform "inclusion proof size=0: 400" 400 parameter_out_of_range GET '/v1/proof/inclusion?index=0&size=0'
conform "inclusion proof index >= size: 400" 400 parameter_out_of_range GET '/v1/proof/inclusion?index=9&size=9'
conform "inclusion proof without index: 400" 400 missing_parameter GET '/v1/proof/inclusion?size=9'
conform "consistency proof" 200 - GET '/v1/proof/consistency?old=7&new=303'
conform "consistency proof old = new" 200 - GET '/v1/proof/consistency?old=7&new=7'
conform "consistency new < old: 400" 400 invalid_range GET '/v1/proof/consistency?old=7&new=6'
conform "consistency old=0: 400" 400 parameter_out_of_range GET '/v1/proof/consistency?old=0&new=6'
conform "consistency beyond the log: 400" 400 parameter_out_of_range GET '/v1/proof/consistency?old=1&new=304'
conform "checkpoint ?size=300 (a commit's size)" 200 - GET '/v1/checkpoint?size=300'
conform "checkpoint of a size never signed: 404" 404 not_found GET '/v1/checkpoint?size=299'
conform "checkpoint ?size= : 400" 400 missing_parameter GET '/v1/checkpoint?size='
conform "checkpoint ?size=-1: 400" 400 invalid_parameter GET '/v1/checkpoint?size=-1'
conform "a full hash tile, immutable" 200 - GET /tlog/tile/0/000
conform "a partial hash tile" 200 - GET /tlog/tile/0/001.p/47
conform "a full entry bundle, immutable" 200 - GET /tlog/tile/entries/000
conform "a partial entry bundle" 200 - GET /tlog/tile/entries/001.p/47
conform "level 1 not reached: 404" 404 not_found GET /tlog/tile/1/000
conform "a wider partial tile than the tree: 404" 404 not_found GET /tlog/tile/0/001.p/48
conform "a tile path in another encoding: 400" 400 invalid_parameter GET /tlog/tile/0/1
conform "a hash tile index with a leading x000 group: 400" 400 invalid_parameter GET /tlog/tile/0/x000/001
conform "a hash tile of level 64: 400" 400 invalid_parameter GET /tlog/tile/64/000
conform "a partial hash tile of width 256: 400" 400 invalid_parameter GET /tlog/tile/0/000.p/256
conform "an entry bundle index with a leading x000 group: 400" 400 invalid_parameter GET /tlog/tile/entries/x000/001
conform "a partial entry bundle of width 256: 400" 400 invalid_parameter GET /tlog/tile/entries/001.p/256
conform "an entry bundle the tree does not reach: 404" 404 not_found GET /tlog/tile/entries/005
conform "a partial entry bundle wider than the tree: 404" 404 not_found GET /tlog/tile/entries/001.p/200
conform "tile CORS preflight" 204 - OPTIONS /tlog/tile/0/000
conform "another path under /tlog/: 404" 404 not_found GET /tlog/nothing
conform "an unknown endpoint: 404" 404 not_found GET /v1/nothing
conform "the console" 200 - GET /
conform "a console file" 200 - GET /app.css
conform "a missing file: 404" 404 not_found GET /missing.txt
mv "$T/web/index.html" "$T/web/index.html.away"
conform "the console without its index.html: 404" 404 not_found GET /
mv "$T/web/index.html.away" "$T/web/index.html"
conform "POST to the console: 405" 405 method_not_allowed POST / "${JSON[@]}" -d '{}'

# ---- lawful requests ----
# A window of 200 days around now, covering the events just logged.
FROM=$(date -u -d '-100 days' +%Y-%m-%dT00:00:00Z)
TO=$(date -u -d '+100 days' +%Y-%m-%dT00:00:00Z)
warrant() { # ID LOG
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog %s\nsubject +447700900456\nfrom %s\nto %s\nexpires 2099-01-01T00:00:00Z\nbasis test\n' "$1" "$2" "$FROM" "$TO" |
		$E warrant sign --key "$T/nca.key"
}
warrant W-1 test.example/log >"$T/w1" || bail "warrant sign"
warrant W-2 other.example/log >"$T/w2"
conform "a lawful request: 200, the bundle" 200 - POST /v1/requests "${AUTHY[@]}" "${TEXT[@]}" --data-binary "@$T/w1"
conform "a warrant for another log: 422, refused on the record" 422 warrant_refused \
	POST /v1/requests "${AUTHY[@]}" "${TEXT[@]}" --data-binary "@$T/w2"
conform "a warrant that is not a signed note: 400" 400 malformed_note POST /v1/requests \
	"${AUTHY[@]}" "${TEXT[@]}" --data-binary 'not a note'
sed 's/^— uk-nca .*/— uk-nca AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/' "$T/w1" >"$T/w1.forged"
conform "a forged signature: 403" 403 bad_signature POST /v1/requests "${AUTHY[@]}" "${TEXT[@]}" --data-binary "@$T/w1.forged"
conform "a lawful request with an ingest token: 403" 403 wrong_role POST /v1/requests "${ING[@]}" "${TEXT[@]}" --data-binary "@$T/w1"
conform "a lawful request without a token: 401" 401 missing_token POST /v1/requests "${TEXT[@]}" --data-binary "@$T/w1"
conform "a lawful request over --max-body: 413" 413 body_too_large POST /v1/requests "${AUTHY[@]}" "${TEXT[@]}" --data-binary "@$T/big"
conform "a lawful request as JSON: 415" 415 unsupported_media_type POST /v1/requests "${AUTHY[@]}" "${JSON[@]}" --data-binary "@$T/w1"
conform "leaves with the disclosure and the refusal" 200 - GET '/v1/leaves?start=300&end=305'

# ---- the auditor ----
conform "disclosures" 200 - GET /v1/disclosures "${AU[@]}"
conform "disclosures, a full page" 200 - GET '/v1/disclosures?limit=1&kinds=refusal,disclosure' "${AU[@]}"
conform "disclosures limit=0: 400" 400 parameter_out_of_range GET '/v1/disclosures?limit=0' "${AU[@]}"
conform "disclosures kinds=event: 400" 400 invalid_parameter GET '/v1/disclosures?kinds=event' "${AU[@]}"
conform "disclosures without a token: 401" 401 missing_token GET /v1/disclosures
conform "disclosures with an ingest token: 403" 403 wrong_role GET /v1/disclosures "${ING[@]}"
conform "disclosures CORS preflight" 204 - OPTIONS /v1/disclosures
conform "report" 200 - GET '/v1/report?from=2020-01-01' "${AU[@]}"
conform "report without a token: 401" 401 missing_token GET /v1/report
conform "report with an authority token: 403" 403 wrong_role GET /v1/report "${AUTHY[@]}"
conform "report from=yesterday: 400" 400 invalid_parameter GET '/v1/report?from=yesterday' "${AU[@]}"
conform "report to < from: 400" 400 invalid_range GET '/v1/report?from=2026-02-01&to=2026-01-01' "${AU[@]}"
curl -s -o "$T/cp" "$URL/v1/checkpoint" || bail "checkpoint"
"$B/tests/tools/signnote" cosign "$T/w1.key" "$T/cp" >"$T/cosig" 2>/dev/null || bail "signnote cosign"
conform "a witness cosignature: 201" 201 - POST /v1/cosignatures "${AU[@]}" "${TEXT[@]}" --data-binary "@$T/cosig"
conform "the checkpoint with its cosignature" 200 - GET /v1/checkpoint
conform "a cosignature without a token: 401" 401 missing_token POST /v1/cosignatures "${TEXT[@]}" --data-binary "@$T/cosig"
conform "a cosignature with an ingest token: 403" 403 wrong_role POST /v1/cosignatures "${ING[@]}" "${TEXT[@]}" --data-binary "@$T/cosig"
conform "a cosignature over --max-body: 413" 413 body_too_large POST /v1/cosignatures "${AU[@]}" "${TEXT[@]}" --data-binary "@$T/big"
conform "a cosignature as JSON: 415" 415 unsupported_media_type POST /v1/cosignatures "${AU[@]}" "${JSON[@]}" --data-binary "@$T/cosig"
conform "an empty cosignature: 400" 400 malformed_cosignature POST /v1/cosignatures "${AU[@]}" "${TEXT[@]}" --data-binary ''
sed '2s/^.*$/999/' "$T/cosig" >"$T/cosig.unknown"
conform "a cosignature of a checkpoint never signed: 404" 404 not_found POST /v1/cosignatures "${AU[@]}" "${TEXT[@]}" --data-binary "@$T/cosig.unknown"

# ---- a genuine 503 queue_full ----
# With --queue 1, a write is refused while another waits in the queue
# behind the one the writer runs.  The writer is held up by a write lock on
# the database (well within its 10 s busy timeout): the first batch waits
# in the writer, the next ones in the queue (seen in /metrics), and then a
# batch is refused 503 queue_full with Retry-After: 1.
stop_server
start_server --queue 1 || bail "server with --queue 1"
BASE=$(log_state)
mkfifo "$T/lock"
# hold_lock: the database's write lock, taken by a sqlite3 session that
# waits for envelogd's own commits (.timeout) and says when it holds it;
# release_lock ends it.
hold_lock() {
	rm -f "$T/locked"
	sqlite3 "$DB" <"$T/lock" >"$T/locked" 2>&1 &
	locker=$!
	exec 7>"$T/lock"
	printf '.timeout 20000\nBEGIN EXCLUSIVE;\nSELECT %s;\n' "'held'" >&7
	wait_for 30 grep -qx held "$T/locked"
}
release_lock() {
	echo "COMMIT;" >&7
	exec 7>&-
	wait "$locker"
}
hold_lock || bail "the write lock: $(cat "$T/locked")"
queued() { curl -s "$URL/metrics" | awk '$1 == "envelog_writer_queue_entries" { print $2 + 0 }'; }
held=()
for i in $(seq 1 50); do
	printf '[%s]' "$(ev)" >"$T/held.$i"
	curl -s -o /dev/null "${ING[@]}" "${JSON[@]}" -H "Idempotency-Key: held-$i" \
		--data-binary "@$T/held.$i" "$URL/v1/events" &
	held+=($!)
	for _ in $(seq 1 20); do
		[ "$(queued)" -ge 1 ] && break 2
		sleep 0.01
	done
done
check "a batch waits in the queue behind the held writer" test "$(queued)" -ge 1
printf '[%s]' "$(ev)" >"$T/refused"
conform "a batch while the writer is behind: 503 queue_full" 503 queue_full POST /v1/events \
	"${ING[@]}" "${JSON[@]}" -H "Idempotency-Key: refused-1" --data-binary "@$T/refused"
check "with Retry-After: 1" grep -qi '^Retry-After: 1' <<<"$HDRS"
conform "a lawful request while the writer is behind: 503 queue_full" 503 queue_full \
	POST /v1/requests "${AUTHY[@]}" "${TEXT[@]}" --data-binary "@$T/w1"
conform "a cosignature while the writer is behind: 503 queue_full" 503 queue_full \
	POST /v1/cosignatures "${AU[@]}" "${TEXT[@]}" --data-binary "@$T/cosig"
release_lock
wait "${held[@]}"
read -r size _ < <(log_state)
check "the held batches are logged, the refused one is not" test "$size" = $((${BASE%% *} + ${#held[@]}))
conform "the refused batch sent again with its key: 201" 201 - POST /v1/events \
	"${ING[@]}" "${JSON[@]}" -H "Idempotency-Key: refused-1" --data-binary "@$T/refused"

# ---- a genuine 500 ----
# The write lock is held until the writer's busy timeout (10 s) gives up:
# the batch is answered 500 io_error, nothing appended; sent again with
# its key once the lock is gone, it is logged.
BASE=$(log_state)
hold_lock || bail "the write lock: $(cat "$T/locked")"
printf '[%s]' "$(ev)" >"$T/failed"
conform "a batch whose commit fails: 500 io_error" 500 io_error POST /v1/events \
	"${ING[@]}" "${JSON[@]}" -H "Idempotency-Key: failed-1" --data-binary "@$T/failed"
release_lock
now=$(log_state)
if [ "$now" = "$BASE" ]; then ok "the failed commit left the log unchanged"
else nok "the failed commit left the log unchanged" "was $BASE, now $now"; fi
conform "the failed batch sent again with its key: 201" 201 - POST /v1/events \
	"${ING[@]}" "${JSON[@]}" -H "Idempotency-Key: failed-1" --data-binary "@$T/failed"
read -r size _ < <(log_state)
check "and logged once" test "$size" = $((${BASE%% *} + 1))

# Every answer described for every GET and POST was seen, but the 500s
# other than ingest's (a read's needs a store that fails under a reader,
# which the write lock does not hold up; the lawful request's and the
# cosignature's come from the same failed commit as ingest's, shown above)
# and the 400 for a NUL byte in a query, seen on /healthz only (it is
# refused before routing, the same on every path).  /v1/shards answers 200
# on a root only, and a report 502 only on a root whose shard cannot be
# read: t_root.sh checks those answers.
excused="getShards:200 getShards:400 getReport:502"
for op in getMetrics getHealth getCheckpoint getKey getLeaves getInclusionProof \
	getConsistencyProof getTlogCheckpoint getHashTile getPartialHashTile getEntryBundle \
	getPartialEntryBundle getDisclosures getReport postRequest postCosignature getShards; do
	excused="$excused $op:500"
done
for op in getMetrics getKey getTlogCheckpoint getConsole getConsoleFile; do
	excused="$excused $op:400"
done
printf 'COVERAGE\tpublic,tiles,ingest,auditor,authority\t%s\n' "$excused" >&"${CHECKER[1]}"
IFS= read -r -t 60 v <&"${CHECKER[0]}" || v="fail: no answer"
if [ "$v" = ok ]; then ok "every described answer was seen (but the excused)"
else nok "every described answer was seen (but the excused)" "$v"; fi

# ---- the checker refuses what the description does not allow ----
# refused DESC METHOD PATH STATUS HEADERS BODY — a made-up answer
refused() {
	printf 'HTTP/1.1 %s X\r\n%b\r\n' "$4" "$5" >"$T/hdrs"
	printf '%s' "$6" >"$T/body"
	local v
	v=$(verdict "$2" "$3")
	case $v in
	fail:*) ok "the checker refuses $1" ;;
	*) nok "the checker refuses $1" "verdict: $v" ;;
	esac
}
J='Content-Type: application/json\r\n'
refused "an error code an endpoint does not send" POST /v1/events 400 "$J" \
	'{"error":{"code":"not_found","message":"m","detail":{}}}'
refused "an error without detail" POST /v1/events 400 "$J" '{"error":{"code":"empty_batch","message":"m"}}'
refused "a status not described" GET /healthz 418 "$J" '{}'
refused "an extra member" GET /healthz 200 "${J}Access-Control-Allow-Origin: *\r\n" '{"status":"ok","size":1,"x":1}'
refused "a 503 without Retry-After" POST /v1/events 503 "$J" '{"error":{"code":"queue_full","message":"m","detail":{}}}'
refused "a full tile without its Cache-Control" GET /tlog/tile/0/000 200 \
	'Content-Type: application/octet-stream\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: public, max-age=5\r\n' x
refused "a checkpoint that is not a signed note" GET /v1/checkpoint 200 \
	'Content-Type: text/plain; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\n' 'hello'
refused "a leaf hash that is not base64 of 32 bytes" GET /v1/leaves 200 "${J}Access-Control-Allow-Origin: *\r\n" \
	'{"leaves":[{"seq":0,"kind":"event","leaf_hash":"AA==","chain_hash":"AA=="}]}'
refused "a JSON answer served as text/html" GET /healthz 200 \
	'Content-Type: text/html\r\nAccess-Control-Allow-Origin: *\r\n' '{"status":"ok","size":1}'

finish
