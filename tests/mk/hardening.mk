# SPDX-License-Identifier: GPL-2.0
# Hardening: sanitizers, valgrind, libFuzzer, static analysis.
# Included by the Makefile (include tests/mk/*.mk); uses its variables
# (BUILD, CFLAGS, LDLIBS, *_SRCS, SKELETONS, UNIT_BINS).
#
#   make test-asan      the whole suite (unit + e2e) built with ASan + UBSan,
#                       in its own build dir (ASAN_BUILD, default build/asan)
#                       so it does not mix objects with a normal build
#   make memcheck       every unit test binary under valgrind (memcheck),
#                       ends with "N passed, N failed"
#   make fuzz           every libFuzzer harness for FUZZ_SECONDS each,
#                       prints the executions per harness
#   make fuzz-ci        the same, 15 s each (CI; make fuzz runs them longer)
#   make fuzz-regress   replay tests/fuzz/regressions/<name>/* and the seed
#                       corpora once through each harness (seconds; CI)
#   make fuzz-build     only build the harnesses (BUILD/fuzz/fuzz_<name>)
#   make lint           clang-tidy (.clang-tidy) + cppcheck over agent/,
#                       symbolize/, flamegraph/: zero findings or failure
#
# CI (.ci/run: make test with CI=true, hence HARDENING=1) runs lint,
# fuzz-regress, fuzz-ci and the ASan + UBSan suite inside `make test`
# (tests/run.sh section 3). memcheck is run by hand (slow under valgrind).

.PHONY: test-asan memcheck fuzz fuzz-ci fuzz-regress fuzz-build lint lint-tidy lint-cppcheck \
	compile-commands

# ------------------------------------------------------------- sanitizers
# The Makefile adds -fsanitize=address,undefined for SANITIZE=1; BUILD is
# overridden on the command line, so the sub-make and tests/run.sh use it.
ASAN_BUILD ?= $(BUILD)/asan
# halt_on_error: a finding fails the test binary; detect_leaks: LSan too.
ASAN_OPTIONS_TEST ?= detect_leaks=1:abort_on_error=0:halt_on_error=1
UBSAN_OPTIONS_TEST ?= print_stacktrace=1:halt_on_error=1

test-asan:
	ASAN_OPTIONS=$(ASAN_OPTIONS_TEST) UBSAN_OPTIONS=$(UBSAN_OPTIONS_TEST) \
		$(MAKE) BUILD=$(ASAN_BUILD) SANITIZE=1 HARDENING=0 test

# ------------------------------------------------------------- valgrind
# Unit tests of the normal build (not SANITIZE=1: valgrind and ASan do not
# mix). A binary passes when its cmocka cases pass and valgrind reports no
# error and no definite/indirect leak. tests/mk/valgrind.supp documents the
# suppressions.
VALGRIND ?= valgrind
VALGRIND_FLAGS ?= --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --track-fds=no --suppressions=tests/mk/valgrind.supp -q

# Not under valgrind: test_cpu_sampler checks that CPU samples land in a
# function of its forked busy child; under valgrind that child runs as
# translated code, so no sample can (a property of valgrind, not a leak).
MEMCHECK_SKIP ?= test_cpu_sampler
MEMCHECK_BINS := $(filter-out $(addprefix $(BUILD)/tests/,$(MEMCHECK_SKIP)),$(UNIT_BINS))

memcheck: $(UNIT_BINS)
	@command -v $(VALGRIND) >/dev/null || { echo "memcheck: no valgrind (apt-get install valgrind)"; exit 1; }
	@[ -z "$(MEMCHECK_SKIP)" ] || echo "memcheck: not run (see tests/mk/hardening.mk): $(MEMCHECK_SKIP)"
	@pass=0; fail=0; failed=""; \
	for bin in $(MEMCHECK_BINS); do \
		log=$(BUILD)/memcheck-$$(basename $$bin).log; \
		timeout -k 10 900 $(VALGRIND) $(VALGRIND_FLAGS) $$bin >$$log 2>&1; rc=$$?; \
		if [ $$rc -eq 0 ]; then pass=$$((pass + 1)); echo "ok - memcheck $$(basename $$bin)"; \
		else fail=$$((fail + 1)); failed="$$failed $$(basename $$bin)"; \
			echo "not ok - memcheck $$(basename $$bin): exit $$rc (log: $$log)"; \
			grep -E '^==[0-9]+== ' $$log | head -n 40; \
			grep -E '^\[  (FAILED|ERROR)  \]' $$log | head -n 10; \
		fi; \
	done; \
	[ -z "$$failed" ] || echo "memcheck failed:$$failed"; \
	echo "$$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

