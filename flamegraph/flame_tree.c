// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/flame_tree.h"
#include "flamegraph/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/frame_text.h"
#include "flamegraph/profile.h"

/* Names of both profiles in one table, so BEFORE and AFTER frames compare
 * by one id. Open addressing over indexes + 1 (0 is empty). */
struct name_table {
	const char **names;
	uint8_t *kinds; /* enum profile_frame_kind of each name */
	uint64_t *hashes;
	size_t n, cap;
	uint32_t *slots;
	size_t mask;
};

struct entry {
	size_t off; /* into builder.frames */
	uint32_t depth;
	uint32_t labels; /* label set of an AFTER sample */
	uint64_t after;
	double before;
};

struct builder {
	struct name_table names;
	uint32_t *frames;
	size_t nframes, frames_cap;
	struct entry *entries;
	size_t nentries, entries_cap;
	/* Profile frame id -> table id, for the profile being added. */
	uint32_t *idmap;
	size_t idmap_cap;
	struct frame_texts *texts; /* of the profile being added */
	uint32_t all_id;
};

static uint64_t hash_str(const char *s)
{
	return fnv1a(s, strlen(s), FNV1A_SEED);
}

static int name_table_rehash(struct name_table *t)
{
	size_t cap = t->slots ? (t->mask + 1) * 2 : 1024;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t pos = t->hashes[i] & (cap - 1);

		while (slots[pos])
			pos = (pos + 1) & (cap - 1);
		slots[pos] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	return 0;
}

