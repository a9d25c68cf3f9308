#!/usr/bin/env bash
# envelog copy: a log moved from SQLite to PostgreSQL and back.  The source
# has a purged prefix, sealed index runs, a disclosure with its warrant
# use, a witness cosignature, tokens, authorities, witnesses and ingest
# keys; the copy verifies, serves the same checkpoint, answers the same
# lawful request with the same records, and its round trip back to SQLite
# has every row of the source.  A copy onto a target that is not new
# changes nothing (exit 3).
export ELOG_TEST_INDEX_RUN_BITS=4 # runs of 16 events: several are sealed
. "$(dirname "$0")/lib.sh"
. tests/integration/pg.sh

E=$B/envelog
A=+447700900123
S=+447700900456

# ---- the source: an old purged prefix, then events through the server ----
"$B/tests/tools/mklog" "$DB" 200 40 >/dev/null || bail "mklog"
$E purge --db "$DB" --before 2023-11-14T22:15:00Z >/dev/null 2>&1 || bail "purge"
AUD=$($E token add --db "$DB" --role auditor 2>/dev/null)
$E token revoke --db "$DB" 1 >/dev/null 2>&1 # the ingest token of lib.sh
REVOKED=$INGEST
INGEST=$($E token add --db "$DB" --role ingest --label second 2>/dev/null)
AUTH=(-H "Authorization: Bearer $INGEST")
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
W1=$($E witness keygen witness-1 --out "$T/w1.key" 2>/dev/null) || bail "witness keygen"
$E witness add --db "$DB" witness-1 "$W1" >/dev/null 2>&1
start_server || bail "server"
for i in 1 2 3; do
	post_events "ingest batch $i" "[$(event_json $A +4477009007$i 2026-03-0${i}T10:00:00Z),$(event_json +4477009008$i $S 2026-03-0${i}T11:00:00Z),$(event_json +4477009009$i +447700900999 2026-03-0${i}T12:00:00Z)]"
done
event_json $A $S 2026-03-04T10:00:00Z >"$T/once"
req POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: copy-1" --data-binary "[$(cat "$T/once")]"
check "an ingest with an Idempotency-Key" test "$STATUS" = 201
once=$(jq -r .first <<<"$BODY")
printf 'envelog/warrant/v1\nid W-1\nauthority uk-nca\nlog test.example/log\nsubject %s\nfrom 2026-03-01T00:00:00Z\nto 2026-03-23T00:00:00Z\nexpires 2027-01-01T00:00:00Z\nbasis test\n' "$A" |
	$E warrant sign --key "$T/nca.key" >"$T/w.signed"
req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
check "the lawful request on the source is answered" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/bundle.json"
$E audit --url "$URL" --vkey "$VKEY" --state "$T/state" --cosign "$T/w1.key" --token "$AUD" >/dev/null 2>&1
check "the source's latest checkpoint is cosigned" grep -q '^— witness-1 ' <<<"$(curl -s "$URL/v1/checkpoint")"
curl -s -o "$T/cp.src" "$URL/v1/checkpoint"
read -r size0 root0 < <(log_state)
stop_server
check "the source verifies, with a purged prefix" grep -q "([1-9][0-9]* purged)" <<<"$($E verify --db "$DB" --vkey "$VKEY" 2>/dev/null)"

