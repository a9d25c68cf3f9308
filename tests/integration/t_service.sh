#!/usr/bin/env bash
# envelogd.service as `make install` writes it: systemd-analyze verify
# accepts it (the installed envelogd as ExecStart, no man page lookup:
# the scratch prefix is not in MANPATH), it carries the hardening the
# operator is promised, and systemd-analyze security rates it "OK" or
# better.  The unit names the installed paths of this prefix.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || bail "systemd-analyze is not installed (make deps)"
P=$T/prefix
make --no-print-directory B="$B" SANITIZE="${SANITIZE:-}" PREFIX="$P" DESTDIR= \
	install >"$T/make.log" 2>&1
rc=$?
[ "$rc" = 0 ] || tail -n 20 "$T/make.log" | sed 's/^/# /'
check "make install PREFIX=<tmp> succeeds" test "$rc" = 0
U=$P/lib/systemd/system/envelogd.service
check "it installs envelogd.service" test -f "$U"
check "and the example configuration" test -f "$P/etc/envelog/envelogd.conf"

if systemd-analyze verify --man=no "$U" >"$T/verify" 2>&1; then
	ok "systemd-analyze verify accepts the unit"
else nok "systemd-analyze verify accepts the unit" "$(cat "$T/verify")"; fi

# The value systemd reads for a setting (the last line that sets it).
setting() { sed -n "s/^$1=//p" "$U" | tail -n 1; }
want() { # NAME VALUE
	local got
	got=$(setting "$1")
	if [ "$got" = "$2" ]; then ok "$1=$2"
	else nok "$1=$2" "got '$got'"; fi
}
want Type notify
want DynamicUser yes
want StateDirectory envelog
want ProtectSystem strict
want ProtectHome yes
want PrivateTmp yes
want NoNewPrivileges yes
want RestrictAddressFamilies "AF_INET AF_INET6 AF_UNIX"
check "SystemCallFilter=@system-service" grep -qx 'SystemCallFilter=@system-service' "$U"
want LoadCredential "log.key:$P/etc/envelog/envelog.key"
want ExecReload '/bin/kill -HUP $MAINPID'
# ExecStart, its continuation lines joined.
exec_start=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$U" | sed 's/\\$//' | tr -s '\t\n' '  ')
case $exec_start in
"ExecStart=$P/sbin/envelogd "*"--key \${CREDENTIALS_DIRECTORY}/log.key "*) ok "ExecStart runs the installed envelogd with the credential as its key" ;;
*) nok "ExecStart runs the installed envelogd with the credential as its key" "$exec_start" ;;
esac
for o in "--db $P/var/lib/envelog/envelog.db" "--state $P/var/lib/envelog/envelog.state" \
	"--config $P/etc/envelog/envelogd.conf"; do
	case "$exec_start " in
	*" $o "*) ok "ExecStart has $o" ;;
	*) nok "ExecStart has $o" "$exec_start" ;;
	esac
done
check "no @…@ placeholder is left in the unit or the configuration" \
	test -z "$(grep -l '@[A-Z]*@' "$U" "$P/etc/envelog/envelogd.conf")"

# The configuration the unit names sets nothing (every line a comment):
# installed where the programs look for it, it changes no default.
conf=$P/etc/envelog/envelogd.conf
check "envelogd.conf sets nothing: every line is a comment or empty" \
	test -z "$(grep -vE '^[[:space:]]*(#|$)' "$conf")"
check "envelogd.conf names the installed console in its example" grep -qx "# web = $P/share/envelog/web" "$conf"

# envelogd reads it as the unit has it read, with the database, the key
# and the state file on the command line.
if SERVER=$P/sbin/envelogd NO_WEB=1 start_server --config "$conf" --key "$KEY" \
	--state "$T/envelog.state"; then
	req GET /
	check "envelogd --config envelogd.conf serves the installed console" \
		test "$STATUS:$BODY" = "200:$(cat web/index.html)"
	stop_server
	check "and stops cleanly" test "$SRV_RC" = 0
else
	nok "envelogd --config envelogd.conf starts"
fi

# make install again keeps an operator's configuration.
echo "# mine" >>"$conf"
make --no-print-directory B="$B" SANITIZE="${SANITIZE:-}" PREFIX="$P" DESTDIR= \
	install >"$T/make.log" 2>&1
check "a second make install keeps the edited envelogd.conf" grep -qx "# mine" "$conf"

score=$(systemd-analyze security --offline=yes "$U" 2>/dev/null |
	sed -n 's/.*Overall exposure level for envelogd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
echo "# systemd-analyze security: $score"
case $score in
*" OK" | *" SAFE" | *" PERFECT") ok "systemd-analyze security rates it OK or better ($score)" ;;
*) nok "systemd-analyze security rates it OK or better" "got '$score'" ;;
esac
finish
