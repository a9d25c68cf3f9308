#!/usr/bin/env bash
# Failover with nothing lost: a PostgreSQL primary and a synchronous standby
# (pg_basebackup -R, synchronous_standby_names, synchronous_commit = on) on
# loopback, and envelogd on a multi-host connection string with
# target_session_attrs=read-write.  Under 4 ingest clients and a
# lawful-request client (tests/crash/load.py), the primary is killed with
# SIGKILL and the standby promoted (pg_ctl promote); envelogd answers the
# batch it lost 503, reconnects to the new primary and carries on.  The old
# primary's directory is then made a new standby of the new one, on the
# same port, and the next round kills the other server: ROUNDS times.
#
# After each round, with the clients paused: every acknowledged event is in
# the log exactly once at its seq (the clients retry with Idempotency-Key),
# no batch is stored in part, every bundle received verifies and holds
# every acknowledged event of its subjects, no two checkpoints served of
# one size have different roots and all are consistent with the latest,
# and `envelog verify` passes.  A second envelogd started on the same log
# while the first runs exits with an error and commits nothing.
#
# First the harness itself is checked with psql alone: a row committed on
# the primary is on the promoted standby, and the multi-host connection
# string finds the new primary.
#
#   ROUNDS=N (default 5)   how many failovers
#   HA=patroni             Patroni (with etcd) does the failovers: it
#                          bootstraps both servers, keeps one standby
#                          synchronous (synchronous_mode_strict), promotes
#                          the standby when the primary's Patroni and
#                          PostgreSQL are killed, and makes a new standby
#                          of the old one's emptied directory when it is
#                          started again (t_failover_patroni.sh)
export ELOG_TEST_INDEX_RUN_BITS=5
HA=${HA:-manual}
# Manual: lib.sh makes the log in a scratch PostgreSQL server, "log", the
# first primary.  Patroni: in the cluster Patroni bootstraps.
[ "$HA" = manual ] && export ELOG_TEST_STORE=pg
. "$(dirname "$0")/lib.sh"
[ "$HA" = patroni ] && . tests/integration/pg.sh
E=$B/envelog
PC=$B/tests/tools/proofcheck
LOAD=tests/crash/load.py
ROUNDS=${ROUNDS:-5}
PSQL=$PG_BIN/psql

