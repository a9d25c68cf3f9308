#!/usr/bin/env bash
# C2SP tlog-tiles served by envelogd under /tlog/: the checkpoint, hash
# tiles and entry bundles byte for byte against what the API serves (leaf
# hashes from /v1/leaves, higher tiles against inclusion proofs' hashes,
# the root recomputed from tiles), partial widths, Cache-Control, 404 for
# tiles beyond the tree, 400 for paths that are not tiles, all in the JSON
# error shape, and the log unchanged by every refused request.
. "$(dirname "$0")/lib.sh"

# fetch PATH FILE: GET into FILE; sets $STATUS and $HDRS
fetch() {
	STATUS=$(curl -s -D "$T/hdrs" -o "$2" -w '%{http_code}' "$URL$1")
	HDRS=$(cat "$T/hdrs")
}
header() { # NAME: its value in $HDRS, CR stripped
	grep -i "^$1:" <<<"$HDRS" | head -1 | cut -d: -f2- | sed 's/^ //; s/\r$//'
}
b64() { base64 -w0; }
# hashes FILE: one base64 line per 32-byte hash of FILE
hashes() { python3 -c 'import sys,base64; d=open(sys.argv[1],"rb").read(); [print(base64.b64encode(d[i:i+32]).decode()) for i in range(0,len(d),32)]' "$1"; }

start_server || bail "server starts"

# --- the empty log ---
fetch /tlog/checkpoint "$T/tcp"
curl -s -o "$T/vcp" "$URL/v1/checkpoint"
check "empty log: /tlog/checkpoint is 200" test "$STATUS" = 200
check "empty log: /tlog/checkpoint equals /v1/checkpoint" cmp -s "$T/tcp" "$T/vcp"
check "checkpoint is text/plain; charset=utf-8" test "$(header content-type)" = "text/plain; charset=utf-8"
check "checkpoint is short-lived" test "$(header cache-control)" = "public, max-age=5"
expect_error "empty log: tile/0/000.p/1 is 404" 404 not_found GET /tlog/tile/0/000.p/1
expect_error "empty log: tile/entries/000.p/1 is 404" 404 not_found GET /tlog/tile/entries/000.p/1
stop_server

# --- 600 leaves: two full level-0 tiles, a partial one of 88, level 1 of 2 ---
"$B/tests/tools/mklog" "$DB" 550 110 >/dev/null || bail "mklog"
start_server || bail "server restarts"
post_events "50 more events through the server" "$(events 50 t)"
state0=$(log_state)
check "the log has 600 leaves" test "${state0%% *}" = 600
curl -s "$URL/v1/leaves?start=0&end=600" | jq -r '.leaves[].leaf_hash' >"$T/leaf_hashes"
check "600 leaf hashes from /v1/leaves" test "$(wc -l <"$T/leaf_hashes")" = 600

fetch /tlog/checkpoint "$T/tcp"
curl -s -o "$T/vcp" "$URL/v1/checkpoint"
check "/tlog/checkpoint equals /v1/checkpoint" cmp -s "$T/tcp" "$T/vcp"

good=1
: >"$T/tile_hashes"
for p in 0/000 0/001 0/002.p/88; do
	fetch "/tlog/tile/$p" "$T/tile"
	[ "$STATUS" = 200 ] || good=0
	hashes "$T/tile" >>"$T/tile_hashes"
done
check "level-0 tiles 000, 001, 002.p/88 are 200" test "$good" = 1
check "level-0 tiles hold exactly the leaf hashes of /v1/leaves, in order" cmp -s "$T/tile_hashes" "$T/leaf_hashes"
fetch /tlog/tile/0/001 "$T/tile"
check "a full tile is application/octet-stream" test "$(header content-type)" = "application/octet-stream"
check "a full tile is immutable for a year" test "$(header cache-control)" = "public, max-age=31536000, immutable"
check "a full tile is 8192 bytes" test "$(stat -c %s "$T/tile")" = 8192
fetch /tlog/tile/0/002.p/88 "$T/tile"
check "a partial tile is short-lived" test "$(header cache-control)" = "public, max-age=5"
check "a partial tile of width 88 is 88 hashes" test "$(stat -c %s "$T/tile")" = $((88 * 32))
fetch /tlog/tile/0/002.p/10 "$T/tile10"
check "a narrower partial tile (an older tree's) is its prefix" \
	cmp -s "$T/tile10" <(head -c 320 "$T/tile")
fetch /tlog/tile/0/001.p/255 "$T/tile255"
check "a partial width of a full tile is still served, its prefix" \
	cmp -s "$T/tile255" <(curl -s "$URL/tlog/tile/0/001" | head -c $((255 * 32)))
expect_error "tile/0/002.p/89 (beyond the tree) is 404" 404 not_found GET /tlog/tile/0/002.p/89
expect_error "tile/0/002 (not yet full) is 404" 404 not_found GET /tlog/tile/0/002
expect_error "tile/0/003.p/1 is 404" 404 not_found GET /tlog/tile/0/003.p/1
expect_error "tile/1/000 (not yet full) is 404" 404 not_found GET /tlog/tile/1/000
expect_error "tile/1/000.p/3 is 404" 404 not_found GET /tlog/tile/1/000.p/3
expect_error "tile/2/000.p/1 is 404" 404 not_found GET /tlog/tile/2/000.p/1

