#!/usr/bin/env bash
# make deps (.ci/deps) with stub dpkg, apt-get, sudo, id and npm first on a
# PATH of their own: it never installs anything.  As root, as a user with
# sudo, as a user without sudo; every package missing or every package
# present; node_modules absent or present; stdin never a terminal.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh

# A copy of the script in a repository of its own, so that npm ci (stubbed)
# and node_modules are the copy's.
mkdir -p "$T/repo/.ci" "$T/bin" "$T/nosudo"
cp .ci/deps "$T/repo/.ci/deps"
mapfile -t PKGS < <(sh .ci/deps --list)
[ "${#PKGS[@]}" -gt 5 ] || bail ".ci/deps --list names the packages"

# The stubs record one line per call in $T/calls.
stub() { printf '#!/bin/sh\n%s\n' "$2" >"$T/bin/$1"; chmod +x "$T/bin/$1"; }
# dpkg-query -W -f='${db:Status-Status}' PKG: "installed"; "config-files"
# for a package removed but not purged; an error for one never installed.
stub dpkg-query 'case "$STUB_DPKG" in present) printf installed ;; removed) printf config-files ;;
*) echo "dpkg-query: no packages found matching $4" >&2; exit 1 ;; esac'
stub apt-get 'tty=notty; [ -t 0 ] && tty=tty
echo "apt-get $* | DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-} via=${STUB_VIA:-direct} $tty" >>"$STUB_CALLS"
case "$*" in *install*) exit "${STUB_APT_RC:-0}" ;; esac'
stub sudo 'echo "sudo $*" >>"$STUB_CALLS"; STUB_VIA=sudo exec "$@"'
stub id 'case "$1" in -u) echo "$STUB_UID" ;; *) echo "uid=$STUB_UID" ;; esac'
stub npm 'echo "npm $* | cwd=$(pwd)" >>"$STUB_CALLS"'
# The few real tools the script and the stubs use; nothing else (no sudo).
for tool in sh dirname env cat; do ln -s "$(command -v "$tool")" "$T/nosudo/$tool"; done
for f in dpkg-query apt-get id npm; do ln -s "$T/bin/$f" "$T/nosudo/$f"; done
cp -P "$T/nosudo/"{sh,dirname,env,cat} "$T/bin/"

# deps MODE UID PATHDIR: run the copy with stdin from /dev/null; sets rc,
# and the calls and stderr in $T/calls, $T/err.
deps() {
	: >"$T/calls"
	env -i PATH="$T/$3" STUB_DPKG="$1" STUB_UID="$2" STUB_CALLS="$T/calls" \
		STUB_APT_RC="${APT_RC:-0}" HOME="$T" \
		"$T/bin/sh" "$T/repo/.ci/deps" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
# shellcheck disable=SC2317 # run through check, which shellcheck does not follow
want_install() { # PREFIX ("" or "sudo "): the install line names every package
	local line p
	line=$(grep -E "^apt-get .*install" "$T/calls") || return 1
	for p in "${PKGS[@]}"; do
		grep -qE " $p( |\$)" <<<"${line%%|*}" || { echo "# $p is not installed: $line"; return 1; }
	done
	grep -qE -- "^apt-get install -y( |-)" <<<"$line" || return 1
	[ "$(grep -c '^apt-get' "$T/calls")" = 2 ] || return 1
	# update runs before install
	[ "$(grep -m1 '^apt-get' "$T/calls" | cut -d' ' -f2)" = update ] || return 1
	return 0
}

# As root: apt-get itself, no sudo, noninteractive, no terminal.
deps missing 0 bin
check "as root, everything missing: exit 0" test "$rc" = 0
check "apt-get update, then apt-get install -y with every package" want_install
check "without sudo" test "$(grep -c '^sudo' "$T/calls")" = 0
check "apt-get ran directly, with DEBIAN_FRONTEND=noninteractive" \
	test "$(grep '^apt-get' "$T/calls" | grep -vc 'DEBIAN_FRONTEND=noninteractive via=direct notty$')" = 0
check "npm ci runs when node_modules lacks a package" \
	grep -qx "npm ci --no-audit --no-fund | cwd=$T/repo" "$T/calls"
check "it says what it installs" grep -q "installing.*${PKGS[0]}" "$T/err"

# A user with sudo: the same commands, through sudo.
deps missing 1000 bin
check "as a user with sudo: exit 0" test "$rc" = 0
check "apt-get update and install -y with every package" want_install
check "both through sudo" test "$(grep -c '^sudo .*apt-get' "$T/calls")" = 2
check "apt-get ran under sudo, with DEBIAN_FRONTEND=noninteractive" \
	test "$(grep '^apt-get' "$T/calls" | grep -vc 'DEBIAN_FRONTEND=noninteractive via=sudo notty$')" = 0

# A user without sudo: a clear error, nothing run.
deps missing 1000 nosudo
check "as a user without sudo: exit non-zero" test "$rc" != 0
check "with a clear message naming root and the packages" grep -q "not root and no sudo.*${PKGS[0]}" "$T/err"
check "and no apt-get" test "$(grep -c '^apt-get' "$T/calls")" = 0

# A failing apt-get fails make deps.
APT_RC=100 deps missing 0 bin
check "a failing apt-get install fails it" test "$rc" != 0

# Everything present: the quick path.
for p in playwright-core axe-core @apidevtools/swagger-parser; do
	mkdir -p "$T/repo/node_modules/$p"
	echo '{}' >"$T/repo/node_modules/$p/package.json"
done
deps present 1000 bin
check "everything present: exit 0" test "$rc" = 0
check "and no apt-get, no sudo, no npm" test ! -s "$T/calls"
deps present 0 nosudo
check "also as root with no sudo on the machine" test "$rc:$(wc -c <"$T/calls")" = "0:0"
deps removed 0 bin
check "packages removed but not purged (config files left) are installed again" want_install
deps missing 0 bin
check "node_modules present: no npm ci" test "$(grep -c '^npm' "$T/calls")" = 0

# No npm at all: Debian's nodejs and npm are asked for too.
rm "$T/bin/npm"
deps present 0 bin
check "no npm: apt-get installs nodejs and npm" grep -qE '^apt-get install -y.* nodejs npm \|' "$T/calls"
finish
