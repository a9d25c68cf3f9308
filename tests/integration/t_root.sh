#!/usr/bin/env bash
# A root log (envelogd --shards) over three shard envelogd on loopback:
# shard_add entries from the file; each shard's checkpoint recorded once it
# grows (a shard entry whose signature the oracle checks with the shard's
# key); GET /v1/shards; envelog verify and audit pass on the root; a shard
# forked (its database replaced by an earlier copy grown with other
# entries) is refused once with reason fork, a shard rolled back once with
# reason rollback, and neither moves what the root recorded while the other
# shards keep being recorded; a checkpoint under another key is no entry;
# events and warrants on the root are 422 root_log and change nothing;
# retire and close through the file and SIGHUP; a witness cosigns the root;
# the root's transparency report is the sum of the shards' (each read with
# its auditor-token), and 502 shard_unavailable when one cannot be read.
# shellcheck disable=SC2317 # the helpers run through check and wait_for
. "$(dirname "$0")/lib.sh"

E=$B/envelog
MKLOG=$B/tests/tools/mklog
[ -x "$MKLOG" ] || bail "$MKLOG is not built"
ROOT_VKEY=$VKEY

declare -a SPID SPORT SURL SVKEY SING SNCA
NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null) || bail "warrant keygen"
# start_shard I [DB]: shard I (its database, or DB) on its port
start_shard() {
	local i=$1 db=${2:-$T/s$1.db}
	SPORT[i]=${SPORT[i]:-$(free_port)}
	SURL[i]=http://127.0.0.1:${SPORT[i]}
	"$B/envelogd" --db "$db" --key "${3:-$T/s$i.key}" --listen "127.0.0.1:${SPORT[i]}" \
		--web "$T/web" 2>>"$T/s$i.log" &
	SPID[i]=$!
	wait_for 20 curl -sf -o /dev/null "${SURL[i]}/healthz"
}
stop_shard() { kill "${SPID[$1]}" 2>/dev/null; wait "${SPID[$1]}" 2>/dev/null; SPID[$1]=; }
declare -a WPID
trap 'for i in 1 2 3; do [ -n "${SPID[i]:-}" ] && stop_shard $i; done
	[ -n "${WPID[1]:-}" ] && kill "${WPID[1]}" 2>/dev/null; cleanup' EXIT

# ingest I N TAG: N events into shard I; echoes nothing, fails on non-201
ingest() {
	events "$2" "$3" >"$T/ev"
	test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer ${SING[$1]}" \
		-H 'Content-Type: application/json' --data-binary "@$T/ev" "${SURL[$1]}/v1/events")" = 201
}
# shard_state I: "SIZE ROOT" of shard I's verified checkpoint
shard_state() {
	curl -s -o "$T/scp" "${SURL[$1]}/v1/checkpoint" && "${ORACLE[@]}" checkpoint "${SVKEY[$1]}" "$T/scp"
}
shards_json() { curl -s "$URL/v1/shards"; }
# latest_is I SIZE: the root's latest recorded size for shard I is SIZE
latest_is() {
	shards_json | jq -e --arg o "shard-$1.example" --argjson n "$2" \
		'.shards[] | select(.origin == $o) | .latest.size == $n' >/dev/null
}
# all_leaves: the root's entries [{seq,kind,entry}] into $T/leaves
all_leaves() {
	local size
	read -r size _ < <(log_state)
	curl -s "$URL/v1/leaves?start=0&end=$size" | jq '[.leaves[] | {seq, kind, entry}]' >"$T/leaves"
}
count_kind() { all_leaves && jq --arg k "$1" --arg o "$2" '[.[] | select(.kind == $k and .entry.origin == $o)] | length' "$T/leaves"; }
refusals_are() { test "$(count_kind shard_refusal "shard-$1.example")" = "$2"; }
# sig_ok VKEY ENTRY: the entry's signature is the shard's over O\nN\nR\n
# (checked by the oracle as a signed note)
sig_ok() {
	jq -r '"\(.origin)\n\(.size)\n\(.root)\n\n— \(.origin) \(.signature)"' <<<"$2" >"$T/note"
	read -r n r < <("${ORACLE[@]}" checkpoint "$1" "$T/note" 2>/dev/null) &&
		test "$n" = "$(jq -r .size <<<"$2")" -a "$r" = "$(jq -r .root <<<"$2")"
}

