/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What every tmprof BPF program has: the target filter, per-CPU counters,
 * and the stack-id convention. Include after vmlinux.h and bpf_helpers.h,
 * with STATS_MAX defined to the number of counters. */
#ifndef TMPROF_BPF_COMMON_BPF_H
#define TMPROF_BPF_COMMON_BPF_H

#include "bpf/abi.h"

#define EFAULT 14
#define EEXIST 17
#define EBUSY 16
#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/* tgids (host pid namespace) to trace; user space fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TMPROF_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STATS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline bool is_target(__u32 tgid)
{
	return bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

/* A stack id, or -1 with the loss counted. -EFAULT means there is no stack
 * of that kind (a user-mode sample has no kernel stack, a kernel thread no
 * user stack): not a loss. */
static __always_inline __s32 stack_id_or_lost(long id, __u32 collision_stat, __u32 error_stat)
{
	if (id >= 0)
		return id;
	if (id == -EEXIST)
		stat_inc(collision_stat);
	else if (id != -EFAULT)
		stat_inc(error_stat);
	return -1;
}

#endif
