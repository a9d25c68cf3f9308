#!/usr/bin/env bash
# POST /v1/events refusals: each gets its status and code, and leaves the log
# exactly as it was (same size and root of the signed checkpoint).
. "$(dirname "$0")/lib.sh"

start_server --max-future-ms 300000 || bail "server starts"
post_events "a first valid batch" "$(events 3 seed)"
BASE=$(log_state)

# refuse DESC STATUS CODE BODY [CONTENT-TYPE] — posted as a file, so bytes
# are sent exactly.
refuse() {
	local d=$1 s=$2 c=$3 body=$4 ct=${5:-application/json}
	printf '%s' "$body" >"$T/post"
	expect_error "$d: $s $c" "$s" "$c" POST /v1/events "${AUTH[@]}" \
		-H "Content-Type: $ct" --data-binary "@$T/post"
	unchanged "$d"
}
unchanged() {
	local now
	now=$(log_state)
	if [ "$now" = "$BASE" ]; then ok "$1: log unchanged"
	else nok "$1: log unchanged" "was $BASE, now $now"; fi
}
ev() { # ev 'EXTRA JSON MEMBERS' — a valid event with members added
	printf '{"ts":%s,"sender":"+447700900123","recipient":"+447700900456","type":"message","size":10%s}' "$NOW_MS" "${1:+,$1}"
}
G=$(ev)

refuse "content field body" 422 content_rejected "[$(ev '"body":"hi"')]"
check "detail names the index and field" jq -e '.error.detail.index == 0 and (.error.detail.field | ascii_downcase) == "body"' <<<"$BODY"
refuse "content field text" 422 content_rejected "[$(ev '"text":"hi"')]"
refuse "content field ciphertext" 422 content_rejected "[$(ev '"ciphertext":"AAAA"')]"
refuse "content field, other case" 422 content_rejected "[$(ev '"Caption":"x"')]"
refuse "content field nested" 422 content_rejected "[$(ev '"meta":{"x":[{"payload":"y"}]}')]"
refuse "content field in the third event" 422 content_rejected "[$G,$G,$(ev '"media_url":"x"')]"
check "detail names index 2" jq -e '.error.detail.index == 2' <<<"$BODY"
refuse "unknown field" 400 unknown_field "[$(ev '"color":"red"')]"
check "detail names the unknown field" jq -e '.error.detail.field == "color" and .error.detail.index == 0' <<<"$BODY"
refuse "missing sender" 400 missing_field '[{"ts":1711234567890,"recipient":"+4","type":"message","size":1}]'
check "detail names the missing field" jq -e '.error.detail.field == "sender"' <<<"$BODY"
refuse "missing size" 400 missing_field '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message"}]'
refuse "size as a string" 400 wrong_type '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message","size":"10"}]'
refuse "sender as a number" 400 wrong_type '[{"ts":1711234567890,"sender":4,"recipient":"+4","type":"message","size":1}]'
refuse "ts as a boolean" 400 wrong_type '[{"ts":true,"sender":"+4","recipient":"+4","type":"message","size":1}]'
refuse "size as a real" 400 wrong_type '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message","size":1.5}]'
refuse "negative size" 400 out_of_range '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message","size":-1}]'
refuse "size 2^40" 400 out_of_range '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message","size":1099511627776}]'
refuse "size beyond 2^64" 400 out_of_range '[{"ts":1711234567890,"sender":"+4","recipient":"+4","type":"message","size":99999999999999999999999}]'
refuse "ts a day ahead" 400 ts_in_future "[{\"ts\":$((NOW_MS + 86400000)),\"sender\":\"+4\",\"recipient\":\"+4\",\"type\":\"message\",\"size\":1}]"
refuse "unknown type" 400 invalid_value "[$(ev | sed 's/"message"/"letter"/')]"
refuse "bad IPv4" 400 invalid_value "[$(ev '"ip":"300.1.2.3"')]"
refuse "bad IPv6" 400 invalid_value "[$(ev '"ip":"2001:db8::g"')]"
refuse "ip not an address" 400 invalid_value "[$(ev '"ip":"example.com"')]"
refuse "control character in sender" 400 control_character '[{"ts":1711234567890,"sender":"+4\u0001","recipient":"+4","type":"message","size":1}]'
refuse "newline in recipient" 400 control_character '[{"ts":1711234567890,"sender":"+4","recipient":"a\nb","type":"message","size":1}]'
long=$(printf 'x%.0s' $(seq 1 129))
refuse "sender of 129 bytes" 400 too_long "[{\"ts\":1711234567890,\"sender\":\"$long\",\"recipient\":\"+4\",\"type\":\"message\",\"size\":1}]"
refuse "device of 65 bytes" 400 too_long "[$(ev "\"device\":\"${long:0:65}\"")]"
refuse "empty sender" 400 invalid_value '[{"ts":1711234567890,"sender":"","recipient":"+4","type":"message","size":1}]'
refuse "invalid UTF-8" 400 invalid_utf8 "$(printf '[{"ts":1711234567890,"sender":"\xff\xfe","recipient":"+4","type":"message","size":1}]')"
refuse "duplicate keys" 400 duplicate_key '[{"ts":1711234567890,"sender":"+4","sender":"+5","recipient":"+4","type":"message","size":1}]'
refuse "malformed JSON" 400 malformed_json '[{"ts":1711234567890,'
refuse "trailing garbage" 400 malformed_json "[$G] x"
refuse "empty body" 400 malformed_json ''
refuse "empty array" 400 empty_batch '[]'
refuse "an object, not an array" 400 expected_array "$G"
refuse "an array of numbers" 400 expected_object '[1,2]'
refuse "client-supplied nonce" 400 nonce_not_accepted "[$(ev '"nonce":"q83vEjRWeJCrze8SNFZ4kA=="')]"
refuse "one bad event among good ones" 400 wrong_type "[$G,$G,$G,$(ev | sed 's/"size":10/"size":"x"/'),$G]"
check "detail names index 3" jq -e '.error.detail.index == 3 and .error.detail.field == "size"' <<<"$BODY"
refuse "NDJSON with a bad line" 400 unknown_field "$(printf '%s\n%s\n' "$G" "$(ev '"zz":1')")" application/x-ndjson

