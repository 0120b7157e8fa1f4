/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The HotSpot unwinder's contract between BPF (bpf/hotspot_unwind.h) and
 * user space (agent/collect/hotspot_unwind.c fills struct hotspot_cfg from the
 * target's own vmStructs; symbolize/java_frames.c names the frames).
 *
 * Nothing here is a per-JDK constant: every offset and size comes from the
 * target's gHotSpotVMStructs / gHotSpotVMTypes / gHotSpotVMIntConstants at
 * attach time. */
#ifndef TMPROF_BPF_HOTSPOT_H
#define TMPROF_BPF_HOTSPOT_H

#include "bpf/abi.h"

/* Encoding of Java frames in struct user_stack (bpf/abi.h) ips[]. Native
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
