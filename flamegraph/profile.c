// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/profile.h"
#include "flamegraph/hash.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing tables keep indexes into the record arrays; slot value 0
 * means empty, so indexes are stored + 1. Every record starts with its
 * hash, so one grow function serves all tables. */
struct index_table {
	uint32_t *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
};

struct string_rec {
	uint64_t hash;
	char *s;
};

struct frame_rec {
	uint64_t hash;
	struct profile_frame f;
};

struct labels_rec {
	uint64_t hash;
	size_t off; /* into profile.pairs */
	uint32_t n;
};

struct stack_rec {
	uint64_t hash;
	size_t frames_off; /* into profile.frame_ids */
	size_t values_off; /* into profile.values */
	uint32_t depth;
	uint32_t labels;
};

struct profile {
	struct string_rec *strings;
	size_t nstrings, strings_cap;
	struct index_table string_index;

	struct frame_rec *frames;
	size_t nframes, frames_cap;
	struct index_table frame_index;

	struct labels_rec *label_sets;
	size_t nlabel_sets, label_sets_cap;
	struct profile_label *pairs;
	size_t npairs, pairs_cap;
	struct index_table labels_index;

	uint32_t *frame_ids;
	size_t nframe_ids, frame_ids_cap;
	uint64_t *values;
	size_t nvalues_used, values_cap;
	struct stack_rec *stacks;
	size_t nstacks, stacks_cap;
	struct index_table stack_index;

	struct profile_value_type types[PROFILE_VALUES_MAX];
	char *type_text[PROFILE_VALUES_MAX][2];
	size_t ntypes, display;
	uint64_t totals[PROFILE_VALUES_MAX];
	unsigned int roots;
};

static int index_table_init(struct index_table *t, size_t cap)
{
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = cap - 1;
	return 0;
}

/* Grow when 3/4 full; rehash with the stored hashes (first field of every
 * record). */
static int index_table_grow(struct index_table *t, size_t used, const void *recs, size_t rec_size)
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
		memcpy(&h, (const char *)recs + (size_t)(v - 1) * rec_size, sizeof(h));
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
	uint32_t empty;

	if (!p)
		return NULL;
	if (index_table_init(&p->string_index, 1024) || index_table_init(&p->frame_index, 1024) ||
	    index_table_init(&p->labels_index, 64) || index_table_init(&p->stack_index, 1024))
		goto fail;
	p->ntypes = 1;
	p->types[0] = (struct profile_value_type){ "samples", "count" };
	/* String 0 is "", label set 0 is the empty set. */
	if (profile_str_intern(p, "", &empty) || profile_labels_intern(p, NULL, 0, &empty))
		goto fail;
	return p;
fail:
	profile_free(p);
	return NULL;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstrings; i++)
		free(p->strings[i].s);
	for (size_t i = 0; i < PROFILE_VALUES_MAX; i++) {
		free(p->type_text[i][0]);
		free(p->type_text[i][1]);
	}
	free(p->strings);
	free(p->string_index.slots);
	free(p->frames);
	free(p->frame_index.slots);
	free(p->label_sets);
	free(p->pairs);
	free(p->labels_index.slots);
	free(p->frame_ids);
	free(p->values);
	free(p->stacks);
	free(p->stack_index.slots);
	free(p);
}

/* ---------------------------------------------------------------- strings */

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

int profile_str_intern(struct profile *p, const char *name, uint32_t *id)
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

		if (p->strings[idx].hash == h && strcmp(p->strings[idx].s, copy) == 0) {
			free(copy);
			*id = idx;
			return 0;
		}
	}
	if (p->nstrings >= UINT32_MAX - 1) {
		err = -E2BIG;
		goto fail;
	}
	err = array_reserve((void **)&p->strings, &p->strings_cap, p->nstrings + 1,
			    sizeof(*p->strings));
	if (err)
		goto fail;
	p->strings[p->nstrings] = (struct string_rec){ h, copy };
	p->string_index.slots[pos] = (uint32_t)p->nstrings + 1;
	*id = (uint32_t)p->nstrings++;
	return index_table_grow(&p->string_index, p->nstrings, p->strings, sizeof(*p->strings));
fail:
	free(copy);
	return err;
}

const char *profile_str(const struct profile *p, uint32_t id)
{
	return id < p->nstrings ? p->strings[id].s : "";
}

/* ----------------------------------------------------------------- frames */

