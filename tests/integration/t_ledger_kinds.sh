#!/usr/bin/env bash
# The ledger's kinds parameter: GET /v1/disclosures lists disclosures and
# refusals by default, purge entries when asked, any subset of the three,
# and refuses unknown kinds.  The purge is made by `envelog purge` beside
# the running server.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
AUD=$($E token add --db "$DB" --role auditor 2>/dev/null)
AUDH=(-H "Authorization: Bearer $AUD")
start_server || bail "server"

ev() { # SENDER TIME
	printf '{"ts":"%s","sender":"%s","recipient":"+447700900456","type":"message","size":1}' "$2" "$1"
}
# The purge horizon is by commit time: a second after the first two events
# were committed, and a second before the third.
post_events "ingest events of 2020" "[
$(ev +447700900123 2020-01-01T00:00:00Z),
$(ev +447700900123 2020-01-02T00:00:00Z)]"
sleep 1.1
HORIZON=$(date -u +%Y-%m-%dT%H:%M:%SZ)
HORIZON_MS=$(($(date -u -d "$HORIZON" +%s) * 1000))
sleep 1.1
post_events "ingest an event of 2026" "[$(ev +447700900123 2026-03-10T00:00:00Z)]"

lawful() { # ID FROM TO EXPIRES
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog test.example/log\nsubject +447700900123\nfrom %s\nto %s\nexpires %s\nbasis s.61\n' "$@" |
		$E warrant sign --key "$T/nca.key" >"$T/w.signed"
	req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
}
lawful NCA-1 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2099-01-01T00:00:00Z
check "a request is answered" test "$STATUS" = 200
lawful NCA-2 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2020-01-01T00:00:00Z
check "an expired warrant is refused" test "$STATUS" = 422

out=$($E purge --db "$DB" --key "$KEY" --before "$HORIZON" 2>"$T/purge.err"); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == "purged 2 events through seq 1;"* ]]; then ok "envelog purge beside the running server"
else nok "envelog purge beside the running server" "$rc $out" "$(cat "$T/purge.err")"; fi
pseq=$(sed -n 's/.*purge entry seq \([0-9]*\);.*/\1/p' <<<"$out")

kinds() { # QUERY — prints the kinds listed, comma-separated
	req GET "/v1/disclosures$1" "${AUDH[@]}"
	[ "$STATUS" = 200 ] && jq -r '[.disclosures[].kind] | join(",")' <<<"$BODY"
}
check "no kinds: disclosures and refusals" test "$(kinds '')" = disclosure,refusal
check "kinds=disclosure,refusal: the same" test "$(kinds '?kinds=disclosure,refusal')" = disclosure,refusal
check "kinds=purge: the purge only" test "$(kinds '?kinds=purge')" = purge
check "kinds=refusal,purge: in seq order" test "$(kinds '?kinds=purge,refusal')" = refusal,purge
check "kinds=disclosure,refusal,purge: all three" test "$(kinds '?kinds=disclosure,refusal,purge')" = disclosure,refusal,purge
check "a kind named twice counts once" test "$(kinds '?kinds=purge,purge')" = purge
check "limit and next page through the chosen kinds" test "$(kinds '?kinds=disclosure,purge&limit=1')" = disclosure
req GET "/v1/disclosures?kinds=disclosure,purge&limit=1" "${AUDH[@]}"
next=$(jq .next <<<"$BODY")
check "the next page holds the purge" test "$(kinds "?kinds=disclosure,purge&since=$next")" = purge

req GET "/v1/disclosures?kinds=purge" "${AUDH[@]}"
check "the purge entry is served whole, with its seq" jq -e --argjson s "${pseq:-null}" '
	.next == null and (.disclosures | length) == 1 and .disclosures[0].seq == $s and
	(.disclosures[0].entry | keys == ["before","events","kind","through_seq","ts"]) and
	.disclosures[0].entry.before == '"$HORIZON_MS"' and .disclosures[0].entry.through_seq == 1 and
	.disclosures[0].entry.events == 2' <<<"$BODY"
req GET "/v1/leaves?start=$pseq&end=$((pseq + 1))"
leaf=$BODY
req GET "/v1/disclosures?kinds=purge" "${AUDH[@]}"
check "the listed purge entry is the leaf's public entry" test \
	"$(jq -cS '.leaves[0].entry' <<<"$leaf")" = "$(jq -cS '.disclosures[0].entry' <<<"$BODY")"

for bad in event purges 'purge,' ',purge' '' 'disclosure;refusal' "$(printf 'p%.0s' {1..40})"; do
	expect_error "kinds=${bad:0:12} is refused" 400 invalid_parameter GET "/v1/disclosures?kinds=$bad" "${AUDH[@]}"
	check "kinds=${bad:0:12}: the error names the field kinds" jq -e '.error.detail.field == "kinds"' <<<"$BODY"
done
expect_error "kinds needs the auditor role too" 401 missing_token GET "/v1/disclosures?kinds=purge"
req GET /v1/report "${AUDH[@]}"
check "the report still counts requests only" jq -e '[.rows[] | del(.month)] ==
	[{"authority":"uk-nca","answered":1,"refused":1,"subjects":1,"records":1}]' <<<"$BODY"
finish
