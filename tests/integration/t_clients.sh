#!/usr/bin/env bash
# The ingest clients of examples/ (Python and Go) against a real envelogd
# behind tests/tools/flakyproxy.py, which fails on cue: an answer lost after
# the commit, a connection closed before it, a 503 queue_full with
# Retry-After, a 500, and the server killed (SIGKILL) after a commit and
# restarted while the client retries.  Each client sends N events in
# batches; the log must then hold exactly N more entries (no event lost,
# none logged twice), every batch's retries must have carried its key and
# body unchanged, and the batches whose answer was lost must have been
# answered from their key.
. "$(dirname "$0")/lib.sh"

GO_CLIENT=$B/examples/envelog-ingest
[ -x "$GO_CLIENT" ] || bail "$GO_CLIENT is not built (make $GO_CLIENT)"
N=1000
BATCH=100

mkdir -p "$T/web"
SPORT=$(free_port)
PPORT=$(free_port)
# serve: envelogd on the fixed port SPORT (so that the proxy finds it again
# after a restart); its pid in $T/pid for the proxy's kill fault.
serve() {
	"$B/envelogd" --db "$DB" --key "$KEY" --listen "127.0.0.1:$SPORT" --web "$T/web" 2>>"$T/server.log" &
	SRV_PID=$!
	echo "$SRV_PID" >"$T/pid"
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$SPORT/healthz" && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# /' "$T/server.log"
	return 1
}
serve || bail "server starts"
URL=http://127.0.0.1:$SPORT

size() { curl -s "$URL/healthz" | jq -r .size; }
# listening PORT: wait until something accepts connections on PORT (a
# connection is not a request: the proxy counts none).
listening() {
	for _ in $(seq 1 100); do
		python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' \
			"$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
replays() { curl -s "$URL/metrics" | awk '$1 == "envelog_ingest_replays_total" { print $2 + 0 }'; }

# The events: each a distinct size and device, as NDJSON.
awk -v n=$N -v ts="$NOW_MS" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"ts\":%.0f,\"sender\":\"+4477009%05d\",\"recipient\":\"+447700900456\",\"type\":\"message\",\"size\":%d,\"device\":\"c-%d\"}\n", ts, i, i, i }' >"$T/events"

# Request numbers at the proxy: 2 loses its answer after the commit, 4 is
# refused 503 queue_full, 6 is closed unsent, 8 commits and then the server
# is killed, 14 (after the restart) is answered 500.  A run makes at least
# 10 + 4 requests.
FAULTS=2:drop,4:503,6:reset,8:kill,14:500