# The two servers keep their ports through every round, so that one
# connection string names both.
declare -A PORTS
ha_psql() { # NAME SQL: as the superuser, over TCP
	"$PSQL" -X -At -h 127.0.0.1 -p "${PORTS[$1]}" -U postgres -d postgres \
		-c "$2"
}
declare -A RPORTS # Patroni's REST API, by server
# shellcheck disable=SC2317 # is_sync, is_primary, acks_past: through wait_for
is_sync() { # PRIMARY: its standby is synchronous (and Patroni knows it:
	# only the standby it recorded as synchronous may be promoted)
	[ "$(ha_psql "$1" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] &&
		{ [ "$HA" != patroni ] ||
			curl -s "http://127.0.0.1:${RPORTS[$1]}/cluster" |
			jq -e '[.members[] | select(.role == "sync_standby")] | length == 1'; }
}
# shellcheck disable=SC2317
is_primary() { # NAME
	[ "$(ha_psql "$1" "SELECT pg_is_in_recovery()")" = f ]
}

if [ "$HA" = manual ]; then
	N1=log N2=b
	PORTS[log]=$PG_PORT
	# The primary waits for the other to have flushed each commit
	# (synchronous_commit = on is the default; said here).
	# synchronous_standby_names is set now that the role and the database
	# are made (until a standby connects, every commit waits).
	{
		echo "synchronous_commit = on"
		echo "synchronous_standby_names = 'FIRST 1 (log, b)'"
		echo "wal_keep_size = '256MB'"
	} >>"$T/pg-log/data/postgresql.conf"
	pg_run "$PG_BIN/pg_ctl" -D "$T/pg-log/data" reload >/dev/null 2>&1 ||
		bail "pg_ctl reload"
fi

# pg_standby NAME FROM: NAME (its directory emptied) becomes a standby of
# FROM, made with pg_basebackup -R, on NAME's port.
pg_standby() {
	pg_replica "$1" "$2" "${PORTS[$1]}"
}

# ---- Patroni: etcd and one Patroni per server, as the servers' user
ETCD_PID=''
PATRONI_PIDS=()
patroni_start() { # NAME: its Patroni, in the background
	mkdir -p "$T/pg-$1"
	[ -n "$PG_USER" ] && chown "$PG_USER" "$T/pg-$1"
	pg_run patroni "$T/patroni-$1.yml" >>"$T/patroni-$1.log" 2>&1 &
	PATRONI_PIDS+=($!)
}
patroni_kill() { # NAME: SIGKILL its Patroni and its PostgreSQL
	local pid
	for pid in $(pgrep -f "patroni $T/patroni-$1.yml"); do
		kill -KILL "$pid" 2>/dev/null
	done
	pid=$(head -1 "$T/pg-$1/data/postmaster.pid" 2>/dev/null) &&
		kill -KILL "$pid" 2>/dev/null
	while pgrep -f "patroni $T/patroni-$1.yml" >/dev/null ||
		{ [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }; do
		sleep 0.05
	done
}
# shellcheck disable=SC2317 # from the EXIT trap
patroni_cleanup() {
	local n
	for n in p1 p2; do patroni_kill "$n"; done
	[ -n "$ETCD_PID" ] && kill "$ETCD_PID" 2>/dev/null
	return 0
}
if [ "$HA" = patroni ]; then
	if ! command -v patroni >/dev/null || ! command -v etcd >/dev/null; then
		bail "patroni and etcd-server are not installed (make deps)"
	fi
	N1=p1 N2=p2
	EC=$(free_port) EP=$(free_port)
	mkdir -p "$T/etcd"
	[ -n "$PG_USER" ] && chown "$PG_USER" "$T/etcd"
	pg_run etcd --name e --data-dir "$T/etcd/data" \
		--listen-client-urls "http://127.0.0.1:$EC" \
		--advertise-client-urls "http://127.0.0.1:$EC" \
		--listen-peer-urls "http://127.0.0.1:$EP" \
		--initial-advertise-peer-urls "http://127.0.0.1:$EP" \
		--initial-cluster "e=http://127.0.0.1:$EP" >"$T/etcd.log" 2>&1 &
	ETCD_PID=$!
	for n in p1 p2; do
		PORTS[$n]=$(free_port) RPORTS[$n]=$(free_port)
		cat >"$T/patroni-$n.yml" <<-EOF
		scope: envelog
		name: $n
		restapi:
		  listen: 127.0.0.1:${RPORTS[$n]}
		etcd3:
		  hosts: 127.0.0.1:$EC
		bootstrap:
		  dcs:
		    ttl: 10
		    loop_wait: 1
		    retry_timeout: 3
		    synchronous_mode: true
		    synchronous_mode_strict: true
		    # committed data is on the synchronous standby; the WAL
		    # beyond it is of transactions not committed yet, which
		    # must not hold back a failover (the default, 1 MB, does
		    # under bulk ingest)
		    maximum_lag_on_failover: 1073741824
		    postgresql:
		      parameters:
		        synchronous_commit: "on"
		        wal_keep_size: 256MB
		  initdb:
		    - encoding: UTF8
		    - locale: C.UTF-8
		  pg_hba:
		    - host replication all 127.0.0.1/32 trust
		    - host all all 127.0.0.1/32 trust
		    - local all all trust
		postgresql:
		  listen: 127.0.0.1:${PORTS[$n]}
		  connect_address: 127.0.0.1:${PORTS[$n]}
		  data_dir: $T/pg-$n/data
		  bin_dir: $PG_BIN
		  pgpass: $T/pg-$n/pgpass
		  authentication:
		    replication: {username: postgres}
		    superuser: {username: postgres}
		  parameters:
		    unix_socket_directories: $T/pg-$n
		EOF
	done
	trap 'patroni_cleanup; cleanup' EXIT
	patroni_start p1
	wait_for 120 is_primary p1 || bail "Patroni bootstraps p1: $(tail -3 "$T/patroni-p1.log")"
	patroni_start p2
	ha_psql p1 "CREATE ROLE envelog LOGIN" >/dev/null || bail "CREATE ROLE"
	ha_psql p1 "CREATE DATABASE envelog OWNER envelog" >/dev/null ||
		bail "CREATE DATABASE"
fi

# failover OLD NEW: kill OLD, promote NEW (Patroni: wait until it did),
# make OLD a synchronous standby of NEW.
failover() {
	local old=$1 new=$2
	if [ "$HA" = patroni ]; then
		patroni_kill "$old"
		wait_for 120 is_primary "$new" ||
			{ echo "# Patroni did not promote $new"; return 1; }
		rm -rf "$T/pg-$old/data"
		patroni_start "$old"
	else
		pg_kill "$old" || return 1
		pg_run "$PG_BIN/pg_ctl" -D "$T/pg-$new/data" -w -t 60 promote \
			>/dev/null 2>&1 || { echo "# pg_ctl promote failed"; return 1; }
		wait_for 60 is_primary "$new" || { echo "# $new is not a primary"; return 1; }
		pg_standby "$old" "$new" || return 1
	fi
	wait_for 180 is_sync "$new" || { echo "# $old is not a synchronous standby of $new"; return 1; }
}

if [ "$HA" = manual ]; then
	PORTS[b]=$(free_port)
	pg_standby b log || bail "a standby made with pg_basebackup -R starts"
fi
check "the standby is synchronous" wait_for 180 is_sync "$N1"
MULTI="postgresql://envelog@127.0.0.1:${PORTS[$N1]},127.0.0.1:${PORTS[$N2]}/envelog?target_session_attrs=read-write&connect_timeout=5"

# ---- the harness, with psql alone
"$PSQL" -X -q -d "$MULTI" -c "CREATE TABLE ha_probe (n int)" || bail "CREATE TABLE"
for i in 1 2 3 4 5; do
	"$PSQL" -X -q -d "$MULTI" -c "INSERT INTO ha_probe VALUES ($i)" ||
		nok "psql inserts through the multi-host conninfo"
done
check "psql's multi-host conninfo reaches the primary ($N1)" \
	test "$("$PSQL" -X -At -d "$MULTI" -c 'SELECT inet_server_port()')" = "${PORTS[$N1]}"
failover "$N1" "$N2"
check "a failover: $N1 killed, $N2 promoted, $N1 a new synchronous standby of $N2" test $? = 0
check "the 5 rows committed on $N1 are on $N2" \
	test "$("$PSQL" -X -At -h 127.0.0.1 -p "${PORTS[$N2]}" -U postgres -d envelog \
		-c 'SELECT count(*) FROM ha_probe')" = 5
check "the multi-host conninfo now reaches $N2" \
	test "$("$PSQL" -X -At -d "$MULTI" -c 'SELECT inet_server_port()')" = "${PORTS[$N2]}"
"$PSQL" -X -q -d "$MULTI" -c "DROP TABLE ha_probe" || bail "DROP TABLE"
PRIMARY=$N2 STANDBY=$N1

# ---- envelogd through failovers
DB=$MULTI
if [ "$HA" = patroni ]; then
	KEY=$T/pg.key
	VKEY=$($E init --db "$DB" --key "$KEY" --origin test.example/log 2>/dev/null) ||
		bail "envelog init"
	INGEST=$($E token add --db "$DB" --role ingest 2>/dev/null) || bail "ingest token"
	KEY_ARGS=(--key "$KEY")
else
	# lib.sh's log ($KEY, $VKEY, $INGEST), now through both servers; its
	# start_server gives the key
	KEY_ARGS=()
fi
WVK=$($E warrant keygen crash-auth --out "$T/w.key" 2>/dev/null) || bail "warrant keygen"
$E authority add --db "$DB" crash-auth "$WVK" >/dev/null 2>&1 || bail "authority add"
AUTHZ=$($E token add --db "$DB" --role authority --authority crash-auth 2>/dev/null) ||
	bail "authority token"
start_server "${KEY_ARGS[@]}" --threads 2 ||
	bail "envelogd starts on the multi-host conninfo"

metric() { # NAME{LABELS}: its value in /metrics
	curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 + 0 }'
}

check_round() { # ROUND: the checker's lines as TAP
	local kind desc detail
	while IFS='|' read -r kind desc detail; do
		case $kind in
		ok) ok "$1: $desc" ;;
		nok) nok "$1: $desc" "$detail" ;;
		*) nok "$1: checker said: $kind $desc $detail" ;;
		esac
	done < <(python3 "$LOAD" check --url "$URL" --dir "$T/snap" --db "$DB" \
		--psql "$PSQL" --vkey "$VKEY" --state "$T/state" --envelog "$E" \
		--proofcheck "$PC" 2>&1)
}

