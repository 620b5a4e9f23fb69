SHELL := /bin/bash
# khabar — one build system: GNU make.
#
#   make            library (static + shared), the khabar command, the SQLite extension
#   make test       build and run the tests
#   make asan       the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz-smoke each fuzz target for a few seconds from its seed corpus (clang)
#   make fuzz-long  each fuzz target for FUZZ_SECONDS (default 300)
#   make bench      build the benchmark programs; make bench-run runs them
#   make gen        regenerate the committed tables from ../shared/data

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
CSTD    := -std=c11 -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) -Iinclude -DKH_BUILDING -fPIC \
             -fvisibility=hidden -DKH_SOURCE_DIR='"$(CURDIR)"' $(XML_CFLAGS) $(SAN) $(CFLAGS)
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
LIBS    := -lsqlite3 -ljansson -lxml2 -lm -lpthread -ldl
# libcurl is opened by src/store/fetch.c when a URL is fetched, and
# libmicrohttpd by `khabar serve` (dlopen), not linked: linked, they made
# every command start ~17 ms slower.  The tests and benches that talk HTTP
# themselves link libcurl.
CURL_LIBS := -lcurl

LIB_SRC  := $(sort $(wildcard src/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
EXT_SRC  := $(sort $(wildcard ext/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
EXT_OBJ  := $(EXT_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all test asan fuzz fuzz-smoke fuzz-long bench bench-run gen clean format

all: $(BUILD)/libkhabar.a $(BUILD)/libkhabar.so $(BUILD)/khabar $(BUILD)/khabar_fts5.so

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libkhabar.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libkhabar.so: $(LIB_OBJ)
	$(CC) $(SAN) -shared -o $@ $^ $(LIBS)

$(BUILD)/khabar: $(CLI_OBJ) $(BUILD)/libkhabar.a
	$(CC) $(SAN) -o $@ $(CLI_OBJ) $(BUILD)/libkhabar.a $(LIBS)

# Loadable SQLite extension: .load build/khabar_fts5 -> sqlite3_khabarfts_init
$(BUILD)/khabar_fts5.so: $(EXT_OBJ) $(LIB_OBJ)
	$(CC) $(SAN) -shared -o $@ $^ $(LIBS)

$(BUILD)/test-list.h: $(TEST_SRC)
	@mkdir -p $(BUILD)
	grep -ho '^TEST([a-z0-9_]*)' $(TEST_SRC) | sed 's/TEST(\(.*\))/TEST_ENTRY(\1)/' > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/main.o: $(BUILD)/test-list.h
$(BUILD)/tests/main.o: CFLAGS += -I$(BUILD)

$(BUILD)/khabar-test: $(TEST_OBJ) $(BUILD)/libkhabar.a
	$(CC) $(SAN) -o $@ $(TEST_OBJ) $(BUILD)/libkhabar.a $(LIBS) $(CURL_LIBS)

test: all $(BUILD)/khabar-test
	KHABAR_BIN=$(CURDIR)/$(BUILD)/khabar KHABAR_EXT=$(CURDIR)/$(BUILD)/khabar_fts5 ./$(BUILD)/khabar-test $(T)

asan:
	$(MAKE) BUILD=$(BUILD)-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

$(BUILD)/bench/%: bench/%.c $(BUILD)/libkhabar.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O2 -o $@ $< $(BUILD)/libkhabar.a $(LIBS) $(CURL_LIBS)

bench: $(BENCH_BIN)

bench-run: bench
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done

# Fuzzing (clang + libFuzzer).  Each fuzz/fuzz_NAME.c has fuzz/corpus/NAME/.
FUZZ_CC    ?= clang
FUZZ_FLAGS := $(CSTD) -g -O1 -Iinclude -DKH_BUILDING $(XML_CFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 300

# The library is compiled once for all fuzz targets (fuzzer-no-link), then
# each target links against it.
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) -g -O1 -Iinclude -DKH_BUILDING $(XML_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

$(BUILD)/libkhabar-fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: fuzz/%.c $(BUILD)/libkhabar-fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(BUILD)/libkhabar-fuzz.a $(LIBS)

fuzz: $(FUZZ_BIN)

fuzz-smoke: fuzz  # fixed seed: CI runs are repeatable; fuzz-long explores
	@for f in $(FUZZ_BIN); do n=$${f##*/fuzz_}; mkdir -p $(BUILD)/fuzz/work-$$n; \
	  echo "== fuzz $$n (5 s)"; \
	  $$f -seed=1 -max_total_time=5 -rss_limit_mb=2048 -max_len=65536 $(BUILD)/fuzz/work-$$n fuzz/corpus/$$n \
	    > $(BUILD)/fuzz/$$n.log 2>&1 || { tail -n 40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	  tail -n 2 $(BUILD)/fuzz/$$n.log; done

fuzz-long: fuzz
	@for f in $(FUZZ_BIN); do n=$${f##*/fuzz_}; mkdir -p $(BUILD)/fuzz/work-$$n; \
	  echo "== fuzz $$n ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    $(BUILD)/fuzz/work-$$n fuzz/corpus/$$n > $(BUILD)/fuzz/$$n.log 2>&1 || { tail -n 40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	  tail -n 14 $(BUILD)/fuzz/$$n.log; done

gen:
	@for g in $(sort $(wildcard tools/gen_*.py)); do echo "== $$g"; python3 $$g ../shared/data || exit 1; done

format:
	clang-format -i include/*.h src/*/*.[ch] cli/*.[ch] tests/*.[ch] bench/*.c fuzz/*.c ext/*.c

clean:
	rm -rf $(BUILD) $(BUILD)-asan

-include $(FUZZ_LIB_OBJ:.o=.d) $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(EXT_OBJ:.o=.d)
