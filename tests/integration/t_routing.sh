#!/usr/bin/env bash
# Ingest routing over three shards behind nginx, with the documented
# example config docs/examples/nginx-shards.conf run as it is (only the
# shards' addresses and the listen line replaced): three envelogd shards,
# each its own database, key and origin, one ingest token added to all
# three (envelog token add --stdin); nginx spreads POST /v1/events by a
# consistent hash of Idempotency-Key.  Checked: every shard gets batches and
# the shards' sizes sum to what was posted; a retry (same key, same body)
# gets the same {first,count} from the same shard and appends nothing
# anywhere; same key, other body: 409 from that shard; Authorization passes
# through; a body over 8 MiB is 413 at the proxy; reads are per shard; with
# a shard down, its batches get an explicit 502 shard_unavailable (never
# another shard) and, retried with their keys once it is back, land on it.
. "$(dirname "$0")/lib.sh"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || bail "nginx is installed (make deps)"
NGX_PID=
SHARD_PID=(
	""
	""
	""
)
stop_all() {
	local p
	for p in "$NGX_PID" "${SHARD_PID[@]}"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	NGX_PID=""
	SHARD_PID=("" "" "")
}
trap 'stop_all; cleanup' EXIT

BATCHES=60  # batches of PER events, each with its own key
PER=3
SPORT=()
for i in 0 1 2; do
	"$B/envelog" init --db "$T/s$i.db" --key "$T/s$i.key" \
		--origin "shard$i.test.example/log" >"$T/s$i.vkey" 2>>"$T/init.err" ||
		bail "envelog init shard $i"
	SPORT[i]=$(free_port)
done

# One ingest token for the message server, on all three shards.
TOKEN=$("$B/envelog" token add --db "$T/s0.db" --role ingest --label mx-1 2>/dev/null) ||
	bail "token add"
for i in 1 2; do
	printf '%s\n' "$TOKEN" | "$B/envelog" token add --db "$T/s$i.db" \
		--role ingest --label mx-1 --stdin 2>"$T/import.err"
	check "token add --stdin: the same token added to shard $i" test $? = 0
done
printf '%s\n' "$TOKEN" | "$B/envelog" token add --db "$T/s1.db" --role ingest --stdin 2>"$T/import.err"
check "token add --stdin twice: exit 2, it is there already" test $? = 2
check "and it says so" grep -q "already in the log" "$T/import.err"
printf 'elog_short\n' | "$B/envelog" token add --db "$T/s1.db" --role ingest --stdin 2>"$T/import.err"
check "token add --stdin with a malformed token: exit 2" test $? = 2
check "shard 1 has the one token" test "$("$B/envelog" token list --db "$T/s1.db" | wc -l)" = 1
AUTH=(-H "Authorization: Bearer $TOKEN")

start_shard() { # $1: index
	"$B/envelogd" --db "$T/s$1.db" --listen "127.0.0.1:${SPORT[$1]}" \
		2>>"$T/shard$1.log" &
	SHARD_PID[$1]=$!
	wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:${SPORT[$1]}/healthz"
}
for i in 0 1 2; do
	start_shard "$i" || bail "shard $i starts"
done

# nginx: the example's http{} part, included from a minimal main config
# (its own prefix, pid and temp paths; workers as nobody when root).
NPORT=$(free_port)
NX=$T/nginx
mkdir -p "$NX/logs" "$NX/tmp"
chmod 711 "$T"
sed -e "s/shard0\.internal:8080/127.0.0.1:${SPORT[0]}/" \
	-e "s/shard1\.internal:8080/127.0.0.1:${SPORT[1]}/" \
	-e "s/shard2\.internal:8080/127.0.0.1:${SPORT[2]}/" \
	-e "s/^\tlisten 80;/\tlisten 127.0.0.1:$NPORT;/" \
	docs/examples/nginx-shards.conf >"$NX/shards.conf"
check "the example config has the three shards and the listen line replaced" \
	test "$(grep -c -e "127.0.0.1:${SPORT[0]}" -e "127.0.0.1:${SPORT[1]}" \
		-e "127.0.0.1:${SPORT[2]}" -e "listen 127.0.0.1:$NPORT" "$NX/shards.conf")" = 7
