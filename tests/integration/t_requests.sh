#!/usr/bin/env bash
# Lawful requests against the real server: a full request and its bundle,
# refusals in the log, requests that are not logged, the auditor's ledger
# and report, and that auditors and the public never see event metadata.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
A=+447700900123 # subjects
S=+447700900456
C=+447700900777 # others
D=+447700900888

NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
FR_VK=$($E warrant keygen fr-dgsi --out "$T/fr.key" 2>/dev/null)
$E warrant keygen uk-nca --out "$T/nca-other.key" >/dev/null 2>&1
$E warrant keygen xx-unknown --out "$T/xx.key" >/dev/null 2>&1
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
$E authority add --db "$DB" fr-dgsi "$FR_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
FR=$($E token add --db "$DB" --role authority --authority fr-dgsi 2>/dev/null)
AUD=$($E token add --db "$DB" --role auditor 2>/dev/null)
out=$($E token add --db "$DB" --role authority --authority nobody 2>&1)
check "an authority token needs a registered authority" test $? -ne 0

start_server || bail "server"

# shellcheck disable=SC2317 # shellcheck takes the bail above for an exit
ms() { date -u -d "$1" +%s000; }
# Events around the window [2026-03-01, 2026-03-23) of subjects A and S.
post_events "ingest events across the window edges" "[
$(event_json $A $C 2026-03-01T00:00:00Z),
$(event_json $C $S 2026-03-10T12:00:00Z),
$(event_json $A $S 2026-03-15T08:30:00Z),
$(event_json $A $C 2026-03-23T00:00:00Z),
$(event_json $A $C 2026-02-28T23:59:59.999Z),
$(event_json $C $D 2026-03-10T12:00:00Z),
$(event_json $D $A 2026-03-22T23:59:59.999Z),
$(event_json $D $C 2026-03-11T00:00:00Z)]"
base=$FIRST
want_seqs="[$base,$((base + 1)),$((base + 2)),$((base + 6))]"

warrant() { # ID FROM TO EXPIRES SUBJECT…
	local id=$1 from=$2 to=$3 exp=$4 s
	shift 4
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog %s\n' "$id" "${LOG_ORIGIN:-test.example/log}"
	for s in "$@"; do printf 'subject %s\n' "$s"; done
	printf 'from %s\nto %s\nexpires %s\nbasis Investigatory Powers Act 2016 s.61\n' "$from" "$to" "$exp"
}
sign() { $E warrant sign --key "${2:-$T/nca.key}" <"$1"; }
REQ_AUTH=(-H "Authorization: Bearer $NCA")
TEXT=(-H "Content-Type: text/plain")

# ---- the full request ----
warrant NCA-2026-000042 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z $A $S >"$T/w1"
sign "$T/w1" >"$T/w1.signed" || bail "warrant sign"
read -r size0 _ < <(log_state)
req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/w1.signed"
check "a valid warrant is answered 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/bundle.json"
check "the bundle has disclosure, records, records_salt and checkpoint" \
	jq -e '(keys == ["checkpoint","disclosure","records","records_salt"]) and (.disclosure | keys == ["entry","proof","seq"])
	and all(.records[]; keys == ["proof","record","seq"]) and (.records_salt | test("^[A-Za-z0-9+/]{22}==$"))' "$T/bundle.json"
got=$(jq -c '[.records[].seq]' "$T/bundle.json")
if [ "$got" = "$want_seqs" ]; then ok "the records are exactly the matching events, in seq order, each once"
else nok "the records are exactly the matching events" "got $got want $want_seqs"; fi
check "the records carry the events as sent, with nonces" jq -e --arg a "$A" --arg s "$S" '
	[.records[].record | select(.kind == "event" and (.nonce | length) == 24)] | length == 4 and
	(.[0].sender == $a and .[0].ts == 1772323200000) and
	(.[2].sender == $a and .[2].recipient == $s) and (.[3].ts == 1774223999999)' "$T/bundle.json"
check "the disclosure entry states the request" jq -e --arg sha "$(sha256sum "$T/w1.signed" | cut -d' ' -f1)" '
	.disclosure.entry | .kind == "disclosure" and .authority == "uk-nca" and
	.warrant_id == "NCA-2026-000042" and .warrant_sha256 == $sha and
	.from == 1772323200000 and .to == 1774224000000 and .subjects == 2 and
	.records == 4 and (.records_commitment | length) == 44 and (has("records_root") | not) and
	(has("partly_purged") | not)' "$T/bundle.json"
