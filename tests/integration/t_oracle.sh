#!/usr/bin/env bash
# The integration suites' independent oracle (tests/tools/oracle.mjs)
# against the shared vectors: Go's tlog and note output in tlog/, the
# transparency-dev proof cases in merkle/ (every wantErr case must be
# rejected), and proofs, chains and notes mangled here.  Counts, sizes and
# keys come from the vector files (ELOG_VECTORS, default tests/vectors).
set -u
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/integration/tap.sh
V=${ELOG_VECTORS:-tests/vectors}
O=(node tests/tools/oracle.mjs)
command -v node >/dev/null || bail "node is not installed"
[ -f "$V/tlog/tlog-records.json" ] || bail "no vectors in $V"

# batch NAME: run the commands in $T/NAME.in (one per line) through the
# oracle at once; one result line per command in $T/NAME.out.
batch() {
	"${O[@]}" batch <"$T/$1.in" >"$T/$1.out" || bail "oracle batch $1"
	[ "$(wc -l <"$T/$1.in")" = "$(wc -l <"$T/$1.out")" ] || bail "oracle batch $1: one line per command"
}
# all_ok DESC NAME: every command of batch NAME verified.
all_ok() {
	local bad
	bad=$(grep -c '^FAIL' "$T/$2.out")
	if [ "$bad" = 0 ] && [ -s "$T/$2.out" ]; then ok "$1 ($(wc -l <"$T/$2.out"))"
	else nok "$1" "$bad of $(wc -l <"$T/$2.out") failed:" "$(grep -m3 -n '^FAIL' "$T/$2.out")"; fi
}
# all_fail DESC NAME: every command of batch NAME was rejected.
all_fail() {
	local good
	good=$(grep -vc '^FAIL' "$T/$2.out")
	if [ "$good" = 0 ] && [ -s "$T/$2.out" ]; then ok "$1 ($(wc -l <"$T/$2.out") rejected)"
	else nok "$1" "$good of $(wc -l <"$T/$2.out") accepted, lines:" "$(grep -m3 -vn '^FAIL' "$T/$2.out")"; fi
}

