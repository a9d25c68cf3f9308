#!/usr/bin/env bash
# SPEC Revision 2 formats against the real server: identifiers refused with
# the log unchanged; warrants bound to a log (v2/warrants.json: answered by
# the log of log_origin, refused on the record by another); bundles that
# carry records and records_salt; a public client that recomputes every leaf
# hash of every kind from /v1/leaves; pre-R2 databases refused.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
VEC=${ELOG_VECTORS:-tests/vectors}/v2/warrants.json
[ -r "$VEC" ] || bail "cannot read $VEC"
LOG1=$(jq -r .log_origin "$VEC")
WAUTH_VK=$(jq -r .authority_verifier_key "$VEC")
WAUTH=${WAUTH_VK%%+*}
jq -j .warrant_for_this_log "$VEC" >"$T/w-this"
jq -j .warrant_for_other_log "$VEC" >"$T/w-other"
WSUBJ=$(grep -m1 '^subject ' "$T/w-this" | cut -d' ' -f2)
WFROM=$(grep -m1 '^from ' "$T/w-this" | cut -d' ' -f2)
TEXT=(-H "Content-Type: text/plain")

# ---- this test's log (origin test.example/log) ----
$E authority add --db "$DB" "$WAUTH" "$WAUTH_VK" >/dev/null 2>&1 || bail "authority add"
WTOK=$($E token add --db "$DB" --role authority --authority "$WAUTH" 2>/dev/null)
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add uk-nca"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
start_server || bail "server"

post_events "events of a subject" "[$(event),$(event),$(event)]"

# ---- identifiers: 1-128 bytes of [A-Za-z0-9+._:@/=-] ----
ident_refused() { # DESC FIELD EVENT-JSON
	local s0 r0 s1 r1
	read -r s0 r0 < <(log_state)
	printf '[%s,%s]' "$(event)" "$3" >"$T/post"
	expect_error "$1: 400 invalid_value" 400 invalid_value POST /v1/events "${AUTH[@]}" "${JSON[@]}" --data-binary "@$T/post"
	check "$1: the error names event 1 and $2" jq -e --arg f "$2" '.error.detail == {"index":1,"field":$f}' <<<"$BODY"
	read -r s1 r1 < <(log_state)
	check "$1: the log is unchanged (same size, same root)" test "$s0 $r0" = "$s1 $r1"
}
ident_refused "prose as a sender" sender \
	'{"ts":1,"sender":"Meet me at the docks at 5pm","recipient":"+447700900456","type":"message","size":1}'
ident_refused "a recipient with a comma" recipient \
	'{"ts":1,"sender":"+447700900123","recipient":"+44770,0900456","type":"message","size":1}'
ident_refused "a device with a space" device \
	'{"ts":1,"sender":"+447700900123","recipient":"+447700900456","type":"message","size":1,"device":"my phone"}'
ident_refused "a non-ASCII sender" sender \
	'{"ts":1,"sender":"caf\u00e9","recipient":"+447700900456","type":"message","size":1}'
post_events "every identifier character is accepted" \
	'[{"ts":1,"sender":"Az09+._:@/=-","recipient":"grp:7f3a91","type":"message","size":1,"device":"dev/1=a"}]'

# ---- a warrant for another log: refused on the record ----
read -r s0 _ < <(log_state)
req POST /v1/requests -H "Authorization: Bearer $WTOK" "${TEXT[@]}" --data-binary "@$T/w-this"
check "the vector warrant for $LOG1 is refused here: 422 warrant_refused other_log with the refusal's seq" \
	jq -e --argjson s "$s0" '.error.code == "warrant_refused" and .error.detail.reason == "other_log" and .error.detail.seq == $s' <<<"$BODY"
check "it is answered 422" test "$STATUS" = 422
read -r s1 _ < <(log_state)
check "exactly one entry was appended" test "$s1" = "$((s0 + 1))"
req GET "/v1/leaves?start=$s0&end=$s1"
check "it is the refusal, reason other_log, naming the warrant" jq -e --arg sha "$(sha256sum "$T/w-this" | cut -d' ' -f1)" \
	--arg a "$WAUTH" '.leaves[0] | .kind == "refusal" and .entry.reason == "other_log" and .entry.authority == $a and .entry.warrant_sha256 == $sha' <<<"$BODY"

