// SPDX-License-Identifier: GPL-2.0
/* Off-CPU and run-queue time of target threads from the scheduler's raw
 * tracepoints (no tracefs, no kprobes needed). A thread's time is cut into
 * spans: on CPU, runnable but waiting for a CPU (run queue), and blocked;
 * blocked and run-queue spans carry the stacks at which the thread left the
 * CPU, which is what says *why* it was not running. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf/offcpu.h"

#define STATS_MAX OFFCPU_STAT__MAX
#include "bpf/common.bpf.h"

/* Set by user space before attaching: spans that began before it are
 * clipped to it. */
volatile __u64 start_ns;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TMPROF_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* User stacks unwound here, by hash. Entries are never deleted, so a hash
 * user space has seen keeps its stack. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_STACK_ENTRIES);
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

/* LRU: threads that exit without a last event must not fill the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_THREAD_ENTRIES);
	__type(key, __u32);
	__type(value, struct thread_sched);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_TOTAL_ENTRIES);
	__type(key, struct sched_span_key);
	__type(value, struct sched_span_value);
} totals SEC(".maps");

static __always_inline void span_add(struct task_struct *task, __u32 tgid, __u32 tid,
				     const struct thread_sched *st, __u32 span, __u64 ns)
{
	struct sched_span_key key = {};
	struct sched_span_value *v, init = { .ns = ns, .count = 1 };

	if (!ns)
		return;
	key.tgid = tgid;
	key.tid = tid;
	key.span = span;
	key.user_stack = span == SPAN_ONCPU || !st ? 0 : st->user_stack;
	key.kern_stack_id = span == SPAN_ONCPU || !st ? -1 : st->kern_stack_id;
	BPF_CORE_READ_STR_INTO(&key.comm, task, comm);
	v = bpf_map_lookup_elem(&totals, &key);
	if (v) {
		__sync_fetch_and_add(&v->ns, ns);
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	if (bpf_map_update_elem(&totals, &key, &init, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&totals, &key);
		if (v) {
			__sync_fetch_and_add(&v->ns, ns);
			__sync_fetch_and_add(&v->count, 1);
		} else {
			stat_inc(OFFCPU_STAT_TOTALS_FULL);
		}
	}
}

static __always_inline __u64 since(__u64 now, __u64 ts)
{
	__u64 from = ts > start_ns ? ts : start_ns;

	return now > from ? now - from : 0;
}

#define SCAN_WORDS 64
#define STACK_RANGE (8 << 20)

/* Is fp a plausible frame pointer of a caller, above sp? Frames are 16-byte
 * aligned on x86-64 and chain upwards. */
static __always_inline bool frame_plausible(__u64 fp, __u64 above)
{
	__u64 next = 0;

	if (!fp || (fp & 15) || fp <= above || fp > above + STACK_RANGE)
		return false;
	if (bpf_probe_read_user(&next, sizeof(next), (void *)fp))
		return false;
	return next == 0 || (!(next & 15) && next > fp && next <= fp + STACK_RANGE);
}

/* Threads block inside libc (futex, poll, read), which on Debian is built
 * without frame pointers and uses rbp as a plain register, so the kernel's
 * walk stops at the libc leaf. The caller's frame pointer was saved on the
 * stack by those libc functions: find the first word near sp that chains
 * like a frame pointer and walk on from there. The libc frames themselves
 * (and the one caller frame whose return address they hold) are skipped. */
static __always_inline __u32 unwind_past_libc(struct user_stack *st, __u32 depth, __u64 sp)
{
	__u64 words[SCAN_WORDS / 4];
	__u64 fp = 0;

	for (int chunk = 0; chunk < 4 && !fp; chunk++) {
		__u64 base = sp + chunk * sizeof(words);

		if (bpf_probe_read_user(words, sizeof(words), (void *)base))
			break;
		for (int i = 0; i < SCAN_WORDS / 4; i++) {
			if (frame_plausible(words[i], base + i * 8)) {
				fp = words[i];
				break;
			}
		}
	}
	for (int i = 0; i < TMPROF_MAX_STACK_DEPTH - 1 && fp; i++) {
		__u64 frame[2] = {}; /* saved fp, return address */

		if (depth >= TMPROF_MAX_STACK_DEPTH - 1)
			break;
		if (bpf_probe_read_user(frame, sizeof(frame), (void *)fp) || !frame[1])
			break;
		st->ips[depth & (USTACK_SLOTS - 1)] = frame[1];
		depth++;
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	return depth;
}

/* The user stack of the current task, stored by hash; 0 if none. */
static __always_inline __u64 user_stack_get(void *ctx)
{
	/* At switch-out the current task is still prev. */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u32 zero = 0, depth;
	struct user_stack *st = bpf_map_lookup_elem(&ustack_scratch, &zero);
	__u64 h = 0xcbf29ce484222325ULL, sp;
	long n;

	if (!st)
		return 0;
	n = bpf_get_stack(ctx, st->ips, sizeof(st->ips), BPF_F_USER_STACK);
	if (n <= 0) {
		if (n < 0 && n != -EFAULT) /* -EFAULT: a kernel thread, no user stack */
			stat_inc(OFFCPU_STAT_USER_ERROR);
		return 0;
	}
	depth = n / sizeof(__u64);
	if (depth <= 2) {
		/* Keep the leaf (the syscall site), drop what the walk guessed. */
		sp = BPF_CORE_READ(regs, sp);
		depth = unwind_past_libc(st, 1, sp);
		if (depth > 1)
			stat_inc(OFFCPU_STAT_USER_RECOVERED);
	}
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
		stat_inc(OFFCPU_STAT_USER_COLLISION);
		return 0;
	}
	return h;
}

