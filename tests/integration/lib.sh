# shellcheck shell=bash
# shellcheck disable=SC2034 # KEY, SRV_RC, HDRS, JSON, FIRST, COUNT: for the suites
# lib.sh — shared setup for envelogd's integration tests.  Source it; it
# creates a temporary directory $T, a log ($DB, key $KEY, verifier key
# $VKEY) and an ingest token $INGEST, and offers:
#
#   ELOG_TEST_STORE=pg      the log in PostgreSQL instead of a SQLite file:
#                           one scratch server for the suite (pg.sh), $DB
#                           its conninfo URI, the key still $KEY; a suite
#                           that uses $DB only through --db runs unchanged
#                           (tests/run lists those it runs so)
#
#   start_server [ARGS…]    start envelogd on a free port ($PORT, $URL);
#                           waits until /healthz answers.  SERVER=PATH
#                           starts another envelogd binary, SERVER_DIR=DIR
#                           starts it from DIR, NO_WEB=1 without --web
#   stop_server [SIG]       signal it (TERM) and wait; exit status in $SRV_RC
#   req METHOD PATH [CURL ARGS…]   sets $STATUS and $BODY (and $HDRS)
#   expect_status DESC STATUS METHOD PATH [CURL ARGS…]
#   expect_error DESC STATUS CODE METHOD PATH [CURL ARGS…]
#   post_events DESC BODY [CONTENT-TYPE]  201 expected; sets $FIRST $COUNT
#   log_state               "SIZE ROOT" of the verified latest checkpoint
#   metrics_settled FILE    /metrics into FILE once every earlier request
#                           is counted
#   "${ORACLE[@]}" …        the independent verifier (tests/tools/oracle.mjs,
#                           no code shared with libenvelog): proofs, chains,
#                           roots and signed checkpoints
#   ok/nok/check/bail/finish   TAP lines (tap.sh)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
B=${B:-build}
T=$(mktemp -d)
DB=$T/envelog.db
KEY=$T/envelog.key
SRV_PID=
SRV_RC=
PORT=
URL=
. tests/integration/tap.sh

cleanup() {
	if [ -n "$SRV_PID" ]; then
		kill -KILL "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	# the PostgreSQL servers of pg.sh, if the test started any
	declare -F pg_cleanup >/dev/null && pg_cleanup
	# KEEP=1: keep the scratch directory, and say where it is
	if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for tool in "$B/envelog" "$B/envelogd"; do
	[ -x "$tool" ] || bail "$tool is not built (make all)"
done
command -v node >/dev/null || bail "node is not installed (make deps)"
ORACLE=(node tests/tools/oracle.mjs)

# ELOG_TEST_STORE=pg: the suite's log is in a scratch PostgreSQL database
# (pg.sh) instead of a SQLite file: $DB is its connection string, and the
# programs are given the log key with --key ($KEY_ARG).
KEY_ARG=()
ELOG_TEST_STORE=${ELOG_TEST_STORE:-sqlite}
case $ELOG_TEST_STORE in
sqlite) ;;
pg)
	. tests/integration/pg.sh
	pg_start log
	DB=$PG_URL
	KEY_ARG=(--key "$KEY")
	export MKLOG_KEY=$KEY # tests/tools/mklog: no file beside the log
	;;
*) bail "ELOG_TEST_STORE=$ELOG_TEST_STORE: sqlite or pg" ;;
esac

VKEY=$("$B/envelog" init --db "$DB" --key "$KEY" --origin test.example/log 2>"$T/init.err") ||
	bail "envelog init: $(tail -1 "$T/init.err")"
INGEST=$("$B/envelog" token add --db "$DB" --role ingest 2>/dev/null) ||
	bail "envelog token add"

# start_server [ARGS…]; SCHEME=https and CURL_TLS=(--cacert …) for TLS.
SCHEME=${SCHEME:-http}
CURL_TLS=()
start_server() {
	PORT=$(free_port)
	URL=$SCHEME://127.0.0.1:$PORT
	local bin=${SERVER:-$B/envelogd} web=(--web "$T/web")
	case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
	[ -n "${NO_WEB:-}" ] && web=()
	(cd "${SERVER_DIR:-.}" && exec "$bin" --db "$DB" "${KEY_ARG[@]}" \
		--listen "127.0.0.1:$PORT" "${web[@]}" "$@") 2>>"$T/server.log" &
	SRV_PID=$!
	for _ in $(seq 1 100); do
		if curl -s -o /dev/null "${CURL_TLS[@]}" "$URL/healthz"; then
			return 0
		fi
		if ! kill -0 "$SRV_PID" 2>/dev/null; then break; fi
		sleep 0.05
	done
	echo "# server did not come up:"; sed 's/^/# /' "$T/server.log"
	return 1
}

