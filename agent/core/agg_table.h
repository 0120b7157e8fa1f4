// SPDX-License-Identifier: GPL-2.0
/* User-space side of in-kernel aggregation: (key, value) pairs drained from
 * BPF maps merged across drains. Keys are compared bytewise (the BPF side
 * zero-initialises them), values are pairs of counters that add up. */
#ifndef TMPROF_AGENT_AGG_TABLE_H
#define TMPROF_AGENT_AGG_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define AGG_KEY_MAX 64

struct agg_entry {
	unsigned char key[AGG_KEY_MAX];
	uint64_t a, b; /* e.g. samples; or nanoseconds and spans */
};

struct agg_table {
	size_t key_size;
	struct agg_entry *entries;
	size_t count, cap;
	uint32_t *slots; /* open addressing, entry index + 1 */
	size_t mask;
};

int agg_table_init(struct agg_table *t, size_t key_size);
void agg_table_free(struct agg_table *t);
/* Forget every entry, keep the memory (top starts each interval empty). */
void agg_table_clear(struct agg_table *t);
int agg_table_add(struct agg_table *t, const void *key, uint64_t a, uint64_t b);

#endif
