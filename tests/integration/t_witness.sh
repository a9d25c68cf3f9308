#!/usr/bin/env bash
# envelog witness serve, the C2SP tlog-witness endpoint, end to end with
# two witnesses and one envelogd (checkpoints and consistency proofs taken
# from its API): growth is cosigned by both (and the cosignatures are
# accepted by envelogd, which serves them with the checkpoint); a bad
# proof is 422, a rolled-back checkpoint 409 (stale old size, with the size
# as text/x.tlog.size) or 400 (old above size), a fork at the same size 409;
# an unknown log 404, another key 403, malformed bodies 400; the state
# survives a restart; and every refusal leaves the witness's state as it
# was.  Then envelogd --witness with both: growth cosigned by both and
# served with the checkpoint, a bundle's checkpoint cosigned so accepted by
# bundle verify --min-witnesses 2; a witness's refusal while it runs is an
# alarm (stderr and metrics); a rolled-back and a forked database are
# refused at start.
. "$(dirname "$0")/lib.sh"

declare -a WPID WURL WVKEY WPORT
start_witness() { # I: witness I on a free port (its own again on a restart)
	local i=$1 p
	p=${WPORT[i]:-$(free_port)}
	WPORT[i]=$p
	WURL[i]=http://127.0.0.1:$p
	"$B/envelog" witness serve --key "$T/w$i.key" --state "$T/w$i.state" \
		--log "$VKEY" --listen "127.0.0.1:$p" 2>>"$T/w$i.log" &
	WPID[i]=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "${WURL[i]}/" && return 0
		sleep 0.05
	done
	return 1
}
stop_witness() { kill "${WPID[$1]}" 2>/dev/null; wait "${WPID[$1]}" 2>/dev/null; WPID[$1]=; }
trap 'for i in 1 2; do [ -n "${WPID[i]:-}" ] && stop_witness $i; done; cleanup' EXIT

# submit I BODYFILE: POST it to witness I; $WSTATUS, $WBODY, $WTYPE
submit() {
	WSTATUS=$(curl -s -o "$T/wbody" -D "$T/whdrs" -w '%{http_code}' \
		--data-binary "@$2" "${WURL[$1]}/add-checkpoint")
	WBODY=$(cat "$T/wbody")
	WTYPE=$(grep -i '^content-type:' "$T/whdrs" | cut -d' ' -f2- | tr -d '\r')
}
# body OLD CPFILE [PROOF…]: an add-checkpoint body into $T/req
body() {
	local old=$1 cp=$2; shift 2
	{ echo "old $old"; for h in "$@"; do echo "$h"; done; echo; cat "$cp"; } >"$T/req"
}
state_of() { cat "$T/w$1.state" 2>/dev/null; }

for i in 1 2; do
	WVKEY[i]=$("$B/envelog" witness keygen "w$i.example/witness" --out "$T/w$i.key") || bail "keygen $i"
	"$B/envelog" witness add "w$i.example/witness" "${WVKEY[i]}" --db "$DB" >/dev/null || bail "witness add $i"
	start_witness $i || bail "witness $i starts"
done
AUD=$("$B/envelog" token add --db "$DB" --role auditor 2>/dev/null)
start_server || bail "server starts"

post_events "10 events" "$(events 10 a)"
curl -s -o "$T/cp10" "$URL/v1/checkpoint"
N1=$(sed -n 2p "$T/cp10")
body 0 "$T/cp10"
for i in 1 2; do
	submit $i "$T/req"
	check "witness $i cosigns the first checkpoint (old 0): 200" test "$WSTATUS" = 200
	check "witness $i answers one cosignature line by its key" \
		grep -qx "— w$i.example/witness [A-Za-z0-9+/=]*" <<<"$WBODY"
	{ sed '/^$/,$d' "$T/cp10"; echo; printf '%s\n' "$WBODY"; } >"$T/cos"
	expect_status "envelogd accepts witness $i's cosignature" 201 POST /v1/cosignatures \
		-H "Authorization: Bearer $AUD" -H "Content-Type: text/plain" --data-binary "@$T/cos"
	check "witness $i's state: size $N1" grep -q "^test.example/log $N1 " "$T/w$i.state"
done
req GET "/v1/checkpoint?size=$N1"
check "envelogd serves the checkpoint with both witnesses' cosignatures" \
	test "$(grep -c '^— w[12].example/witness ' <<<"$BODY")" = 2

submit 1 "$T/req"
check "old 0 again: 409" test "$WSTATUS" = 409
check "409 body is the size last cosigned" test "$WBODY" = "$N1"
check "409 is text/x.tlog.size" test "$WTYPE" = "text/x.tlog.size"

