#!/usr/bin/env bash
# The log on PostgreSQL 15 (issue 17): the store against the SQLite store
# (tests/unit/pg_store.c: the same entries read back the same roots,
# proofs, tiles, checkpoints and lawful-request results, and purge the
# same); envelog init, the registry commands, envelogd, a lawful request
# whose bundle verifies offline, tiles export, envelog verify on a
# connection string; the log tables refuse UPDATE, DELETE and TRUNCATE; a
# tampered row fails verify; a second writer (envelogd, envelog purge) is
# refused at once and the log is unchanged; the purge drops whole
# partitions and the log still verifies.
. "$(dirname "$0")/lib.sh"
. tests/integration/pg.sh

E=$B/envelog
[ -x "$B/tests/pg_store" ] || bail "$B/tests/pg_store is not built (make $B/tests/pg_store)"
pg_start main || bail "PostgreSQL"
# psql as the log's owner (not a superuser): what the triggers refuse
owner_psql() {
	pg_run "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U envelog -d envelog \
		-At -v ON_ERROR_STOP=1 -c "$1"
}

# ---- the store against SQLite ----
pg_psql main "CREATE DATABASE cmp OWNER envelog" >/dev/null || bail "CREATE DATABASE cmp"
out=$(ELOG_TEST_PG_URL="postgresql://envelog@127.0.0.1:$PG_PORT/cmp" \
	CMOCKA_MESSAGE_OUTPUT=stdout "$B/tests/pg_store" 2>&1)
rc=$?
if [ "$rc" = 0 ] && grep -q '\[  PASSED  \] 7 test(s)' <<<"$out"; then
	ok "the PostgreSQL store reads back, proves, tiles, answers requests, verifies and purges as the SQLite store"
else
	nok "the PostgreSQL store reads back, proves, tiles, answers requests, verifies and purges as the SQLite store" \
		"exit $rc" "$(grep -E 'FAILED|ERROR|error' <<<"$out" | head -5)"
fi

# ---- init and the registries ----
PK=$T/pg.key
out=$($E init --db "$PG_URL" 2>&1)
rc=$?
check "init on PostgreSQL without --key: exit 2" test "$rc" = 2
check "init on PostgreSQL without --key: asks for --key" grep -q -- "give the log key's file with --key" <<<"$out"
# runs (partitions) of 16 events, so that the purge below has some to drop
PVKEY=$(ELOG_TEST_INDEX_RUN_BITS=4 $E init --db "$PG_URL" --key "$PK" --origin test.example/log 2>"$T/init.err")
check "init on PostgreSQL prints the verifier key" grep -q '^test.example/log+' <<<"$PVKEY"
check "the log key is written mode 0600" test "$(stat -c %a "$PK")" = 600
check "the schema version is recorded" test "$(owner_psql "SELECT value FROM meta WHERE key = 'schema_version'")" = 2
out=$($E init --db "$PG_URL" --key "$T/pg2.key" 2>&1)
rc=$?
check "a second init on the same database: exit 2" test "$rc" = 2
check "a second init: the database already holds a log" grep -q "already holds a log" <<<"$out"
check "a second init leaves no key behind" test ! -e "$T/pg2.key"

NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$PG_URL" uk-nca "$NCA_VK" >/dev/null 2>&1
check "authority add on PostgreSQL" test $? = 0
check "authority list on PostgreSQL" grep -q '^uk-nca' < <($E authority list --db "$PG_URL" 2>/dev/null)
INGEST=$($E token add --db "$PG_URL" --role ingest 2>/dev/null)
NCA=$($E token add --db "$PG_URL" --role authority --authority uk-nca 2>/dev/null)
AUD=$($E token add --db "$PG_URL" --role auditor 2>/dev/null)
check "token add on PostgreSQL" test -n "$INGEST" -a -n "$NCA" -a -n "$AUD"
check "token list shows the 3 tokens" test "$($E token list --db "$PG_URL" 2>/dev/null | grep -c live)" = 3