# ------------------------------------------------------------- libFuzzer
# The library is rebuilt with clang and coverage instrumentation
# (fuzzer-no-link) + ASan + UBSan into FUZZ_DIR; each tests/fuzz/fuzz_X.c
# links it with libFuzzer into FUZZ_DIR/fuzz_X. Seeds: tests/fuzz/corpus/X/
# (committed) plus, for elf_symtab, small .so files built here. New inputs
# go to FUZZ_DIR/corpus/X/ (not into the repository).
#
# make fuzz runs each harness until FUZZ_EXECUTIONS executions (default 10
# million, libFuzzer's -runs), capped at FUZZ_SECONDS (default 5400 s, or
# FUZZ_SECONDS_<name>); make fuzz-ci runs each for FUZZ_CI_SECONDS. Rates
# measured here (executions per second with ASan + UBSan, machine shared):
#   attach_reply 692k/s   task_name 190k/s   proc_status 147k/s
#   heap_v2      101k/s   hotspot_perfdata 90k/s  state_rules 70k/s
#   daemon_config 55k/s   proc_maps  54k/s   thread_dump  44k/s
#   ksyms         43k/s   elf_symtab 38k/s   folded       13k/s
#   perf_map     6.6k/s   thread_report 6.6k/s  hotspot_method 5.7k/s
#   java_frames  5.3k/s
#   category_rules 0.4k/s (measured under a load average of 55; classifies
#   each input's rules over 8 frames x 12 thread kinds, cached and not)
# so the slowest take ~30 min each for 10M; `make -j2 fuzz` runs two at
# once (each harness is one target, fuzz-run-<name>).
FUZZ_CC      ?= clang
FUZZ_DIR     ?= $(BUILD)/fuzz
FUZZ_SECONDS ?=
FUZZ_CI_SECONDS ?= 10
# -timeout=25: one input running 25 s is a hang; 10 s gave a false alarm
# (elf_symtab, an input that runs in 0.2 s) under a load average of 30.
FUZZ_FLAGS   ?= -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -I$(BUILD) $(FUZZ_SAN)

# The folded reader is new: its harness is built only once its header exists.
FUZZ_ALL     := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(if $(wildcard flamegraph/folded_parse.h),$(FUZZ_ALL),$(filter-out folded,$(FUZZ_ALL)))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(SYMBOLIZE_SRCS) $(FLAMEGRAPH_SRCS) $(AGENT_SRCS))
FUZZ_ELF_SEEDS := $(FUZZ_DIR)/seeds/elf_symtab/lib.so $(FUZZ_DIR)/seeds/elf_symtab/stripped.so \
	$(FUZZ_DIR)/seeds/elf_symtab/exec

# A time cap per harness for `make fuzz` (it stops at FUZZ_EXECUTIONS first).
FUZZ_EXECUTIONS ?= 10000000
FUZZ_SECONDS_DEFAULT := 5400
fuzz_seconds = $(or $(FUZZ_SECONDS),$(FUZZ_SECONDS_$(1)),$(FUZZ_SECONDS_DEFAULT))