# --- growth, with a bad proof first ---
sqlite3 "$DB" ".backup '$T/bak.db'"; cp "$KEY" "$T/bak.key" # a backup at N1
post_events "15 more events" "$(events 15 b)"
curl -s -o "$T/cp25" "$URL/v1/checkpoint"
N2=$(sed -n 2p "$T/cp25")
mapfile -t P < <(curl -s "$URL/v1/proof/consistency?old=$N1&new=$N2" | jq -r '.proof[]')
check "a consistency proof from $N1 to $N2" test "${#P[@]}" -gt 0
state1=$(state_of 1)
body "$N1" "$T/cp25" "${P[@]:1}" "${P[0]}"
submit 1 "$T/req"
check "a wrong consistency proof: 422" test "$WSTATUS" = 422
body "$N1" "$T/cp25" "${P[@]}" "${P[0]}"
submit 1 "$T/req"
check "a proof with an extra hash: 422" test "$WSTATUS" = 422
check "the refusals left the state unchanged" test "$(state_of 1)" = "$state1"
body "$N1" "$T/cp25" "${P[@]}"
for i in 1 2; do
	submit $i "$T/req"
	check "witness $i cosigns the growth $N1 → $N2: 200" test "$WSTATUS" = 200
	check "witness $i's state: size $N2" grep -q "^test.example/log $N2 " "$T/w$i.state"
done

# --- a rolled-back log: its older checkpoint ---
state1=$(state_of 1)
for i in 1 2; do
	body "$N1" "$T/cp10"; submit $i "$T/req"
	check "witness $i: the rolled-back checkpoint (old $N1): 409, size $N2" test "$WSTATUS/$WBODY" = "409/$N2"
	body "$N2" "$T/cp10"; submit $i "$T/req"
	check "witness $i: old $N2 above the checkpoint's size $N1: 400" test "$WSTATUS" = 400
done

# --- a fork: the backup grown to N2 with other events, same key ---
"$B/tests/tools/mklog" "$T/bak.db" $((N2 - N1)) $((N2 - N1)) >/dev/null || bail "mklog fork"
sqlite3 "$T/bak.db" "SELECT writefile('$T/fork', note) FROM checkpoint WHERE size = $N2" >/dev/null
check "the fork's checkpoint has size $N2 and another root" \
	test "$(sed -n 2p "$T/fork")/$(sed -n 3p "$T/fork" | cut -c1-10)" != "$N2/$(sed -n 3p "$T/cp25" | cut -c1-10)" -a "$(sed -n 2p "$T/fork")" = "$N2"
for i in 1 2; do
	body "$N2" "$T/fork"; submit $i "$T/req"
	check "witness $i: a forked checkpoint of the same size: 409 conflict" test "$WSTATUS/$WBODY" = "409/$N2"
done
check "the refusals left witness 1's state unchanged" test "$(state_of 1)" = "$state1"

# --- other refusals ---
"$B/envelog" init --db "$T/other.db" --origin other.example/log >/dev/null 2>&1
"$B/tests/tools/mklog" "$T/other.db" 5 5 >/dev/null
sqlite3 "$T/other.db" "SELECT writefile('$T/othercp', note) FROM checkpoint WHERE size = 5" >/dev/null
body 0 "$T/othercp"; submit 1 "$T/req"
check "a log the witness does not follow: 404" test "$WSTATUS" = 404
"$B/envelog" init --db "$T/same.db" --origin test.example/log >/dev/null 2>&1
"$B/tests/tools/mklog" "$T/same.db" 30 30 >/dev/null
sqlite3 "$T/same.db" "SELECT writefile('$T/samecp', note) FROM checkpoint WHERE size = 30" >/dev/null
body "$N2" "$T/samecp"; submit 1 "$T/req"
check "the same origin signed by another key: 403" test "$WSTATUS" = 403
printf 'old 01\n\n' | cat - "$T/cp25" >"$T/req"; submit 1 "$T/req"
check "old with a leading zero: 400" test "$WSTATUS" = 400
printf 'old %s\nnot-base64\n\n' "$N1" | cat - "$T/cp25" >"$T/req"; submit 1 "$T/req"
check "a proof line that is not a hash: 400" test "$WSTATUS" = 400
printf 'old %s\n' "$N1" | cat - "$T/cp25" >"$T/req"; submit 1 "$T/req"
check "no empty line before the checkpoint: 400" test "$WSTATUS" = 400
check "GET /add-checkpoint: 405" test "$(curl -s -o /dev/null -w '%{http_code}' "${WURL[1]}/add-checkpoint")" = 405
check "after every refusal the state is unchanged" test "$(state_of 1)" = "$state1"
check "the state file is mode 600" test "$(stat -c %a "$T/w1.state")" = 600

