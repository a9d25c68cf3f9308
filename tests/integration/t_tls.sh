#!/usr/bin/env bash
# HTTPS through --tls-cert/--tls-key with a certificate made at test time.
SCHEME=https
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/tls.key" -out "$T/tls.crt" -days 1 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || bail "openssl makes a certificate"
CURL_TLS=(--cacert "$T/tls.crt")
start_server --tls-cert "$T/tls.crt" --tls-key "$T/tls.key" || bail "server starts with TLS"

expect_status "healthz over HTTPS, certificate checked" 200 GET /healthz
check "healthz shape" jq -e '. == {"status":"ok","size":0}' <<<"$BODY"
post_events "ingest over HTTPS" "$(events 4 tls)"
st=$(log_state)
check "checkpoint over HTTPS verifies" test "${st%% *}" = 4
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
check "an unknown CA is refused by curl" test "$code" = 000
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/healthz")
check "plain HTTP to the TLS port gets no API answer" test "$code" != 200
stop_server
check "SIGTERM exits 0" test "$SRV_RC" = 0

# a missing key file is a startup error
"$B/envelogd" --db "$DB" --listen 127.0.0.1:$(free_port) --tls-cert "$T/tls.crt" \
	--tls-key "$T/nope.key" 2>"$T/err"
check "unreadable TLS key: exit 2" test $? = 2
check "with a clear message" grep -q "nope.key" "$T/err"
finish
