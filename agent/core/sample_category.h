// SPDX-License-Identifier: GPL-2.0
/* The CPU category of a profile's stack (agent/core/category_rules.h on the
 * structured frames of flamegraph/profile.h), decided once per distinct
 * stack and thread kind: a sample whose stack was seen before costs a hash
 * of its frame ids and one cache probe, not a walk of the rules. */
#ifndef TMPROF_AGENT_SAMPLE_CATEGORY_H
#define TMPROF_AGENT_SAMPLE_CATEGORY_H

#include <stddef.h>
#include <stdint.h>

#include "agent/core/category_rules.h"
#include "agent/core/thread_kind.h"

struct profile;

struct sample_categorizer {
	const struct category_rules *rules;
	struct category_cache *cache;
	struct category_frame *frames; /* scratch for a miss, leaf first */
	uint32_t cap;
};

/* rules stay the caller's; the cache keys on frame ids, so one categorizer
 * serves one profile. */
int sample_categorizer_init(struct sample_categorizer *sc, const struct category_rules *rules);
void sample_categorizer_free(struct sample_categorizer *sc);

/* Category of frames (ids of p, root first) in a thread of that kind. */
int sample_category_cpu(struct sample_categorizer *sc, const struct profile *p,
			const uint32_t *frames, uint32_t depth, enum thread_kind thread,
			enum category *out);

/* frames (ids of p, root first) as the classifier reads them: leaf first,
 * modules by file name, at most max (the leafward part). Returns how many. */
size_t sample_category_frames(const struct profile *p, const uint32_t *frames, size_t depth,
			      struct category_frame *out, size_t max);

struct thread_report;
struct report_thread;
/* The thread's CPU (rt->ms_per_s[REPORT_CPU]) split by its samples per
 * category (CATEGORY_CPU__MAX of them, total in all): every CPU category
 * named in r, each present. */
int sample_category_report(struct thread_report *r, struct report_thread *rt,
			   const uint64_t *samples, uint64_t total);

#endif
