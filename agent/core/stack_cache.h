// SPDX-License-Identifier: GPL-2.0
/* Stacks copied out of BPF maps, by id: a stack map's id, or the hash under
 * which tmprof's own unwinder stored a stack. Entries are never deleted on
 * the BPF side, so an id keeps meaning the same stack. */
#ifndef TMPROF_AGENT_STACK_CACHE_H
#define TMPROF_AGENT_STACK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stack_copy {
	uint64_t id;
	uint64_t *ips; /* leaf first */
	uint32_t depth;
};

typedef int (*stack_fetch_fn)(void *ctx, uint64_t id, uint64_t *ips, size_t max);

struct stack_cache {
	stack_fetch_fn fetch;
	void *ctx;
	struct stack_copy *slots; /* open addressing by id */
	size_t mask, used;
};

int stack_cache_init(struct stack_cache *c, stack_fetch_fn fetch, void *ctx);
/* The stack for id, fetched on first use; *fresh says it was just fetched.
 * NULL when the fetch fails (the failure is not cached: a later try may
 * succeed). */
const struct stack_copy *stack_cache_get(struct stack_cache *c, uint64_t id, bool *fresh);
void stack_cache_free(struct stack_cache *c);

#endif