# --- restart: the state survives ---
stop_witness 1
start_witness 1 || bail "witness 1 restarts"
body 0 "$T/cp25"; submit 1 "$T/req"
check "after a restart, old 0 is 409 with the size kept: $N2" test "$WSTATUS/$WBODY" = "409/$N2"
body "$N2" "$T/cp25"; submit 1 "$T/req"
check "after a restart, the same checkpoint again is cosigned (same size, same root)" test "$WSTATUS" = 200

# --- envelogd --witness: submits, stores the cosignatures, checks at start ---
stop_server
WARGS=(--witness "${WURL[1]}=${WVKEY[1]}" --witness "${WURL[2]}/=${WVKEY[2]}")
start_server "${WARGS[@]}" || bail "envelogd starts with two witnesses"
sqlite3 "$DB" ".backup '$T/back25.db'"; cp "$KEY" "$T/back25.key"
post_events "20 events under witnesses" "$(events 20 w)"
N3=$((N2 + 20))
# wait (bounded, not timed) for both cosignatures on the checkpoint
for _ in $(seq 1 100); do
	req GET "/v1/checkpoint?size=$N3"
	[ "$(grep -c '^— w[12].example/witness ' <<<"$BODY")" = 2 ] && break
	sleep 0.1
done
check "envelogd submitted size $N3 to both witnesses and serves both cosignatures" \
	test "$(grep -c '^— w[12].example/witness ' <<<"$BODY")" = 2
check "witness 1's state: size $N3" grep -q "^test.example/log $N3 " "$T/w1.state"
check "witness 2's state: size $N3" grep -q "^test.example/log $N3 " "$T/w2.state"
req GET /tlog/checkpoint
check "/tlog/checkpoint carries them too" test "$(grep -c '^— w[12].example/witness ' <<<"$BODY")" = 2
req GET /metrics
check "metrics: cosignatures gathered, no refusal" \
	bash -c 'grep -q "^envelog_witness_cosignatures_total [1-9]" <<<"$1" && grep -q "^envelog_witness_refusals_total 0$" <<<"$1"' _ "$BODY"

