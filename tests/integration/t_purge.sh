#!/usr/bin/env bash
# Retention in the server: `envelogd --retention-days N` purges through the
# writer; bundles issued before still verify; requests before and across
# the horizon answer what remains and say that the window was partly
# purged; the purge entry is public.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
A=+447700900123
C=+447700900777
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
AUD=$($E token add --db "$DB" --role auditor 2>/dev/null)
start_server || bail "server"

DAY=86400000
NOW=$(($(date +%s) * 1000))
old1=$((NOW - 300 * DAY)) old2=$((NOW - 250 * DAY)) new1=$((NOW - 100 * DAY)) new2=$((NOW - 10 * DAY))
ev() { printf '{"ts":%s,"sender":"%s","recipient":"%s","type":"call","size":%d}' "$3" "$1" "$2" "$RANDOM"; }
post_events "ingest events 300, 250, 100 and 10 days old" \
	"[$(ev $A $C $old1),$(ev $C $A $old2),$(ev $A $C $new1),$(ev $C $A $new2),$(ev $C $C $old1)]"
first=$FIRST

iso() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ; }
request() { # ID FROM_MS TO_MS -> $STATUS $BODY
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nsubject %s\nfrom %s\nto %s\nexpires %s\nbasis test\n' \
		"$1" "$A" "$(iso "$2")" "$(iso "$3")" "$(iso $((NOW + 30 * DAY)))" |
		$E warrant sign --key "$T/nca.key" >"$T/$1.signed"
	req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" \
		--data-binary "@$T/$1.signed"
	printf '%s' "$BODY" >"$T/$1.json"
}
win_from=$((NOW - 350 * DAY)) win_to=$((NOW - DAY))
request W-BEFORE $win_from $win_to
check "a request before the purge discloses all four events" jq -e '.disclosure.entry.records == 4 and (.disclosure.entry | has("partly_purged") | not)' "$T/W-BEFORE.json"
sqlite3 "$DB" "SELECT seq, data FROM event_data WHERE seq >= $((first + 2)) AND seq < $((first + 4))" >"$T/above.before"

read -r s0 _ < <(log_state)
stop_server
check "the server stops cleanly" test "$SRV_RC" -eq 0
start_server --retention-days 200 || bail "server with retention"
for i in $(seq 1 100); do
	read -r s1 _ < <(log_state)
	[ "$s1" -gt "$s0" ] && break
	sleep 0.05
done
req GET "/v1/leaves?start=$((s1 - 1))&end=$s1"
check "the retention purge appended a purge entry" jq -e --argjson n "$NOW" --argjson d "$DAY" '
	.leaves[0].kind == "purge" and .leaves[0].entry.events == 3 and
	(.leaves[0].entry.before - ($n - 200 * $d) | fabs) < 600000 and
	.leaves[0].entry.through_seq >= 0' <<<"$BODY"
check "the purge is in the server's log" grep -q "retention purge: 3 events" "$T/server.log"
check "metadata below the horizon is gone" test "$(sqlite3 "$DB" "SELECT count(*) FROM event_data WHERE ts < $((NOW - 200 * DAY))")" = 0
check "index rows below the horizon are gone" test "$(sqlite3 "$DB" "SELECT count(*) FROM event_index WHERE ts < $((NOW - 200 * DAY))")" = 0
sqlite3 "$DB" "SELECT seq, data FROM event_data WHERE seq >= $((first + 2)) AND seq < $((first + 4))" >"$T/above.after"
check "events above the horizon are untouched" cmp -s "$T/above.before" "$T/above.after"
out=$($E bundle verify --vkey "$VKEY" "$T/W-BEFORE.json"); rc=$?
check "a bundle issued before the purge still verifies" test "$rc" -eq 0

request W-ACROSS $win_from $win_to
check "a request across the horizon is answered" test "$STATUS" = 200
check "it discloses what remains and says the window was partly purged" jq -e \
	'.disclosure.entry.records == 2 and .disclosure.entry.partly_purged == 1 and
	 ([.records[].entry.ts] | all(. > 0))' "$T/W-ACROSS.json"
out=$($E bundle verify --vkey "$VKEY" "$T/W-ACROSS.json"); rc=$?
check "the partly purged bundle verifies" test "$rc" -eq 0
request W-OLD $win_from $((NOW - 240 * DAY))
check "a request wholly before the horizon discloses nothing, partly purged" jq -e \
	'.disclosure.entry.records == 0 and .disclosure.entry.partly_purged == 1 and .records == []' "$T/W-OLD.json"
request W-NEW $((NOW - 150 * DAY)) $win_to
check "a request after the horizon is not marked purged" jq -e \
	'.disclosure.entry.records == 2 and (.disclosure.entry | has("partly_purged") | not)' "$T/W-NEW.json"

req GET "/v1/leaves?start=$first&end=$((first + 1))"
check "a purged event keeps its leaf hash and chain value" jq -e '.leaves[0].kind == "event" and (.leaves[0] | has("entry") | not) and (.leaves[0].leaf_hash | length) == 44' <<<"$BODY"

read -r s2 _ < <(log_state)
stop_server
start_server --retention-days 200 || bail "server again"
sleep 0.3
read -r s3 _ < <(log_state)
req GET "/v1/leaves?start=$s2&end=$s3"
check "a later purge moves the horizon forward and purges nothing more" jq -e \
	'[.leaves[] | select(.kind == "purge")] | length == 1 and .[0].entry.events == 0' <<<"$BODY"
stop_server
out=$($E verify --quiet --db "$DB"); rc=$?
if [ "$rc" -eq 0 ] && [[ "$out" == *"(3 purged)"* ]]; then ok "envelog verify passes and counts the purged"; else nok "verify after retention" "$rc $out"; fi
# The purge took seqs first, first+1 and first+4; first+2 lies below the
# purge's through_seq but its ts is above the horizon: deleting its data
# behind the triggers' back is tampering, not a purge.  The purged seqs
# are not recorded (only their count), so verify names the seq at which
# the missing data first exceeds what the purges deleted.
cp "$DB" "$T/tampered.db"
sqlite3 "$T/tampered.db" "DROP TRIGGER event_data_no_delete; DELETE FROM event_data WHERE seq = $((first + 2))"
out=$($E verify --quiet --db "$T/tampered.db"); rc=$?
if [ "$rc" -eq 1 ] && [[ "$out" == "TAMPERED seq $((first + 4)): more event data is missing"* ]]; then ok "data deleted below through_seq but never purged is tampering"
else nok "data deleted below through_seq but never purged is tampering" "$rc $out"; fi
finish
