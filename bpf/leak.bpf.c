// SPDX-License-Identifier: GPL-2.0
/* Native memory leaks: uprobes on the allocator a target really uses
 * (glibc's malloc family, or a preloaded jemalloc) and on mmap/munmap.
 *
 * Only sampled allocations are tracked: a per-CPU countdown of bytes, drawn
 * from an exponential distribution with the sampling period as its mean, is
 * decremented by every request; the request that takes it to zero or below
 * is sampled. Being memoryless, that samples a request of s bytes with
 * probability 1 - exp(-s/period) whatever came before, like jemalloc's
 * lg_prof_sample. The entry probe stores the size and the user stack per
 * thread; the return probe stores the address in the live table. A free
 * of an untracked address costs one failed hash delete. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf/abi.h"

#define STATS_MAX LEAK_STAT__MAX
#include "bpf/common.bpf.h"
#define USTACK_ENTRIES LEAK_STACK_ENTRIES
#define USTACK_USER UNWIND_USER_LEAK
#include "bpf/ustack.bpf.h"

/* max_entries is set by user space (--max-tracked) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LEAK_LIVE_ENTRIES);
	__type(key, struct leak_key);
	__type(value, struct leak_alloc);
} live SEC(".maps");

/* LRU: a thread that dies inside malloc must not pin a slot forever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LEAK_PENDING_ENTRIES);
	__type(key, __u32);
	__type(value, struct leak_pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} countdown SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LEAK_EXP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} exp_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct leak_config);
} leak_cfg SEC(".maps");

/* The common path (not sampled) touches one per-CPU slot and nothing else. */
static __always_inline bool sample_hit(__u64 size)
{
	__u32 zero = 0, idx;
	__s64 *left = bpf_map_lookup_elem(&countdown, &zero);
	__u64 *next;

	if (!left)
		return false;
	if (*left > (__s64)size) {
		*left -= (__s64)size;
		return false;
	}
	idx = bpf_get_prandom_u32() & (LEAK_EXP_SLOTS - 1);
	next = bpf_map_lookup_elem(&exp_table, &idx);
	*left = next && *next ? (__s64)*next : 1;
	return true;
}

static __always_inline int alloc_enter(struct pt_regs *ctx, __u64 size, __u64 memptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct leak_pending p = {};

	if (!sample_hit(size))
		return 0;
	stat_inc(LEAK_STAT_SAMPLED);
	p.size = size;
	p.memptr = memptr;
	p.ts_ns = bpf_ktime_get_boot_ns();
	p.user_stack = user_stack_get(ctx, true, LEAK_STAT_USER_ERROR, LEAK_STAT_USER_COLLISION);
	if (bpf_map_update_elem(&pending, &tid, &p, BPF_ANY))
		stat_inc(LEAK_STAT_PENDING_FULL);
	return 0;
}

static __always_inline int alloc_return(__u64 addr, bool via_memptr, long rc)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct leak_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct leak_key key = {};
	struct leak_alloc a = {};

	if (!p)
		return 0;
	if (via_memptr) {
		addr = 0;
		if (rc != 0 || bpf_probe_read_user(&addr, sizeof(addr), (void *)p->memptr))
			addr = 0;
	}
	/* NULL, or MAP_FAILED and other -errno values of mmap. */
	if (!addr || addr >= (__u64)-4096) {
		stat_inc(LEAK_STAT_FAILED);
		goto done;
	}
	key.tgid = pid_tgid >> 32;
	key.addr = addr;
	a.size = p->size;
	a.user_stack = p->user_stack;
	a.ts_ns = p->ts_ns;
	a.tid = tid;
	if (bpf_map_update_elem(&live, &key, &a, BPF_ANY))
		stat_inc(LEAK_STAT_OVERFLOW);
	else
		stat_inc(LEAK_STAT_TRACKED);
done:
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

static __always_inline void forget(__u64 addr)
{
	struct leak_key key = {};

	if (!addr)
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.addr = addr;
	if (!bpf_map_delete_elem(&live, &key))
		stat_inc(LEAK_STAT_FREED);
}

SEC("uprobe")
int BPF_KPROBE(on_malloc, __u64 size)
{
	return alloc_enter(ctx, size, 0);
}

/* valloc(size) has malloc's signature. */
SEC("uprobe")
int BPF_KPROBE(on_calloc, __u64 n, __u64 size)
{
	/* No 128-bit multiply in BPF: sizes past 4 GiB each fail anyway. */
	if (n >> 32 || size >> 32)
		return 0;
	return alloc_enter(ctx, n * size, 0);
}

/* The old block is gone whether or not it moves; a failed realloc keeps it
 * live but untracked (a rare, conservative miss). */
SEC("uprobe")
int BPF_KPROBE(on_realloc, __u64 ptr, __u64 size)
{
	__u32 zero = 0;
	struct leak_config *c;

	if (ptr) {
		forget(ptr);
	} else {
		/* glibc's realloc(NULL, n) calls malloc, whose probe samples it. */
		c = bpf_map_lookup_elem(&leak_cfg, &zero);
		if (c && c->realloc_null_is_malloc)
			return 0;
	}
	return alloc_enter(ctx, size, 0);
}

/* memalign(align, size), aligned_alloc(align, size). */
SEC("uprobe")
int BPF_KPROBE(on_memalign, __u64 align, __u64 size)
{
	return alloc_enter(ctx, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(on_posix_memalign, __u64 memptr, __u64 align, __u64 size)
{
	return alloc_enter(ctx, size, memptr);
}

static __always_inline bool from_allocator(struct pt_regs *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u32 zero = 0;
	struct leak_config *c = bpf_map_lookup_elem(&leak_cfg, &zero);
	__u64 ret = 0;

	if (!c || bpf_probe_read_user(&ret, sizeof(ret), (void *)BPF_CORE_READ(regs, sp)))
		return false;
	for (int i = 0; i < LEAK_MAX_RANGES; i++) {
		if (i >= c->nranges)
			break;
		if (ret >= c->ranges[i].start && ret < c->ranges[i].end)
			return true;
	}
	return false;
}

/* mmap(addr, len, prot, flags, fd, off): the allocator's own mappings (big
 * mallocs, jemalloc's extents) are skipped, they are sampled as mallocs. */
SEC("uprobe")
int BPF_KPROBE(on_mmap, __u64 addr, __u64 len)
{
	if (from_allocator(ctx)) {
		stat_inc(LEAK_STAT_INTERNAL_MMAP);
		return 0;
	}
	return alloc_enter(ctx, len, 0);
}

SEC("uprobe")
int BPF_KPROBE(on_free, __u64 ptr)
{
	forget(ptr);
	return 0;
}

/* munmap(addr, len): only a whole mapping unmapped at its start is seen. */
SEC("uprobe")
int BPF_KPROBE(on_munmap, __u64 addr)
{
	forget(addr);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(on_alloc_ret, __u64 ret)
{
	return alloc_return(ret, false, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(on_posix_memalign_ret, long ret)
{
	return alloc_return(0, true, ret);
}

char LICENSE[] SEC("license") = "GPL";
