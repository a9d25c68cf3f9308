#!/usr/bin/env bash
# shellcheck disable=SC2086 # $d_help: option names, split into words on purpose
# One option table per program: envelogd's and envelog's --help, their man
# pages (envelogd(8), envelogd.conf(5), envelog(1)) and the bash completion
# all name the same options, because they are generated from the same
# tables; the pages pass man's and groff's warnings; --version on both;
# envelogd's getopt_long forms and its config file.
. "$(dirname "$0")/lib.sh"

M=$B/man
for p in envelog.1 envelogd.8 envelogd.conf.5; do
	[ -f "$M/$p" ] || bail "$M/$p is not built (make all)"
	w=$(LC_ALL=C MANWIDTH=80 man --warnings=all -l "$M/$p" 2>&1 >/dev/null)
	check "man --warnings -l $p: no warning" test -z "$w"
	# shellcheck disable=SC2001 # every line of a multi-line text
	[ -z "$w" ] || echo "$w" | sed 's/^/# /'
	w=$(groff -man -ww -z "$M/$p" 2>&1)
	check "groff -ww $p: no warning" test -z "$w"
	if command -v mandoc >/dev/null; then
		check "mandoc -T lint $p" mandoc -T lint -W warning "$M/$p"
	fi
done

# The long options of a --help text, sorted.
help_opts() { grep -oE '^  --[a-z-]+' | sed 's/^ *//' | sort -u; }
# The options a man page documents (.TP \fB\-\-name), sorted.
man_opts() { grep -A1 '^\.TP' | sed -n 's/^\\fB\\-\\-\([a-z\\-]*\)\\fR.*/--\1/p' | sed 's/\\-/-/g' | sort -u; }

d_help=$("$B/envelogd" --help | help_opts)
d_man=$(man_opts <"$M/envelogd.8")
check "envelogd(8) documents exactly the options of envelogd --help, and --help/--version" \
	test "$d_man" = "$(printf '%s\n' $d_help --help --version | sort -u)"
conf=$(grep -A1 '^\.TP' "$M/envelogd.conf.5" | sed -n 's/^\.B \([a-z\\-]*\) = .*/\1/p' | sed 's/\\-/-/g' | sort -u)
check "envelogd.conf(5) names every option but --config as a setting" \
	test "$conf" = "$(printf '%s\n' $d_help | grep -v -- --config | sed 's/^--//' | sort -u)"
check "envelogd --help shows the default database" grep -q "default ./var/envelog.db\|default $PWD" <<<"$("$B/envelogd" --help)"

cmds="init token authority witness witness-keygen witness-serve warrant verify bundle audit audit-compare purge tiles"
for c in $cmds; do
	c=${c/-/ }
	# shellcheck disable=SC2086 # "witness keygen" is two words
	h=$("$B/envelog" $c --help 2>&1); rc=$?
	check "envelog $c --help: exit 0, with its usage" test "$rc:$(head -c 14 <<<"$h")" = "0:usage: envelog"
	sect=$(awk -v s=".SS \"envelog $c\"" '$0 == s { on = 1; next } /^\.S[SH] / { on = 0 } on' "$M/envelog.1")
	want=$(help_opts <<<"$h")
	check "envelog(1) documents the options of envelog $c --help" test "$(man_opts <<<"$sect")" = "$want"
done
check "envelog(1) has a section for every command of envelog --help" \
	test "$("$B/envelog" --help | sed -n '/^commands:/,/^$/p' | grep -oE '^  [a-z]+( [a-z]+)?' | awk '{print $1}' | sort -u | tr '\n' ' ')" = \
	"$(sed -n 's/^\.SS "envelog \([a-z]*\).*/\1/p' "$M/envelog.1" | sort -u | tr '\n' ' ')"
check "EXIT STATUS in envelog(1) names purge's 3" grep -q "3 envelog purge only" "$M/envelog.1"

# --version: the release, the schema and the libraries.
for p in envelog envelogd; do
	v=$("$B/$p" --version); rc=$?
	check "$p --version: exit 0" test "$rc" = 0
	check "$p --version: its name and a version" grep -qE "^$p [0-9]+\.[0-9]+\.[0-9]+$" <<<"$v"
	check "$p --version: the schema version it writes ($(printf '%s\n' schema/*.sql | wc -l))" grep -qx "schema $(printf '%s\n' schema/*.sql | wc -l)" <<<"$v"
	for lib in sqlite libmicrohttpd jansson libsodium libcurl; do
		grep -qE "^$lib [0-9]+\.[0-9]+" <<<"$v" || nok "$p --version names $lib" "$v"
	done
	check "$p --version: sqlite is the one linked ($(pkg-config --modversion sqlite3))" grep -qx "sqlite $(pkg-config --modversion sqlite3)" <<<"$v"
