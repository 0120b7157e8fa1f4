/* Shared between bpf/cpu_sample.bpf.c and user space (agent/collect/cpu_sampler.c). */
#ifndef TMPROF_BPF_CPU_SAMPLE_H
#define TMPROF_BPF_CPU_SAMPLE_H

/* BPF programs get these types from vmlinux.h. */
#ifndef __bpf__
#include <linux/types.h>
#endif

#define TMPROF_COMM_LEN 16
/* perf_event_max_stack's default; deeper stacks are truncated at the root. */
#define TMPROF_MAX_STACK_DEPTH 127
#define TMPROF_MAX_TARGETS 4096
#define TMPROF_STACK_ENTRIES 32768
#define TMPROF_COUNT_ENTRIES 65536

/* One distinct sample: identical keys are counted in the kernel. */
struct cpu_sample_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;    /* key in the ustacks map; 0: none (kernel thread) or lost */
	__s32 kern_stack_id; /* -1: sample taken in user mode, or lost */
	__u32 pad;
	char comm[TMPROF_COMM_LEN];
};

/* Per-CPU counters; index with enum cpu_stat. */
enum cpu_stat {
	CPU_STAT_SAMPLES = 0,       /* samples of target threads */
	CPU_STAT_USER_COLLISION,    /* user stack lost: stack map bucket taken */
	CPU_STAT_USER_ERROR,        /* user stack lost: other error */
	CPU_STAT_KERN_COLLISION,    /* kernel stack lost: bucket taken */
	CPU_STAT_KERN_ERROR,        /* kernel stack lost: other error */
	CPU_STAT_COUNTS_FULL,       /* sample dropped: counts map full */
	CPU_STAT_USER_RECOVERED,    /* user stacks continued past frame-pointer-less libc */
	CPU_STAT_HS_STACKS,         /* user stacks walked by the HotSpot unwinder */
	CPU_STAT_HS_JAVA_FRAMES,    /* ... Java frames (compiled, interpreted, stubs) in them */
	CPU_STAT_HS_CACHE_HIT,      /* code blob / Method cache hits */
	CPU_STAT_HS_CACHE_MISS,     /* ... misses (target memory read) */
	CPU_STAT_CFI_STACKS,  /* native leaf unwound with .eh_frame rows (bpf/cfi.h) */
	CPU_STAT__MAX,
};
/* bpf/ustack.bpf.h counts CFI stacks right after the HotSpot counters. */
_Static_assert(CPU_STAT_CFI_STACKS == CPU_STAT_HS_CACHE_MISS + 1, "CFI counter position");

#endif
