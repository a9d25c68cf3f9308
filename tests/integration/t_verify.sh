#!/usr/bin/env bash
# envelog verify against what the auditor holds (--vkey, --checkpoint), and
# the forgeries of the adversarial review done with write access to the
# database file: a re-keyed rewrite, a truncated tail, an unsigned tail.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
FORGE=$B/tests/tools/forge
[ -x "$FORGE" ] || bail "$FORGE is not built"
A=+447700900123
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
start_server || bail "server"

NOW=$(($(date +%s) * 1000))
iso() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ; }
ev() { printf '{"ts":%s,"sender":"%s","recipient":"+447700900456","type":"call","size":%d}' "$2" "$1" "$RANDOM"; }
post_events "ingest three events" "[$(ev $A $((NOW - 5000))),$(ev +447700900777 $((NOW - 4000))),$(ev $A $((NOW - 3000)))]"
printf 'envelog/warrant/v1\nid W-1\nauthority uk-nca\nlog test.example/log\nsubject %s\nfrom %s\nto %s\nexpires %s\nbasis test\n' \
	"$A" "$(iso $((NOW - 86400000)))" "$(iso $((NOW + 86400000)))" "$(iso $((NOW + 86400000)))" |
	$E warrant sign --key "$T/nca.key" >"$T/w1.signed"
req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w1.signed"
check "a lawful request is answered" test "$STATUS" = 200
DSEQ=$(jq .disclosure.seq <<<"$BODY")
post_events "ingest one more event, alone in its commit" "[$(ev +447700900888 $((NOW - 2000)))]"
curl -s -o "$T/held.cp" "$URL/v1/checkpoint"
read -r SIZE _ < <("$B/tests/tools/proofcheck" checkpoint "$VKEY" "$T/held.cp")
stop_server
check "the server stops cleanly" test "$SRV_RC" -eq 0
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$DB" "$T/intact.db"

# verify DESC WANT-RC WANT-PREFIX DB [ARGS…]
verify() {
	local d=$1 want=$2 prefix=$3 db=$4; shift 4
	out=$($E verify --quiet --db "$db" "$@" 2>"$T/verify.err"); rc=$?
	if [ "$rc" -eq "$want" ] && [[ "$out" == "$prefix"* ]]; then ok "$d"
	else nok "$d" "exit $rc (want $want): $out" "$(cat "$T/verify.err")"; fi
}
fresh() { cp "$T/intact.db" "$T/$1.db"; echo "$T/$1.db"; }
# The log is smaller than one index run (2^16 events): its index rows are
# all in index_hot (t_tamper.sh tampers with sealed runs).
drop="DROP TRIGGER entry_no_update; DROP TRIGGER entry_no_delete; DROP TRIGGER event_data_p0_no_delete; DROP TRIGGER tree_hash_no_delete; DROP TRIGGER checkpoint_no_delete;"

# ---- the intact log ----
verify "the intact log verifies with --vkey and --checkpoint" 0 "ok: $SIZE entries" "$DB" --vkey "$VKEY" --checkpoint "$T/held.cp"
check "with --vkey, verify gives no warning" test ! -s "$T/verify.err"
verify "the intact log verifies without --vkey" 0 "ok: $SIZE entries" "$DB"
check "without --vkey, verify says on stderr that it trusted the database's key" \
	grep -q "no --vkey given: signatures were checked against the key stored in the database" "$T/verify.err"
printf '%s\n' "$(sqlite3 "$DB" "SELECT note FROM checkpoint WHERE size = 3")" >"$T/old.cp"
verify "a checkpoint of an older size is consistent with the log" 0 "ok:" "$DB" --vkey "$VKEY" --checkpoint "$T/old.cp"
$E warrant keygen test.example/log --out "$T/other.key" >/dev/null 2>&1
out=$($E verify --quiet --db "$DB" --vkey "$VKEY" --checkpoint "$NCA_VK" 2>&1); rc=$?
check "an unreadable --checkpoint file is a usage error (exit 2)" test "$rc" -eq 2
printf 'test.example/log\n%s\n%s\n' "$SIZE" "$(sqlite3 "$DB" "SELECT note FROM checkpoint WHERE size = $SIZE" | sed -n 3p)" |
	$E warrant sign --key "$T/other.key" >"$T/other.cp" 2>/dev/null
out=$($E verify --quiet --db "$DB" --vkey "$VKEY" --checkpoint "$T/other.cp" 2>&1); rc=$?
check "a --checkpoint not signed by --vkey is refused (exit 2)" test "$rc" -eq 2