not() { ! "$@"; }
# the root's envelog_shard_follow_errors_total
follow_errors() { curl -s "$URL/metrics" | awk '$1 == "envelog_shard_follow_errors_total" { print $2 }'; }
errors_above() { [ "$(follow_errors)" -gt "$1" ]; }
registry_is() { test "$(shards_json | jq .registry)" = "$1"; }
state_is() { shards_json | jq -e --arg o "shard-$1.example" --arg s "$2" '.shards[] | select(.origin == $o) | .state == $s' >/dev/null; }
# polls_above I N: shard I has answered more than N GET /v1/checkpoint
polls() { grep -c 'route=/v1/checkpoint ' "$T/s$1.log"; }
polls_above() { [ "$(polls "$1")" -gt "$2" ]; }
snapshot() { sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; cp "$1" "$2"; }

mkdir -p "$T/web"
for i in 1 2 3; do
	SVKEY[i]=$($E init --db "$T/s$i.db" --key "$T/s$i.key" --origin "shard-$i.example" 2>/dev/null) || bail "init shard $i"
	SING[i]=$($E token add --db "$T/s$i.db" --role ingest 2>/dev/null) || bail "token $i"
	$E token add --db "$T/s$i.db" --role auditor >"$T/s$i.tok" 2>/dev/null || bail "auditor token $i"
	chmod 600 "$T/s$i.tok"
	$E authority add --db "$T/s$i.db" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority $i"
	SNCA[i]=$($E token add --db "$T/s$i.db" --role authority --authority uk-nca 2>/dev/null)
	start_shard "$i" || bail "shard $i starts"
done
write_shards() { # STATE2 STATE3
	{
		echo "# the shards of root test.example/log"
		echo "shard shard-1.example ${SURL[1]}/ ${SVKEY[1]} auditor-token=$T/s1.tok"
		echo
		echo "shard shard-2.example ${SURL[2]} ${SVKEY[2]} state=${1:-active} auditor-token=$T/s2.tok"
		echo "shard shard-3.example ${SURL[3]} ${SVKEY[3]} auditor-token=$T/s3.tok state=${2:-active}"
	} >"$T/shards"
}
write_shards

# ---- the shards file is checked ----
bad_file() { # DESC LINE-PATTERN FILE-CONTENT
	printf '%s\n' "$3" >"$T/bad-shards"
	timeout 20 "$B/envelogd" --db "$DB" "${KEY_ARG[@]}" --listen "127.0.0.1:$(free_port)" --shards "$T/bad-shards" 2>"$T/bad.log"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "$2" "$T/bad.log"; then ok "$1"
	else nok "$1" "exit $rc" "$(cat "$T/bad.log")"; fi
}
bad_file "an unknown key is refused, naming the line" "bad-shards:2: unknown key" \
	"# x
shard shard-1.example ${SURL[1]} ${SVKEY[1]} colour=blue"
bad_file "a duplicate origin is refused" "bad-shards:2: duplicate origin" \
	"shard shard-1.example ${SURL[1]} ${SVKEY[1]}
shard shard-1.example ${SURL[2]} ${SVKEY[1]}"
bad_file "a key named after another origin is refused" "bad-shards:1: VKEY's name is not ORIGIN" \
	"shard shard-2.example ${SURL[1]} ${SVKEY[1]}"
bad_file "a malformed line is refused" "bad-shards:1: expected" "shard shard-1.example"
printf 'x\n' >"$T/tok"
chmod 644 "$T/tok"
bad_file "an auditor-token file readable by others is refused" "bad-shards:1: .*chmod 600" \
	"shard shard-1.example ${SURL[1]} ${SVKEY[1]} auditor-token=$T/tok"

# ---- the root: registration and the first checkpoints ----
W1=$($E witness keygen w1.example/witness --out "$T/w1.key" 2>/dev/null) || bail "witness keygen"
$E witness add --db "$DB" w1.example/witness "$W1" >/dev/null 2>&1 || bail "witness add"
WPORT=$(free_port)
$E witness serve --key "$T/w1.key" --state "$T/w1.state" --log "$ROOT_VKEY" \
	--listen "127.0.0.1:$WPORT" 2>>"$T/w1.log" &
