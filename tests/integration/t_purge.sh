#!/usr/bin/env bash
# Retention in the server: `envelogd --retention-days N` purges through the
# writer the prefix of the log committed more than N days ago (SPEC purge,
# R2: by commit time, every event through through_seq and no other);
# bundles issued before still verify; requests reaching before the horizon
# answer what remains and say that the window was partly purged; the purge
# entry is public; records deleted outside the prefix are tampering.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/index.sh"

E=$B/envelog
# mklog's event 7 has sender +44700007; it commits its batches of 100 at
# their events' times, in November 2023.
A=+44700007
"$B/tests/tools/mklog" "$DB" 300 100 >/dev/null || bail "mklog"
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
start_server --max-window-days 2000 || bail "server"

DAY=86400000
NOW=$(($(date +%s) * 1000))
ev() { printf '{"ts":%s,"sender":"%s","recipient":"+447700900456","type":"call","size":%d}' "$2" "$1" "$RANDOM"; }
post_events "ingest events 300 and 10 days old, committed now" "[$(ev $A $((NOW - 300 * DAY))),$(ev $A $((NOW - 10 * DAY)))]"
first=$FIRST
check "the old log's 300 events come first" test "$first" = 300

iso() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ; }
request() { # ID FROM_MS TO_MS -> $STATUS $BODY
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog test.example/log\nsubject %s\nfrom %s\nto %s\nexpires %s\nbasis test\n' \
		"$1" "$A" "$(iso "$2")" "$(iso "$3")" "$(iso $((NOW + 30 * DAY)))" |
		$E warrant sign --key "$T/nca.key" >"$T/$1.signed"
	req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" \
		--data-binary "@$T/$1.signed"
	printf '%s' "$BODY" >"$T/$1.json"
}
win_from=1698796800000 # 2023-11-01
win_to=$((NOW - DAY))
request W-BEFORE $win_from $win_to
check "a request before the purge discloses the old event and both new ones" jq -e '.disclosure.entry.records == 3 and (.disclosure.entry | has("partly_purged") | not)' "$T/W-BEFORE.json"
sqlite3 "$DB" "SELECT seq, data FROM event_data_p0 WHERE seq >= 300" >"$T/above.before"

read -r s0 _ < <(log_state)
stop_server
check "the server stops cleanly" test "$SRV_RC" -eq 0
# grown_past SIZE N: a bounded wait until the server's retention purge has
# committed (the log grows past SIZE) and the server has logged N retention
# purges in all; sets $grown.
grown_past() {
	for _ in $(seq 1 600); do
		read -r grown _ < <(log_state)
		[ "${grown:-0}" -gt "$1" ] &&
			[ "$(grep -c "retention purge: " "$T/server.log")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
start_server --max-window-days 2000 --retention-days 200 || bail "server with retention"
grown_past "$s0" 1
s1=$grown
req GET "/v1/leaves?start=$((s1 - 1))&end=$s1"
check "the retention purge appended a purge entry of the prefix committed before the horizon" jq -e --argjson n "$NOW" --argjson d "$DAY" '
	.leaves[0].kind == "purge" and .leaves[0].entry.events == 300 and
	.leaves[0].entry.through_seq == 299 and
	(.leaves[0].entry.before - ($n - 200 * $d) | fabs) < 600000' <<<"$BODY"
check "the purge is in the server's log" grep -q "retention purge: 300 events through seq 299" "$T/server.log"
check "metadata of the prefix is gone" test "$(sqlite3 "$DB" "SELECT count(*) FROM event_data_p0 WHERE seq <= 299")" = 0
check "index rows of the prefix are gone" test "$(sqlite3 "$DB" "SELECT count(*) FROM ($(index_sql "$DB")) WHERE seq <= 299")" = 0
sqlite3 "$DB" "SELECT seq, data FROM event_data_p0 WHERE seq >= 300" >"$T/above.after"
check "events committed after the horizon are untouched, whatever their ts" cmp -s "$T/above.before" "$T/above.after"
out=$($E bundle verify --vkey "$VKEY" "$T/W-BEFORE.json"); rc=$?
check "a bundle issued before the purge still verifies" test "$rc" -eq 0

request W-ACROSS $win_from $win_to
check "a request across the horizon is answered" test "$STATUS" = 200
check "it discloses what remains and says the window was partly purged" jq -e \
	'.disclosure.entry.records == 2 and .disclosure.entry.partly_purged == 1 and
	 ([.records[].record.ts] | all(. > 0))' "$T/W-ACROSS.json"
out=$($E bundle verify --vkey "$VKEY" "$T/W-ACROSS.json"); rc=$?
check "the partly purged bundle verifies" test "$rc" -eq 0
request W-NEW $((NOW - 150 * DAY)) $win_to
check "a request after the horizon is not marked purged" jq -e \
	'.disclosure.entry.records == 1 and (.disclosure.entry | has("partly_purged") | not)' "$T/W-NEW.json"

req GET "/v1/leaves?start=7&end=8"
check "a purged event keeps its leaf hash, chain value and public commitment" jq -e '.leaves[0].kind == "event" and (.leaves[0].entry | keys == ["commitment","kind"]) and (.leaves[0].leaf_hash | length) == 44' <<<"$BODY"

read -r s2 _ < <(log_state)
stop_server
start_server --max-window-days 2000 --retention-days 200 || bail "server again"
grown_past "$s2" 2
s3=$grown
req GET "/v1/leaves?start=$s2&end=$s3"
check "a later purge moves the horizon forward and purges nothing more" jq -e \
	'[.leaves[] | select(.kind == "purge")] | length == 1 and .[0].entry.events == 0 and .[0].entry.through_seq == 299' <<<"$BODY"
stop_server
out=$($E verify --quiet --db "$DB" --vkey "$VKEY"); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == *"(300 purged)"* ]]; then ok "envelog verify passes and counts the purged"; else nok "verify after retention" "$rc $out"; fi
# A record after through_seq deleted behind the triggers' back is
# tampering, not a purge.
cp "$DB" "$T/tampered.db"
sqlite3 "$T/tampered.db" "DROP TRIGGER event_data_p0_no_delete; DELETE FROM event_data_p0 WHERE seq = $first"
out=$($E verify --quiet --db "$T/tampered.db" --vkey "$VKEY"); rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq $first: the record is missing above the purge horizon"* ]]; then ok "data deleted after through_seq is tampering"
else nok "data deleted after through_seq is tampering" "$rc $out"; fi
err=$(sqlite3 "$DB" "DELETE FROM event_data_p0 WHERE seq = $first" 2>&1)
check "the trigger refuses deleting a record after through_seq" grep -q "append-only" <<<"$err"
finish
