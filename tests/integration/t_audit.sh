#!/usr/bin/env bash
# envelog audit against a real envelogd: a clean history audited step by
# step; servers whose database was altered behind the triggers' back, that
# sign with another key, or that were rolled back or forked; audit compare
# on consistent and forked states; network errors leave the state alone;
# witness keygen.
. "$(dirname "$0")/lib.sh"
EL=$B/envelog
ORIG_DB=$DB

# audit STATE [ARGS…] -> $out (stdout), $errout (stderr), $rc
audit() {
	local st=$1; shift
	out=$("$EL" audit --url "$URL" --vkey "$VKEY" --state "$st" "$@" 2>"$T/audit.err")
	rc=$?
	errout=$(cat "$T/audit.err")
}
state_size() { jq -r .size "$1"; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
# expect_fail DESC CHECK SEQ|- : exit 1 and "FAILED CHECK at seq SEQ"
expect_fail() {
	local want="FAILED $2"
	[ "$3" != - ] && want="$want at seq $3:"
	if [ "$rc" -eq 1 ] && [[ "$out" == "$want"* ]]; then ok "$1"
	else nok "$1" "exit $rc, want 1 and '$want'" "${out:0:400}" "${errout:0:300}"; fi
}
# Run SQL (python3's sqlite3: also has sha256) on a stopped copy.
tamper() { # DB PYTHON-BODY (db is the connection, sha256(bytes) -> bytes)
	python3 - "$1" "$2" <<'EOF'
import hashlib, sqlite3, sys
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
audit "$T/t.state"
expect_fail "altered chain value: named by seq (incremental run)" chain 7
check "failed audit leaves the state unchanged" test "$(sum "$T/t.state")" = "$A5"
audit "$T/fresh1.state"
expect_fail "altered chain value: named by seq (first run)" chain 7
check "failed first run writes no state" test ! -e "$T/fresh1.state"
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
audit "$T/t.state"
expect_fail "a purge entry listed as an event: named by its own data" entry "$PURGE_SEQ"
check "the message says what the data is" grep -q "its data says purge" <<<"$out"
stop_server
# An event served with anything but its commitment (here its private
# record, with a matching leaf hash and chain) is refused.
copy_log erec "$T/clean.db"
tamper "$T/erec.db" "
K = 600
rows = db.execute('SELECT seq, leaf_hash FROM entry ORDER BY seq').fetchall()
prev = bytes(32)
for seq, lh in rows:
    if seq == K:
        rec = bytes(db.execute('SELECT data FROM event_data WHERE seq = ?', (K,)).fetchone()[0])
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
use_db "$T/pleaf.db"; start_server || bail "server on pleaf.db"
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
expect_fail "altered public entry and leaf hash: the chain names it" chain "$PURGE_SEQ"
stop_server

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
expect_fail "commitment, leaf hash and later chain rewritten: tree root check names the seq" tree_root 600
stop_server

# Stored tree hashes overwritten under the running server (envelogd
# refuses to start on a tree that does not match its last checkpoint).
copy_log tree "$T/clean.db"
use_db "$T/tree.db"; start_server || bail "server on tree.db"
tamper "$T/tree.db" 'db.execute("UPDATE tree_hash SET hash = zeroblob(32)")' 
cp "$T/a5.state" "$T/t.state"
audit "$T/t.state"
if [ "$rc" -eq 1 ] && [[ "$out" == "FAILED "* ]]; then ok "altered tree hashes: audit fails"
else nok "altered tree hashes: audit fails" "exit $rc" "$out"; fi
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
"$EL" audit --url "$URL" --vkey "$VKEY" --state "$T/a.state" --follow 1 --json >"$T/follow" 2>&1 &
fpid=$!
sleep 0.3
post_events "POST during --follow" "$(events 4 fl)"
sleep 1.8
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null
check "--follow audits repeatedly and sees new entries" jq -se \
	'length >= 2 and all(.ok) and (map(.entries_checked) | add) == 4' "$T/follow"
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
