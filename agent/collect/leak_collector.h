// SPDX-License-Identifier: GPL-2.0
/* `tmprof leak`'s tracer (leak_tracer.c) as a collector. Not an -e kind:
 * its rows are the allocations live now, read without emptying the table
 * (a snapshot, not a delta), so it is not in collector_kinds and only
 * `tmprof leak` (leak/leak_run.c) drives it. */
#ifndef TMPROF_AGENT_LEAK_COLLECTOR_H
#define TMPROF_AGENT_LEAK_COLLECTOR_H

#include "agent/collect/collector.h"
#include "agent/collect/leak_allocator.h"

/* Rows: key struct leak_key (one per live allocation), a = requested
 * bytes, b = when it was made (CLOCK_BOOTTIME ns), user_stack. Options:
 * session_options.leak. */
extern const struct collector_ops leak_collector_ops;

/* The allocator the last add_target probed, and how many functions. */
const struct leak_allocator *leak_collector_allocator(void *c, unsigned int *nprobes);

#endif