# run NAME COMMAND… — the client through a fresh proxy, restarting the
# server once the proxy killed it; checks the log and the proxy's record.
run() {
	local name=$1 before proxy cpid rc k restarted=
	shift
	before=$(size)
	: >"$T/$name.proxy"
	python3 tests/tools/flakyproxy.py --listen "$PPORT" --upstream "$SPORT" \
		--faults "$FAULTS" --log "$T/$name.proxy" --pidfile "$T/pid" &
	proxy=$!
	listening "$PPORT"
	ENVELOG_TOKEN=$INGEST "$@" <"$T/events" >"$T/$name.out" 2>"$T/$name.err" &
	cpid=$!
	# Restart the server when the proxy has killed it, while the client
	# goes on retrying; bounded by the client's own attempts.
	while kill -0 "$cpid" 2>/dev/null; do
		if [ -z "$restarted" ] && ! kill -0 "$SRV_PID" 2>/dev/null; then
			wait "$SRV_PID" 2>/dev/null
			serve || break
			restarted=1
		fi
		sleep 0.1
	done
	wait "$cpid"
	rc=$?
	kill "$proxy"; wait "$proxy" 2>/dev/null
	check "$name: the client exits 0" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/$name.err" | tail -20
	check "$name: the server was killed and restarted" test -n "$restarted"
	check "$name: the log grew by exactly $N events" test "$(size)" = $((before + N))
	check "$name: the client reported $((N / BATCH)) batches of $BATCH" \
		test "$(awk -v b=$BATCH '$2 == b' "$T/$name.out" | wc -l)" = $((N / BATCH))
	check "$name: their seqs are distinct and cover the $N new entries" test \
		"$(awk '{ for (i = 0; i < $2; i++) print $1 + i }' "$T/$name.out" | sort -n | uniq |
			awk -v lo="$before" -v hi=$((before + N - 1)) 'NR == 1 { f = $1 } END { print NR, f, $1 == hi && f == lo }')" \
		= "$N $before 1"
	check "$name: every fault happened" test "$(jq -r 'select(.fault != null) | .fault' "$T/$name.proxy" |
		grep -cE '^(drop after 201|503|reset|kill after 201|500)$')" = 5
	check "$name: no key was used for two bodies" test \
		"$(jq -r '"\(.key) \(.sha256)"' "$T/$name.proxy" | sort -u | awk '{ print $1 }' | uniq -d | wc -l)" = 0
	check "$name: every request carried a key" test \
		"$(jq -r 'select(.key == null)' "$T/$name.proxy" | wc -l)" = 0
	check "$name: $((N / BATCH)) keys in all" test \
		"$(jq -r .key "$T/$name.proxy" | sort -u | wc -l)" = $((N / BATCH))
	for k in $(jq -r 'select(.fault == "drop after 201" or .fault == "kill after 201") | .key' "$T/$name.proxy"); do
		check "$name: batch $k, committed but unanswered, was retried with its body and answered 201" \
			test "$(jq -r --arg k "$k" 'select(.key == $k and .status == 201) | .sha256' "$T/$name.proxy")" = \
			"$(jq -r --arg k "$k" 'select(.key == $k) | .sha256' "$T/$name.proxy" | head -n 1)"
	done
	check "$name: the restarted server answered a retry from its key" test "$(replays)" -ge 1
	check "$name: it waited and retried (its log says so)" grep -q "503 queue_full; retrying" "$T/$name.err"
}

run python python3 examples/python/envelog_ingest.py --url "http://127.0.0.1:$PPORT" \
	--batch $BATCH --backoff-base 0.05 --backoff-max 1 --attempts 60 --key-prefix py-test
run go "$GO_CLIENT" -url "http://127.0.0.1:$PPORT" -batch $BATCH \
	-backoff-base 50ms -backoff-max 1s -attempts 60 -key-prefix go-test

# A batch the server refuses (400) is not retried: the client exits 1 naming
# the code, after one request, and the log is unchanged.
printf '{"ts":%s,"sender":"+447700900123","recipient":"+447700900456","type":"letter","size":1}\n' "$NOW_MS" >"$T/bad"
refused() { # NAME COMMAND… (through a proxy without faults, counting)
	local name=$1 before proxy rc
	shift
	before=$(size)
	python3 tests/tools/flakyproxy.py --listen "$PPORT" --upstream "$SPORT" \
		--log "$T/$name.bad.proxy" &
	proxy=$!
	listening "$PPORT"
	ENVELOG_TOKEN=$INGEST "$@" <"$T/bad" >/dev/null 2>"$T/$name.bad.err"
	rc=$?
	kill "$proxy"; wait "$proxy" 2>/dev/null
	check "$name: a refused batch: exit 1" test "$rc" -eq 1
	check "$name: naming the error code" grep -q "400 invalid_value" "$T/$name.bad.err"
	check "$name: after one request, no retry" test "$(wc -l <"$T/$name.bad.proxy")" = 1
	check "$name: the log is unchanged" test "$(size)" = "$before"
}
refused python python3 examples/python/envelog_ingest.py --url "http://127.0.0.1:$PPORT" --backoff-base 0.05
refused go "$GO_CLIENT" -url "http://127.0.0.1:$PPORT" -backoff-base 50ms

if "$B/envelog" verify --db "$DB" --vkey "$VKEY" >"$T/verify" 2>&1; then ok "the log verifies"
else nok "the log verifies" "$(tail -n 3 "$T/verify")"; fi
finish
