#!/usr/bin/env bash
# envelog tiles export: the log as static C2SP tlog-tiles.  The files are
# exactly what envelogd serves under /tlog/; a second export after growth
# writes only the tiles that grew (full tiles keep their inode), removes
# the partial tiles whose full tile it wrote, keeps those still partial
# (C2SP: served until the full tile is), and equals a fresh export byte for
# byte but for those;
# a directory of another log is refused and left as it was; and nginx
# (Debian's, started here on a free port with its own prefix) serving the
# directory answers what envelogd answers, with the same Cache-Control,
# and passes the independent Go tile client.
. "$(dirname "$0")/lib.sh"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
NGX_PID=
trap 'if [ -n "$NGX_PID" ]; then kill "$NGX_PID" 2>/dev/null; wait "$NGX_PID" 2>/dev/null; fi; cleanup' EXIT

A=$T/www/tlog   # exported twice
F=$T/fresh/tlog # exported once
mkdir -p "$T/www" "$T/fresh"
export_to() { "$B/envelog" tiles export --db "$DB" --out "$1" 2>"$T/export.err"; }
# files DIR: the relative paths of the files in DIR, sorted
files() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }

out=$(export_to "$A")
check "empty log: export exits 0" test $? = 0
check "empty log: it says size 0, 1 file" test "$out" = "exported size 0 (was 0): 1 files written"
check "empty log: only the checkpoint" test "$(files "$A")" = checkpoint

"$B/tests/tools/mklog" "$DB" 600 120 >/dev/null || bail "mklog"
out=$(export_to "$A")
check "600 leaves: export exits 0" test $? = 0
check "600 leaves: 8 files written" test "$out" = "exported size 600 (was 0): 8 files written"
want='checkpoint
tile/0/000
tile/0/001
tile/0/002.p/88
tile/1/000.p/2
tile/entries/000
tile/entries/001
tile/entries/002.p/88'
check "600 leaves: exactly the checkpoint and the tiles of the tree" test "$(files "$A")" = "$want"
check "no temporary file is left" test -z "$(find "$A" -name '.tmp-*')"
check "files are readable by all (public data)" test "$(stat -c %a "$A/tile/0/000")" = 644

# An export interrupted before its checkpoint: the next one keeps the
# tiles already there (never rewritten) and writes the checkpoint.
cp -a "$A" "$T/interrupted"
rm "$T/interrupted/checkpoint"
inodes=$(cd "$T/interrupted" && stat -c %i tile/0/000 tile/entries/001)
out=$("$B/envelog" tiles export --db "$DB" --out "$T/interrupted" 2>&1)
check "after an interrupted export: the checkpoint written, 7 tiles kept" \
	test "$out" = "exported size 600 (was 0): 1 files written (7 already there, kept)"
check "the tiles already there were not rewritten (same inodes)" \
	test "$(cd "$T/interrupted" && stat -c %i tile/0/000 tile/entries/001)" = "$inodes"
check "and the directory equals the complete export" diff -r "$A" "$T/interrupted"

start_server || bail "server starts"
# same_as_server DIR: every file equals envelogd's answer for its path
# shellcheck disable=SC2317 # run through check, which shellcheck does not follow
same_as_server() {
	local f bad=
	while read -r f; do
		curl -s -o "$T/srv" "$URL/tlog/$f"
		cmp -s "$T/srv" "$1/$f" || bad="$bad $f"
	done < <(files "$1")
	[ -z "$bad" ] || { echo "# differ:$bad"; return 1; }
}
check "every exported file is byte for byte envelogd's /tlog/ answer" same_as_server "$A"

inode0=$(stat -c %i "$A/tile/0/000" "$A/tile/0/001" "$A/tile/entries/000")
cp "$A/tile/1/000.p/2" "$T/before_l1"
post_events "300 events through the server" "$(events 300 g)"
state=$(log_state)
out=$(export_to "$A")
check "after growth: export exits 0" test $? = 0
check "after growth: only what grew (5 tiles and the checkpoint)" test "$out" = "exported size 900 (was 600): 6 files written"
check "full tiles were not rewritten (same inodes)" test "$(stat -c %i "$A/tile/0/000" "$A/tile/0/001" "$A/tile/entries/000")" = "$inode0"
check "partial tiles whose full tile is written are gone" test ! -e "$A/tile/0/002.p" -a ! -e "$A/tile/entries/002.p"
check "a partial tile still partial stays, unchanged" cmp -s "$A/tile/1/000.p/2" "$T/before_l1"
export_to "$F" >/dev/null
check "exported twice with growth between: the fresh export's files, byte for byte" \
	bash -c 'cd "$1" && find . -type f -exec cmp -s {} "$2/{}" \; -o -type f -print | grep -q . && exit 1 || exit 0' _ "$F" "$A"
