#!/usr/bin/env bash
# envelog audit against a real envelogd: a clean history audited step by
# step; servers whose database was altered behind the triggers' back, that
# sign with another key, or that were rolled back or forked; audit compare
# on consistent and forked states; network errors leave the state alone;
# witness keygen.  Every audit runs twice from the same state: over the
# /v1/ API (--no-tiles) and over the log's tlog-tiles (the default, as
# envelogd offers them); both must reach the same verdict and leave the
# same state, except where said (tiles carry no chain values and no kind
# column).  Then the requests each makes, counted by the server; a log
# without tiles (a proxy answering 404 under /tlog/); tiles read from a
# static copy (--tiles).
. "$(dirname "$0")/lib.sh"
EL=$B/envelog
ORIG_DB=$DB

# audit STATE [ARGS…]: over the API -> $out (stdout), $errout (stderr),
# $rc; the same over tiles from a copy of STATE made before (STATE.tiles)
# -> $tout, $terr, $trc.  Unless $differ is set, a different exit status,
# a passing tiles run that did not read tiles, or a different resulting
# state is noted in $disagree.
disagree=""
audit() {
	local st=$1; shift
	if [ -e "$st" ]; then cp "$st" "$st.tiles"; else rm -f "$st.tiles"; fi
	out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$st" --no-tiles "$@" 2>"$T/audit.err")
	rc=$?
	errout=$(cat "$T/audit.err")
	tout=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$st.tiles" "$@" 2>"$T/audit.err")
	trc=$?
	terr=$(cat "$T/audit.err")
	[ -n "${differ:-}" ] && return
	if [ "$rc" != "$trc" ]; then
		disagree="$disagree [${st##*/} $*: API exit $rc, tiles exit $trc: ${tout:0:200}]"
	elif [ "$rc" = 0 ]; then
		[[ "$out" == *"requests (API)"* || $(jq -r .read <<<"$out" 2>/dev/null) == api ]] &&
			[[ "$tout" == *"requests (tiles)"* || $(jq -r .read <<<"$tout" 2>/dev/null) == tiles ]] ||
			disagree="$disagree [${st##*/} $*: not read as asked: ${out:0:100} / ${tout:0:100}]"
		cmp -s <(jq -S 'del(.updated)' "$st") <(jq -S 'del(.updated)' "$st.tiles") ||
			disagree="$disagree [${st##*/} $*: the states differ]"
	fi
}
state_size() { jq -r .size "$1"; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
# expect_fail DESC CHECK SEQ|- [TILES]: exit 1 and "FAILED CHECK at seq
# SEQ" over the API, and over tiles the same or, when given, exit 1 and
# output starting with TILES
expect_fail() {
	local want="FAILED $2"
	[ "$3" != - ] && want="$want at seq $3:"
	if [ "$rc" -eq 1 ] && [[ "$out" == "$want"* ]]; then ok "$1"
	else nok "$1" "exit $rc, want 1 and '$want'" "${out:0:400}" "${errout:0:300}"; fi
	if [ "${4:-}" = ok ]; then
		expect_tiles_ok "... over tiles: passes, as nothing the tiles carry was changed"
		return
	fi
	want=${4:-$want}
	if [ "$trc" -eq 1 ] && [[ "$tout" == "$want"* ]]; then ok "... over tiles: $want"
	else nok "... over tiles" "exit $trc, want 1 and '$want'" "${tout:0:400}" "${terr:0:300}"; fi
}
# expect_tiles_ok DESC: the tiles run passed
expect_tiles_ok() {
	if [ "$trc" -eq 0 ] && [[ "$tout" == "ok: "*"requests (tiles)"* ]]; then ok "$1"
	else nok "$1" "exit $trc" "${tout:0:400}" "${terr:0:300}"; fi
}
# Run SQL (python3's sqlite3: also has sha256) on a stopped copy.
tamper() { # DB PYTHON-BODY (db is the connection, sha256(bytes) -> bytes)
	python3 - "$1" "$2" <<'EOF'
import hashlib, os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def sha256(b): return hashlib.sha256(b).digest()
for t in ("entry_no_update", "entry_no_delete", "tree_hash_no_update"):
    db.execute("DROP TRIGGER IF EXISTS " + t)
exec(sys.argv[2])
db.commit()
EOF
}
# copy_log NAME [FROM]: a copy of the database FROM (default: the one being
# served) with its key
copy_log() {
	sqlite3 "${2:-$DB}" ".backup '$T/$1.db'" && cp "$KEY" "$T/$1.key"
}
use_db() { DB=$1; } # start_server serves $DB (key beside it)

start_server || bail "server starts"

# --- a clean history, audited as it grows ---
audit "$T/a.state"
if [ "$rc" -eq 0 ] && [ "$(state_size "$T/a.state")" = 0 ] &&
	[[ "$errout" == *"trusting the log on first use"* ]]; then
	ok "first run on the empty log: trust on first use, said on stderr"
else nok "first run on the empty log" "exit $rc" "$out" "$errout"; fi
check "state is JSON with the documented fields" jq -e \
	'.format == "envelog-audit-state/v1" and .size == 0 and (.frontier == [])
	 and .chain_hash == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" and
	 (.checkpoint | startswith("test.example/log\n0\n"))' "$T/a.state"

total=0 good=1 steps=""
for k in 5 1203 1 40; do
	post_events "POST $k events" "$(events $k s$total)"
	total=$((total + k))
	audit "$T/a.state"
	{ [ "$rc" -eq 0 ] && [ "$(state_size "$T/a.state")" = "$total" ] &&
		[[ "$out" == "ok: test.example/log size "*" -> $total: $k entries checked"* ]]; } ||
		{ good=0; steps="$steps [$k: exit $rc $out $errout]"; }
	if [ "$total" = 5 ]; then
		cp "$T/a.state" "$T/a5.state" && copy_log snap5
		# The purge horizon (by commit time) after these five events.
		sleep 1.1
		HORIZON=$(date -u +%Y-%m-%dT%H:%M:%SZ)
		sleep 1.1
	fi
done
check "four growth steps (one across pages of 1000) audited, state advances $steps" test "$good" = 1
check "state keeps O(log n) frontier hashes" jq -e --argjson t $total \
	'.size == $t and (.frontier | length) == ([range(0;20) as $i | select(((($t / pow(2;$i)) | floor) % 2) == 1)] | length)' "$T/a.state"

# Public entries: a purge of the first five events is checked and
# reported.
post_events "POST 3 old events" "[$(event 1577836800000),$(event 1577836800001),$(event 1577836800002)]"
pout=$("$EL" purge --db "$DB" --before "$HORIZON" 2>&1)
check "purge appends a purge entry" grep -q "purged 5 events through seq 4" <<<"$pout"
PURGE_SEQ=$((total + 3))
post_events "POST after the purge" "$(events 6 ap)"
total=$((total + 10))
audit "$T/a.state" --json
if [ "$rc" -eq 0 ] && jq -e --argjson t $total --argjson p $PURGE_SEQ \
	'.ok and .new_size == $t and .entries_checked == 10 and .purges == 1 and
	 .disclosures == 0 and .refusals == 0 and .public_entries[0].seq == $p and
	 .public_entries[0].entry.kind == "purge" and .public_entries[0].entry.events == 5' \
	<<<"$out" >/dev/null; then
	ok "purge entry's leaf hash recomputed; --json summary counts it"
else nok "purge entry audited" "exit $rc" "$out" "$errout"; fi
audit "$T/a.state"
check "a run with nothing new: 0 entries checked" test "$rc" = 0 -a \
	"${out#"ok: test.example/log size $total -> $total: 0 entries checked"}" != "$out"
check "totals in the state" jq -e --argjson t $total \
	'.totals == {"entries":$t,"disclosures":0,"refusals":0,"purges":1}' "$T/a.state"

# A second auditor, from scratch, and compare.
audit "$T/b.state"
check "second auditor's first run over the whole history" test "$rc" = 0
"$EL" audit compare "$T/a.state" "$T/b.state" >"$T/cmp" 2>&1
cmp_rc=$?
check "compare: same size, same root -> exit 0" test "$cmp_rc" = 0
"$EL" audit compare "$T/a5.state" "$T/a.state" --url "$URL" >"$T/cmp" 2>&1
cmp_rc=$?
if [ "$cmp_rc" = 0 ] && grep -q "consistency proof verified" "$T/cmp"; then
	ok "compare: older state is a prefix of the newer, proved"
else nok "compare older/newer" "exit $cmp_rc" "$(cat "$T/cmp")"; fi
"$EL" audit compare "$T/a5.state" "$T/a.state" >/dev/null 2>&1
check "compare: different sizes without --url is a usage error" test $? = 2

# Witness key for cosignatures; the endpoint may not exist yet.
wvk=$("$EL" witness keygen w1.example --out "$T/w1.key" 2>"$T/wk.err")
check "witness keygen prints a cosignature/v1 verifier key" test "$(
	cut -d+ -f3- <<<"$wvk" | base64 -d 2>/dev/null | head -c1 | od -An -tx1 | tr -d ' ')" = 04
