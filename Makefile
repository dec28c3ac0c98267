# spoolboard: one binary, built from lib/, job/, runner/train/, render/,
# runner/ and main.c.
#
#   make            check the includes and names (scripts/check-includes.sh,
#                   scripts/check-names.sh), build build/spoolboard
#   make unit-tests build the unit test programs into build/tests/
#   make test       install missing packages, build, run every test
#   make check      the same under -fsanitize=address,undefined
#   make bench      print benchmark figures
#   make run        install missing packages, build, start the runner on ./spool
#                   (DATA_ROOT=DIR: the folder your configs' data.path is
#                   relative to; default examples/, whose configs it adds)
#   make install    PREFIX=/usr/local DESTDIR= (binary, man page, templates)
#   make fuzz       build the fuzz harnesses (fuzz/fuzz-*.c) with clang and
#                   libFuzzer into build-fuzz/ and run each for FUZZ_SECONDS
#                   (FUZZ=NAME for one; FUZZ_RUNS=N stops each after N
#                   executions); crashes go to fuzz/crashes/.
#                   `make test` replays fuzz/corpus/ and fuzz/regressions/
#                   through build/tests/test-fuzz-NAME (docs/HACKING.md)
#   make clean      remove build/, build-san/ and build-fuzz/

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/spoolboard
VERSION := 0.1.0

BUILD   ?= build
CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wwrite-strings -Wformat-security
PKGS    := libarchive libpcre2-8 jansson libzstd
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SAN     ?=
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(WERROR) -fopenmp \
           -I. $(PKG_CFLAGS) $(SAN) \
           -DSPOOLBOARD_VERSION='"$(VERSION)"' \
           -DSPOOLBOARD_DATADIR='"$(DATADIR)"' $(CFLAGS)
ALL_LDFLAGS = -fopenmp $(SAN) $(LDFLAGS)
LIBS    = $(PKG_LIBS) -lcsv -lm

SRC     := $(wildcard lib/*.c job/*.c runner/*.c runner/train/*.c render/*.c)
HDR     := $(wildcard lib/*.h job/*.h runner/*.h runner/train/*.h render/*.h)
OBJ     := $(SRC:%.c=$(BUILD)/%.o)
TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test-*.c))
# The numerical sources, also compiled with real = double for the gradient
# checks (tests/unit/test-grad-*.c link these instead of the float ones).
NN_SRC  := $(wildcard $(addprefix runner/train/,kernels.c layers.c lstm.c \
           gru.c model.c mlpsplit.c loss.c))
NN_DOBJ := $(NN_SRC:%.c=$(BUILD)/double/%.o)
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
BIN     := $(BUILD)/spoolboard
# Fuzz harnesses: each linked with libFuzzer (make fuzz) and with
# fuzz/replay-main.c as a test program that replays its corpus (make test).
FUZZ_NAMES  := $(patsubst fuzz/fuzz-%.c,%,$(wildcard fuzz/fuzz-*.c))
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/tests/test-fuzz-%)
FUZZERS     := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz-%)
FUZZ_SECONDS ?= 60

.PHONY: all deps test check bench run install clean unit-tests fuzz
all: $(BUILD)/.layout-ok $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libspoolboard.a: $(OBJ)
	rm -f $@ && ar rcs $@ $(OBJ)

# The floors and no cycles (docs/HACKING.md): no binary while they are
# broken. Order-only, so a passing check does not relink; named first in
# `all` too, so a broken include stops the build before it compiles.
$(BIN): $(BUILD)/main.o $(BUILD)/libspoolboard.a | $(BUILD)/.layout-ok
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/.layout-ok: $(SRC) $(HDR) main.c scripts/check-includes.sh \
		scripts/check-names.sh
	@sh scripts/check-includes.sh && sh scripts/check-names.sh
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/double/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNN_DOUBLE -MMD -MP -c $< -o $@

GRAD_TESTS := $(filter $(BUILD)/tests/test-grad-%,$(TESTS))
$(GRAD_TESTS): $(BUILD)/tests/test-grad-%: tests/unit/test-grad-%.c $(NN_DOBJ) \
		$(BUILD)/libspoolboard.a tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DNN_DOUBLE -Itests/unit $(ALL_LDFLAGS) -o $@ $< \
		$(NN_DOBJ) $(BUILD)/libspoolboard.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libspoolboard.a tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/libspoolboard.a $(LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libspoolboard.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libspoolboard.a $(LIBS)

$(FUZZ_REPLAY): $(BUILD)/tests/test-fuzz-%: fuzz/fuzz-%.c fuzz/replay-main.c \
		fuzz/fuzz.h $(BUILD)/libspoolboard.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DFUZZ_NAME='"$*"' $(ALL_LDFLAGS) -o $@ $< \
		fuzz/replay-main.c $(BUILD)/libspoolboard.a $(LIBS)

# Only with BUILD=build-fuzz and the flags `make fuzz` passes.
$(FUZZERS): $(BUILD)/fuzz/fuzz-%: fuzz/fuzz-%.c fuzz/fuzz.h \
		$(BUILD)/libspoolboard.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(BUILD)/libspoolboard.a $(LIBS)

unit-tests: $(TESTS) $(FUZZ_REPLAY)

deps:
	@sh scripts/deps.sh

test: deps
	@$(MAKE) --no-print-directory all unit-tests
	@BUILD=$(BUILD) sh tests/run.sh

check: deps
	@$(MAKE) --no-print-directory BUILD=build-san OPT='-O1 -g' \
		SAN='-fsanitize=address,undefined -fno-omit-frame-pointer' \
		all unit-tests
	@BUILD=build-san ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		sh tests/run.sh

bench: deps all $(BENCHES)
	@sh scripts/deps.sh --bench
	@BUILD=$(BUILD) sh bench/run.sh

# The library built by clang with the sanitizers and libFuzzer's coverage
# (-fsanitize=fuzzer-no-link), the harnesses linked with -fsanitize=fuzzer.
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
		OPT='-O1 -g -Wno-pass-failed' \
		SAN='-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer' \
		build-fuzz/.layout-ok $(FUZZ_NAMES:%=build-fuzz/fuzz/fuzz-%)
	@FUZZ_RUNS=$(FUZZ_RUNS) sh scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(or $(FUZZ),$(FUZZ_NAMES))

run: deps all
	@DATA_ROOT='$(DATA_ROOT)' sh scripts/run.sh $(BIN)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/templates
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/spoolboard
	install -m 644 docs/spoolboard.1 $(DESTDIR)$(MANDIR)/man1/spoolboard.1
	if [ -n "$$(ls templates)" ]; then cp -R templates/. $(DESTDIR)$(DATADIR)/templates/; fi

clean:
	rm -rf build build-san build-fuzz

-include $(OBJ:.o=.d) $(NN_DOBJ:.o=.d) $(BUILD)/main.d
