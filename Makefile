# envelog — build, test, run.  See README.md.
CC      ?= cc
CFLAGS  ?= -O2 -g
PKGS    := sqlite3 libpq libmicrohttpd jansson libsodium libcurl libsystemd
# What libenvelog itself needs (envelog.pc: jansson is in its public
# headers, the others are private).
LIB_PKGS := sqlite3 libpq jansson libsodium

# The release and the shared library's ABI: libenvelog.so.$(SOVERSION) is
# its SONAME; raise SOVERSION when a public header changes incompatibly.
VERSION   := 0.1.0
SOVERSION := 0

# Where `make install` puts things (the GNU names), under DESTDIR.
PREFIX        ?= /usr/local
DESTDIR       ?=
BINDIR        ?= $(PREFIX)/bin
SBINDIR       ?= $(PREFIX)/sbin
LIBDIR        ?= $(PREFIX)/lib
INCLUDEDIR    ?= $(PREFIX)/include
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
SYSCONFDIR    ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
LOCALSTATEDIR ?= $(if $(filter /usr,$(PREFIX)),/var,$(PREFIX)/var)
BASHCOMPDIR   ?= $(DATADIR)/bash-completion/completions
UNITDIR       ?= $(PREFIX)/lib/systemd/system

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes

ifneq ($(SANITIZE),)
B ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B ?= build
SANFLAGS :=
endif

# CPPFLAGS, CFLAGS and LDFLAGS are the caller's (dpkg-buildflags sets all
# three); -MMD -MP writes each object's header dependencies beside it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(WARN) -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
             -Iinclude/envelog -Isrc/lib -Isrc/opts -I$(B) $(PKG_CFLAGS) $(CPPFLAGS) \
             $(CFLAGS) $(SANFLAGS)
