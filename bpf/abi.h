/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tmprof's BPF ABI: every limit, map size and struct layout that the BPF
 * programs (bpf/NAME.bpf.c) and user space (agent/, symbolize/) share. A
 * change here changes both sides at once; nothing else in bpf/ is read by
 * user space except the HotSpot frame encoding (bpf/hotspot.h) and the
 * pure unwinding logic its tests run (bpf/hotspot_unwind.h). */
#ifndef TMPROF_BPF_ABI_H
#define TMPROF_BPF_ABI_H

/* BPF programs get these types from vmlinux.h. */
#ifndef __bpf__
#include <linux/types.h>
#endif

/* ---- Limits and map sizes ---- */

#define TMPROF_COMM_LEN 16
/* perf_event_max_stack's default; deeper stacks are truncated at the root. */
#define TMPROF_MAX_STACK_DEPTH 127
/* A user stack as tmprof's own unwinder stores it has one slot more than
 * the deepest stack, a power of two, so the BPF verifier can see every
 * index is in range. */
#define USTACK_SLOTS 128
#define TMPROF_MAX_TARGETS 4096

/* cpu_sample.bpf.c */
#define TMPROF_STACK_ENTRIES 32768 /* user (ustacks) and kernel stacks */
#define TMPROF_COUNT_ENTRIES 65536
/* offcpu.bpf.c */
#define OFFCPU_STACK_ENTRIES 16384
#define OFFCPU_THREAD_ENTRIES 65536
#define OFFCPU_TOTAL_ENTRIES 65536
/* alloc.bpf.c */
#define ALLOC_STACK_ENTRIES 16384
#define ALLOC_TOTAL_ENTRIES 65536
/* leak.bpf.c */
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

/* The unwinder's maps (bpf/ustack.bpf.h), one set per session shared by
 * every BPF object (agent/collect/unwind_maps.c creates them). */
#define CFI_MAX_ROWS (1U << 18)  /* 262144 rows, 2 MiB */
#define CFI_MAX_MAPPINGS 8       /* per target */
#define CFI_MAX_TARGETS 1024
#define CFI_SEARCH_STEPS 20      /* > log2(CFI_MAX_ROWS) + 1 */
#define HS_CACHE_ENTRIES 16384   /* code blobs and Method*s, LRU */
/* CodeCache::_heaps: non-nmethods, profiled, non-profiled (segmented code
 * cache), or a single heap. */
#define HS_MAX_HEAPS 4

/* ---- User stacks (bpf/ustack.bpf.h) ---- */

/* Leaf first, ended by a zero (value of the ustacks maps). */
struct user_stack {
	__u64 ips[USTACK_SLOTS];
};

/* The unwinder's counters: one map shared by every BPF object of a
 * session, one row of UNWIND_STAT__MAX per object that walks stacks
 * (key: user * UNWIND_STAT__MAX + stat), so each collector's figures stay
 * its own. */
enum unwind_user {
	UNWIND_USER_CPU = 0,
	UNWIND_USER_OFFCPU,
	UNWIND_USER_ALLOC,
	UNWIND_USER_LEAK,
	UNWIND_USER__MAX,
};

enum unwind_stat {
	UNWIND_STAT_HS_STACKS = 0,  /* user stacks walked by the HotSpot unwinder */
	UNWIND_STAT_HS_JAVA_FRAMES, /* ... Java frames (compiled, interpreted, stubs) in them */
	UNWIND_STAT_HS_CACHE_HIT,   /* code blob / Method cache hits */
	UNWIND_STAT_HS_CACHE_MISS,  /* ... misses (target memory read) */
	UNWIND_STAT_CFI_STACKS,     /* native leaf unwound with .eh_frame rows */
	UNWIND_STAT_FP_RECOVERED,   /* stacks continued past frame-pointer-less libc by a scan */
	UNWIND_STAT__MAX,
};

#define UNWIND_STATS_ENTRIES (UNWIND_USER__MAX * UNWIND_STAT__MAX)

/* ---- .eh_frame unwind rows (bpf/unwind_cfi.bpf.h) ----
 * For native code without frame pointers (Debian's libc, ld-linux):
 * symbolize/cfi_table.c builds the rows, agent/collect/cfi_maps.c loads them. One
 * array of rows shared by every target: the rows of a file (same device
 * and inode) are loaded once. Per target (key: tgid) up to
 * CFI_MAX_MAPPINGS executable mappings, each naming its file's rows. */

/* How the caller's frame is found at a pc. */
enum cfi_kind {
	CFI_UNKNOWN = 0,  /* no usable rule (expression, no FDE): fall back */
	CFI_CFA_RSP = 1,  /* CFA = rsp + cfa_off */
	CFI_CFA_RBP = 2,  /* CFA = rbp + cfa_off */
	CFI_END = 3,      /* the return address is undefined: outermost frame */
};

