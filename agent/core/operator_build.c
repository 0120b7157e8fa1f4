// SPDX-License-Identifier: GPL-2.0
#include "agent/core/operator_build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/core/profile_builder.h"
#include "bpf/abi.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"

/* Distinct user stacks of one build are a few ten thousand at most. */
#define OPERATOR_CACHE_STACKS 65536
#define MAX_FRAMES (4 * TMPROF_MAX_STACK_DEPTH + 3)

int operator_build_new(struct operator_cache **out)
{
	const char *env = getenv("TMPROF_OPERATORS");

	*out = NULL;
	if (env && !strcmp(env, "off"))
		return 0;
	return operator_cache_new(OPERATOR_CACHE_STACKS, out);
}

/* The thread's parsed task name, once; NULL for a thread that is no task. */
static struct thread_operators *operators_of(struct thread_total *tt)
{
	if (tt->ops_checked)
		return tt->ops;
	tt->ops_checked = true;
	tt->ops = calloc(1, sizeof(*tt->ops));
	if (tt->ops && (thread_kind_task_parse(tt->name, &tt->ops->task) || !tt->ops->task.noperators)) {
		free(tt->ops);
		tt->ops = NULL;
	}
	return tt->ops;
}

static int hops_of(struct operator_cache *c, const struct profile *p, uint64_t key,
		   const uint32_t *frames, uint32_t depth)
{
	struct operator_frame of[MAX_FRAMES];
	int hops;

	if (operator_cache_find(c, key, &hops))
		return hops;
	if (depth > MAX_FRAMES)
		depth = MAX_FRAMES;
	for (uint32_t i = 0; i < depth; i++) {
		of[i].name = profile_frame_name(p, frames[i]);
		of[i].java = profile_frame_kind_is_java(profile_frame_kind(p, frames[i]));
	}
	return operator_cache_hops(c, key, of, depth);
}

const char *operator_sample(struct operator_cache *c, const struct profile *p,
			    struct thread_total *tt, uint32_t pid, uint64_t user_stack,
			    const uint32_t *frames, uint32_t depth, uint64_t n)
{
	struct thread_operators *ops = c ? operators_of(tt) : NULL;
	int hops = OPERATOR_UNPLACED, idx;

	if (!ops)
		return NULL;
	/* The user stack decides (kernel frames are below the Java ones):
	 * one entry per process and user stack. */
	if (user_stack)
		hops = hops_of(c, p, user_stack ^ ((uint64_t)pid * 0x9E3779B97F4A7C15ULL), frames,
			       depth);
	idx = operator_index(hops, ops->task.noperators,
			     ops->task.operators[ops->task.noperators - 1]);
	if (idx == OPERATOR_UNPLACED) {
		ops->unplaced += n;
		return OPERATOR_UNPLACED_NAME;
	}
	ops->samples[idx] += n;
	return ops->task.operators[idx];
}

void operator_report_fill(const struct thread_total *tt, struct report_thread *rt)
{
	const struct thread_operators *ops = tt->ops;
	double per_sample;
	int n;

	if (!ops || !tt->samples)
		return;
	n = ops->task.noperators < REPORT_MAX_CHAIN ? ops->task.noperators : REPORT_MAX_CHAIN;
	/* The thread's CPU (exact with spans, else from samples) in the
	 * proportions of its samples. */
	per_sample = rt->ms_per_s[REPORT_CPU] / (double)tt->samples;
	rt->has_operators = true;
	for (int i = 0; i < n; i++) {
		rt->operator_samples[i] = ops->samples[i];
		rt->operator_ms_per_s[i] = per_sample * (double)ops->samples[i];
	}
	rt->unplaced_samples = ops->unplaced;
	rt->unplaced_ms_per_s = per_sample * (double)ops->unplaced;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int operator_build_replay(const struct profile *p, struct operator_replay *out)
{
	struct operator_cache *c;
	struct thread_total tt = { 0 };
	uint64_t t0;
	int err;

	memset(out, 0, sizeof(*out));
	err = operator_cache_new(OPERATOR_CACHE_STACKS, &c);
	if (err)
		return err;
	t0 = thread_cpu_ns();
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack st;
		const char *name, *op;

		profile_stack_get(p, i, &st);
		name = profile_label_value(p, st.labels, PROFILE_LABEL_THREAD);
		if (!name)
			continue;
		/* One thread_total per stack: the task name is parsed again
		 * each time, as the build does once per thread (an upper
		 * bound of the build's cost). */
		tt.name = (char *)name;
		tt.ops_checked = false;
		free(tt.ops);
		tt.ops = NULL;
		op = operator_sample(c, p, &tt, 0, i + 1, st.frames, st.depth, st.count);
		if (!op)
			continue;
		out->stacks++;
		out->samples += st.count;
		if (!strcmp(op, OPERATOR_UNPLACED_NAME))
			out->unplaced += st.count;
		else
			out->placed += st.count;
	}
	out->cpu_ns = thread_cpu_ns() - t0;
	free(tt.ops);
	operator_cache_free(c);
	return 0;
}