DEPFLAGS   = -MMD -MP -MF $@.d -MT $@
LINK       = $(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm

LIB_SRC    := $(sort $(wildcard src/lib/*.c))
SERVER_SRC := $(sort $(wildcard src/server/*.c))
CLI_SRC    := $(sort $(wildcard src/cli/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC  := $(sort $(wildcard bench/*.c))
SCHEMA     := $(sort $(wildcard schema/*.sql))
SCHEMA_PG  := $(sort $(wildcard schema/pg/*.sql))

LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o) $(B)/schema.o
# The option tables' code (src/opts), shared by both programs and mkdoc;
# paths.o, the build-time paths, is built once for the tree and once for
# `make install` ($(B)/install/paths.o).
OPTS_OBJ   := $(B)/src/opts/optab.o $(B)/src/opts/version.o
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/%.o) $(OPTS_OBJ)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o) $(OPTS_OBJ)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
PUB_HDR    := $(sort $(wildcard include/envelog/*.h))
SOLIB      := libenvelog.so.$(SOVERSION)
SOREAL     := $(SOLIB).0.0

.PHONY: all deps check unit integration browser lint bench run install clean fuzz console lib
all: $(B)/envelogd $(B)/envelog doc

# The man pages and the bash completion, generated from the programs'
# option tables (src/server/options.c, src/cli/options.c) by mkdoc, linked
# with the installed paths so that the pages name the installed defaults.
MAN := $(B)/man/envelog.1 $(B)/man/envelogd.8 $(B)/man/envelogd.conf.5
.PHONY: doc
doc: $(MAN) $(B)/completion/envelog
$(B)/mkdoc: $(B)/src/opts/mkdoc.o $(B)/src/opts/optab.o \
  $(B)/src/server/options.o $(B)/src/cli/options.o $(B)/install/paths.o
	$(LINK) -o $@ $^
$(B)/man/envelog.1: $(B)/mkdoc
	@mkdir -p $(@D)
	$(B)/mkdoc man envelog >$@.tmp && mv $@.tmp $@
$(B)/man/envelogd.8: $(B)/mkdoc
	@mkdir -p $(@D)
	$(B)/mkdoc man envelogd >$@.tmp && mv $@.tmp $@
$(B)/man/envelogd.conf.5: $(B)/mkdoc
	@mkdir -p $(@D)
	$(B)/mkdoc man envelogd.conf >$@.tmp && mv $@.tmp $@
$(B)/completion/envelog: $(B)/mkdoc
	@mkdir -p $(@D)
	$(B)/mkdoc completion >$@.tmp && mv $@.tmp $@

# The library, static and shared, and its pkg-config file.  The programs
# link the static archive; the same position-independent objects make both.
lib: $(B)/libenvelog.a $(B)/$(SOLIB) $(B)/envelog.pc

# The auditor console as one self-contained HTML file (scripts and styles
# inlined, allowed by hash in its CSP), for an auditor to keep and open from
# a file or another origin; prints its SHA-256 (see README, "Release").
console: $(B)/envelog-console.html
	@sha256sum $<
$(B)/envelog-console.html: $(wildcard web/*) src/console/bundle.mjs
	@mkdir -p $(@D)
	@node src/console/bundle.mjs web $@ >/dev/null

$(B)/libenvelog.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(LIB_OBJ): ALL_CFLAGS += -fPIC
$(B)/$(SOLIB): $(LIB_OBJ)
	$(LINK) -shared -Wl,-soname,$(SOLIB) -Wl,--no-undefined -o $@ $^ \
	  $(shell pkg-config --libs $(LIB_PKGS) 2>/dev/null)
$(B)/envelog.pc: src/lib/envelog.pc.in $(B)/install/dirs
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' $< >$@

$(B)/%.o: %.c $(B)/cflags | $(B)/schema.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<
# Changes only when the compiler or its flags do, so that objects built
# with other flags are built again.
$(B)/cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' >$@

# The migrations become NUL-terminated byte arrays, one per file, in order:
# SQLite's (schema/*.sql) in elog_schema (their file names in
# elog_schema_name), PostgreSQL's (schema/pg/*.sql) in elog_schema_pg.
$(B)/schema.c: $(SCHEMA) $(SCHEMA_PG) Makefile
	@mkdir -p $(@D)
	@{ echo '#include <stddef.h>'; echo '#include "schema.h"'; i=0; \
	  for f in $(SCHEMA) $(SCHEMA_PG); do \
	    echo "static const char m$$i[] = {"; \
	    od -An -v -tx1 $$f | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '0x00 };'; i=$$((i + 1)); \
	  done; \
	  echo 'const char *const elog_schema[] = {'; i=0; \
	  for f in $(SCHEMA); do echo "m$$i,"; i=$$((i + 1)); done; \
	  echo 'NULL };'; \
	  echo 'const int elog_schema_count = $(words $(SCHEMA));'; \
	  echo 'const char *const elog_schema_name[] = {'; \
	  for f in $(SCHEMA); do echo "\"$$(basename $$f)\","; done; \
	  echo 'NULL };'; \
	  echo 'const char *const elog_schema_pg[] = {'; \
	  for f in $(SCHEMA_PG); do echo "m$$i,"; i=$$((i + 1)); done; \
	  echo 'NULL };'; \
	  echo 'const int elog_schema_pg_count = $(words $(SCHEMA_PG));'; } > $@
$(B)/schema.o: $(B)/schema.c
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The server without main(), for the fuzz targets of its parsers.
$(B)/libenvelogd.a: $(filter-out $(B)/src/server/main.o,$(SERVER_OBJ)) $(B)/src/opts/paths.o
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(B)/envelogd: $(SERVER_OBJ) $(B)/src/opts/paths.o $(B)/libenvelog.a
	$(LINK) -o $@ $^ $(LDLIBS_ALL)
$(B)/envelog: $(CLI_OBJ) $(B)/src/opts/paths.o $(B)/libenvelog.a
	$(LINK) -o $@ $^ $(LDLIBS_ALL)

# The paths fixed at build time (src/opts/paths.c).  The source tree's
# programs keep ./var/envelog.db and serve this tree's web/, so `make run`
# works from the tree; the installed ones (built for `make install` in
# $(B)/install/, only paths.c compiled again) use the FHS places under
# PREFIX, SYSCONFDIR and LOCALSTATEDIR.  $(B)/install/paths changes only
# when one of them does.
WEBDIR ?= $(DATADIR)/envelog/web
INSTALL_PATHS = -DELOG_DB_DEFAULT='"$(LOCALSTATEDIR)/lib/envelog/envelog.db"' \
  -DELOG_WEB_DIR='"$(WEBDIR)"' \
  -DELOG_CONFIG_FILE='"$(SYSCONFDIR)/envelog/envelogd.conf"'
$(B)/src/opts/paths.o: ALL_CFLAGS += -DELOG_WEB_DIR='"$(CURDIR)/web"'
$(B)/src/opts/paths.o $(B)/install/paths.o: ALL_CFLAGS += -DELOG_VERSION='"$(VERSION)"'
$(B)/install/paths: FORCE
	@mkdir -p $(@D)
	@echo '$(INSTALL_PATHS) $(VERSION)' | cmp -s - $@ || echo '$(INSTALL_PATHS) $(VERSION)' >$@
$(B)/install/paths.o: src/opts/paths.c src/opts/optab.h $(B)/install/paths
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(INSTALL_PATHS) -c -o $@ $<
$(B)/src/opts/paths.o: Makefile
$(B)/install/envelogd: $(SERVER_OBJ) $(B)/install/paths.o $(B)/libenvelog.a
	$(LINK) -o $@ $^ $(LDLIBS_ALL)
$(B)/install/envelog: $(CLI_OBJ) $(B)/install/paths.o $(B)/libenvelog.a
	$(LINK) -o $@ $^ $(LDLIBS_ALL)
.PHONY: FORCE
FORCE:

$(B)/tests/%: tests/unit/%.c $(B)/libenvelog.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< \
	  $(B)/libenvelog.a $(LDLIBS_ALL) $(shell pkg-config --libs cmocka)

# The PostgreSQL store against the SQLite store (cmocka), run by
# tests/integration/t_pg_store.sh against a scratch server; not a unit test
# (it needs the server).
TOOL_BIN := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c)) \
            $(B)/tests/pg_store
$(B)/tests/tools/%: tests/tools/%.c $(B)/libenvelog.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(B)/libenvelog.a $(LDLIBS_ALL)

# The independent tile client (tests/tools/tilecheck.go) on Debian's
# golang-go and golang-golang-x-mod-dev, offline: GOPATH mode over
# /usr/share/gocode, where the Debian package puts golang.org/x/mod.
GO_TOOL := $(B)/tests/tools/tilecheck
$(B)/tests/tools/tilecheck: tests/tools/tilecheck.go
	@mkdir -p $(@D)
	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
	  GOCACHE=$(abspath $(B))/go-cache go build -o $@ $<

# The Go ingest client of examples/go (standard library only, offline),
# run against a live envelogd by tests/integration/t_clients.sh.
EXAMPLE_BIN := $(B)/examples/envelog-ingest
$(B)/examples/envelog-ingest: examples/go/main.go examples/go/go.mod
	@mkdir -p $(@D)
	cd examples/go && GO111MODULE=on GOPROXY=off GOFLAGS= \
	  GOPATH=$(abspath $(B))/go-path GOCACHE=$(abspath $(B))/go-cache \
	  go build -o $(abspath $@) .

# Every bench/NAME.c is a program; bench/lib/ is what they share.
BENCH_LIB := $(B)/bench/lib/harness.o
$(B)/bench/%: bench/%.c $(BENCH_LIB) $(B)/libenvelog.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Ibench/lib $(LDFLAGS) -o $@ $< $(BENCH_LIB) $(B)/libenvelog.a $(LDLIBS_ALL)

# Fuzzing with libFuzzer (clang).  `make fuzz` runs each target for
# FUZZ_SECONDS on a copy of its seed corpus (tests/fuzz/corpus/<target>);
# `make fuzz-smoke` (part of `make check`) replays the seeds and runs each
# target for a few seconds.
FUZZ_B       := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_B)/fuzz/%)
FUZZ_FLAGS   := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang SANFLAGS="$(FUZZ_FLAGS)" \
	  $(FUZZ_B)/libenvelog.a $(FUZZ_B)/libenvelogd.a
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
$(FUZZ_B)/fuzz/%: tests/fuzz/%.c $(FUZZ_B)/libenvelog.a $(FUZZ_B)/libenvelogd.a
	@mkdir -p $(@D) $(FUZZ_B)/deps
	clang $(WARN) -Wno-missing-prototypes -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	  -Iinclude/envelog -Isrc/lib -Isrc/server -MMD -MP -MF $(FUZZ_B)/deps/$(@F).d -MT $@ \
	  $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $< \
	  $(FUZZ_B)/libenvelogd.a $(FUZZ_B)/libenvelog.a $(LDLIBS_ALL)
fuzz: fuzz-build
	@for t in $(FUZZ_BIN); do n=$$(basename $$t); mkdir -p $(FUZZ_B)/corpus/$$n; \
	  cp -n tests/fuzz/corpus/$$n/* $(FUZZ_B)/corpus/$$n/ 2>/dev/null; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=65536 -artifact_prefix=$(FUZZ_B)/$$n- \
	    $(FUZZ_B)/corpus/$$n 2>&1 | grep -E '^(#[0-9]+ +DONE|==|SUMMARY)|stat::number_of_executed_units' ; done
fuzz-smoke: fuzz-build
	@B=$(B) FUZZ_B=$(FUZZ_B) tests/fuzz/smoke

# Debian packages the build and the tests need, and the browser test's npm
# packages; quick when all are present.  See .ci/deps.
deps:
	@sh .ci/deps

# make check: every suite (tests/run), then the unit and integration suites
# again under SANITIZE=address,undefined (tests/sanitize); the failures of
# both runs are repeated at the end, above the last line,
# "N passed, N failed, N skipped", sums both runs, and the exit status
# fails if either failed or, when CI is set, if anything was skipped.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TOOL_BIN) $(GO_TOOL) $(EXAMPLE_BIN)
	@$(MAKE) --no-print-directory fuzz-build
	@$(MAKE) --no-print-directory san-build
	@{ B=$(B) tests/run; echo $$? >$(B)/check.status; } | tee $(B)/check.log
	@echo; echo "== again under SANITIZE=address,undefined"
	@{ B=$(SAN_B) tests/sanitize; echo $$? >$(SAN_B)/check.status; } | tee $(SAN_B)/check.log
	@echo; grep -h -E '^(failing|skipping):|^  \[[^]]*\] (not ok|#)' \
	  $(B)/check.log $(SAN_B)/check.log | head -60 || true
	@tail -qn 1 $(B)/check.log $(SAN_B)/check.log | \
	  awk '{ p += $$1; f += $$3; s += $$5 } END { print p " passed, " f " failed, " s " skipped"; \
	    exit !(NR == 2 && f == 0 && p > 0 && (ENVIRON["CI"] == "" || s == 0)) }' && \
	  [ "$$(cat $(B)/check.status $(SAN_B)/check.status)" = "$$(printf '0\n0')" ]

# The instrumented build (ASan and UBSan) and its test run; see
# tests/sanitize.
SAN_B := build-san
.PHONY: san-build check-san
san-build:
	@$(MAKE) --no-print-directory SANITIZE=address,undefined B=$(SAN_B) \
	  $(SAN_B)/envelogd $(SAN_B)/envelog doc \
	  $(UNIT_SRC:tests/unit/%.c=$(SAN_B)/tests/%) \
	  $(patsubst tests/tools/%.c,$(SAN_B)/tests/tools/%,$(wildcard tests/tools/*.c)) \
	  $(SAN_B)/tests/pg_store \
	  $(SAN_B)/tests/tools/tilecheck $(SAN_B)/examples/envelog-ingest
check-san: deps san-build
	@B=$(SAN_B) tests/sanitize

bench: deps all $(BENCH_BIN) $(B)/tests/tools/mklog
	@B=$(B) bench/run

# First run: ./var/ with the database, the log key and two tokens (kept in
# ./var/tokens, mode 0600, so later runs can print them again); then serve.
# A tokens file open to group or others is refused (see docs/SECURITY.md).
# RUN_DB=postgresql://… keeps the log in that (empty) PostgreSQL database
# instead, the key still in ./var.
VAR ?= ./var
RUN_DB ?= $(VAR)/envelog.db
run: deps all
	@set -e; umask 077; mkdir -p $(VAR); \
	if [ ! -f $(VAR)/envelog.key ]; then \
	  $(B)/envelog init --db '$(RUN_DB)' --key $(VAR)/envelog.key --origin localhost/envelog >$(VAR)/vkey; \
	  { echo "INGEST_TOKEN=$$($(B)/envelog token add --db '$(RUN_DB)' --role ingest --label make-run 2>/dev/null)"; \
	    echo "AUDITOR_TOKEN=$$($(B)/envelog token add --db '$(RUN_DB)' --role auditor --label make-run 2>/dev/null)"; \
	  } > $(VAR)/tokens; \
	fi; \
	if [ -n "$$(find $(VAR)/tokens -perm /077)" ]; then \
	  echo "make run: $(VAR)/tokens holds live tokens and is open to group or others" \
	    "(mode $$(stat -c %a $(VAR)/tokens)); refusing to print them (chmod 600 $(VAR)/tokens)" >&2; \
	  exit 1; \
	fi; \
	. $(VAR)/tokens; \
	echo "envelog is serving http://127.0.0.1:8080/  (auditor console at /)"; \
	echo "log key:       $$(cat $(VAR)/vkey 2>/dev/null || sqlite3 $(VAR)/envelog.db "SELECT value FROM meta WHERE key = 'vkey'")"; \
	echo "ingest token:  $$INGEST_TOKEN"; \
	echo "auditor token: $$AUDITOR_TOKEN"; \
	echo "try:"; \
	echo "  curl -s -H 'Authorization: Bearer $$INGEST_TOKEN' -H 'Content-Type: application/json' \\"; \
	echo "    -d '[{\"ts\":'\$$(date +%s000)',\"sender\":\"+447700900123\",\"recipient\":\"+447700900456\",\"type\":\"message\",\"size\":2048}]' \\"; \
	echo "    http://127.0.0.1:8080/v1/events"; \
	echo "  curl -s http://127.0.0.1:8080/v1/checkpoint"; \
	exec $(B)/envelogd --db '$(RUN_DB)' --key $(VAR)/envelog.key --listen 127.0.0.1:8080

# make lint: the C sources as .clang-format formats them, no banned
# function in them (.ci/checksrc, the functions curl's checksrc bans) and
# every shell script shellcheck-clean (.ci/lint says which files).
lint:
	@.ci/lint

# make unit / integration / browser: one suite, counted by tests/run as
# make check counts it (the browser suite needs make deps's packages).
unit: all $(UNIT_BIN)
	@B=$(B) tests/run tests/test_
integration: all $(TOOL_BIN) $(GO_TOOL)
	@B=$(B) tests/run integration/
browser: all
	@B=$(B) tests/run browser/

# The daemon goes to sbin, the CLI to bin, the console and the library
# beside them; the unit and the example configuration name the installed
# paths.
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g; s|@BINDIR@|$(BINDIR)|g' \
	  -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g; s|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' \
	  -e 's|@WEBDIR@|$(WEBDIR)|g'
$(B)/envelogd.service: etc/systemd/envelogd.service.in $(B)/install/dirs
	$(SUBST) $< >$@
$(B)/envelogd.conf: etc/envelogd.conf.in $(B)/install/dirs
	$(SUBST) $< >$@
# Changes only when an install directory does.
INSTALL_DIRS = $(PREFIX) $(BINDIR) $(SBINDIR) $(LIBDIR) $(INCLUDEDIR) \
	$(DATADIR) $(SYSCONFDIR) $(LOCALSTATEDIR) $(WEBDIR) $(VERSION)
$(B)/install/dirs: FORCE
	@mkdir -p $(@D)
	@echo '$(INSTALL_DIRS)' | cmp -s - $@ || echo '$(INSTALL_DIRS)' >$@

install: all lib $(B)/install/envelogd $(B)/install/envelog $(B)/envelogd.service $(B)/envelogd.conf
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(WEBDIR) \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/envelog \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/envelog \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(DATADIR)/doc/envelog/examples
	install -m 0755 $(B)/install/envelogd $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(B)/install/envelog $(DESTDIR)$(BINDIR)/
	install -m 0644 $(B)/man/envelog.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(B)/man/envelogd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(B)/man/envelogd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(B)/completion/envelog $(DESTDIR)$(BASHCOMPDIR)/envelog
	ln -sf envelog $(DESTDIR)$(BASHCOMPDIR)/envelogd
	install -m 0644 etc/envelogd.conf.example etc/prometheus/envelog.rules.yml \
	  $(DESTDIR)$(DATADIR)/doc/envelog/examples/
	cp -R web/. $(DESTDIR)$(WEBDIR)/
	install -m 0644 $(B)/libenvelog.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(B)/$(SOLIB) $(DESTDIR)$(LIBDIR)/$(SOREAL)
	ln -sf $(SOREAL) $(DESTDIR)$(LIBDIR)/$(SOLIB)
	ln -sf $(SOLIB) $(DESTDIR)$(LIBDIR)/libenvelog.so
	install -m 0644 $(B)/envelog.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 $(PUB_HDR) $(DESTDIR)$(INCLUDEDIR)/envelog/
	install -m 0644 $(B)/envelogd.service $(DESTDIR)$(UNITDIR)/
	@# An operator's configuration is kept: the example goes in only once.
	@[ -e $(DESTDIR)$(SYSCONFDIR)/envelog/envelogd.conf ] || \
	  install -m 0644 $(B)/envelogd.conf $(DESTDIR)$(SYSCONFDIR)/envelog/

clean:
	rm -rf build build-san build-fuzz

# Each object's header dependencies (-MMD), once it has been built.
-include $(wildcard $(B)/*.d $(B)/*/*.d $(B)/*/*/*.d $(B)/*/*/*/*.d $(FUZZ_B)/deps/*.d)