$(FUZZ_DIR)/obj/%.o: %.c $(SKELETONS) $(RULES_HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/libtmprof-fuzz.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(FUZZ_DIR)/libtmprof-fuzz.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libtmprof-fuzz.a $(LDLIBS)

# Real ELF seeds, built from tests/fuzz/seed_lib.c: a shared object with
# .symtab, the same stripped (.dynsym only, a build-id note) and an
# executable. Small (no separate code pages) so mutations hit headers.
FUZZ_SEED_LDFLAGS := -Wl,-z,noseparate-code -Wl,--build-id=sha1
$(FUZZ_DIR)/seeds/elf_symtab/lib.so: tests/fuzz/seed_lib.c
	@mkdir -p $(@D)
	$(CC) -O1 -shared -fPIC -nostdlib $(FUZZ_SEED_LDFLAGS) -o $@ $<
$(FUZZ_DIR)/seeds/elf_symtab/stripped.so: $(FUZZ_DIR)/seeds/elf_symtab/lib.so
	strip --strip-all -o $@ $<
$(FUZZ_DIR)/seeds/elf_symtab/exec: tests/fuzz/seed_lib.c
	@mkdir -p $(@D)
	$(CC) -O1 -static -nostdlib -DSEED_EXEC $(FUZZ_SEED_LDFLAGS) -o $@ $<

# The same seeds for the other ELF readers (cfi_table, elf_lookup).
FUZZ_ELF_SEEDS += $(patsubst $(FUZZ_DIR)/seeds/elf_symtab/%,$(FUZZ_DIR)/seeds/elf_readers/%,$(FUZZ_ELF_SEEDS))
$(FUZZ_DIR)/seeds/elf_readers/%: $(FUZZ_DIR)/seeds/elf_symtab/%
	@mkdir -p $(@D)
	cp $< $@

fuzz-build: $(FUZZ_BINS) $(FUZZ_ELF_SEEDS)

# fuzz_run NAME SECONDS: one harness; prints "NAME: N executions in S s
# (R/s)"; a crash leaves FUZZ_DIR/crashes/NAME/crash-* and fails.
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/crashes/$(1)
	@seeds="tests/fuzz/corpus/$(1)"; [ -d $(FUZZ_DIR)/seeds/$(1) ] && seeds="$$seeds $(FUZZ_DIR)/seeds/$(1)"; \
	dict=""; [ -f tests/fuzz/$(1).dict ] && dict="-dict=tests/fuzz/$(1).dict"; \
	log=$(FUZZ_DIR)/fuzz_$(1).log; \
	$(FUZZ_DIR)/fuzz_$(1) $(FUZZ_FLAGS) $(3) $$dict -max_total_time=$(2) \
		-artifact_prefix=$(FUZZ_DIR)/crashes/$(1)/ $(FUZZ_DIR)/corpus/$(1) $$seeds >$$log 2>&1; rc=$$?; \
	n=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
	t=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -n 1); \
	c=$$(ls $(FUZZ_DIR)/corpus/$(1) | wc -l); \
	if [ $$rc -eq 0 ]; then echo "fuzz $(1): $${n:-?} executions in $(2) s ($${t:-?}/s), corpus $$c"; \
	else echo "fuzz $(1): FAILED (exit $$rc) after $${n:-?} executions; log $$log"; \
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' $$log | head -n 5; \
		ls $(FUZZ_DIR)/crashes/$(1)/ 2>/dev/null | sed 's|^|  artifact: $(FUZZ_DIR)/crashes/$(1)/|'; \
		echo "  keep it: cp <artifact> tests/fuzz/regressions/$(1)/ (make fuzz-regress replays it)"; \
		echo $(1) >>$(FUZZ_DIR)/failed; fi

endef

# One target per harness so that make -jN runs N at once; sequential by
# default (the machine is shared). fuzz-ci-run-<name>: the FUZZ_CI_SECONDS (10 s) variant.
FUZZ_RUNS    := $(addprefix fuzz-run-,$(FUZZ_NAMES))
FUZZ_CI_RUNS := $(addprefix fuzz-ci-run-,$(FUZZ_NAMES))
.PHONY: $(FUZZ_RUNS) $(FUZZ_CI_RUNS) fuzz-clear-failed

fuzz-clear-failed:
	@mkdir -p $(FUZZ_DIR) && rm -f $(FUZZ_DIR)/failed

$(FUZZ_RUNS): fuzz-run-%: fuzz-build fuzz-clear-failed
	$(call fuzz_run,$*,$(call fuzz_seconds,$*),-runs=$(FUZZ_EXECUTIONS))

$(FUZZ_CI_RUNS): fuzz-ci-run-%: fuzz-build fuzz-clear-failed
	$(call fuzz_run,$*,$(FUZZ_CI_SECONDS))

fuzz: $(FUZZ_RUNS)
	@if [ -s $(FUZZ_DIR)/failed ]; then echo "fuzz: failed: $$(tr '\n' ' ' <$(FUZZ_DIR)/failed)"; exit 1; fi

fuzz-ci: $(FUZZ_CI_RUNS)
	@if [ -s $(FUZZ_DIR)/failed ]; then echo "fuzz-ci: failed: $$(tr '\n' ' ' <$(FUZZ_DIR)/failed)"; exit 1; fi

# Each input once (libFuzzer runs file arguments and exits): the crash
# regressions and the seeds, so a fixed bug stays fixed.
fuzz-regress: fuzz-build
	@pass=0; fail=0; \
	for n in $(FUZZ_NAMES); do \
		files=$$(find tests/fuzz/regressions/$$n tests/fuzz/corpus/$$n $(FUZZ_DIR)/seeds/$$n \
			-type f ! -name README -print 2>/dev/null | sort); \
		[ -n "$$files" ] || continue; \
		log=$(FUZZ_DIR)/regress_$$n.log; \
		if $(FUZZ_DIR)/fuzz_$$n -timeout=25 $$files >$$log 2>&1; then \
			pass=$$((pass + 1)); echo "ok - fuzz-regress $$n ($$(echo "$$files" | wc -l) inputs)"; \
		else fail=$$((fail + 1)); echo "not ok - fuzz-regress $$n (log: $$log)"; \
			grep -E '^(==[0-9]+==ERROR|SUMMARY|Running: |.*runtime error)' $$log | tail -n 5; fi; \
	done; \
	echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# ------------------------------------------------------------- static analysis