check "witness key file is mode 0600 and a signer key" test "$(stat -c %a "$T/w1.key")" = 600 -a \
	"$(head -c 23 "$T/w1.key")" = "PRIVATE+KEY+w1.example+"
"$EL" witness keygen w1.example --out "$T/w1.key" >/dev/null 2>&1
check "witness keygen does not overwrite a key" test $? = 2
audit "$T/a.state" --cosign "$T/w1.key"
check "--cosign without a token is a usage error" test "$rc" = 2
audit "$T/a.state" --cosign "$KEY" --token x
check "--cosign with a log (not witness) key is a usage error" test "$rc" = 2

# Network errors: exit 2, state unchanged.
stop_server
before=$(sum "$T/a.state")
audit "$T/a.state"
check "no server: exit 2" test "$rc" = 2
check "no server: state file unchanged" test "$(sum "$T/a.state")" = "$before"
audit "$T/a.state" --json
check "no server, --json: exit 2 and a network result" test "$rc" = 2 -a \
	"$(jq -r .check <<<"$out" 2>/dev/null)" = network
"$EL" audit --url "http://127.0.0.1:1" --vkey "$VKEY" --state "$T/new.state" >/dev/null 2>&1
check "no server on first run: exit 2, no state file created" test $? = 2 -a ! -e "$T/new.state"