# ---- merkle/: one line per case, nested folders included ----
find "$V/merkle" -name '*.json' | sort >"$T/cases"
[ -s "$T/cases" ] || bail "no merkle cases in $V/merkle"
tr '\n' '\0' <"$T/cases" | xargs -0 jq -c 'if has("leafIdx") then
	["inclusion", (.leafIdx|tostring), (.treeSize|tostring), .leafHash, .root] + (.proof // [])
else
	["consistency", (.size1|tostring), (.size2|tostring), .root1, .root2] + (.proof // [])
end' >"$T/merkle.in"
tr '\n' '\0' <"$T/cases" | xargs -0 jq -r '.wantErr == true' >"$T/want"
batch merkle
[ "$(wc -l <"$T/want")" = "$(wc -l <"$T/cases")" ] || bail "one wantErr per merkle case"
paste -d '\t' "$T/cases" "$T/want" "$T/merkle.out" >"$T/merkle.res"
while IFS=$'\t' read -r f want res; do
	name=${f#"$V/merkle/"}
	if [ "$want" = true ]; then
		if [[ "$res" == FAIL* ]]; then ok "merkle $name: rejected"
		else nok "merkle $name: must be rejected" "$res"; fi
	else
		if [ "$res" = ok ]; then ok "merkle $name: verifies"
		else nok "merkle $name: must verify" "$res"; fi
	fi
done <"$T/merkle.res"

# ---- tlog/: leaf hashes, roots, proofs ----
jq -j '.[] | .data, "\u0000"' "$V/tlog/tlog-records.json" |
	awk -v d="$T/rec" 'BEGIN { RS = "\0"; n = 0 } { printf "%s", $0 > (d "." n); close(d "." n); n++ }'
jq -r 'keys[] as $i | "leaf '"$T"'/rec.\($i)"' "$V/tlog/tlog-records.json" >"$T/leaf.in"
batch leaf
check "every record's leaf hash recomputes from its data" \
	test "$(cat "$T/leaf.out")" = "$(jq -r '.[].leaf_hash' "$V/tlog/tlog-records.json")"
jq -r '.[].leaf_hash' "$V/tlog/tlog-records.json" >"$T/leaves"
jq -r 'keys[] | tonumber' "$V/tlog/tlog-roots.json" | sort -n >"$T/sizes"
sed "s|^|leaves $T/leaves |" "$T/sizes" >"$T/roots.in"
batch roots
check "the root of every size from 0 up recomputes from the leaf hashes" \
	test "$(cat "$T/roots.out")" = "$(jq -r 'to_entries | sort_by(.key | tonumber)[] | "\(.key) \(.value)"' "$V/tlog/tlog-roots.json")"

inc='.[] | ["inclusion", (.index|tostring), (.size|tostring), .leaf_hash, .root] + .proof'
jq -c "$inc" "$V/tlog/tlog-inclusion.json" >"$T/inc.in"
batch inc
all_ok "every tlog inclusion proof verifies" inc
other=$(jq -r '."1"' "$V/tlog/tlog-roots.json")
mangle() { # NAME JQ-FILTER on each command array (elements: cmd a b c d proof…)
	jq -c "$2" "$T/$3.in" >"$T/$1.in"
	batch "$1"
}
mangle inc_idx '.[1] = ((.[1]|tonumber) + 1 | tostring)' inc
all_fail "inclusion proofs for the next index are rejected" inc_idx
mangle inc_root '.[4] = "'"$other"'" | select(.[4] != .[3] or .[2] != "1")' inc
all_fail "inclusion proofs against another root are rejected" inc_root
mangle inc_leaf 'select(.[2] != "1") | .[3] = .[4]' inc
all_fail "inclusion proofs of another leaf (the root itself) are rejected" inc_leaf
mangle inc_drop 'select(length > 5) | del(.[-1])' inc
all_fail "inclusion proofs with the last hash removed are rejected" inc_drop
mangle inc_add '. + [.[3]]' inc
all_fail "inclusion proofs with a hash appended are rejected" inc_add
mangle inc_flip 'select(length > 5) | .[5] |= (if startswith("A") then "B" else "A" end) + .[1:]' inc
all_fail "inclusion proofs with a changed hash are rejected" inc_flip
mangle inc_size '.[2] = .[1]' inc
all_fail "inclusion proofs for an index not below the size are rejected" inc_size

con='.[] | ["consistency", (.old|tostring), (.new|tostring), .old_root, .new_root] + .proof'
jq -c "$con" "$V/tlog/tlog-consistency.json" >"$T/con.in"
batch con
all_ok "every tlog consistency proof verifies" con
mangle con_swap 'select(.[3] != .[4]) | .[3] as $a | .[3] = .[4] | .[4] = $a' con
all_fail "consistency proofs with the roots swapped are rejected" con_swap
mangle con_new 'select(.[4] != "'"$other"'") | .[4] = "'"$other"'"' con
all_fail "consistency proofs against another new root are rejected" con_new
mangle con_drop 'select(length > 5) | del(.[-1])' con
all_fail "consistency proofs with the last hash removed are rejected" con_drop
mangle con_add '. + [.[3]]' con
all_fail "consistency proofs with a hash appended are rejected" con_add
mangle con_flip 'select(length > 5) | .[5] |= (if startswith("A") then "B" else "A" end) + .[1:]' con
all_fail "consistency proofs with a changed hash are rejected" con_flip
mangle con_zero '.[1] = "0"' con
all_fail "consistency proofs from size 0 are rejected" con_zero

# ---- chain values: recomputed here with Python's hashlib ----
head -n 40 "$T/leaves" | python3 -c '
import base64, hashlib, sys
c = bytes(32)
for line in sys.stdin:
    leaf = base64.b64decode(line.strip())
    c = hashlib.sha256(c + leaf).digest()
    print(line.strip(), base64.b64encode(c).decode())' >"$T/chain"
r40=$(jq -r '."40"' "$V/tlog/tlog-roots.json")
check "leaves with their chain values give size and root" \
	test "$("${O[@]}" leaves <"$T/chain")" = "40 $r40"
awk 'NR == 17 { $2 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' "$T/chain" >"$T/chain.bad"
"${O[@]}" leaves <"$T/chain.bad" >/dev/null 2>&1
check "a wrong chain value is rejected (exit 1)" test $? = 1
awk 'NR == 5 { t = $1; next } NR == 6 { print; print t " " p; next } { p = $2; print }' "$T/chain" >"$T/chain.swap"
"${O[@]}" leaves <"$T/chain.swap" >/dev/null 2>&1
check "swapped leaves are rejected by the chain (exit 1)" test $? = 1

# ---- signed notes: checkpoints and warrants ----
N=$V/tlog/notes.json
LVK=$(jq -r .log_verifier_key "$N")
AVK=$(jq -r .authority_verifier_key "$N")
: >"$T/cp.in"
: >"$T/cpwant"
for ((i = 0; i < $(jq '.checkpoints | length' "$N"); i++)); do
	jq -j ".checkpoints[$i].signed_note" "$N" >"$T/cp.$i"
	echo "checkpoint $LVK $T/cp.$i" >>"$T/cp.in"
	jq -r ".checkpoints[$i].text | split(\"\n\") | \"\(.[1]) \(.[2])\"" "$N" >>"$T/cpwant"
	# the body changed (size + 1), the signature kept
	jq -j ".checkpoints[$i].signed_note | split(\"\n\") | .[1] |= (tonumber + 1 | tostring) | join(\"\n\")" "$N" >"$T/cpsize.$i"
	echo "checkpoint $LVK $T/cpsize.$i" >>"$T/cpbad.in"
	# one signature character changed, the body kept
	jq -j ".checkpoints[$i].signed_note" "$N" |
		python3 -c 'import sys; s = sys.stdin.read(); i = len(s) - 20; sys.stdout.write(s[:i] + ("B" if s[i] == "A" else "A") + s[i + 1:])' >"$T/cpsig.$i"
	echo "checkpoint $LVK $T/cpsig.$i" >>"$T/cpbad.in"
	echo "checkpoint $AVK $T/cp.$i" >>"$T/cpbad.in"
done
batch cp
check "every vector checkpoint verifies with the log key and gives its size and root" \
	test "$(cat "$T/cp.out")" = "$(cat "$T/cpwant")"
batch cpbad
all_fail "checkpoints with a changed size, a changed signature or the wrong key are rejected" cpbad
jq -j .warrant_signed "$N" >"$T/w"
check "the signed warrant verifies with the authority key and gives its text" \
	test "$("${O[@]}" note "$AVK" "$T/w")" = "$(jq -r .warrant_text "$N" | sed '$d')"
jq -j .warrant_forged_same_name_other_key "$N" >"$T/wf"
"${O[@]}" note "$AVK" "$T/wf" >/dev/null 2>&1
check "a warrant signed by another key under the same name is rejected (exit 1)" test $? = 1
jq -j .warrant_tampered_after_signing "$N" >"$T/wt"
"${O[@]}" note "$AVK" "$T/wt" >/dev/null 2>&1
check "a warrant altered after signing is rejected (exit 1)" test $? = 1
"${O[@]}" checkpoint "$LVK" "$T/w" >/dev/null 2>&1
check "a warrant is not a checkpoint of the log (exit 1)" test $? = 1
"${O[@]}" inclusion x 1 "$LVK" >/dev/null 2>&1
check "bad usage exits 2" test $? = 2

finish
