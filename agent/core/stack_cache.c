// SPDX-License-Identifier: GPL-2.0
#include "agent/core/stack_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/abi.h"

static size_t slot_of(uint64_t id, size_t mask)
{
	/* Stack map ids are small integers, hashes are random: mix both. */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id & mask;
}

int stack_cache_init(struct stack_cache *c, stack_fetch_fn fetch, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->fetch = fetch;
	c->ctx = ctx;
	c->slots = calloc(1024, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->mask = 1023;
	return 0;
}

/* The entries into a table of cap slots; with prune, those of an older
 * generation are freed instead. */
static int stack_cache_rehash(struct stack_cache *c, size_t cap, bool prune, size_t *dropped)
{
	struct stack_copy *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i <= c->mask; i++) {
		size_t pos;

		if (!c->slots[i].ips)
			continue;
		if (prune && c->slots[i].gen != c->gen) {
			free(c->slots[i].ips);
			c->used--;
			(*dropped)++;
			continue;
		}
		for (pos = slot_of(c->slots[i].id, cap - 1); slots[pos].ips; pos = (pos + 1) & (cap - 1))
			;
		slots[pos] = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->mask = cap - 1;
	return 0;
}

static int stack_cache_grow(struct stack_cache *c)
{
	return stack_cache_rehash(c, (c->mask + 1) * 2, false, NULL);
}

int stack_cache_prune(struct stack_cache *c)
{
	size_t keep = 0, cap = 1024, dropped = 0;
	int err;

	if (!c->slots)
		return 0;
	for (size_t i = 0; i <= c->mask; i++)
		keep += c->slots[i].ips && c->slots[i].gen == c->gen;
	/* Room for the kept at under half full: the table shrinks too. */
	while (cap < keep * 2)
		cap *= 2;
	err = stack_cache_rehash(c, cap, true, &dropped);
	if (err)
		return err;
	c->gen++;
	return (int)(dropped > INT32_MAX ? INT32_MAX : dropped);
}

size_t stack_cache_memory(const struct stack_cache *c)
{
	size_t n = c->slots ? (c->mask + 1) * sizeof(*c->slots) : 0;

	for (size_t i = 0; c->slots && i <= c->mask; i++)
		if (c->slots[i].ips)
			n += c->slots[i].depth * sizeof(uint64_t);
	return n;
}

const struct stack_copy *stack_cache_get(struct stack_cache *c, uint64_t id, bool *fresh)
{
	uint64_t ips[TMPROF_MAX_STACK_DEPTH];
	struct stack_copy *s;
	size_t pos;
	int depth;

	*fresh = false;
	for (pos = slot_of(id, c->mask); c->slots[pos].ips; pos = (pos + 1) & c->mask)
		if (c->slots[pos].id == id) {
			c->slots[pos].gen = c->gen;
			return &c->slots[pos];
		}
	depth = c->fetch(c->ctx, id, ips, TMPROF_MAX_STACK_DEPTH);
	if (depth <= 0)
		return NULL;
	s = &c->slots[pos];
	s->ips = malloc(depth * sizeof(*ips));
	if (!s->ips)
		return NULL;
	memcpy(s->ips, ips, depth * sizeof(*ips));
	s->depth = (uint32_t)depth;
	s->id = id;
	s->gen = c->gen;
	*fresh = true;
	if (++c->used * 4 >= (c->mask + 1) * 3 && stack_cache_grow(c))
		return NULL;
	/* Growing moved the entry: look it up again. */
	for (pos = slot_of(id, c->mask); c->slots[pos].id != id || !c->slots[pos].ips;
	     pos = (pos + 1) & c->mask)
		;
	return &c->slots[pos];
}

void stack_cache_free(struct stack_cache *c)
{
	for (size_t i = 0; c->slots && i <= c->mask; i++)
		free(c->slots[i].ips);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}