# ---- envelogd on PostgreSQL ----
DB=$PG_URL KEY=$PK VKEY=$PVKEY
KEY_ARG=(--key "$PK")
AUTH=(-H "Authorization: Bearer $INGEST")
start_server || bail "envelogd on PostgreSQL"
A=+447700900123
S=+447700900456
post_events "ingest events on PostgreSQL" "[
$(event_json $A $S 2026-03-10T12:00:00Z),
$(event_json +447700900777 +447700900888 2026-03-10T12:00:00Z),
$(event_json $S $A 2026-03-12T08:30:00Z)]"
base=$FIRST
for i in 1 2 3 4 5; do
	post_events "ingest batch $i of 60 events" "$(events 60 "b$i")"
done
read -r size0 _ < <(log_state)
check "the log has 303 entries (3, then 5 x 60)" test "$size0" = 303

warrant() { # ID SUBJECT…
	local id=$1 s
	shift
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog test.example/log\n' "$id"
	for s in "$@"; do printf 'subject %s\n' "$s"; done
	printf 'from 2026-03-01T00:00:00Z\nto 2026-03-23T00:00:00Z\nexpires 2099-01-01T00:00:00Z\nbasis Investigatory Powers Act 2016 s.61\n'
}
warrant NCA-2026-000042 $A >"$T/w1"
$E warrant sign --key "$T/nca.key" <"$T/w1" >"$T/w1.signed" || bail "warrant sign"
req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w1.signed"
check "a lawful request on PostgreSQL is answered 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/bundle.json"
check "it discloses the subject's 2 events" test "$(jq -c '[.records[].seq]' "$T/bundle.json")" = "[$base,$((base + 2))]"
out=$($E bundle verify --vkey "$PVKEY" "$T/bundle.json")
check "the bundle verifies offline (envelog bundle verify)" test $? = 0
check "bundle verify names the disclosure" grep -q "for uk-nca warrant NCA-2026-000042, 2 records" <<<"$out"
read -r size1 root1 < <(log_state)
check "the disclosure was appended" test "$size1" = $((size0 + 1))

# Proofs from the server verify against the signed checkpoint (oracle).
req GET "/v1/proof/inclusion?index=$base&size=$size1"
printf '%s' "$BODY" >"$T/incl.json"
check "an inclusion proof is answered" test "$STATUS" = 200

# Tiles: envelog tiles export reads the same tiles envelogd serves.
$E tiles export --db "$PG_URL" --out "$T/tlog" >/dev/null 2>"$T/export.err"
check "tiles export on PostgreSQL" test $? = 0
same=1
for f in checkpoint tile/0/000 tile/0/001 tile/1/000.p/1 tile/entries/000; do
	if [ -e "$T/tlog/$f" ]; then
		curl -s -o "$T/served" "$URL/tlog/$f" && cmp -s "$T/served" "$T/tlog/$f" || same=0
	fi
done
check "the exported tiles equal envelogd's /tlog/ answers" test "$same" = 1

# A long read (as envelog verify's) holds the index's tables: the writer
# still makes the partitions of new runs (no lock that waits for readers).
PGAPPNAME=longread pg_run "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U envelog -d envelog \
	-c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT count(*) FROM event_index" \
	-c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
longread=$!
for _ in $(seq 1 100); do
	[ "$(pg_psql main "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'longread' AND state = 'active'")" = 1 ] && break
	sleep 0.05
done
parts_before=$(owner_psql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'event_index'::regclass")
# --max-time only keeps a regression from hanging the suite
req POST /v1/events "${AUTH[@]}" "${JSON[@]}" --max-time 120 --data-binary "$(events 40 longread)"
check "beside a long read, ingest across new runs is answered 201" test "$STATUS" = 201
check "and made new partitions" test "$(owner_psql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'event_index'::regclass")" -gt "$parts_before"
pg_psql main "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'longread'" >/dev/null
wait "$longread" 2>/dev/null
read -r size1 root1 < <(log_state)