int profile_frame_intern(struct profile *p, const char *name, const char *module,
			 enum profile_frame_kind kind, uint32_t *id)
{
	struct profile_frame f;
	uint64_t h;
	size_t pos;
	int err;

	/* Hashed and compared as bytes: padding must be zero too. */
	memset(&f, 0, sizeof(f));
	f.kind = kind;
	if ((unsigned int)kind >= PROFILE_FRAME__MAX)
		return -EINVAL;
	err = profile_str_intern(p, name, &f.name);
	if (!err && module && *module)
		err = profile_str_intern(p, module, &f.module);
	if (err)
		return err;
	h = fnv1a(&f, sizeof(f), FNV1A_SEED);
	for (pos = h & p->frame_index.mask; p->frame_index.slots[pos];
	     pos = (pos + 1) & p->frame_index.mask) {
		uint32_t idx = p->frame_index.slots[pos] - 1;
		const struct profile_frame *g = &p->frames[idx].f;

		if (g->name == f.name && g->module == f.module && g->kind == f.kind) {
			*id = idx;
			return 0;
		}
	}
	if (p->nframes >= UINT32_MAX - 1)
		return -E2BIG;
	err = array_reserve((void **)&p->frames, &p->frames_cap, p->nframes + 1, sizeof(*p->frames));
	if (err)
		return err;
	p->frames[p->nframes] = (struct frame_rec){ h, f };
	p->frame_index.slots[pos] = (uint32_t)p->nframes + 1;
	*id = (uint32_t)p->nframes++;
	return index_table_grow(&p->frame_index, p->nframes, p->frames, sizeof(*p->frames));
}

void profile_frame_get(const struct profile *p, uint32_t id, struct profile_frame *out)
{
	if (id < p->nframes)
		*out = p->frames[id].f;
	else
		*out = (struct profile_frame){ .kind = PROFILE_FRAME_NATIVE };
}

const char *profile_frame_name(const struct profile *p, uint32_t id)
{
	return id < p->nframes ? profile_str(p, p->frames[id].f.name) : "";
}

const char *profile_frame_module(const struct profile *p, uint32_t id)
{
	return id < p->nframes ? profile_str(p, p->frames[id].f.module) : "";
}

enum profile_frame_kind profile_frame_kind(const struct profile *p, uint32_t id)
{
	return id < p->nframes ? p->frames[id].f.kind : PROFILE_FRAME_NATIVE;
}

size_t profile_frame_count(const struct profile *p)
{
	return p->nframes;
}

const char *profile_frame_kind_name(enum profile_frame_kind k)
{
	static const char *const names[] = {
		[PROFILE_FRAME_NATIVE] = "native",   [PROFILE_FRAME_KERNEL] = "kernel",
		[PROFILE_FRAME_JIT] = "jit",         [PROFILE_FRAME_INLINED] = "inlined",
		[PROFILE_FRAME_INTERPRETED] = "interpreted", [PROFILE_FRAME_STUB] = "stub",
		[PROFILE_FRAME_UNKNOWN] = "unknown",
	};

	return (unsigned int)k < PROFILE_FRAME__MAX ? names[k] : "unknown";
}

bool profile_frame_kind_is_java(enum profile_frame_kind k)
{
	return k == PROFILE_FRAME_JIT || k == PROFILE_FRAME_INLINED || k == PROFILE_FRAME_INTERPRETED;
}

int profile_intern(struct profile *p, const char *name, uint32_t *id)
{
	return profile_frame_intern(p, name, NULL, PROFILE_FRAME_NATIVE, id);
}

const char *profile_string(const struct profile *p, uint32_t id)
{
	return profile_frame_name(p, id);
}

/* ----------------------------------------------------------------- labels */