dseq=$(jq .disclosure.seq "$T/bundle.json")
read -r size1 _ < <(log_state)
check "the disclosure was appended, and only it" test "$size1" = "$((size0 + 1))" -a "$dseq" = "$size0"
out=$($E bundle verify --vkey "$VKEY" "$T/bundle.json"); rc=$?
check "envelog bundle verify passes" test "$rc" -eq 0
check "bundle verify names the disclosure" grep -q "disclosure seq $dseq for uk-nca warrant NCA-2026-000042, 4 records" <<<"$out"
# Over-disclosure (--warrant): the records of an honest bundle lie inside
# its warrant; a record outside is named (tests/unit/test_bundle.c forges
# such records, which the server never serves).
out=$($E bundle verify --vkey "$VKEY" --warrant "$T/w1.signed" "$T/bundle.json"); rc=$?
check "bundle verify --warrant with the warrant it answered passes" test "$rc" -eq 0
warrant NCA-2026-000043 2026-03-01T00:00:00Z 2026-03-10T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/w-narrow"
sign "$T/w-narrow" >"$T/w-narrow.signed"
out=$($E bundle verify --vkey "$VKEY" --warrant "$T/w-narrow.signed" "$T/bundle.json"); rc=$?
check "bundle verify --warrant with another warrant: exit 1" test "$rc" -eq 1
check "saying the disclosure answered another warrant" grep -q "INVALID: the disclosure answered another warrant" <<<"$out"
printf 'not a warrant\n' >"$T/w-garbage"
$E bundle verify --vkey "$VKEY" --warrant "$T/w-garbage" "$T/bundle.json" >/dev/null 2>&1; rc=$?
check "bundle verify --warrant with a file that is no warrant: exit 2" test "$rc" -eq 2
jq -j .checkpoint "$T/bundle.json" >"$T/bundle.cp"
read -r bsize broot < <("${ORACLE[@]}" checkpoint "$VKEY" "$T/bundle.cp")
check "the bundle's checkpoint is signed by the log and covers the disclosure" test "${bsize:-0}" -gt "$dseq"
# The oracle checks the bundle's proofs on its own: the disclosure's leaf
# hash from its entry (public leaf data, canonical JSON), each record's from
# the public /v1/leaves, all against the root of the bundle's checkpoint.
{
	jq -c --arg leaf "$(jq -jcS .disclosure.entry "$T/bundle.json" | "${ORACLE[@]}" leaf)" --arg s "$bsize" --arg r "$broot" \
		'["inclusion", (.disclosure.seq | tostring), $s, $leaf, $r] + .disclosure.proof' "$T/bundle.json"
	req GET "/v1/leaves?start=0&end=$bsize"
	jq -c --argjson leaves "$BODY" --arg s "$bsize" --arg r "$broot" '.records[] |
		["inclusion", (.seq | tostring), $s, ($leaves.leaves[.seq].leaf_hash), $r] + .proof' "$T/bundle.json"
} >"$T/bundle.in"
"${ORACLE[@]}" batch <"$T/bundle.in" >"$T/bundle.out"
check "the oracle verifies the disclosure's and all 4 records' inclusion proofs" \
	test "$(sort -u "$T/bundle.out")/$(wc -l <"$T/bundle.out")" = "ok/5"

tamper() { # DESC JQ-FILTER
	jq "$2" "$T/bundle.json" >"$T/bad.json"
	out=$($E bundle verify --vkey "$VKEY" "$T/bad.json"); rc=$?
	if [ "$rc" -eq 1 ]; then ok "bundle verify rejects $1"; else nok "bundle verify rejects $1" "exit $rc: $out"; fi
}
tamper "a record's field changed" '.records[1].record.size += 1'
tamper "a record's recipient changed" '.records[0].record.recipient = "+447700900999"'
tamper "a record's nonce changed" '.records[3].record.nonce = "AAAAAAAAAAAAAAAAAAAAAA=="'
tamper "a record without its nonce" 'del(.records[3].record.nonce)'
tamper "a record served as an entry" '.records[0] |= {seq, proof, entry: .record}'
tamper "a proof hash changed" '.records[2].proof[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'
tamper "a record removed" 'del(.records[1])'
tamper "records_commitment changed" '.disclosure.entry.records_commitment = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="'
tamper "records_salt changed" '.records_salt = "AAAAAAAAAAAAAAAAAAAAAA=="'
tamper "records_salt missing" 'del(.records_salt)'
tamper "the record count changed" '.disclosure.entry.records = 3'
tamper "the checkpoint's root changed" '.checkpoint |= sub("\n(?<r>[A-Za-z0-9+/]{10})"; "\n" + (.r | ascii_downcase))'
tamper "the checkpoint's size changed" '.checkpoint |= sub("\n[0-9]+\n"; "\n1\n")'
out=$($E bundle verify --vkey "${VKEY/+A/+B}" "$T/bundle.json" 2>&1); rc=$?
check "bundle verify with another key is not ok" test "$rc" -ne 0

