# shark — top-level build.
#
#   make            build build/release/bin/shark (static), beside it
#                   libexec/shark/shark (its dynamic twin) and shark-init
#                   (the sandbox's pid 1), and every test, fuzz and bench
#                   program, so none of them can rot
#   make deps       install the Debian packages the build and tests need
#   make test       build, then run every test (unit, fuzz corpus, e2e,
#                   conformance), as root and as an unprivileged user
#   make demo       show shark's point on a small pipeline
#   make bench      print the benchmark tables (docs/performance.md)
#   make fuzz       build libFuzzer versions of the fuzz targets with clang
#   make SANITIZE=1 test   the same suite under ASan + UBSan
#
# Layout: one static library per module: store/, sandbox/, and the four
# folders of shark/ (util/, memo/, shell/, cli/; shark/main.c is the
# program's entry), linked into the shark binary and into the tests.
# Dependencies point one way (mk/check-includes.sh checks them in `make test`):
#   main -> cli, shell;  shell -> memo (memo.h only);  cli -> memo (memo.h), store;
#   memo -> store, sandbox;  every shark/ folder -> util;  store, sandbox -> nothing.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
# Keep every object file: the test and fuzz objects are only reached through
# pattern rules, and make would otherwise delete them as intermediates and
# rebuild them on every run.
.SECONDARY:

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build/san
OPT ?= -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD ?= build/release
OPT ?= -O2 -g
SANFLAGS :=
endif

CC ?= cc
# libarchive: headers only; store/archive.c opens it with dlopen on first use

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS_ALL = -D_GNU_SOURCE -I. -include mk/banned.h -MMD -MP
CFLAGS_ALL = -std=gnu11 $(OPT) $(WARNINGS) $(SANFLAGS) $(CFLAGS)
# Relative relocations packed into a bitmap (DT_RELR, glibc 2.36 and
# binutils 2.38 or later): the loader reads 0.5 KiB instead of 45 KiB of
# relocation records at every start. Left out where the toolchain lacks it.
LDFLAGS_RELR := $(shell printf 'int main(void){return 0;}\n' | \
	$(CC) -x c - -o /dev/null -Wl,--fatal-warnings -Wl,-z,pack-relative-relocs 2>/dev/null && \
	echo -Wl,-z,pack-relative-relocs)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS_RELR) $(LDFLAGS)
# Every shark start (each script, each `shark -c`) pays the dynamic loader
# for every shared library: these three are linked from their Debian static
# archives where installed (about 1 ms less per start here; libxxhash's
# archive is plain SSE2, store/hash_avx2.c adds the AVX2 code); only libc
# stays shared (in the twin and the tests; bin/shark is static, below).
# STATIC_LIBS= links them all dynamically (and shark with them). readline is opened
# by an interactive shell only (dlopen, shark/shell/interactive.c), like
# libarchive and libcurl on first use.
STATIC_LIBS ?= seccomp lmdb xxhash
static_ok = $(filter-out lib$(1).a,$(shell $(CC) -print-file-name=lib$(1).a))
LIBS_STATIC := $(foreach l,$(STATIC_LIBS),$(if $(call static_ok,$(l)),$(l)))
LIBS_SHARED := $(filter-out $(LIBS_STATIC),seccomp lmdb xxhash)
comma := ,
LIBS_EXT = $(if $(LIBS_STATIC),-Wl$(comma)-Bstatic $(addprefix -l,$(LIBS_STATIC)) -Wl$(comma)-Bdynamic) \
	$(addprefix -l,$(LIBS_SHARED)) -lpthread