int profile_labels_intern(struct profile *p, const struct profile_label *labels, size_t n,
			  uint32_t *id)
{
	struct profile_label set[PROFILE_LABELS_MAX] = { { 0, 0 } };
	uint32_t k = 0;
	uint64_t h;
	size_t pos;
	int err;

	for (size_t i = 0; i < n && k < PROFILE_LABELS_MAX; i++)
		if (labels[i].value)
			set[k++] = labels[i];
	h = fnv1a(set, k * sizeof(*set), FNV1A_SEED ^ k);
	for (pos = h & p->labels_index.mask; p->labels_index.slots[pos];
	     pos = (pos + 1) & p->labels_index.mask) {
		uint32_t idx = p->labels_index.slots[pos] - 1;
		const struct labels_rec *r = &p->label_sets[idx];

		if (r->hash == h && r->n == k &&
		    (!k || !memcmp(p->pairs + r->off, set, k * sizeof(*set)))) {
			*id = idx;
			return 0;
		}
	}
	if (p->nlabel_sets >= UINT32_MAX - 1)
		return -E2BIG;
	err = array_reserve((void **)&p->label_sets, &p->label_sets_cap, p->nlabel_sets + 1,
			    sizeof(*p->label_sets));
	if (!err)
		err = array_reserve((void **)&p->pairs, &p->pairs_cap, p->npairs + k,
				    sizeof(*p->pairs));
	if (err)
		return err;
	if (k)
		memcpy(p->pairs + p->npairs, set, k * sizeof(*set));
	p->label_sets[p->nlabel_sets] = (struct labels_rec){ h, p->npairs, k };
	p->npairs += k;
	p->labels_index.slots[pos] = (uint32_t)p->nlabel_sets + 1;
	*id = (uint32_t)p->nlabel_sets++;
	return index_table_grow(&p->labels_index, p->nlabel_sets, p->label_sets,
				sizeof(*p->label_sets));
}

size_t profile_labels_get(const struct profile *p, uint32_t id, const struct profile_label **out)
{
	if (id >= p->nlabel_sets) {
		*out = NULL;
		return 0;
	}
	*out = p->pairs + p->label_sets[id].off;
	return p->label_sets[id].n;
}

const char *profile_label_value(const struct profile *p, uint32_t id, const char *key)
{
	const struct profile_label *l;
	size_t n = profile_labels_get(p, id, &l);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(profile_str(p, l[i].key), key))
			return profile_str(p, l[i].value);
	return NULL;
}

/* ----------------------------------------------------------------- values */

int profile_set_value_types(struct profile *p, const struct profile_value_type *types, size_t n)
{
	if (!n || n > PROFILE_VALUES_MAX || p->nstacks)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char *t = strdup(types[i].type ? types[i].type : "");
		char *u = strdup(types[i].unit ? types[i].unit : "");

		if (!t || !u) {
			free(t);
			free(u);
			return -ENOMEM;
		}
		free(p->type_text[i][0]);
		free(p->type_text[i][1]);
		p->type_text[i][0] = t;
		p->type_text[i][1] = u;
		p->types[i] = (struct profile_value_type){ t, u };
	}
	p->ntypes = n;
	p->display = 0;
	return 0;
}

size_t profile_value_count(const struct profile *p)
{
	return p->ntypes;
}

struct profile_value_type profile_value_type(const struct profile *p, size_t i)
{
	return i < p->ntypes ? p->types[i] : (struct profile_value_type){ "", "" };
}

int profile_set_display_value(struct profile *p, size_t i)
{
	if (i >= p->ntypes)
		return -EINVAL;
	p->display = i;
	return 0;
}

size_t profile_display_value(const struct profile *p)
{
	return p->display;
}

/* ---------------------------------------------------------------- samples */

static bool stack_equal(const struct profile *p, const struct stack_rec *s, const uint32_t *frames,
			uint32_t depth, uint32_t labels)
{
	if (s->depth != depth || s->labels != labels)
		return false;
	return depth == 0 ||
	       memcmp(p->frame_ids + s->frames_off, frames, depth * sizeof(*frames)) == 0;
}

static void values_add(struct profile *p, uint64_t *dst, const uint64_t *values)
{
	for (size_t v = 0; v < p->ntypes; v++) {
		dst[v] += values[v];
		p->totals[v] += values[v];
	}
}