WPID[1]=$!
wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$WPORT/" || bail "witness starts"
ROOT_ING=$($E token add --db "$DB" --role ingest 2>/dev/null)
ROOT_AUD=$($E token add --db "$DB" --role auditor 2>/dev/null)
$E authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1
NCA=$($E token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
start_server --shards "$T/shards" --follow-interval 100 \
	--witness "http://127.0.0.1:$WPORT=$W1" || bail "root starts"

for i in 1 2 3; do ingest "$i" $((3 + i)) "a$i" || bail "ingest into shard $i"; done
for i in 1 2 3; do
	read -r n _ < <(shard_state "$i")
	check "the root records shard $i at its size $n" wait_for 30 latest_is "$i" "$n"
done
all_leaves
check "the log starts with one shard_add per shard, in file order, with its key (the refused starts appended nothing)" jq -e \
	--arg v1 "${SVKEY[1]}" --arg v2 "${SVKEY[2]}" --arg v3 "${SVKEY[3]}" \
	'[.[0:3][] | .entry] | map(del(.ts)) == [
	  {kind:"shard_add",origin:"shard-1.example",vkey:$v1},
	  {kind:"shard_add",origin:"shard-2.example",vkey:$v2},
	  {kind:"shard_add",origin:"shard-3.example",vkey:$v3}]' "$T/leaves"
check "every entry of the root is of a root kind" jq -e \
	'all(.[]; .kind | IN("shard_add","shard","shard_refusal","shard_retire","shard_close"))' "$T/leaves"
for i in 1 2 3; do
	read -r n r < <(shard_state "$i")
	e=$(jq -c --arg o "shard-$i.example" --argjson n "$n" '[.[] | select(.kind == "shard" and .entry.origin == $o and .entry.size == $n)] | .[0].entry' "$T/leaves")
	check "shard $i's entry has exactly the pinned members, registry 3" jq -e --arg r "$r" \
		'keys == ["kind","origin","registry","root","signature","size","ts"] and .registry == 3 and .root == $r' <<<"$e"
	check "shard $i's entry carries its own signature over O, N, R" sig_ok "${SVKEY[i]}" "$e"
	check "and not one another shard's key accepts" not sig_ok "${SVKEY[$((i % 3 + 1))]}" "$e"
done
shards_json >"$T/shards.json"
check "GET /v1/shards: origin, size, registry and the three shards" jq -e \
	--arg u1 "${SURL[1]}" --arg v1 "${SVKEY[1]}" \
	'(keys == ["origin","registry","shards","size"]) and .origin == "test.example/log" and .registry == 3 and
	 (.shards | length == 3) and (.shards[0] | .origin == "shard-1.example" and .url == $u1 and
	 .vkey == $v1 and .state == "active" and .registered.seq == 0 and .refusals == 0 and
	 (.latest | keys == ["root","seq","size"]))' "$T/shards.json"
check "its latest seq is the seq of that shard entry" jq -e --slurpfile l "$T/leaves" \
	'all(.shards[]; .latest.seq as $s | .origin as $o | $l[0][] | select(.seq == $s) | .kind == "shard" and .entry.origin == $o)' "$T/shards.json"
read -r rsize _ < <(log_state)
check "its size is the root's" jq -e --argjson n "$rsize" '.size == $n' "$T/shards.json"

check "envelog verify passes on the root" "$E" verify --db "$DB" --vkey "$ROOT_VKEY"
out=$("$E" audit --url "$URL" --vkey "$ROOT_VKEY" --state "$T/audit.state" --json 2>/dev/null); rc=$?
check "envelog audit passes on the root, counting its shard entries" \
	test "$rc" -eq 0 -a "$(jq -r .shard_entries <<<"$out")" = "$(jq length "$T/leaves")"
check "a witness cosigns the root's checkpoint" wait_for 30 bash -c \
	'curl -s "$1/v1/checkpoint" | grep -q "^— w1.example/witness "' _ "$URL"

# ---- the transparency report, summed over the shards ----
# warrant I ID: a warrant for shard I's log, window around now
warrant() {
	printf 'envelog/warrant/v1\nid %s\nauthority uk-nca\nlog shard-%s.example\nsubject +447700900456\nfrom %s\nto %s\nexpires 2099-01-01T00:00:00Z\nbasis test\n' \
		"$2" "$1" "$(date -u -d '-2 days' +%Y-%m-%dT00:00:00Z)" "$(date -u -d '+2 days' +%Y-%m-%dT00:00:00Z)" |
		$E warrant sign --key "$T/nca.key"
}
for i in 1 2 3; do
	warrant "$i" "W-$i" >"$T/w$i.signed"
	check "a lawful request to shard $i is answered" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer ${SNCA[i]}" -H 'Content-Type: text/plain' --data-binary "@$T/w$i.signed" \
		"${SURL[i]}/v1/requests")" = 200
	curl -s -H "Authorization: Bearer $(cat "$T/s$i.tok")" "${SURL[i]}/v1/report" | jq .rows >"$T/r$i.json"