# --- sources -----------------------------------------------------------------
STORE_SRCS   := $(sort $(wildcard store/*.c))
SANDBOX_SRCS := $(sort $(filter-out sandbox/init_main.c,$(wildcard sandbox/*.c)))
UTIL_SRCS    := $(sort $(wildcard shark/util/*.c))
MEMO_SRCS    := $(sort $(wildcard shark/memo/*.c))
SHELL_SRCS   := $(sort $(wildcard shark/shell/*.c))
CLI_SRCS     := $(sort $(wildcard shark/cli/*.c))
UNIT_SRCS    := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRCS   := $(sort $(wildcard tests/bench/bench_*.c))
HELPER_SRCS  := $(sort $(wildcard tests/helpers/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBSTORE   := $(BUILD)/lib/libstore.a
LIBSANDBOX := $(BUILD)/lib/libsandbox.a
LIBUTIL    := $(BUILD)/lib/libutil.a
LIBMEMO    := $(BUILD)/lib/libmemo.a
LIBSHELL   := $(BUILD)/lib/libshell.a
LIBCLI     := $(BUILD)/lib/libcli.a
# in link order: each library before the ones it uses
LIBS_OWN   := $(LIBCLI) $(LIBSHELL) $(LIBMEMO) $(LIBUTIL) $(LIBSANDBOX) $(LIBSTORE)
SHARK_BIN  := $(BUILD)/bin/shark
# Its dynamic twin (a static shark only; see its rule)
TWIN_BIN   := $(BUILD)/libexec/shark/shark
# The sandbox's pid 1, exec'd by libsandbox: found relative to the running
# program (sandbox/internal.h SANDBOX_INIT_REL), so bin/ and tests/ find it.
INIT_BIN   := $(BUILD)/libexec/shark/shark-init
# tests/helpers/ look one level deeper: tests/libexec points at it.
INIT_LINK  := $(BUILD)/tests/libexec

UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/%,$(FUZZ_SRCS))
BENCH_BINS  := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRCS))

ALL_OBJS := $(call obj,$(STORE_SRCS) $(SANDBOX_SRCS) sandbox/init_main.c $(UTIL_SRCS) $(MEMO_SRCS) \
	$(SHELL_SRCS) $(CLI_SRCS) shark/main.c shark/twin_static.c shark/twin_dyn.c \
	$(UNIT_SRCS) $(FUZZ_SRCS) $(BENCH_SRCS) $(HELPER_SRCS) tests/fuzz/replay_main.c mk/filter-gen.c)

# --- rules -------------------------------------------------------------------
.PHONY: all deps check-includes test unit-test e2e-test demo bench fuzz clean

all: $(SHARK_BIN) $(TWIN_BIN) $(INIT_BIN) $(INIT_LINK) $(UNIT_BINS) $(FUZZ_BINS) $(BENCH_BINS) $(HELPER_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -c -o $@ $<

# Criterion's macros define functions without prototypes; the tests are
# otherwise held to the same warnings.
$(BUILD)/obj/tests/unit/%.o: CFLAGS_ALL += -Wno-missing-prototypes

$(LIBSTORE): $(call obj,$(STORE_SRCS))
# The seccomp filter's programs are compiled at build time (a shell used
# to spend milliseconds in libseccomp before its first command): the
# generator runs sandbox/filter.c and its output is part of libsandbox.
FILTER_GEN := $(BUILD)/gen/filter-gen
FILTER_BPF := $(BUILD)/gen/filter_bpf.c
$(FILTER_GEN): $(call obj,mk/filter-gen.c sandbox/filter.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT)
$(FILTER_BPF): $(FILTER_GEN)
	$(FILTER_GEN) > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/gen/filter_bpf.o: $(FILTER_BPF)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -c -o $@ $<
-include $(BUILD)/obj/gen/filter_bpf.d

# The sandbox's build id: the caller and shark-init (a separate program,
# which an upgrade may replace under a running shell) agree on it before a
# plan crosses between them (sandbox/prep.c).
SANDBOX_ABI_C := $(BUILD)/gen/sandbox_abi.c
$(SANDBOX_ABI_C): $(SANDBOX_SRCS) sandbox/init_main.c $(wildcard sandbox/*.h) mk/filter-gen.c
	@mkdir -p $(@D)
	printf 'unsigned sandbox_abi(void);\nunsigned sandbox_abi(void) { return %su; }\n' \
		"$$(cat $^ | cksum | cut -d' ' -f1)" > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/gen/sandbox_abi.o: $(SANDBOX_ABI_C)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -c -o $@ $<

$(LIBSANDBOX): $(call obj,$(SANDBOX_SRCS)) $(BUILD)/obj/gen/filter_bpf.o $(BUILD)/obj/gen/sandbox_abi.o
$(LIBUTIL): $(call obj,$(UTIL_SRCS))
$(LIBMEMO): $(call obj,$(MEMO_SRCS))
$(LIBSHELL): $(call obj,$(SHELL_SRCS))
$(LIBCLI): $(call obj,$(CLI_SRCS))
$(LIBS_OWN):
	@mkdir -p $(@D)
	rm -f $@
	$(if $^,ar rcs $@ $^,ar rcs $@)

# The installed shark is static (-static-pie: no loader at any start, about
# 0.2 ms less for each script and `shark -c` than one linked with libc.so;
# docs/performance.md, "A static shark and its dynamic twin"). A static
# program cannot load readline, libcurl and libarchive (each brings the
# shared libc), so the twin, the same objects linked dynamically, serves
# what needs them: shark execs it, same argv and environment, when a shell
# turns interactive, SHARK_REMOTE is set, or for export, import and remote;
# it also answers user lookups beyond /etc/passwd (shark/twin.h). Where the
# static archives are missing, and under SANITIZE=1 (ASan needs the
# loader), shark is linked dynamically and there is no twin.
static_pie_ok := $(shell printf 'int main(void){return 0;}\n' | \
	$(CC) -x c - -o /dev/null -static-pie 2>/dev/null && echo 1)
ifeq ($(SANITIZE)$(LIBS_SHARED)$(static_pie_ok),01)
SHARK_STATIC := 1
else
SHARK_STATIC := 0
endif
TWIN_WRAPS := dlopen dlsym dlerror dlclose getpwnam getpwuid
ifeq ($(SHARK_STATIC),1)
$(SHARK_BIN): $(call obj,shark/main.c shark/twin_static.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -static-pie $(addprefix -Wl$(comma)--wrap=,$(TWIN_WRAPS)) \
		-o $@ $^ $(addprefix -l,$(LIBS_STATIC)) -lpthread
$(TWIN_BIN): $(call obj,shark/main.c shark/twin_dyn.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT)
else
$(SHARK_BIN): $(call obj,shark/main.c shark/twin_dyn.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT)
# nothing to build: a dynamic shark has no twin (a stale one is removed)
$(TWIN_BIN):
	rm -f $@
.PHONY: $(TWIN_BIN)
endif

# Static (-static-pie): no loader, no lazy binding at each sandbox's start,
# and only the sandbox objects it uses (no libseccomp: the filter is
# compiled at build time). ASan cannot be static: dynamic under SANITIZE=1.
ifeq ($(SANITIZE),1)
INIT_LDFLAGS :=
else
INIT_LDFLAGS := -static-pie
endif
$(INIT_BIN): $(call obj,sandbox/init_main.c) $(LIBSANDBOX)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(INIT_LDFLAGS) -o $@ $^ -lpthread

$(INIT_LINK):
	@mkdir -p $(@D)
	ln -sfn ../libexec $@

$(BUILD)/tests/test_%: $(call obj,tests/unit/test_%.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT) -lcriterion

# Fuzz targets define LLVMFuzzerTestOneInput; by default they are linked with
# a small driver that replays a corpus, so they build (and run) everywhere.
$(BUILD)/tests/fuzz_%: $(call obj,tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT)

$(BUILD)/tests/helpers/%: $(call obj,tests/helpers/%.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT)

$(BUILD)/bench/bench_%: $(call obj,tests/bench/bench_%.c) $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_EXT)

deps:
	@sh mk/deps.sh

test: all check-includes
	@sh tests/run-tests.sh $(BUILD)

check-includes:
	@sh mk/check-includes.sh

demo: $(SHARK_BIN) $(TWIN_BIN) $(INIT_BIN)
	@sh mk/demo.sh $(BUILD)

bench: all
	@sh tests/bench/run.sh $(BUILD)

# libFuzzer builds (clang): build/fuzz/fuzz_NAME, run e.g.
#   build/fuzz/fuzz_trace -max_total_time=600 tests/fuzz/corpus/trace
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
fuzz:
	$(MAKE) BUILD=$(FUZZ_DIR)/obj CC=$(FUZZ_CC) \
		CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
		$(patsubst $(BUILD)/%,$(FUZZ_DIR)/obj/%,$(LIBS_OWN))
	@mkdir -p $(FUZZ_DIR)
	@for src in $(FUZZ_SRCS); do \
		name=$$(basename $$src .c); \
		echo "  FUZZ $$name"; \
		$(FUZZ_CC) -D_GNU_SOURCE -I. -include mk/banned.h -g -O1 \
			-fsanitize=fuzzer,address,undefined \
			-o $(FUZZ_DIR)/$$name $$src \
			$(patsubst $(BUILD)/%,$(FUZZ_DIR)/obj/%,$(LIBS_OWN)) \
			$(LIBS_EXT) || exit 1; \
	done

clean:
	rm -rf build

-include $(ALL_OBJS:.o=.d)
