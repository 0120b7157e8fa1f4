// SPDX-License-Identifier: GPL-2.0
#include "agent/core/note_backlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int note_backlog_init(struct note_backlog *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	if (!cap)
		return 0;
	/* Allocated once, at its full size: a flood of new stacks must not
	 * make the daemon allocate in the middle of it. */
	b->refs = calloc(cap, sizeof(*b->refs));
	if (!b->refs)
		return -ENOMEM;
	b->cap = cap;
	return 0;
}

void note_backlog_free(struct note_backlog *b)
{
	free(b->refs);
	memset(b, 0, sizeof(*b));
}

int note_backlog_push(struct note_backlog *b, const struct note_ref *r)
{
	if (b->count == b->cap)
		return -ENOSPC;
	b->refs[(b->head + b->count) % b->cap] = *r;
	b->count++;
	return 0;
}

int note_backlog_pop(struct note_backlog *b, struct note_ref *out)
{
	if (!b->count)
		return 0;
	*out = b->refs[b->head];
	b->head = (b->head + 1) % b->cap;
	b->count--;
	return 1;
}

size_t note_backlog_clear(struct note_backlog *b)
{
	size_t n = b->count;

	b->head = 0;
	b->count = 0;
	return n;
}