# ---- one writer per log ----
"$B/envelogd" --db "$PG_URL" --key "$PK" --listen "127.0.0.1:$(free_port)" 2>"$T/second.err" &
second=$!
wait "$second"
rc=$?
check "a second envelogd on the same log exits non-zero" test "$rc" -ne 0
check "it says another writer holds the log" grep -q "another writer holds this log" "$T/second.err"
out=$($E purge --db "$PG_URL" --key "$PK" --before 2026-01-01 2>&1)
check "envelog purge beside the running envelogd is refused the same way" grep -q "another writer holds this log" <<<"$out"
AUD2=$($E token add --db "$PG_URL" --role auditor 2>/dev/null)
check "envelog token add runs beside envelogd (the registries take no writer's lock)" test -n "$AUD2"
read -r size2 root2 < <(log_state)
check "the log is unchanged (size and root)" test "$size2 $root2" = "$size1 $root1"
# A schema newer than the program is refused.
owner_psql "UPDATE meta SET value = '99' WHERE key = 'schema_version'" >/dev/null
out=$($E verify --db "$PG_URL" 2>&1)
check "a newer schema is refused: exit 2" test $? = 2
check "saying so" grep -q "schema (version 99) is newer than this program" <<<"$out"
owner_psql "UPDATE meta SET value = '2' WHERE key = 'schema_version'" >/dev/null
check "the database holds as many entries as the checkpoint says" test "$(owner_psql "SELECT count(*) FROM entry")" = "$size1"

# ---- append-only ----
# shellcheck disable=SC2317 # run through check, which shellcheck does not follow
refused() { # SQL: refused by a trigger
	local o
	o=$(owner_psql "$1" 2>&1) && return 1
	grep -q "append-only" <<<"$o"
}
check "UPDATE entry refused" refused "UPDATE entry SET kind = 1 WHERE seq = 1"
check "DELETE entry refused" refused "DELETE FROM entry WHERE seq = $((size1 - 1))"
check "TRUNCATE entry refused" refused "TRUNCATE entry"
check "UPDATE event_data refused" refused "UPDATE event_data SET ts = 0 WHERE seq = $base"
check "DELETE event_data refused" refused "DELETE FROM event_data WHERE seq = $base"
check "UPDATE event_index refused" refused "UPDATE event_index SET ts = 0 WHERE seq = $base"
check "DELETE event_index refused" refused "DELETE FROM event_index WHERE seq = $base"
check "UPDATE tree_hash refused" refused "UPDATE tree_hash SET hash = hash"
check "DELETE checkpoint refused" refused "DELETE FROM checkpoint"
check "DELETE warrant_use refused" refused "DELETE FROM warrant_use"
check "TRUNCATE purge_horizon refused" refused "TRUNCATE purge_horizon"
check "TRUNCATE event_data refused" refused "TRUNCATE event_data"
read -r size3 root3 < <(log_state)
check "after the refused changes the log is unchanged" test "$size3 $root3" = "$size1 $root1"

# ---- verify ----
out=$($E verify --db "$PG_URL" --vkey "$PVKEY" 2>&1)
rc=$?
check "envelog verify --db URL passes" test "$rc" = 0
check "verify counted every entry" grep -q "ok: $size1 entries" <<<"$out"
# As the superuser, with the triggers off: one event's record altered.
rec=$(PG_DB=envelog pg_psql main "SELECT encode(data, 'hex') FROM event_data WHERE seq = $base" 2>/dev/null)
PG_DB=envelog pg_psql main "SET session_replication_role = replica; UPDATE event_data SET data = convert_to(replace(convert_from(data, 'UTF8'), '$S', '+447700900999'), 'UTF8') WHERE seq = $base" >/dev/null 2>&1
out=$($E verify --db "$PG_URL" --vkey "$PVKEY" 2>&1)
rc=$?
check "verify fails on a tampered record: exit 1" test "$rc" = 1
check "verify names the tampered seq" grep -q "$base" <<<"$out"
PG_DB=envelog pg_psql main "SET session_replication_role = replica; UPDATE event_data SET data = decode('$rec', 'hex') WHERE seq = $base" >/dev/null 2>&1
th_id=$(owner_psql "SELECT min(id) FROM tree_hash")
th=$(owner_psql "SELECT encode(hash, 'hex') FROM tree_hash WHERE id = $th_id")
PG_DB=envelog pg_psql main "SET session_replication_role = replica; UPDATE tree_hash SET hash = sha256(hash) WHERE id = $th_id" >/dev/null 2>&1
$E verify --db "$PG_URL" --vkey "$PVKEY" >/dev/null 2>&1
check "verify fails on a tampered tree hash: exit 1" test $? = 1
PG_DB=envelog pg_psql main "SET session_replication_role = replica; UPDATE tree_hash SET hash = decode('$th', 'hex') WHERE id = $th_id" >/dev/null 2>&1
# The runs are the partitions: one without its index_run row (no ts
# range, so a request would skip it) is found.
run0=$(owner_psql "SELECT run || ',' || level || ',' || first_seq || ',' || last_seq || ',' || min_ts || ',' || max_ts FROM index_run ORDER BY run LIMIT 1")
owner_psql "DELETE FROM index_run WHERE run = ${run0%%,*}" >/dev/null
out=$($E verify --db "$PG_URL" --vkey "$PVKEY" 2>&1)
check "verify fails on a partition without its run: exit 1" test $? = 1
check "naming the run's ts range" grep -q "ts range of the event's index run" <<<"$out"
owner_psql "INSERT INTO index_run VALUES ($run0)" >/dev/null
$E verify --db "$PG_URL" --vkey "$PVKEY" >/dev/null 2>&1
check "with the rows put back, verify passes again" test $? = 0

