/* Shared between bpf/alloc.bpf.c and user space (agent/collect/alloc_tracer.c). */
#ifndef TMPROF_BPF_ALLOC_H
#define TMPROF_BPF_ALLOC_H

#include "bpf/cpu_sample.h"

#define ALLOC_STACK_ENTRIES 16384
#define ALLOC_TOTAL_ENTRIES 65536

/* Identical allocation sites (thread, stack, class) are summed in the kernel. */
struct alloc_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack; /* key in the ustacks map, 0: none */
	__u64 klass;      /* HotSpot Klass* of the allocated object */
	char comm[TMPROF_COMM_LEN];
};

struct alloc_value {
	__u64 bytes; /* TLAB size for a new TLAB, object size outside TLABs */
	__u64 count; /* events */
};

enum alloc_stat {
	ALLOC_STAT_EVENTS = 0,
	ALLOC_STAT_USER_ERROR,
	ALLOC_STAT_USER_COLLISION,
	ALLOC_STAT_USER_RECOVERED,
	ALLOC_STAT_TOTALS_FULL,
	ALLOC_STAT_HS_STACKS,       /* user stacks walked by the HotSpot unwinder */
	ALLOC_STAT_HS_JAVA_FRAMES,  /* ... Java frames (compiled, interpreted, stubs) in them */
	ALLOC_STAT_HS_CACHE_HIT,    /* code blob / Method cache hits */
	ALLOC_STAT_HS_CACHE_MISS,   /* ... misses (target memory read) */
	ALLOC_STAT_CFI_STACKS,  /* native leaf unwound with .eh_frame rows (bpf/cfi.h) */
	ALLOC_STAT__MAX,
};
/* bpf/ustack.bpf.h counts CFI stacks right after the HotSpot counters. */
_Static_assert(ALLOC_STAT_CFI_STACKS == ALLOC_STAT_HS_CACHE_MISS + 1, "CFI counter position");

#endif
