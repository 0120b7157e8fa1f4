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
#include "bpf/abi.h"

#define STATS_MAX OFFCPU_STAT__MAX
#include "bpf/common.bpf.h"
#define USTACK_ENTRIES OFFCPU_STACK_ENTRIES
#define USTACK_USER UNWIND_USER_OFFCPU
#include "bpf/ustack.bpf.h"

/* Set by user space before attaching: spans that began before it are
 * clipped to it. */
volatile __u64 start_ns;
/* Set by user space at the recording's end (the final cut): nothing after
 * it counts. Spans that close later are clipped to it, so the final drain,
 * which comes a while after the end (up to half a second under emulation
 * on a loaded host), adds none of the time past the end; the cut then adds
 * the spans still open at the end. 0: no end yet. */
volatile __u64 stop_ns;
/* Culprit tracking on (user space sets it): every switch notes the task
 * that ran in its CPU's ring, and a target's run-queue span is charged to
 * the tasks the ring says ran meanwhile. */
volatile __u32 culprits_on;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct culprit_ring);
} culprit_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TMPROF_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

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

/* sched_switch's locals that would not fit beside the stack walk's on the
 * BPF stack (512 bytes for the program and its bpf_loop callbacks
 * together). sched_switch runs with interrupts off and does not nest, so
 * one per CPU is enough; the wakeup programs keep theirs on the stack. */
struct switch_locals {
	struct sched_span_key key;
	struct thread_sched init;
	struct ustack_anchor anchor;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct switch_locals);
} switch_locals SEC(".maps");

