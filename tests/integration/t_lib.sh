#!/usr/bin/env bash
# The public library as another program sees it once installed: `make
# install PREFIX=<tmp>` puts the headers under include/envelog/, the shared
# library with its SONAME and envelog.pc; a small program compiled with
# nothing but `pkg-config --cflags --libs envelog` links the shared
# library, reads the log that envelog init made and verifies it.
. "$(dirname "$0")/lib.sh"

P=$T/prefix
make --no-print-directory B="$B" SANITIZE="${SANITIZE:-}" PREFIX="$P" DESTDIR= \
	install >"$T/make.log" 2>&1
rc=$?
[ "$rc" = 0 ] || tail -n 20 "$T/make.log" | sed 's/^/# /'
check "make install PREFIX=<tmp> succeeds" test "$rc" = 0
export PKG_CONFIG_PATH=$P/lib/pkgconfig

# The headers: every one under include/envelog/, none of the private ones,
# no SQLite in any, and each compiles on its own.
n=$(find include/envelog -name '*.h' | wc -l)
got=$(find "$P/include/envelog" -name '*.h' | wc -l)
check "all $n public headers are installed under include/envelog/" test "$got" = "$n" -a "$n" -gt 0
check "no header is installed outside include/envelog/" \
	test "$(find "$P/include" -mindepth 1 -maxdepth 1)" = "$P/include/envelog"
check "no private header (schema.h, store_db.h, store_query.h) is installed" \
	test ! -e "$P/include/envelog/schema.h" -a ! -e "$P/include/envelog/store_db.h" \
	-a ! -e "$P/include/envelog/store_query.h"
# The database stays behind the store: no other source of the library or
# the programs calls SQLite or asks for the store's handle.
if grep -lE 'sqlite3_(open|prepare|exec|step|bind|column)|sqlite3_stmt|sqlite3 \*|elog_store_db' src/*/*.c src/*/*.h include/envelog/*.h |
	grep -vxE 'src/lib/store(_query|_db)?\.[ch]' >"$T/sql"; then
	nok "only the store (src/lib/store*.c) touches the database" "$(cat "$T/sql")"
else ok "only the store (src/lib/store*.c) touches the database"; fi
if grep -l 'sqlite3' "$P"/include/envelog/*.h >"$T/sq"; then
	nok "no installed header names sqlite3 (the store hands out no handle)" "$(cat "$T/sq")"
else ok "no installed header names sqlite3 (the store hands out no handle)"; fi
bad=
for h in "$P"/include/envelog/*.h; do
	printf '#include <envelog/%s>\n' "$(basename "$h")" >"$T/h.c"
	# shellcheck disable=SC2046 # pkg-config's words
	cc -std=c11 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags envelog) \
		-c -o /dev/null "$T/h.c" 2>>"$T/h.err" || bad="$bad $(basename "$h")"
done
if [ -z "$bad" ]; then ok "each installed header compiles alone (-std=c11 -Wpedantic -Werror)"
else nok "each installed header compiles alone" "fails:$bad" "$(head -5 "$T/h.err")"; fi

# The shared library.
so=$P/lib/libenvelog.so
check "libenvelog.so -> libenvelog.so.0 -> a real file" \
	test -L "$so" -a -L "$so.0" -a -f "$(readlink -f "$so")"
soname=$(objdump -p "$so.0" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
check "its SONAME is libenvelog.so.0" test "$soname" = libenvelog.so.0
check "the static archive is installed too" test -f "$P/lib/libenvelog.a"
check "pkg-config knows envelog" pkg-config --exists envelog
check "envelog.pc names this prefix" test "$(pkg-config --variable=prefix envelog)" = "$P"

cat >"$T/prog.c" <<'PROG'
#include <stdio.h>
#include <string.h>

#include <envelog/store.h>
#include <envelog/verify.h>

int main(int argc, char **argv)
{
	elog_store *s = NULL;
	elog_verify_report rep;
	elog_err_t err;
	uint64_t size;
	int rc = 1;

	if (argc != 2)
		return 2;
	if (elog_store_open(argv[1], ELOG_STORE_READ, ELOG_SYNC_FULL, &s,
			    &err) != 0 ||
	    elog_store_size(s, &size, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		goto out;
	}
	memset(&rep, 0, sizeof rep);
	if (elog_verify_store(s, NULL, NULL, NULL, &rep, &err) != 0) {
		fprintf(stderr, "verify: %s\n", err.msg);
		goto out;
	}
	printf("%s %llu verified\n", elog_store_origin(s),
	       (unsigned long long)size);
	rc = 0;
out:
	elog_store_close(s);
	return rc;
}
PROG
# shellcheck disable=SC2046 # pkg-config's words
cc -std=c11 -Wall -Wextra -Werror ${SANITIZE:+-fsanitize=$SANITIZE} -o "$T/prog" "$T/prog.c" \
	$(pkg-config --cflags --libs envelog) 2>"$T/cc.err"
rc=$?
check "a program compiles and links with pkg-config --cflags --libs envelog" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/cc.err"
needed=$(objdump -p "$T/prog" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }')
check "it links the shared library (NEEDED libenvelog.so.0)" grep -qx libenvelog.so.0 <<<"$needed"
got=$(LD_LIBRARY_PATH=$P/lib "$T/prog" "$DB" 2>&1)
check "it reads and verifies the log through libenvelog.so" \
	test "$got" = "test.example/log 0 verified"
loaded=$(LD_LIBRARY_PATH=$P/lib LD_TRACE_LOADED_OBJECTS=1 "$T/prog" 2>/dev/null |
	awk '$1 == "libenvelog.so.0" { print $3 }')
check "the libenvelog.so.0 it loads is the installed one" \
	test "$(readlink -f "$loaded")" = "$(readlink -f "$so.0")"
finish