done
check "the two programs report the same versions" test "$("$B/envelog" --version | tail -n +2)" = "$("$B/envelogd" --version | tail -n +2)"

# getopt_long: --name=value, a missing value, an unknown option, a stray
# argument: exit 2 with a message, nothing served.
"$B/envelogd" --listen >/dev/null 2>"$T/err"
check "envelogd --listen without a value: exit 2" test $? = 2
check "... says so" grep -q "requires an argument" "$T/err"
"$B/envelogd" --db "$DB" stray >/dev/null 2>"$T/err"
check "envelogd with a stray argument: exit 2, named" test "$?:$(grep -c stray "$T/err")" = "2:1"
"$B/envelogd" --no-such --version >/dev/null 2>&1
check "an unknown option before --version: exit 2" test $? = 2
start_server --max-events=2 --sync=normal || bail "server starts with --name=value options"
post_events "--max-events=2 allows 2" "$(events 2 eq)"
expect_error "--max-events=2 refuses 3" 413 too_many_events POST /v1/events "${AUTH[@]}" "${JSON[@]}" --data-binary "$(events 3 eq)"
stop_server

# The config file: the example parses (every setting in it, commented or
# not, is one of envelogd's), and a repeated setting takes the later value.
grep -E '^#?[a-z-]+ = ' etc/envelogd.conf.example | sed 's/^#//' >"$T/all.conf"
sed -i -e "s|^db = .*|db = $DB|" -e '/^witness = /d' -e '/^shards = /d' -e '/^tls-/d' -e '/^key = /d' -e '/^state = /d' "$T/all.conf"
n=$(wc -l <"$T/all.conf")
bad=$(cut -d' ' -f1 "$T/all.conf" | sed 's/^/--/' | grep -vxF -f <(printf '%s\n' $d_help))
check "the example's $n settings are all envelogd's options" test -z "$bad"
[ -z "$bad" ] || echo "# not an option: $bad"
# read-db names a standby of a PostgreSQL log: not for this SQLite one.
sed -i '/^read-db = /d' "$T/all.conf"
start_server --config "$T/all.conf" || bail "server starts with every setting of the example"
expect_status "... and serves" 200 GET /healthz
stop_server
printf 'max-events = 9\nmax-events = 2\n' >"$T/twice.conf"
start_server --config "$T/twice.conf" || bail "server starts with the config file"
expect_error "a setting given twice: the later wins" 413 too_many_events POST /v1/events "${AUTH[@]}" "${JSON[@]}" --data-binary "$(events 3 tw)"
stop_server

# The completion: generated from the tables.
C=$(cd "$B" && pwd)/completion/envelog
complete_words() { # WORDS…: what the completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "_${1}"; printf "%s\n" "${COMPREPLY[@]}"' _ "$C" "$@" | sort | tr '\n' ' '
}
check "completion: envelog pu → purge" test "$(complete_words envelog pu)" = "purge "
check "completion: envelog token → its verbs" test "$(complete_words envelog token "")" = "add list revoke "
check "completion: envelog audit → compare" test "$(complete_words envelog audit "")" = "compare "
check "completion: envelog audit --js → --json" test "$(complete_words envelog audit --js)" = "--json "
check "completion: envelog audit compare --c → --cacert" test "$(complete_words envelog audit compare --c)" = "--cacert "
check "completion: envelog purge --b → --before" test "$(complete_words envelog purge --b)" = "--before "
check "completion: envelog witness serve --l → --listen --log" test "$(complete_words envelog witness serve --l)" = "--listen --log "
check "completion: envelog token add --role → the roles" test "$(complete_words envelog token add --role "")" = "auditor authority ingest "
check "completion: envelogd --sync → full normal" test "$(complete_words envelogd --sync "")" = "full normal "
check "completion: envelogd --max-e → --max-events" test "$(complete_words envelogd --max-e)" = "--max-events "
check "completion: envelogd offers every option of --help" \
	test "$(complete_words envelogd --)" = "$(printf '%s\n' $d_help --help --version | sort | tr '\n' ' ')"
touch "$T/some.db"
check "completion: envelog verify --db completes files" test "$(cd "$T" && complete_words envelog verify --db some.)" = "some.db "
check "bash -n on the completion script" bash -n "$C"
finish