static __always_inline void totals_add(const struct sched_span_key *key, __u64 ns)
{
	struct sched_span_value *v, init = { .ns = ns, .count = 1 };

	v = bpf_map_lookup_elem(&totals, key);
	if (v) {
		__sync_fetch_and_add(&v->ns, ns);
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	if (bpf_map_update_elem(&totals, key, &init, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&totals, key);
		if (v) {
			__sync_fetch_and_add(&v->ns, ns);
			__sync_fetch_and_add(&v->count, 1);
		} else {
			stat_inc(OFFCPU_STAT_TOTALS_FULL);
		}
	}
}

/* Adds ns to a span; key is the caller's room for the span's key. */
static __always_inline void span_add(struct sched_span_key *key, struct task_struct *task,
				     __u32 tgid, __u32 tid, const struct thread_sched *st, __u32 span,
				     __u64 ns)
{
	if (!ns)
		return;
	__builtin_memset(key, 0, sizeof(*key));
	key->tgid = tgid;
	key->tid = tid;
	key->span = span;
	key->user_stack = span == SPAN_ONCPU || !st ? 0 : st->user_stack;
	key->kern_stack_id = span == SPAN_ONCPU || !st ? -1 : st->kern_stack_id;
	if (st && st->comm[0])
		__builtin_memcpy(key->comm, st->comm, sizeof(key->comm));
	else
		BPF_CORE_READ_STR_INTO(&key->comm, task, comm);
	totals_add(key, ns);
}

/* now, or the recording's end once it is past. */
static __always_inline __u64 until(__u64 now)
{
	__u64 stop = stop_ns;

	return stop && now > stop ? stop : now;
}

static __always_inline __u64 since(__u64 now, __u64 ts)
{
	__u64 from = ts > start_ns ? ts : start_ns, to = until(now);

	return to > from ? to - from : 0;
}

static __always_inline void take_stacks(void *ctx, struct thread_sched *st,
					struct ustack_anchor *a)
{
	a->ip = st->anchor_ip;
	a->sp = st->anchor_sp;
	a->fp = st->anchor_fp;
	a->frame[0] = st->anchor_frame[0];
	a->frame[1] = st->anchor_frame[1];
	/* Stopped where it stopped last time: same user and kernel path. */
	if (st->user_stack && user_stack_same(a)) {
		stat_inc(OFFCPU_STAT_STACKS_REUSED);
		return;
	}
	st->user_stack = user_stack_walk(false, OFFCPU_STAT_USER_ERROR, OFFCPU_STAT_USER_COLLISION, a);
	st->kern_stack_id = stack_id_or_lost(bpf_get_stackid(ctx, &stacks, 0),
					     OFFCPU_STAT_KERN_COLLISION, OFFCPU_STAT_KERN_ERROR);
	st->anchor_sp = a->sp;
	st->anchor_ip = st->user_stack ? a->ip : 0;
	st->anchor_fp = a->fp;
	st->anchor_frame[0] = a->frame[0];
	st->anchor_frame[1] = a->frame[1];
}

/* prev leaves the CPU. The current task is still prev here, so the stack
 * helpers capture prev's stacks. */
static __always_inline void on_switch_out(void *ctx, struct switch_locals *l,
					  struct task_struct *prev, bool preempt, __u32 prev_state,
					  __u64 now)
{
	__u32 tgid = BPF_CORE_READ(prev, tgid), tid = BPF_CORE_READ(prev, pid);
	struct thread_sched *st;
	__u64 slice;

	if (!is_target(tgid))
		return;
	stat_inc(OFFCPU_STAT_SWITCHES);
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st) {
		__builtin_memset(&l->init, 0, sizeof(l->init));
		l->init.tgid = tgid;
		/* First seen leaving the CPU: its switch-in came before it was
		 * a target. The scheduler's runtime of this slice (since it
		 * was picked) says how long it ran, clipped to the recording;
		 * left out, a thread running long slices lost up to a slice
		 * (147 ms/s seen under emulation). */
		slice = BPF_CORE_READ(prev, se.sum_exec_runtime) -
			BPF_CORE_READ(prev, se.prev_sum_exec_runtime);
		if (slice > now - start_ns)
			slice = now - start_ns;
		l->init.ts_in = now - slice;
		BPF_CORE_READ_STR_INTO(&l->init.comm, prev, comm);
		if (bpf_map_update_elem(&threads, &tid, &l->init, BPF_ANY)) {
			stat_inc(OFFCPU_STAT_THREADS_FULL);
			return;
		}
		st = bpf_map_lookup_elem(&threads, &tid);
		if (!st)
			return;
	}
	if (st->ts_in)
		span_add(&l->key, prev, tgid, tid, st, SPAN_ONCPU, since(now, st->ts_in));
	st->ts_in = 0;
	st->ts_out = now;
	take_stacks(ctx, st, &l->anchor);
	/* Runnable right away when preempted, whatever its state says: a
	 * thread preempted on its way to sleep (state already set, schedule()
	 * not yet called) stays on the run queue and gets no wakeup, so
	 * taking its state for a block counted run-queue time as blocked. */
	st->blocked = !preempt && prev_state != 0;
	st->ts_ready = st->blocked ? 0 : now;
}

/* The task leaving this CPU goes into the CPU's ring. Every switch pays
 * this (a per-CPU slot write), but only with culprit tracking on. */
static __always_inline void culprit_note(struct culprit_ring *ring, struct task_struct *prev,
					 __u64 now)
{
	struct culprit_slot *slot = &ring->slot[ring->head & (CULPRIT_RING - 1)];

	slot->ts_end = now;
	slot->tgid = BPF_CORE_READ(prev, tgid);
	/* Reading the comm here doubled this function's cost at every switch
	 * of the host; read when charged, from a task that may be gone by
	 * then (a probe read: a stale comm at worst). */
	slot->task = (__u64)prev;
	ring->head++;
}

/* A target's run-queue span [from, now) on this CPU, charged to the tasks
 * that ran on it meanwhile, newest first: only at a target's switch-in
 * after a wait, so the cost follows the targets, not the host. */