# ---- a disclosure on this log, its bundle checked offline ----
printf 'envelog/warrant/v1\nid NCA-R2-1\nauthority uk-nca\nlog test.example/log\nsubject +447700900456\nfrom 2020-01-01T00:00:00Z\nto 2020-12-31T00:00:00Z\nexpires 2099-01-01T00:00:00Z\nbasis test\n' >"$T/w1"
$E warrant sign --key "$T/nca.key" <"$T/w1" >"$T/w1.signed" || bail "warrant sign"
printf '[{"ts":"2020-06-01T00:00:00Z","sender":"+447700900123","recipient":"+447700900456","type":"call","size":5},{"ts":"2020-06-02T00:00:00Z","sender":"+447700900456","recipient":"grp:1","type":"message","size":6}]' >"$T/old"
post_events "two events inside the warrant's window" "$(cat "$T/old")"
first=$FIRST
req POST /v1/requests -H "Authorization: Bearer $NCA" "${TEXT[@]}" --data-binary "@$T/w1.signed"
check "a warrant naming this log is answered 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/bundle.json"
check "the bundle: records as {seq, record, proof} with nonces, a 16-byte records_salt, no records_root" \
	jq -e --argjson f "$first" '([.records[].seq] == [$f, $f + 1]) and all(.records[]; keys == ["proof","record","seq"] and (.record.nonce | length) == 24)
	and (.records_salt | test("^[A-Za-z0-9+/]{22}==$")) and (.disclosure.entry | has("records_commitment") and (has("records_root") | not))' "$T/bundle.json"
# records_commitment = SHA-256(salt || root of the records' leaf hashes), recomputed here
rc_ok=$(python3 - "$T/bundle.json" <<'PY'
import base64, hashlib, json, sys
b = json.load(open(sys.argv[1]))
h = lambda x: hashlib.sha256(x).digest()
canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
leaves = [h(b"\x00" + canon({"commitment": base64.b64encode(h(canon(r["record"]))).decode(), "kind": "event"})) for r in b["records"]]
assert len(leaves) == 2
root = h(b"\x01" + leaves[0] + leaves[1])
salt = base64.b64decode(b["records_salt"])
print("yes" if base64.b64encode(h(salt + root)).decode() == b["disclosure"]["entry"]["records_commitment"] else "no")
PY
)
check "records_commitment recomputes from the records and records_salt" test "$rc_ok" = yes
out=$($E bundle verify --vkey "$VKEY" "$T/bundle.json"); rc=$?
check "envelog bundle verify passes" test "$rc" -eq 0
req GET "/v1/leaves?start=$first&end=$((first + 2))"
check "each record's commitment is the public entry of its leaf" jq -e --slurpfile b "$T/bundle.json" \
	'[.leaves[].entry.commitment] | length == 2 and all(.[]; test("^[A-Za-z0-9+/]{43}=$"))' <<<"$BODY"

# ---- a purge, so that every kind of entry is in the log ----
stop_server
sleep 1
$E purge --db "$DB" --before "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$T/purge.out" 2>&1
check "envelog purge appends a purge entry" grep -q "purge entry seq" "$T/purge.out"
start_server || bail "server after the purge"
post_events "events after the purge" "$(events 5 after)"
# Past 16 entries, so that the tree node over seq 0..15 is stored (levels 1
# to 3 are hashed up from the leaf hashes when read): a forged leaf hash
# below then leaves the root as signed, and the server starts on it.
post_events "events past the first 16 entries" "$(events 3 fill)"