# ---- SQLite to PostgreSQL ----
pg_start copy
$E warrant keygen test.example/log --out "$T/wrong.key" >/dev/null 2>&1
out=$($E copy --from "$DB" --to "$PG_URL" --key "$T/wrong.key" 2>&1); rc=$?
check "a copy with another key than the log's exits 2" test "$rc" -eq 2
check "saying so" grep -q "not this log's key" <<<"$out"
out=$($E copy --from "$DB" --to "$PG_URL" 2>&1); rc=$?
check "then the copy with the log's key into that database exits 0" test "$rc" -eq 0
check "it says what it copied and that the copy verifies" grep -q "^copied $size0 entries ([1-9][0-9]* of the purged prefix as rows), .* the copy verifies$" <<<"$out"
out=$($E verify --db "$PG_URL" --vkey "$VKEY" 2>/dev/null); rc=$?
check "envelog verify passes on the PostgreSQL copy" test "$rc" -eq 0
src_out=$($E verify --db "$DB" --vkey "$VKEY" 2>/dev/null)
# shellcheck disable=SC2001 # a pattern, not a fixed string
nohash() { sed -E 's/, [0-9]+ tree hashes,/,/' <<<"$1"; }
check "with the same counts as the source" test "$(nohash "$out")" = "$(nohash "$src_out")"
# PostgreSQL keeps every tree node of level 1 and above, size - popcount(size)
# of them; SQLite those of level 4 and above (levels 1 to 3 are hashed up
# from the leaf hashes when read).
pc=0; for ((v = size0; v > 0; v >>= 1)); do pc=$((pc + (v & 1))); done
l4=0; for ((v = size0 >> 4; v > 0; v >>= 1)); do l4=$((l4 + v)); done
check "every level on PostgreSQL ($((size0 - pc)) tree hashes)" grep -q ", $((size0 - pc)) tree hashes," <<<"$out"
check "levels 4 and above on SQLite ($l4 tree hashes)" grep -q ", $l4 tree hashes," <<<"$src_out"
db0=$DB
DB=$PG_URL
start_server --key "$KEY" || bail "server on the copy"
read -r size1 root1 < <(log_state)
check "the copy serves the same size and root" test "$size1 $root1" = "$size0 $root0"
curl -s -o "$T/cp.pg" "$URL/v1/checkpoint"
check "the same checkpoint note, its cosignature too, byte for byte" cmp -s "$T/cp.src" "$T/cp.pg"
out=$($E bundle verify --vkey "$VKEY" "$T/bundle.json" 2>&1)
check "the source's bundle verifies" test $? -eq 0
bsize=$(jq -r .checkpoint "$T/bundle.json" | sed -n 2p)
req GET "/v1/checkpoint?size=$bsize"
check "the copy serves the bundle's checkpoint" test "$(printf '%s\n' "$BODY" | head -3)" = "$(jq -r .checkpoint "$T/bundle.json" | head -3)"
req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
check "the warrant, the authority and its token work on the copy" test "$STATUS" = 200
check "its index finds the same records" test "$(jq -c '[.records[] | .seq, .record]' <<<"$BODY")" = "$(jq -c '[.records[] | .seq, .record]' "$T/bundle.json")"
printf '%s' "$BODY" >"$T/bundle2.json"
check "the new bundle verifies" "$E" bundle verify --vkey "$VKEY" "$T/bundle2.json"
req POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: copy-1" --data-binary "[$(cat "$T/once")]"
check "the ingest key was copied: a retry answers the first result" test "$STATUS $(jq -r .first <<<"$BODY")" = "201 $once"
expect_error "the revoked token stays revoked" 401 unknown_token POST /v1/events -H "Authorization: Bearer $REVOKED" "${JSON[@]}" --data-binary "[$(event)]"
read -r size1 _ < <(log_state)
post_events "the copied ingest token appends" "[$(event)]"
check "at the next seq" test "$FIRST" = "$size1"
stop_server
id=$($E token add --db "$PG_URL" --role auditor 2>&1 >/dev/null | grep -o 'token [0-9]*' | cut -d' ' -f2)
check "a token added on the copy gets the next id" test "$id" = "$(($(sqlite3 "$db0" 'SELECT max(id) FROM token') + 1))"
read -r size2 < <($E verify --db "$PG_URL" --vkey "$VKEY" 2>/dev/null | grep -o '^ok: [0-9]*' | cut -c5-)

# ---- a refused copy changes nothing ----
out=$($E copy --from "$db0" --to "$PG_URL" 2>&1); rc=$?
check "a copy onto a non-empty PostgreSQL database exits 3" test "$rc" -eq 3
read -r size3 < <($E verify --db "$PG_URL" --vkey "$VKEY" 2>/dev/null | grep -o '^ok: [0-9]*' | cut -c5-)
check "and leaves it as it was" test "$size3" = "$size2" -a -n "$size2"
touch "$T/taken.db"
$E copy --from "$db0" --to "$T/taken.db" >/dev/null 2>&1; rc=$?
check "a copy onto an existing file exits 3" test "$rc" -eq 3
check "and leaves it empty" test ! -s "$T/taken.db"

# ---- and back: every row of the source ----
out=$($E copy --from "$PG_URL" --to "$T/back.db" --key "$KEY" 2>&1); rc=$?
check "copy from PostgreSQL back to SQLite exits 0" test "$rc" -eq 0 || echo "# $out"
ntree=$(sqlite3 "$db0" 'SELECT count(*) FROM tree_hash')
maxid=$(sqlite3 "$db0" 'SELECT max(id) FROM token')
rows() { # DB: the rows the log is made of, in a fixed order
	sqlite3 "$1" "SELECT seq, kind, ts, hex(data), hex(leaf_hash), hex(chain_hash) FROM entry WHERE seq < $size0 ORDER BY seq;
		SELECT seq, ts, hex(data) FROM $(records "$1") WHERE seq < $size0 ORDER BY seq;
		SELECT id, hex(hash) FROM tree_hash ORDER BY id LIMIT $ntree;
		SELECT size, hex(root), note, created FROM checkpoint WHERE size <= $size0 ORDER BY size;
		SELECT * FROM cosignature ORDER BY size, witness;
		SELECT * FROM authority ORDER BY name; SELECT * FROM witness ORDER BY name;
		SELECT authority, id, hex(text_sha256), first_seq FROM warrant_use ORDER BY authority, id;
		SELECT * FROM purge_horizon ORDER BY before;
		SELECT token, key, hex(body_hash), first, count, created FROM ingest_key ORDER BY token, key;
		SELECT value FROM meta WHERE key IN ('origin', 'vkey', 'party_key', 'index_run_bits') ORDER BY key"
}
check "the round trip has every row of the source" test "$(rows "$db0" | sha256sum)" = "$(rows "$T/back.db" | sha256sum)"
check "and its tokens (hashes, roles, revocations)" test "$(sqlite3 "$db0" 'SELECT id, hex(hash), role, authority, label, created, revoked FROM token ORDER BY id')" = \
	"$(sqlite3 "$T/back.db" "SELECT id, hex(hash), role, authority, label, created, revoked FROM token WHERE id <= $maxid ORDER BY id")"
check "the round trip verifies" "$E" verify --db "$T/back.db" --vkey "$VKEY"
finish
