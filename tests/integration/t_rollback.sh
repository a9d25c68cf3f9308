#!/usr/bin/env bash
# envelogd refuses to start on a log it must not sign on: a database
# rolled back (restored from a backup) or forked behind the last checkpoint
# it signed, which it keeps outside the database in <key>.state; and a log
# with an unsigned tail (entries appended without the key, such as the
# forged purge of the adversarial review).
. "$(dirname "$0")/lib.sh"

FORGE=$B/tests/tools/forge
[ -x "$FORGE" ] || bail "$FORGE is not built"
[ -x "$B/tests/tools/mklog" ] || bail "mklog is not built"
STATE=$KEY.state

# refused DESC PATTERN [DB] — envelogd must exit non-zero at start, saying
# PATTERN, and leave the database as it was.
refused() {
	local db=${3:-$DB} before after rc
	before=$(sqlite3 "$db" "SELECT count(*), hex(max(chain_hash)) FROM entry; SELECT count(*) FROM checkpoint")
	timeout 20 "$B/envelogd" --db "$db" --key "$KEY" --listen "127.0.0.1:$(free_port)" --web "$T/web" 2>"$T/refused.log"
	rc=$?
	after=$(sqlite3 "$db" "SELECT count(*), hex(max(chain_hash)) FROM entry; SELECT count(*) FROM checkpoint")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "$2" "$T/refused.log" && [ "$before" = "$after" ]; then
		ok "$1"
	else
		nok "$1" "exit $rc" "$(cat "$T/refused.log")"
	fi
}
snapshot() { sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; cp "$DB" "$1"; }

start_server || bail "server"
check "the state file is created at start, mode 0600" test "$(stat -c %a "$STATE")" = 600
post_events "ingest events" "$(events 5 a)"
stop_server
check "the server stops cleanly" test "$SRV_RC" -eq 0
read -r size1 _ < <("$B/tests/tools/proofcheck" checkpoint "$VKEY" "$STATE")
check "at shutdown the state file holds the final checkpoint" test "$size1" = 5
snapshot "$T/backup.db"

start_server || bail "server again"
post_events "ingest more events" "$(events 7 b)"
for _ in $(seq 1 100); do
	read -r size2 _ < <("$B/tests/tools/proofcheck" checkpoint "$VKEY" "$STATE")
	[ "$size2" = 12 ] && break
	sleep 0.05
done
check "while the server runs, the state file catches up with the log" test "$size2" = 12
stop_server
read -r size2 _ < <("$B/tests/tools/proofcheck" checkpoint "$VKEY" "$STATE")
check "the state file follows the log" test "$size2" = 12
snapshot "$T/intact.db"

# Rolled back: the backup restored.
cp "$T/backup.db" "$DB"
refused "a database restored from a backup is refused at start" "fewer than the signed checkpoint of size 12: it was rolled back"
check "the refusal names the state file" grep -q "kept in $STATE" "$T/refused.log"

# Forked: the backup restored and grown past the signed size with other
# entries, signed with the key.
cp "$T/backup.db" "$DB"
"$B/tests/tools/mklog" "$DB" 10 >/dev/null || bail "mklog"
refused "a restored database grown with other entries is refused (a fork)" "has another root than the signed checkpoint of that size: it was rewritten or forked"

# The intact database starts and serves on.
cp "$T/intact.db" "$DB"
start_server || bail "server on the intact database"
ok "the intact database starts"
post_events "and ingests" "$(events 2 c)"
stop_server
check "and stops cleanly" test "$SRV_RC" -eq 0
snapshot "$T/intact.db"

# --state names another file: the intact database starts and keeps it there.
timeout 20 "$B/envelogd" --db "$DB" --state "$T/elsewhere.state" --listen "127.0.0.1:$(free_port)" --web "$T/web" 2>"$T/state.log" &
pid=$!
for _ in $(seq 1 100); do [ -s "$T/elsewhere.state" ] && break; sleep 0.05; done
kill -TERM "$pid"; wait "$pid"; rc=$?
read -r size3 _ < <("$B/tests/tools/proofcheck" checkpoint "$VKEY" "$T/elsewhere.state")
check "--state FILE keeps the last signed checkpoint there" test "$rc" -eq 0 -a "$size3" = 14
cp "$T/backup.db" "$T/rolled.db"
timeout 20 "$B/envelogd" --db "$T/rolled.db" --key "$KEY" --state "$T/elsewhere.state" --listen "127.0.0.1:$(free_port)" --web "$T/web" 2>"$T/state.log"
rc=$?
check "... and refuses a rolled back database against it" test "$rc" -ne 0 -a "$rc" -ne 124
check "the refusal names the --state file" grep -q "kept in $T/elsewhere.state" "$T/state.log"

# An unsigned tail: one event appended without the key.
cp "$T/intact.db" "$T/tail.db"
"$FORGE" tail "$T/tail.db" >/dev/null || bail "forge tail"
refused "an unsigned tail is refused at start" "an unsigned tail" "$T/tail.db"

# The forged purge of the review: one recent event's record deleted and a
# purge entry {before:1, through_seq:N, events:1} appended without the key.
cp "$T/intact.db" "$T/forged.db"
"$FORGE" purge "$T/forged.db" 13 horizon >/dev/null || bail "forge purge"
refused "the forged purge is refused at start (an unsigned tail)" "entries from seq 14 on were added without the log key" "$T/forged.db"

# Every checkpoint deleted: no signed checkpoint covers the entries.
cp "$T/intact.db" "$T/nocp.db"
sqlite3 "$T/nocp.db" "DROP TRIGGER checkpoint_no_delete; DELETE FROM checkpoint"
refused "a log without checkpoints is refused, not signed anew" "entries and no signed checkpoint" "$T/nocp.db"
finish
