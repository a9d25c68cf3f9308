#!/usr/bin/env bash
# Bearer tokens on POST /v1/events: missing, unknown, revoked and wrong-role
# tokens are refused with 401/403 and change nothing; public endpoints need
# no token.
. "$(dirname "$0")/lib.sh"

AUDITOR=$("$B/envelog" token add --db "$DB" --role auditor --label audit 2>/dev/null)
DOOMED=$("$B/envelog" token add --db "$DB" --role ingest --label doomed 2>/dev/null)
start_server || bail "server starts"
printf '%s' "$(events 2 auth)" >"$T/post"
BASE=$(log_state)
unchanged() {
	local now; now=$(log_state)
	if [ "$now" = "$BASE" ]; then ok "$1: log unchanged"
	else nok "$1: log unchanged" "was $BASE, now $now"; fi
}
try() { # DESC STATUS CODE [CURL ARGS…]
	local d=$1 s=$2 c=$3; shift 3
	expect_error "$d" "$s" "$c" POST /v1/events "${JSON[@]}" --data-binary "@$T/post" "$@"
	unchanged "$d"
}

try "no token" 401 missing_token
check "401 asks for a bearer token" grep -qi '^www-authenticate: Bearer' <<<"$HDRS"
try "another scheme" 401 missing_token -H "Authorization: Basic dXNlcjpwYXNz"
try "empty bearer" 401 missing_token -H "Authorization: Bearer "
try "unknown token" 401 unknown_token -H "Authorization: Bearer elog_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
try "a token's prefix" 401 unknown_token -H "Authorization: Bearer ${INGEST:0:20}"
try "a very long token" 401 unknown_token -H "Authorization: Bearer $(printf 'a%.0s' $(seq 1 5000))"
try "auditor token on ingest" 403 wrong_role -H "Authorization: Bearer $AUDITOR"

# a token that worked, then revoked
post_events "the doomed token works" "$(events 1 d)"
BASE=$(log_state)
id=$("$B/envelog" token list --db "$DB" 2>/dev/null | awk -F'\t' '$4 == "doomed" { print $1 }')
check "token list shows the token's id" test -n "$id"
"$B/envelog" token revoke --db "$DB" "$id" >/dev/null 2>&1
check "token revoke succeeds" test $? = 0
try "revoked token" 401 unknown_token -H "Authorization: Bearer $DOOMED"
check "token list never prints tokens" bash -c "! '$B/envelog' token list --db '$DB' 2>&1 | grep -qF '${INGEST#elog_}'"

# the right token still works; public endpoints need none, and a token on
# them does no harm
post_events "the ingest token works" "$(events 1 e)"
expect_status "checkpoint needs no token" 200 GET /v1/checkpoint
expect_status "checkpoint with an unrelated token" 200 GET /v1/checkpoint -H "Authorization: Bearer nonsense"
expect_error "auditor endpoint without token" 401 missing_token GET /v1/disclosures
expect_error "auditor endpoint with an ingest token" 403 wrong_role GET /v1/disclosures "${AUTH[@]}"
# envelog token add --stdin: a token made for another log (one ingest token
# on every shard, docs/SCALING.md) is added as it is and works here; it
# cannot be added twice, nor bring a revoked token back.
SHARED=elog_$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
import_token() { # TOKEN [ARGS…]: exit status of token add --stdin
	local t=$1
	shift
	printf '%s\n' "$t" | "$B/envelog" token add --db "$DB" --role ingest --stdin "$@" \
		>"$T/import.out" 2>"$T/import.err"
}
import_token "$SHARED" --label shared
check "token add --stdin: exit 0" test $? = 0
check "and it prints nothing on stdout (the token is known)" test ! -s "$T/import.out"
SAVED_AUTH=("${AUTH[@]}")
AUTH=(-H "Authorization: Bearer $SHARED")
post_events "the added token works" "$(events 1 shared)"
BASE=$(log_state)
import_token "$SHARED"
check "the same token again: exit 2" test $? = 2
check "it says it is there already" grep -q "already in the log" "$T/import.err"
import_token "$INGEST"
check "a token this log made: exit 2" test $? = 2
import_token "${SHARED:0:47}*"
check "a token with a character outside base64url: exit 2" test $? = 2
import_token "${SHARED}A"
check "a token one character too long: exit 2" test $? = 2
import_token "x${SHARED:1}"
check "a token without the elog_ prefix: exit 2" test $? = 2
import_token ""
check "an empty line: exit 2" test $? = 2
check "refused imports added no token" test "$("$B/envelog" token list --db "$DB" | grep -c .)" = 4
id=$("$B/envelog" token list --db "$DB" 2>/dev/null | awk -F'\t' '$4 == "shared" { print $1 }')
"$B/envelog" token revoke --db "$DB" "$id" >/dev/null 2>&1
try "the added token, revoked" 401 unknown_token "${AUTH[@]}"
import_token "$SHARED"
check "a revoked token cannot be added again: exit 2" test $? = 2
try "and it stays revoked" 401 unknown_token "${AUTH[@]}"
AUTH=("${SAVED_AUTH[@]}")
stop_server
check "no token in the server log" bash -c "! grep -qF -e '$INGEST' -e '$AUDITOR' -e '$DOOMED' '$T/server.log'"
finish