N=$total
copy_log clean
A5=$(sum "$T/a5.state")

# --- tampered databases ---
# Event at seq 7: its chain value replaced.
copy_log chain "$T/clean.db"
tamper "$T/chain.db" 'db.execute("UPDATE entry SET chain_hash = zeroblob(32) WHERE seq = 7")'
use_db "$T/chain.db"; start_server || bail "server on chain.db"
cp "$T/a5.state" "$T/t.state"
differ=1 # chain values are not in the tiles
audit "$T/t.state"
expect_fail "altered chain value: named by seq (incremental run)" chain 7 ok
check "failed audit leaves the state unchanged" test "$(sum "$T/t.state")" = "$A5"
check "... the tiles run computed the clean log's chain value into its state" \
	test "$(jq -r .chain_hash "$T/t.state.tiles")" = "$(jq -r .chain_hash "$T/a.state")"
audit "$T/fresh1.state"
expect_fail "altered chain value: named by seq (first run)" chain 7 ok
check "failed first run writes no state" test ! -e "$T/fresh1.state"
unset differ
stop_server

# The purge entry's data changed, hashes kept.
copy_log pdata "$T/clean.db"
tamper "$T/pdata.db" "db.execute(\"UPDATE entry SET data = replace(data, '\\\"events\\\":5', '\\\"events\\\":2') WHERE seq = $PURGE_SEQ\")"
use_db "$T/pdata.db"; start_server || bail "server on pdata.db"
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
expect_fail "altered public entry: its leaf hash no longer matches" leaf_hash "$PURGE_SEQ"
stop_server

