/* Shared between bpf/offcpu.bpf.c and user space (agent/collect/offcpu_tracer.c). */
#ifndef TMPROF_BPF_OFFCPU_H
#define TMPROF_BPF_OFFCPU_H

#include "bpf/cpu_sample.h"

#define OFFCPU_STACK_ENTRIES 16384
#define OFFCPU_THREAD_ENTRIES 65536
#define OFFCPU_TOTAL_ENTRIES 65536

/* What a thread was doing during an interval. */
enum sched_span {
	SPAN_ONCPU = 0,   /* running: switch-in to switch-out (no stacks) */
	SPAN_RUNQUEUE,    /* runnable, waiting for a CPU: wakeup/preemption to switch-in */
	SPAN_BLOCKED,     /* off CPU, not runnable: switch-out to wakeup */
	SPAN__MAX,
};

/* Identical spans are summed in the kernel. Stacks are those at the last
 * switch-out, i.e. where the thread stopped running. */
struct sched_span_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;    /* key in the ustacks map, 0: none */
	__s32 kern_stack_id; /* id in the stacks map, -1: none */
	__u32 span;          /* enum sched_span */
	char comm[TMPROF_COMM_LEN];
};

/* A user stack as tmprof's own unwinder stores it, leaf first, ended by a
 * zero. One slot more than the deepest stack, a power of two, so the BPF
 * verifier can see every index is in range. */
#define USTACK_SLOTS 128
struct user_stack {
	__u64 ips[USTACK_SLOTS];
};

struct sched_span_value {
	__u64 ns;
	__u64 count;
};

/* Per-thread scheduling state between events. */
struct thread_sched {
	__u64 ts_in;     /* switched in at, 0 while off CPU */
	__u64 ts_out;    /* switched out at */
	__u64 ts_ready;  /* became runnable at (preempted or woken), 0 if not runnable */
	__u64 user_stack;
	__s32 kern_stack_id;
	__u32 tgid;
	__u8 blocked;    /* switched out in a sleeping state */
	__u8 pad[7];
	/* Where the stacks above were taken (struct ustack_anchor), so that
	 * the next switch-out at the same place reuses them. */
	__u64 anchor_ip, anchor_sp, anchor_fp, anchor_frame[2];
	char comm[TMPROF_COMM_LEN]; /* read once, at first sight */
};

enum offcpu_stat {
	OFFCPU_STAT_SWITCHES = 0,   /* switch-outs of target threads */
	OFFCPU_STAT_USER_COLLISION,
	OFFCPU_STAT_USER_ERROR,
	OFFCPU_STAT_KERN_COLLISION,
	OFFCPU_STAT_KERN_ERROR,
	OFFCPU_STAT_TOTALS_FULL,    /* span dropped: totals map full */
	OFFCPU_STAT_THREADS_FULL,   /* thread state could not be stored */
	OFFCPU_STAT_USER_RECOVERED, /* user stacks continued past frame-pointer-less libc */
	OFFCPU_STAT_STACKS_REUSED,  /* switch-outs at the same place as the last one */
	OFFCPU_STAT_HS_STACKS,      /* user stacks walked by the HotSpot unwinder */
	OFFCPU_STAT_HS_JAVA_FRAMES, /* ... Java frames (compiled, interpreted, stubs) in them */
	OFFCPU_STAT_HS_CACHE_HIT,   /* code blob / Method cache hits */
	OFFCPU_STAT_HS_CACHE_MISS,  /* ... misses (target memory read) */
	OFFCPU_STAT_CFI_STACKS,  /* native leaf unwound with .eh_frame rows (bpf/cfi.h) */
	OFFCPU_STAT__MAX,
};
/* bpf/ustack.bpf.h counts CFI stacks right after the HotSpot counters. */
_Static_assert(OFFCPU_STAT_CFI_STACKS == OFFCPU_STAT_HS_CACHE_MISS + 1, "CFI counter position");

#endif