done
jq -s 'add | group_by([.authority, .month]) | map({authority: .[0].authority, month: .[0].month,
	answered: (map(.answered) | add), refused: (map(.refused) | add),
	subjects: (map(.subjects) | add), records: (map(.records) | add)})' "$T"/r[123].json >"$T/sum.json"
check "each shard reports its disclosure" jq -e 'length == 1 and .[0].answered == 3 and .[0].records > 0' "$T/sum.json"
expect_status "the root's report needs its auditor token" 401 GET /v1/report
req GET /v1/report -H "Authorization: Bearer $ROOT_AUD"
check "the root's report is the shards' summed, naming them" jq -e --slurpfile s "$T/sum.json" \
	'.rows == $s[0] and .shards == ["shard-1.example","shard-2.example","shard-3.example"] and .from == null' <<<"$BODY"
req GET "/v1/report?from=2099-01-01" -H "Authorization: Bearer $ROOT_AUD"
check "from and to are passed on to the shards" jq -e '.rows == [] and .from == "2099-01-01"' <<<"$BODY"
stop_shard 2
expect_error "a shard that cannot be read: 502 shard_unavailable" 502 shard_unavailable GET /v1/report \
	-H "Authorization: Bearer $ROOT_AUD"
check "naming it" jq -e '.error.detail == {origin: "shard-2.example"}' <<<"$BODY"
start_shard 2 || bail "shard 2 again"

# ---- events and warrants on the root ----
before=$(log_state)
expect_error "events on the root: 422 root_log" 422 root_log POST /v1/events \
	-H "Authorization: Bearer $ROOT_ING" "${JSON[@]}" --data-binary "[$(event)]"
printf 'envelog/warrant/v1\nid W-1\nauthority uk-nca\nlog test.example/log\nsubject +447700900456\nfrom 2026-03-01T00:00:00Z\nto 2026-03-23T00:00:00Z\nexpires 2099-01-01T00:00:00Z\nbasis test\n' |
	$E warrant sign --key "$T/nca.key" >"$T/w.signed"
expect_error "a warrant on the root: 422 root_log" 422 root_log POST /v1/requests \
	-H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
check "the root is unchanged (size and root)" test "$(log_state)" = "$before"

# ---- a fork of shard 1 ----
# An earlier copy of its database, grown with other entries under its key.
stop_shard 1
snapshot "$T/s1.db" "$T/s1-early.db"
start_shard 1 || bail "shard 1 again"
ingest 1 5 b1 || bail "ingest into shard 1"
read -r n1 r1 < <(shard_state 1)
check "the root records shard 1 at $n1" wait_for 30 latest_is 1 "$n1"
seq1=$(shards_json | jq '.shards[0].latest.seq')
stop_shard 1
cp "$T/s1-early.db" "$T/s1-fork.db"
cp "$T/s1.key" "$T/s1-fork.key"
"$MKLOG" "$T/s1-fork.db" 9 >/dev/null || bail "mklog"
cp "$T/s1-fork.db" "$T/s1.db"
rm -f "$T/s1.key.state" "$T/s1.db-wal" "$T/s1.db-shm"
start_shard 1 || bail "shard 1 on the fork"
read -r fn _ < <(shard_state 1)
check "the forked shard serves a larger tree ($fn > $n1)" test "$fn" -gt "$n1"
check "the root appends a shard_refusal for it" wait_for 30 refusals_are 1 1
ingest 2 2 c2 || bail "ingest into shard 2"
read -r n2 _ < <(shard_state 2)
check "shard 2 keeps being recorded" wait_for 30 latest_is 2 "$n2"
ingest 2 1 d2 || bail "ingest into shard 2"
read -r n2 _ < <(shard_state 2)
check "and again (the root polled shard 1 in between)" wait_for 30 latest_is 2 "$n2"
check "exactly one refusal for the fork" refusals_are 1 1
e=$(jq -c '[.[] | select(.kind == "shard_refusal")] | .[0].entry' "$T/leaves")
check "reason fork, the forked checkpoint's size, exact members" jq -e --argjson n "$fn" \
	'keys == ["kind","origin","reason","root","signature","size","ts"] and .reason == "fork" and .size == $n and .origin == "shard-1.example"' <<<"$e"
