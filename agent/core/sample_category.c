// SPDX-License-Identifier: GPL-2.0
#include "agent/core/sample_category.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/hash.h"
#include "flamegraph/profile.h"
#include "flamegraph/report_categories.h"
#include "flamegraph/thread_report.h"

/* A profile's distinct stacks rarely exceed a few ten thousand; past this
 * the cache starts over (category_rules.h). */
#define SAMPLE_CATEGORY_CACHE 65536

int sample_categorizer_init(struct sample_categorizer *sc, const struct category_rules *rules)
{
	memset(sc, 0, sizeof(*sc));
	sc->rules = rules;
	return category_cache_new(SAMPLE_CATEGORY_CACHE, &sc->cache);
}

void sample_categorizer_free(struct sample_categorizer *sc)
{
	category_cache_free(sc->cache);
	free(sc->frames);
	memset(sc, 0, sizeof(*sc));
}

static enum category_frame_kind cframe_kind(enum profile_frame_kind k)
{
	switch (k) {
	case PROFILE_FRAME_KERNEL:
		return CFRAME_KERNEL;
	case PROFILE_FRAME_JIT:
		return CFRAME_JIT;
	case PROFILE_FRAME_INLINED:
		return CFRAME_INLINED;
	case PROFILE_FRAME_INTERPRETED:
		return CFRAME_INTERPRETED;
	case PROFILE_FRAME_STUB:
		return CFRAME_STUB;
	case PROFILE_FRAME_UNKNOWN:
		return CFRAME_UNKNOWN;
	case PROFILE_FRAME_NATIVE:
	case PROFILE_FRAME__MAX:
		break;
	}
	return CFRAME_NATIVE;
}

/* The rules name modules by file name ("module librocksdbjni*.so"). */
static const char *module_base(const char *m)
{
	const char *slash = m ? strrchr(m, '/') : NULL;

	if (!m || !*m)
		return NULL;
	return slash ? slash + 1 : m;
}

size_t sample_category_frames(const struct profile *p, const uint32_t *frames, size_t depth,
			      struct category_frame *out, size_t max)
{
	size_t k = 0;

	/* The classifier reads leaf first; the profile stores root first. */
	for (size_t i = depth; i-- > 0 && k < max;) {
		struct profile_frame f;

		profile_frame_get(p, frames[i], &f);
		out[k++] = (struct category_frame){
			.name = profile_str(p, f.name),
			.module = f.module ? module_base(profile_str(p, f.module)) : NULL,
			.kind = cframe_kind(f.kind),
		};
	}
	return k;
}

int sample_category_cpu(struct sample_categorizer *sc, const struct profile *p,
			const uint32_t *frames, uint32_t depth, enum thread_kind thread,
			enum category *out)
{
	uint64_t hash = fnv1a(frames, depth * sizeof(*frames), FNV1A_SEED);

	if (!category_cache_find_cpu(sc->cache, hash, thread, out)) {
		if (depth > sc->cap) {
			struct category_frame *g = realloc(sc->frames, depth * sizeof(*g));

			if (!g)
				return -ENOMEM;
			sc->frames = g;
			sc->cap = depth;
		}
		sample_category_frames(p, frames, depth, sc->frames, sc->cap);
		*out = category_cache_cpu(sc->cache, sc->rules, hash, thread, sc->frames, depth);
	}
	return 0;
}

_Static_assert(CATEGORY_CPU__MAX <= REPORT_CATEGORIES_MAX, "the report holds every CPU category");

int sample_category_report(struct thread_report *r, struct report_thread *rt,
			   const uint64_t *samples, uint64_t total)
{
	if (!r->ncategories) {
		const char *names[CATEGORY_CPU__MAX];
		int err;

		for (int c = 0; c < CATEGORY_CPU__MAX; c++)
			names[c] = category_name((enum category)c);
		err = report_categories_set_names(r, names, CATEGORY_CPU__MAX);
		if (err)
			return err;
	}
	/* Shares of the samples, in the thread's CPU: with off-CPU tracing
	 * that is the scheduler's exact time, which the samples only split. */
	for (int c = 0; c < CATEGORY_CPU__MAX; c++)
		rt->cpu_by_category[c] =
			total ? rt->ms_per_s[REPORT_CPU] * (double)samples[c] / (double)total : 0;
	return 0;
}
