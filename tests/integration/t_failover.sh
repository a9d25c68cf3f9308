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
export ELOG_TEST_INDEX_RUN_BITS=5
# lib.sh makes the log in a scratch PostgreSQL server, "log": the first
# primary.
export ELOG_TEST_STORE=pg
. "$(dirname "$0")/lib.sh"
E=$B/envelog
PC=$B/tests/tools/proofcheck
LOAD=tests/crash/load.py
ROUNDS=${ROUNDS:-5}
PSQL=$PG_BIN/psql

# Servers "log" and "b" keep their ports through every round, so that one
# connection string names both.  The primary waits for the other to have
# flushed each commit (synchronous_commit = on is the default; said here).
# synchronous_standby_names is set now that the role and the database are
# made (until a standby connects, every commit waits).
declare -A PORTS
PORTS[log]=$PG_PORT
{
	echo "synchronous_commit = on"
	echo "synchronous_standby_names = 'FIRST 1 (log, b)'"
	echo "wal_keep_size = '256MB'"
} >>"$T/pg-log/data/postgresql.conf"
pg_run "$PG_BIN/pg_ctl" -D "$T/pg-log/data" reload >/dev/null 2>&1 ||
	bail "pg_ctl reload"

# pg_standby NAME FROM: NAME (its directory emptied) becomes a standby of
# FROM, made with pg_basebackup -R, on NAME's port.
pg_standby() {
	local name=$1 from=$2 dir=$T/pg-$1
	rm -rf "$dir/data"
	mkdir -p "$dir"
	[ -n "$PG_USER" ] && chown "$PG_USER" "$dir"
	pg_run "$PG_BIN/pg_basebackup" -h "$T/pg-$from" -p "${PORTS[$from]}" \
		-U postgres -D "$dir/data" -R -X stream -c fast \
		>"$dir/basebackup.log" 2>&1 || {
		echo "# pg_basebackup: $(tail -3 "$dir/basebackup.log")"
		return 1
	}
	{
		echo "port = ${PORTS[$name]}"
		echo "unix_socket_directories = '$dir'"
		echo "cluster_name = '$name'"
	} >>"$dir/data/postgresql.conf"
	pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		start >/dev/null 2>&1 || {
		echo "# the standby did not start: $(tail -3 "$dir/server.log")"
		return 1
	}
	case " ${PG_NAMES[*]} " in *" $name "*) ;; *) PG_NAMES+=("$name") ;; esac
}

# wait_for SECONDS CMD…: until CMD succeeds, for at most SECONDS (bounds
# every wait; generous, for a loaded machine).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
# shellcheck disable=SC2317 # is_sync, is_primary, acks_past: through wait_for
is_sync() { # PRIMARY: its standby is synchronous
	[ "$(pg_psql "$1" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ]
}
# shellcheck disable=SC2317
is_primary() { # NAME
	[ "$(pg_psql "$1" "SELECT pg_is_in_recovery()")" = f ]
}

# failover OLD NEW: kill OLD, promote NEW, make OLD a standby of NEW.
failover() {
	local old=$1 new=$2
	pg_kill "$old" || return 1
	pg_run "$PG_BIN/pg_ctl" -D "$T/pg-$new/data" -w -t 60 promote \
		>/dev/null 2>&1 || { echo "# pg_ctl promote failed"; return 1; }
	wait_for 60 is_primary "$new" || { echo "# $new is not a primary"; return 1; }
	pg_standby "$old" "$new" || return 1
	wait_for 120 is_sync "$new" || { echo "# $old is not a synchronous standby of $new"; return 1; }
}

PORTS[b]=$(free_port)
pg_standby b log || bail "a standby made with pg_basebackup -R starts"
check "the standby is synchronous" wait_for 120 is_sync log
MULTI="postgresql://envelog@127.0.0.1:${PORTS[log]},127.0.0.1:${PORTS[b]}/envelog?target_session_attrs=read-write&connect_timeout=5"

# ---- the harness, with psql alone
"$PSQL" -X -q -d "$MULTI" -c "CREATE TABLE ha_probe (n int)" || bail "CREATE TABLE"
for i in 1 2 3 4 5; do
	"$PSQL" -X -q -d "$MULTI" -c "INSERT INTO ha_probe VALUES ($i)" ||
		nok "psql inserts through the multi-host conninfo"
done
check "psql's multi-host conninfo reaches the primary (log)" \
	test "$("$PSQL" -X -At -d "$MULTI" -c 'SELECT inet_server_port()')" = "${PORTS[log]}"
failover log b
check "a failover: log killed, b promoted, log a new synchronous standby of b" test $? = 0
check "the 5 rows committed on log are on b" \
	test "$(PG_DB=envelog pg_psql b 'SELECT count(*) FROM ha_probe')" = 5
check "the multi-host conninfo now reaches b" \
	test "$("$PSQL" -X -At -d "$MULTI" -c 'SELECT inet_server_port()')" = "${PORTS[b]}"
"$PSQL" -X -q -d "$MULTI" -c "DROP TABLE ha_probe" || bail "DROP TABLE"
PRIMARY=b STANDBY=log

# ---- envelogd through failovers
# lib.sh's log ($DB, $KEY, $VKEY, $INGEST), now through both servers
DB=$MULTI
WVK=$($E warrant keygen crash-auth --out "$T/w.key" 2>/dev/null) || bail "warrant keygen"
$E authority add --db "$DB" crash-auth "$WVK" >/dev/null 2>&1 || bail "authority add"
AUTHZ=$($E token add --db "$DB" --role authority --authority crash-auth 2>/dev/null) ||
	bail "authority token"
start_server --threads 2 || bail "envelogd starts on the multi-host conninfo"

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

# pause_clients R: the clients stop sending and say so (a bounded wait,
# longer than a client's request timeout of 15 s).
pause_clients() {
	local w all end=$((SECONDS + 60))
	echo "$1" >"$T/rec/pause.tmp" && mv "$T/rec/pause.tmp" "$T/rec/pause"
	while [ "$SECONDS" -lt "$end" ]; do
		all=1
		for w in 0 1 2 3 lawful; do
			[ "$(cat "$T/rec/paused.$w" 2>/dev/null)" = "$1" ] || all=0
		done
		[ "$all" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}
acks() { cat "$T"/rec/acks.* 2>/dev/null | wc -l; }
# shellcheck disable=SC2317
acks_past() { [ "$(acks)" -gt "$1" ]; }

mkdir -p "$T/rec"
python3 "$LOAD" clients --url "$URL" --dir "$T/rec" --ingest "$INGEST" \
	--authority "$AUTHZ" --wkey "$T/w.key" --envelog "$E" --seconds 1200 \
	2>"$T/clients.err" &
CLIENTS_PID=$!
trap 'touch "$T/rec/stop"; kill "$CLIENTS_PID" 2>/dev/null; cleanup' EXIT

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
stop_server TERM
check "SIGTERM after the failovers exits 0" test "$SRV_RC" = 0
echo "# failovers: $ROUNDS; acknowledged events: $events; bundles: $bundles"
echo "# batches acknowledged after a retry with the same key: $retried"
finish
