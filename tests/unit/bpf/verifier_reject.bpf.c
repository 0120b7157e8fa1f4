// SPDX-License-Identifier: GPL-2.0
/* A program the verifier must reject, for tests/unit/test_bpf_load.c: it
 * dereferences a map lookup's result without checking it for NULL, the
 * classic rejection ("invalid mem access 'map_value_or_null'"). A hash map:
 * newer kernels know that an array lookup with a constant key in range
 * cannot fail. Loading it as root must be reported as a verifier rejection,
 * never as a permission problem. Not part of tmprof. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("perf_event")
int deref_unchecked(void *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &zero);

	(void)ctx;
	return (int)*v; /* no NULL check: the verifier says no */
}

char LICENSE[] SEC("license") = "GPL";
