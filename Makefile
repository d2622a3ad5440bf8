# kansoku — GNU Makefile (non-recursive). See README.md and docs/HACKING.md.
#   make            build bin/kansoku
#   make test       unit + integration + fuzz-corpus replay, then the same under
#                   ASan+UBSan, then a short libFuzzer smoke run of every target
#   make fuzz       longer libFuzzer runs (FUZZ_SECONDS per target)
#   make bench      bench/*.sh
#   make deps       install missing Debian packages (needs root / sudo)

PKGS      := libpcap sqlite3 libmaxminddb jansson libxxhash libzstd libxml-2.0 libpcre2-8 libsodium libssh libcurl
BUILD     ?= build
CC        ?= cc
FUZZ_CC   ?= clang-14
FUZZ_SECONDS ?= 60
SMOKE_RUNS ?= 3000

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -Wimplicit-fallthrough
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
INC := $(addprefix -I,$(wildcard src/*))
CFLAGS_ALL := -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(INC) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL := -pie -Wl,-z,relro,-z,now $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm -lpthread

ifdef SANITIZE
CFLAGS_ALL += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS_ALL += -fsanitize=$(SANITIZE)
endif

LIB_SRC  := $(sort $(filter-out src/cmd/%,$(wildcard src/*/*.c)))
CMD_SRC  := $(sort $(wildcard src/cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TOOL_SRC := $(sort $(wildcard tools/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
LIBA     := $(BUILD)/libkansoku.a
BIN      := $(if $(filter build,$(BUILD)),bin/kansoku,$(BUILD)/bin/kansoku)
UNIT_BIN := $(BUILD)/tests/unit/unit
TOOLS    := $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/replay_%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all test test-one fuzz fuzz-smoke bench deps clean check-style demo
all: $(BIN) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(CMD_OBJ) $(LIBA) $(LIBS) -o $@

$(UNIT_BIN): $(UNIT_OBJ) $(LIBA)
	$(CC) $(LDFLAGS_ALL) $(UNIT_OBJ) $(LIBA) $(LIBS) -o $@

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIBA)
	$(CC) $(LDFLAGS_ALL) $< $(LIBA) $(LIBS) -o $@

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay_main.o $(LIBA)
	$(CC) $(LDFLAGS_ALL) $^ $(LIBS) -o $@

$(BUILD)/tests/fuzz/replay_main.o: tests/fuzz/replay_main.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -c $< -o $@

# One pass of the whole suite against the binaries in $(BUILD).
test-one: $(BIN) $(UNIT_BIN) $(TOOLS) $(FUZZ_REPLAY)
	KS_BUILD=$(BUILD) KANSOKU=$(abspath $(BIN)) tests/run.sh

# Sub-makes, so that pkg-config runs after the dependencies are installed.
test: deps
	$(MAKE) test-one
	$(MAKE) BUILD=build/san SANITIZE=address,undefined OPT="-O1 -g" test-one
	$(MAKE) fuzz-smoke
	@tests/summary.sh

# libFuzzer builds: the library compiled once with clang's coverage
# instrumentation (fuzzer-no-link), each target linked against it.
FUZZ_FLAGS := -std=c17 -D_GNU_SOURCE -g -O1 $(INC) $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

build/fuzz/libkansoku.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libkansoku.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $< build/fuzz/libkansoku.a \
	  $(PKG_LIBS) -lm -lpthread -o $@

fuzz-smoke: $(FUZZ_BIN)
	KS_FUZZ_MODE=smoke KS_FUZZ_RUNS=$(SMOKE_RUNS) tests/fuzz/run.sh $(FUZZ_BIN)

fuzz: deps
	$(MAKE) fuzz-long

fuzz-long: $(FUZZ_BIN)
	KS_FUZZ_MODE=long KS_FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BIN)

bench: deps
	$(MAKE) all
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

deps:
	@scripts/deps.sh

# The darknet demo on the bundled sample capture (see README.md).
demo: deps
	$(MAKE) all
	scripts/demo.sh

check-style:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|strncpy|alloca|system|popen)[[:space:]]*\(' \
	  $(LIB_SRC) $(CMD_SRC) $(TOOL_SRC) || (echo "banned function used" && false)

clean:
	rm -rf build bin

-include $(shell find $(BUILD) build/fuzz/obj -name '*.d' 2>/dev/null)
