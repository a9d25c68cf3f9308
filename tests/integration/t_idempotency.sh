#!/usr/bin/env bash
# Retry-safe ingest: POST /v1/events with an Idempotency-Key.  A retry with
# the same key and body answers the original {first, count, checkpoint}
# and appends nothing (the log keeps its size and root), also after a
# restart and when the retries race each other; the same key with another
# body is 409 conflict and changes nothing; malformed keys are refused; keys
# are per ingest token and kept for --idempotency-window seconds.
. "$(dirname "$0")/lib.sh"

AUDITOR=$("$B/envelog" token add --db "$DB" --role auditor 2>/dev/null) ||
	bail "auditor token"
INGEST2=$("$B/envelog" token add --db "$DB" --role ingest 2>/dev/null) ||
	bail "second ingest token"
start_server || bail "server starts"

# keyed DESC KEY BODYFILE [TOKEN] — POST with the key; sets STATUS, BODY
keyed() {
	req POST /v1/events -H "Authorization: Bearer ${4:-$INGEST}" "${JSON[@]}" \
		-H "Idempotency-Key: $2" --data-binary "@$3"
}
unchanged() {
	local now
	now=$(log_state)
	if [ "$now" = "$BASE" ]; then ok "$1: log unchanged"
	else nok "$1: log unchanged" "was $BASE, now $now"; fi
}

events 3 a >"$T/a"
events 3 b >"$T/b"
keyed "" k-1 "$T/a"
if [ "$STATUS" = 201 ] && jq -e '.first == 0 and .count == 3' <<<"$BODY" >/dev/null
then ok "a keyed batch is logged: 201, first 0, count 3"
else nok "a keyed batch is logged" "status $STATUS" "$BODY"; fi
FIRST_ANSWER=$BODY
BASE=$(log_state)
check "the checkpoint covers it" test "${BASE%% *}" = 3

keyed "" k-1 "$T/a"
if [ "$STATUS" = 201 ] && [ "$BODY" = "$FIRST_ANSWER" ]
then ok "a retry with the same key and body: 201 with the original answer"
else nok "retry answers the original" "status $STATUS" "$BODY" "want $FIRST_ANSWER"; fi
unchanged "retry"

expect_error "the same key with another body: 409 conflict" 409 conflict \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: k-1" \
	--data-binary "@$T/b"
check "detail names the header" jq -e '.error.detail.field == "Idempotency-Key"' <<<"$BODY"
unchanged "409"
printf '%s' "$(events 3 a nl)" >"$T/a.nd"
expect_error "the same key, the same events as NDJSON: 409 conflict" 409 conflict \
	POST /v1/events "${AUTH[@]}" -H "Content-Type: application/x-ndjson" \
	-H "Idempotency-Key: k-1" --data-binary "@$T/a.nd"
unchanged "409 NDJSON"

long=$(printf 'k%.0s' $(seq 1 129))
expect_error "a key of 129 characters: 400 too_long" 400 too_long \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: $long" \
	--data-binary "@$T/b"
check "detail names the header" jq -e '.error.detail.field == "Idempotency-Key"' <<<"$BODY"
unchanged "key too long"
expect_error "a key with a space: 400 invalid_value" 400 invalid_value \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: a b" \
	--data-binary "@$T/b"
unchanged "key with a space"
expect_error "a key with a slash: 400 invalid_value" 400 invalid_value \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: a/b" \
	--data-binary "@$T/b"
expect_error "an empty key: 400 invalid_value" 400 invalid_value \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key;" \
	--data-binary "@$T/b"
unchanged "empty key"
expect_error "a keyed batch that is refused (content): 422, key not kept" 422 content_rejected \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: k-bad" \
	--data-binary '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message","size":1,"body":"hi"}]'
unchanged "refused keyed batch"

keyed "" "${long:0:128}" "$T/b"
if [ "$STATUS" = 201 ] && jq -e '.first == 3 and .count == 3' <<<"$BODY" >/dev/null
then ok "a key of 128 characters is accepted: first 3"
else nok "a key of 128 characters" "status $STATUS" "$BODY"; fi
keyed "" k-bad "$T/b"
if [ "$STATUS" = 201 ] && jq -e '.first == 6' <<<"$BODY" >/dev/null
then ok "the key of a refused batch was not kept: it logs another body"
else nok "the key of a refused batch" "status $STATUS" "$BODY"; fi
keyed "" k-1 "$T/a" "$INGEST2"
if [ "$STATUS" = 201 ] && jq -e '.first == 9 and .count == 3' <<<"$BODY" >/dev/null
then ok "keys are per ingest token: another token's k-1 is a new batch"
else nok "keys per token" "status $STATUS" "$BODY"; fi
post_events "the same body without a key is logged again" "$(cat "$T/a")"
check "at seq 12" test "$FIRST" = 12

# Racing retries: eight copies of one keyed batch at once log it once.
BASE=$(log_state)
pids=()
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o "$T/race.$i" -w '%{http_code}\n' -X POST "${AUTH[@]}" "${JSON[@]}" \
		-H "Idempotency-Key: race" --data-binary "@$T/b" "$URL/v1/events" >"$T/race.st.$i" &
	pids+=($!)
done
wait "${pids[@]}"
sort -u "$T"/race.st.* >"$T/race.sts"
check "eight racing copies: all 201" test "$(cat "$T/race.sts")" = 201
check "all eight answers are the same" test "$(cat "$T"/race.[1-8] | sort -u | wc -l)" = 1
check "their first is the size before" jq -e --argjson s "${BASE%% *}" '.first == $s and .count == 3' "$T/race.1"
AFTER=$(log_state)
check "the log grew by 3, not 24" test "${AFTER%% *}" = "$((${BASE%% *} + 3))"

req GET /metrics -H "Authorization: Bearer $AUDITOR"
check "metrics count the replays (1 + 7)" grep -qx 'envelog_ingest_replays_total 8' <<<"$BODY"

# Keys survive a restart.
stop_server
start_server || bail "server restarts"
BASE=$(log_state)
keyed "" k-1 "$T/a"
if [ "$STATUS" = 201 ] && [ "$BODY" = "$FIRST_ANSWER" ]
then ok "after a restart, the retry answers the original"
else nok "retry after restart" "status $STATUS" "$BODY" "want $FIRST_ANSWER"; fi
unchanged "retry after restart"
expect_error "after a restart, the same key with another body: 409" 409 conflict \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: k-1" \
	--data-binary "@$T/b"
unchanged "409 after restart"

# A key is kept for --idempotency-window seconds, then forgotten.
stop_server
start_server --idempotency-window 1 || bail "server starts with a 1 s window"
keyed "" k-w "$T/a"
W1=$(jq -r .first <<<"$BODY")
keyed "" k-w "$T/a"
check "within the window the retry is answered from the key" jq -e --argjson f "$W1" '.first == $f' <<<"$BODY"
sleep 2.2
keyed "" k-w "$T/a"
check "past the window the same key logs the batch anew" jq -e --argjson f "$W1" '.first == $f + 3' <<<"$BODY"
stop_server
"$B/envelogd" --db "$DB" --idempotency-window 0 --listen 127.0.0.1:1 >/dev/null 2>&1
check "--idempotency-window 0 is a usage error (exit 2)" test $? = 2

out=$("$B/envelog" verify --quiet --db "$DB" --vkey "$VKEY"); rc=$?
if [ "$rc" -eq 0 ]; then ok "envelog verify passes"; else nok "envelog verify" "$rc $out"; fi
finish
