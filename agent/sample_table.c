#include "agent/sample_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t key_hash(const struct cpu_sample_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int sample_table_init(struct sample_table *t)
{
	memset(t, 0, sizeof(*t));
	t->slots = calloc(1024, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = 1023;
	return 0;
}

void sample_table_free(struct sample_table *t)
{
	free(t->entries);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int sample_table_rehash(struct sample_table *t)
{
	size_t cap = (t->mask + 1) * 2;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->count; i++) {
		size_t pos = key_hash(&t->entries[i].key) & (cap - 1);

		while (slots[pos])
			pos = (pos + 1) & (cap - 1);
		slots[pos] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	return 0;
}

int sample_table_add(struct sample_table *t, const struct cpu_sample_key *key, uint64_t count)
{
	size_t pos;
	int err;

	for (pos = key_hash(key) & t->mask; t->slots[pos]; pos = (pos + 1) & t->mask) {
		struct sample_entry *e = &t->entries[t->slots[pos] - 1];

		/* Keys are zero-initialised in BPF, so bytewise equality is exact. */
		if (memcmp(&e->key, key, sizeof(*key)) == 0) {
			e->count += count;
			t->total += count;
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
	t->entries[t->count].key = *key;
	t->entries[t->count].count = count;
	t->slots[pos] = (uint32_t)++t->count;
	t->total += count;
	if (t->count * 4 >= (t->mask + 1) * 3) {
		err = sample_table_rehash(t);
		if (err)
			return err;
	}
	return 0;
}

const struct stack_copy *stack_cache_get(struct stack_cache *c, int32_t id, stack_fetch_fn fetch,
					 void *ctx, bool *fresh)
{
	uint64_t ips[TMPROF_MAX_STACK_DEPTH];
	struct stack_copy *s;
	int depth;

	*fresh = false;
	if (id < 0 || id >= TMPROF_STACK_ENTRIES)
		return NULL;
	s = &c->stacks[id];
	if (s->ips)
		return s;
	depth = fetch(ctx, id, ips, TMPROF_MAX_STACK_DEPTH);
	if (depth <= 0)
		return NULL;
	s->ips = malloc(depth * sizeof(*ips));
	if (!s->ips)
		return NULL;
	memcpy(s->ips, ips, depth * sizeof(*ips));
	s->depth = (uint32_t)depth;
	*fresh = true;
	return s;
}

void stack_cache_free(struct stack_cache *c)
{
	for (size_t i = 0; i < TMPROF_STACK_ENTRIES; i++) {
		free(c->stacks[i].ips);
		c->stacks[i].ips = NULL;
	}
}
