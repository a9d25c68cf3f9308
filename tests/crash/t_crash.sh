#!/usr/bin/env bash
# Crash test: envelogd under 4 concurrent ingest clients and a lawful-request
# client is killed with SIGKILL at random moments, KILLS times, and
# restarted on the same database.  The clients pause for the checks; after
# each restart `envelog verify` passes, every acknowledged event is at its
# seq with the data sent, no batch is stored in part, every bundle received
# verifies and holds every acknowledged event of its subjects, and the first
# checkpoint after the restart is consistent with every checkpoint served
# before (201 answers, bundles, the previous restart).  The ingest clients
# retry every batch the kill left unanswered with the same Idempotency-Key:
# no acknowledged event is lost and none is stored twice.  The clients and the
# checker are tests/crash/load.py.
#
# The log is made with index runs of 32 events (ELOG_TEST_INDEX_RUN_BITS):
# the clients' commits (a few batches of 1 to 16 events each) seal a run
# every one to three commits, and every 512 events a commit merges 16 runs
# into one, so kills land during seals and merges.  After each restart
# verify checks every index row's place and the lawful-request client's
# bundles hold every acknowledged event of their subjects; at the end, the
# index must have been sealed and merged.
#
#   KILLS=N (default 24)   how many times to kill the server
export ELOG_TEST_INDEX_RUN_BITS=5
. "$(dirname "$0")/../integration/lib.sh"
E=$B/envelog
PC=$B/tests/tools/proofcheck
LOAD=tests/crash/load.py
KILLS=${KILLS:-24}

WVK=$($E warrant keygen crash-auth --out "$T/w.key" 2>/dev/null) || bail "warrant keygen"
$E authority add --db "$DB" crash-auth "$WVK" >/dev/null 2>&1 || bail "authority add"
AUTHZ=$($E token add --db "$DB" --role authority --authority crash-auth 2>/dev/null) ||
	bail "authority token"

start_server --threads 2 || bail "server starts"

# restart: envelogd again on the same port, so the clients find it.
restart() {
	"$B/envelogd" --db "$DB" --listen "127.0.0.1:$PORT" --web "$T/web" \
		--threads 2 2>>"$T/server.log" &
	SRV_PID=$!
	for _ in $(seq 1 200); do
		curl -s -o /dev/null "$URL/healthz" && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# the server did not come back:"; tail -5 "$T/server.log" | sed 's/^/# /'
	return 1
}

# check ROUND: the checker's lines as TAP
check_round() {
	local kind desc detail
	while IFS='|' read -r kind desc detail; do
		case $kind in
		ok) ok "$1: $desc" ;;
		nok) nok "$1: $desc" "$detail" ;;
		*) nok "$1: checker said: $kind $desc $detail" ;;
		esac
	done < <(python3 "$LOAD" check --url "$URL" --dir "$T/snap" --db "$DB" \
		--vkey "$VKEY" --state "$T/state" --envelog "$E" --proofcheck "$PC" 2>&1)
}

mkdir -p "$T/rec"
python3 "$LOAD" clients --url "$URL" --dir "$T/rec" --ingest "$INGEST" \
	--authority "$AUTHZ" --wkey "$T/w.key" --envelog "$E" 2>"$T/clients.err" &
CLIENTS_PID=$!
trap 'touch "$T/rec/stop"; kill "$CLIENTS_PID" 2>/dev/null; cleanup' EXIT

. tests/crash/pause.sh

kills=0
for ((r = 1; r <= KILLS; r++)); do
	rm -f "$T/rec/pause"
	# a random moment under load: 0 to 0.99 s after the clients resumed
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	kill -KILL "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
	kills=$((kills + 1))
	if ! pause_clients "$r"; then
		mapfile -t why < <(for w in 0 1 2 3 lawful; do
			echo "client $w paused for round $(cat "$T/rec/paused.$w" 2>/dev/null || echo none)"
		done; tail -5 "$T/clients.err" 2>/dev/null)
		nok "kill $r: the clients pause" "${why[@]}"
	fi
	# what the clients were told before the crash
	rm -rf "$T/snap" && cp -r "$T/rec" "$T/snap"
	if ! restart; then
		nok "kill $r: the server restarts on the same database"
		break
	fi
	out=$($E verify --db "$DB" --vkey "$VKEY" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then ok "kill $r: envelog verify passes after the restart"
	else nok "kill $r: envelog verify passes after the restart" "exit $rc: $out"; fi
	check_round "kill $r"
done
runs=$(sqlite3 "$DB" "SELECT count(*) || ' runs, ' || coalesce(sum(level = 1), 0) || ' of level 1' FROM index_run")
check "the index was sealed into runs, merged into level 1 ($runs)" \
	test "$(sqlite3 "$DB" "SELECT count(*) > 0 AND sum(level = 1) > 0 FROM index_run")" = 1

touch "$T/rec/stop"
for _ in $(seq 1 200); do kill -0 "$CLIENTS_PID" 2>/dev/null || break; sleep 0.05; done
kill "$CLIENTS_PID" 2>/dev/null
wait "$CLIENTS_PID"
check "the clients ran without an error" test ! -s "$T/clients.err"
sed 's/^/# /' "$T/clients.err" | head -10

# A last, clean round over everything the clients were ever told.
stop_server TERM
check "SIGTERM after the crashes exits 0" test "$SRV_RC" = 0
rm -rf "$T/snap" && cp -r "$T/rec" "$T/snap"
restart || bail "the server restarts for the last check"
check_round "after the last restart"
out=$($E verify --db "$DB" --vkey "$VKEY" 2>&1)
rc=$?
if [ "$rc" = 0 ]; then ok "envelog verify passes at the end: ${out%%$'\n'*}"
else nok "envelog verify passes at the end" "exit $rc: $out"; fi

events=$(cat "$T"/rec/acks.* | jq -s '[.[].count] | add // 0')
bundles=0 bbad=0
for f in "$T"/rec/bundles/r*.json; do
	[ -e "$f" ] || continue
	bundles=$((bundles + 1))
	$E bundle verify --vkey "$VKEY" "$f" >/dev/null 2>&1 || bbad=$((bbad + 1))
done
check "every one of $bundles bundles still verifies" test "$bbad" = 0
check "there were at least 20 kills" test "$kills" -ge 20
check "events were acknowledged" test "$events" -gt 0
check "bundles were received" test "$bundles" -gt 0
retried=$(cat "$T"/rec/acks.* | jq -s '[.[] | select(.tries > 1)] | length')
check "batches were acknowledged after a retry" test "$retried" -gt 0
echo "# kills survived: $kills"
echo "# acknowledged events checked: $events ($(jq .events_checked "$T/state") checks over all restarts)"
echo "# checkpoints checked for consistency: $(jq .checkpoints_checked "$T/state")"
echo "# bundles checked: $bundles"
echo "# batches acknowledged after a retry with the same key: $retried"
finish
