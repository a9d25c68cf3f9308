#!/usr/bin/env bash
# --sync normal is for ingest only: every transaction holding a lawful
# request (a disclosure or a refusal) commits with full sync, so that no
# answer leaves before its entry is on disk.  envelogd counts those commits
# in envelog_full_sync_commits_total.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
A=+447700900123
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add"
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
NOW=$(($(date +%s) * 1000))
iso() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ; }
lawful() { # ID EXPIRES_MS
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog test.example/log\nsubject %s\nfrom %s\nto %s\nexpires %s\nbasis test\n' \
		"$1" "$A" "$(iso $((NOW - 86400000)))" "$(iso $((NOW + 86400000)))" "$(iso "$2")" |
		$E warrant sign --key "$T/nca.key" >"$T/w.signed"
	req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
}
full_syncs() { curl -s "$URL/metrics" | awk '$1 == "envelog_full_sync_commits_total" { print $2 }'; }

start_server --sync normal || bail "server --sync normal"
post_events "ingest under --sync normal" "$(events 3 a)"
check "ingest commits are not forced to full sync" test "$(full_syncs)" = 0
lawful W-1 $((NOW + 86400000))
check "a lawful request is answered" test "$STATUS" = 200
check "its commit was made with full sync" test "$(full_syncs)" = 1
lawful W-2 $((NOW - 86400000))
check "an expired warrant is refused" test "$STATUS" = 422
check "the refusal's commit was made with full sync" test "$(full_syncs)" = 2
post_events "ingest again" "$(events 2 b)"
check "ingest after it is not forced to full sync" test "$(full_syncs)" = 2
stop_server

start_server || bail "server --sync full"
lawful W-3 $((NOW + 86400000))
check "under --sync full a lawful request is answered" test "$STATUS" = 200
check "under --sync full nothing needs forcing" test "$(full_syncs)" = 0
stop_server
$E verify --quiet --db "$DB" --vkey "$VKEY" >/dev/null; rc=$?
check "the log verifies" test "$rc" -eq 0
finish
