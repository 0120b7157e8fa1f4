// SPDX-License-Identifier: GPL-2.0
#include "agent/core/blocked_in.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/profile_builder.h"
#include "agent/core/sample_category.h"
#include "flamegraph/profile.h"
#include "flamegraph/report_blocked_in.h"

/* Room for a whole stack as the builder resolves it; a deeper one is
 * searched in its leafward part, where the wait is. */
#define BLOCKED_IN_FRAMES 1024

/* The JDK's packages: its park, wait, socket and file plumbing sits between
 * the code that waits and the kernel. Fixed, unlike the platform rules:
 * Flink's frames are platform but do name a wait (step 2). */
static const char *const jdk_prefixes[] = { "java.", "javax.", "jdk.", "sun.", "com.sun." };

/* Libraries whose frames are the runtime's plumbing, not a culprit: the
 * JVM, the C library and loader, the JDK's own native libraries. */
static const char *const runtime_modules[] = {
	"libjvm.so", "libc.so*", "libc-*", "libpthread*", "ld-linux*", "ld-*.so*",
	"libjli.so", "libjava.so", "libnio.so", "libnet.so", "libzip.so", "[vdso]",
};

static bool is_java(enum category_frame_kind k)
{
	return k == CFRAME_JIT || k == CFRAME_INLINED || k == CFRAME_INTERPRETED;
}

static bool in_jdk(const char *name)
{
	for (size_t i = 0; i < sizeof(jdk_prefixes) / sizeof(jdk_prefixes[0]); i++)
		if (!strncmp(name, jdk_prefixes[i], strlen(jdk_prefixes[i])))
			return true;
	return false;
}

static bool is_library_frame(const struct category_frame *f)
{
	if (f->kind != CFRAME_NATIVE || !f->module || !f->module[0] || !f->name || !f->name[0])
		return false;
	for (size_t i = 0; i < sizeof(runtime_modules) / sizeof(runtime_modules[0]); i++)
		if (fnmatch(runtime_modules[i], f->module, 0) == 0)
			return false;
	return true;
}

int blocked_in_choose(const struct category_rules *r, const struct category_frame *frames,
		      size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		if (category_is_user_frame(r, &frames[i]))
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if (is_java(frames[i].kind) && frames[i].name && frames[i].name[0] &&
		    !in_jdk(frames[i].name))
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if (is_library_frame(&frames[i]))
			return (int)i;
	return -1;
}

int blocked_in_wait_of(enum thread_state st, enum category why)
{
	switch (st) {
	case STATE_BACKPRESSURED:
		return REPORT_WAIT_BACKPRESSURED;
	case STATE_IDLE:
		return REPORT_WAIT_IDLE;
	case STATE_BLOCKED:
		/* enum report_wait starts with the blocked reasons in
		 * category order: lock, io, sleep. */
		if (why >= CATEGORY_LOCK && why < CATEGORY__MAX)
			return REPORT_WAIT_LOCK + (int)(why - CATEGORY_LOCK);
		return REPORT_WAIT_SLEEP;
	default:
		return -1;
	}
}

int blocked_in_add(struct thread_total *tt, const struct category_rules *r,
		   const struct profile *p, enum report_wait w, const uint32_t *frames,
		   uint32_t depth, uint64_t ns)
{
	struct category_frame cf[BLOCKED_IN_FRAMES];
	size_t n = sample_category_frames(p, frames, depth, cf, BLOCKED_IN_FRAMES);
	int at = blocked_in_choose(r, cf, n);
	struct blocked_in_totals *t = tt->blocked_in;

	if (at < 0 || w >= REPORT_WAIT__MAX)
		return 0;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		tt->blocked_in = t;
	}
	/* cf is leaf first, frames root first. */
	return frame_total_add(&t->v[w], &t->n[w], &t->cap[w], frames[depth - 1 - (uint32_t)at],
			       ns);
}

/* ns of every entry named like e: one method is a JIT frame in some
 * stacks, inlined or interpreted in others, and each is a frame id. */
static uint64_t ns_by_name(const struct profile *p, const struct frame_total *v, size_t n,
			   const struct frame_total *e)
{
	struct profile_frame a, b;
	uint64_t sum = 0;

	profile_frame_get(p, e->name_id, &a);
	for (size_t i = 0; i < n; i++) {
		profile_frame_get(p, v[i].name_id, &b);
		if (b.name == a.name)
			sum += v[i].samples;
	}
	return sum;
}

/* The frame of wait w with the most time (its most frequent id), or NULL. */
static const struct frame_total *wait_top(const struct profile *p,
					  const struct blocked_in_totals *t, int w, uint64_t *ns)
{
	const struct frame_total *best = NULL;

	*ns = 0;
	for (size_t i = 0; i < t->n[w]; i++) {
		const struct frame_total *c = &t->v[w][i];
		uint64_t sum = ns_by_name(p, t->v[w], t->n[w], c);
		int order = best ? strcmp(profile_frame_name(p, c->name_id),
					  profile_frame_name(p, best->name_id)) : 0;

		if (!best || sum > *ns || (sum == *ns && order < 0) ||
		    (sum == *ns && !order && c->samples > best->samples)) {
			best = c;
			*ns = sum;
		}
	}
	return best;
}

int blocked_in_report_fill(const struct thread_total *tt, const struct profile *p, double secs,
			   struct report_thread *rt)
{
	const struct blocked_in_totals *t = tt->blocked_in;

	for (int w = 0; t && w < REPORT_WAIT__MAX; w++) {
		uint64_t ns;
		const struct frame_total *best = wait_top(p, t, w, &ns);
		struct profile_frame pf;
		int err;

		if (!best)
			continue;
		profile_frame_get(p, best->name_id, &pf);
		err = report_blocked_in_set(rt, (enum report_wait)w, profile_str(p, pf.name),
					    profile_frame_kind_name(pf.kind),
					    profile_str(p, pf.module), (double)ns / 1e6 / secs);
		if (err)
			return err;
	}
	return 0;
}

void blocked_in_free(struct blocked_in_totals *t)
{
	if (!t)
		return;
	for (int w = 0; w < REPORT_WAIT__MAX; w++)
		free(t->v[w]);
	free(t);
}