# R2: no entry passes for an event unless its data is a commitment.  A purge
# entry whose kind column says "event" is named as what it is.
copy_log pkind "$T/clean.db"
tamper "$T/pkind.db" "db.execute('UPDATE entry SET kind = 0 WHERE seq = $PURGE_SEQ')"
use_db "$T/pkind.db"; start_server || bail "server on pkind.db"
cp "$T/a5.state" "$T/t.state"
differ=1 # the kind column is not in the tiles: a leaf's kind is its data's
audit "$T/t.state"
expect_fail "a purge entry listed as an event: named by its own data" entry "$PURGE_SEQ" ok
check "the message says what the data is" grep -q "its data says purge" <<<"$out"
unset differ
stop_server
# An event served with anything but its commitment (here its private
# record, with a matching leaf hash and chain) is refused.
copy_log erec "$T/clean.db"
REC600=$("$B"/tests/tools/records "$T/erec.db" 600) || bail "record 600"
export REC600
tamper "$T/erec.db" "
K = 600
rows = db.execute('SELECT seq, leaf_hash FROM entry ORDER BY seq').fetchall()
prev = bytes(32)
for seq, lh in rows:
    if seq == K:
        rec = os.environ['REC600'].encode()
        lh = sha256(b'\\x00' + rec)
        db.execute('UPDATE entry SET data = ? WHERE seq = ?', (rec, K))
    prev = sha256(prev + bytes(lh))
    db.execute('UPDATE entry SET leaf_hash = ?, chain_hash = ? WHERE seq = ?', (lh, prev, seq))"
use_db "$T/erec.db"; start_server || bail "server on erec.db"
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
expect_fail "an event whose public data is not its commitment is refused" entry 600
check "the message says it is not a commitment" grep -q "commitment" <<<"$out"
stop_server

# The purge entry's data and leaf hash changed together.
copy_log pleaf "$T/clean.db"
tamper "$T/pleaf.db" "
d = db.execute('SELECT data FROM entry WHERE seq = $PURGE_SEQ').fetchone()[0]
d = (d if isinstance(d, str) else d.decode()).replace('\"events\":5', '\"events\":1')
db.execute('UPDATE entry SET data = ?, leaf_hash = ? WHERE seq = $PURGE_SEQ', (d, sha256(b'\\x00' + d.encode())))"
# The purge entry is among the last leaves: the tree nodes over it of
# levels 1 to 3 are not stored but hashed up from the leaf hashes, so the
# changed leaf hash changes the root of the latest checkpoint, and envelogd
# refuses the log before any auditor asks.
use_db "$T/pleaf.db"
: >"$T/server.log"
if start_server 2>/dev/null; then
	nok "altered public entry and leaf hash: envelogd refuses the log" "it started"
	stop_server
else
	check "altered public entry and leaf hash: envelogd refuses the log" \
		grep -q "refusing to start: the database's latest checkpoint does not match its log" "$T/server.log"
fi

# R2: an event's leaf hash changed (every later chain value recomputed) no
# longer matches its public commitment: the leaf check names it.
copy_log releaf "$T/clean.db"
tamper "$T/releaf.db" "
K = 600
rows = db.execute('SELECT seq, leaf_hash FROM entry ORDER BY seq').fetchall()
prev = bytes(32)
for seq, lh in rows:
    if seq == K: lh = sha256(b'forged')
    prev = sha256(prev + bytes(lh))
    db.execute('UPDATE entry SET leaf_hash = ?, chain_hash = ? WHERE seq = ?', (lh, prev, seq))"