check "the refusal carries the shard's own signature on the fork" sig_ok "${SVKEY[1]}" "$e"
check "the root's latest for shard 1 is unchanged" jq -e --argjson s "$seq1" --argjson n "$n1" --arg r "$r1" \
	'.shards[0].latest == {seq:$s,size:$n,root:$r} and .shards[0].refusals == 1' <(shards_json)
check "no shard entry for shard 1 after the fork" jq -e --argjson s "$seq1" \
	'[.[] | select(.kind == "shard" and .entry.origin == "shard-1.example" and .seq > $s)] == []' "$T/leaves"

# ---- a rollback of shard 1 ----
stop_shard 1
cp "$T/s1-early.db" "$T/s1.db"
rm -f "$T/s1.key.state" "$T/s1.db-wal" "$T/s1.db-shm"
start_shard 1 || bail "shard 1 rolled back"
read -r bn _ < <(shard_state 1)
check "the rolled-back shard serves a smaller tree ($bn < $n1)" test "$bn" -lt "$n1"
check "the root appends a second refusal" wait_for 30 refusals_are 1 2
ingest 3 2 c3 || bail "ingest into shard 3"
read -r n3 _ < <(shard_state 3)
check "shard 3 keeps being recorded" wait_for 30 latest_is 3 "$n3"
ingest 3 1 d3 || bail "ingest into shard 3"
read -r n3 _ < <(shard_state 3)
check "and again" wait_for 30 latest_is 3 "$n3"
e=$(jq -c '[.[] | select(.kind == "shard_refusal")] | .[1].entry' "$T/leaves")
check "exactly two refusals; the second: reason rollback at the rolled-back size" jq -e --argjson n "$bn" \
	'.reason == "rollback" and .size == $n' <<<"$e"
check "exactly two refusals in all" refusals_are 1 2
check "the latest for shard 1 is still unchanged" jq -e --argjson s "$seq1" \
	'.shards[0].latest.seq == $s and .shards[0].refusals == 2' <(shards_json)

# ---- a checkpoint under another key: no entry ----
stop_shard 3
$E init --db "$T/s3-other.db" --key "$T/s3-other.key" --origin shard-3.example >/dev/null 2>&1 || bail "init other"
start_shard 3 "$T/s3-other.db" "$T/s3-other.key" || bail "shard 3 under another key"
e0=$(follow_errors)
check "the root counts a follow error for it" wait_for 30 errors_above "$e0"
check "and says so on stderr" wait_for 30 grep -q "shard shard-3.example: a checkpoint that does not verify" "$T/server.log"
before=$(log_state)
ingest 2 1 e2 || bail "ingest into shard 2"
read -r n2 _ < <(shard_state 2)
check "the root goes on with shard 2" wait_for 30 latest_is 2 "$n2"
check "but appended nothing for shard 3" test "$(count_kind shard_refusal shard-3.example)" = 0
check "its refusals are 0 and its latest is unchanged" jq -e --argjson n "$n3" \
	'.shards[2].refusals == 0 and .shards[2].latest.size == $n' <(shards_json)
stop_shard 3
start_shard 3 || bail "shard 3 again"

# ---- retire shard 2, close shard 3 ----
read -r n3 r3 < <(shard_state 3)
read -r n2 r2 < <(shard_state 2)
write_shards retired closed
kill -HUP "$SRV_PID"
check "SIGHUP: shard 2 retired" wait_for 30 state_is 2 retired
check "and shard 3 closed" wait_for 30 state_is 3 closed
check "registry 2" registry_is 2
all_leaves
check "the retire entry records shard 2's last checkpoint" jq -e --argjson n "$n2" --arg r "$r2" \
	'[.[] | select(.kind == "shard_retire")] | length == 1 and (.[0].entry | keys == ["kind","origin","root","size","ts"] and .origin == "shard-2.example" and .size == $n and .root == $r)' "$T/leaves"
check "the close entry records shard 3's" jq -e --argjson n "$n3" --arg r "$r3" \
	'[.[] | select(.kind == "shard_close")] | length == 1 and (.[0].entry | keys == ["kind","origin","root","size","ts"] and .origin == "shard-3.example" and .size == $n and .root == $r)' "$T/leaves"
