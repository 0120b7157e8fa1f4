// SPDX-License-Identifier: GPL-2.0
/* One leak snapshot from the live table: tracked allocations grouped by
 * stack, weighted by what each sampled allocation stands for, named. */
#ifndef TMPROF_AGENT_LEAK_COLLECT_H
#define TMPROF_AGENT_LEAK_COLLECT_H

#include <stdint.h>

struct leak_snapshot;
struct collector;
struct process_symbolizer;

/* Reads the leak collector's rows (collect/leak_collector.h). Fills s
 * (initialized by the caller: time, pid, allocator, period are kept) with the stacks of the allocations of tgid live now. now_boot_ns:
 * CLOCK_BOOTTIME, to age allocations stamped by BPF. */
int leak_collect(const struct collector *leak, struct process_symbolizer *ps, uint32_t tgid,
		 uint64_t now_boot_ns, struct leak_snapshot *s);

#endif
