#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called by trap and wait_for
# A lawful request across the shards of a root log (issue 18): three shards
# (two SQLite, one PostgreSQL) started with --root-origin, and a root
# following them, all on loopback; events of the warrant's subject in every
# shard; envelog request writes a bundle set that verifies offline against
# the root key alone, with the records ingested; tampered sets are refused
# naming the shard; a shard stopped during the request is named, listed in
# "missing", exit 1, and the shards that answered logged their disclosures;
# a root that records the shards past their answers: the set carries
# consistency proofs, and an altered one is refused.
. "$(dirname "$0")/lib.sh"

E=$B/envelog
D=$B/envelogd
. tests/integration/pg.sh

ROOT_ORIGIN=root.example/root
SUBJ=+447700900123
OTHER=+447700900777
NAMES=(a b c)
declare -A ORIGIN DBS KEYS VK URLS PIDS INGESTS AUDS NCAS
PIDS=()

stop_all() {
	local n
	for n in "${!PIDS[@]}"; do
		kill -CONT "${PIDS[$n]}" 2>/dev/null
		kill -KILL "${PIDS[$n]}" 2>/dev/null
		wait "${PIDS[$n]}" 2>/dev/null
	done
	cleanup
}
trap stop_all EXIT

# start_d NAME DB KEY [ARGS…]: envelogd on a free port; URLS[NAME]
start_d() {
	local n=$1 db=$2 key=$3 port
	shift 3
	port=$(free_port)
	URLS[$n]=http://127.0.0.1:$port
	"$D" --db "$db" --key "$key" --listen "127.0.0.1:$port" --web "$T/web" "$@" \
		2>>"$T/$n.log" &
	PIDS[$n]=$!
	wait_for 30 curl -sf -o /dev/null "${URLS[$n]}/healthz" && return 0
	sed 's/^/# /' "$T/$n.log"
	return 1
}

NCA_VK=$($E warrant keygen uk-nca --out "$T/nca.key" 2>/dev/null)
pg_start shardc || bail "PostgreSQL"
for n in "${NAMES[@]}"; do
	ORIGIN[$n]=shard-$n.example/log
	KEYS[$n]=$T/$n.key
	if [ "$n" = c ]; then DBS[$n]=$PG_URL; else DBS[$n]=$T/$n.db; fi
	VK[$n]=$($E init --db "${DBS[$n]}" --key "${KEYS[$n]}" --origin "${ORIGIN[$n]}" 2>"$T/init.err") ||
		bail "init shard $n: $(tail -1 "$T/init.err")"
	$E authority add --db "${DBS[$n]}" uk-nca "$NCA_VK" >/dev/null 2>&1 || bail "authority add $n"
	INGESTS[$n]=$($E token add --db "${DBS[$n]}" --role ingest 2>/dev/null)
	NCAS[$n]=$($E token add --db "${DBS[$n]}" --role authority --authority uk-nca 2>/dev/null)
	AUDS[$n]=$($E token add --db "${DBS[$n]}" --role auditor 2>/dev/null)
	start_d "$n" "${DBS[$n]}" "${KEYS[$n]}" --root-origin "$ROOT_ORIGIN" || bail "shard $n"
done
ok "three shards (shard-c on PostgreSQL) serve with --root-origin $ROOT_ORIGIN"

# The root.
ROOT_VK=$($E init --db "$T/root.db" --key "$T/root.key" --origin "$ROOT_ORIGIN" 2>"$T/init.err") ||
	bail "init root: $(tail -1 "$T/init.err")"
{
	echo "# the shards of $ROOT_ORIGIN"
	for n in "${NAMES[@]}"; do echo "shard ${ORIGIN[$n]} ${URLS[$n]} ${VK[$n]}"; done
} >"$T/shards"
start_d root "$T/root.db" "$T/root.key" --shards "$T/shards" --follow-interval 100 || bail "root"
ROOT=${URLS[root]}
wait_for 60 sh -c "curl -sf '$ROOT/v1/shards' | jq -e '(.shards | length) == 3 and all(.shards[]; .latest != null)'" ||
	bail "the root did not record the three shards"
ok "the root follows the three shards"

# Events: the subject in every shard (3, 2 and 1 of them in the window),
# and others that the warrant must not reach.
declare -A WANT=([a]=3 [b]=2 [c]=1)
for n in "${NAMES[@]}"; do
	body="["
	for i in $(seq 1 "${WANT[$n]}"); do
		body="$body$(event_json $SUBJ $OTHER "2026-03-0${i}T10:00:00Z"),"
	done
	body="$body$(event_json $OTHER $OTHER 2026-03-02T10:00:00Z),$(event_json $SUBJ $OTHER 2026-04-02T10:00:00Z)]"
	out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer ${INGESTS[$n]}" \
		-H 'Content-Type: application/json' --data-binary "$body" "${URLS[$n]}/v1/events")
	check "ingest into shard $n: 201" test "$(tail -1 <<<"$out")" = 201
