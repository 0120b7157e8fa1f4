/* User-space side of sample aggregation: drained (key, count) pairs merged
 * across drains, and the stacks they point to copied out of the BPF map. */
#ifndef TMPROF_AGENT_SAMPLE_TABLE_H
#define TMPROF_AGENT_SAMPLE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include "bpf/cpu_sample.h"

struct sample_entry {
	struct cpu_sample_key key;
	uint64_t count;
};

struct sample_table {
	struct sample_entry *entries;
	size_t count, cap;
	uint32_t *slots; /* open addressing, entry index + 1 */
	size_t mask;
	uint64_t total;
};

int sample_table_init(struct sample_table *t);
void sample_table_free(struct sample_table *t);
int sample_table_add(struct sample_table *t, const struct cpu_sample_key *key, uint64_t count);

/* Stack ids index a fixed-size BPF stack map, so a direct table is enough. */
struct stack_copy {
	uint64_t *ips; /* leaf first */
	uint32_t depth;
};

struct stack_cache {
	struct stack_copy stacks[TMPROF_STACK_ENTRIES];
};

typedef int (*stack_fetch_fn)(void *ctx, int32_t id, uint64_t *ips, size_t max);

/* The stack for id, fetched on first use. *fresh says it was just fetched.
 * Returns NULL for id < 0 or when the fetch fails. */
const struct stack_copy *stack_cache_get(struct stack_cache *c, int32_t id, stack_fetch_fn fetch,
					 void *ctx, bool *fresh);
void stack_cache_free(struct stack_cache *c);

#endif
