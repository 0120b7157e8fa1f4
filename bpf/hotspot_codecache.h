/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which code blob holds a pc: HotSpot's CodeHeap segment map, walked from
 * outside the JVM. Shared by the BPF unwinder and user space (naming, tests
 * on fake memory): the includer defines
 *
 *     HS_READ(ctx, dst, len, addr)  -> 0 on success, nonzero on failure
 *
 * before including this header, so the same walk runs on
 * bpf_probe_read_user in the kernel and on a mem_reader in user space. */
#ifndef TMPROF_BPF_HOTSPOT_CODECACHE_H
#define TMPROF_BPF_HOTSPOT_CODECACHE_H

#include "bpf/hotspot.h"

#ifndef HS_READ
#error "define HS_READ(ctx, dst, len, addr) before including bpf/hotspot_codecache.h"
#endif

/* A segment map byte: 0 starts a block, 1..0xFE hop back that many
 * segments towards the block's start, 0xFF is a segment no block uses. */
#define HS_SEGMAP_FREE 0xff
/* Hops are at most 0xFE segments and the map is built so that a walk needs
 * few of them (JDK-8223444); a bound keeps the BPF verifier happy and turns
 * a corrupt map into a miss. */
#define HS_SEGMAP_MAX_HOPS 32

/* The heap holding pc, or -1. */
static inline int hs_heap_of(const struct hotspot_cfg *cfg, __u64 pc)
{
	if (pc < cfg->codecache_low || pc >= cfg->codecache_high)
		return -1;
	for (int i = 0; i < HS_MAX_HEAPS; i++) {
		if (i >= (int)cfg->nheaps)
			break;
		if (pc >= cfg->heaps[i].low && pc < cfg->heaps[i].high)
			return i;
	}
	return -1;
}

/* Start of the code blob (its CodeBlob header) holding pc: 0 and *blob, or
 * -1 when pc is in no heap, in a free block, or memory cannot be read. */
static inline int hs_find_blob(void *ctx, const struct hotspot_cfg *cfg, __u64 pc, __u64 *blob)
{
	int h = hs_heap_of(cfg, pc);
	const struct hotspot_heap *heap;
	__u64 seg, block;
	__u8 hop = 0, used = 0;

	if (h < 0 || h >= HS_MAX_HEAPS)
		return -1;
	heap = &cfg->heaps[h];
	if (heap->log2_segment >= 32)
		return -1;
	seg = (pc - heap->low) >> heap->log2_segment;
	for (int i = 0; i < HS_SEGMAP_MAX_HOPS; i++) {
		if (HS_READ(ctx, &hop, 1, heap->segmap + seg))
			return -1;
		if (hop == HS_SEGMAP_FREE)
			return -1;
		if (hop == 0)
			break;
		if (hop > seg)
			return -1;
		seg -= hop;
	}
	if (hop != 0)
		return -1;
	block = heap->low + (seg << heap->log2_segment);
	if (HS_READ(ctx, &used, 1, block + cfg->heap_block_used) || !used)
		return -1;
	*blob = block + cfg->heap_block_size;
	return 0;
}

#endif