# limits
events 10001 many >"$T/many"
refuse "10 001 events" 413 too_many_events "$(cat "$T/many")"
head -c $((9 << 20)) /dev/zero | tr '\0' ' ' >"$T/big"
expect_error "9 MiB body" 413 body_too_large POST /v1/events "${AUTH[@]}" "${JSON[@]}" --data-binary "@$T/big"
unchanged "9 MiB body"
expect_error "9 MiB chunked body" 413 body_too_large POST /v1/events "${AUTH[@]}" "${JSON[@]}" \
	-H "Transfer-Encoding: chunked" --data-binary "@$T/big"
unchanged "9 MiB chunked body"
expect_error "Content-Length beyond the limit answered at once" 413 body_too_large POST /v1/events \
	"${AUTH[@]}" "${JSON[@]}" -H "Content-Length: 100000000" --data-binary "[]" --max-time 5
unchanged "huge Content-Length"

# content types
refuse "text/plain" 415 unsupported_media_type "[$G]" text/plain
refuse "form encoding" 415 unsupported_media_type "[$G]" application/x-www-form-urlencoded
refuse "a foreign charset" 415 unsupported_media_type "[$G]" "application/json; charset=latin1"
printf '[%s]' "$G" >"$T/post"
expect_error "no content type" 415 unsupported_media_type POST /v1/events "${AUTH[@]}" \
	-H "Content-Type:" --data-binary "@$T/post"
unchanged "no content type"

# and the server is still well
post_events "a valid batch still goes in" "[$G]"
check "it lands right after the seed" test "$FIRST" = 3
finish
