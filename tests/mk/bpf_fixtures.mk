# SPDX-License-Identifier: GPL-2.0
# BPF objects the unit tests load: deliberately broken programs that check how
# tmprof reports a rejection. Built next to the test binaries, found by them
# through /proc/self/exe.
$(BUILD)/tests/%.bpf.o: tests/unit/bpf/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_bpf_load: $(BUILD)/tests/verifier_reject.bpf.o
$(BUILD)/tests/test_kernel_features: $(BUILD)/tests/verifier_reject.bpf.o