done

printf 'envelog/warrant/v1\nid NCA-ROOT-1\nauthority uk-nca\nlog %s\nsubject %s\nfrom 2026-03-01T00:00:00Z\nto 2026-03-23T00:00:00Z\nexpires 2099-01-01T00:00:00Z\nbasis Investigatory Powers Act 2016 s.61\n' \
	"$ROOT_ORIGIN" "$SUBJ" >"$T/w"
$E warrant sign --key "$T/nca.key" <"$T/w" >"$T/w.signed" || bail "warrant sign"
SHA=$(sha256sum "$T/w.signed" | cut -d' ' -f1)
for n in "${NAMES[@]}"; do echo "${ORIGIN[$n]} ${NCAS[$n]}"; done >"$T/tokens"
chmod 600 "$T/tokens"

# ---- the request across the shards ----
$E request --root "$ROOT" --vkey "$ROOT_VK" --warrant "$T/w.signed" --tokens "$T/tokens" \
	--out "$T/set.json" --wait 60 >"$T/req.out" 2>"$T/req.err"
rc=$?
check "envelog request across three shards: exit 0" test "$rc" = 0 || sed 's/^/# /' "$T/req.err"
check "the set has the three shards, none missing, for this warrant" jq -e --arg sha "$SHA" \
	'.bundle_set == "envelog/bundle-set/v1" and (.shards | length) == 3 and .missing == [] and .warrant_sha256 == $sha' "$T/set.json"
check "the set file is mode 0600" test "$(stat -c %a "$T/set.json")" = 600
for n in "${NAMES[@]}"; do
	got=$(jq --arg o "${ORIGIN[$n]}" --arg s "$SUBJ" '[.shards[] | select(.origin == $o) | .bundle.records[]
		| select(.record.sender == $s)] | length' "$T/set.json")
	check "shard $n disclosed its ${WANT[$n]} records of the subject in the window" test "$got" = "${WANT[$n]}"
done
out=$($E bundle verify --vkey "$ROOT_VK" "$T/set.json"); rc=$?
check "the set verifies offline with the root key alone: exit 0" test "$rc" = 0
check "and counts the 6 records ingested for the subject in the window" grep -q '^ok: bundle set of 3 shards under root checkpoint size [0-9]*, 6 records$' <<<"$out"

out=$($E bundle verify --vkey "$ROOT_VK" --warrant "$T/w.signed" "$T/set.json"); rc=$?
check "with --warrant, every shard's records lie inside the warrant: exit 0" test "$rc" = 0
sed 's/^id NCA-ROOT-1$/id NCA-ROOT-2/' "$T/w" | $E warrant sign --key "$T/nca.key" >"$T/w2.signed"
out=$($E bundle verify --vkey "$ROOT_VK" --warrant "$T/w2.signed" "$T/set.json"); rc=$?
check "with another warrant: exit 1 naming the first shard" \
	test "$rc" = 1 -a "$(grep -c "^INVALID: shard $(jq -r '.shards[0].origin' "$T/set.json"): " <<<"$out")" = 1

# ---- tampered sets ----
refused() { # DESC JQ-FILTER EXPECT [VKEY]
	jq "$2" "$T/set.json" >"$T/bad.json"
	out=$($E bundle verify --vkey "${4:-$ROOT_VK}" "$T/bad.json"); rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$3" <<<"$out"; then ok "$1: exit 1, $3"
	else nok "$1: exit 1, $3" "exit $rc: $out"; fi
}
A0=$(jq -r '.shards[0].origin' "$T/set.json")
A1=$(jq -r '.shards[1].origin' "$T/set.json")
refused "a record altered" '.shards[0].bundle.records[0].record.recipient = "+447700900999"' "shard $A0: bundle: record 0"
refused "a shard left out of the set" 'del(.shards[0])' "shard $A1: the root had 3 shards registered"
refused "a recorded entry of another shard" '.shards[0].recorded = .shards[1].recorded' "shard $A0: its recorded entry"
$E init --db "$T/other.db" --key "$T/other.key" --origin "$ROOT_ORIGIN" >"$T/other.vk" 2>/dev/null
refused "another key named for the root" '.' "root checkpoint is not signed" "$(cat "$T/other.vk")"
refused "a missing shard listed" '.missing = [{"origin":"shard-x.example/log","error":"unreachable","message":"x"}]' "did not answer"

