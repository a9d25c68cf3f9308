#!/usr/bin/env bash
# Group commit under load: 8 clients post batches at once; every
# acknowledged event is in the log exactly once, acknowledgements tile the
# log without gaps or overlaps, and the final checkpoint verifies.
. "$(dirname "$0")/lib.sh"
CLIENTS=8 ROUNDS=12 PER=40

start_server --threads 4 || bail "server starts"

for ((k = 0; k < CLIENTS; k++)); do
	for ((j = 0; j < ROUNDS; j++)); do events $PER "c$k-$j" >"$T/in.$k.$j"; done
done
client() { # K
	local j
	for ((j = 0; j < ROUNDS; j++)); do
		curl -s -o "$T/resp.$1.$j" -w '%{http_code}\n' "${AUTH[@]}" "${JSON[@]}" \
			--data-binary "@$T/in.$1.$j" "$URL/v1/events" >>"$T/status.$1"
	done
}
# Requests share a commit when they wait together for the writer.  So that
# they do however fast the machine, another connection holds the
# database's write lock while the clients send their first requests: the
# writer, with the first request(s) it took, waits for the lock (SQLite's
# busy timeout, 10 s), and the lock is let go once every client's first
# request is in flight and at least two wait in the queue (or, if the
# writer took all but one at once, after 5 s: those already share a
# transaction).
python3 - "$DB" "$T/held" "$T/release" <<'PY' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.01)
db.execute("ROLLBACK")
PY
lpid=$!
for _ in $(seq 1 200); do [ -e "$T/held" ] && break; sleep 0.05; done
[ -e "$T/held" ] || bail "another connection takes the write lock"
pids=()
for ((k = 0; k < CLIENTS; k++)); do client $k & pids+=($!); done
until_ms=$(($(date +%s%3N) + 5000))
while [ "$(date +%s%3N)" -lt "$until_ms" ]; do
	curl -s -o "$T/m" "$URL/metrics"
	[ "$(awk '$1 == "envelog_http_requests_in_flight" { print $2 }' "$T/m")" = $((CLIENTS + 1)) ] &&
		[ "$(awk '$1 == "envelog_writer_queue_entries" { print $2 }' "$T/m")" -ge $((2 * PER)) ] && break
	sleep 0.05
done
echo "# the lock let go with $(awk '$1 == "envelog_http_requests_in_flight" { f = $2 } $1 == "envelog_writer_queue_entries" { q = $2 } END { print f - 1 " requests in flight, " q " entries queued" }' "$T/m")"
touch "$T/release"
wait "$lpid"
wait "${pids[@]}"
total=$((CLIENTS * ROUNDS * PER))

check "every request was acknowledged with 201" test "$(cat "$T"/status.* | sort -u)" = 201
cat "$T"/resp.* | jq -r '"\(.first) \(.count)"' | sort -n >"$T/acks"
tiles=$(awk -v per=$PER 'BEGIN { next_ = 0; ok = 1 }
	{ if ($1 != next_ || $2 != per) ok = 0; next_ = $1 + $2 }
	END { print ok ? next_ : "gap" }' "$T/acks")
check "acknowledgements tile [0, $total) without gaps or overlaps" test "$tiles" = "$total"
: >"$T/acks.in"
: >"$T/acks.end"
for f in "$T"/resp.*; do
	jq -j .checkpoint "$f" >"$f.cp"
	echo "checkpoint $VKEY $f.cp" >>"$T/acks.in"
	echo $(($(jq .first "$f") + PER)) >>"$T/acks.end"
done
"${ORACLE[@]}" batch <"$T/acks.in" >"$T/acks.out"
bad=$(paste -d ' ' "$T/acks.out" "$T/acks.end" | awk '$1 !~ /^[0-9]+$/ || $1 < $3 { b++ } END { print b + 0 }')
check "every acknowledgement carries a signed checkpoint covering it" test "$bad/$(wc -l <"$T/acks.out")" = "0/$((CLIENTS * ROUNDS))"

st=$(log_state)
check "final checkpoint has size $total" test "${st%% *}" = "$total"
: >"$T/leaves"
for ((s = 0; s < total; s += 1000)); do
	curl -s "$URL/v1/leaves?start=$s&end=$(( s + 1000 < total ? s + 1000 : total ))" |
		jq -r '.leaves[] | "\(.leaf_hash) \(.chain_hash)"' >>"$T/leaves"
done
check "chain values and root over all leaves match the final checkpoint" test "$("${ORACLE[@]}" leaves <"$T/leaves")" = "$st"
# Group commit: requests queued while the writer is busy (here, waiting
# for the lock) go into one transaction; one commit per request would mean
# no sharing.
curl -s "$URL/metrics" >"$T/metrics"
metric() { awk -v m="$1" '$1 == m { print $2 }' "$T/metrics"; }
commits=$(metric envelog_commits_total)
echo "# $((CLIENTS * ROUNDS)) requests in $commits commits"
check "the commits counted hold exactly the events sent" \
	test "$(metric envelog_entries_appended_total) $(metric envelog_commit_failures_total)" = "$total 0"
check "requests shared commits: fewer commits than requests" \
	test "${commits:-0}" -ge 1 -a "${commits:-0}" -lt "$((CLIENTS * ROUNDS))"

stop_server
check "SIGTERM exits 0" test "$SRV_RC" = 0
"$B"/tests/tools/records "$DB" | cut -f2 | jq -r .device >"$T/devices"
dup=$(($(wc -l <"$T/devices") - $(sort -u "$T/devices" | wc -l)))
n=$(sqlite3 "$DB" "SELECT count(*) FROM $(records "$DB")")
check "every event is stored exactly once" test "$n/$dup" = "$total/0"
want=$(cat "$T"/in.* | jq -r '.[].device' | sort)
have=$(sort "$T/devices")
check "the stored events are exactly the ones sent" test "$want" = "$have"
"$B/envelog" verify --db "$DB" >/dev/null 2>&1
check "envelog verify passes" test $? = 0
finish