# A bundle whose checkpoint the witnesses cosigned through the protocol:
# bundle verify --min-witnesses 2 accepts it.
NCA_VK=$("$B/envelog" warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
"$B/envelog" authority add --db "$DB" uk-nca "$NCA_VK" >/dev/null 2>&1
NCA=$("$B/envelog" token add --db "$DB" --role authority --authority uk-nca 2>/dev/null)
from=$(date -u -d '-1 day' +%Y-%m-%dT00:00:00Z) to=$(date -u -d '+1 day' +%Y-%m-%dT00:00:00Z)
exp=$(date -u -d '+30 day' +%Y-%m-%dT00:00:00Z)
printf 'envelog/warrant/v1\nid W-1\nauthority uk-nca\nlog test.example/log\nsubject +447700900456\nfrom %s\nto %s\nexpires %s\nbasis test\n' "$from" "$to" "$exp" |
	"$B/envelog" warrant sign --key "$T/nca.key" >"$T/w.signed"
req POST /v1/requests -H "Authorization: Bearer $NCA" -H "Content-Type: text/plain" --data-binary "@$T/w.signed"
printf '%s' "$BODY" >"$T/bundle.json"
check "a lawful request is answered with a bundle" test "$STATUS" = 200
NB=$(jq -r .checkpoint "$T/bundle.json" | sed -n 2p)
for _ in $(seq 1 100); do
	req GET "/v1/checkpoint?size=$NB"
	[ "$(grep -c '^— w[12].example/witness ' <<<"$BODY")" = 2 ] && break
	sleep 0.1
done
printf '%s\n' "$BODY" >"$T/bcp"
jq --rawfile cp "$T/bcp" '.checkpoint = $cp' "$T/bundle.json" >"$T/cosigned.json"
"$B/envelog" bundle verify --vkey "$VKEY" --witness "${WVKEY[1]}" --witness "${WVKEY[2]}" \
	--min-witnesses 2 "$T/cosigned.json" >/dev/null 2>&1
check "bundle verify --min-witnesses 2 accepts the cosignatures gathered by envelogd" test $? = 0
"$B/envelog" bundle verify --vkey "$VKEY" --witness "${WVKEY[1]}" --witness "${WVKEY[2]}" \
	--min-witnesses 2 "$T/bundle.json" >/dev/null 2>&1
check "and refuses the bundle as answered, before the witnesses (exit 1)" test $? = 1
"$B/envelog" bundle verify --vkey "$VKEY" --witness "${WVKEY[1]}" --min-witnesses 2 "$T/cosigned.json" >/dev/null 2>&1
check "... and counts only the witnesses named: one named, two required (exit 1)" test $? = 1
"$B/envelog" bundle verify --vkey "$VKEY" --witness "${WVKEY[1]}" --min-witnesses 1 "$T/cosigned.json" >/dev/null 2>&1
check "... one named, one required: exit 0" test $? = 0
# witness 2's cosignature line with one signature byte changed
python3 - "$T/cosigned.json" "$T/badcosig.json" <<'PY'
import base64, json, sys
b = json.load(open(sys.argv[1]))
lines = b["checkpoint"].split("\n")
for i, l in enumerate(lines):
    if l.startswith("\u2014 w2.example/witness "):
        name, sig = l.rsplit(" ", 1)
        raw = bytearray(base64.b64decode(sig))
        raw[-1] ^= 1
        lines[i] = name + " " + base64.b64encode(bytes(raw)).decode()
b["checkpoint"] = "\n".join(lines)
json.dump(b, open(sys.argv[2], "w"))
PY
"$B/envelog" bundle verify --vkey "$VKEY" --witness "${WVKEY[1]}" --witness "${WVKEY[2]}" \
	--min-witnesses 2 "$T/badcosig.json" >/dev/null 2>&1
check "... a cosignature altered on the way does not count (exit 1)" test $? = 1
N3=$NB # the size both witnesses cosigned last

# A witness that claims a larger tree while envelogd runs: an alarm, and
# the other witness still cosigns.
cp "$T/w2.state" "$T/w2.saved"
stop_witness 2
echo "test.example/log 1000 $(sed -n 3p "$T/cp25")" >"$T/w2.state"
start_witness 2 || bail "witness 2 restarts"
post_events "5 events" "$(events 5 x)"
N4=$((N3 + 5))
for _ in $(seq 1 100); do
	grep -q "ALARM" "$T/server.log" && grep -q "^test.example/log $N4 " "$T/w1.state" && break
	sleep 0.1
done
check "envelogd raises an alarm for witness 2's refusal" grep -q "ALARM: witness w2.example/witness cosigned a tree of size 1000" "$T/server.log"
check "witness 1 cosigned size $N4 all the same" grep -q "^test.example/log $N4 " "$T/w1.state"
req GET /metrics
check "metrics: one refusal" grep -q "^envelog_witness_refusals_total 1$" <<<"$BODY"
stop_witness 2
cp "$T/w2.saved" "$T/w2.state"
start_witness 2 || bail "witness 2 restarts again"
for _ in $(seq 1 100); do
	grep -q "^test.example/log $N4 " "$T/w2.state" && break
	sleep 0.1
done
check "witness 2, its state back at $N3, cosigns $N4 again" grep -q "^test.example/log $N4 " "$T/w2.state"
stop_server
check "envelogd stops cleanly" test "$SRV_RC" = 0

# A database rolled back to size $N2, with a fresh --state (so that only
# the witnesses can tell): refused at start.
timeout 30 "$B/envelogd" --db "$T/back25.db" --listen "127.0.0.1:$(free_port)" \
	--state "$T/fresh.state" "${WARGS[@]}" 2>"$T/rb.err" >/dev/null
rc=$?
check "a rolled-back database: envelogd refuses to run (exit 2)" test "$rc" = 2
check "it says a witness saw a larger tree" grep -q "rolled back" "$T/rb.err"
# The same backup grown to $N4 with other events: a fork.
"$B/tests/tools/mklog" "$T/back25.db" $((N4 - N2)) $((N4 - N2)) >/dev/null || bail "mklog fork2"
timeout 30 "$B/envelogd" --db "$T/back25.db" --listen "127.0.0.1:$(free_port)" \
	--state "$T/fresh2.state" "${WARGS[@]}" 2>"$T/fk.err" >/dev/null
rc=$?
check "a forked database of the same size: envelogd refuses to run (exit 2)" test "$rc" = 2
check "it says fork" grep -q "fork" "$T/fk.err"
check "the witnesses' states still hold size $N4" \
	test "$(cut -d' ' -f2 "$T/w1.state")/$(cut -d' ' -f2 "$T/w2.state")" = "$N4/$N4"
finish
