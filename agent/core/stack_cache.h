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
	uint32_t gen; /* the cache's generation when last handed out */
};

typedef int (*stack_fetch_fn)(void *ctx, uint64_t id, uint64_t *ips, size_t max);

struct stack_cache {
	stack_fetch_fn fetch;
	void *ctx;
	struct stack_copy *slots; /* open addressing by id */
	size_t mask, used;
	uint32_t gen;
};

int stack_cache_init(struct stack_cache *c, stack_fetch_fn fetch, void *ctx);
/* The stack for id, fetched on first use; *fresh says it was just fetched.
 * NULL when the fetch fails (the failure is not cached: a later try may
 * succeed). */
const struct stack_copy *stack_cache_get(struct stack_cache *c, uint64_t id, bool *fresh);
/* Drop the stacks not handed out since the last prune, and start a new
 * generation. The BPF side keeps every stack, so this copy would otherwise
 * grow with every stack ever seen (32768 user and kernel stacks, ~16 MiB,
 * most of them of exited processes or unloaded JIT code); a dropped stack is
 * fetched again if it comes back. Only when no stack_copy handed out is
 * held. Returns the stacks dropped, or -ENOMEM (nothing changed). */
int stack_cache_prune(struct stack_cache *c);
/* Bytes held: the table and the copies. */
size_t stack_cache_memory(const struct stack_cache *c);
void stack_cache_free(struct stack_cache *c);

#endif
