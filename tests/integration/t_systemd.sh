#!/usr/bin/env bash
# systemd integration in envelogd: sd_notify READY=1 once it serves,
# RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 when it drains (to a
# NOTIFY_SOCKET this test listens on); SIGHUP reads --tls-cert/--tls-key
# again and serves new connections with them, and keeps the old ones when
# the new files are unusable.
SCHEME=https
. "$(dirname "$0")/lib.sh"

cert() { # NAME: $T/NAME.crt and .key, CN NAME, for 127.0.0.1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.crt" -days 1 -subj "/CN=$1" \
		-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
}
cert first || bail "openssl makes a certificate"
cert second || bail "openssl makes a second certificate"
cp "$T/first.crt" "$T/tls.crt" && cp "$T/first.key" "$T/tls.key" && chmod 600 "$T/tls.key"

# The notify socket: every datagram becomes one line of $T/notify.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    print("listening", file=f)
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$T/notify.sock" "$T/notify" &
NPID=$!
trap 'kill "$NPID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
[ -S "$T/notify.sock" ] || bail "the notify socket listens"

# shellcheck disable=SC2317 # called through check
wait_for() { # FILE PATTERN: until grep -q finds it (at most 5 s)
	for _ in $(seq 1 100); do grep -q -- "$2" "$1" && return 0; sleep 0.05; done
	return 1
}
served_cn() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername 127.0.0.1 </dev/null 2>/dev/null |
		openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//'
}

CURL_TLS=(--cacert "$T/first.crt")
NOTIFY_SOCKET=$T/notify.sock start_server --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" ||
	bail "server starts with TLS and NOTIFY_SOCKET"
check "sd_notify READY=1 once serving" wait_for "$T/notify" "READY=1"
check "... with a STATUS naming the address" grep -q "STATUS=serving on 127.0.0.1:$PORT" "$T/notify"
check "the first certificate is served" test "$(served_cn)" = first

# SIGHUP: the second certificate.
cp "$T/second.crt" "$T/tls.crt" && cp "$T/second.key" "$T/tls.key"
kill -HUP "$SRV_PID"
check "SIGHUP: RELOADING=1, then READY=1" wait_for "$T/notify" "RELOADING=1"
check "RELOADING=1 carries MONOTONIC_USEC (Type=notify-reload)" grep -qE "RELOADING=1 MONOTONIC_USEC=[0-9]+" "$T/notify"
for _ in $(seq 1 100); do [ "$(served_cn)" = second ] && break; sleep 0.05; done
check "after SIGHUP the second certificate is served" test "$(served_cn)" = second
# READY=1 is sent once the new certificate is served: the listener may
# write it a little after a client sees the certificate.
ready_again() { test "$(sed -n '/RELOADING=1/,$p' "$T/notify" | grep -c 'READY=1')" -ge 1; }
for _ in $(seq 1 100); do ready_again && break; sleep 0.05; done
check "READY=1 again after the reload" ready_again
CURL_TLS=(--cacert "$T/second.crt")
expect_status "healthz, checked against the second certificate" 200 GET /healthz
post_events "ingest after the reload" "$(events 3 hup)"
check "the old daemon is stopped once its connections are done" \
	wait_for "$T/server.log" "connections under the old certificate are closed"

# An unusable certificate: the second stays.
echo "not a certificate" >"$T/tls.crt"
kill -HUP "$SRV_PID"
check "SIGHUP with a broken certificate: the old one is kept, and it says so" \
	wait_for "$T/server.log" "keeping the old"
check "... the second certificate is still served" test "$(served_cn)" = second
expect_status "... and the server answers" 200 GET /healthz
check "the server is still running" kill -0 "$SRV_PID"

stop_server
check "SIGTERM: exit 0" test "$SRV_RC" = 0
check "sd_notify STOPPING=1 when draining" wait_for "$T/notify" "STOPPING=1"
check "STOPPING=1 comes after the last READY=1" \
	test "$(grep -n 'STOPPING=1' "$T/notify" | cut -d: -f1)" -gt "$(grep -n 'READY=1' "$T/notify" | tail -n 1 | cut -d: -f1)"

# Without NOTIFY_SOCKET nothing is sent and nothing breaks.
: >"$T/notify.before"; cp "$T/notify" "$T/notify.before"
SCHEME=http URL='' CURL_TLS=()
start_server || bail "server starts without NOTIFY_SOCKET"
stop_server
check "without NOTIFY_SOCKET: no message, clean exit" test "$SRV_RC:$(cmp -s "$T/notify" "$T/notify.before" && echo same)" = "0:same"
finish
