# difelus — see README.md. `make run` and `make test` install what is missing first.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man

# Debian packages the build and the tests need (checked by `make deps`).
DEB_PACKAGES = gcc make pkg-config libc6-dev locales libncurses-dev libsqlite3-dev libjansson-dev \
               libcmocka-dev libvterm-dev libical-dev libcurl4-openssl-dev libmicrohttpd-dev \
               libssl-dev haproxy valgrind man-db groff-base

# difelus itself links only these (DESIGN §3): the network lives in helper programs.
PKG_LIBS  = ncursesw formw sqlite3 jansson
NET_LIBS  = libcurl
TEST_LIBS = cmocka vterm libical

# -Werror is added by `make test`, `make asan` and CI (WERROR=-Werror), so that a plain
# `make CFLAGS="-O0 -g"` with another compiler's warnings still builds.
WERROR  ?=
WARN    = -std=c17 -Wall -Wextra -Wpedantic $(WERROR) -Wshadow -Wstrict-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE -DSQLITE_ENABLE_SESSION \
             -DSQLITE_ENABLE_PREUPDATE_HOOK -Iinclude -Isrc -Iscreens \
             $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null)
LDLIBS_APP  = $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null) -lm
LDLIBS_TEST = $(shell pkg-config --libs $(TEST_LIBS) 2>/dev/null) -lutil