#define CFI_KIND_MASK 0x3
#define CFI_RBP_SAVED 0x4 /* the caller's rbp is at CFA + rbp_off * 8 */

/* A row applies from addr (the ELF virtual address in its file, i.e.
 * pc - load bias) to the next row's addr. The return address is always at
 * CFA - 8 (rows where it is not are CFI_UNKNOWN). A file's last row is a
 * CFI_UNKNOWN that ends the range of the one before. */
struct cfi_row {
	__u32 addr;
	__s16 cfa_off;
	__u8 flags;   /* enum cfi_kind | CFI_RBP_SAVED */
	__s8 rbp_off; /* in words, from the CFA */
};

struct cfi_mapping {
	__u64 start, end; /* [start, end): an executable mapping of the target */
	__u64 bias;       /* file address = pc - bias */
	__u32 first_row;  /* in the rows array */
	__u32 nrows;
};

/* Value of the cfi_procs map. */
struct cfi_proc {
	__u32 n; /* mappings in use */
	__u32 pad;
	struct cfi_mapping m[CFI_MAX_MAPPINGS];
};

/* ---- HotSpot unwinder configuration (bpf/unwind_hotspot.bpf.h) ---- */

struct hotspot_heap {
	__u64 low, high;     /* CodeHeap::_memory: VirtualSpace _low_boundary, _high_boundary */
	__u64 segmap;        /* CodeHeap::_segmap's _low: one byte per segment */
	__u32 log2_segment;  /* CodeHeap::_log2_segment_size */
	__u32 pad;
};

/* Per target process (key: tgid), in the hotspot_cfgs map
 * (bpf/unwind_hotspot.bpf.h). Offsets are in bytes. */
struct hotspot_cfg {
	__u64 codecache_low, codecache_high; /* CodeCache::_low_bound, _high_bound */
	struct hotspot_heap heaps[HS_MAX_HEAPS];
	__u32 nheaps;
	__u32 heap_block_size;               /* sizeof(HeapBlock): blob = block + this */

	/* CodeBlob */
	__u32 blob_name;                     /* const char *_name */
	__u32 blob_size;                     /* int _size */
	__u32 blob_frame_size;               /* int _frame_size, in words */
	__u32 blob_frame_complete;           /* int _frame_complete_offset (from code_begin) */
	__u32 blob_code_begin;               /* address _code_begin */
	__u32 blob_code_end;                 /* address _code_end */
	/* nmethod */
	__u32 nmethod_compile_id;            /* int _compile_id */
	__u32 nmethod_method;                /* Method *CompiledMethod::_method */

	/* Interpreter frames, relative to the frame pointer, in bytes
	 * (frame::interpreter_frame_*_offset * wordSize). */
	__s32 interp_sender_sp;
	__s32 interp_method;
	__s32 interp_bcp;
	/* Method::_constMethod and sizeof(ConstMethod): bytecodes start right
	 * after the ConstMethod, so bci = bcp - (constMethod + size). */
	__u32 method_const_method;
	__u32 const_method_size;
	__u32 heap_block_used;               /* HeapBlock::Header::_used (bool) */
	/* Bumped by user space when the JVM unloads classes: metaspace (and so
	 * a Method* or ConstMethod* address) can then be reused by another
	 * method. Recorded with every stack (hs_frame_epoch). */
	__u32 epoch;
	__u32 pad;
	/* The JVM's own count of unloaded classes (its java.cls.unloadedClasses
	 * performance counter), 0: unknown. Added to epoch at every sample, so
	 * a stack taken after an unloading never shares a hash with one taken
	 * before: no race with user space noticing it. */
	__u64 unloaded_addr;
	/* Layout variants, chosen by which vmStructs entries exist (never by
	 * version number): JDK 23 made CodeBlob keep int offsets from its
	 * start (_code_offset) instead of pointers (_code_begin), and
	 * _frame_complete_offset a 16-bit field. */
	__u32 blob_code_is_offset;           /* 1: blob_code_begin is an int from the blob start */
	__u32 blob_frame_complete_bytes;     /* 4 (int) or 2 (int16_t) */
};

/* What a code blob is, for unwinding. */
enum hs_blob_kind {
	HS_BLOB_STUB = 1,        /* any other blob: runtime stubs, StubRoutines, adapters */
	HS_BLOB_NMETHOD = 2,     /* compiled Java method (also native wrappers) */
	HS_BLOB_INTERPRETER = 3, /* the template interpreter */
	HS_BLOB_METHOD = 4,      /* not a blob: a cached Method* -> ConstMethod* */
};