# Check sets. clang-tidy (.clang-tidy has the list and a reason per
# exclusion): clang-analyzer-* (path-sensitive: leaks, NULL, use after free,
# uninitialised reads, nonnull arguments), bugprone-*, cert-* (the C rules),
# misc-*, performance-*, portability-*; minus style and idiom checks
# (swappable parameters, narrowing size_t -> int, reserved identifiers,
# assignment in if, `!strcmp`, unused parameters of callbacks, recursion,
# unchecked printf), checks that want Annex K functions glibc lacks, int to
# pointer casts (a target's addresses are integers), sscanf/atoi on /proc
# text, rand() for sampling, sizeof(*p) for arrays of pointers (clang-tidy
# 14 cannot tell it from a sizeof mistake), and two clang 14 analyzer checks that only gave
# false positives here (valist.Uninitialized, deadcode.DeadStores).
# cppcheck: warning, performance, portability (style is left to review;
# information is about missing system headers), one configuration
# (-D_GNU_SOURCE, as built). Inline suppressions carry their reason:
#   // NOLINT(check): reason      /* cppcheck-suppress id ; reason */
CLANG_TIDY ?= clang-tidy
CPPCHECK   ?= cppcheck
LINT_JOBS  ?= 2
LINT_SRCS  := $(sort $(AGENT_SRCS) agent/cli/main.c $(wildcard symbolize/*.c flamegraph/*.c))
COMPILE_DB := $(BUILD)/compile_commands.json

# By hand from the Makefile's own flags (same result as bear, without a
# rebuild): one entry per source of agent/, symbolize/, flamegraph/.
compile-commands: $(COMPILE_DB)
$(COMPILE_DB): $(LINT_SRCS) $(MAKEFILE_LIST)
	@mkdir -p $(@D)
	@{ echo '['; sep=''; for f in $(LINT_SRCS); do \
		printf '%s{"directory":"%s","file":"%s","command":"%s %s -c %s -o %s"}\n' "$$sep" \
			"$(CURDIR)" "$$f" "$(CC)" "$(CFLAGS)" "$$f" "$(BUILD)/$${f%.c}.o"; sep=','; \
	done; echo ']'; } >$@.tmp && mv $@.tmp $@

lint: lint-tidy lint-cppcheck

# Findings in build/ (bpftool's generated skeletons) are not ours: dropped.
lint-tidy: $(COMPILE_DB) $(SKELETONS) $(RULES_HEADERS)
	@echo "clang-tidy: $(words $(LINT_SRCS)) files"
	@printf '%s\n' $(LINT_SRCS) | xargs -P $(LINT_JOBS) -n 4 \
		$(CLANG_TIDY) -p $(BUILD) --quiet 2>/dev/null >$(BUILD)/clang-tidy.log; \
	grep -E ': (warning|error):' $(BUILD)/clang-tidy.log | sed 's|^$(CURDIR)/||' | \
		grep -v '^$(BUILD)/' | sort -u >$(BUILD)/clang-tidy.findings; \
	cat $(BUILD)/clang-tidy.findings; n=$$(wc -l <$(BUILD)/clang-tidy.findings); \
	echo "clang-tidy: $$n findings (full output: $(BUILD)/clang-tidy.log)"; [ $$n -eq 0 ]

lint-cppcheck: $(SKELETONS) $(RULES_HEADERS)
	@$(CPPCHECK) --quiet --std=c11 --max-configs=1 --language=c --enable=warning,performance,portability \
		--inline-suppr --error-exitcode=1 -D_GNU_SOURCE -D__x86_64__ -I. -I$(BUILD) \
		--suppress=missingIncludeSystem --suppress=unmatchedSuppression \
		--template='{file}:{line}: {severity}: {message} [{id}]' -j $(LINT_JOBS) \
		agent symbolize flamegraph 2>$(BUILD)/cppcheck.log; rc=$$?; \
	cat $(BUILD)/cppcheck.log; echo "cppcheck: $$(grep -c ': ' $(BUILD)/cppcheck.log) findings"; \
	[ $$rc -eq 0 ]
