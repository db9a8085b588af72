# fragsim - build, run, test, bench. Hand-written; see README.md.
#   make            build ./fragsim
#   make run        build and replay the bundled default trace into out/
#   make test       unit tests (Criterion) + CLI regression tests
#   make asan       the same tests under AddressSanitizer + UBSan
#   make bench      benchmarks (prints figures)
#   make deps       install missing Debian build dependencies (as root)
# Variables: BUILD=dir, SANITIZE=address,undefined, DEBUG=2 (checker on).

CC      ?= cc
BUILD   ?= build
PKGS    := yaml-0.1 jansson zlib libzstd libtracecmd
DEPS_OK := $(BUILD)/.deps-ok

# pkg-config is asked only once the dependencies are known to be there.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
CRIT_LIBS  = $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Isim
LDFLAGS ?=
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC   := $(filter-out sim/main.c,$(wildcard sim/*.c)) $(wildcard policies/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC  := $(wildcard tests/*.c)
TEST_OBJ  := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/%.o)
ALL_OBJ   := $(LIB_OBJ) $(BUILD)/sim/main.o $(TEST_OBJ) $(BENCH_OBJ)

FRAGSIM := $(BUILD)/fragsim

.PHONY: all run test unit cli-test golden asan bench fuzz deps clean
all: fragsim

fragsim: $(FRAGSIM)
	@cp $(FRAGSIM) fragsim

$(DEPS_OK): tools/deps.sh
	@sh tools/deps.sh
	@mkdir -p $(BUILD) && touch $@

deps:
	@sh tools/deps.sh

$(BUILD)/%.o: %.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(FRAGSIM): $(LIB_OBJ) $(BUILD)/sim/main.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/unit: $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRIT_LIBS)

$(BUILD)/bench/bench: $(LIB_OBJ) $(BENCH_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The main job on the bundled default: a real 6.18 kernel trace (a gcc
# build), every policy, on the machine it was captured on.
RUN_TRACE   := traces/build-2s.trace
RUN_MACHINE := traces/vm-24g.yaml
RUN_POLICIES = $(shell $(FRAGSIM) policies | awk '/^[a-z]/ {printf "%s%s", s, $$1; s=","}')
run: fragsim
	@mkdir -p out
	./fragsim replay --machine $(RUN_MACHINE) --policy $(RUN_POLICIES) --interval 100ms \
		-o out/default.csv --summary out/default.json $(RUN_TRACE)
	./fragsim replay --machine $(RUN_MACHINE) --policy $(RUN_POLICIES) --placement trace \
		--interval 100ms -o out/default-trace-placement.csv \
		--summary out/default-trace-placement.json $(RUN_TRACE)
	@echo "wrote out/default.csv, out/default.json (policy placement) and out/default-trace-placement.{csv,json}"
	@# issue #9: a batch of the bundled traces, then the plots (skipped without gnuplot)
	./fragsim batch -q -j 2 --force batches/default.yaml -o out/batch
	./fragsim replay -q --machine $(RUN_MACHINE) --policy buddy,linux-6.15 --interval 100ms \
		-o /dev/null --dump-map end out/default.map $(RUN_TRACE) 2>/dev/null
	@if command -v gnuplot >/dev/null 2>&1; then \
		./fragsim plot timeseries -m unusable_9 -o out/default-unusable_9.png out/default.csv && \
		./fragsim plot heatmap -p linux-6.15 -o out/default-buddyinfo.png out/default.csv && \
		./fragsim plot map -p linux-6.15 -o out/default-map.png out/default.map && \
		./fragsim plot bars -m free_pageblocks_final -o out/batch/bars-free_pageblocks_final.png \
			out/batch/summary.csv; \
	else \
		echo "fragsim: warning: gnuplot not found (Debian: apt-get install gnuplot-nox): plots skipped"; \
	fi

unit: $(BUILD)/tests/unit
	$(BUILD)/tests/unit --jobs 2

cli-test: $(FRAGSIM)
	sh tests/cli/run.sh $(FRAGSIM)

test: unit cli-test

# Rewrite tests/cli/expected/ after a reviewed change of the output.
golden: $(FRAGSIM)
	UPDATE=1 sh tests/cli/run.sh $(FRAGSIM)

asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) BUILD=build/asan SANITIZE=address,undefined test

bench: $(BUILD)/bench/bench $(FRAGSIM)
	$(BUILD)/bench/bench

# libFuzzer targets for the readers (fuzz/fuzz.c), built with clang under
# ASan + UBSan and run FUZZ_SECONDS each from seeds in the test fixtures.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := trace procfs yaml extfrag
FUZZ_BUILD   := build/fuzz
FUZZ_CFLAGS  := -O1 -g -std=c11 -D_GNU_SOURCE -Isim -fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
$(FUZZ_BUILD)/%.o: %.c $(DEPS_OK)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/fuzz-%: fuzz/fuzz.c $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -DFUZZ_$(shell echo $* | tr a-z A-Z) -fsanitize=fuzzer,address,undefined \
		$(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS)
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (Debian: apt-get install clang)"; exit 1; }
	$(MAKE) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz-%)
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build fragsim

-include $(ALL_OBJ:.o=.d) $(wildcard $(FUZZ_BUILD)/*/*.d)