use_db "$T/releaf.db"; start_server || bail "server on releaf.db"
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
expect_fail "an event's leaf hash rewritten: recomputed from its commitment, the leaf check names the seq" leaf_hash 600
stop_server

# An event's commitment and leaf hash changed together and every later chain
# value recomputed: only the tree (whose hashes are stored apart) and the
# checkpoint give it away.
copy_log rechain "$T/clean.db"
tamper "$T/rechain.db" "
import base64
K = 600
forged = ('{\"commitment\":\"' + base64.b64encode(sha256(b'forged')).decode() + '\",\"kind\":\"event\"}').encode()
rows = db.execute('SELECT seq, leaf_hash FROM entry ORDER BY seq').fetchall()
prev = bytes(32)
for seq, lh in rows:
    if seq == K:
        lh = sha256(b'\\x00' + forged)
        db.execute('UPDATE entry SET data = ? WHERE seq = ?', (forged, seq))
    prev = sha256(prev + bytes(lh))
    db.execute('UPDATE entry SET leaf_hash = ?, chain_hash = ? WHERE seq = ?', (lh, prev, seq))"
use_db "$T/rechain.db"; start_server || bail "server on rechain.db"
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
# Over tiles, nodes below level 8 are folded from the level-0 tile, which
# holds the changed leaf hash: the check names the tile's leaves.
# Over the API, proofs hold up to the start of seq 600's block of 16 leaves
# (592): the nodes of levels 1 to 3 over it are hashed up from the served
# leaf hashes, so the check names the block.
expect_fail "commitment, leaf hash and later chain rewritten: tree root check names the block of the seq" tree_root 592 \
	"FAILED tree_root: the leaves served for seq 512..767 "
check "... naming the leaves 592..607" grep -q "a leaf hash served for seq 592..607 is not the one in the tree" <<<"$out"
stop_server

# Stored tree hashes overwritten under the running server (envelogd
# refuses to start on a tree that does not match its last checkpoint).
copy_log tree "$T/clean.db"
use_db "$T/tree.db"; start_server || bail "server on tree.db"
tamper "$T/tree.db" 'db.execute("UPDATE tree_hash SET hash = zeroblob(32)")' 
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
if [ "$rc" -eq 1 ] && [[ "$out" == "FAILED "* ]] && [ "$trc" -eq 1 ] && [[ "$tout" == "FAILED "* ]]; then
	ok "altered tree hashes: audit fails (over the API and over tiles)"
else nok "altered tree hashes: audit fails" "exit $rc $trc" "$out" "$tout"; fi
check "... and leaves the state unchanged" test "$(sum "$T/t.state")" = "$A5"
stop_server

# --- another key, same origin ---
"$EL" init --db "$T/other.db" --origin test.example/log >/dev/null 2>&1
OTHER_INGEST=$("$EL" token add --db "$T/other.db" --role ingest 2>/dev/null)
use_db "$T/other.db"; start_server || bail "server on other.db"
AUTH=(-H "Authorization: Bearer $OTHER_INGEST")
post_events "POST to the other log" "$(events 3 o)"
cp "$T/a.state" "$T/t.state"
audit "$T/t.state"
expect_fail "a log signed with another key is refused" signature -
check "... with the served checkpoint as evidence" grep -q "checkpoint served now" <<<"$out"
stop_server
AUTH=(-H "Authorization: Bearer $INGEST")

# --- rollback and forks: the server restarted on the copy at size 5 ---
use_db "$T/snap5.db"; start_server || bail "server on snap5.db"
cp "$T/a.state" "$T/t.state"
audit "$T/t.state"
expect_fail "rolled back log: exit 1" rollback -
if grep -q "^last verified checkpoint" <<<"$out" &&
	grep -q "^checkpoint served now" <<<"$out" &&
	grep -q "^$N\$" <<<"$out" && grep -q "^5\$" <<<"$out"; then
	ok "rollback: both signed checkpoints printed (sizes $N and 5)"
