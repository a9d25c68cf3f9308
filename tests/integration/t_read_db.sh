#!/usr/bin/env bash
# envelogd --read-db: a PostgreSQL hot standby (pg_basebackup -R,
# asynchronous, so that its lag can be held with pg_wal_replay_pause())
# answers the reads of a checkpoint's size that it has replayed: proofs,
# leaves, tiles, checkpoints by size, a full page of the public ledger.
# Everything newer, and the ledger's last page, go to the primary.  The answers are byte for byte the primary's (captured first
# from an envelogd without --read-db); envelog_read_db_reads_total says who
# answered.  With the standby stopped, every read is still answered.  A
# --read-db on a SQLite log is refused.
export ELOG_TEST_STORE=pg
. "$(dirname "$0")/lib.sh"
E=$B/envelog

SB_PORT=$(free_port)
pg_replica sb log "$SB_PORT" || bail "the standby"
SB_URL="postgresql://envelog@127.0.0.1:$SB_PORT/envelog"
# shellcheck disable=SC2317 # through wait_for
replayed() { # the standby has replayed all the primary wrote
	local lsn
	lsn=$(pg_psql log "SELECT pg_current_wal_lsn()") &&
		[ "$(pg_psql sb "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ]
}
# shellcheck disable=SC2317
paused() {
	[ "$(pg_psql sb "SELECT pg_get_wal_replay_pause_state()")" = paused ]
}
metric() { # the standby's or the primary's count of reads
	curl -s "$URL/metrics" |
		awk -v m="envelog_read_db_reads_total{server=\"$1\"}" \
			'$1 == m { print $2 }'
}

# ---- a --read-db on SQLite is refused
"$E" init --db "$T/lite.db" --key "$T/lite.key" --origin test.example/lite \
	>/dev/null 2>&1 || bail "init lite"
"$B/envelogd" --db "$T/lite.db" --read-db "$SB_URL" \
	--listen "127.0.0.1:$(free_port)" >"$T/lite.out" 2>&1
rc=$?
check "--read-db on a SQLite log: exit 2" test "$rc" = 2
check "and says --read-db needs PostgreSQL" \
	grep -q -- '--read-db is a PostgreSQL hot standby' "$T/lite.out"

# ---- the log at S1 on both servers, then S2 on the primary alone
start_server || bail "envelogd"
post_events "300 events" "$(events 300 a)"
stop_server
# A public entry, for the public ledger: a purge (beside no envelogd: the
# store has one writer).
sleep 1.1 # the purge's horizon is by commit time, in seconds
"$E" purge --db "$DB" "${KEY_ARG[@]}" --before "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	>"$T/purge.out" 2>&1 || bail "purge: $(cat "$T/purge.out")"
AUDITOR=$("$E" token add --db "$DB" --role auditor 2>/dev/null) ||
	bail "token add"
AUD=(-H "Authorization: Bearer $AUDITOR")
start_server || bail "envelogd"
S1=$(curl -s "$URL/v1/checkpoint" | sed -n 2p)
wait_for 60 replayed || bail "the standby did not replay"
pg_psql sb "SELECT pg_wal_replay_pause()" >/dev/null || bail "pause"
wait_for 60 paused || bail "the standby's replay did not pause"
post_events "300 more events" "$(events 300 b)"
S2=$((FIRST + COUNT))

# The reads at S1 and at S2, each saved as the primary answers it.
READS1=("/v1/proof/inclusion?index=7&size=$S1"
	"/v1/proof/consistency?old=10&new=$S1"
	"/v1/checkpoint?size=$S1"
	"/v1/leaves?start=250&end=$S1"
	"/tlog/tile/0/000"
	"/tlog/tile/0/001.p/$((S1 - 256))"
	"/tlog/tile/entries/000"
	"/v1/disclosures?kinds=purge&limit=1")
READS2=("/v1/proof/inclusion?index=7&size=$S2"
	"/v1/proof/consistency?old=$S1&new=$S2"
	"/v1/checkpoint?size=$S2"
	"/v1/leaves?start=$((S2 - 5))&end=$S2"
	"/tlog/tile/0/001"
	"/tlog/tile/entries/002.p/$((S2 - 512))")
# The public ledger's last page may miss newer entries on the standby: the
# primary's, always.
READS0=("/v1/disclosures?kinds=purge,disclosure"
	"/v1/disclosures?kinds=purge&since=$S1")
save() { # DIR PATH…: each answer's status and body into DIR
	local dir=$1 i=0 p
	shift
	mkdir -p "$dir"
	for p in "$@"; do
		curl -s -o "$dir/$i" -w '%{http_code}\n' "${AUD[@]}" "$URL$p" \
			>>"$dir/status"
		i=$((i + 1))
	done
}
save "$T/p1" "${READS1[@]}"
save "$T/p2" "${READS2[@]}"
save "$T/p0" "${READS0[@]}"
check "the primary answers every read 200" \
	test "$(sort -u "$T/p0/status" "$T/p1/status" "$T/p2/status")" = 200
check "the purge is on the public ledger, at seq $((S1 - 1))" \
	jq -e --argjson s $((S1 - 1)) '.disclosures[0].seq == $s and .next == $s + 1' \
	"$T/p1/7"
