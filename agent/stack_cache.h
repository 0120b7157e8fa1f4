/* Stacks copied out of a BPF stack map, by id. Ids index a fixed-size map,
 * so a direct table is enough, and entries are never deleted on the BPF
 * side, so an id keeps meaning the same stack. */
#ifndef TMPROF_AGENT_STACK_CACHE_H
#define TMPROF_AGENT_STACK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/cpu_sample.h"

struct stack_copy {
	uint64_t *ips; /* leaf first */
	uint32_t depth;
};

typedef int (*stack_fetch_fn)(void *ctx, int32_t id, uint64_t *ips, size_t max);

struct stack_cache {
	stack_fetch_fn fetch;
	void *ctx;
	struct stack_copy stacks[TMPROF_STACK_ENTRIES];
};

/* The stack for id, fetched on first use; *fresh says it was just fetched.
 * NULL for id < 0 or when the fetch fails. */
const struct stack_copy *stack_cache_get(struct stack_cache *c, int32_t id, bool *fresh);
void stack_cache_free(struct stack_cache *c);

#endif