else nok "rollback evidence" "$out"; fi
check "rollback: state unchanged" cmp -s "$T/t.state" "$T/a.state"
audit "$T/t.state" --json
check "rollback --json: check, both checkpoints" jq -e \
	'.ok == false and .check == "rollback" and (.state_checkpoint | type == "string")
	 and (.served_checkpoint | type == "string")' <<<"$out"
# Different events up to the same size: same size, other root.
post_events "POST other history up to size $N" "$(events $((N - 5)) fork)"
audit "$T/t.state"
expect_fail "forked log at the same size: exit 1" fork -
check "fork: both checkpoints printed" test "$(grep -c '^— test.example/log ' <<<"$out")" = 2
audit "$T/f.state"
check "an auditor of the forked log alone sees nothing wrong" test "$rc" = 0
"$EL" audit compare "$T/a.state" "$T/f.state" >"$T/cmp" 2>&1
cmp_rc=$?
if [ "$cmp_rc" = 1 ] && grep -q "^FAILED fork" "$T/cmp" &&
	[ "$(grep -c '^— test.example/log ' "$T/cmp")" = 2 ]; then
	ok "compare: forked states at the same size -> exit 1 with both checkpoints"
else nok "compare forked same size" "exit $cmp_rc" "$(cat "$T/cmp")"; fi
post_events "POST more on the fork" "$(events 9 fork2)"
audit "$T/t.state"
expect_fail "forked log grown past the state: consistency proof fails" consistency -
check "consistency failure: both checkpoints printed" test "$(grep -c '^— test.example/log ' <<<"$out")" = 2
audit "$T/f.state"
check "fork auditor advances on its own log" test "$rc" = 0
"$EL" audit compare "$T/a.state" "$T/f.state" --url "$URL" --json >"$T/cmp" 2>&1
cmp_rc=$?
check "compare: forked states of different sizes -> exit 1, evidence in JSON" \
	test "$cmp_rc" = 1 -a "$(jq -r '.check + " " + (.checkpoint_a | split("\n")[1]) + " " + (.checkpoint_b | split("\n")[1])' "$T/cmp" 2>/dev/null)" = "consistency $N $((N + 9))"
stop_server

