#!/usr/bin/env bash
# SIGTERM under load: the server stops accepting, finishes what is in
# flight, commits what is queued, writes a final checkpoint and exits 0.
# After a restart the log verifies and every acknowledged event is there.
. "$(dirname "$0")/lib.sh"
CLIENTS=8 PER=50

start_server --threads 2 || bail "server starts"

client() { # K: post until the server goes away
	local j
	for ((j = 0; j < 400; j++)); do
		events $PER "c$1-$j" >"$T/in.$1.$j"
		code=$(curl -s -o "$T/resp.$1.$j" -w '%{http_code}' "${AUTH[@]}" "${JSON[@]}" \
			--data-binary "@$T/in.$1.$j" "$URL/v1/events")
		echo "$j $code" >>"$T/status.$1"
		case $code in 201 | 503) ;; *) break ;; esac
	done
}
pids=()
for ((k = 0; k < CLIENTS; k++)); do client $k & pids+=($!); done
sleep 1
stop_server TERM
check "SIGTERM under load exits 0" test "$SRV_RC" = 0
wait "${pids[@]}"

acked=$(cat "$T"/status.* | awk '$2 == 201' | wc -l)
echo "# $acked batches acknowledged before the shutdown"
check "some batches were acknowledged" test "$acked" -gt 0
others=$(cat "$T"/status.* | awk '$2 != 201 && $2 != 503 && $2 != "000"' | wc -l)
check "other answers are only 503 (shutting down) or a refused connection" test "$others" = 0
bad503=0
for f in "$T"/status.*; do
	k=${f##*.}
	while read -r j code; do
		[ "$code" = 503 ] || continue
		jq -e '.error.code == "shutting_down" or .error.code == "queue_full"' "$T/resp.$k.$j" >/dev/null || bad503=1
	done <"$f"
done
check "503 answers say shutting_down" test "$bad503" = 0

"$B/envelog" verify --db "$DB" >/dev/null 2>&1
check "envelog verify passes after the shutdown" test $? = 0
check "the final checkpoint covers every entry" test \
	"$(sqlite3 "$DB" "SELECT (SELECT max(size) FROM checkpoint) = (SELECT count(*) FROM entry)")" = 1

# every acknowledged batch is there, whole; no batch is there in part
"$B"/tests/tools/records "$DB" | cut -f2 | jq -r .device |
	sed 's/-[0-9]*$//' | sort | uniq -c | awk '{ print $2, $1 }' >"$T/stored"
missing=0
for f in "$T"/status.*; do
	k=${f##*.}
	while read -r j code; do
		[ "$code" = 201 ] || continue
		grep -qx "c$k-$j $PER" "$T/stored" || missing=$((missing + 1))
	done <"$f"
done
check "every acknowledged event is in the log" test "$missing" = 0
check "no batch is stored in part" test "$(awk -v p=$PER '$2 != p' "$T/stored" | wc -l)" = 0
size=$(sqlite3 "$DB" "SELECT count(*) FROM entry")

start_server || bail "server restarts"
expect_status "healthz after restart" 200 GET /healthz
check "size survives the restart" jq -e --argjson s "$size" '.size == $s' <<<"$BODY"
st=$(log_state)
check "the served checkpoint verifies and has that size" test "${st%% *}" = "$size"
post_events "ingest works after the restart" "$(events 3 after)"
check "new events follow the old ones" test "$FIRST" = "$size"
stop_server INT
check "SIGINT exits 0" test "$SRV_RC" = 0

# A body still arriving after --drain: answered 503 shutting_down (or the
# connection closes), and the server still exits 0.
start_server --drain 1 || bail "server restarts"
python3 - "$PORT" "$INGEST" "$SRV_PID" >"$T/late" <<'EOF2'
import json, os, signal, socket, sys, time
port, tok, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body = json.dumps([{"ts": int(time.time() * 1000), "sender": "a",
                    "recipient": "b", "type": "message", "size": 1}]).encode()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + tok.encode() + b"\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(2.0)
try:
    s.sendall(body[5:])
    s.settimeout(5)
    print((s.recv(4096).split(b"\r\n")[0] or b"closed").decode())
except OSError:
    print("closed")
EOF2
stop_server
check "a body that outlasts --drain does not crash the server: exit 0" test "$SRV_RC" = 0
check "it is answered 503 or closed" grep -Eq '^(HTTP/1.1 503|closed)' "$T/late"
"$B/envelog" verify --db "$DB" >/dev/null 2>&1
check "envelog verify passes at the end" test $? = 0
finish
