// SPDX-License-Identifier: GPL-2.0
/* Where a sample's time goes, from its stack: a CPU category (serialization,
 * state, network, ...) for on-CPU samples and a reason (lock, io, sleep) for
 * blocked off-CPU time, by rules "CATEGORY MATCH PATTERN [in MODULE]"
 * (agent/rules/categories.rules holds the defaults and documents the
 * syntax and how a stack is decided), and a bounded cache so that a stack
 * seen many times is classified once. */
#ifndef TMPROF_AGENT_CATEGORY_RULES_H
#define TMPROF_AGENT_CATEGORY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/thread_kind.h"

enum category {
	/* CPU categories: the first CATEGORY_CPU__MAX values. */
	CATEGORY_SERIALIZATION,
	CATEGORY_STATE,
	CATEGORY_NETWORK,
	CATEGORY_CHECKPOINT,
	CATEGORY_GC,
	CATEGORY_JIT,
	CATEGORY_USER,
	CATEGORY_FRAMEWORK,
	CATEGORY_CPU__MAX,
	/* Reasons of blocked off-CPU time. */
	CATEGORY_LOCK = CATEGORY_CPU__MAX,
	CATEGORY_IO,
	CATEGORY_SLEEP,
	CATEGORY__MAX,
};

/* A frame as the classifier needs it. Its own kind enum, so that the
 * profile model (and the folded reader of tests) can fill it from whatever
 * frame representation they hold. */
enum category_frame_kind {
	CFRAME_KERNEL,
	CFRAME_NATIVE,
	CFRAME_JIT,
	CFRAME_INLINED,
	CFRAME_INTERPRETED,
	CFRAME_STUB,    /* interpreter, call stubs, adapters: neither Java nor a library */
	CFRAME_UNKNOWN, /* unresolved */
};

struct category_frame {
	const char *name;   /* without folded suffixes; NULL is treated as "" */
	const char *module; /* file name of the mapping, or NULL */
	enum category_frame_kind kind;
};

enum category_match {
	CMATCH_PREFIX,
	CMATCH_SUBSTR,
	CMATCH_MODULE,
	CMATCH_KERNEL,
	CMATCH_THREAD,
};

/* What a rule assigns: a category, or "platform" (a Java frame that is not
 * user code). */
#define CATEGORY_PLATFORM CATEGORY__MAX

struct category_rule {
	int target; /* enum category, or CATEGORY_PLATFORM */
	enum category_match match;
	char *pattern;
	size_t pattern_len;
	size_t pattern_lit; /* literal start of a glob pattern (before * ? [ \) */
	char *module;       /* "in MODULE" glob, or NULL */
	size_t module_lit;
};

struct category_rules {
	struct category_rule *rules;
	size_t count;
};

/* Parse rules text. On a bad line returns -EINVAL and writes
 * "line N: <problem>; <fix>" into err. */
int category_rules_parse(const char *text, size_t len, struct category_rules *out, char *err,
			 size_t errlen);
/* The built-in defaults (agent/rules/categories.rules). */
int category_rules_default(struct category_rules *out);
/* Read a --categories file (-ENOENT..., -EINVAL with "FILE: line N: ..."). */
int category_rules_load(const char *path, struct category_rules *out, char *err, size_t errlen);
void category_rules_free(struct category_rules *r);

/* CPU category of an on-CPU stack; frames[0] is the leaf. */
enum category category_classify_cpu(const struct category_rules *r, enum thread_kind thread,
				    const struct category_frame *frames, size_t nframes);
/* Reason of a blocked off-CPU stack: CATEGORY_LOCK, _IO or _SLEEP. */
enum category category_classify_blocked(const struct category_rules *r, enum thread_kind thread,
					const struct category_frame *frames, size_t nframes);

/* User code: a Java frame (JIT, inlined, interpreted) no platform rule
 * matches. */
bool category_is_user_frame(const struct category_rules *r, const struct category_frame *f);

/* "serialization", ... "sleep"; "?" out of range. */
const char *category_name(enum category c);

/* Classification once per distinct stack. The caller gives a hash of the
 * stack's frames (e.g. its stack id in the aggregation table); the cache
 * keys on it with the thread kind and the mode (cpu or blocked), so a hash
 * collision between two stacks is the caller's to avoid. At most
 * max_entries stacks are kept; when full it starts over empty (cheaper than
 * LRU bookkeeping on every hit, and a profile's distinct stacks rarely
 * exceed a few ten thousand). */
struct category_cache;

struct category_cache_stats {
	uint64_t hits, misses, resets;
	size_t entries;
};

int category_cache_new(size_t max_entries, struct category_cache **out);
void category_cache_free(struct category_cache *c);
enum category category_cache_cpu(struct category_cache *c, const struct category_rules *r,
				 uint64_t stack_hash, enum thread_kind thread,
				 const struct category_frame *frames, size_t nframes);
enum category category_cache_blocked(struct category_cache *c, const struct category_rules *r,
				     uint64_t stack_hash, enum thread_kind thread,
				     const struct category_frame *frames, size_t nframes);
/* A cached CPU category without classifying: true and *out on a hit (the
 * caller then need not build the frames for category_cache_cpu). */
bool category_cache_find_cpu(struct category_cache *c, uint64_t stack_hash,
			     enum thread_kind thread, enum category *out);
/* Forget every entry (new rules). */
void category_cache_clear(struct category_cache *c);
void category_cache_stats(const struct category_cache *c, struct category_cache_stats *out);

#endif
