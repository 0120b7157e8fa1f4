// SPDX-License-Identifier: GPL-2.0
/* A program that loads but uses 448 bytes of BPF stack: bpf_budget.sh
 * checks that the budget check reports it OVER, so the check is known to
 * bite. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sched_switch")
int budget_over(void *ctx)
{
	char buf[448];

	/* The helper writes all of it: the compiler cannot shrink it. */
	bpf_probe_read_kernel(buf, sizeof(buf), ctx);
	return buf[0] + buf[sizeof(buf) - 1];
}

char LICENSE[] SEC("license") = "GPL";
