// SPDX-License-Identifier: GPL-2.0
#include "agent/core/agg_table.h"
#include "flamegraph/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t key_hash(const unsigned char *k, size_t n)
{
	return fnv1a(k, n, FNV1A_SEED);
}

int agg_table_init(struct agg_table *t, size_t key_size)
{
	memset(t, 0, sizeof(*t));
	if (key_size == 0 || key_size > AGG_KEY_MAX)
		return -EINVAL;
	t->key_size = key_size;
	t->slots = calloc(1024, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = 1023;
	return 0;
}

void agg_table_free(struct agg_table *t)
{
	free(t->entries);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

void agg_table_clear(struct agg_table *t)
{
	t->count = 0;
	memset(t->slots, 0, (t->mask + 1) * sizeof(*t->slots));
}

static int agg_table_rehash(struct agg_table *t)
{
	size_t cap = (t->mask + 1) * 2;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->count; i++) {
		size_t pos = key_hash(t->entries[i].key, t->key_size) & (cap - 1);

		while (slots[pos])
			pos = (pos + 1) & (cap - 1);
		slots[pos] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	return 0;
}

int agg_table_add(struct agg_table *t, const void *key, uint64_t a, uint64_t b)
{
	size_t pos;

	for (pos = key_hash(key, t->key_size) & t->mask; t->slots[pos]; pos = (pos + 1) & t->mask) {
		struct agg_entry *e = &t->entries[t->slots[pos] - 1];

		if (memcmp(e->key, key, t->key_size) == 0) {
			e->a += a;
			e->b += b;
			return 0;
		}
	}
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		void *n = realloc(t->entries, cap * sizeof(*t->entries));

		if (!n)
			return -ENOMEM;
		t->entries = n;
		t->cap = cap;
	}
	memset(t->entries[t->count].key, 0, AGG_KEY_MAX);
	memcpy(t->entries[t->count].key, key, t->key_size);
	t->entries[t->count].a = a;
	t->entries[t->count].b = b;
	t->slots[pos] = (uint32_t)++t->count;
	if (t->count * 4 >= (t->mask + 1) * 3)
		return agg_table_rehash(t);
	return 0;
}
