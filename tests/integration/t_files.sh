#!/usr/bin/env bash
# The operator's files: envelogd refuses a log key open to group or others
# and a database writable by them, and warns when the database is readable
# by them; `make run` refuses a tokens file open to group or others.  A
# refused start changes nothing.
. "$(dirname "$0")/lib.sh"

check "envelog init makes the key mode 0600" test "$(stat -c %a "$KEY")" = 600
check "envelog init makes the database mode 0600" test "$(stat -c %a "$DB")" = 600
start_server || bail "server starts with mode 0600 files"
post_events "an event to start with" "$(events 1 files)"
STATE0=$(log_state)
stop_server

# try_start: start envelogd in the foreground; RC and $T/err; a server that
# did start is stopped at once.
try_start() {
	local port
	port=$(free_port)
	"$B/envelogd" --db "$DB" --listen "127.0.0.1:$port" 2>"$T/err" &
	local pid=$!
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then
			kill -TERM "$pid"
			break
		fi
		sleep 0.05
	done
	wait "$pid"
	RC=$?
}

for mode in 644 640 604 666 660 670 610; do
	chmod "$mode" "$KEY"
	try_start
	check "a log key of mode $mode: envelogd exits 2" test "$RC" = 2
	check "a log key of mode $mode: the message names the key and its mode" \
		grep -q "the log key $KEY is mode 0$mode, open to group or others; refusing to start" "$T/err"
done
chmod 400 "$KEY"
try_start
check "a log key of mode 0400 is accepted" test "$RC" = 0
chmod 600 "$KEY"

for mode in 620 602 666; do
	chmod "$mode" "$DB"
	try_start
	check "a database of mode $mode: envelogd exits 2" test "$RC" = 2
	check "a database of mode $mode: the message names it" \
		grep -q "the database $DB is mode 0$mode, writable by group or others; refusing to start" "$T/err"
done
chmod 644 "$DB"
try_start
check "a database of mode 0644 starts" test "$RC" = 0
check "with a warning that it is readable by others" \
	grep -q "warning: the database $DB (event metadata) is readable by group or others (mode 0644)" "$T/err"
chmod 600 "$DB"
try_start
check "a database of mode 0600 starts without a warning" test "$RC" = 0 -a -z "$(grep warning "$T/err")"

start_server || bail "server starts again"
check "the refused starts changed nothing" test "$(log_state)" = "$STATE0"
stop_server

# make run: a tokens file open to others is not printed.
V=$T/var
mkdir -p "$V"
(umask 077 && cp "$DB" "$V/envelog.db" && cp "$KEY" "$V/envelog.key")
echo "INGEST_TOKEN=elog_secret-ingest" >"$V/tokens"
chmod 644 "$V/tokens"
# -o all -o deps: use the binaries in $B as they are, never rebuild them here.
make -s --no-print-directory -o all -o deps run B="$B" VAR="$V" >"$T/run.out" 2>"$T/run.err" </dev/null
RC=$?
check "make run with a tokens file of mode 644 fails" test "$RC" -ne 0
check "saying why" grep -q "tokens holds live tokens and is open to group or others (mode 644)" "$T/run.err"
check "and prints no token" test -z "$(grep -h elog_secret "$T/run.out" "$T/run.err")"
finish