stop_server

# ---- envelogd with --read-db, the standby held at S1
start_server --read-db "$SB_URL" || bail "envelogd --read-db"
req GET /v1/checkpoint
check "the latest checkpoint is the primary's (size $S2)" \
	test "$(head -2 <<<"$BODY" | tail -1)" = "$S2"
s0=$(metric standby) p0=$(metric primary)
save "$T/r2" "${READS2[@]}"
check "reads newer than the standby: answered as the primary answers them" \
	diff -r "$T/p2" "$T/r2"
check "by the primary (standby reads $s0 -> $(metric standby))" \
	test "$(metric standby)" = "$s0"
check "and counted as the primary's" test "$(metric primary)" -ge $((p0 + ${#READS2[@]}))
s0=$(metric standby)
save "$T/r1" "${READS1[@]}"
check "reads at the standby's size: answered as the primary answers them" \
	diff -r "$T/p1" "$T/r1"
check "by the standby (reads $s0 -> $(metric standby))" \
	test "$(metric standby)" = $((s0 + ${#READS1[@]}))
s0=$(metric standby)
save "$T/r0" "${READS0[@]}"
check "the public ledger's last pages: answered as the primary answers them" \
	diff -r "$T/p0" "$T/r0"
check "by the primary" test "$(metric standby)" = "$s0"
expect_error "a proof beyond the log: still 400" 400 parameter_out_of_range \
	GET "/v1/proof/inclusion?index=0&size=$((S2 + 1))"

# ---- replay resumes: the standby answers S2 too
pg_psql sb "SELECT pg_wal_replay_resume()" >/dev/null || bail "resume"
wait_for 60 replayed || bail "the standby did not catch up"
s0=$(metric standby)
rm -rf "$T/r2"
save "$T/r2" "${READS2[@]}"
check "caught up, the standby answers the reads at $S2 the same" \
	diff -r "$T/p2" "$T/r2"
check "by the standby (reads $s0 -> $(metric standby))" \
	test "$(metric standby)" = $((s0 + ${#READS2[@]}))

# ---- the standby stopped: every read still answered, by the primary
pg_stop sb || bail "pg_stop sb"
p0=$(metric primary)
rm -rf "$T/r1" "$T/r2"
save "$T/r1" "${READS1[@]}"
save "$T/r2" "${READS2[@]}"
check "the standby stopped: the reads at $S1 answered the same" \
	diff -r "$T/p1" "$T/r1"
check "and at $S2" diff -r "$T/p2" "$T/r2"
check "by the primary" test "$(metric primary)" -ge $((p0 + ${#READS1[@]} + ${#READS2[@]}))
post_events "ingest goes on" "$(events 3 c)"
check "and the log verifies" "$E" verify --db "$DB" --vkey "$VKEY"
stop_server
check "envelogd stops cleanly" test "$SRV_RC" = 0

# ---- a --read-db that holds a fork (the log's origin and key, another
# tree) or another log answers nothing: envelogd checks the standby's
# origin, key and root against the primary's when it opens it
pg_psql log "CREATE DATABASE fork OWNER envelog" >/dev/null || bail "fork db"
pg_psql log "CREATE DATABASE other OWNER envelog" >/dev/null || bail "other db"
FORK_URL="postgresql://envelog@127.0.0.1:$PG_PORT/fork"
OTHER_URL="postgresql://envelog@127.0.0.1:$PG_PORT/other"
# the fork: a copy of the log whose stored tree hashes were rewritten
"$E" copy --from "$DB" --to "$FORK_URL" "${KEY_ARG[@]}" >/dev/null 2>&1 ||
	bail "copy to fork"
PG_DB=fork pg_psql log "ALTER TABLE tree_hash DISABLE TRIGGER ALL;
	UPDATE tree_hash SET hash = sha256(hash)" >/dev/null || bail "rewrite fork"
"$E" init --db "$OTHER_URL" --key "$T/other.key" --origin test.example/other \
	>/dev/null 2>&1 || bail "init other"
MKLOG_KEY=$T/other.key "$B/tests/tools/mklog" "$OTHER_URL" 50 >/dev/null 2>&1 ||
	bail "mklog other"
READ3=("/v1/proof/inclusion?index=7&size=40" "/v1/checkpoint?size=40")
start_server || bail "envelogd"
save "$T/p3" "${READ3[@]}"
stop_server
for bad in fork other; do
	url=$FORK_URL
	[ "$bad" = other ] && url=$OTHER_URL
	start_server --read-db "$url" || bail "envelogd --read-db $bad"
	s0=$(metric standby)
	rm -rf "$T/r3"
	save "$T/r3" "${READ3[@]}"
	check "a standby holding $bad: reads at size 40 answered as the primary answers them" \
		diff -r "$T/p3" "$T/r3"
	check "none by the standby" test "$(metric standby)" = "$s0"
	stop_server
done
check "the log says the fork's tree differs" \
	grep -q "the read standby's tree differs from the primary's" "$T/server.log"
check "and that the other standby holds another log" \
	grep -q "the read standby holds another log" "$T/server.log"
finish
