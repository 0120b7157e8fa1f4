// SPDX-License-Identifier: GPL-2.0
/* String interning: an open-addressing hash set over strings stored in
 * large blocks (one allocation per block, not per string). */
#include "symbolize/strpool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (64u * 1024)

struct block {
	struct block *next;
	size_t used, size;
	char data[];
};

struct strpool {
	const char **slots; /* NULL: empty */
	size_t nslots, count;
	struct block *blocks;
	size_t bytes, max_bytes;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

int strpool_new(size_t max_bytes, struct strpool **out)
{
	struct strpool *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->nslots = 1024;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return -ENOMEM;
	}
	p->max_bytes = max_bytes;
	*out = p;
	return 0;
}

static int table_grow(struct strpool *p)
{
	size_t n = p->nslots * 2;
	const char **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < p->nslots; i++) {
		size_t j;

		if (!p->slots[i])
			continue;
		j = hash_str(p->slots[i]) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = p->slots[i];
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = n;
	return 0;
}

static char *storage_copy(struct strpool *p, const char *s, size_t len)
{
	struct block *b = p->blocks;
	char *dst;

	if (!b || b->size - b->used < len + 1) {
		size_t size = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = size;
		b->next = p->blocks;
		p->blocks = b;
	}
	dst = b->data + b->used;
	memcpy(dst, s, len + 1);
	b->used += len + 1;
	return dst;
}

const char *strpool_intern(struct strpool *p, const char *s)
{
	size_t len = strlen(s), i;
	char *copy;

	i = hash_str(s) & (p->nslots - 1);
	while (p->slots[i]) {
		if (strcmp(p->slots[i], s) == 0)
			return p->slots[i];
		i = (i + 1) & (p->nslots - 1);
	}
	if (p->bytes + len + 1 > p->max_bytes)
		return NULL;
	/* Keep the load factor under 1/2 so that probes stay short. */
	if ((p->count + 1) * 2 > p->nslots) {
		if (table_grow(p) < 0)
			return NULL;
		i = hash_str(s) & (p->nslots - 1);
		while (p->slots[i])
			i = (i + 1) & (p->nslots - 1);
	}
	copy = storage_copy(p, s, len);
	if (!copy)
		return NULL;
	p->slots[i] = copy;
	p->count++;
	p->bytes += len + 1;
	return copy;
}

size_t strpool_count(const struct strpool *p)
{
	return p->count;
}

size_t strpool_bytes(const struct strpool *p)
{
	return p->bytes;
}

size_t strpool_memory(const struct strpool *p)
{
	return p ? sizeof(*p) + p->bytes + p->nslots * sizeof(*p->slots) : 0;
}

void strpool_free(struct strpool *p)
{
	struct block *b, *next;

	if (!p)
		return;
	for (b = p->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(p->slots);
	free(p);
}