cat >"$NX/nginx.conf" <<NGX
daemon off;
pid $NX/nginx.pid;
error_log $NX/logs/error.log;
$([ "$(id -u)" = 0 ] && echo "user nobody nogroup;")
events { worker_connections 256; }
http {
	access_log $NX/logs/access.log;
	client_body_temp_path $NX/tmp/body;
	proxy_temp_path $NX/tmp/proxy;
	fastcgi_temp_path $NX/tmp/fastcgi;
	uwsgi_temp_path $NX/tmp/uwsgi;
	scgi_temp_path $NX/tmp/scgi;
	include $NX/shards.conf;
}
NGX
"$NGINX" -t -p "$NX" -c "$NX/nginx.conf" >"$NX/test.out" 2>&1
check "nginx -t accepts the example config" test $? = 0
"$NGINX" -p "$NX" -c "$NX/nginx.conf" 2>"$NX/stderr" &
NGX_PID=$!
URL=http://127.0.0.1:$NPORT # req, expect_error: through the proxy
wait_for 20 curl -s -o /dev/null "$URL/shard/0/healthz" || bail "nginx starts"

# size I: shard I's size, read from the shard itself (signature checked)
size() {
	curl -s -o "$T/cp$1" "http://127.0.0.1:${SPORT[$1]}/v1/checkpoint" &&
		"${ORACLE[@]}" checkpoint "$(cat "$T/s$1.vkey")" "$T/cp$1" | cut -d' ' -f1
}
sizes() { echo "$(size 0) $(size 1) $(size 2)"; }
# batch K: the body of batch K (PER events, devices naming K)
batch() { events "$PER" "b$1"; }
# post KEY BODY: POST through the proxy; sets STATUS, BODY, HDRS, and
# SHARD (the origin's shard number from the answer's checkpoint, or "")
post() {
	printf '%s' "$2" >"$T/post"
	req POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: $1" \
		--data-binary "@$T/post"
	SHARD=$(jq -r '.checkpoint // ""' <<<"$BODY" 2>/dev/null | head -1 |
		sed -n 's|^shard\([0-9]\)\.test\.example/log$|\1|p')
}

# --- many batches, each with its own key ---
declare -A ROUTE ANSWER
got=(0 0 0)
bad=
for k in $(seq 1 "$BATCHES"); do
	post "mx1-$k" "$(batch "$k")"
	if [ "$STATUS" != 201 ] || [ -z "$SHARD" ]; then
		bad="$bad $k:$STATUS"
		continue
	fi
	ROUTE[$k]=$SHARD
	ANSWER[$k]=$(jq -c '{first,count}' <<<"$BODY")
	got[SHARD]=$((got[SHARD] + 1))
done
check "$BATCHES batches with distinct keys: all 201 from a shard" test -z "$bad"
[ -z "$bad" ] || echo "# refused: $bad"
echo "# batches per shard: ${got[*]}"
check "every shard received some batches" test "${got[0]}" -gt 0 -a "${got[1]}" -gt 0 -a "${got[2]}" -gt 0
read -r s0 s1 s2 <<<"$(sizes)"
check "the shards' sizes sum to the events posted ($((BATCHES * PER)))" \
	test "$((s0 + s1 + s2))" = "$((BATCHES * PER))"
check "each shard holds exactly the batches answered from it" \
	test "$s0 $s1 $s2" = "$((got[0] * PER)) $((got[1] * PER)) $((got[2] * PER))"

# --- retries ---
before=$(sizes)
bad=
for k in 1 2 3 4 5 6 7 8 9 10; do
	post "mx1-$k" "$(batch "$k")"
	[ "$STATUS" = 201 ] && [ "$SHARD" = "${ROUTE[$k]}" ] &&
		[ "$(jq -c '{first,count}' <<<"$BODY")" = "${ANSWER[$k]}" ] ||
		bad="$bad $k"
done
check "10 retries (same key, same body): 201, the same shard, the same {first,count}" test -z "$bad"
check "the retries appended nothing on any shard" test "$(sizes)" = "$before"
expect_error "the same key with another body: 409 conflict" 409 conflict \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: mx1-1" \
	--data-binary "$(batch other)"
check "the conflict appended nothing on any shard" test "$(sizes)" = "$before"
# (Only the key's shard could answer 409: the others have no such key for
# this token and would have appended the batch.)

# --- Authorization passes through; the body bound ---
expect_error "no Authorization through the proxy: the shard's 401 missing_token" 401 missing_token \
	POST /v1/events "${JSON[@]}" -H "Idempotency-Key: mx1-noauth" --data-binary "$(batch noauth)"
