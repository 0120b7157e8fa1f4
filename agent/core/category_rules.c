// SPDX-License-Identifier: GPL-2.0
#include "agent/core/category_rules.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/rules_text.h"
#include "categories_rules.h" /* generated from agent/rules/categories.rules */

#define PATTERN_MAX 1024

static const char *const category_names[CATEGORY__MAX + 1] = {
	[CATEGORY_SERIALIZATION] = "serialization",
	[CATEGORY_STATE] = "state",
	[CATEGORY_NETWORK] = "network",
	[CATEGORY_CHECKPOINT] = "checkpoint",
	[CATEGORY_GC] = "gc",
	[CATEGORY_JIT] = "jit",
	[CATEGORY_USER] = "user",
	[CATEGORY_FRAMEWORK] = "framework",
	[CATEGORY_LOCK] = "lock",
	[CATEGORY_IO] = "io",
	[CATEGORY_SLEEP] = "sleep",
	[CATEGORY_PLATFORM] = "platform",
};

static const char *const match_names[] = {
	[CMATCH_PREFIX] = "prefix", [CMATCH_SUBSTR] = "substr", [CMATCH_MODULE] = "module",
	[CMATCH_KERNEL] = "kernel", [CMATCH_THREAD] = "thread",
};

const char *category_name(enum category c)
{
	return (unsigned)c < CATEGORY__MAX ? category_names[c] : "?";
}

void category_rules_free(struct category_rules *r)
{
	for (size_t i = 0; i < r->count; i++) {
		free(r->rules[i].pattern);
		free(r->rules[i].module);
	}
	free(r->rules);
	r->rules = NULL;
	r->count = 0;
}

static bool word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && !strncmp(w, name, n);
}

