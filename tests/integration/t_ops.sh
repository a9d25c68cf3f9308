#!/usr/bin/env bash
# Operation: --help, bad flags, a taken port, a missing database, a wrong
# key, a wrong origin (all exit 2 with a message), the config file, and a
# bounded writer queue.
. "$(dirname "$0")/lib.sh"

"$B/envelogd" --help >"$T/out" 2>&1
check "--help exits 0" test $? = 0
check "--help lists the flags" grep -q -- "--max-per-ip" "$T/out"
"$B/envelogd" --no-such-flag 1 >/dev/null 2>&1
check "unknown flag: exit 2" test $? = 2
"$B/envelogd" --db "$DB" --threads abc >/dev/null 2>&1
check "non-numeric --threads: exit 2" test $? = 2
"$B/envelogd" --db "$DB" --sync sometimes >/dev/null 2>&1
check "bad --sync: exit 2" test $? = 2

"$B/envelogd" --db "$T/none.db" --key "$KEY" --listen "127.0.0.1:$(free_port)" 2>"$T/err"
check "missing database: exit 2" test $? = 2
check "missing database: message names it" grep -q "none.db" "$T/err"

"$B/envelog" init --db "$T/other.db" --origin other.example/log >/dev/null 2>&1
"$B/envelogd" --db "$DB" --key "$T/other.key" --listen "127.0.0.1:$(free_port)" 2>"$T/err"
check "another log's key: exit 2" test $? = 2
check "another log's key: message says so" grep -qi "not this log's key" "$T/err"
"$B/envelogd" --db "$DB" --key "$T/missing.key" --listen "127.0.0.1:$(free_port)" 2>"$T/err"
check "missing key file: exit 2" test $? = 2
"$B/envelogd" --db "$DB" --key "$KEY" --origin wrong.example/log --listen "127.0.0.1:$(free_port)" 2>"$T/err"
check "wrong --origin: exit 2" test $? = 2
check "wrong --origin: message says so" grep -q "origin" "$T/err"

start_server --origin test.example/log || bail "server starts"
# another log, so that only the port is in the way (a PostgreSQL log
# refuses a second writer before that)
"$B/envelogd" --db "$T/other.db" --listen "127.0.0.1:$PORT" 2>"$T/err"
check "port taken: exit 2" test $? = 2
check "port taken: clear message" grep -q "already in use" "$T/err"
stop_server

# config file; flags win over it
port=$(free_port)
cat >"$T/envelogd.conf" <<CONF
# a comment
db = $DB
key = $KEY
listen = 127.0.0.1:1
max-events = 5
CONF
"$B/envelogd" --config "$T/envelogd.conf" --listen "127.0.0.1:$port" --web "$T/web" 2>>"$T/server.log" &
SRV_PID=$! PORT=$port URL=http://127.0.0.1:$port
for _ in $(seq 1 100); do curl -s -o /dev/null "$URL/healthz" && break; sleep 0.05; done
expect_status "config file: server answers on the flag's port" 200 GET /healthz
printf '%s' "$(events 6 cfg)" >"$T/post"
expect_error "config file: max-events = 5 applies" 413 too_many_events POST /v1/events "${AUTH[@]}" "${JSON[@]}" --data-binary "@$T/post"
stop_server
echo "bogus = 1" >"$T/bad.conf"
"$B/envelogd" --config "$T/bad.conf" >/dev/null 2>&1
check "unknown config setting: exit 2" test $? = 2
"$B/envelogd" --config="$T/bad.conf" >/dev/null 2>&1
check "--config=FILE is read too: exit 2" test $? = 2

# a tiny queue: every answer is 201 or 503 queue_full with Retry-After, and
# the log holds exactly the acknowledged events
start_server --queue 1 --threads 4 || bail "server starts with --queue 1"
BASE=$(log_state)
pids=()
for k in 1 2 3 4 5 6 7 8; do
	( events 2000 q$k >"$T/q.$k"
	  curl -s -D "$T/qh.$k" -o "$T/qr.$k" -w '%{http_code}' "${AUTH[@]}" "${JSON[@]}" \
		--data-binary "@$T/q.$k" "$URL/v1/events" >"$T/qs.$k" ) &
	pids+=($!)
done
wait "${pids[@]}"
acked=0 bad=0
for k in 1 2 3 4 5 6 7 8; do
	case $(cat "$T/qs.$k") in
	201) acked=$((acked + 2000)) ;;
	503) jq -e '.error.code == "queue_full"' "$T/qr.$k" >/dev/null &&
		grep -qi '^retry-after: ' "$T/qh.$k" || bad=1 ;;
	*) bad=1 ;;
	esac
done
echo "# $((acked / 2000)) of 8 batches accepted with --queue 1"
check "answers are 201, or 503 queue_full with Retry-After" test "$bad" = 0
st=$(log_state)
check "the log holds exactly the acknowledged events" test "${st%% *}" = "$(( ${BASE%% *} + acked ))"
req GET /metrics
check "envelog_writer_queue_full_total counts the refused batches ($((8 - acked / 2000)))" \
	grep -qx "envelog_writer_queue_full_total $((8 - acked / 2000))" <<<"$BODY"
stop_server
finish