# --- the clean copy again: the first auditor still agrees ---
use_db "$T/clean.db"; start_server || bail "server on clean.db"
post_events "POST after restart" "$(events 2 r)"
audit "$T/a.state"
check "clean log after restart: audit passes again" test "$rc" = 0
"$EL" audit compare "$T/b.state" "$T/a.state" --url "$URL" >/dev/null 2>&1
check "compare: consistent states of different sizes -> exit 0" test $? = 0
# --follow: stops at the first failure; here it keeps going, so stop it.
# follow_until JQ: a bounded wait until --follow's reports so far (jq -s)
# satisfy JQ.
follow_until() {
	for _ in $(seq 1 600); do
		jq -se "$1" "$T/follow" >/dev/null 2>&1 && return 0
		kill -0 "$fpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
"$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/a.state" --follow 1 --json >"$T/follow" 2>&1 &
fpid=$!
# the events arrive after its first audit, so that a later one sees them
follow_until 'length >= 1'
post_events "POST during --follow" "$(events 4 fl)"
follow_until 'length >= 2 and (map(.entries_checked) | add) >= 4'
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null
check "--follow audits repeatedly and sees new entries" jq -se \
	'length >= 2 and all(.ok) and (map(.entries_checked) | add) == 4' "$T/follow"
check "every audit above: the API and tiles runs agree (exit, state) ${disagree:0:1500}" test -z "$disagree"

# --- requests, counted by the server ---
# hits PREFIX: requests the server answered on routes starting with PREFIX
hits() {
	metrics_settled "$T/hits"
	awk -v p="envelog_http_requests_total{route=\"$1" \
		'index($0, p) == 1 { s += $NF } END { print s + 0 }' "$T/hits"
}
# counted ARGS…: a first audit of the whole log; $used_tiles, $used_v1 (the
# server's counts, less the /metrics reads themselves), $said (the audit's)
counted() {
	local t0 v0
	rm -f "$T/c.state"
	t0=$(hits /tlog/) v0=$(hits /v1/)
	out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/c.state" --json "$@" 2>/dev/null)
	rc=$?
	used_tiles=$(($(hits /tlog/) - t0)) used_v1=$(($(hits /v1/) - v0))
	said=$(jq -r '.read + " " + (.requests | tostring)' <<<"$out" 2>/dev/null)
}
SIZE=$(curl -s "$URL/v1/checkpoint" | sed -n 2p)
counted
check "whole log ($SIZE leaves) over tiles: only /tlog/ requests ($used_tiles), none to /v1/" \
	test "$rc" = 0 -a "$used_v1" = 0 -a "$used_tiles" -gt 0 -a "$said" = "tiles $used_tiles"
check "... one entry bundle and one level-0 hash tile per 256 leaves, the checkpoint and one upper tile" \
	test "$used_tiles" = $((1 + 2 * ((SIZE + 255) / 256) + 1))
tiles_root=$(jq -r .root "$T/c.state")
counted --no-tiles
check "the same over the API (--no-tiles): only /v1/ requests ($used_v1)" \
	test "$rc" = 0 -a "$used_tiles" = 0 -a "$used_v1" -gt 0 -a "$said" = "api $used_v1"
check "... and the same root" test "$(jq -r .root "$T/c.state")" = "$tiles_root"
echo "# requests for a first audit of $SIZE leaves: tiles $((1 + 2 * ((SIZE + 255) / 256) + 1)), API $used_v1"
cp "$T/c.state" "$T/c0.state"
post_events "POST 3 more" "$(events 3 cnt)"
t0=$(hits /tlog/) v0=$(hits /v1/)
out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/c.state" 2>&1)
check "an incremental audit over tiles: ok, no /v1/ request, $(($(hits /tlog/) - t0)) tile requests" \
	test $? = 0 -a "$(($(hits /v1/) - v0))" = 0 -a "$(($(hits /tlog/) - t0))" -gt 1

# --- a log without tiles: a proxy that answers 404 under /tlog/ ---
cat >"$T/notiles.py" <<'PY'
import http.server, sys, urllib.request, urllib.error
up = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[3], "a") as f:
            f.write(self.path + "\n")
        if self.path.startswith("/tlog/"):
            status, body = 404, b'{"error":{"code":"not_found","message":"no tiles"}}'
        else:
            try:
                with urllib.request.urlopen(up + self.path, timeout=20) as r:
                    status, body = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, body = e.code, e.read()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PPORT=$(free_port)
python3 "$T/notiles.py" "$PPORT" "$URL" "$T/proxy.log" &
PPID_=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PPORT/v1/checkpoint" && break; sleep 0.05; done
: >"$T/proxy.log"
cp "$T/c0.state" "$T/p.state"
out=$("$EL" audit --url "http://127.0.0.1:$PPORT" --vkey "$VKEY" --state "$T/p.state" --json 2>"$T/p.err")
rc=$?
check "a log without tiles: the audit falls back to /v1/ and passes" \
	test "$rc" = 0 -a "$(jq -r .read <<<"$out")" = api
check "... after one 404 on /tlog/checkpoint, and no other /tlog/ request" \
	test "$(grep -c '^/tlog/' "$T/proxy.log")" = 1 -a "$(head -1 "$T/proxy.log")" = /tlog/checkpoint
check "... reaching the state the tiles run reached" \
	cmp -s <(jq -S 'del(.updated)' "$T/p.state") <(jq -S 'del(.updated)' "$T/c.state")
