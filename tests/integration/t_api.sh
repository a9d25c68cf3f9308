#!/usr/bin/env bash
# envelogd's public API and ingest happy paths: exact shapes, content types,
# signed checkpoints, chain values and roots recomputed from /v1/leaves,
# inclusion and consistency proofs verified at many sizes, parameter
# validation, routing (404/405), static files and the request log.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/web/sub" "$T/outside"
echo '<!doctype html><title>envelog</title>' >"$T/web/index.html"
echo 'console.log(1)' >"$T/web/app.js"
echo 'body{}' >"$T/web/style.css"
echo 'sub' >"$T/web/sub/index.html"
echo 'secret' >"$T/outside/secret.txt"
echo 'hidden' >"$T/web/.hidden"
ln -s "$T/outside/secret.txt" "$T/web/escape.txt"
ln -s "$T/outside" "$T/web/outdir"

start_server || bail "server starts"

# --- empty log ---
expect_status "GET /healthz" 200 GET /healthz
check "healthz shape on the empty log" jq -e '. == {"status":"ok","size":0}' <<<"$BODY"
check "healthz is application/json" grep -qi '^content-type: application/json' <<<"$HDRS"
expect_status "GET /v1/checkpoint" 200 GET /v1/checkpoint
check "checkpoint is text/plain; charset=utf-8" grep -qi '^content-type: text/plain; charset=utf-8' <<<"$HDRS"
st=$(log_state)
check "empty checkpoint verifies: size 0, empty root" test "$st" = "0 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
expect_status "GET /v1/key" 200 GET /v1/key
check "key is the log's verifier key" test "$(printf '%s' "$BODY" | tr -d '\n')" = "$VKEY"
check "key is text/plain" grep -qi '^content-type: text/plain' <<<"$HDRS"
expect_status "HEAD /healthz" 200 HEAD /healthz -I

