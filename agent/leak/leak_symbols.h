// SPDX-License-Identifier: GPL-2.0
/* Native + JIT names for the stacks of leak snapshots and jemalloc heap
 * profiles, in folded form (the frame text of CPU profiles). */
#ifndef TMPROF_AGENT_LEAK_SYMBOLS_H
#define TMPROF_AGENT_LEAK_SYMBOLS_H

#include <stdint.h>

struct process_symbolizer;

/* ips leaf first. Addresses from index first_return on are return
 * addresses, looked up one byte earlier (inside the call). Leaf frames in
 * a module whose name starts with skip_module (e.g. "libjemalloc": the
 * allocator's own frames in its heap profiles) are dropped; NULL keeps
 * all. *out: "root;...;leaf", malloc'd. -ENODATA when nothing is left. */
int leak_stack_text(struct process_symbolizer *ps, const uint64_t *ips, uint32_t depth,
		    uint32_t first_return, const char *skip_module, char **out);

#endif