stop_server() {
	kill -"${1:-TERM}" "$SRV_PID" 2>/dev/null
	wait "$SRV_PID"
	SRV_RC=$?
	SRV_PID=
}

# req METHOD PATH [CURL ARGS…]
req() {
	local m=$1 p=$2; shift 2
	BODY=$(curl -s -S -X "$m" "${CURL_TLS[@]}" -D "$T/hdrs" -o "$T/body" \
		-w '%{http_code}' "$@" "$URL$p" 2>"$T/curl.err")
	STATUS=$BODY
	BODY=$(cat "$T/body" 2>/dev/null)
	HDRS=$(cat "$T/hdrs" 2>/dev/null)
}

expect_status() { # DESC STATUS METHOD PATH [CURL ARGS…]
	local d=$1 s=$2; shift 2
	req "$@"
	if [ "$STATUS" = "$s" ]; then ok "$d"
	else nok "$d" "status $STATUS, want $s" "${BODY:0:300}"; fi
}

# The error body must be exactly {"error":{"code","message","detail"}}.
expect_error() { # DESC STATUS CODE METHOD PATH [CURL ARGS…]
	local d=$1 s=$2 c=$3; shift 3
	req "$@"
	if [ "$STATUS" = "$s" ] &&
		jq -e --arg c "$c" '(keys == ["error"]) and
			(.error | keys == ["code","detail","message"]) and
			.error.code == $c and (.error.message | type == "string")
			and (.error.detail | type == "object")' \
			<<<"$BODY" >/dev/null 2>&1; then
		ok "$d"
	else
		nok "$d" "status $STATUS, want $s $c" "${BODY:0:300}"
	fi
}

AUTH=(-H "Authorization: Bearer $INGEST")
JSON=(-H "Content-Type: application/json")

# event_json SENDER RECIPIENT TIME: one message event (TIME RFC 3339).
event_json() {
	printf '{"ts":"%s","sender":"%s","recipient":"%s","type":"message","size":%d}' "$3" "$1" "$2" "$RANDOM"
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

# post_events DESC BODY [CONTENT-TYPE]
post_events() {
	local d=$1 body=$2 ct=${3:-application/json}
	printf '%s' "$body" >"$T/post"
	req POST /v1/events "${AUTH[@]}" -H "Content-Type: $ct" \
		--data-binary "@$T/post"
	if [ "$STATUS" = 201 ] && jq -e '(keys == ["checkpoint","count","first"])
		and (.first | type == "number") and (.count | type == "number")
		and (.checkpoint | type == "string")' <<<"$BODY" >/dev/null 2>&1
	then
		FIRST=$(jq -r .first <<<"$BODY")
		COUNT=$(jq -r .count <<<"$BODY")
		ok "$d"
	else
		FIRST='' COUNT=''
		nok "$d" "status $STATUS" "${BODY:0:300}"
	fi
}

# metrics_settled FILE: GET /metrics into FILE once the scrape is the only
# request in flight.  envelogd counts a request (envelog_http_*) when
# libmicrohttpd reports it completed, just after its answer was sent, so a
# client may hold the answer before it is counted; a bounded wait, not a
# timed one.
metrics_settled() {
	local _
	for _ in $(seq 1 100); do
		curl -s "${CURL_TLS[@]}" -o "$1" "$URL/metrics" &&
			[ "$(awk '$1 == "envelog_http_requests_in_flight" { print $2 }' "$1")" = 1 ] &&
			return 0
		sleep 0.05
	done
	return 1
}

# The latest checkpoint, signature checked by the oracle: "SIZE ROOT".
log_state() {
	curl -s "${CURL_TLS[@]}" -o "$T/cp" "$URL/v1/checkpoint" &&
		"${ORACLE[@]}" checkpoint "$VKEY" "$T/cp"
}

# event [TS] — one valid event object
NOW_MS=$(($(date +%s) * 1000))
event() {
	printf '{"ts":%s,"sender":"+447700900%03d","recipient":"+447700900456","type":"message","size":%d}' \
		"${1:-$NOW_MS}" "$((RANDOM % 1000))" "$((RANDOM))"
}
# events N [TAG] [SEP] — N events, each with a distinct device "TAG-i"; as a
# JSON array, or NDJSON lines when SEP is "nl".
events() {
	awk -v n="$1" -v tag="${2:-d}" -v sep="${3:-}" -v ts="$NOW_MS" 'BEGIN {
		if (sep != "nl") printf "[";
		for (i = 0; i < n; i++) {
			if (i && sep != "nl") printf ",";
			printf "{\"ts\":%.0f,\"sender\":\"+4477009%05d\",\"recipient\":\"+447700900456\",\"type\":\"message\",\"size\":%d,\"device\":\"%s-%d\"}", ts, i, i * 7, tag, i;
			if (sep == "nl") printf "\n";
		}
		if (sep != "nl") printf "]";
	}'
}