# ---- a re-keyed rewrite: a disclosure's data rewritten, every hash
# recomputed, every checkpoint re-signed with a fresh key of the same
# origin, that key stored in meta ----
db=$(fresh rewrite)
sqlite3 "$db" "$drop UPDATE entry SET data = CAST(replace(CAST(data AS TEXT), '\"records\":2', '\"records\":0') AS BLOB) WHERE seq = $DSEQ"
check "the rewrite changed the disclosure" sqlite3 "$db" "SELECT 1 FROM entry WHERE seq = $DSEQ AND CAST(data AS TEXT) LIKE '%\"records\":0%'" 
"$FORGE" rekey "$db" "$T/rekeyed.db" >/dev/null || bail "forge rekey"
verify "without --vkey the re-keyed rewrite passes (the database's key is trusted)" 0 "ok: $SIZE entries" "$T/rekeyed.db"
verify "with --vkey the re-keyed rewrite fails (exit 1)" 1 "TAMPERED seq 0: checkpoint of size 0: the signature does not verify with --vkey" "$T/rekeyed.db" --vkey "$VKEY"
verify "with --checkpoint the re-keyed rewrite fails (exit 1)" 1 "TAMPERED" "$T/rekeyed.db" --vkey "$VKEY" --checkpoint "$T/held.cp"

# ---- the last entry deleted with its checkpoint and tree hashes ----
# tlog's stored-hash index of leaf n: every hash of the first n leaves is
# stored below it.
stored_index() { local n=$1 i=0; while [ "$n" -gt 0 ]; do i=$((i + n)); n=$((n >> 1)); done; echo $i; }
db=$(fresh truncate)
last=$((SIZE - 1))
sqlite3 "$db" "$drop DELETE FROM entry WHERE seq = $last; DELETE FROM event_data_p0 WHERE seq = $last; DELETE FROM index_hot WHERE seq = $last; DELETE FROM checkpoint WHERE size = $SIZE; DELETE FROM tree_hash WHERE id >= $(stored_index $last)"
verify "without --checkpoint the truncated log passes" 0 "ok: $last entries" "$db" --vkey "$VKEY"
verify "with --checkpoint of the old size the truncated log fails (exit 1)" 1 \
	"TAMPERED seq $last: entry is missing: the log is shorter than the trusted checkpoint" "$db" --vkey "$VKEY" --checkpoint "$T/held.cp"

# ---- an unsigned tail ----
db=$(fresh tail)
"$FORGE" tail "$db" >/dev/null || bail "forge tail"
verify "entries beyond the last signed checkpoint fail verify (exit 1)" 1 \
	"TAMPERED seq $SIZE: entry is not covered by a signed checkpoint" "$db" --vkey "$VKEY"
verify "... without --vkey too" 1 "TAMPERED seq $SIZE: entry is not covered by a signed checkpoint" "$db"

# ---- the forged purge of the review: one recent event's record and index
# rows deleted, a purge entry {before:1, through_seq:N, events:1} appended
# without the key, with correct chain and tree hashes ----
N=$((SIZE - 1))
db=$(fresh forged)
"$FORGE" purge "$db" $N >/dev/null || bail "forge purge"
verify "the forged purge fails verify with --vkey (exit 1)" 1 "TAMPERED seq $SIZE: the purge_horizon table differs from the purge entries" "$db" --vkey "$VKEY"
verify "the forged purge fails verify without --vkey (exit 1)" 1 "TAMPERED seq $SIZE: the purge_horizon table differs" "$db"
db=$(fresh forged2)
"$FORGE" purge "$db" $N horizon >/dev/null || bail "forge purge horizon"
verify "with a matching horizon row, the forged purge is not a prefix (exit 1)" 1 \
	"TAMPERED seq 0: the record survives below the last purge's through_seq: the purge was not a prefix" "$db" --vkey "$VKEY"
# The forger deletes the whole prefix to make it one: then the purge is
# unsigned, and its events count is wrong.
db=$(fresh forged3)
"$FORGE" purge "$db" $N horizon >/dev/null || bail "forge purge horizon"
sqlite3 "$db" "DELETE FROM event_data_p0 WHERE seq < $N; DELETE FROM index_hot WHERE seq < $N"
verify "a forged purge of the whole prefix claiming one event fails (exit 1)" 1 \
	"TAMPERED seq $SIZE: purge entry's events count differs from the events in its range" "$db" --vkey "$VKEY"

# ---- the lawful-request index against the records ----
db=$(fresh index)
sqlite3 "$db" "$drop DELETE FROM index_hot WHERE seq = 0"
verify "deleted index rows fail verify (exit 1)" 1 "TAMPERED seq 0: the lawful-request index lacks the event's sender" "$db" --vkey "$VKEY"
db=$(fresh partykey)
sqlite3 "$db" "UPDATE meta SET value = '000102030405060708090a0b0c0d0e0f' WHERE key = 'party_key'"
verify "a changed meta.party_key fails verify (exit 1)" 1 "TAMPERED seq 0: the lawful-request index lacks the event's sender" "$db" --vkey "$VKEY"
db=$(fresh extraindex)
sqlite3 "$db" "INSERT INTO index_hot(blk, party, ts, seq) VALUES (0, 42, 1, 1)"
verify "an index row no record explains fails verify (exit 1)" 1 "TAMPERED seq $SIZE: the lawful-request index has rows no record explains" "$db" --vkey "$VKEY"

