// SPDX-License-Identifier: GPL-2.0
/* Open-addressing hash map keyed by address, with linear probing. Removal
 * is rare (a perf map reload), so it rebuilds the table instead of keeping
 * tombstones. */
#include "symbolize/addr_cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	struct addr_entry e;
	bool used;
};

struct addr_cache {
	struct slot *slots;
	size_t nslots, count, max_entries;
};

static size_t slot_index(uint64_t addr, size_t nslots)
{
	/* Multiplicative hash: code addresses share their low and high bits. */
	return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 20) & (nslots - 1);
}

int addr_cache_new(size_t max_entries, struct addr_cache **out)
{
	struct addr_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->max_entries = max_entries ? max_entries : 1;
	c->nslots = 64;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static struct slot *slot_find(const struct addr_cache *c, uint64_t addr)
{
	size_t i = slot_index(addr, c->nslots);

	while (c->slots[i].used) {
		if (c->slots[i].e.addr == addr)
			return &c->slots[i];
		i = (i + 1) & (c->nslots - 1);
	}
	return &c->slots[i];
}

const struct addr_entry *addr_cache_find(const struct addr_cache *c, uint64_t addr)
{
	struct slot *s = slot_find(c, addr);

	return s->used ? &s->e : NULL;
}

/* Rebuild into nslots slots, dropping entries tagged drop_tag (-1: none). */
static int table_rebuild(struct addr_cache *c, size_t nslots, int drop_tag)
{
	struct slot *old = c->slots;
	size_t old_n = c->nslots;
	struct slot *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	c->slots = slots;
	c->nslots = nslots;
	c->count = 0;
	for (size_t i = 0; i < old_n; i++) {
		struct slot *s;

		if (!old[i].used || (drop_tag >= 0 && old[i].e.tag == drop_tag))
			continue;
		s = slot_find(c, old[i].e.addr);
		*s = old[i];
		c->count++;
	}
	free(old);
	return 0;
}

int addr_cache_insert(struct addr_cache *c, const struct addr_entry *e)
{
	struct slot *s = slot_find(c, e->addr);
	int ret;

	if (s->used) {
		s->e = *e;
		return 0;
	}
	if (c->count >= c->max_entries) {
		memset(c->slots, 0, c->nslots * sizeof(*c->slots));
		c->count = 0;
	} else if ((c->count + 1) * 2 > c->nslots) {
		ret = table_rebuild(c, c->nslots * 2, -1);
		if (ret < 0)
			return ret;
	}
	s = slot_find(c, e->addr);
	s->e = *e;
	s->used = true;
	c->count++;
	return 0;
}

int addr_cache_drop_tag(struct addr_cache *c, uint8_t tag)
{
	return table_rebuild(c, c->nslots, tag);
}

size_t addr_cache_count(const struct addr_cache *c)
{
	return c->count;
}

size_t addr_cache_memory(const struct addr_cache *c)
{
	return c ? sizeof(*c) + c->nslots * sizeof(*c->slots) : 0;
}

void addr_cache_free(struct addr_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}
