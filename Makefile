# SPDX-License-Identifier: GPL-2.0
# tmprof build.
#   make            build bpf objects, skeletons and the tmprof binary
#   make deps       install build and test dependencies from Debian (idempotent)
#   make test       deps + build + unit tests + end-to-end tests (root, real BPF)
#   make demo       deps + build + profile the bundled stand-in TaskManager
#   make bench      benchmarks (figures, not pass/fail)
#   make SANITIZE=1 ...   build user space with ASan + UBSan

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
JAVAC    ?= javac
BUILD    := build

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -I$(BUILD)
LDLIBS   := -linih -ljansson -lbpf -ldw -lelf -lz -lstdc++ -lm
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -I. -Wall -Werror

# Debian packages the build, the tests and the demo need.
DEPS_PKGS := make gcc g++ clang llvm bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev \
             libcmocka-dev libjansson-dev libunwind-dev libjemalloc-dev libcurl4-openssl-dev libinih-dev \
             openjdk-17-jdk-headless procps gawk time chromium golang-go \
             clang-tidy cppcheck valgrind curl python3

SYMBOLIZE_SRCS  := $(wildcard symbolize/*.c)
FLAMEGRAPH_SRCS := $(wildcard flamegraph/*.c)
# agent/ is one folder per layer (README, Layout); every layer goes into libtmprof.a.
AGENT_DIRS      := cli collect core jvm daemon leak
AGENT_SRCS      := $(filter-out agent/cli/main.c,$(wildcard $(AGENT_DIRS:%=agent/%/*.c)))
BPF_SRCS        := $(wildcard bpf/*.bpf.c)
SKELETONS       := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

SYMBOLIZE_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(SYMBOLIZE_SRCS))
FLAMEGRAPH_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(FLAMEGRAPH_SRCS))
AGENT_OBJS      := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS))
LIB_OBJS        := $(AGENT_OBJS) $(SYMBOLIZE_OBJS) $(FLAMEGRAPH_OBJS)

UNIT_SRCS       := $(wildcard tests/unit/test_*.c)
UNIT_BINS       := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TEST_HELPERS    := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

WORKLOAD_SRCS   := $(shell find tests/workloads -name '*.java' 2>/dev/null)
WORKLOAD_STAMP  := $(BUILD)/workloads/.stamp

.PHONY: all deps test unit e2e demo bench clean workloads
.DELETE_ON_ERROR:
# Keep the BPF objects: the skeletons embed them and tests load them too.
.SECONDARY: $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))

all: $(BUILD)/tmprof

# vmlinux.h from the running kernel's BTF; the committed copy is the fallback
# for machines without /sys/kernel/btf/vmlinux or without bpftool.
$(BUILD)/vmlinux.h: bpf/vmlinux_fallback.h
	@mkdir -p $(@D)
	@if [ -r /sys/kernel/btf/vmlinux ] && $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp 2>/dev/null; then \
		mv $@.tmp $@; \
	else \
		echo "vmlinux.h: no kernel BTF, using bpf/vmlinux_fallback.h"; rm -f $@.tmp; cp $< $@; \
	fi

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard bpf/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# Default rules compiled in, so the binary works anywhere on its own:
# agent/rules/X.rules becomes $(BUILD)/X_rules.h with X_rules_text.
RULES_HEADERS   := $(patsubst agent/rules/%.rules,$(BUILD)/%_rules.h,$(wildcard agent/rules/*.rules))
$(BUILD)/%_rules.h: agent/rules/%.rules
	@mkdir -p $(@D)
	{ echo 'static const char $*_rules_text[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c $(SKELETONS) $(RULES_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtmprof.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tmprof: $(BUILD)/agent/cli/main.o $(BUILD)/libtmprof.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# One cmocka binary per module; tests/unit/test_X.wrap may hold -Wl,--wrap=... flags.
$(BUILD)/tests/%: tests/unit/%.c $(TEST_HELPERS) $(BUILD)/libtmprof.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(TEST_HELPERS) $(BUILD)/libtmprof.a \
		$(shell cat tests/unit/$*.wrap 2>/dev/null) -lcmocka $(LDLIBS)

# Loads every BPF object with the verifier's statistics and checks stack
# and instruction budgets (tests/e2e/bpf_budget.sh, make test-kernels).
$(BUILD)/bpf_budget: tests/e2e/bpf_budget.c $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lbpf -lelf -lz

$(WORKLOAD_STAMP): $(WORKLOAD_SRCS)
	@mkdir -p $(BUILD)/workloads
	$(JAVAC) --release 11 -d $(BUILD)/workloads $(WORKLOAD_SRCS)
	@touch $@

# The category stand-in's JNI library, named like RocksDB's
# (tests/workloads/rocksdb/rocksdbjni.cc): C++ with symbols and frame
# pointers, no tail calls, so each rocksdb:: function is a native frame.
JNI_LIB      := $(BUILD)/workloads/librocksdbjni-linux64.so
JAVA_INCLUDE ?= $(shell j=$$(readlink -f "$$(command -v $(JAVAC))" 2>/dev/null) && echo $${j%/bin/*}/include)
$(JNI_LIB): tests/workloads/rocksdb/rocksdbjni.cc
	@mkdir -p $(@D)
	$(CXX) -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -fPIC -shared -Wall -Wextra -Werror \
		-I$(JAVA_INCLUDE) -I$(JAVA_INCLUDE)/linux -o $@ $<

workloads: $(WORKLOAD_STAMP) $(JNI_LIB)

deps:
	@missing=""; for p in $(DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else echo "deps: all installed"; fi

unit: $(UNIT_BINS)
e2e: $(BUILD)/tmprof $(BUILD)/bpf_budget $(WORKLOAD_STAMP) $(JNI_LIB)

# HARDENING=1 (the default under CI=true) adds lint, the fuzzers and the
# ASan + UBSan suite to the run (tests/run.sh, section 3).
HARDENING ?= $(if $(filter true,$(CI)),1,0)
# KERNEL_MATRIX=1 (the default under CI=true) adds make test-kernels
# (tests/run.sh, section 3).
KERNEL_MATRIX ?= $(if $(filter true,$(CI)),1,0)
test: deps
	$(MAKE) -j2 all unit e2e
	HARDENING=$(HARDENING) KERNEL_MATRIX=$(KERNEL_MATRIX) tests/run.sh $(BUILD)

demo: deps
	$(MAKE) -j2 all workloads
	tests/demo.sh $(BUILD)

bench: deps
	$(MAKE) -j2 all workloads
	tests/bench.sh $(BUILD)
	tests/bench_threads.sh $(BUILD)
	tests/bench_alloc.sh $(BUILD)
	tests/bench_leak.sh $(BUILD)
	tests/bench_flamegraph.sh $(BUILD)
	tests/bench_hotspot.sh $(BUILD)
	tests/bench_hostile.sh $(BUILD)
	tests/bench_maps.sh $(BUILD)
	tests/bench_categories.sh $(BUILD)
	tests/bench_operators.sh $(BUILD)

clean:
	rm -rf $(BUILD)

# Fragments for test tooling (fuzzing, static analysis, ...) live with the tests.
include $(wildcard tests/mk/*.mk)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
