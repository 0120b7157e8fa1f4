#include "flamegraph/profile.h"
#include "flamegraph/hash.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing tables keep indexes into the string and stack arrays;
 * slot value 0 means empty, so indexes are stored + 1. */
struct index_table {
	uint32_t *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
};

struct stack_rec {
	size_t frames_off; /* into profile.frames */
	uint32_t depth;
	uint64_t count;
	uint64_t hash;
};

struct profile {
	char **strings;
	uint64_t *string_hashes;
	size_t nstrings, strings_cap;
	struct index_table string_index;

	uint32_t *frames;
	size_t nframes, frames_cap;
	struct stack_rec *stacks;
	size_t nstacks, stacks_cap;
	struct index_table stack_index;
	uint64_t total;
};


static int index_table_init(struct index_table *t, size_t cap)
{
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = cap - 1;
	return 0;
}

/* Grow when 3/4 full; rehash with the stored hashes. */
static int index_table_grow(struct index_table *t, size_t used, const void *recs, size_t rec_size,
			    size_t hash_off)
{
	struct index_table bigger;
	int err;

	if ((used + 1) * 4 < (t->mask + 1) * 3)
		return 0;
	err = index_table_init(&bigger, (t->mask + 1) * 2);
	if (err)
		return err;
	for (size_t i = 0; i <= t->mask; i++) {
		uint32_t v = t->slots[i];
		uint64_t h;
		size_t pos;

		if (!v)
			continue;
		memcpy(&h, (const char *)recs + (size_t)(v - 1) * rec_size + hash_off, sizeof(h));
		pos = h & bigger.mask;
		while (bigger.slots[pos])
			pos = (pos + 1) & bigger.mask;
		bigger.slots[pos] = v;
	}
	free(t->slots);
	*t = bigger;
	return 0;
}


struct profile *profile_new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (index_table_init(&p->string_index, 1024) || index_table_init(&p->stack_index, 1024)) {
		profile_free(p);
		return NULL;
	}
	return p;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->string_hashes);
	free(p->string_index.slots);
	free(p->frames);
	free(p->stacks);
	free(p->stack_index.slots);
	free(p);
}

/* ';' separates frames and '\n' stacks in the folded format; control
 * characters would corrupt any text output. */
static void sanitize_name(char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ';')
			*s = ':';
		else if (c < 0x20 || c == 0x7f)
			*s = '?';
	}
}

/* Hashes of strings are kept in a parallel array; index_table_grow reads
 * them through this view. */
struct string_hash_view {
	uint64_t hash;
};

int profile_intern(struct profile *p, const char *name, uint32_t *id)
{
	char *copy;
	uint64_t h;
	size_t pos;
	int err;

	copy = strdup(name ? name : "");
	if (!copy)
		return -ENOMEM;
	sanitize_name(copy);
	h = fnv1a(copy, strlen(copy), FNV1A_SEED);
	for (pos = h & p->string_index.mask; p->string_index.slots[pos];
	     pos = (pos + 1) & p->string_index.mask) {
		uint32_t idx = p->string_index.slots[pos] - 1;

		if (p->string_hashes[idx] == h && strcmp(p->strings[idx], copy) == 0) {
			free(copy);
			*id = idx;
			return 0;
		}
	}
	if (p->nstrings >= UINT32_MAX - 1) {
		err = -E2BIG;
		goto fail;
	}
	err = array_reserve((void **)&p->strings, &p->strings_cap, p->nstrings + 1, sizeof(char *));
	if (!err) {
		size_t cap = p->strings_cap;
		void *hashes = realloc(p->string_hashes, cap * sizeof(uint64_t));

		if (!hashes)
			err = -ENOMEM;
		else
			p->string_hashes = hashes;
	}
	if (err)
		goto fail;
	p->strings[p->nstrings] = copy;
	p->string_hashes[p->nstrings] = h;
	p->string_index.slots[pos] = (uint32_t)p->nstrings + 1;
	*id = (uint32_t)p->nstrings++;
	return index_table_grow(&p->string_index, p->nstrings, p->string_hashes,
				sizeof(struct string_hash_view), 0);
fail:
	free(copy);
	return err;
}

const char *profile_string(const struct profile *p, uint32_t id)
{
	return id < p->nstrings ? p->strings[id] : "";
}

static bool stack_equal(const struct profile *p, const struct stack_rec *s, const uint32_t *frames,
			uint32_t depth)
{
	if (s->depth != depth)
		return false;
	return depth == 0 || memcmp(p->frames + s->frames_off, frames, depth * sizeof(*frames)) == 0;
}

int profile_add(struct profile *p, const uint32_t *frames, uint32_t depth, uint64_t count)
{
	uint64_t h = fnv1a(frames, depth * sizeof(*frames), FNV1A_SEED ^ depth);
	struct stack_rec *s;
	size_t pos;
	int err;

	for (pos = h & p->stack_index.mask; p->stack_index.slots[pos];
	     pos = (pos + 1) & p->stack_index.mask) {
		s = &p->stacks[p->stack_index.slots[pos] - 1];
		if (s->hash == h && stack_equal(p, s, frames, depth)) {
			s->count += count;
			p->total += count;
			return 0;
		}
	}
	if (p->nstacks >= UINT32_MAX - 1)
		return -E2BIG;
	err = array_reserve((void **)&p->stacks, &p->stacks_cap, p->nstacks + 1, sizeof(*p->stacks));
	if (err)
		return err;
	err = array_reserve((void **)&p->frames, &p->frames_cap, p->nframes + depth, sizeof(*p->frames));
	if (err)
		return err;
	if (depth)
		memcpy(p->frames + p->nframes, frames, depth * sizeof(*frames));
	s = &p->stacks[p->nstacks];
	s->frames_off = p->nframes;
	s->depth = depth;
	s->count = count;
	s->hash = h;
	p->nframes += depth;
	p->stack_index.slots[pos] = (uint32_t)p->nstacks + 1;
	p->nstacks++;
	p->total += count;
	return index_table_grow(&p->stack_index, p->nstacks, p->stacks, sizeof(*p->stacks),
				offsetof(struct stack_rec, hash));
}

size_t profile_stack_count(const struct profile *p)
{
	return p->nstacks;
}

void profile_stack_get(const struct profile *p, size_t i, struct profile_stack *out)
{
	const struct stack_rec *s = &p->stacks[i];

	out->frames = p->frames + s->frames_off;
	out->depth = s->depth;
	out->count = s->count;
}

uint64_t profile_total(const struct profile *p)
{
	return p->total;
}
