#!/usr/bin/env bash
# Least privilege on PostgreSQL (issue 17): envelog init as the tables'
# owner with --writer-role and --reader-role; envelogd as the writer role
# ingests across many partitions and answers a lawful request whose bundle
# verifies; envelog purge as the writer drops partitions; then as the
# writer UPDATE, DELETE, TRUNCATE, DISABLE TRIGGER, DROP TABLE and the
# SECURITY DEFINER functions with bad arguments are all refused and the
# log is unchanged; envelog verify passes as the reader, which can write
# nothing.
. "$(dirname "$0")/lib.sh"
. tests/integration/pg.sh

E=$B/envelog
pg_start main || bail "PostgreSQL"
pg_psql main "CREATE ROLE envelog_writer LOGIN; CREATE ROLE envelog_reader LOGIN" >/dev/null ||
	bail "CREATE ROLE"
W_URL="postgresql://envelog_writer@127.0.0.1:$PG_PORT/envelog"
R_URL="postgresql://envelog_reader@127.0.0.1:$PG_PORT/envelog"
as_psql() { # ROLE SQL
	pg_run "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U "$1" -d envelog \
		-At -v ON_ERROR_STOP=1 -c "$2"
}

# ---- init: refused roles ----
pg_psql main "CREATE DATABASE other OWNER envelog" >/dev/null || bail "CREATE DATABASE other"
O_URL="postgresql://envelog@127.0.0.1:$PG_PORT/other"
out=$($E init --db "$O_URL" --key "$T/o1.key" --writer-role postgres 2>&1)
check "init --writer-role of a superuser: exit 2" test $? = 2
check "saying it would bypass every grant" grep -q "role postgres is a superuser" <<<"$out"
out=$($E init --db "$O_URL" --key "$T/o2.key" --writer-role envelog 2>&1)
check "init --writer-role of the owner itself is refused" grep -q "role envelog is the tables' owner" <<<"$out"
check "a refused role leaves no log and no key behind" \
	test "$(PG_DB=other pg_psql main "SELECT to_regclass('meta') IS NULL")" = t -a ! -e "$T/o1.key" -a ! -e "$T/o2.key"
out=$($E init --db "$T/x.db" --writer-role envelog_writer 2>&1)
check "init --writer-role on a SQLite file: exit 2" test $? = 2

# ---- init as the owner, envelogd as the writer ----
PK=$T/pg.key
# runs (partitions) of 4 events: many partitions, many to drop
PVKEY=$(ELOG_TEST_INDEX_RUN_BITS=2 $E init --db "$PG_URL" --key "$PK" \
	--origin test.example/log --writer-role envelog_writer \
	--reader-role envelog_reader 2>"$T/init.err")
[ -z "$PVKEY" ] && sed "s/^/# /" "$T/init.err"
check "init as the owner with --writer-role and --reader-role" grep -q '^test.example/log+' <<<"$PVKEY"
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$PG_URL" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
INGEST=$($E token add --db "$PG_URL" --role ingest 2>/dev/null)
NCA=$($E token add --db "$PG_URL" --role authority --authority uk-nca 2>/dev/null)
if [ -z "$INGEST" ] || [ -z "$NCA" ]; then bail "token add"; fi

DB=$W_URL KEY=$PK VKEY=$PVKEY
KEY_ARG=(--key "$PK")
AUTH=(-H "Authorization: Bearer $INGEST")
start_server || bail "envelogd as the writer role"
A=+447700900123
S=+447700900456
post_events "the writer role ingests" "[
$(event_json $A $S 2026-03-10T12:00:00Z),
$(event_json +447700900777 +447700900888 2026-03-10T12:00:00Z),
$(event_json $S $A 2026-03-12T08:30:00Z)]"
base=$FIRST
for i in 1 2 3; do
	post_events "the writer role ingests batch $i of 10 events" "$(events 10 "b$i")"