req GET "/v1/disclosures?since=$dseq&limit=1" -H "Authorization: Bearer $AUD"
check "the auditor sees the disclosure with its records and records_commitment" jq -e --argjson seq "$dseq" \
	--arg c "$(jq -r .disclosure.entry.records_commitment "$T/bundle.json")" '
	.disclosures | length == 1 and .[0].seq == $seq and .[0].kind == "disclosure" and
	.[0].entry.records == 4 and .[0].entry.records_commitment == $c' <<<"$BODY"

# The same warrant again is answered again (same id, same text).
req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/w1.signed"
check "the same warrant may be presented again" test "$STATUS" = 200

# ---- refusals: logged, then 422 ----
refused() { # DESC REASON FILE
	local s0 r0 s1 seq
	read -r s0 r0 < <(log_state)
	sign "$3" >"$3.signed"
	req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$3.signed"
	seq=$(jq -r '.error.detail.seq // empty' <<<"$BODY" 2>/dev/null)
	if [ "$STATUS" = 422 ] && jq -e --arg r "$2" '.error.code == "warrant_refused" and .error.detail.reason == $r' <<<"$BODY" >/dev/null 2>&1 &&
		[ "$seq" = "$s0" ]; then
		ok "$1: 422 $2 with the refusal's seq"
	else
		nok "$1: 422 $2" "status $STATUS ${BODY:0:300}"
		return
	fi
	read -r s1 _ < <(log_state)
	check "$1: the log grew by exactly one entry" test "$s1" = "$((s0 + 1))"
	req GET "/v1/leaves?start=$seq&end=$((seq + 1))"
	check "$1: the refusal entry is in the log" jq -e --arg r "$2" --arg sha "$(sha256sum "$3.signed" | cut -d' ' -f1)" '
		.leaves[0] | .kind == "refusal" and (.entry | keys == ["authority","kind","reason","ts","warrant_id","warrant_sha256"]) and
		.entry.reason == $r and .entry.authority == "uk-nca" and .entry.warrant_sha256 == $sha' <<<"$BODY"
}
warrant NCA-R1 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2026-01-01T00:00:00Z $A >"$T/r1"
refused "expired warrant" expired "$T/r1"
warrant NCA-R2 2025-01-01T00:00:00Z 2026-03-01T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/r2"
refused "window longer than 366 days" window_too_long "$T/r2"
warrant NCA-R3 2026-03-23T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/r3"
refused "from equal to to" window_reversed "$T/r3"
warrant NCA-R4 2026-03-23T00:00:00Z 2026-03-01T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/r4"
refused "from after to" window_reversed "$T/r4"
warrant NCA-R5 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z \
	+441 +442 +443 +444 +445 +446 +447 +448 +449 +4410 +4411 >"$T/r5"
refused "eleven subjects" too_many_subjects "$T/r5"
warrant NCA-R6 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z >"$T/r6"
refused "no subjects" no_subjects "$T/r6"
warrant NCA-2026-000042 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z $A $C >"$T/r7"
refused "a used id with different text" id_reused "$T/r7"
# R2: a correctly signed warrant for another log is refused on the record,
# and the log grows by exactly that refusal entry.
read -r s0 _ < <(log_state)
LOG_ORIGIN=other.example/log warrant NCA-R8 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/r8"
refused "a warrant naming another log" other_log "$T/r8"
read -r s1 _ < <(log_state)
check "other_log: exactly one entry was appended" test "$s1" = "$((s0 + 1))"