static int name_table_intern(struct name_table *t, const char *name, enum profile_frame_kind kind,
			     uint32_t *id)
{
	uint64_t h = hash_str(name);
	size_t pos;
	int err;

	if (!t->slots || (t->n + 1) * 4 >= (t->mask + 1) * 3) {
		err = name_table_rehash(t);
		if (err)
			return err;
	}
	/* Slots hold ids < n + 1: an empty table (all slots 0) has nothing to find. */
	for (pos = h & t->mask; t->n && t->slots[pos]; pos = (pos + 1) & t->mask) {
		uint32_t i = t->slots[pos] - 1;

		if (t->hashes[i] == h && !strcmp(t->names[i], name)) {
			*id = i;
			return 0;
		}
	}
	if (array_reserve((void **)&t->names, &t->cap, t->n + 1, sizeof(*t->names)))
		return -ENOMEM;
	/* hashes grows with names: same capacity. */
	{
		uint64_t *nh = realloc(t->hashes, t->cap * sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		t->hashes = nh;
	}
	{
		uint8_t *nk = realloc(t->kinds, t->cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		t->kinds = nk;
	}
	t->names[t->n] = name;
	t->kinds[t->n] = (uint8_t)kind;
	t->hashes[t->n] = h;
	t->slots[pos] = (uint32_t)t->n + 1;
	*id = (uint32_t)t->n++;
	return 0;
}

static void builder_free(struct builder *b)
{
	free(b->names.names);
	free(b->names.kinds);
	free(b->names.hashes);
	free(b->names.slots);
	free(b->frames);
	free(b->entries);
	free(b->idmap);
}

/* Table id of a profile's frame id, looked up once per profile id. */
static int builder_map_id(struct builder *b, const struct profile *p, uint32_t pid, uint32_t *out)
{
	const char *text;

	if (pid >= b->idmap_cap) {
		size_t old = b->idmap_cap;

		if (array_reserve((void **)&b->idmap, &b->idmap_cap, (size_t)pid + 1, sizeof(*b->idmap)))
			return -ENOMEM;
		memset(b->idmap + old, 0xff, (b->idmap_cap - old) * sizeof(*b->idmap));
	}
	if (b->idmap[pid] == UINT32_MAX) {
		int err;

		text = frame_texts_frame(b->texts, pid);
		if (!text)
			return -ENOMEM;
		err = name_table_intern(&b->names, text, profile_frame_kind(p, pid), &b->idmap[pid]);
		if (err)
			return err;
	}
	*out = b->idmap[pid];
	return 0;
}

/* The texts of a profile's frames live as long as the tree: its names
 * point into them. */
static int builder_add_profile(struct builder *b, struct flame_tree *t, const struct profile *p,
			       bool is_before, double scale, bool reverse)
{
	size_t n = profile_stack_count(p);
	int err;

	b->texts = t->texts[is_before] = frame_texts_new(p);
	if (!b->texts)
		return -ENOMEM;
	if (b->idmap_cap)
		memset(b->idmap, 0xff, b->idmap_cap * sizeof(*b->idmap));
	for (size_t i = 0; i < n; i++) {
		const char *roots[FRAME_TEXT_ROOTS_MAX];
		struct profile_stack s;
		uint32_t depth, *f;
		struct entry *e;
		int nroots;

		profile_stack_get(p, i, &s);
		if (!s.count)
			continue;
		nroots = frame_texts_roots(b->texts, s.labels, roots);
		if (nroots < 0)
			return nroots;
		depth = s.depth + (uint32_t)nroots;
		if (!depth)
			continue;
		if (array_reserve((void **)&b->frames, &b->frames_cap, b->nframes + depth, sizeof(*b->frames)) ||
		    array_reserve((void **)&b->entries, &b->entries_cap, b->nentries + 1, sizeof(*b->entries)))
			return -ENOMEM;
		f = b->frames + b->nframes;
		/* Pseudo-frames are native-kind text; the palette knows "[...]". */
		for (int k = 0; k < nroots; k++) {
			err = name_table_intern(&b->names, roots[k], PROFILE_FRAME_NATIVE, &f[k]);
			if (err)
				return err;
		}
		for (uint32_t k = 0; k < s.depth; k++) {
			err = builder_map_id(b, p, s.frames[k], &f[nroots + k]);
			if (err)
				return err;
		}
		if (reverse) {
			for (uint32_t k = 0; k < depth / 2; k++) {
				uint32_t tmp = f[k];

				f[k] = f[depth - 1 - k];
				f[depth - 1 - k] = tmp;
			}
		}
		e = &b->entries[b->nentries++];
		e->off = b->nframes;
		e->depth = depth;
		e->labels = s.labels;
		e->after = is_before ? 0 : s.count;
		e->before = is_before ? (double)s.count * scale : 0;
		b->nframes += depth;
	}
	return 0;
}

static int cmp_name_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort the names and rewrite every id as its rank, so stacks and children
 * order by name with integer compares. */
static int builder_rank_names(struct builder *b, struct flame_tree *t)
{
	struct name_table *nt = &b->names;
	uint32_t *rank = malloc((nt->n ? nt->n : 1) * sizeof(*rank));
	const char **sorted = malloc((nt->n ? nt->n : 1) * sizeof(*sorted));
	uint8_t *kinds = malloc(nt->n ? nt->n : 1);

	if (!rank || !sorted || !kinds) {
		free(rank);
		free(sorted);
		free(kinds);
		return -ENOMEM;
	}
	memcpy(sorted, nt->names, nt->n * sizeof(*sorted));
	qsort(sorted, nt->n, sizeof(*sorted), cmp_name_ptr);
	/* Names are unique, so bsearch finds each one's rank. */
	for (size_t i = 0; i < nt->n; i++) {
		const char **hit = bsearch(&nt->names[i], sorted, nt->n, sizeof(*sorted), cmp_name_ptr);

		rank[i] = (uint32_t)(hit - sorted);
		kinds[rank[i]] = nt->kinds[i];
	}
	for (size_t i = 0; i < b->nframes; i++)
		b->frames[i] = rank[b->frames[i]];
	b->all_id = rank[b->all_id];
	free(rank);
	t->names = sorted;
	t->kinds = kinds;
	t->nnames = nt->n;
	return 0;
}

static int cmp_entry(const void *a, const void *b, void *arg)
{
	const struct entry *ea = a, *eb = b;
	const uint32_t *frames = arg;
	uint32_t n = ea->depth < eb->depth ? ea->depth : eb->depth;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t fa = frames[ea->off + k], fb = frames[eb->off + k];

		if (fa != fb)
			return fa < fb ? -1 : 1;
	}
	return (ea->depth > eb->depth) - (ea->depth < eb->depth);
}

static int tree_push(struct flame_tree *t, size_t *cap, uint32_t name, uint32_t depth)
{
	struct flame_node *n;

	if (array_reserve((void **)&t->nodes, cap, t->nnodes + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	n = &t->nodes[t->nnodes++];
	*n = (struct flame_node){ .name = name, .depth = depth };
	return 0;
}

/* Note an AFTER sample ending at node. */
static int tree_add_sample(struct flame_tree *t, size_t *cap, uint32_t node, const struct entry *e)
{
	if (array_reserve((void **)&t->samples, cap, t->nsamples + 1, sizeof(*t->samples)))
		return -ENOMEM;
	t->samples[t->nsamples++] = (struct flame_sample){ node, e->labels, e->after };
	return 0;
}

/* Sorted stacks merge by common prefix into preorder nodes. */
static int builder_merge(struct builder *b, struct flame_tree *t)
{
	uint32_t max_depth = 0, *path = NULL;
	const struct entry *prev = NULL;
	size_t cap = 0, scap = 0;
	int err;

	for (size_t i = 0; i < b->nentries; i++)
		if (b->entries[i].depth > max_depth)
			max_depth = b->entries[i].depth;
	path = malloc(((size_t)max_depth + 1) * sizeof(*path));
	if (!path)
		return -ENOMEM;
	err = tree_push(t, &cap, b->all_id, 0);
	path[0] = 0;
	for (size_t i = 0; !err && i < b->nentries; i++) {
		const struct entry *e = &b->entries[i];
		const uint32_t *f = b->frames + e->off;
		uint32_t lcp = 0;

		if (prev) {
			const uint32_t *pf = b->frames + prev->off;

			while (lcp < prev->depth && lcp < e->depth && pf[lcp] == f[lcp])
				lcp++;
		}
		for (uint32_t k = lcp; !err && k < e->depth; k++) {
			err = tree_push(t, &cap, f[k], k + 1);
			path[k + 1] = (uint32_t)t->nnodes - 1;
		}
		for (uint32_t k = 0; !err && k <= e->depth; k++) {
			t->nodes[path[k]].value += e->after;
			t->nodes[path[k]].before += e->before;
		}
		if (!err && e->after)
			err = tree_add_sample(t, &scap, path[e->depth], e);
		prev = e;
	}
	free(path);
	return err;
}

/* Drop nodes AFTER does not have (value 0): in preorder their subtrees
 * are the nodes that follow with a greater depth. Samples end at kept
 * nodes (they have AFTER's value), and both are in node order, so their
 * node ids move down in one pass. */
static void tree_drop_empty(struct flame_tree *t)
{
	size_t w = 0, s = 0;

	for (size_t i = 0; i < t->nnodes;) {
		if (t->nodes[i].value || i == 0) {
			for (; s < t->nsamples && t->samples[s].node == i; s++)
				t->samples[s].node = (uint32_t)w;
			t->nodes[w++] = t->nodes[i++];
			continue;
		}
		uint32_t d = t->nodes[i].depth;

		for (i++; i < t->nnodes && t->nodes[i].depth > d; i++)
			;
	}
	t->nnodes = w;
}

/* Subtree sizes from the depth sequence: a node's subtree ends at the next
 * node that is not deeper. */
static int tree_compute_sizes(struct flame_tree *t)
{
	uint32_t *stack = malloc(((size_t)t->max_depth + 2) * sizeof(*stack));
	size_t top = 0;

	if (!stack)
		return -ENOMEM;
	for (size_t j = 0; j <= t->nnodes; j++) {
		uint32_t d = j < t->nnodes ? t->nodes[j].depth : 0;

		while (top && (j == t->nnodes || t->nodes[stack[top - 1]].depth >= d)) {
			top--;
			t->nodes[stack[top]].size = (uint32_t)(j - stack[top]);
		}
		if (j < t->nnodes)
			stack[top++] = (uint32_t)j;
	}
	free(stack);
	return 0;
}

int flame_tree_build(struct flame_tree *t, const struct profile *after,
		     const struct profile *before, bool reverse, bool normalize)
{
	struct builder b = { 0 };
	double scale = 1.0;
	int err;

	memset(t, 0, sizeof(*t));
	if (!profile_total(after))
		return -ENODATA;
	if (before && normalize && profile_total(before))
		scale = (double)profile_total(after) / (double)profile_total(before);
	err = name_table_intern(&b.names, "all", PROFILE_FRAME_NATIVE, &b.all_id);
	if (!err)
		err = builder_add_profile(&b, t, after, false, 1.0, reverse);
	if (!err && before)
		err = builder_add_profile(&b, t, before, true, scale, reverse);
	if (!err)
		err = builder_rank_names(&b, t);
	if (err)
		goto cleanup;
	qsort_r(b.entries, b.nentries, sizeof(*b.entries), cmp_entry, b.frames);
	err = builder_merge(&b, t);
	if (err)
		goto cleanup;
	if (before)
		tree_drop_empty(t);
	for (size_t i = 0; i < t->nnodes; i++)
		if (t->nodes[i].depth > t->max_depth)
			t->max_depth = t->nodes[i].depth;
	t->has_before = before != NULL;
	t->after = after;
	t->before_total = t->nodes[0].before;
	err = tree_compute_sizes(t);
cleanup:
	builder_free(&b);
	if (err)
		flame_tree_free(t);
	return err;
}

void flame_tree_free(struct flame_tree *t)
{
	free(t->nodes);
	free(t->samples);
	free(t->names);
	free(t->kinds);
	frame_texts_free(t->texts[0]);
	frame_texts_free(t->texts[1]);
	memset(t, 0, sizeof(*t));
}

uint64_t flame_tree_self(const struct flame_tree *t, size_t i)
{
	uint64_t v = t->nodes[i].value;

	for (size_t c = i + 1; c < i + t->nodes[i].size; c += t->nodes[c].size)
		v -= t->nodes[c].value;
	return v;
}
