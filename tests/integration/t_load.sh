#!/usr/bin/env bash
# A few seconds of load: wrk on the proof and checkpoint endpoints while
# ingest clients post batches.  Asserts no errors and a log that verifies;
# never asserts anything about time (bench/load is the full run).
. "$(dirname "$0")/lib.sh"

SECS=${LOAD_SECONDS:-3}
command -v wrk >/dev/null || bail "wrk is not installed (make deps)"

start_server || bail "server"
post_events "seed the log with 1000 events" "$(events 1000 seed)"
post_events "and 1000 more" "$(events 1000 seed2)"
read -r size0 _ < <(log_state)
check "the log has the seed events" test "${size0:-0}" -ge 2000

cat >"$T/mixed.lua" <<LUA
local n = $size0
local counter, k = 0, 0
bad = 0 -- global: done() reads it from each thread
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
function init(args) math.randomseed(tid * 7919 + os.time()) end
request = function()
  k = k + 1
  if k % 2 == 0 then return wrk.format("GET", "/v1/checkpoint") end
  local size = math.random(1, n)
  local index = math.random(0, size - 1)
  return wrk.format("GET", "/v1/proof/inclusion?index=" .. index .. "&size=" .. size)
end
response = function(status, headers, body)
  if status ~= 200 or not (body:find('"proof":%[', 1) or body:find("^test.example/log\n")) then
    bad = bad + 1
  end
end
done = function(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format("LOAD requests=%d connect=%d read=%d write=%d status=%d timeout=%d bad=%d\n",
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout, b))
end
LUA

# Ingest clients: post batches of 200 until told to stop; one status a line.
ingest() { # TAG
	local i=0
	while [ ! -e "$T/stop" ]; do
		events 200 "$1-$i" >"$T/b-$1"
		curl -s -o /dev/null -w '%{http_code}\n' "${AUTH[@]}" "${JSON[@]}" \
			--data-binary "@$T/b-$1" "$URL/v1/events" >>"$T/ingest-$1"
		i=$((i + 1))
	done
}
ingest a & pa=$!
ingest b & pb=$!
wrk -t2 -c8 -d"${SECS}s" -s "$T/mixed.lua" "$URL" >"$T/wrk.out" 2>&1
wrc=$?
touch "$T/stop"
wait "$pa" "$pb"

line=$(grep '^LOAD ' "$T/wrk.out")
check "wrk ran and printed its summary" test "$wrc" -eq 0 -a -n "$line"
req_n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
check "wrk made requests" test "${req_n:-0}" -gt 0
if [ -n "$line" ] && ! grep -qE '(connect|read|write|status|timeout|bad)=[1-9]' <<<"$line"; then
	ok "no socket errors, timeouts or non-2xx answers, and every body is a proof or a checkpoint ($req_n requests)"
else
	nok "no errors under load" "$line" "$(head -20 "$T/wrk.out")"
fi
posts=$(cat "$T/ingest-a" "$T/ingest-b" | wc -l)
not201=$(cat "$T/ingest-a" "$T/ingest-b" | grep -vc '^201$')
check "ingest posted during the load ($posts batches)" test "$posts" -gt 0
if [ "$not201" -eq 0 ]; then ok "every ingest batch under load was answered 201"
else nok "every ingest batch under load was answered 201" "$(sort "$T/ingest-a" "$T/ingest-b" | uniq -c)"; fi
read -r size1 _ < <(log_state)
check "the checkpoint covers every acknowledged event" test "${size1:-0}" -eq $((size0 + posts * 200))
stop_server
check "envelogd exits 0 after SIGTERM" test "$SRV_RC" -eq 0
out=$("$B/envelog" verify --db "$DB" 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then ok "envelog verify passes after the load"
else nok "envelog verify passes after the load" "$out"; fi
finish
