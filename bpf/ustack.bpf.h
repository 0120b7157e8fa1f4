/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* User stacks for tmprof's BPF programs, stored by hash. Include after
 * common.bpf.h with USTACK_ENTRIES defined. This file picks the unwinder
 * for the current task and stores what it walked; the unwinders are
 *
 *   bpf/unwind_fp.bpf.h       frame pointers, and a stack scan past a
 *                             frame-pointer-less libc leaf
 *   bpf/unwind_cfi.bpf.h      .eh_frame rows for native code (bpf/abi.h)
 *   bpf/unwind_hotspot.bpf.h  HotSpot's frame layout (bpf/hotspot.h) for
 *                             JVMs without -XX:+PreserveFramePointer
 */
#ifndef TMPROF_BPF_USTACK_BPF_H
#define TMPROF_BPF_USTACK_BPF_H

#include <bpf/bpf_core_read.h>
#include "bpf/abi.h"
#include "bpf/hotspot.h"

/* The includer names itself (enum unwind_user) for the unwinder's counters. */
#ifndef USTACK_USER
#error "define USTACK_USER (enum unwind_user) before including bpf/ustack.bpf.h"
#endif

/* Stacks by hash. Entries are never deleted, so a hash user space has seen
 * keeps its stack. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, USTACK_ENTRIES);
	__type(key, __u64);
	__type(value, struct user_stack);
} ustacks SEC(".maps");

/* 1 KiB per stack is more than the BPF stack holds. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct user_stack);
} ustack_scratch SEC(".maps");

/* The unwinder's counters (enum unwind_stat): one map for every BPF
 * object of a session (user space creates it once and hands it to each
 * object before load), a row per object. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UNWIND_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} unwind_stats SEC(".maps");

static __always_inline void unwind_stat_add(__u32 stat, __u64 n)
{
	__u32 idx = USTACK_USER * UNWIND_STAT__MAX + stat;
	__u64 *v;

	if (!n)
		return;
	v = bpf_map_lookup_elem(&unwind_stats, &idx);
	if (v)
		*v += n;
}

#include "bpf/unwind_fp.bpf.h"
#include "bpf/unwind_cfi.bpf.h"
#include "bpf/unwind_hotspot.bpf.h"

/* The user stack of the current task, stored by hash; 0 if none. */
/* at_entry: the task stopped at a function's first instruction (a uprobe),
 * before the function pushed its frame: its caller's return address is at
 * sp, and bp is still the caller's frame. */
static __always_inline __u64 user_stack_walk(bool at_entry, __u32 stat_error, __u32 stat_collision,
					     struct ustack_anchor *anchor)
{
	/* The user registers of the current task: saved at kernel entry, so
	 * right whether the task was interrupted in user or kernel mode. */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u32 zero = 0, depth;
	struct user_stack *st = bpf_map_lookup_elem(&ustack_scratch, &zero);
	__u64 h = 0xcbf29ce484222325ULL;
	struct task_struct *task = bpf_get_current_task_btf();

	struct hotspot_cfg *cfg;

	if (!st)
		return 0;
	if (task->flags & PF_KTHREAD) /* kernel threads have no user stack */
		return 0;
	st->ips[0] = BPF_CORE_READ(regs, ip);
	if (!st->ips[0]) {
		stat_inc(stat_error);
		return 0;
	}
	cfg = bpf_map_lookup_elem(&hotspot_cfgs, &(__u32){ bpf_get_current_pid_tgid() >> 32 });
	if (cfg) {
		depth = hs_user_stack(st, cfg, regs, at_entry, anchor);
		/* The class-unloading epoch as the outermost word: it keeps
		 * apart stacks of methods that reuse an unloaded method's
		 * metadata addresses, and tells user space which names held. */
		if (depth < TMPROF_MAX_STACK_DEPTH - 1) {
			__u64 unloaded = 0;

			if (cfg->unloaded_addr)
				bpf_probe_read_user(&unloaded, sizeof(unloaded), (void *)cfg->unloaded_addr);
			st->ips[depth & (USTACK_SLOTS - 1)] = hs_frame_epoch(cfg->epoch + (__u32)unloaded);
			depth++;
		}
		goto store;
	}
	depth = 1;
	if (at_entry && !bpf_probe_read_user(&st->ips[1], sizeof(__u64),
					     (void *)BPF_CORE_READ(regs, sp)) && st->ips[1])
		depth = 2;
	anchor->ip = st->ips[0];
	anchor->sp = BPF_CORE_READ(regs, sp);
	anchor->fp = BPF_CORE_READ(regs, bp);
	/* A leaf with rows: walk with rows and frame pointers. */
	if (!at_entry && cfi_user_stack(anchor, &depth)) {
		unwind_stat_add(UNWIND_STAT_CFI_STACKS, 1);
		goto store;
	}
	depth = fp_user_stack(st, depth, at_entry, anchor);
store:
	if (bpf_probe_read_user(anchor->frame, sizeof(anchor->frame), (void *)anchor->fp))
		anchor->fp = 0;
	/* Readers stop at the first zero; what follows is stale scratch. */
	st->ips[depth & (USTACK_SLOTS - 1)] = 0;
	for (__u32 i = 0; i < TMPROF_MAX_STACK_DEPTH; i++) {
		if (i >= depth)
			break;
		h ^= st->ips[i];
		h *= 0x100000001b3ULL;
	}
	h |= 1; /* never 0: 0 means no stack */
	if (!bpf_map_lookup_elem(&ustacks, &h) &&
	    bpf_map_update_elem(&ustacks, &h, st, BPF_NOEXIST) && !bpf_map_lookup_elem(&ustacks, &h)) {
		stat_inc(stat_collision);
		return 0;
	}
	return h;
}

static __always_inline __u64 user_stack_get(void *ctx, bool at_entry, __u32 stat_error,
					    __u32 stat_collision)
{
	__u32 zero = 0;
	struct ustack_locals *l = bpf_map_lookup_elem(&ustack_locals, &zero);

	if (!l)
		return 0;
	return user_stack_walk(at_entry, stat_error, stat_collision, &l->anchor);
}

/* Did the current task stop where anchor says, with the same first frame
 * record? Then its stack is the one walked then: one 16-byte read instead
 * of a walk. Threads block again and again at the same few places. */
static __always_inline bool user_stack_same(const struct ustack_anchor *anchor)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 frame[2];

	/* Without a frame record to compare (the last walk found none), a
	 * stale leaf-only stack could stick: walk again. */
	if (!anchor->ip || !anchor->fp || BPF_CORE_READ(regs, ip) != anchor->ip ||
	    BPF_CORE_READ(regs, sp) != anchor->sp)
		return false;
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)anchor->fp))
		return false;
	return frame[0] == anchor->frame[0] && frame[1] == anchor->frame[1];
}

#endif