# Level 1 holds the roots of leaves [0,256) and [256,512): the last hashes
# of the inclusion proofs of 256 and of 0 in the tree of 512.
fetch /tlog/tile/1/000.p/2 "$T/l1"
check "tile/1/000.p/2 is 200, two hashes" test "$STATUS/$(stat -c %s "$T/l1")" = 200/64
mapfile -t L1 < <(hashes "$T/l1")
p256=$(curl -s "$URL/v1/proof/inclusion?index=256&size=512" | jq -r '.proof[-1]')
p0=$(curl -s "$URL/v1/proof/inclusion?index=0&size=512" | jq -r '.proof[-1]')
check "level-1 hash 0 is the proofs' subtree [0,256)" test "${L1[0]}" = "$p256"
check "level-1 hash 1 is the proofs' subtree [256,512)" test "${L1[1]}" = "$p0"
r512=$(printf '\001' | cat - "$T/l1" | openssl dgst -sha256 -binary | b64)
curl -s -o "$T/cp512" "$URL/v1/checkpoint?size=550" # mklog signed 550
"${ORACLE[@]}" leaves "$T/leaf_hashes" 512 >"$T/r512"
check "the root of 512 from tile/1 equals the oracle's root over the leaves" \
	test "512 $r512" = "$(cat "$T/r512")"

# Entry bundles: uint16 big-endian lengths, the leaf data whose leaf hashes
# are the tiles' (recomputed here, not by the library).
: >"$T/bundle_hashes"
good=1
for p in 000 001 002.p/88; do
	fetch "/tlog/tile/entries/$p" "$T/bundle"
	[ "$STATUS" = 200 ] || good=0
	python3 - "$T/bundle" >>"$T/bundle_hashes" <<'PY' || good=0
import sys, hashlib, base64, json
d = open(sys.argv[1], "rb").read()
i = 0
while i < len(d):
    n = int.from_bytes(d[i:i + 2], "big")
    e = d[i + 2:i + 2 + n]
    assert len(e) == n, "truncated entry"
    json.loads(e)
    print(base64.b64encode(hashlib.sha256(b"\0" + e).digest()).decode())
    i += 2 + n
PY
done
check "entry bundles 000, 001, 002.p/88 are 200 and parse" test "$good" = 1
check "the bundles' leaf data hash to exactly the leaf hashes" cmp -s "$T/bundle_hashes" "$T/leaf_hashes"
fetch /tlog/tile/entries/002.p/88 "$T/bundle"
check "a partial bundle is short-lived" test "$(header cache-control)" = "public, max-age=5"
python3 - "$T/bundle" >"$T/bundle_first" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
n = int.from_bytes(d[0:2], "big")
sys.stdout.write(d[2:2 + n].decode())
PY
curl -s "$URL/v1/leaves?start=512&end=513" | jq -cj '.leaves[0].entry' >"$T/api_first"
check "a bundle's entry is /v1/leaves' entry, byte for byte" cmp -s "$T/bundle_first" "$T/api_first"
expect_error "entries/002.p/89 is 404" 404 not_found GET /tlog/tile/entries/002.p/89
expect_error "entries/002 is 404" 404 not_found GET /tlog/tile/entries/002

# --- paths that are not tiles ---
for p in tile/0/1 tile/0/0001 tile/0/01 tile/00/000 tile/64/000 tile/-1/000 \
	tile/0/000.p/0 tile/0/000.p/256 tile/0/000.p/01 tile/0/000.p/ \
	tile/0/x000/001 tile/0/x001 tile/0/x001/ tile/0/000.q/3 tile/0/000/ \
	tile/entries/1 tile/entries/000.p/256 tile/entries tile/0 tile/ \
	tile/0/x99999999999999999/000 tile/0/000.p/3x; do
	expect_error "/tlog/$p is 400 invalid_parameter" 400 invalid_parameter GET "/tlog/$p"
done
expect_error "/tlog/other is 404" 404 not_found GET /tlog/other
expect_error "/tlog/ is 404" 404 not_found GET /tlog/
expect_status "POST /tlog/checkpoint is 405" 405 POST /tlog/checkpoint
check "405 names GET, HEAD" test "$(header allow)" = "GET, HEAD"
expect_status "POST to a tile is 405" 405 POST /tlog/tile/0/000
expect_status "HEAD of a tile is 200" 200 HEAD /tlog/tile/0/000 -I
check "after every refused request the log is unchanged (size, root)" test "$(log_state)" = "$state0"

# --- growth: a new partial tile, old widths unchanged ---
post_events "20 more events" "$(events 20 g)"
fetch /tlog/tile/0/002.p/108 "$T/tile108"
check "after growth tile/0/002.p/108 is served" test "$STATUS" = 200
check "and begins with the old partial tile of 88" cmp -s "$T/tile" <(head -c $((88 * 32)) "$T/tile108")
finish
