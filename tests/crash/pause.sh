# shellcheck shell=bash
# pause.sh — the pause of tests/crash/load.py's clients, for the suites that
# run them (t_crash.sh, t_failover.sh).  Source it after lib.sh; the
# clients' directory is $T/rec.
#
# pause_clients R: the clients stop sending and say so (a bounded wait), so
# that verify and the checks see a log that nobody writes to.  Waits until
# every client has paused for round R, for up to 60 s: longer than a
# client's request timeout (15 s), so that a loaded machine is not a
# failure.  Removing $T/rec/pause lets them go on.
pause_clients() {
	local w all end=$((SECONDS + 60))
	echo "$1" >"$T/rec/pause.tmp" && mv "$T/rec/pause.tmp" "$T/rec/pause"
	while [ "$SECONDS" -lt "$end" ]; do
		all=1
		for w in 0 1 2 3 lawful; do
			[ "$(cat "$T/rec/paused.$w" 2>/dev/null)" = "$1" ] || all=0
		done
		[ "$all" = 1 ] && return 0
		sleep 0.02
	done
	return 1
}
