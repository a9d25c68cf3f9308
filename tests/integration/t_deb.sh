#!/usr/bin/env bash
# The Debian package: dpkg-buildpackage -us -uc -b builds envelog,
# libenvelog0 and libenvelog-dev from a copy of this tree (tracked files
# and new ones, as `git ls-files` sees them), lintian finds no error or
# warning, each package holds what it should, and the programs of the
# envelog package, unpacked with dpkg -x into a scratch root, run from /:
# the installed envelog creates a fresh log, the installed envelogd serves
# it on a free loopback port (console, /metrics, ingest), and the
# installed envelog verifies it.  The file lists (dpkg-deb -c) are kept in
# $B/deb/.  DEBS=DIR takes already built packages from DIR instead.
. "$(dirname "$0")/lib.sh"

for tool in dpkg-buildpackage dpkg-deb lintian; do
	command -v "$tool" >/dev/null || bail "$tool is not installed (make deps)"
done
version=$(dpkg-parsechangelog -S Version 2>/dev/null) || bail "dpkg-parsechangelog"
arch=$(dpkg --print-architecture)
out=$B/deb
rm -rf "$out"
mkdir -p "$out"

if [ -n "${DEBS:-}" ]; then
	dir=$DEBS
else
	dir=$T/src
	src=$dir/envelog-$version
	mkdir -p "$src"
	git ls-files -co --exclude-standard | grep -v '^node_modules$' |
		tar -cf - -T - | tar -xf - -C "$src"
	# Outside this test run's build: no sanitizer, no build directory, no
	# make of the caller.
	(cd "$src" && env -u SANITIZE -u B -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		-u CFLAGS -u CPPFLAGS -u LDFLAGS DEB_BUILD_OPTIONS="nocheck parallel=2" \
		dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
	rc=$?
	[ "$rc" = 0 ] || tail -n 30 "$T/build.log" | sed 's/^/# /'
	check "dpkg-buildpackage -us -uc -b succeeds" test "$rc" = 0
	n=$(grep -c 'warning:' "$T/build.log")
	if [ "$n" = 0 ]; then ok "the package build prints no compiler warning"
	else nok "the package build prints no compiler warning" "$(grep -m 5 'warning:' "$T/build.log")"; fi
fi

for p in envelog libenvelog0 libenvelog-dev; do
	deb=$dir/${p}_${version}_$arch.deb
	if [ -f "$deb" ]; then
		dpkg-deb -c "$deb" >"$out/$p.contents"
		awk '{ print $6 }' "$out/$p.contents" | sed 's|^\./|/|' >"$out/$p.files"
		ok "${p}_${version}_$arch.deb is built"
	else
		nok "${p}_${version}_$arch.deb is built"
		: >"$out/$p.files"
	fi
done

# lintian: no error, no warning (the overrides in debian/ say why).
if [ -z "${DEBS:-}" ]; then
	lintian --pedantic -I "$dir/envelog_${version}_$arch.changes" >"$out/lintian.log" 2>&1
	sed 's/^/# lintian: /' "$out/lintian.log" | grep -v 'root privileges'
	if grep -qE '^[EW]: ' "$out/lintian.log"; then
		nok "lintian --pedantic reports no error or warning" "$(grep -E '^[EW]: ' "$out/lintian.log")"
	else ok "lintian --pedantic reports no error or warning"; fi
fi

has() { # PACKAGE PATH…: the package holds each path
	local p=$1 f miss=
	shift
	for f in "$@"; do grep -qxF "$f" "$out/$p.files" || miss="$miss $f"; done
	if [ -z "$miss" ]; then ok "$p holds $*"
	else nok "$p holds $*" "missing:$miss"; fi
}
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
has envelog /usr/sbin/envelogd /usr/bin/envelog /usr/share/envelog/web/index.html \
	/usr/lib/systemd/system/envelogd.service /etc/envelog/envelogd.conf \
	/usr/share/doc/envelog/copyright
check "envelog holds the whole console (every file of web/)" \
	test "$(grep -c '^/usr/share/envelog/web/.' "$out/envelog.files")" = "$(find web -type f | wc -l)"
check "envelog holds no library or header" \
	test -z "$(grep -E '\.so|\.a$|^/usr/include' "$out/envelog.files")"
has libenvelog0 "/usr/lib/$ma/libenvelog.so.0.0.0" "/usr/lib/$ma/libenvelog.so.0"
has libenvelog-dev /usr/include/envelog/store.h "/usr/lib/$ma/libenvelog.so" \
	"/usr/lib/$ma/libenvelog.a" "/usr/lib/$ma/pkgconfig/envelog.pc"
if [ -f "$dir/envelog_${version}_$arch.deb" ]; then
	check "/etc/envelog/envelogd.conf is a conffile" \
		grep -qx /etc/envelog/envelogd.conf <(dpkg-deb -I "$dir/envelog_${version}_$arch.deb" conffiles)
	check "libenvelog0's shlibs name its SONAME" \
		grep -q '^libenvelog 0 libenvelog0' <(dpkg-deb -I "$dir/libenvelog0_${version}_$arch.deb" shlibs)
fi

# Unpacked into a scratch root and run from /.
R=$T/root
for p in envelog libenvelog0 libenvelog-dev; do
	dpkg -x "$dir/${p}_${version}_$arch.deb" "$R" 2>/dev/null || bail "dpkg -x $p"
done
"$R/usr/sbin/envelogd" --help >"$T/help" 2>&1
for prog in usr/sbin/envelogd usr/bin/envelog; do
	(cd / && "$R/$prog" --version) >"$T/version" 2>&1; rc=$?
	if [ "$rc" = 0 ] && grep -q "^${prog##*/} $version" "$T/version" &&
		grep -q "schema" "$T/version"; then ok "the packaged ${prog##*/} --version: release $version and schema"
	else nok "the packaged ${prog##*/} --version" "exit $rc" "$(head -c 300 "$T/version")"; fi
done
for page in man1/envelog.1 man8/envelogd.8 man5/envelogd.conf.5; do
	check "the package carries the man page $page" test -s "$R/usr/share/man/$page.gz"
done
check "the packaged envelogd's default console is /usr/share/envelog/web" \
	grep -qF '/usr/share/envelog/web)' "$T/help"
DB=$T/fresh.db
KEY=$T/fresh.key
VKEY=$(cd / && "$R/usr/bin/envelog" init --db "$DB" --origin deb.example/log 2>/dev/null)
check "the packaged envelog creates a fresh log" test -n "$VKEY" -a -f "$DB" -a -f "$KEY"
INGEST=$(cd / && "$R/usr/bin/envelog" token add --db "$DB" --role ingest 2>/dev/null)
AUTH=(-H "Authorization: Bearer $INGEST")
SERVER=$R/usr/sbin/envelogd SERVER_DIR=/ NO_WEB=1 start_server \
	--web "$R/usr/share/envelog/web" || bail "the packaged envelogd starts from /"
req GET /
check "the console answers: GET / is the packaged index.html" \
	test "$STATUS:$BODY" = "200:$(cat web/index.html)"
req GET /metrics
if [ "$STATUS" = 200 ] && grep -q '^# TYPE ' <<<"$BODY"; then ok "/metrics answers with metric families"
else nok "/metrics answers with metric families" "status $STATUS" "${BODY:0:200}"; fi
post_events "it accepts events" "[$(event),$(event)]"
log_state >"$T/state" 2>/dev/null
check "its checkpoint verifies with the key envelog init printed: size 2" \
	test "$(cut -d' ' -f1 "$T/state")" = 2
stop_server
check "it stops cleanly" test "$SRV_RC" = 0
(cd / && "$R/usr/bin/envelog" verify --db "$DB") >"$T/verify" 2>&1
check "the packaged envelog verifies the log it served" test $? = 0

for p in envelog libenvelog0 libenvelog-dev; do
	echo "# dpkg-deb -c ${p}_${version}_$arch.deb:"
	awk '{ print "#   " $1, $6 }' "$out/$p.contents"
done
finish
