/* The HotSpot unwinder's contract between BPF (bpf/hotspot_unwind.h) and
 * user space (agent/collect/hotspot_unwind.c fills struct hotspot_cfg from the
 * target's own vmStructs; symbolize/java_frames.c names the frames).
 *
 * Nothing here is a per-JDK constant: every offset and size comes from the
 * target's gHotSpotVMStructs / gHotSpotVMTypes / gHotSpotVMIntConstants at
 * attach time. */
#ifndef TMPROF_BPF_HOTSPOT_H
#define TMPROF_BPF_HOTSPOT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* CodeCache::_heaps: non-nmethods, profiled, non-profiled (segmented code
 * cache), or a single heap. */
#define HS_MAX_HEAPS 4

struct hotspot_heap {
	__u64 low, high;     /* CodeHeap::_memory: VirtualSpace _low_boundary, _high_boundary */
	__u64 segmap;        /* CodeHeap::_segmap's _low: one byte per segment */
	__u32 log2_segment;  /* CodeHeap::_log2_segment_size */
	__u32 pad;
};

/* Per target process (key: tgid), in the hotspot_cfgs map of every BPF
 * object that walks user stacks. Offsets are in bytes. */
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

/* Encoding of Java frames in struct user_stack (bpf/offcpu.h) ips[]. Native
 * return addresses are user addresses (< 2^47); a Java frame has bit 63 set.
 *
 * Compiled (nmethod or stub):
 *   63: 1, 62: 1, 61..32: compile_id (low 30 bits; 0 for non-nmethod blobs),
 *   31..0: pc - codecache_low (a return address, or the sampled pc for the
 *   leaf frame).
 * Interpreted:
 *   63: 1, 62: 0, 61..47: bci (HS_BCI_UNKNOWN if it could not be read or does
 *   not fit), 46..0: Method*.
 */
#define HS_FRAME_JAVA (1ULL << 63)
/* The outermost word of a HotSpot-walked stack is its epoch (struct
 * hotspot_cfg): an "interpreted" word with Method* 0 and the epoch's low
 * 15 bits in the bci field. Not a frame. */
#define HS_FRAME_COMPILED (1ULL << 62)
#define HS_BCI_UNKNOWN 0x7fffULL
#define HS_ADDR_MASK ((1ULL << 47) - 1)

static inline __u64 hs_frame_compiled(__u64 pc_off, __u32 compile_id)
{
	return HS_FRAME_JAVA | HS_FRAME_COMPILED | ((__u64)(compile_id & 0x3fffffff) << 32) |
	       (pc_off & 0xffffffffULL);
}

static inline __u64 hs_frame_interpreted(__u64 method, __u64 bci)
{
	if (bci > HS_BCI_UNKNOWN)
		bci = HS_BCI_UNKNOWN;
	return HS_FRAME_JAVA | (bci << 47) | (method & HS_ADDR_MASK);
}

static inline __u64 hs_frame_epoch(__u32 epoch)
{
	return HS_FRAME_JAVA | ((__u64)(epoch & HS_BCI_UNKNOWN) << 47);
}

static inline int hs_frame_is_epoch(__u64 w)
{
	return (w & (HS_FRAME_JAVA | HS_FRAME_COMPILED | HS_ADDR_MASK)) == HS_FRAME_JAVA;
}

static inline __u32 hs_epoch_of(__u64 w)
{
	return (w >> 47) & HS_BCI_UNKNOWN;
}

static inline int hs_frame_is_java(__u64 w)
{
	return (w & HS_FRAME_JAVA) != 0;
}

static inline int hs_frame_is_compiled(__u64 w)
{
	return (w & (HS_FRAME_JAVA | HS_FRAME_COMPILED)) == (HS_FRAME_JAVA | HS_FRAME_COMPILED);
}

static inline __u64 hs_compiled_pc(__u64 w, __u64 codecache_low)
{
	return codecache_low + (w & 0xffffffffULL);
}

static inline __u32 hs_compiled_id(__u64 w)
{
	return (w >> 32) & 0x3fffffff;
}

static inline __u64 hs_interpreted_method(__u64 w)
{
	return w & HS_ADDR_MASK;
}

static inline __u32 hs_interpreted_bci(__u64 w)
{
	return (w >> 47) & HS_BCI_UNKNOWN;
}

#endif
