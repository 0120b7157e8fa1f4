// SPDX-License-Identifier: GPL-2.0
/* Java allocations from outside the JVM: uprobes on HotSpot's allocation
 * slow paths, the hooks JFR's allocation events use. A thread that fills its
 * TLAB asks for a new one (send_allocation_in_new_tlab, weighted by the new
 * TLAB's size: each TLAB stands for the bytes allocated into it, so sites
 * are sampled in proportion to what they allocate); objects too large for
 * a TLAB are seen one by one (send_allocation_outside_tlab, their size). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf/abi.h"

#define STATS_MAX ALLOC_STAT__MAX
#include "bpf/common.bpf.h"
#define USTACK_ENTRIES ALLOC_STACK_ENTRIES
#define USTACK_USER UNWIND_USER_ALLOC
#include "bpf/ustack.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ALLOC_TOTAL_ENTRIES);
	__type(key, struct alloc_key);
	__type(value, struct alloc_value);
} totals SEC(".maps");

static __always_inline void record(struct pt_regs *ctx, __u64 klass, __u64 bytes)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct alloc_value *v, init = { .bytes = bytes, .count = 1 };
	struct alloc_key key = {};

	key.tgid = pid_tgid >> 32;
	if (!is_target(key.tgid))
		return;
	stat_inc(ALLOC_STAT_EVENTS);
	key.tid = (__u32)pid_tgid;
	key.klass = klass;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	key.user_stack = user_stack_get(ctx, true, ALLOC_STAT_USER_ERROR, ALLOC_STAT_USER_COLLISION);
	v = bpf_map_lookup_elem(&totals, &key);
	if (v) {
		__sync_fetch_and_add(&v->bytes, bytes);
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	if (bpf_map_update_elem(&totals, &key, &init, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&totals, &key);
		if (v) {
			__sync_fetch_and_add(&v->bytes, bytes);
			__sync_fetch_and_add(&v->count, 1);
		} else {
			stat_inc(ALLOC_STAT_TOTALS_FULL);
		}
	}
}

/* static void send_allocation_in_new_tlab(Klass*, HeapWord*, size_t tlab_size,
 *                                         size_t alloc_size, JavaThread*) */
SEC("uprobe")
int BPF_KPROBE(on_alloc_in_new_tlab, void *klass, void *obj, __u64 tlab_size, __u64 alloc_size)
{
	record(ctx, (__u64)klass, tlab_size);
	return 0;
}

/* static void send_allocation_outside_tlab(Klass*, HeapWord*, size_t alloc_size,
 *                                          JavaThread*) */
SEC("uprobe")
int BPF_KPROBE(on_alloc_outside_tlab, void *klass, void *obj, __u64 alloc_size)
{
	record(ctx, (__u64)klass, alloc_size);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
