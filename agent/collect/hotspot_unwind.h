// SPDX-License-Identifier: GPL-2.0
/* The HotSpot unwinder's per-target configuration (bpf/hotspot.h), read
 * from the target JVM's own vmStructs and memory at attach time. */
#ifndef TMPROF_AGENT_HOTSPOT_UNWIND_H
#define TMPROF_AGENT_HOTSPOT_UNWIND_H

#include <stddef.h>

#include "bpf/hotspot.h"
#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* Fill *out for the JVM whose vmStructs (with int constants,
 * vmstructs_read_ints) are vs. -ENOENT: a field, type or constant the
 * unwinder needs is missing, or the code cache is not set up yet (a JVM
 * still starting: try again later); -ERANGE: a layout the BPF side cannot
 * handle; -EFAULT: target memory unreadable. */
int hotspot_cfg_read(const struct mem_reader *mem, const struct vmstructs *vs,
		     struct hotspot_cfg *out);

/* The name ("Type::_field", "sizeof(Type)" or "frame::..." constant) of the
 * first vmStructs entry the unwinder and the namer need that vs lacks, in
 * buf; 0 if found one, -ENOENT if none is missing (another cause). */
int hotspot_cfg_missing(const struct vmstructs *vs, char *buf, size_t len);

#endif