done
# ingest keys: the writer's upsert of retry-safe ingest
events 2 idem >"$T/idem.json"
req POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: k1" --data-binary "@$T/idem.json"
check "an ingest with an Idempotency-Key as the writer role: 201" test "$STATUS" = 201
first_answer=$BODY
req POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: k1" --data-binary "@$T/idem.json"
check "its retry is answered the first answer, appending nothing" test "$STATUS $BODY" = "201 $first_answer"
read -r size0 _ < <(log_state)
check "the log has 35 entries" test "$size0" = 35
parts() { as_psql envelog "SELECT count(*) FROM pg_inherits WHERE inhparent = '$1'::regclass"; }
check "envelogd as the writer made a partition per run of 4 (and ahead)" test "$(parts event_index)" -ge 9
check "every table and partition is the owner's" \
	test "$(as_psql envelog "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'envelog'")" = 0

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
check "a lawful request to the writer role's envelogd: 200" test "$STATUS" = 200
printf '%s' "$BODY" >"$T/bundle.json"
check "it discloses the subject's 2 events" test "$(jq -c '[.records[].seq]' "$T/bundle.json")" = "[$base,$((base + 2))]"
$E bundle verify --vkey "$PVKEY" "$T/bundle.json" >/dev/null
check "the bundle verifies offline" test $? = 0
read -r size1 _ < <(log_state)
stop_server

# ---- the purge as the writer role ----
pd0=$(parts event_data)
sleep 1.1
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
out=$($E purge --db "$W_URL" --key "$PK" --before "$before" 2>&1)
check "envelog purge as the writer role: exit 0" test $? = 0
check "it purged the $((size1 - 1)) events" grep -q "purged $((size1 - 1)) events through seq $((size1 - 1))" <<<"$out"
check "the partitions wholly below the horizon were dropped" test "$(parts event_data)" = $((pd0 - size1 / 4))
check "no event record is left below the horizon" test "$(as_psql envelog "SELECT count(*) FROM event_data WHERE seq < $size1")" = 0

start_server || bail "envelogd after the purge"
post_events "the writer role ingests after the purge" "$(events 10 after)"
read -r size2 root2 < <(log_state)
check "the log grew by the purge entry and 10" test "$size2" = $((size1 + 11))
stop_server

# ---- what the writer role cannot do ----
# shellcheck disable=SC2317 # run through check, which shellcheck does not follow
denied() { # ROLE SQL PATTERN: refused by the server, saying PATTERN
	local o
	o=$(as_psql "$1" "$2" 2>&1) && return 1
	grep -Eq "$3" <<<"$o"
}
NOPE='permission denied|must be owner'
last=$((size2 - 1))
p_last=$((last / 4))
for t in entry event_data event_index tree_hash checkpoint cosignature warrant_use purge_horizon index_run; do
	case $t in
	entry) col=kind ;; event_data | event_index) col=ts ;; tree_hash) col=id ;;
	warrant_use) col=first_seq ;; index_run) col=level ;; *) col=created ;;
	esac
	check "writer: UPDATE $t refused" denied envelog_writer "UPDATE $t SET $col = 0" "$NOPE"
	check "writer: DELETE FROM $t refused" denied envelog_writer "DELETE FROM $t" "$NOPE"
	check "writer: TRUNCATE $t refused" denied envelog_writer "TRUNCATE $t" "$NOPE"
done
check "writer: DELETE FROM a partition refused" denied envelog_writer "DELETE FROM event_data_p$p_last" "$NOPE"
check "writer: ALTER TABLE entry DISABLE TRIGGER refused" denied envelog_writer "ALTER TABLE entry DISABLE TRIGGER ALL" "$NOPE"
check "writer: ALTER TABLE event_data DISABLE TRIGGER refused" denied envelog_writer "ALTER TABLE event_data DISABLE TRIGGER event_data_no_update" "$NOPE"
check "writer: DROP TABLE of a partition refused" denied envelog_writer "DROP TABLE event_data_p$p_last" "$NOPE"
check "writer: DETACH PARTITION refused" denied envelog_writer "ALTER TABLE event_index DETACH PARTITION event_index_p$p_last" "$NOPE"
check "writer: CREATE TABLE refused" denied envelog_writer "CREATE TABLE x (a int)" "$NOPE"
check "writer: DROP FUNCTION refused" denied envelog_writer "DROP FUNCTION elog_purge_below(bigint)" "$NOPE"
check "writer: replica mode (triggers off) refused" denied envelog_writer "SET session_replication_role = replica" "$NOPE"
check "writer: UPDATE meta refused" denied envelog_writer "UPDATE meta SET value = '1' WHERE key = 'index_run_bits'" "$NOPE"
check "writer: a purge above the horizon refused" denied envelog_writer "SELECT elog_purge_below($size2)" "goes past the horizon"
check "writer: a purge of a NULL bound refused" denied envelog_writer "SELECT elog_purge_below(NULL)" "goes past the horizon"
check "writer: a partition out of order (ahead) refused" denied envelog_writer "SELECT elog_make_partition(1000)" "not the next one"
check "writer: a partition that exists refused" denied envelog_writer "SELECT elog_make_partition($p_last)" "not the next one"
check "reader: INSERT refused" denied envelog_reader "INSERT INTO checkpoint VALUES (1000, '\\x00', 'x', 0)" "$NOPE"
check "reader: the SECURITY DEFINER functions refused" denied envelog_reader "SELECT elog_make_partition(1000)" "$NOPE"
check "the functions run with their search_path pinned" \
	test "$(as_psql envelog "SELECT string_agg(array_to_string(proconfig, ','), ';') FROM pg_proc WHERE proname IN ('elog_make_partition', 'elog_purge_below') AND prosecdef")" = "search_path=public, pg_temp;search_path=public, pg_temp"