ingest 3 2 f3 || bail "ingest into shard 3"
ingest 2 1 f2 || bail "ingest into shard 2"
read -r n2 _ < <(shard_state 2)
check "a retired shard is still followed" wait_for 30 latest_is 2 "$n2"
ingest 2 1 g2 || bail "ingest into shard 2"
read -r n2 _ < <(shard_state 2)
check "and recorded again (the root passed shard 3 in between)" wait_for 30 latest_is 2 "$n2"
all_leaves
check "the next shard entry counts 2 shards" jq -e '[.[] | select(.kind == "shard")] | last | .entry.registry == 2' "$T/leaves"
check "a closed shard is no longer recorded" jq -e --argjson n "$n3" \
	'[.[] | select(.kind == "shard" and .entry.origin == "shard-3.example") | .entry.size] | max == $n' "$T/leaves"
check "/v1/shards: active, retired, closed" jq -e '[.shards[].state] == ["active","retired","closed"]' <(shards_json)

# ---- a restart writes nothing twice ----
read -r rsize rroot < <(log_state)
stop_server
check "the root stops cleanly" test "$SRV_RC" -eq 0
p1=$(polls 1)
start_server --shards "$T/shards" --follow-interval 100 || bail "root again"
check "the restarted root polls shard 1 twice" wait_for 30 polls_above 1 $((p1 + 1))
read -r n2 _ < <(shard_state 2)
check "after a restart the state is read back from the log" jq -e --argjson n "$n2" \
	'.registry == 2 and .shards[1].latest.size == $n and .shards[0].refusals == 2' <(shards_json)
check "and nothing was appended (no second shard_add, retire, close or refusal)" \
	test "$(log_state)" = "$rsize $rroot"
check "envelog verify passes on the root at the end" "$E" verify --db "$DB" --vkey "$ROOT_VKEY"
out=$("$E" audit --url "$URL" --vkey "$ROOT_VKEY" --state "$T/audit.state" --json 2>/dev/null); rc=$?
check "and envelog audit, from where it stopped" test "$rc" -eq 0

# ---- the root's answers, as docs/openapi.yaml describes them ----
python3 -c 'import yaml, jsonschema' 2>/dev/null ||
	bail "python3-yaml and python3-jsonschema are not installed (make deps)"
coproc CHECKER { exec python3 tests/tools/openapi_check.py docs/openapi.yaml 2>&1; }
described() { # DESC STATUS METHOD PATH [CURL ARGS…]
	local d=$1 s=$2 m=$3 p=$4 v
	shift 4
	req "$m" "$p" "$@"
	printf '%s\t%s\t%s\t%s\n' "$m" "$p" "$T/hdrs" "$T/body" >&"${CHECKER[1]}"
	IFS= read -r -t 60 v <&"${CHECKER[0]}" || v="fail: no verdict from the checker"
	if [ "$STATUS" = "$s" ] && [ "$v" = ok ]; then ok "$d"
	else nok "$d" "status $STATUS, want $s; $v" "${BODY:0:300}"; fi
}
AUD_H=(-H "Authorization: Bearer $ROOT_AUD")
read -r rsize _ < <(log_state)
described "GET /v1/shards" 200 GET /v1/shards
described "GET /v1/leaves of every root entry" 200 GET "/v1/leaves?start=0&end=$rsize"
check "they hold the five kinds" jq -e '[.leaves[].kind] | unique ==
	["shard","shard_add","shard_close","shard_refusal","shard_retire"]' <<<"$BODY"
described "GET /v1/disclosures with the root's kinds" 200 GET \
	"/v1/disclosures?kinds=shard_add,shard,shard_refusal,shard_retire,shard_close&limit=1000" "${AUD_H[@]}"
check "lists every entry of the root" jq -e --argjson n "$rsize" '.disclosures | length == $n' <<<"$BODY"
described "GET /v1/report summed" 200 GET /v1/report "${AUD_H[@]}"
check "over the shards not closed" jq -e '.shards == ["shard-1.example","shard-2.example"]' <<<"$BODY"
described "POST /v1/events: 422 root_log" 422 POST /v1/events \
	-H "Authorization: Bearer $ROOT_ING" "${JSON[@]}" --data-binary "[$(event)]"
described "POST /v1/requests: 422 root_log" 422 POST /v1/requests \
	-H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
stop_shard 2
described "GET /v1/report with a shard down: 502" 502 GET /v1/report "${AUD_H[@]}"
finish