# ---- warrant_use: deleting a row would re-open the warrant id ----
db=$(fresh warrantuse)
sqlite3 "$db" "DROP TRIGGER warrant_use_no_delete; DELETE FROM warrant_use"
verify "a deleted warrant_use row fails verify (exit 1)" 1 "TAMPERED seq $DSEQ: the warrant id it answered has no warrant_use row" "$db" --vkey "$VKEY"
db=$(fresh warrantuse2)
sqlite3 "$db" "INSERT INTO warrant_use(authority, id, text_sha256, first_seq) VALUES ('uk-nca', 'W-9', zeroblob(32), 0)"
verify "a warrant_use row no entry explains fails verify (exit 1)" 1 "TAMPERED seq $SIZE: warrant_use has rows that no disclosure or refusal entry explains" "$db" --vkey "$VKEY"

# ---- the purge horizon table edited ----
db=$(fresh horizon)
sqlite3 "$db" "INSERT INTO purge_horizon(before, through_seq, created) VALUES (1, 0, 0)"
verify "a purge_horizon row no purge entry explains fails verify (exit 1)" 1 "TAMPERED: the purge_horizon table differs from the purge entries" "$db" --vkey "$VKEY"

# ---- a checkpoint deleted in the middle: its entries stay covered by
# later checkpoints and its root is recomputed, so whoever holds it still
# finds it consistent; only a witness's cosignature shows it was there ----
db=$(fresh midcp)
sqlite3 "$db" "$drop DELETE FROM checkpoint WHERE size = 3"
verify "a checkpoint deleted in the middle leaves a log that verifies" 0 "ok: $SIZE entries" "$db" --vkey "$VKEY"
verify "... and is still consistent with it (--checkpoint of that size)" 0 "ok: $SIZE entries" "$db" --vkey "$VKEY" --checkpoint "$T/old.cp"
db=$(fresh midcosig)
sqlite3 "$db" "$drop INSERT INTO cosignature(size, witness, line, created) VALUES (3, 'w1', 'x', 0); DELETE FROM checkpoint WHERE size = 3"
verify "a cosigned checkpoint deleted in the middle fails verify (exit 1)" 1 "TAMPERED seq 2: checkpoint of size 3: it was cosigned by a witness but is missing" "$db" --vkey "$VKEY"

# ---- meta.origin edited ----
db=$(fresh origin)
sqlite3 "$db" "UPDATE meta SET value = 'evil.example/log' WHERE key = 'origin'"
verify "an edited meta.origin fails verify (exit 1)" 1 "TAMPERED: the database's origin (meta.origin evil.example/log) is not the log key's name" "$db" --vkey "$VKEY"

# ---- a disclosure row's entry.ts edited ----
db=$(fresh ts)
sqlite3 "$db" "$drop UPDATE entry SET ts = ts + 1 WHERE seq = $DSEQ"
verify "an edited entry.ts of a disclosure row fails verify (exit 1)" 1 "TAMPERED seq $DSEQ: kind or ts column differs from the leaf data" "$db" --vkey "$VKEY"

# ---- verify while a writer appends ----
# The walk and the index scan read on two connections that must see one
# state of the log; runs of 8 events (sealed every other commit, merged
# every 32) change the index under them all the time.
ELOG_TEST_INDEX_RUN_BITS=3 "$B"/tests/tools/mklog "$T/live.db" 100 4 >/dev/null || bail "mklog live"
LVK=$(sqlite3 "$T/live.db" "SELECT value FROM meta WHERE key = 'vkey'")
"$B"/tests/tools/mklog "$T/live.db" 20000 4 >/dev/null &
writer=$!
runs=0 fails=0 last=""
while kill -0 "$writer" 2>/dev/null; do
	out=$($E verify --quiet --db "$T/live.db" --vkey "$LVK" 2>&1) || { fails=$((fails + 1)); last=$out; }
	runs=$((runs + 1))
done
wait "$writer"
check "the writer appended its 20000 events" test "$?" = 0
echo "# $runs verifications while the writer appended, $fails failed${last:+: $last}"
check "every verification while a writer appends passes" test "$runs" -gt 0 -a "$fails" = 0
verify "the log verifies after the writer stopped" 0 "ok: 20100 entries" "$T/live.db" --vkey "$LVK"

finish