CORE_SRC   = $(wildcard src/*.c)
CORE_SRC  := $(filter-out src/main.c,$(CORE_SRC))
CLI_SRC    = $(wildcard src/cli/*.c)
TUI_SRC    = $(wildcard src/tui/*.c) $(wildcard screens/*.c)
# The line mode (screen readers, braille): no curses, the core only.
LINES_SRC  = $(wildcard src/lines/*.c)
TEST_SRC   = $(wildcard tests/test_*.c)
HARNESS    = tests/harness.c

CORE_OBJ   = $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ    = $(CLI_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ    = $(TUI_SRC:%.c=$(BUILD)/%.o)
LINES_OBJ  = $(LINES_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ   = $(BUILD)/src/main.o
TEST_BIN   = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# Fuzz targets (tests/fuzz/fuzz_<name>.c, see tests/fuzz/README.md): `make fuzz` runs them
# with libFuzzer; `make test` replays their corpus (tests/fuzz-corpus/<name>/) with the
# ordinary compiler, one build/tests/fuzz_replay_<name> each.
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
TEST_BIN  += $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz_replay_%)

BIN = $(BUILD)/difelus
# Helpers, found beside the binary in a build tree, installed in $(PREFIX)/libexec/difelus.
LIBEXECDIR = $(PREFIX)/libexec/difelus
HELPERS    = $(BUILD)/libexec/difelus/difelus-telecharger $(BUILD)/libexec/difelus/difelus-relais
HELPERS   += $(BUILD)/libexec/difelus/difelus-partage
# The relay (src/relay/): libmicrohttpd, and libcrypto for SHA-256; never in the wizard.
RELAY_LIBS = libmicrohttpd jansson sqlite3 libcrypto
RELAY_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/relay/*.c))

.PHONY: all deps run test soak asan valgrind valgrind-unit bench fuzz fuzz-build install clean

all: $(BIN) $(HELPERS) difelus

# Installs the missing Debian packages (as root), or prints the command to do it.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installation des paquets manquants :$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	      || exit 1; \
	  else \
	    echo "Paquets manquants :$$missing"; \
	    echo "Installez-les avec :  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi; \
	if ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$$'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Création de la locale fr_FR.UTF-8 (les tests tournent aussi en français)"; \
	    sed -i 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen; \
	    grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen || echo 'fr_FR.UTF-8 UTF-8' >> /etc/locale.gen; \
	    locale-gen >/dev/null || exit 1; \
	  else \
	    echo "La locale fr_FR.UTF-8 manque (les tests tournent aussi en français)."; \
	    echo "Créez-la avec :  sudo sh -c \"echo 'fr_FR.UTF-8 UTF-8' >> /etc/locale.gen && locale-gen\""; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BIN): $(CORE_OBJ) $(CLI_OBJ) $(TUI_OBJ) $(LINES_OBJ) $(MAIN_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_APP)

$(BUILD)/src/sync.o: ALL_CFLAGS += -DDIFELUS_LIBEXECDIR='"$(LIBEXECDIR)"'

$(BUILD)/libexec/difelus/difelus-telecharger: src/net/telecharger.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(NET_LIBS) 2>/dev/null) $(LDFLAGS) -o $@ $< \
	  $(shell pkg-config --libs $(NET_LIBS) 2>/dev/null)

$(RELAY_OBJ): ALL_CFLAGS += $(shell pkg-config --cflags $(RELAY_LIBS) 2>/dev/null)

$(BUILD)/libexec/difelus/difelus-relais: $(RELAY_OBJ) $(BUILD)/src/text.o $(BUILD)/src/share.o \
  $(BUILD)/src/share_frame.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(RELAY_LIBS) 2>/dev/null) \
	  -lpthread -lm

# The shared session's network helper: libcurl's multi interface, jansson, and only the
# core objects it needs (frames, codes, French text).
PARTAGE_OBJ = $(BUILD)/src/share_frame.o $(BUILD)/src/share.o $(BUILD)/src/text.o \
              $(BUILD)/src/net/partage_msg.o
$(BUILD)/libexec/difelus/difelus-partage: src/net/partage.c $(PARTAGE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(NET_LIBS) jansson 2>/dev/null) $(LDFLAGS) \
	  -o $@ $< $(PARTAGE_OBJ) $(shell pkg-config --libs $(NET_LIBS) jansson 2>/dev/null)

# A link at the root so that `./difelus` works from a clone.
difelus: $(BIN)
	@[ "$(BUILD)" = build ] && ln -sf $(BIN) difelus || true

# Tests of make bench's own logic compile the bench program in (its main renamed).
$(BUILD)/tests/test_bench_resume: bench/bench_resume.c
$(BUILD)/tests/test_bench_catalogue: bench/bench_catalogue.c

$(BUILD)/tests/%: tests/%.c $(HARNESS) tests/harness.h tests/e2e.h tests/share_fake.h tests/fixtures.h $(CORE_OBJ) | $(HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_LIBS)) -o $@ $< $(HARNESS) \
	  $(CORE_OBJ) $(LDLIBS_APP) $(LDLIBS_TEST)

# The command table's test reads the table itself: it links the command line too.
$(BUILD)/tests/test_cli_table: tests/test_cli_table.c $(HARNESS) tests/harness.h $(CORE_OBJ) \
                               $(CLI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_LIBS)) -o $@ $< $(HARNESS) \
	  $(CORE_OBJ) $(CLI_OBJ) $(LDLIBS_APP) $(LDLIBS_TEST)

# The manual page's test reads the table (and runs man, groff and difelus-relais --help).
$(BUILD)/tests/test_cli_manpage: tests/test_cli_manpage.c $(HARNESS) tests/harness.h $(CORE_OBJ) \
                                 $(CLI_OBJ) | $(HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_LIBS)) -o $@ $< $(HARNESS) \
	  $(CORE_OBJ) $(CLI_OBJ) $(LDLIBS_APP) $(LDLIBS_TEST)

# The HAProxy test speaks HTTP to the relays itself: it links libcurl too.
$(BUILD)/tests/test_e2e_share_haproxy: tests/test_e2e_share_haproxy.c tests/share_e2e.h $(HARNESS) \
                                       tests/harness.h $(CORE_OBJ) | $(HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_LIBS) $(NET_LIBS)) -o $@ $< $(HARNESS) \
	  $(CORE_OBJ) $(LDLIBS_APP) $(LDLIBS_TEST) $(shell pkg-config --libs $(NET_LIBS))

# The relay's test talks HTTP to it: libcurl, for that test only.
$(BUILD)/tests/test_relay: tests/test_relay.c $(HARNESS) tests/harness.h $(CORE_OBJ) | $(HELPERS) $(BIN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_LIBS) $(NET_LIBS)) -o $@ $< $(HARNESS) \
	  $(CORE_OBJ) $(LDLIBS_APP) $(LDLIBS_TEST) $(shell pkg-config --libs $(NET_LIBS)) -lpthread

# A fuzz target may reach the core and the relay's request handling: it links the core
# objects and the relay's (its main aside), with their libraries.
FUZZ_LINK_OBJ = $(CORE_OBJ) $(filter-out $(BUILD)/src/relay/relay_main.o,$(RELAY_OBJ)) \
                $(BUILD)/src/net/partage_msg.o
FUZZ_LIBS     = $(shell pkg-config --libs $(PKG_LIBS) $(RELAY_LIBS) 2>/dev/null) -lpthread -lm
FUZZ_CFLAGS   = $(shell pkg-config --cflags $(RELAY_LIBS) 2>/dev/null) -Itests/fuzz

$(BUILD)/tests/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h \
                              $(FUZZ_LINK_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -DFUZZ_NAME='"$*"' $(LDFLAGS) -o $@ $< tests/fuzz/replay.c \
	  $(FUZZ_LINK_OBJ) $(FUZZ_LIBS)

# The harness's test replays the search corpus (tests/test_fuzz_harness.c).
$(BUILD)/tests/test_fuzz_harness: tests/fuzz/fuzz.h | $(BUILD)/tests/fuzz_replay_search

# `make fuzz`: every target built by clang with libFuzzer, ASan and UBSan (objects in
# build/fuzz/obj), each run FUZZ_SECONDS, FUZZ_JOBS at a time; new inputs are merged into
# tests/fuzz-corpus/<name>/ (only those that add coverage), findings saved in
# build/fuzz/crashes/. FUZZ_TARGETS="dates amounts" runs only those. Needs clang and
# libclang-rt-14-dev (not needed by make test, which replays the corpus with gcc).
FUZZ_SECONDS ?= 600
FUZZ_JOBS    ?= 2
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_DIR      = build/fuzz
FUZZ_PACKAGES = clang libclang-rt-14-dev
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined

fuzz:
	@missing=""; for p in $(FUZZ_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installation des paquets du fuzzing :$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	      || exit 1; \
	  else \
	    echo "Paquets manquants pour make fuzz :$$missing"; \
	    echo "Installez-les avec :  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@$(MAKE) --no-print-directory fuzz-build BUILD=$(FUZZ_DIR)/obj CC=clang WERROR= \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SANITIZE)" \
	  FUZZ_BUILT="$(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)"
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
	  sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# Called by `make fuzz` with BUILD=build/fuzz/obj and CC=clang.
fuzz-build: $(FUZZ_BUILT)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LINK_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SANITIZE) -o $@ $< \
	  $(FUZZ_LINK_OBJ) $(FUZZ_LIBS)

run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN) $(ARGS)

test: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN) WERROR=-Werror
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

# The crash-safety tests at full size: the wizard killed at least 50 times during at least
# 200 changes (make test runs a shortened script). DIFELUS_SOAK_SEED=N replays a script.
SOAK_BIN = $(BUILD)/tests/test_e2e_crash
soak: deps
	@$(MAKE) --no-print-directory all $(SOAK_BIN) WERROR=-Werror
	@DIFELUS_SOAK=1 BUILD=$(BUILD) sh tests/run.sh $(SOAK_BIN)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory test BUILD=build/asan \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined"

# The whole suite under valgrind: the test programs, and difelus itself wherever a test
# starts it (command line and wizard).
valgrind: deps
	@$(MAKE) --no-print-directory $(BIN) $(HELPERS) $(TEST_BIN)
	@VALGRIND=1 DIFELUS_VALGRIND=1 BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

# The unit tests (every core module, the fuzz corpora's replays) under valgrind: the
# programs that do not start difelus on a terminal. Minutes, where `make valgrind` takes
# about an hour on two cores.
UNIT_BIN = $(filter-out $(BUILD)/tests/test_cli% $(BUILD)/tests/test_e2e% \
                        $(BUILD)/tests/test_catalogue%,$(TEST_BIN))
valgrind-unit: deps
	@$(MAKE) --no-print-directory $(BIN) $(HELPERS) $(UNIT_BIN)
	@VALGRIND=1 BUILD=$(BUILD) sh tests/run.sh $(UNIT_BIN)

# Performance figures (catalogue import and search, the wizard on a pty); prints, never fails
# the build.
BENCH_RECORDS ?= 200000
$(BUILD)/bench/bench_catalogue: bench/bench_catalogue.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CORE_OBJ) $(LDLIBS_APP)

# The wizard's figures on a pty (first screen, keys, another process's change), with
# `dialog --msgbox` as the first screen's reference.
$(BUILD)/bench/bench_wizard: bench/bench_wizard.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags vterm) -o $@ $< $(CORE_OBJ) $(LDLIBS_APP) \
	  $(shell pkg-config --libs vterm) -lutil

# The relay under load: 500 sessions, 1 000 long polls held (libcurl multi).
$(BUILD)/bench/bench_relay: bench/bench_relay.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(NET_LIBS) 2>/dev/null) -o $@ $< \
	  $(shell pkg-config --libs $(NET_LIBS) 2>/dev/null)

# The shared session: 1 000 ticks from the official's commit to the agent's redraw, through
# the real relay (two wizards on pseudo-terminals, tests/harness.c; DIFELUS_TRACE files).
$(BUILD)/bench/bench_share: bench/bench_share.c $(HARNESS) tests/harness.h tests/share_e2e.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags vterm) -o $@ $< $(HARNESS) \
	  $(shell pkg-config --libs vterm) -lutil

# What make bench needs beside the build: the references (dialog, the sqlite3 shell) and
# gnuplot for the plot; each is "command:package".
BENCH_TOOLS = dialog:dialog sqlite3:sqlite3 gnuplot:gnuplot-nox
# Catalogue sizes of the search-latency curve (BENCH_RECORDS is always among them).
BENCH_SIZES ?= 50000 100000 200000 400000

# The one summary table of every figure, printed last, and in $(BUILD)/bench/resume.md with
# the machine (bench/machine.sh), ready for BENCHMARKS.md.
$(BUILD)/bench/bench_resume: bench/bench_resume.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

bench: deps
	@missing=""; for t in $(BENCH_TOOLS); do \
	  command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installation de$$missing (références et courbe de make bench)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	      >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $$missing >/dev/null; } || \
	      echo "$$missing n'a pas pu être installé : mesures sans ces références"; \
	  else \
	    echo "Il manque$$missing (références et courbe) : sudo apt-get install -y$$missing"; \
	  fi; \
	fi
	@$(MAKE) --no-print-directory $(BIN) $(HELPERS) $(BUILD)/bench/bench_catalogue \
	  $(BUILD)/bench/bench_wizard $(BUILD)/bench/bench_relay $(BUILD)/bench/bench_share \
	  $(BUILD)/bench/bench_resume
	@mkdir -p $(BUILD)/bench && rm -f $(BUILD)/bench/resume-*.tsv
	@sh bench/machine.sh > $(BUILD)/bench/machine.txt; cat $(BUILD)/bench/machine.txt
	@BENCH_SIZES="$(BENCH_SIZES)" $(BUILD)/bench/bench_catalogue $(BENCH_RECORDS) $(BUILD)/bench \
	  || true
	@$(BUILD)/bench/bench_wizard $(BIN) $(BUILD)/bench || true
	@$(BUILD)/bench/bench_relay $(BUILD)/libexec/difelus/difelus-relais $(BUILD)/bench || true
	@BUILD=$(BUILD) $(BUILD)/bench/bench_share $(BIN) $(BUILD)/bench || true
	@if command -v gnuplot >/dev/null 2>&1 && [ -s $(BUILD)/bench/recherche.dat ]; then \
	  gnuplot -e "dat='$(BUILD)/bench/recherche.dat'; png='$(BUILD)/bench/recherche.png'" \
	    bench/recherche.gp && printf "\nCourbe : %s\n" $(BUILD)/bench/recherche.png; \
	else printf "\nPas de courbe (gnuplot absent ou pas de mesure de recherche)\n"; fi
	@echo "Charge à la fin : $$(cut -d' ' -f1-3 /proc/loadavg)" >> $(BUILD)/bench/machine.txt
	@$(BUILD)/bench/bench_resume $(BUILD)/bench || true

install: $(BIN) $(HELPERS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/difelus
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(HELPERS) $(DESTDIR)$(LIBEXECDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 difelus.1 $(DESTDIR)$(MANDIR)/man1/difelus.1

clean:
	rm -rf build difelus

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