static int rule_target_from_word(const char *w, size_t n, int *out)
{
	for (int i = 0; i <= CATEGORY__MAX; i++) {
		if (word_is(w, n, category_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int match_from_word(const char *w, size_t n, enum category_match *out)
{
	for (size_t i = 0; i < sizeof(match_names) / sizeof(match_names[0]); i++) {
		if (word_is(w, n, match_names[i])) {
			*out = (enum category_match)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Length of a glob's literal start (before * ? [ or \\). */
static size_t glob_literal_len(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

/* fnmatch is the slow part of classifying (locale-aware, per call): the
 * literal start of the glob rejects most names first. */
static bool glob_matches(const char *glob, size_t lit, const char *s)
{
	return s && !strncmp(s, glob, lit) && fnmatch(glob, s, 0) == 0;
}

static int rules_append(struct category_rules *r, const struct category_rule *rule,
			const char *pat, size_t patlen, const char *mod, size_t modlen)
{
	struct category_rule *grown = realloc(r->rules, (r->count + 1) * sizeof(*r->rules));
	struct category_rule *slot;

	if (!grown)
		return -ENOMEM;
	r->rules = grown;
	slot = &r->rules[r->count];
	*slot = *rule;
	slot->pattern = strndup(pat, patlen);
	slot->pattern_len = patlen;
	slot->pattern_lit = slot->pattern ? glob_literal_len(slot->pattern) : 0;
	slot->module_lit = slot->module ? glob_literal_len(slot->module) : 0;
	slot->module = mod ? strndup(mod, modlen) : NULL;
	if (!slot->pattern || (mod && !slot->module)) {
		free(slot->pattern);
		free(slot->module);
		return -ENOMEM;
	}
	r->count++;
	return 0;
}

static const char *next_word(const char *p, const char *end, size_t *n)
{
	const char *w;

	while (p < end && isspace((unsigned char)*p))
		p++;
	w = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	*n = (size_t)(p - w);
	return w;
}

/* Splits a trailing " in MODULE" off [pat, *end): names may hold spaces
 * (C++ "(anonymous namespace)"), so only the last two words count. */
static const char *split_module(const char *pat, const char **end, size_t *modlen)
{
	const char *e = *end, *mod, *in;

	mod = e;
	while (mod > pat && !isspace((unsigned char)mod[-1]))
		mod--;
	if (mod == pat)
		return NULL;
	in = mod;
	while (in > pat && isspace((unsigned char)in[-1]))
		in--;
	if (in - pat < 3 || strncmp(in - 2, "in", 2) || !isspace((unsigned char)in[-3]))
		return NULL;
	*modlen = (size_t)(e - mod);
	*end = in - 3;
	while (*end > pat && isspace((unsigned char)(*end)[-1]))
		(*end)--;
	return mod;
}

static int parse_line(void *ctx, const char *line, size_t len, char *err, size_t errlen)
{
	struct category_rules *r = ctx;
	const char *p = line, *end = line + len, *w, *pat, *mod;
	struct category_rule rule = { 0 };
	size_t n, modlen = 0;

	w = next_word(p, end, &n);
	if (rule_target_from_word(w, n, &rule.target)) {
		snprintf(err, errlen,
			 "unknown category '%.*s'; use serialization, state, network, "
			 "checkpoint, gc, jit, user, framework, lock, io, sleep or platform",
			 (int)(n > 40 ? 40 : n), w);
		return -EINVAL;
	}
	p = w + n;
	w = next_word(p, end, &n);
	if (!n) {
		snprintf(err, errlen, "'%s' has no match; write CATEGORY MATCH PATTERN",
			 category_names[rule.target]);
		return -EINVAL;
	}
	if (match_from_word(w, n, &rule.match)) {
		snprintf(err, errlen,
			 "unknown match '%.*s'; use prefix, substr, module, kernel or thread",
			 (int)(n > 40 ? 40 : n), w);
		return -EINVAL;
	}
	pat = w + n;
	while (pat < end && isspace((unsigned char)*pat))
		pat++;
	mod = split_module(pat, &end, &modlen);
	if (pat >= end) {
		snprintf(err, errlen, "'%s %s' has no pattern; write CATEGORY MATCH PATTERN",
			 category_names[rule.target], match_names[rule.match]);
		return -EINVAL;
	}
	if (mod && rule.match != CMATCH_PREFIX && rule.match != CMATCH_SUBSTR) {
		snprintf(err, errlen, "'in MODULE' qualifies only prefix and substr rules; "
			 "drop it or use prefix");
		return -EINVAL;
	}
	if (end - pat >= PATTERN_MAX || modlen >= PATTERN_MAX) {
		snprintf(err, errlen, "pattern longer than %d characters; shorten it",
			 PATTERN_MAX - 1);
		return -EINVAL;
	}
	if (rule.target == CATEGORY_PLATFORM &&
	    (rule.match == CMATCH_KERNEL || rule.match == CMATCH_THREAD)) {
		snprintf(err, errlen, "platform names Java frames; use prefix, substr "
			 "or module");
		return -EINVAL;
	}
	return rules_append(r, &rule, pat, (size_t)(end - pat), mod, modlen);
}

int category_rules_parse(const char *text, size_t len, struct category_rules *out, char *err,
			 size_t errlen)
{
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rules_text_parse(text, len, parse_line, out, &n, err, errlen);
	if (!rc && !n) {
		snprintf(err, errlen, "no rules; write one per line as CATEGORY MATCH PATTERN");
		rc = -EINVAL;
	}
	if (rc)
		category_rules_free(out);
	return rc;
}

int category_rules_default(struct category_rules *out)
{
	char err[256];

	return category_rules_parse(categories_rules_text, sizeof(categories_rules_text) - 1, out,
				    err, sizeof(err));
}

int category_rules_load(const char *path, struct category_rules *out, char *err, size_t errlen)
{
	char *buf, msg[512];
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rules_text_read(path, &buf, &len, err, errlen);
	if (rc)
		return rc;
	rc = category_rules_parse(buf, len, out, msg, sizeof(msg));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ classify */

static bool is_java(enum category_frame_kind k)
{
	return k == CFRAME_JIT || k == CFRAME_INLINED || k == CFRAME_INTERPRETED;
}

static bool module_matches(const char *glob, size_t lit, const char *module)
{
	return glob_matches(glob, lit, module);
}

static bool rule_matches_frame(const struct category_rule *rule, const struct category_frame *f)
{
	const char *name = f->name ? f->name : "";

	if (rule->match == CMATCH_KERNEL)
		return f->kind == CFRAME_KERNEL && glob_matches(rule->pattern, rule->pattern_lit, name);
	/* Every other match skips kernel frames: they take their caller's
	 * category. */
	if (f->kind == CFRAME_KERNEL)
		return false;
	/* The name first: a glob on the module costs more than a prefix. */
	switch (rule->match) {
	case CMATCH_PREFIX:
		if (strncmp(name, rule->pattern, rule->pattern_len))
			return false;
		break;
	case CMATCH_SUBSTR:
		if (!strstr(name, rule->pattern))
			return false;
		break;
	case CMATCH_MODULE:
		return module_matches(rule->pattern, rule->pattern_lit, f->module);
	default:
		return false;
	}
	return !rule->module || module_matches(rule->module, rule->module_lit, f->module);
}

static bool in_group(int target, bool blocked)
{
	if (target == CATEGORY_PLATFORM)
		return false;
	return blocked ? target >= CATEGORY_CPU__MAX : target < CATEGORY_CPU__MAX;
}

/* Steps 1 and 2 of categories.rules: thread rules, then the deepest frame
 * a rule matches. -1 when nothing matches. */
static int classify_rules(const struct category_rules *r, bool blocked, enum thread_kind thread,
			  const struct category_frame *frames, size_t nframes)
{
	const char *tk = thread_kind_name(thread);

	for (size_t i = 0; i < r->count; i++)
		if (r->rules[i].match == CMATCH_THREAD && in_group(r->rules[i].target, blocked) &&
		    fnmatch(r->rules[i].pattern, tk, 0) == 0)
			return r->rules[i].target;
	for (size_t f = 0; f < nframes; f++)
		for (size_t i = 0; i < r->count; i++)
			if (r->rules[i].match != CMATCH_THREAD &&
			    in_group(r->rules[i].target, blocked) &&
			    rule_matches_frame(&r->rules[i], &frames[f]))
				return r->rules[i].target;
	return -1;
}

bool category_is_user_frame(const struct category_rules *r, const struct category_frame *f)
{
	if (!is_java(f->kind))
		return false;
	for (size_t i = 0; i < r->count; i++)
		if (r->rules[i].target == CATEGORY_PLATFORM && rule_matches_frame(&r->rules[i], f))
			return false;
	return true;
}

enum category category_classify_cpu(const struct category_rules *r, enum thread_kind thread,
				    const struct category_frame *frames, size_t nframes)
{
	int c = classify_rules(r, false, thread, frames, nframes);

	if (c >= 0)
		return (enum category)c;
	for (size_t f = 0; f < nframes; f++)
		if (category_is_user_frame(r, &frames[f]))
			return CATEGORY_USER;
	return CATEGORY_FRAMEWORK;
}

enum category category_classify_blocked(const struct category_rules *r, enum thread_kind thread,
					const struct category_frame *frames, size_t nframes)
{
	int c = classify_rules(r, true, thread, frames, nframes);

	return c >= 0 ? (enum category)c : CATEGORY_SLEEP;
}

/* ------------------------------------------------------------ cache */

struct cache_slot {
	uint64_t key;
	uint8_t used;
	uint8_t category;
};

struct category_cache {
	struct cache_slot *slots;
	size_t mask;  /* capacity - 1; capacity >= 2 * max so probes stay short */
	size_t max;
	size_t count;
	uint64_t hits, misses, resets;
};

int category_cache_new(size_t max_entries, struct category_cache **out)
{
	struct category_cache *c;
	size_t cap = 16;

	*out = NULL;
	if (!max_entries || max_entries > ((size_t)1 << 28))
		return -EINVAL;
	while (cap < 2 * max_entries)
		cap <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	c->mask = cap - 1;
	c->max = max_entries;
	*out = c;
	return 0;
}

void category_cache_free(struct category_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

void category_cache_clear(struct category_cache *c)
{
	memset(c->slots, 0, (c->mask + 1) * sizeof(*c->slots));
	c->count = 0;
}

/* The caller's hash mixed with the thread kind and the mode: the same
 * stack in a GC thread, or off-CPU, is another entry. */
static uint64_t cache_key(uint64_t hash, enum thread_kind thread, bool blocked)
{
	uint64_t k = hash ^ ((uint64_t)thread << 1 | (blocked ? 1u : 0u)) * 0x9e3779b97f4a7c15ULL;

	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static enum category cache_lookup(struct category_cache *c, const struct category_rules *r,
				  uint64_t hash, enum thread_kind thread, bool blocked,
				  const struct category_frame *frames, size_t nframes)
{
	uint64_t key = cache_key(hash, thread, blocked);
	size_t i = (size_t)key & c->mask;
	enum category cat;

	for (; c->slots[i].used; i = (i + 1) & c->mask) {
		if (c->slots[i].key == key) {
			c->hits++;
			return (enum category)c->slots[i].category;
		}
	}
	c->misses++;
	cat = blocked ? category_classify_blocked(r, thread, frames, nframes)
		      : category_classify_cpu(r, thread, frames, nframes);
	if (c->count >= c->max) {
		category_cache_clear(c);
		c->resets++;
		i = (size_t)key & c->mask;
	}
	c->slots[i].key = key;
	c->slots[i].used = 1;
	c->slots[i].category = (uint8_t)cat;
	c->count++;
	return cat;
}

bool category_cache_find_cpu(struct category_cache *c, uint64_t stack_hash,
			     enum thread_kind thread, enum category *out)
{
	uint64_t key = cache_key(stack_hash, thread, false);

	for (size_t i = (size_t)key & c->mask; c->slots[i].used; i = (i + 1) & c->mask) {
		if (c->slots[i].key == key) {
			c->hits++;
			*out = (enum category)c->slots[i].category;
			return true;
		}
	}
	return false;
}

enum category category_cache_cpu(struct category_cache *c, const struct category_rules *r,
				 uint64_t stack_hash, enum thread_kind thread,
				 const struct category_frame *frames, size_t nframes)
{
	return cache_lookup(c, r, stack_hash, thread, false, frames, nframes);
}

enum category category_cache_blocked(struct category_cache *c, const struct category_rules *r,
				     uint64_t stack_hash, enum thread_kind thread,
				     const struct category_frame *frames, size_t nframes)
{
	return cache_lookup(c, r, stack_hash, thread, true, frames, nframes);
}

void category_cache_stats(const struct category_cache *c, struct category_cache_stats *out)
{
	out->hits = c->hits;
	out->misses = c->misses;
	out->resets = c->resets;
	out->entries = c->count;
}