# ---- a shard stopped during the request ----
disclosures() { # NAME [SHA]: the shard's disclosures of this warrant
	curl -s -H "Authorization: Bearer ${AUDS[$1]}" "${URLS[$1]}/v1/disclosures?kinds=disclosure" |
		jq --arg sha "${2:-$SHA}" '[.disclosures[] | select(.entry.warrant_sha256 == $sha)] | length'
}
declare -A BEFORE
for n in "${NAMES[@]}"; do BEFORE[$n]=$(disclosures "$n"); done
kill -STOP "${PIDS[b]}"
$E request --root "$ROOT" --vkey "$ROOT_VK" --warrant "$T/w.signed" --tokens "$T/tokens" \
	--out "$T/part.json" --wait 8 >"$T/req.out" 2>"$T/req.err"
rc=$?
kill -CONT "${PIDS[b]}"
check "with shard b stopped, envelog request exits 1" test "$rc" = 1
check "stderr names shard b and why" grep -q "shard ${ORIGIN[b]} did not answer: unreachable" "$T/req.err"
check "the set lists shard b in missing, and only it" jq -e --arg o "${ORIGIN[b]}" '[.missing[].origin] == [$o]' "$T/part.json"
check "the set keeps the bundles of the shards that answered" jq -e '(.shards | length) == 2' "$T/part.json"
out=$($E bundle verify --vkey "$ROOT_VK" "$T/part.json"); rc=$?
check "the partial set does not verify: exit 1" test "$rc" = 1
for n in a c; do
	check "shard $n answered and logged its disclosure of the warrant" test "$(disclosures "$n")" = "$((BEFORE[$n] + 1))"
done
# ---- the root records a later checkpoint than the bundles' ----
# The root restarted to poll only at start and on SIGHUP: it records each
# shard after one more event than its answer, so every bundle is tied to
# the recorded checkpoint by a consistency proof.
grow() { # one more event in every shard
	local n
	for n in "${NAMES[@]}"; do
		curl -s -o /dev/null -H "Authorization: Bearer ${INGESTS[$n]}" -H 'Content-Type: application/json' \
			--data-binary "[$(event_json $OTHER $OTHER 2026-03-02T10:00:00Z)]" "${URLS[$n]}/v1/events"
	done
}
kill -TERM "${PIDS[root]}"
wait "${PIDS[root]}"
grow # while the root is down: its first poll must record these sizes
# Another warrant, so that shard b's answer to the request it was stopped
# in, whenever it comes, is not counted here.
sed 's/^id NCA-ROOT-1$/id NCA-ROOT-3/' "$T/w" | $E warrant sign --key "$T/nca.key" >"$T/w3.signed"
SHA3=$(sha256sum "$T/w3.signed" | cut -d' ' -f1)
declare -A SIZE0
for n in "${NAMES[@]}"; do
	BEFORE[$n]=$(disclosures "$n" "$SHA3")
	SIZE0[$n]=$(curl -s "${URLS[$n]}/v1/checkpoint" | sed -n 2p)
done
start_d root "$T/root.db" "$T/root.key" --shards "$T/shards" --follow-interval 3600000 || bail "root again"
ROOT=${URLS[root]}
polled() {
	local n
	curl -sf "$ROOT/v1/shards" >"$T/shards.json" || return 1
	for n in "${NAMES[@]}"; do
		jq -e --arg o "${ORIGIN[$n]}" --argjson s "${SIZE0[$n]}" \
			'.shards[] | select(.origin == $o) | .latest.size >= $s' "$T/shards.json" >/dev/null || return 1
	done
}
wait_for 60 polled || bail "the restarted root did not poll the shards"
$E request --root "$ROOT" --vkey "$ROOT_VK" --warrant "$T/w3.signed" --tokens "$T/tokens" \
	--out "$T/later.json" --wait 120 >"$T/req.out" 2>"$T/req.err" &
req_pid=$!
answered() { local n; for n in "${NAMES[@]}"; do [ "$(disclosures "$n" "$SHA3")" = "$((BEFORE[$n] + 1))" ] || return 1; done; }
wait_for 60 answered || bail "the shards did not answer"
grow
kill -HUP "${PIDS[root]}"
wait "$req_pid"
rc=$?
check "with the root recording later checkpoints: exit 0" test "$rc" = 0 || sed 's/^/# /' "$T/req.err"
check "every shard's recorded checkpoint is one entry past its bundle's, with a consistency proof" jq -e \
	'all(.shards[]; .recorded.entry.size == ((.bundle.checkpoint | split("\n")[1] | tonumber) + 1) and (.consistency | length) > 0)' "$T/later.json"
check "that set verifies offline" "$E" bundle verify --vkey "$ROOT_VK" --warrant "$T/w3.signed" "$T/later.json"
jq '.shards[0].consistency[0] = .shards[1].consistency[0]' "$T/later.json" >"$T/bad.json"
out=$($E bundle verify --vkey "$ROOT_VK" "$T/bad.json"); rc=$?
check "a consistency proof altered: exit 1, not consistent" test "$rc" = 1 -a "$(grep -c "is not consistent with the one the root recorded" <<<"$out")" = 1
finish