# ---- not logged: 401/403 (and 400), log unchanged ----
not_logged() { # DESC STATUS CODE FILE [CURL ARGS…]
	local d=$1 s=$2 c=$3 f=$4 s0 r0 s1 r1
	shift 4
	read -r s0 r0 < <(log_state)
	expect_error "$d" "$s" "$c" POST /v1/requests "${TEXT[@]}" --data-binary "@$f" "$@"
	read -r s1 r1 < <(log_state)
	check "$d: the log is unchanged" test "$s0 $r0" = "$s1 $r1"
}
not_logged "no token" 401 missing_token "$T/w1.signed"
not_logged "unknown token" 401 unknown_token "$T/w1.signed" -H "Authorization: Bearer elog_nope"
not_logged "an ingest token" 403 wrong_role "$T/w1.signed" "${AUTH[@]}"
not_logged "an auditor token" 403 wrong_role "$T/w1.signed" -H "Authorization: Bearer $AUD"
not_logged "another authority's token" 403 unknown_key "$T/w1.signed" -H "Authorization: Bearer $FR"
sed 's/^authority uk-nca$/authority xx-unknown/' "$T/w1" >"$T/xx"
$E warrant sign --key "$T/xx.key" <"$T/xx" >"$T/xx.signed"
not_logged "a warrant signed by an unregistered key" 403 unknown_key "$T/xx.signed" "${REQ_AUTH[@]}"
sign "$T/w1" "$T/nca-other.key" >"$T/other.signed"
not_logged "the right name with the wrong key" 403 bad_signature "$T/other.signed" "${REQ_AUTH[@]}"
sed "s/^subject $S\$/subject +447700900999/" "$T/w1.signed" >"$T/altered.signed"
not_logged "a warrant altered after signing" 403 bad_signature "$T/altered.signed" "${REQ_AUTH[@]}"
sed 's/^authority uk-nca$/authority fr-dgsi/' "$T/w1" >"$T/fr"
$E warrant sign --key "$T/fr.key" <"$T/fr" >"$T/fr.signed"
"$B/tests/tools/signnote" "$T/nca.key" <"$T/fr" >"$T/mismatch.signed"
not_logged "a warrant naming another authority than the token's" 403 authority_mismatch "$T/mismatch.signed" "${REQ_AUTH[@]}"
printf 'envelog/warrant/v1\nid NCA-X\nauthority uk-nca\nlog test.example/log\nsubject %s\nfrom 2026-03-01\nto 2026-03-23T00:00:00Z\nexpires 2027-01-01T00:00:00Z\nbasis x\n' $A >"$T/bad"
"$B/tests/tools/signnote" "$T/nca.key" <"$T/bad" >"$T/bad.signed"
not_logged "a signed warrant that breaks the grammar" 400 malformed_warrant "$T/bad.signed" "${REQ_AUTH[@]}"
not_logged "a body that is not a signed note" 400 malformed_note "$T/w1" "${REQ_AUTH[@]}"
# R2: the log line is required; a warrant without it breaks the grammar
grep -v '^log ' "$T/w1" >"$T/nolog"
"$B/tests/tools/signnote" "$T/nca.key" <"$T/nolog" >"$T/nolog.signed"
not_logged "a signed warrant without a log line" 400 malformed_warrant "$T/nolog.signed" "${REQ_AUTH[@]}"
check "the grammar error names the log line" jq -e '.error.detail.field == "log"' <<<"$BODY"
expect_error "a warrant sent as JSON" 415 unsupported_media_type POST /v1/requests "${REQ_AUTH[@]}" \
	-H "Content-Type: application/json" --data-binary "@$T/w1.signed"
$E authority revoke --db "$DB" fr-dgsi >/dev/null 2>&1
not_logged "a revoked authority" 403 unknown_key "$T/fr.signed" -H "Authorization: Bearer $FR"

# ---- the auditor's ledger and report ----
expect_error "the ledger needs a token" 401 missing_token GET /v1/disclosures
expect_error "the ledger is for auditors" 403 wrong_role GET /v1/disclosures "${REQ_AUTH[@]}"
expect_error "the report is for auditors" 403 wrong_role GET /v1/report "${AUTH[@]}"
expect_error "limit 0 is refused" 400 parameter_out_of_range GET "/v1/disclosures?limit=0" -H "Authorization: Bearer $AUD"
expect_error "a bad since is refused" 400 invalid_parameter GET "/v1/disclosures?since=-1" -H "Authorization: Bearer $AUD"
expect_error "a bad report date is refused" 400 invalid_parameter GET "/v1/report?from=yesterday" -H "Authorization: Bearer $AUD"
req GET "/v1/disclosures?limit=1000" -H "Authorization: Bearer $AUD"
check "the ledger lists 2 disclosures and 8 refusals in seq order" jq -e '
	(.disclosures | map(.kind) | group_by(.) | map(length)) == [2, 8] and
	(.disclosures | map(.seq)) == (.disclosures | map(.seq) | sort) and .next == null' <<<"$BODY"