# --- ingest: batches of different sizes, JSON and NDJSON ---
declare -A ROOT
ROOT[0]=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
total=0 good=1
for k in 1 2 3 5 8 13 1 4; do
	post_events "POST $k events" "$(events $k b$total)"
	jq -j .checkpoint <<<"$BODY" >"$T/ack"
	cp=$("${ORACLE[@]}" checkpoint "$VKEY" "$T/ack") || good=0
	[ "$FIRST" = "$total" ] && [ "$COUNT" = "$k" ] || good=0
	total=$((total + k))
	[ "${cp%% *}" = "$total" ] || good=0
	ROOT[$total]=${cp#* }
done
check "acknowledgements: first/count in order, checkpoints signed and covering them" test "$good" = 1
post_events "POST NDJSON" "$(events 6 nd nl)" application/x-ndjson
check "NDJSON batch acknowledged in order" test "$FIRST/$COUNT" = "$total/6"
total=$((total + 6))
post_events "POST with charset parameter" "$(events 2 cs)" "application/json; charset=utf-8"
total=$((total + 2))
expect_status "healthz after ingest" 200 GET /healthz
check "healthz size counts every event" jq -e --argjson t $total '.size == $t' <<<"$BODY"

# --- leaves: shape, chain and root ---
expect_status "GET /v1/leaves" 200 GET "/v1/leaves?start=0&end=$total"
check "leaves shape: seq, kind, leaf_hash, chain_hash, entry; an event's entry is only its commitment" \
	jq -e --argjson t $total '(keys == ["leaves"]) and (.leaves | length == $t) and
	all(.leaves[]; keys == ["chain_hash","entry","kind","leaf_hash","seq"] and .kind == "event"
		and (.entry | keys == ["commitment","kind"]) and .entry.kind == "event"
		and (.entry.commitment | test("^[A-Za-z0-9+/]{43}=$")))
	and ([.leaves[].seq] == [range(0; $t)])' <<<"$BODY"
check "leaves are application/json" grep -qi '^content-type: application/json' <<<"$HDRS"
jq -r '.leaves[] | "\(.leaf_hash) \(.chain_hash)"' <<<"$BODY" >"$T/leaves"
rc=$("${ORACLE[@]}" leaves <"$T/leaves")
st=$(log_state)
check "chain values recompute; root over /v1/leaves matches the checkpoint" test "$rc" = "$st"
# R[s]: the root of the first s leaves, recomputed by the oracle.
declare -A R
for ((s = 1; s <= total; s++)); do echo "leaves $T/leaves $s"; done >"$T/roots.in"
"${ORACLE[@]}" batch <"$T/roots.in" >"$T/roots.out"
while read -r s r; do R[$s]=$r; done <"$T/roots.out"
bad=
for s in "${!ROOT[@]}"; do
	[ "$s" = 0 ] && continue
	[ "${R[$s]:-}" = "${ROOT[$s]}" ] || bad="$bad $s"
done
check "roots of every acknowledged checkpoint recompute from the leaves" test -z "$bad"
expect_status "leaves: empty range" 200 GET "/v1/leaves?start=3&end=3"
check "empty range gives an empty list" jq -e '. == {"leaves":[]}' <<<"$BODY"

# --- proofs at many sizes, verified by the oracle in one batch ---
bad=0 cnt=0
: >"$T/proofs.in"
for ((s = 1; s <= total; s++)); do
	for i in 0 $((s / 2)) $((s - 1)); do
		req GET "/v1/proof/inclusion?index=$i&size=$s"
		leaf=$(sed -n "$((i + 1))p" "$T/leaves" | cut -d' ' -f1)
		jq -e --argjson i $i --argjson s $s 'keys == ["index","proof","size"] and .index == $i and .size == $s' <<<"$BODY" >/dev/null || bad=$((bad + 1))
		echo "inclusion $i $s $leaf ${R[$s]} $(jq -r '.proof | join(" ")' <<<"$BODY")" >>"$T/proofs.in"
		cnt=$((cnt + 1))
	done
done
"${ORACLE[@]}" batch <"$T/proofs.in" >"$T/proofs.out"
check "$cnt inclusion proofs verify against recomputed roots" \
	test "$bad/$(grep -cx ok "$T/proofs.out")" = "0/$cnt"
bad=0 cnt=0
: >"$T/proofs.in"
for new in 1 2 3 7 8 9 16 17 $((total - 1)) $total; do
	for old in 1 $((new / 2)) $((new - 1)) $new; do
		[ "$old" -ge 1 ] || continue
		req GET "/v1/proof/consistency?old=$old&new=$new"
		jq -e --argjson o "$old" --argjson n "$new" 'keys == ["new","old","proof"] and .old == $o and .new == $n' <<<"$BODY" >/dev/null || bad=$((bad + 1))
		echo "consistency $old $new ${R[$old]} ${R[$new]} $(jq -r '.proof | join(" ")' <<<"$BODY")" >>"$T/proofs.in"
		cnt=$((cnt + 1))
	done
done
"${ORACLE[@]}" batch <"$T/proofs.in" >"$T/proofs.out"
check "$cnt consistency proofs verify" test "$bad/$(grep -cx ok "$T/proofs.out")" = "0/$cnt"

# --- parameter validation ---
expect_error "leaves: start missing" 400 missing_parameter GET "/v1/leaves?end=1"
check "detail names the parameter" jq -e '.error.detail.field == "start"' <<<"$BODY"
expect_error "leaves: end missing" 400 missing_parameter GET "/v1/leaves?start=0"
expect_error "leaves: non-numeric" 400 invalid_parameter GET "/v1/leaves?start=abc&end=1"
expect_error "leaves: negative" 400 invalid_parameter GET "/v1/leaves?start=-1&end=1"
expect_error "leaves: plus sign" 400 invalid_parameter GET "/v1/leaves?start=%2B1&end=2"
expect_error "leaves: fraction" 400 invalid_parameter GET "/v1/leaves?start=0&end=1.5"
expect_error "leaves: huge" 400 parameter_out_of_range GET "/v1/leaves?start=0&end=99999999999999999999999"
expect_error "leaves: end beyond size" 400 parameter_out_of_range GET "/v1/leaves?start=0&end=$((total + 1))"
expect_error "leaves: end before start" 400 invalid_range GET "/v1/leaves?start=5&end=4"
expect_error "inclusion: size missing" 400 missing_parameter GET "/v1/proof/inclusion?index=0"
expect_error "inclusion: size 0" 400 parameter_out_of_range GET "/v1/proof/inclusion?index=0&size=0"
expect_error "inclusion: index = size" 400 parameter_out_of_range GET "/v1/proof/inclusion?index=3&size=3"
expect_error "inclusion: size beyond the log" 400 parameter_out_of_range GET "/v1/proof/inclusion?index=0&size=$((total + 1))"
expect_error "inclusion: non-numeric index" 400 invalid_parameter GET "/v1/proof/inclusion?index=x&size=3"
expect_error "consistency: old missing" 400 missing_parameter GET "/v1/proof/consistency?new=3"
expect_error "consistency: old 0" 400 parameter_out_of_range GET "/v1/proof/consistency?old=0&new=3"
expect_error "consistency: old > new" 400 invalid_range GET "/v1/proof/consistency?old=4&new=3"
expect_error "consistency: new beyond the log" 400 parameter_out_of_range GET "/v1/proof/consistency?old=1&new=$((total + 1))"

# --- leaves are clamped to 1000 per request ---
post_events "POST 1200 events" "$(events 1200 big)"
total=$((total + 1200))
expect_status "leaves over 1000 entries" 200 GET "/v1/leaves?start=1&end=$total"
check "leaves clamped to 1000 starting at start" jq -e '(.leaves | length == 1000) and .leaves[0].seq == 1 and .leaves[999].seq == 1000' <<<"$BODY"

# --- routing ---
expect_error "unknown /v1 path" 404 not_found GET /v1/nope
expect_error "POST on a GET route" 405 method_not_allowed POST /v1/checkpoint
check "405 names the allowed methods" grep -qi '^allow: GET, HEAD' <<<"$HDRS"
expect_error "GET on POST /v1/events" 405 method_not_allowed GET /v1/events
check "405 allows POST" grep -qi '^allow: POST' <<<"$HDRS"
expect_error "DELETE on a static path" 405 method_not_allowed DELETE /index.html

# --- metrics ---
expect_status "GET /metrics" 200 GET /metrics
check "metrics are text/plain; version=0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' <<<"$HDRS"
check "metrics count the events appended" grep -qx "envelog_events_appended_total $total" <<<"$BODY"
check "metrics report the log size" grep -qx "envelog_log_size $total" <<<"$BODY"
check "metrics count requests by route and status" grep -q '^envelog_http_requests_total{route="/v1/events",status="201"} 11$' <<<"$BODY"
check "metrics have the batch-size histogram" grep -q '^envelog_commit_batch_entries_bucket{le="+Inf"} ' <<<"$BODY"
check "metrics have the commit-latency histogram" grep -q '^envelog_commit_seconds_count ' <<<"$BODY"

# --- static files ---
expect_status "GET / serves index.html" 200 GET /
check "index is text/html" grep -qi '^content-type: text/html' <<<"$HDRS"
check "index content" grep -q '<title>envelog</title>' <<<"$BODY"
expect_status "GET /app.js" 200 GET /app.js
check "js content type" grep -qi '^content-type: text/javascript' <<<"$HDRS"
expect_status "GET /style.css" 200 GET /style.css
check "css content type" grep -qi '^content-type: text/css' <<<"$HDRS"
expect_status "GET /sub/ serves its index" 200 GET /sub/
expect_error "missing file" 404 not_found GET /nope.html
expect_error "path traversal with .." 404 not_found GET /../envelog.key --path-as-is
expect_error "path traversal, encoded" 404 not_found GET /%2e%2e/envelog.key --path-as-is
expect_error "path traversal, encoded slash" 404 not_found GET /sub%2f..%2f..%2fenvelog.key --path-as-is
expect_error "path traversal, double encoded" 404 not_found GET /%252e%252e/envelog.key --path-as-is
expect_error "symlink leaving the web root" 404 not_found GET /escape.txt
expect_error "symlinked directory leaving the web root" 404 not_found GET /outdir/secret.txt
expect_error "hidden file" 404 not_found GET /.hidden

# --- the request log ---
stop_server
check "SIGTERM exits 0" test "$SRV_RC" = 0
check "one logfmt line per request with level, id, method, route, status, bytes, duration" \
	grep -qE '^ts=[0-9T:.Z-]+ level=info msg=request id=[0-9a-f]{16} method=GET route=/v1/leaves status=200 bytes=[0-9]+ duration_s=[0-9.]+ role=public$' "$T/server.log"
check "no query strings in the log" bash -c "! grep -q 'start=' '$T/server.log'"
check "no tokens in the log" bash -c "! grep -qF '$INGEST' '$T/server.log'"
check "no event fields in the log" bash -c "! grep -qE '447700900|big-' '$T/server.log'"
finish