/* The parts of a CodeBlob the walk needs (bpf/hotspot_unwind.h); also the
 * value of the hs_blobs cache. */
struct hs_blob {
	__u64 start;          /* CodeBlob* (HS_BLOB_METHOD: the ConstMethod*) */
	__u64 code_begin;
	__u32 frame_size;     /* words, return address included */
	__s32 frame_complete; /* offset from code_begin; < 0: never complete */
	__u32 compile_id;     /* nmethods; 0 for other blobs */
	__u32 kind;           /* enum hs_blob_kind */
};

/* Key of the hs_blobs cache. */
struct hs_cache_key {
	__u32 tgid, pad;
	__u64 pc; /* a pc in the code cache, or a Method* (HS_BLOB_METHOD) */
};

/* ---- cpu_sample.bpf.c ---- */

/* One distinct sample: identical keys are counted in the kernel. */
struct cpu_sample_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;    /* key in the ustacks map; 0: none (kernel thread) or lost */
	__s32 kern_stack_id; /* -1: sample taken in user mode, or lost */
	__u32 pad;
	char comm[TMPROF_COMM_LEN];
};

/* --sampler=weighted (experimental): a target thread's CPU time as the
 * scheduler counts it (sum_exec_runtime) at its last switch-out, by tid. */
struct cpu_thread_time {
	__u32 tgid;
	__u32 pad;
	__u64 runtime_ns;
};
#define TMPROF_THREAD_TIME_ENTRIES 65536

/* Per-CPU counters; index with enum cpu_stat. */
enum cpu_stat {
	CPU_STAT_SAMPLES = 0,       /* samples of target threads */
	CPU_STAT_USER_COLLISION,    /* user stack lost: stack map bucket taken */
	CPU_STAT_USER_ERROR,        /* user stack lost: other error */
	CPU_STAT_KERN_COLLISION,    /* kernel stack lost: bucket taken */
	CPU_STAT_KERN_ERROR,        /* kernel stack lost: other error */
	CPU_STAT_COUNTS_FULL,       /* sample dropped: counts map full */
	CPU_STAT__MAX,
};

/* ---- offcpu.bpf.c ---- */

/* What a thread was doing during an interval. */
enum sched_span {
	SPAN_ONCPU = 0,   /* running: switch-in to switch-out (no stacks) */
	SPAN_RUNQUEUE,    /* runnable, waiting for a CPU: wakeup/preemption to switch-in */
	SPAN_BLOCKED,     /* off CPU, not runnable: switch-out to wakeup */
	/* Run-queue time of the thread charged to the task that ran on its
	 * CPU meanwhile (culprit tracking): culprit_tgid and comm name that
	 * task; no stacks. Its ns are also in the SPAN_RUNQUEUE rows. */
	SPAN_CULPRIT,
	SPAN__MAX,
};

/* Culprit tracking: the last tasks that ran on each CPU, as a ring. The
 * part of a run-queue span older than the ring covers is charged to nobody
 * (the thread's runqueue keeps it). culprit_tgid 0 is the idle task: the
 * CPU idled while the thread was runnable (it was woken elsewhere, or
 * migrating). Power of two. */
#define CULPRIT_RING 32

struct culprit_slot {
	__u64 ts_end; /* switched out at; it ran since the slot before's ts_end */
	__u64 task;   /* its task_struct: the comm is read only when charged */
	__u32 tgid;
	__u32 pad;
};

struct culprit_ring {
	__u32 head; /* next slot to write */
	__u32 pad;
	struct culprit_slot slot[CULPRIT_RING];
};

/* Identical spans are summed in the kernel. Stacks are those at the last
 * switch-out, i.e. where the thread stopped running. */
struct sched_span_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;    /* key in the ustacks map, 0: none */
	__s32 kern_stack_id; /* id in the stacks map, -1: none */
	__u32 span;          /* enum sched_span */
	char comm[TMPROF_COMM_LEN]; /* the thread's; SPAN_CULPRIT: the culprit's */
	__u32 culprit_tgid;  /* SPAN_CULPRIT only; 0 otherwise */
	__u32 pad;
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
	OFFCPU_STAT_STACKS_REUSED,  /* switch-outs at the same place as the last one */
	OFFCPU_STAT_CULPRIT_SPANS,  /* run-queue spans charged to culprits */
	OFFCPU_STAT__MAX,
};

/* ---- alloc.bpf.c ---- */

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
	ALLOC_STAT_TOTALS_FULL,
	ALLOC_STAT__MAX,
};

/* ---- leak.bpf.c ---- */

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
	LEAK_STAT__MAX,
};

#endif