req GET "/v1/disclosures?limit=4" -H "Authorization: Bearer $AUD"
next=$(jq .next <<<"$BODY")
req GET "/v1/disclosures?since=$next&limit=1000" -H "Authorization: Bearer $AUD"
check "the ledger pages on from next" jq -e '(.disclosures | length) == 6' <<<"$BODY"
month=$(date -u +%Y-%m)
req GET /v1/report -H "Authorization: Bearer $AUD"
check "the report matches the requests made" jq -e --arg m "$month" '
	.rows == [{"authority":"uk-nca","month":$m,"answered":2,"refused":8,"subjects":4,"records":8}]' <<<"$BODY"
req GET "/v1/report?from=2020-01-01&to=2021-01-01" -H "Authorization: Bearer $AUD"
check "the report of another period is empty" jq -e '.rows == [] and .from == "2020-01-01"' <<<"$BODY"

# ---- metrics ----
req GET /metrics
check "metrics count answered requests" grep -q '^envelog_lawful_requests_total{outcome="answered"} 2$' <<<"$BODY"
check "metrics count refusals by reason" grep -q '^envelog_lawful_refusals_total{reason="window_reversed"} 2$' <<<"$BODY"
check "metrics count other_log refusals" grep -q '^envelog_lawful_refusals_total{reason="other_log"} 1$' <<<"$BODY"
check "metrics count unauthenticated requests" grep -q '^envelog_lawful_requests_total{outcome="unauthenticated"} 4$' <<<"$BODY"
check "metrics count bad signatures" grep -Eq '^envelog_lawful_requests_total\{outcome="bad_signature"\} [5-9]$' <<<"$BODY"

# ---- privacy: no event metadata reaches the public or auditors ----
read -r size _ < <(log_state)
: >"$T/public"
for p in /healthz /v1/checkpoint /v1/key /metrics "/v1/leaves?start=0&end=$size" \
	"/v1/proof/inclusion?index=0&size=$size" "/v1/proof/consistency?old=1&new=$size"; do
	curl -s "$URL$p" >>"$T/public"
done
for p in "/v1/disclosures?limit=1000" /v1/report; do
	curl -s -H "Authorization: Bearer $AUD" "$URL$p" >>"$T/public"
done
leaked=
for id in $A $S $C $D 447700900 $(jq -r '.records[].record.nonce' "$T/bundle.json"); do
	grep -qF -- "$id" "$T/public" && leaked="$leaked $id"
done
if [ -z "$leaked" ]; then ok "public and auditor answers carry no identifier or nonce"; else nok "no event metadata leaks" "$leaked"; fi
check "/v1/leaves serves an event only as its commitment" jq -e '[.leaves[] | select(.kind == "event" and (.entry | keys) != ["commitment","kind"])] | length == 0' \
	<<<"$(curl -s "$URL/v1/leaves?start=0&end=$size")"
check "the server log names no subject" bash -c "! grep -qF -- '$A' '$T/server.log'"

# ---- a warrant matching more records than --max-records is refused ----
stop_server
start_server --max-records 3 || bail "server with --max-records 3"
read -r s0 _ < <(log_state)
req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/w1.signed"
check "a warrant matching 4 records with --max-records 3 is refused" jq -e --argjson s "$s0" \
	'.error.code == "warrant_refused" and .error.detail.reason == "too_many_records" and .error.detail.seq == $s' <<<"$BODY"
check "it is answered 422" test "$STATUS" = 422
req GET "/v1/leaves?start=$s0&end=$((s0 + 1))"
check "the too_many_records refusal is in the log" jq -e '.leaves[0].kind == "refusal" and .leaves[0].entry.reason == "too_many_records"' <<<"$BODY"

