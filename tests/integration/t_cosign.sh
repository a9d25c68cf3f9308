#!/usr/bin/env bash
# Witness cosignatures: produced by `envelog audit --cosign`, checked and
# stored by envelogd, served with their checkpoint, verified in bundles;
# forged ones refused.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
AUD=$($E token add --db "$DB" --role auditor 2>/dev/null)
W1=$($E witness keygen witness-1 --out "$T/w1.key" 2>/dev/null) || bail "witness keygen"
W2=$($E witness keygen witness-2 --out "$T/w2.key" 2>/dev/null)
$E witness keygen witness-1 --out "$T/w1-other.key" >/dev/null 2>&1
check "the witness key file is mode 0600" test "$(stat -c %a "$T/w1.key")" = 600
$E witness add --db "$DB" witness-1 "$W1" >/dev/null 2>&1
check "a registered witness is listed" grep -q "^witness-1" <<<"$($E witness list --db "$DB" 2>/dev/null)"
# An Ed25519 signed-note key (0x01) can never make cosignature/v1 lines.
ED=$($E warrant keygen witness-3 --out "$T/w3-ed.key" 2>/dev/null)
$E witness add --db "$DB" witness-3 "$ED" >/dev/null 2>"$T/err"; rc=$?
check "witness add refuses a 0x01 key (exit 2)" test "$rc" -eq 2
check "naming the key type it needs" grep -q "cosignature/v1 key (type 0x04" "$T/err"
check "the refused witness is not registered" test -z "$($E witness list --db "$DB" 2>/dev/null | grep '^witness-3')"
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
start_server || bail "server"

post_events "ingest" "[$(event 1772400000000),$(event 1772400001000)]"
# A disclosure, so that a bundle exists whose checkpoint gets cosigned.
printf 'envelog/warrant/v1\nid W-1\nauthority uk-nca\nlog test.example/log\nsubject +447700900456\nfrom 2026-03-01T00:00:00Z\nto 2026-03-23T00:00:00Z\nexpires 2027-01-01T00:00:00Z\nbasis test\n' |
	$E warrant sign --key "$T/nca.key" >"$T/w.signed"
req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
printf '%s' "$BODY" >"$T/bundle.json"
check "the lawful request is answered" test "$STATUS" = 200

out=$($E audit --url "$URL" --vkey "$VKEY" --state "$T/state" --cosign "$T/w1.key" --token "$AUD" --json 2>/dev/null); rc=$?
check "audit --cosign exits 0" test "$rc" -eq 0
check "audit reports the cosignature" jq -e '.cosigned == true' <<<"$out"
req GET /v1/checkpoint
check "the checkpoint is served with the witness line" grep -q '^— witness-1 ' <<<"$BODY"
check "the log's own signature comes first" test "$(grep -c '^— ' <<<"$BODY")" = 2 -a "$(grep '^— ' <<<"$BODY" | head -1 | cut -d' ' -f2)" = test.example/log
printf '%s\n' "$BODY" >"$T/cp"
read -r size _ < <("${ORACLE[@]}" checkpoint "$VKEY" "$T/cp")
check "the cosigned checkpoint still verifies with the log key" test -n "$size"

# The bundle's checkpoint, fetched again by its size with the
# cosignatures it gathered since.
bsize=$(jq -r .checkpoint "$T/bundle.json" | sed -n 2p)
req GET "/v1/checkpoint?size=$bsize"
check "the bundle's checkpoint is served by size" test "$STATUS" = 200
check "it carries the witness line" grep -q '^— witness-1 ' <<<"$BODY"
printf '%s\n' "$BODY" >"$T/bcp"
check "its text is the bundle's checkpoint" test "$(jq -r .checkpoint "$T/bundle.json" | head -3)" = "$(head -3 "$T/bcp")"
jq --rawfile cp "$T/bcp" '.checkpoint = $cp' "$T/bundle.json" >"$T/cosigned.json"
expect_error "a size never signed is 404" 404 not_found GET "/v1/checkpoint?size=999999"
expect_error "a bad size is 400" 400 invalid_parameter GET "/v1/checkpoint?size=x"
out=$($E bundle verify --vkey "$VKEY" --witness "$W1" --min-witnesses 1 "$T/cosigned.json"); rc=$?
check "bundle verify --min-witnesses 1 passes with the cosignature" test "$rc" -eq 0
$E bundle verify --vkey "$VKEY" --witness "$W1" --min-witnesses 1 "$T/bundle.json" >/dev/null; rc=$?
check "bundle verify --min-witnesses 1 fails without it" test "$rc" -eq 1
$E bundle verify --vkey "$VKEY" --witness "$W1" --witness "$W2" --min-witnesses 2 "$T/cosigned.json" >/dev/null; rc=$?
check "bundle verify --min-witnesses 2 fails with one" test "$rc" -eq 1
out=$($E bundle verify --vkey "$VKEY" --witness "$W1" --witness "$W1" --witness "$W1" --min-witnesses 3 "$T/cosigned.json"); rc=$?
check "one witness named three times counts once (exit 1)" test "$rc" -eq 1
check "bundle verify says it found one cosignature" grep -q "has 1 valid witness cosignatures; 3 required" <<<"$out"

# Forged cosignatures: 403, nothing stored.
cosig() { # KEYFILE -> a cosignature body for the latest checkpoint
	"$B/tests/tools/signnote" cosign "$1" "$T/cp"
}
before=$(curl -s "$URL/v1/checkpoint")
cosig "$T/w2.key" >"$T/forged2" 2>/dev/null || bail "signnote cosign"
expect_error "an unregistered witness is refused" 403 unknown_key POST /v1/cosignatures \
	-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary "@$T/forged2"
cosig "$T/w1-other.key" >"$T/forged1"
expect_error "a witness's name with another key is refused" 403 bad_signature POST /v1/cosignatures \
	-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary "@$T/forged1"
sed '2s/^.*$/999/' "$T/forged1" >"$T/unknown-cp"
expect_error "a checkpoint the log never signed is refused" 404 not_found POST /v1/cosignatures \
	-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary "@$T/unknown-cp"
expect_error "a cosignature needs the auditor role" 403 wrong_role POST /v1/cosignatures \
	"${AUTH[@]}" -H "Content-Type: text/plain" --data-binary "@$T/forged2"
cat "$T/forged2" >"$T/two"; tail -1 "$T/forged1" >>"$T/two"
expect_error "a body with two cosignature lines is refused" 400 malformed_cosignature POST /v1/cosignatures \
	-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary "@$T/two"
expect_error "an empty cosignature body is refused" 400 malformed_cosignature POST /v1/cosignatures \
	-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary ""
check "forged cosignatures were not stored" test "$(curl -s "$URL/v1/checkpoint")" = "$before"
$E witness revoke --db "$DB" witness-1 >/dev/null 2>&1
cosig "$T/w1.key" >"$T/revoked"
expect_error "a revoked witness is refused" 403 unknown_key POST /v1/cosignatures \
	-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary "@$T/revoked"
stop_server
out=$($E verify --quiet --db "$DB"); rc=$?
check "the log verifies with cosignatures stored" test "$rc" -eq 0
finish