static __always_inline void culprit_charge(struct switch_locals *l, struct culprit_ring *ring,
					   __u32 tgid, __u32 tid, __u64 from, __u64 now)
{
	__u32 head = ring->head;
	__u64 end = now;

	stat_inc(OFFCPU_STAT_CULPRIT_SPANS);
	for (__u32 i = 1; i < CULPRIT_RING && end > from; i++) {
		struct culprit_slot *slot = &ring->slot[(head - i) & (CULPRIT_RING - 1)];
		__u64 start = ring->slot[(head - i - 1) & (CULPRIT_RING - 1)].ts_end;
		__u64 lo = start > from ? start : from;

		/* An empty slot, or the ring wrapped while we read it. */
		if (!slot->ts_end || start > end)
			break;
		if (end > lo) {
			__builtin_memset(&l->key, 0, sizeof(l->key));
			l->key.tgid = tgid;
			l->key.tid = tid;
			l->key.kern_stack_id = -1;
			l->key.span = SPAN_CULPRIT;
			l->key.culprit_tgid = slot->tgid;
			/* Out of the macro: inside it, slot->task would get a
			 * CO-RE relocation against a type the kernel lacks. */
			struct task_struct *task = (struct task_struct *)slot->task;

			BPF_CORE_READ_STR_INTO(&l->key.comm, task, comm);
			totals_add(&l->key, end - lo);
		}
		end = start;
	}
}

static __always_inline void on_switch_in(struct switch_locals *l, struct task_struct *next,
					 __u64 now)
{
	__u32 tgid = BPF_CORE_READ(next, tgid), tid = BPF_CORE_READ(next, pid);
	struct thread_sched *st;

	if (!is_target(tgid))
		return;
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st) {
		/* First sight: it was waiting for a CPU since at least start. */
		__builtin_memset(&l->init, 0, sizeof(l->init));
		l->init.tgid = tgid;
		l->init.kern_stack_id = -1;
		span_add(&l->key, next, tgid, tid, NULL, SPAN_RUNQUEUE, since(now, 0));
		l->init.ts_in = now;
		bpf_map_update_elem(&threads, &tid, &l->init, BPF_ANY);
		return;
	}
	if (st->ts_ready) {
		span_add(&l->key, next, tgid, tid, st, SPAN_RUNQUEUE, since(now, st->ts_ready));
		if (culprits_on) {
			__u32 zero = 0;
			struct culprit_ring *ring = bpf_map_lookup_elem(&culprit_rings, &zero);
			__u64 from = st->ts_ready > start_ns ? st->ts_ready : start_ns;

			if (ring)
				culprit_charge(l, ring, tgid, tid, from, until(now));
		}
	} else if (st->blocked && st->ts_out) {
		/* Woken without us seeing the wakeup: all of it was blocked. */
		span_add(&l->key, next, tgid, tid, st, SPAN_BLOCKED, since(now, st->ts_out));
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
	__u32 zero = 0;
	struct switch_locals *l = bpf_map_lookup_elem(&switch_locals, &zero);

	if (!l)
		return 0;
	on_switch_out(ctx, l, prev, preempt, prev_state, now);
	if (culprits_on) {
		struct culprit_ring *ring = bpf_map_lookup_elem(&culprit_rings, &zero);

		if (ring)
			culprit_note(ring, prev, now);
	}
	on_switch_in(l, next, now);
	return 0;
}

static __always_inline void on_wakeup(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
	__u64 now = bpf_ktime_get_ns();
	struct thread_sched *st, init = {};
	struct sched_span_key key;

	if (!is_target(tgid))
		return;
	st = bpf_map_lookup_elem(&threads, &tid);
	if (!st) {
		/* Blocked since before the recording: where, we cannot know. */
		init.tgid = tgid;
		init.kern_stack_id = -1;
		span_add(&key, p, tgid, tid, &init, SPAN_BLOCKED, since(now, 0));
		init.ts_ready = now;
		bpf_map_update_elem(&threads, &tid, &init, BPF_ANY);
		return;
	}
	if (!st->blocked || st->ts_ready)
		return; /* already runnable: a spurious or repeated wakeup */
	span_add(&key, p, tgid, tid, st, SPAN_BLOCKED, since(now, st->ts_out));
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