"$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/p2.state" --tiles "http://127.0.0.1:$PPORT/tlog" >/dev/null 2>&1
check "--tiles where there are none: exit 2 (no fallback when tiles are asked for)" test $? = 2
kill "$PPID_" 2>/dev/null; wait "$PPID_" 2>/dev/null

# --- tiles from a static copy (envelog tiles export) ---
mkdir -p "$T/www"
"$EL" tiles export --db "$DB" --out "$T/www/tlog" >/dev/null 2>&1 || nok "tiles export"
SPORT=$(free_port)
python3 -m http.server "$SPORT" --bind 127.0.0.1 --directory "$T/www" >"$T/static.log" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$SPORT/tlog/checkpoint" && break; sleep 0.05; done
t0=$(hits /tlog/) v0=$(hits /v1/)
cp "$T/c0.state" "$T/s.state"
out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/s.state" --tiles "http://127.0.0.1:$SPORT/tlog" 2>&1)
rc=$?
check "--tiles URL (a static copy): ok, read from tiles" test "$rc" = 0 -a "${out%%$'\n'*}" != "${out%%requests (tiles)*}"
check "... not one request to the log itself" test "$(($(hits /tlog/) - t0 + $(hits /v1/) - v0))" = 0
check "... the same state as over the log's own tiles" \
	cmp -s <(jq -S 'del(.updated)' "$T/s.state") <(jq -S 'del(.updated)' "$T/c.state")
# The copy lags behind the log: its old partial tiles are gone once full.
post_events "POST 300 more" "$(events 300 cdn)"
"$EL" tiles export --db "$DB" --out "$T/www/tlog" >/dev/null 2>&1
out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/s.state" --tiles "http://127.0.0.1:$SPORT/tlog" 2>&1)
check "after growth and a new export: ok ($out)" test $? = 0 -a "$(jq -r .size "$T/s.state")" = $((SIZE + 303))
# A cache still serving that checkpoint after the next export: its partial
# tiles are gone once full, and are read from the full tiles.
cp "$T/www/tlog/checkpoint" "$T/old.cp"
post_events "POST 300 more" "$(events 300 cdn2)"
"$EL" tiles export --db "$DB" --out "$T/www/tlog" >/dev/null 2>&1
cp "$T/old.cp" "$T/www/tlog/checkpoint"
cp "$T/c0.state" "$T/s2.state"
: >"$T/static.log"
out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/s2.state" --tiles "http://127.0.0.1:$SPORT/tlog" 2>&1)
check "a checkpoint older than the tiles: ok, partial tiles read from the full ones" \
	test $? = 0 -a "$(jq -r .size "$T/s2.state")" = $((SIZE + 303)) -a \
	"$(grep -c 'GET /tlog/tile/entries/006.p/32 HTTP/1.1" 404' "$T/static.log")" = 1 -a \
	"$(grep -c 'GET /tlog/tile/entries/006 HTTP/1.1" 200' "$T/static.log")" = 1
"$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/s.state" --tiles "http://127.0.0.1:$SPORT/tlog" --no-tiles >/dev/null 2>&1
check "--tiles with --no-tiles: usage, exit 2" test $? = 2
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
stop_server

# --- HTTPS with --cacert ---
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/tls.key" -out "$T/tls.crt" -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	SCHEME=https CURL_TLS=(--cacert "$T/tls.crt")
	if start_server --tls-cert "$T/tls.crt" --tls-key "$T/tls.key"; then
		audit "$T/a.state" --cacert "$T/tls.crt"
		check "https with --cacert: audit passes" test "$rc" = 0 -a "${URL:0:8}" = https://
		audit "$T/a.state"
		check "https without the CA: exit 2" test "$rc" = 2
		stop_server
	else
		nok "server starts with TLS"
	fi
	SCHEME=http CURL_TLS=()
else
	skip "audit over https" "openssl cannot make a test certificate"
fi
use_db "$ORIG_DB"

finish
