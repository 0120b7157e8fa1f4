/* Shared between bpf/leak.bpf.c and user space (agent/collect/leak_tracer.c). */
#ifndef TMPROF_BPF_LEAK_H
#define TMPROF_BPF_LEAK_H

#include "bpf/cpu_sample.h"

#define LEAK_STACK_ENTRIES 16384
/* Default bound of the live table; user space may set another before load. */
#define LEAK_LIVE_ENTRIES 65536
/* Threads between a sampled allocator entry and its return. */
#define LEAK_PENDING_ENTRIES 16384
/* Exponential variates (mean: the sampling period) the countdown is drawn
 * from; a power of two so a random index needs only a mask. */
#define LEAK_EXP_SLOTS 4096
/* Executable ranges of the allocator and the C library: mmap calls made
 * from inside them are the allocator's own (already sampled as malloc). */
#define LEAK_MAX_RANGES 8

/* A tracked (sampled, still live) allocation, by process and address. */
struct leak_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

struct leak_alloc {
	__u64 size;       /* requested bytes */
	__u64 user_stack; /* key in the ustacks map, 0: lost */
	__u64 ts_ns;      /* CLOCK_BOOTTIME at allocation */
	__u32 tid;
	__u32 pad;
};

/* A sampled allocator call between entry and return, by thread. */
struct leak_pending {
	__u64 size;
	__u64 memptr;     /* posix_memalign: where the address will be stored */
	__u64 user_stack;
	__u64 ts_ns;
};

struct leak_range {
	__u64 start, end; /* [start, end) */
};

struct leak_config {
	__u32 nranges;
	__u32 realloc_null_is_malloc; /* glibc: realloc(NULL, n) calls malloc, which samples */
	struct leak_range ranges[LEAK_MAX_RANGES];
};

enum leak_stat {
	LEAK_STAT_SAMPLED = 0,      /* allocations sampled at entry */
	LEAK_STAT_TRACKED,          /* ... and stored in the live table */
	LEAK_STAT_FREED,            /* tracked allocations freed */
	LEAK_STAT_OVERFLOW,         /* sampled but not stored: live table full */
	LEAK_STAT_PENDING_FULL,     /* sampled but lost: too many threads in the allocator */
	LEAK_STAT_FAILED,           /* sampled allocations that returned NULL / MAP_FAILED */
	LEAK_STAT_INTERNAL_MMAP,    /* mmap calls of the allocator itself, not counted */
	LEAK_STAT_USER_ERROR,
	LEAK_STAT_USER_COLLISION,
	LEAK_STAT_USER_RECOVERED,
	LEAK_STAT__MAX,
};

#endif