int profile_add_sample(struct profile *p, const uint32_t *frames, uint32_t depth, uint32_t labels,
		       const uint64_t *values)
{
	uint64_t h = fnv1a(frames, depth * sizeof(*frames), FNV1A_SEED ^ depth ^ ((uint64_t)labels << 32));
	struct stack_rec *s;
	size_t pos;
	int err;

	if (labels >= p->nlabel_sets)
		return -EINVAL;
	for (pos = h & p->stack_index.mask; p->stack_index.slots[pos];
	     pos = (pos + 1) & p->stack_index.mask) {
		s = &p->stacks[p->stack_index.slots[pos] - 1];
		if (s->hash == h && stack_equal(p, s, frames, depth, labels)) {
			values_add(p, p->values + s->values_off, values);
			return 0;
		}
	}
	if (p->nstacks >= UINT32_MAX - 1)
		return -E2BIG;
	err = array_reserve((void **)&p->stacks, &p->stacks_cap, p->nstacks + 1, sizeof(*p->stacks));
	if (!err)
		err = array_reserve((void **)&p->frame_ids, &p->frame_ids_cap, p->nframe_ids + depth,
				    sizeof(*p->frame_ids));
	if (!err)
		err = array_reserve((void **)&p->values, &p->values_cap, p->nvalues_used + p->ntypes,
				    sizeof(*p->values));
	if (err)
		return err;
	if (depth)
		memcpy(p->frame_ids + p->nframe_ids, frames, depth * sizeof(*frames));
	s = &p->stacks[p->nstacks];
	*s = (struct stack_rec){ .hash = h, .frames_off = p->nframe_ids,
				 .values_off = p->nvalues_used, .depth = depth, .labels = labels };
	memset(p->values + p->nvalues_used, 0, p->ntypes * sizeof(*p->values));
	values_add(p, p->values + s->values_off, values);
	p->nframe_ids += depth;
	p->nvalues_used += p->ntypes;
	p->stack_index.slots[pos] = (uint32_t)p->nstacks + 1;
	p->nstacks++;
	return index_table_grow(&p->stack_index, p->nstacks, p->stacks, sizeof(*p->stacks));
}

int profile_add(struct profile *p, const uint32_t *frames, uint32_t depth, uint64_t count)
{
	uint64_t values[PROFILE_VALUES_MAX] = { count };

	return profile_add_sample(p, frames, depth, 0, values);
}

size_t profile_stack_count(const struct profile *p)
{
	return p->nstacks;
}

void profile_stack_get(const struct profile *p, size_t i, struct profile_stack *out)
{
	const struct stack_rec *s = &p->stacks[i];

	/* A profile of empty stacks has no frame array at all. */
	out->frames = p->frame_ids ? p->frame_ids + s->frames_off : NULL;
	out->depth = s->depth;
	out->labels = s->labels;
	out->values = p->values + s->values_off;
	out->count = out->values[p->display];
}

uint64_t profile_total(const struct profile *p)
{
	return p->totals[p->display];
}

uint64_t profile_value_total(const struct profile *p, size_t i)
{
	return i < p->ntypes ? p->totals[i] : 0;
}

void profile_set_roots(struct profile *p, unsigned int roots)
{
	p->roots = roots;
}

unsigned int profile_roots(const struct profile *p)
{
	return p->roots;
}

int profile_init_like(struct profile *dst, const struct profile *src)
{
	int err = profile_set_value_types(dst, src->types, src->ntypes);

	if (!err)
		err = profile_set_display_value(dst, src->display);
	dst->roots = src->roots;
	return err;
}

int profile_add_from(struct profile *dst, const struct profile *src, const struct profile_stack *s,
		     const char *const *drop)
{
	struct profile_label l[PROFILE_LABELS_MAX];
	const struct profile_label *sl;
	size_t nl = profile_labels_get(src, s->labels, &sl), n = 0;
	uint64_t values[PROFILE_VALUES_MAX] = { 0 };
	uint32_t *frames, labels;
	int err = 0;

	if (dst->ntypes != src->ntypes)
		return -EINVAL;
	frames = malloc((s->depth ? s->depth : 1) * sizeof(*frames));
	if (!frames)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->depth && !err; i++) {
		struct profile_frame f;

		profile_frame_get(src, s->frames[i], &f);
		err = profile_frame_intern(dst, profile_str(src, f.name), profile_str(src, f.module),
					   f.kind, &frames[i]);
	}
	for (size_t i = 0; i < nl && !err; i++) {
		const char *key = profile_str(src, sl[i].key);
		bool dropped = false;

		for (size_t k = 0; drop && drop[k]; k++)
			dropped = dropped || !strcmp(drop[k], key);
		if (dropped)
			continue;
		err = profile_str_intern(dst, key, &l[n].key);
		if (!err)
			err = profile_str_intern(dst, profile_str(src, sl[i].value), &l[n++].value);
	}
	if (!err)
		err = profile_labels_intern(dst, l, n, &labels);
	memcpy(values, s->values, src->ntypes * sizeof(*values));
	if (!err)
		err = profile_add_sample(dst, frames, s->depth, labels, values);
	free(frames);
	return err;
}
