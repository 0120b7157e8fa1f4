// SPDX-License-Identifier: GPL-2.0
#include "symbolize/frame_memo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MEMO_MIN_SLOTS 1024u
#define MEMO_MAX_SLOTS 65536u

struct frame_memo_entry {
	uint64_t word; /* 0: empty (never a Java word) */
	uint32_t epoch;
	uint32_t n;
	struct frame_sym *frames;
};

static size_t memo_slot(uint64_t word, uint32_t epoch, size_t mask)
{
	uint64_t h = (word ^ ((uint64_t)epoch << 17)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & mask;
}

static struct frame_memo_entry *memo_find(const struct frame_memo *m, uint64_t word, uint32_t epoch)
{
	for (size_t pos = memo_slot(word, epoch, m->mask); m->slots[pos].word;
	     pos = (pos + 1) & m->mask)
		if (m->slots[pos].word == word && m->slots[pos].epoch == epoch)
			return &m->slots[pos];
	return NULL;
}

size_t frame_memo_get(const struct frame_memo *m, uint64_t word, uint32_t epoch,
		      struct frame_sym *out, size_t max)
{
	const struct frame_memo_entry *e;
	size_t n;

	if (!m->slots || !word || !max)
		return 0;
	e = memo_find(m, word, epoch);
	if (!e)
		return 0;
	n = e->n < max ? e->n : max;
	memcpy(out, e->frames, n * sizeof(*out));
	return n;
}

/* Move an entry (frames and all) into the table; no allocation. */
static void memo_place(struct frame_memo *m, const struct frame_memo_entry *e)
{
	size_t pos = memo_slot(e->word, e->epoch, m->mask);

	while (m->slots[pos].word)
		pos = (pos + 1) & m->mask;
	m->slots[pos] = *e;
	m->used++;
}

static void memo_clear(struct frame_memo *m)
{
	for (size_t i = 0; m->slots && i <= m->mask; i++)
		free(m->slots[i].frames);
	if (m->slots)
		memset(m->slots, 0, (m->mask + 1) * sizeof(*m->slots));
	m->used = 0;
}

static int memo_resize(struct frame_memo *m, size_t slots)
{
	struct frame_memo_entry *old = m->slots, *fresh = calloc(slots, sizeof(*fresh));
	size_t old_slots = old ? m->mask + 1 : 0;

	if (!fresh)
		return -ENOMEM;
	m->slots = fresh;
	m->mask = slots - 1;
	m->used = 0;
	for (size_t i = 0; i < old_slots; i++)
		if (old[i].word)
			memo_place(m, &old[i]);
	free(old);
	return 0;
}

int frame_memo_put(struct frame_memo *m, uint64_t word, uint32_t epoch, const struct frame_sym *fs,
		   size_t n)
{
	struct frame_memo_entry e = { .word = word, .epoch = epoch, .n = (uint32_t)n };
	int err = 0;

	if (!word || !n)
		return -EINVAL;
	if (!m->slots)
		err = memo_resize(m, MEMO_MIN_SLOTS);
	else if (memo_find(m, word, epoch))
		return 0; /* first reading wins: it was taken closest to the sample */
	else if ((m->used + 1) * 4 > (m->mask + 1) * 3)
		err = m->mask + 1 < MEMO_MAX_SLOTS ? memo_resize(m, 2 * (m->mask + 1)) : 0;
	if (err)
		return err;
	/* At the cap: start over rather than grow without bound. */
	if ((m->used + 1) * 4 > (m->mask + 1) * 3)
		memo_clear(m);
	e.frames = malloc(n * sizeof(*fs));
	if (!e.frames)
		return -ENOMEM;
	memcpy(e.frames, fs, n * sizeof(*fs));
	memo_place(m, &e);
	return 0;
}

void frame_memo_free(struct frame_memo *m)
{
	memo_clear(m);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

size_t frame_memo_memory(const struct frame_memo *m)
{
	size_t n = 0;

	for (size_t i = 0; m->slots && i <= m->mask; i++)
		n += m->slots[i].word ? m->slots[i].n * sizeof(*m->slots[i].frames) : 0;
	return n + (m->slots ? (m->mask + 1) * sizeof(*m->slots) : 0);
}
