#include "agent/stack_cache.h"

#include <stdlib.h>
#include <string.h>

const struct stack_copy *stack_cache_get(struct stack_cache *c, int32_t id, bool *fresh)
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
	depth = c->fetch(c->ctx, id, ips, TMPROF_MAX_STACK_DEPTH);
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
