// SPDX-License-Identifier: GPL-2.0
/* HotSpot's performance counters (what jstat reads), found in the target's
 * memory through the PerfMemory statics of its vmStructs rather than in its
 * hsperfdata file: no file under the target's /tmp is opened, and it works
 * with -XX:+PerfDisableSharedMem. */
#ifndef TMPROF_SYMBOLIZE_HOTSPOT_PERFDATA_H
#define TMPROF_SYMBOLIZE_HOTSPOT_PERFDATA_H

#include <stdint.h>

#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* Address of the 64-bit value of the counter called name (e.g.
 * "java.cls.unloadedClasses"): read it with mem_read_u64 as often as
 * needed. -ENOENT: no such counter, or the vmStructs lack PerfMemory /
 * PerfDataEntry; -EFAULT/-EINVAL: memory unreadable or not a PerfData
 * region (checked: magic, bounds of every entry). */
int hotspot_perfdata_find(const struct mem_reader *mem, const struct vmstructs *vs,
			  const char *name, uint64_t *value_addr);

#endif