check "and besides them only the kept partial tile" \
	test "$(comm -13 <(files "$F") <(files "$A"))" = "tile/1/000.p/2"
rm "$A/tile/1/000.p/2"
check "without it, the directories are identical" diff -r "$A" "$F"
check "every file is still envelogd's answer" same_as_server "$A"
out=$(export_to "$A")
check "no growth: only the checkpoint is written" test "$out" = "exported size 900 (was 900): 1 files written"

# Another log's directory is refused and left alone.
cp -a "$A" "$T/before"
"$B/tests/tools/mklog" "$T/other.db" 1000 500 >/dev/null || bail "mklog other"
"$B/envelog" tiles export --db "$T/other.db" --out "$A" >/dev/null 2>"$T/export.err"
check "exporting another log over the directory: exit 1" test $? = 1
check "it says why" grep -q "not a checkpoint of this log\|not a prefix of this log" "$T/export.err"
check "and the directory is unchanged" diff -r "$A" "$T/before"
"$B/envelog" tiles export --db "$DB" >/dev/null 2>&1
check "without --out: usage, exit 2" test $? = 2

# --- nginx over the directory ---
if [ ! -x "$NGINX" ]; then
	nok "nginx is installed (make deps)"
	finish
fi
NPORT=$(free_port)
mkdir -p "$T/nginx/logs" "$T/nginx/tmp"
chmod 711 "$T" # nginx's workers may run as another user
cat >"$T/nginx/nginx.conf" <<NGX
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
$([ "$(id -u)" = 0 ] && echo "user nobody nogroup;")
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
	types { }
	server {
		listen 127.0.0.1:$NPORT;
		root $T/www;
		location = /tlog/checkpoint {
			default_type "text/plain; charset=utf-8";
			add_header Cache-Control "public, max-age=5";
		}
		location /tlog/tile/ {
			default_type application/octet-stream;
			add_header Cache-Control "public, max-age=31536000, immutable";
			location ~ \.p/[0-9]+\$ {
				add_header Cache-Control "public, max-age=5";
			}
		}
	}
}
NGX
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>"$T/nginx/stderr" &
NGX_PID=$!
NURL=http://127.0.0.1:$NPORT
for _ in $(seq 1 100); do
	curl -s -o /dev/null "$NURL/tlog/checkpoint" && break
	sleep 0.05
done
check "nginx serves the directory" curl -sf -o /dev/null "$NURL/tlog/checkpoint"
bad=
while read -r f; do
	a=$(curl -s -o "$T/ng" -w '%{http_code}' "$NURL/tlog/$f")
	b=$(curl -s -o "$T/ed" -w '%{http_code}' "$URL/tlog/$f")
	[ "$a/$b" = 200/200 ] && cmp -s "$T/ng" "$T/ed" || bad="$bad $f"
done < <(files "$A")
check "nginx answers every path byte for byte as envelogd does" test -z "$bad"
ngcc() { curl -s -D - -o /dev/null "$NURL/tlog/$1" | grep -i '^cache-control:' | tr -d '\r'; }
edcc() { curl -s -D - -o /dev/null "$URL/tlog/$1" | grep -i '^cache-control:' | tr -d '\r'; }
for f in checkpoint tile/0/000 tile/0/003.p/132 tile/entries/003.p/132; do
	check "same Cache-Control for $f" test "$(ngcc "$f")" = "$(edcc "$f")"
done
check "nginx: a tile beyond the tree is 404" test "$(curl -s -o /dev/null -w '%{http_code}' "$NURL/tlog/tile/0/004")" = 404
if [ -x "$B/tests/tools/tilecheck" ]; then
	out=$("$B/tests/tools/tilecheck" "$NURL/tlog" "$VKEY" 30 2>&1)
	check "the Go tile client verifies the tree nginx serves" test "${out% *}" = "ok $state"
fi
kill "$NGX_PID"; wait "$NGX_PID" 2>/dev/null; NGX_PID=
finish