check "PUBLIC: the functions are not executable" \
	test "$(as_psql envelog "SELECT count(*) FROM pg_proc WHERE proname IN ('elog_make_partition', 'elog_purge_below') AND has_function_privilege('public', oid, 'EXECUTE')")" = 0

start_server || bail "envelogd after the refusals"
read -r size3 root3 < <(log_state)
stop_server
check "after the refused changes the log is unchanged (size and root)" test "$size3 $root3" = "$size2 $root2"

# A migration pending: the writer role cannot apply it, and says who can.
as_psql envelog "UPDATE meta SET value = '1' WHERE key = 'schema_version'" >/dev/null
out=$("$B/envelogd" --db "$W_URL" --key "$PK" --listen "127.0.0.1:$(free_port)" 2>&1)
check "envelogd as the writer on a schema to migrate exits non-zero" test $? -ne 0
check "saying the owner must migrate it" grep -q "must be migrated by the role that owns the log's tables" <<<"$out"
as_psql envelog "UPDATE meta SET value = '2' WHERE key = 'schema_version'" >/dev/null

# ---- the reader role ----
out=$($E verify --db "$R_URL" --vkey "$PVKEY" 2>&1)
check "envelog verify as the reader role passes" test $? = 0
check "verify counted every entry" grep -q "ok: $size2 entries" <<<"$out"
$E tiles export --db "$R_URL" --out "$T/tlog" >/dev/null 2>&1
check "tiles export as the reader role" test $? = 0

# ---- envelog copy into a database with the same roles ----
pg_psql main "CREATE DATABASE copy OWNER envelog" >/dev/null || bail "CREATE DATABASE copy"
C_URL="postgresql://envelog@127.0.0.1:$PG_PORT/copy"
out=$($E copy --from "$R_URL" --to "$C_URL" --key "$PK" --writer-role postgres 2>&1)
check "copy --writer-role of a superuser: exit 2" test $? = 2
check "and copies nothing" test "$(PG_DB=copy pg_psql main "SELECT to_regclass('meta') IS NULL")" = t
out=$($E copy --from "$R_URL" --to "$C_URL" --key "$PK" \
	--writer-role envelog_writer --reader-role envelog_reader 2>&1)
check "envelog copy (read as the reader role) with --writer-role: exit 0" test $? = 0
DB="postgresql://envelog_writer@127.0.0.1:$PG_PORT/copy"
start_server || bail "envelogd as the writer role on the copy"
post_events "the writer role ingests into the copy" "$(events 10 copy)"
read -r size5 _ < <(log_state)
check "the copy grew by 10" test "$size5" = $((size2 + 10))
stop_server
# shellcheck disable=SC2317 # run through check, which shellcheck does not follow
denied_copy() { # SQL: refused to the writer in the copy
	local o
	o=$(pg_run "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U envelog_writer -d copy \
		-At -v ON_ERROR_STOP=1 -c "$1" 2>&1) && return 1
	grep -Eq "$NOPE" <<<"$o"
}
check "writer: DELETE FROM entry in the copy refused" denied_copy "DELETE FROM entry"
check "writer: DISABLE TRIGGER in the copy refused" denied_copy "ALTER TABLE entry DISABLE TRIGGER ALL"
$E verify --db "postgresql://envelog_reader@127.0.0.1:$PG_PORT/copy" --vkey "$PVKEY" >/dev/null 2>&1
check "the copy verifies as the reader role" test $? = 0
finish
