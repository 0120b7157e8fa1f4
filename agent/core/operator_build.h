// SPDX-License-Identifier: GPL-2.0
/* CPU samples of Flink task threads per operator of their chain, while a
 * profile is built (agent/core/operator_place.h says how a stack is
 * placed): counts per thread for the report, and the operator's name for
 * the sample's "operator" label. */
#ifndef TMPROF_AGENT_OPERATOR_BUILD_H
#define TMPROF_AGENT_OPERATOR_BUILD_H

#include <stdint.h>

#include "agent/core/operator_place.h"
#include "agent/core/thread_kind.h"

struct profile;
struct thread_total;

#define PROFILE_LABEL_OPERATOR "operator"
/* The label value of a task thread's sample that cannot be placed. */
#define OPERATOR_UNPLACED_NAME "[unplaced]"

/* A task thread's operators and its CPU samples per operator. */
struct thread_operators {
	struct task_name task;
	uint64_t samples[TASK_MAX_OPERATORS];
	uint64_t unplaced;
};

/* Placement is on unless TMPROF_OPERATORS=off (for measuring its cost):
 * then *out is NULL and operator_sample does nothing. */
int operator_build_new(struct operator_cache **out);

/* Count n samples of thread tt (frames root first, a stack of process pid
 * whose user stack is user_stack, 0 for none) for its operator; returns the
 * label value (the operator's name or OPERATOR_UNPLACED_NAME), or NULL for
 * a thread that is no task or with placement off. */
const char *operator_sample(struct operator_cache *c, const struct profile *p,
			    struct thread_total *tt, uint32_t pid, uint64_t user_stack,
			    const uint32_t *frames, uint32_t depth, uint64_t n);

/* For --stats: places every CPU sample of a built profile p again (a
 * fresh cache; the stack's thread label gives its chain) and measures
 * that with the thread's CPU clock: the placement's cost per sample on
 * real stacks, whatever else the build did. */
struct operator_replay {
	uint64_t samples, placed, unplaced, stacks;
	uint64_t cpu_ns;
};
int operator_build_replay(const struct profile *p, struct operator_replay *out);

struct report_thread;
/* The report's CPU per operator of a task thread with samples: its CPU
 * (rt->ms_per_s[REPORT_CPU], set before) split by its samples. */
void operator_report_fill(const struct thread_total *tt, struct report_thread *rt);

#endif