expect_error "another token: the shard's 401 unknown_token" 401 unknown_token \
	POST /v1/events -H "Authorization: Bearer elog_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"${JSON[@]}" -H "Idempotency-Key: mx1-badauth" --data-binary "$(batch badauth)"
head -c $((8 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T/big"
expect_error "a body over 8 MiB: 413 body_too_large at the proxy" 413 body_too_large \
	POST /v1/events "${AUTH[@]}" "${JSON[@]}" -H "Idempotency-Key: mx1-big" \
	--data-binary "@$T/big"
check "refused requests appended nothing on any shard" test "$(sizes)" = "$before"

# --- reads are per shard ---
bad=
for i in 0 1 2; do
	a=$(curl -s "$URL/shard/$i/v1/checkpoint")
	b=$(curl -s "http://127.0.0.1:${SPORT[$i]}/v1/checkpoint")
	[ -n "$a" ] && [ "$a" = "$b" ] || bad="$bad $i"
done
check "/shard/N/v1/checkpoint through the proxy is shard N's checkpoint" test -z "$bad"
expect_error "a read at the top level: 404 not_found (no log answers for all shards)" \
	404 not_found GET /v1/checkpoint

# --- a shard down ---
kill "${SHARD_PID[1]}"
wait "${SHARD_PID[1]}" 2>/dev/null
SHARD_PID[1]=
a0=$(size 0) a2=$(size 2)
declare -A DOWN
bad="" ups=0 downs=0
for k in $(seq 101 $((100 + BATCHES))); do
	post "mx1-$k" "$(batch "$k")"
	case "$STATUS:$SHARD" in
	201:0 | 201:2) ups=$((ups + 1)) ;;
	502:)
		if jq -e '.error.code == "shard_unavailable"' <<<"$BODY" >/dev/null 2>&1 &&
			grep -qi '^Retry-After: 5' <<<"$HDRS"; then
			downs=$((downs + 1))
			DOWN[$k]=1
		else
			bad="$bad $k:502-body"
		fi
		;;
	*) bad="$bad $k:$STATUS:$SHARD" ;;
	esac
done
echo "# with shard 1 down: $ups batches to shards 0 and 2, $downs refused"
check "shard 1 down: every batch is either 201 from shard 0/2 or 502 shard_unavailable with Retry-After" test -z "$bad"
check "some batches were refused 502 (those of shard 1), some taken" test "$downs" -gt 0 -a "$ups" -gt 0
check "shards 0 and 2 grew by exactly the batches they answered" \
	test "$(($(size 0) + $(size 2)))" = "$((a0 + a2 + ups * PER))"
k=$(for x in "${!ROUTE[@]}"; do [ "${ROUTE[$x]}" = 1 ] && echo "$x"; done | head -1)
post "mx1-$k" "$(batch "$k")"
check "a retry of a batch shard 1 committed, shard 1 down: 502, not another shard" test "$STATUS" = 502
check "and shards 0 and 2 are unchanged by it" \
	test "$(($(size 0) + $(size 2)))" = "$((a0 + a2 + ups * PER))"

# Shard 1 back: the refused batches, retried with their keys, land on it.
start_shard 1 || bail "shard 1 restarts"
s1=$(size 1)
bad=
for k in "${!DOWN[@]}"; do
	# a client retries a 502 (a cached connection to the old process
	# may still answer one more)
	for _ in 1 2 3; do
		post "mx1-$k" "$(batch "$k")"
		[ "$STATUS" = 502 ] || break
		sleep 0.2
	done
	[ "$STATUS:$SHARD" = 201:1 ] || bad="$bad $k:$STATUS:$SHARD"
done
check "the $downs refused batches, retried once shard 1 is back: 201 from shard 1" test -z "$bad"
check "shard 1 grew by exactly them" test "$(size 1)" = "$((s1 + downs * PER))"
read -r s0 s1 s2 <<<"$(sizes)"
check "all $((2 * BATCHES)) batches are in exactly one shard: the sizes sum to $((2 * BATCHES * PER))" \
	test "$((s0 + s1 + s2))" = "$((2 * BATCHES * PER))"

# --- stop everything ---
pids="$NGX_PID ${SHARD_PID[*]}"
stop_all
alive=
for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
check "nginx and the shards are stopped" test -z "$alive"
check "no nginx worker is left (the pid file is gone)" test ! -e "$NX/nginx.pid"
finish