# ---- --max-window-days and --max-subjects ----
stop_server
start_server --max-window-days 7 --max-subjects 2 || bail "server with --max-window-days 7 --max-subjects 2"
warrant NCA-L1 2026-03-01T00:00:00Z 2026-03-08T00:00:01Z 2027-01-01T00:00:00Z $A >"$T/l1"
refused "a window one second over --max-window-days 7" window_too_long "$T/l1"
warrant NCA-L2 2026-03-01T00:00:00Z 2026-03-08T00:00:00Z 2027-01-01T00:00:00Z $A $S $C >"$T/l2"
refused "three subjects with --max-subjects 2" too_many_subjects "$T/l2"
warrant NCA-L3 2026-03-15T00:00:00Z 2026-03-22T00:00:00Z 2027-01-01T00:00:00Z $A $S >"$T/l3"
sign "$T/l3" >"$T/l3.signed"
read -r s0 _ < <(log_state)
req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/l3.signed"
check "a warrant of exactly 7 days and 2 subjects is answered 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/l3.json"
check "its bundle verifies" "$E" bundle verify --vkey "$VKEY" "$T/l3.json"
check "its bundle discloses the one matching event" jq -e '(.records | length) == 1' "$T/l3.json"
read -r s1 _ < <(log_state)
check "the answer appended exactly one entry, the disclosure" \
	test "$s1 $(jq .disclosure.seq "$T/l3.json")" = "$((s0 + 1)) $s0"

# ---- --root-origin: a shard also takes warrants naming its root log ----
stop_server
start_server --root-origin root.example/root || bail "server with --root-origin"
LOG_ORIGIN=root.example/root warrant NCA-ROOT-1 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/ro1"
sign "$T/ro1" >"$T/ro1.signed"
read -r s0 _ < <(log_state)
req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/ro1.signed"
check "with --root-origin, a warrant naming the root's origin is answered 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/ro1.json"
check "its bundle verifies with this log's key" "$E" bundle verify --vkey "$VKEY" --warrant "$T/ro1.signed" "$T/ro1.json"
check "it is this log's disclosure of the warrant, appended at the next seq" jq -e --argjson s "$s0" \
	--arg sha "$(sha256sum "$T/ro1.signed" | cut -d' ' -f1)" \
	'.disclosure.seq == $s and .disclosure.entry.kind == "disclosure" and .disclosure.entry.warrant_sha256 == $sha and (.records | length) == 3' "$T/ro1.json"
LOG_ORIGIN=third.example/log warrant NCA-ROOT-2 2026-03-01T00:00:00Z 2026-03-23T00:00:00Z 2027-01-01T00:00:00Z $A >"$T/ro2"
refused "with --root-origin, a warrant naming a third log" other_log "$T/ro2"

# ---- a request whose commit fails discloses nothing (500) ----
# ELOG_TEST_FAIL_COMMIT=1: the writer's first commit fails before COMMIT.
stop_server
export ELOG_TEST_FAIL_COMMIT=1
start_server || bail "server with ELOG_TEST_FAIL_COMMIT=1"
unset ELOG_TEST_FAIL_COMMIT
read -r s0 r0 < <(log_state)
rows0=$(sqlite3 "$DB" "SELECT count(*) FROM entry")
expect_error "a request whose commit fails is answered 500 io_error" 500 io_error \
	POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/w1.signed"
leaked=
for id in $A $S $C $D $(jq -r '.records[].entry.nonce' "$T/bundle.json"); do
	grep -qF -- "$id" <<<"$BODY" && leaked="$leaked $id"
done
check "the failed request's answer carries no bundle, record or checkpoint" \
	test -z "$leaked$(jq -r '.. | objects | (.records, .checkpoint, .disclosure) // empty' <<<"$BODY" 2>&1)"
read -r s1 r1 < <(log_state)
check "after the failed commit the log is unchanged (same size, same root)" test "$s1 $r1" = "$s0 $r0"
check "after the failed commit the database holds no new entry" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM entry")" = "$rows0"
req GET /metrics
check "metrics count the failed commit" grep -q '^envelog_commit_failures_total 1$' <<<"$BODY"
check "metrics count the request as failed" grep -q '^envelog_lawful_requests_total{outcome="failed"} 1$' <<<"$BODY"
req POST /v1/requests "${REQ_AUTH[@]}" "${TEXT[@]}" --data-binary "@$T/w1.signed"
check "the server answers the next request 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/after.json"
check "the next bundle verifies" "$E" bundle verify --vkey "$VKEY" "$T/after.json"
check "its disclosure takes the seq the failed one would have had" \
	test "$(jq .disclosure.seq "$T/after.json")" = "$s0"

stop_server
out=$($E verify --quiet --db "$DB"); rc=$?
check "the log verifies after the requests" test "$rc" -eq 0
finish