. tests/crash/pause.sh
acks() { cat "$T"/rec/acks.* 2>/dev/null | wc -l; }
# shellcheck disable=SC2317
acks_past() { [ "$(acks)" -gt "$1" ]; }

mkdir -p "$T/rec"
python3 "$LOAD" clients --url "$URL" --dir "$T/rec" --ingest "$INGEST" \
	--authority "$AUTHZ" --wkey "$T/w.key" --envelog "$E" --seconds 1200 \
	2>"$T/clients.err" &
CLIENTS_PID=$!
trap 'touch "$T/rec/stop"; kill "$CLIENTS_PID" 2>/dev/null; patroni_cleanup; cleanup' EXIT

for ((r = 1; r <= ROUNDS; r++)); do
	rm -f "$T/rec/pause"
	# under load: some batches acknowledged since the clients resumed
	n=$(acks)
	wait_for 120 acks_past $((n + 20)) ||
		nok "round $r: the clients' batches are acknowledged before the kill"
	before=$(metric 'envelog_store_reconnects_total{connection="writer"}')
	if ! failover "$PRIMARY" "$STANDBY"; then
		nok "round $r: $PRIMARY killed, $STANDBY promoted, $PRIMARY its new synchronous standby"
		break
	fi
	ok "round $r: $PRIMARY killed, $STANDBY promoted, $PRIMARY its new synchronous standby"
	t=$PRIMARY PRIMARY=$STANDBY STANDBY=$t
	# envelogd carries on: new batches acknowledged, one writer reconnect
	n=$(acks)
	check "round $r: envelogd acknowledges batches after the failover" \
		wait_for 120 acks_past $((n + 20))
	check "round $r: /metrics counts the writer's reconnect" \
		test "$(metric 'envelog_store_reconnects_total{connection="writer"}')" -gt "${before:-0}"
	pause_clients "$r" || nok "round $r: the clients pause" \
		"$(tail -5 "$T/clients.err" 2>/dev/null)"
	rm -rf "$T/snap" && cp -r "$T/rec" "$T/snap"
	check_round "round $r"
	out=$($E verify --db "$DB" --vkey "$VKEY" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then ok "round $r: envelog verify passes"
	else nok "round $r: envelog verify passes" "exit $rc: $out"; fi
done

# A second envelogd on the same log, while the first runs (the clients
# paused): it never commits, and says why.
state0=$(log_state)
P2=$(free_port)
"$B/envelogd" --db "$DB" --key "$KEY" --listen "127.0.0.1:$P2" \
	--state "$T/second.state" 2>"$T/second.log" &
SECOND=$!
wait_for 60 eval '! kill -0 $SECOND'
if kill -0 "$SECOND" 2>/dev/null; then
	nok "a second envelogd on the same log exits" "still running after 60 s"
	kill -KILL "$SECOND"
fi
wait "$SECOND"
src=$?
check "a second envelogd on the same log exits with an error (exit $src)" \
	test "$src" != 0
check "it says that another envelogd writes the log: $(head -1 "$T/second.log")" \
	grep -qi "writer\|lock\|another" "$T/second.log"
check "the log is unchanged (size and root)" test "$(log_state)" = "$state0"
check "the first envelogd still runs" kill -0 "$SRV_PID"

touch "$T/rec/stop"
wait_for 60 eval '! kill -0 $CLIENTS_PID'
kill "$CLIENTS_PID" 2>/dev/null
wait "$CLIENTS_PID"
check "the clients ran without an error" test ! -s "$T/clients.err"
sed 's/^/# /' "$T/clients.err" | head -10

events=$(cat "$T"/rec/acks.* | jq -s '[.[].count] | add // 0')
bundles=0 bbad=0
for f in "$T"/rec/bundles/r*.json; do
	[ -e "$f" ] || continue
	bundles=$((bundles + 1))
	$E bundle verify --vkey "$VKEY" "$f" >/dev/null 2>&1 || bbad=$((bbad + 1))
done
check "every one of $bundles bundles still verifies" test "$bbad" = 0
check "bundles were received" test "$bundles" -gt 0
retried=$(cat "$T"/rec/acks.* | jq -s '[.[] | select(.tries > 1)] | length')
check "batches were acknowledged after a retry" test "$retried" -gt 0
check "the log records the writer's reconnects" \
	grep -q 'the writer reconnected to the database' "$T/server.log"
replays=$(metric envelog_ingest_replays_total)
stop_server TERM
check "SIGTERM after the failovers exits 0" test "$SRV_RC" = 0
echo "# retries answered from their Idempotency-Key (a commit answered 503 that had landed, or a 201 lost with the connection): $replays"
echo "# failovers: $ROUNDS; acknowledged events: $events; bundles: $bundles"
echo "# batches acknowledged after a retry with the same key: $retried"
finish