# ---- purge: whole partitions dropped ----
stop_server
parts() { owner_psql "SELECT count(*) FROM pg_inherits WHERE inhparent = '$1'::regclass"; }
pd0=$(parts event_data)
pi0=$(parts event_index)
# one per run of 16 seqs the log reaches, and the writer makes the next
# ahead of need
check "event_data and event_index have one partition per run of 16 (and one or two ahead)" \
	test "$pd0" = "$pi0" -a "$pd0" -ge $(((size1 + 15) / 16)) -a "$pd0" -le $((size1 / 16 + 2))
# every commit so far is before the horizon (a whole second later)
sleep 1.1
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
out=$($E purge --db "$PG_URL" --key "$PK" --before "$before" 2>&1)
rc=$?
check "envelog purge on PostgreSQL: exit 0" test "$rc" = 0
# every entry but the disclosure is an event
check "it purged the $((size1 - 1)) events through seq $((size1 - 1))" grep -q "purged $((size1 - 1)) events through seq $((size1 - 1)); purge entry seq $size1" <<<"$out"
pd1=$(parts event_data)
pi1=$(parts event_index)
check "the partitions wholly below the horizon were dropped" \
	test "$pd1 $pi1" = "$((pd0 - size1 / 16)) $((pi0 - size1 / 16))"
check "no event record is left below the horizon" test "$(owner_psql "SELECT count(*) FROM event_data WHERE seq < $size1")" = 0
check "no index row is left below the horizon" test "$(owner_psql "SELECT count(*) FROM event_index WHERE seq < $size1")" = 0
check "index_run keeps only runs above the horizon" test "$(owner_psql "SELECT count(*) FROM index_run WHERE last_seq < $size1")" = 0
out=$($E verify --db "$PG_URL" --vkey "$PVKEY" 2>&1)
check "after the purge verify passes" test $? = 0
check "verify counts the purged entries" grep -q "($((size1 - 1)) purged)" <<<"$out"
out=$($E purge --db "$PG_URL" --key "$PK" --before 2026-01-01 2>&1)
check "a purge horizon backwards: exit 3" test $? = 3

# The server goes on after the purge; the log still verifies.
start_server || bail "envelogd after the purge"
post_events "ingest after the purge" "$(events 40 after)"
read -r size4 _ < <(log_state)
check "the log grew by 40" test "$size4" = $((size1 + 1 + 40))
# PostgreSQL restarts under the running server: its readers connect again.
pg_stop main
pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
	start >/dev/null 2>&1 || bail "PostgreSQL restart"
answered=0
for _ in 1 2 3 4 5 6 7 8; do # each reader thread connects again
	req GET /v1/checkpoint
	[ "$STATUS" = 200 ] && answered=$((answered + 1))
done
check "after PostgreSQL restarts, the server's readers answer every request" test "$answered" = 8
req GET "/v1/proof/inclusion?index=3&size=$size4"
check "and prove inclusion" test "$STATUS" = 200
stop_server
$E verify --db "$PG_URL" --vkey "$PVKEY" >/dev/null 2>&1
check "and verifies" test $? = 0
finish