/* prev leaves the CPU. The current task is still prev here, so the stack
 * helpers capture prev's stacks. */
static __always_inline void on_switch_out(void *ctx, struct task_struct *prev, __u32 prev_state,
					  __u64 now)
{
	__u32 tgid = BPF_CORE_READ(prev, tgid), tid = BPF_CORE_READ(prev, pid);
	struct thread_sched *st, init = {};

	if (!is_target(tgid))
		return;
	stat_inc(OFFCPU_STAT_SWITCHES);
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st) {
		init.tgid = tgid;
		if (bpf_map_update_elem(&threads, &tid, &init, BPF_ANY)) {
			stat_inc(OFFCPU_STAT_THREADS_FULL);
			return;
		}
		st = bpf_map_lookup_elem(&threads, &tid);
		if (!st)
			return;
	}
	if (st->ts_in)
		span_add(prev, tgid, tid, st, SPAN_ONCPU, since(now, st->ts_in));
	st->ts_in = 0;
	st->ts_out = now;
	st->user_stack = user_stack_get(ctx);
	st->kern_stack_id = stack_id_or_lost(bpf_get_stackid(ctx, &stacks, 0),
					     OFFCPU_STAT_KERN_COLLISION, OFFCPU_STAT_KERN_ERROR);
	/* prev_state 0 (TASK_RUNNING): preempted, so runnable right away. */
	st->blocked = prev_state != 0;
	st->ts_ready = st->blocked ? 0 : now;
}

static __always_inline void on_switch_in(struct task_struct *next, __u64 now)
{
	__u32 tgid = BPF_CORE_READ(next, tgid), tid = BPF_CORE_READ(next, pid);
	struct thread_sched *st, init = {};

	if (!is_target(tgid))
		return;
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st) {
		/* First sight: it was waiting for a CPU since at least start. */
		init.tgid = tgid;
		init.kern_stack_id = -1;
		span_add(next, tgid, tid, NULL, SPAN_RUNQUEUE, since(now, 0));
		init.ts_in = now;
		bpf_map_update_elem(&threads, &tid, &init, BPF_ANY);
		return;
	}
	if (st->ts_ready) {
		span_add(next, tgid, tid, st, SPAN_RUNQUEUE, since(now, st->ts_ready));
	} else if (st->blocked && st->ts_out) {
		/* Woken without us seeing the wakeup: all of it was blocked. */
		span_add(next, tgid, tid, st, SPAN_BLOCKED, since(now, st->ts_out));
	}
	st->ts_ready = 0;
	st->blocked = 0;
	st->ts_in = now;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();

	on_switch_out(ctx, prev, prev_state, now);
	on_switch_in(next, now);
	return 0;
}

static __always_inline void on_wakeup(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
	__u64 now = bpf_ktime_get_ns();
	struct thread_sched *st, init = {};

	if (!is_target(tgid))
		return;
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st) {
		/* Blocked since before the recording: where, we cannot know. */
		init.tgid = tgid;
		init.kern_stack_id = -1;
		span_add(p, tgid, tid, &init, SPAN_BLOCKED, since(now, 0));
		init.ts_ready = now;
		bpf_map_update_elem(&threads, &tid, &init, BPF_ANY);
		return;
	}
	if (!st->blocked || st->ts_ready)
		return; /* already runnable: a spurious or repeated wakeup */
	span_add(p, tgid, tid, st, SPAN_BLOCKED, since(now, st->ts_out));
	st->ts_ready = now;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(on_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(on_sched_wakeup_new, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
	struct thread_sched init = {};

	if (!is_target(tgid))
		return 0;
	/* A new thread starts runnable. */
	init.tgid = tgid;
	init.kern_stack_id = -1;
	init.ts_ready = bpf_ktime_get_ns();
	bpf_map_update_elem(&threads, &tid, &init, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
