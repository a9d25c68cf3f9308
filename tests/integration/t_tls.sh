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

# Forward secrecy only, TLS 1.2 and later (HTTP_TLS_PRIORITIES), with an
# RSA certificate, under which static-RSA suites would be possible.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rsa.key" -out "$T/rsa.crt" \
	-days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	>/dev/null 2>&1 || bail "openssl makes an RSA certificate"
CURL_TLS=(--cacert "$T/rsa.crt")
start_server --tls-cert "$T/rsa.crt" --tls-key "$T/rsa.key" || bail "server starts with an RSA certificate"
hs() { # s_client ARGS… -> the negotiated cipher, "(NONE)" or "0000" when refused
	openssl s_client -connect "127.0.0.1:$PORT" -servername 127.0.0.1 "$@" \
		</dev/null 2>/dev/null | sed -n 's/^ *Cipher *: *//p;s/^New, .*, Cipher is //p' | head -1
}
got=$(hs -tls1_2 -cipher AES128-SHA)
check "static-RSA AES128-SHA over TLS 1.2 is refused" test -z "$got" -o "$got" = "(NONE)" -o "$got" = 0000
got=$(hs -tls1_2 -cipher AES256-GCM-SHA384)
check "static-RSA AES256-GCM-SHA384 is refused" test -z "$got" -o "$got" = "(NONE)" -o "$got" = 0000
got=$(hs -tls1_2 -cipher ECDHE-RSA-AES128-SHA)
check "ECDHE with CBC and SHA-1 is refused" test -z "$got" -o "$got" = "(NONE)" -o "$got" = 0000
got=$(hs -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
check "ECDHE-RSA-AES128-GCM-SHA256 over TLS 1.2 is accepted" test "$got" = ECDHE-RSA-AES128-GCM-SHA256
got=$(hs -tls1_3)
check "TLS 1.3 is accepted" test -n "$got" -a "$got" != "(NONE)" -a "$got" != 0000
got=$(hs -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')
check "TLS 1.1 is refused" test -z "$got" -o "$got" = "(NONE)" -o "$got" = 0000
expect_status "healthz over HTTPS with the RSA certificate" 200 GET /healthz
stop_server

# a missing key file is a startup error
"$B/envelogd" --db "$DB" --key "$KEY" --listen "127.0.0.1:$(free_port)" --tls-cert "$T/tls.crt" \
	--tls-key "$T/nope.key" 2>"$T/err"
check "unreadable TLS key: exit 2" test $? = 2
check "with a clear message" grep -q "nope.key" "$T/err"
finish