# ---- a public client recomputes every leaf hash from /v1/leaves ----
read -r size root < <(log_state)
out=$(python3 tests/integration/publicclient.py "$URL" "$size" "$root"); rc=$?
check "a public client recomputes every leaf hash, chain value and the checkpoint root from /v1/leaves" test "$rc" -eq 0
check "it saw every kind of entry" grep -Eq "^ok $size disclosure=1 event=[0-9]+ purge=1 refusal=1$" <<<"$out"
# and an event whose public data is anything but its commitment is caught
stop_server
cp "$DB" "$T/forged.db"; cp "$KEY" "$T/forged.key"
[ -e "$DB-wal" ] && cp "$DB-wal" "$T/forged.db-wal"
python3 - "$T/forged.db" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER entry_no_update")
d = b'{"kind":"event","ts":1}'
db.execute("UPDATE entry SET data = ?, leaf_hash = ? WHERE seq = 0", (d, hashlib.sha256(b"\x00" + d).digest()))
db.commit()
PY
DB0=$DB DB=$T/forged.db
start_server || bail "server on the forged copy"
out=$(python3 tests/integration/publicclient.py "$URL" "$size" "$root"); rc=$?
check "the public client names an event leaf that is not a commitment" test "$rc" -eq 1 -a "$out" = "seq 0: an event's data is not exactly a commitment"
stop_server
out=$($E verify --quiet --db "$T/forged.db" 2>/dev/null); rc=$?
check "envelog verify names it too" test "$rc" -eq 1 -a "${out:0:13}" = "TAMPERED seq "
DB=$DB0

# ---- the vectors' log: answers the warrant naming it, refuses the other ----
DB=$T/v1.db
V1KEY=$($E init --db "$DB" --origin "$LOG1" 2>/dev/null) || bail "init $LOG1"
INGEST=$($E token add --db "$DB" --role ingest 2>/dev/null)
AUTH=(-H "Authorization: Bearer $INGEST")
$E authority add --db "$DB" "$WAUTH" "$WAUTH_VK" >/dev/null 2>&1 || bail "authority add on $LOG1"
WTOK=$($E token add --db "$DB" --role authority --authority "$WAUTH" 2>/dev/null)
VKEY=$V1KEY
start_server || bail "server of $LOG1"
post_events "an event of the vector warrant's subject in its window" \
	"[{\"ts\":\"$WFROM\",\"sender\":\"$WSUBJ\",\"recipient\":\"grp:1\",\"type\":\"message\",\"size\":1}]"
ts1=$(( $(date -u -d "$WFROM" +%s) * 1000 ))
post_events "an event of the subject outside the window" \
	"[{\"ts\":$((ts1 - 1)),\"sender\":\"$WSUBJ\",\"recipient\":\"grp:1\",\"type\":\"message\",\"size\":1}]"
req POST /v1/requests -H "Authorization: Bearer $WTOK" "${TEXT[@]}" --data-binary "@$T/w-this"
check "the log $LOG1 answers the vector warrant naming it" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/b1.json"
check "its bundle holds the one event in the window" jq -e '[.records[].seq] == [0] and .disclosure.entry.records == 1' "$T/b1.json"
out=$($E bundle verify --vkey "$VKEY" "$T/b1.json"); rc=$?
check "and verifies offline with the log's key" test "$rc" -eq 0
read -r s0 _ < <(log_state)
req POST /v1/requests -H "Authorization: Bearer $WTOK" "${TEXT[@]}" --data-binary "@$T/w-other"
check "the same authority's warrant naming another log is refused: 422 other_log" \
	jq -e --argjson s "$s0" '.error.code == "warrant_refused" and .error.detail.reason == "other_log" and .error.detail.seq == $s' <<<"$BODY"
read -r s1 _ < <(log_state)
check "with exactly one refusal entry appended" test "$s1" = "$((s0 + 1))"
stop_server

# ---- pre-R2 databases are refused ----
cp "$DB" "$T/old.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 2"); c.commit()' "$T/old.db"
out=$($E verify --db "$T/old.db" 2>&1); rc=$?
check "envelog verify refuses a pre-R2 database (exit 2, says so)" test "$rc" -eq 2
check "its message names Revision 2" grep -q "before Revision 2" <<<"$out"
PORT=$(free_port)
out=$(timeout 10 "$B/envelogd" --db "$T/old.db" --listen "127.0.0.1:$PORT" --key "$T/v1.key" 2>&1); rc=$?
check "envelogd refuses to start on a pre-R2 database" test "$rc" -ne 0 -a "$rc" -ne 124
check "its message names Revision 2" grep -q "before Revision 2" <<<"$out"
v=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' "$T/old.db")
check "the pre-R2 database was left as it was" test "$v" = 2

finish
