// SPDX-License-Identifier: GPL-2.0
/* CPU sampling: runs on every cpu-clock tick of every CPU, keeps only threads
 * of target processes, and counts identical (tgid, tid, user stack, kernel
 * stack) in the kernel so user space reads aggregates, not every sample. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bpf/abi.h"

#define STATS_MAX CPU_STAT__MAX
#include "bpf/common.bpf.h"
#define USTACK_ENTRIES TMPROF_STACK_ENTRIES
#define USTACK_USER UNWIND_USER_CPU
#include "bpf/ustack.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, TMPROF_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TMPROF_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TMPROF_COUNT_ENTRIES);
	__type(key, struct cpu_sample_key);
	__type(value, __u64);
} counts SEC(".maps");

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct cpu_sample_key key = {};
	__u64 one = 1, *count;

	/* Filter first: on a busy host most ticks belong to other processes. */
	if (!is_target(tgid))
		return 0;

	stat_inc(CPU_STAT_SAMPLES);
	key.tgid = tgid;
	key.tid = (__u32)pid_tgid;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	key.user_stack = user_stack_get(ctx, false, CPU_STAT_USER_ERROR, CPU_STAT_USER_COLLISION);
	key.kern_stack_id = stack_id_or_lost(bpf_get_stackid(ctx, &stacks, 0),
					     CPU_STAT_KERN_COLLISION, CPU_STAT_KERN_ERROR);

	count = bpf_map_lookup_elem(&counts, &key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return 0;
	}
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) != 0) {
		/* Another CPU may have inserted the key meanwhile. */
		count = bpf_map_lookup_elem(&counts, &key);
		if (count)
			__sync_fetch_and_add(count, 1);
		else
			stat_inc(CPU_STAT_COUNTS_FULL);
	}
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TMPROF_THREAD_TIME_ENTRIES);
	__type(key, __u32);
	__type(value, struct cpu_thread_time);
} thread_time SEC(".maps");

/* --sampler=weighted only (not loaded otherwise): the scheduler's own count
 * of each target thread's CPU time, kept at every switch-out so that a
 * thread that exits leaves its final figure. User space weighs each
 * thread's samples by it (agent/sample_weights.h). */
SEC("raw_tp/sched_switch")
int BPF_PROG(cpu_thread_switch, bool preempt, struct task_struct *prev)
{
	struct cpu_thread_time v = {};
	__u32 tid;

	v.tgid = BPF_CORE_READ(prev, tgid);
	if (!is_target(v.tgid))
		return 0;
	tid = BPF_CORE_READ(prev, pid);
	v.runtime_ns = BPF_CORE_READ(prev, se.sum_exec_runtime);
	bpf_map_update_elem(&thread_time, &tid, &v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
