#!/usr/bin/env bash
# /metrics for operators: promtool-clean exposition with envelog_build_info,
# the process_* families, a request-duration histogram per route, requests
# in flight, the latest checkpoint's time and age, the purge horizon and the
# witness counters; and the sample alert rules (etc/prometheus) pass
# `promtool check rules` and fire in `promtool test rules` on the series
# that should raise them.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || bail "promtool is not installed (make deps: Debian package prometheus)"

# A log with a purge: mklog's 300 events, purged below event 100 (batch 0
# is committed at the ts of event 99, 1700000099000).
"$B/tests/tools/mklog" "$DB" 300 100 >/dev/null || bail "mklog"
"$B/envelog" purge --db "$DB" --before 2023-11-14T22:15:00Z >/dev/null 2>&1 || bail "purge"
read -r horizon through <<<"$(sqlite3 -separator " " "$DB" "SELECT before, through_seq FROM purge_horizon ORDER BY before DESC LIMIT 1")"
start_server || bail "server starts"

metric() { # NAME{LABELS} -> its value in $T/metrics
	awk -v m="$1" '$1 == m { print $2 }' "$T/metrics"
}
scrape() {
	curl -s -o "$T/metrics" "$URL/metrics" && promtool check metrics <"$T/metrics" 2>"$T/promtool" >&2
}

for i in 1 2 3; do post_events "ingest $i" "$(events 2 m$i)"; done
req GET "/v1/leaves?start=0&end=2"
metrics_settled "$T/metrics"
promtool check metrics <"$T/metrics" 2>"$T/promtool" >&2
rc=$?
check "promtool check metrics: clean" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/promtool"

read -r _ version <<<"$("$B/envelogd" --version | head -n 1)"
schema=$(printf '%s\n' schema/*.sql | wc -l)
check "envelog_build_info names the version and schema of --version" \
	test "$(metric "envelog_build_info{version=\"$version\",schema=\"$schema\"}")" = 1
check "process_cpu_seconds_total is there" test -n "$(metric process_cpu_seconds_total)"
check "process_resident_memory_bytes is above 0" test "$(metric process_resident_memory_bytes)" -gt 0
fds=$(find "/proc/$SRV_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
check "process_open_fds counts the server's descriptors (about $fds)" \
	test "$(metric process_open_fds)" -gt 3 -a "$(metric process_open_fds)" -le "$((fds + 16))"
check "process_max_fds is the server's limit" \
	test "$(metric process_max_fds)" = "$(awk '/Max open files/ { print $4 }' "/proc/$SRV_PID/limits")"
st=$(metric process_start_time_seconds)
pst=$(( $(date +%s) - $(ps -o etimes= -p "$SRV_PID") ))
check "process_start_time_seconds is when the server started ($pst)" \
	awk -v a="$st" -v b="$pst" 'BEGIN { d = a - b; exit !(d > -3 && d < 3) }'
check "the /metrics request itself is in flight" test "$(metric envelog_http_requests_in_flight)" = 1
check "three ingest requests in the /v1/events duration histogram" \
	test "$(metric 'envelog_http_request_duration_seconds_count{route="/v1/events"}')" = 3
check "... all of them in its +Inf bucket" \
	test "$(metric 'envelog_http_request_duration_seconds_bucket{route="/v1/events",le="+Inf"}')" = 3
check "one in the /v1/leaves histogram, its route pattern and no query" \
	test "$(metric 'envelog_http_request_duration_seconds_count{route="/v1/leaves"}')" = 1
check "no label carries a query or a value" bash -c "! grep -q 'start=' '$T/metrics'"
created=$(sqlite3 "$DB" "SELECT created FROM checkpoint ORDER BY size DESC LIMIT 1")
check "envelog_checkpoint_timestamp_seconds is the latest checkpoint's ($created ms)" \
	test "$(metric envelog_checkpoint_timestamp_seconds)" = "$(awk -v c="$created" 'BEGIN { printf "%.3f", c / 1000 }')"
age=$(metric envelog_checkpoint_age_seconds)
check "envelog_checkpoint_age_seconds is now minus that" \
	awk -v a="$age" -v c="$created" -v now="$(date +%s)" 'BEGIN { d = now - c / 1000 - a; exit !(a >= 0 && d > -3 && d < 3) }'
check "envelog_purge_horizon_timestamp_seconds is the horizon ($horizon ms)" \
	test "$(metric envelog_purge_horizon_timestamp_seconds)" = "$(awk -v h="$horizon" 'BEGIN { printf "%.3f", h / 1000 }')"
check "envelog_purge_horizon_entries is through_seq + 1 ($((through + 1)))" \
	test "$(metric envelog_purge_horizon_entries)" = "$((through + 1))"
check "witness cosignatures and refusals are exported" \
	test "$(metric envelog_witness_cosignatures_total):$(metric envelog_witness_refusals_total)" = "0:0"
for f in envelog_http_requests_in_flight envelog_http_request_duration_seconds \
	envelog_checkpoint_age_seconds envelog_purge_horizon_timestamp_seconds \
	process_cpu_seconds_total process_open_fds envelog_build_info; do
	grep -q "^# TYPE $f " "$T/metrics" || nok "TYPE line for $f"
done
stop_server

# Retention in the server moves the horizon metric.
start_server --retention-days 1 || bail "server starts with retention"
for i in $(seq 1 100); do
	scrape
	[ "$(metric envelog_purge_horizon_entries)" = 300 ] && break
	sleep 0.05
done
check "a retention purge in the server moves envelog_purge_horizon_entries to 300" \
	test "$(metric envelog_purge_horizon_entries)" = 300
stop_server

# The sample alert rules.
promtool check rules etc/prometheus/envelog.rules.yml >"$T/rules.out" 2>&1
check "promtool check rules etc/prometheus/envelog.rules.yml" test $? = 0
check "... finds the five alerts" grep -q "SUCCESS: 5 rules found" "$T/rules.out"
promtool test rules tests/integration/alerts.test.yml >"$T/rules-test.out" 2>&1
rc=$?
check "promtool test rules: each alert fires when it should, not before" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/rules-test.out"
for a in EnvelogCheckpointStale EnvelogWitnessRefusing EnvelogShardRefused EnvelogCommitFailures EnvelogQueueFull; do
	check "the rules test covers $a" grep -q "alertname: $a" tests/integration/alerts.test.yml
done
finish
