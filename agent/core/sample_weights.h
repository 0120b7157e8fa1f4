// SPDX-License-Identifier: GPL-2.0
/* --sampler=weighted (experimental, README "Sampling"): per-CPU samples
 * rescaled so that each thread's count is its CPU time as the scheduler
 * counted it, divided by the sampling period. The per-CPU clock decides
 * where in a thread's code the samples fall; the scheduler decides how
 * many each thread gets. */
#ifndef TMPROF_AGENT_SAMPLE_WEIGHTS_H
#define TMPROF_AGENT_SAMPLE_WEIGHTS_H

#include <stdint.h>
#include <sys/types.h>

#include "agent/core/agg_table.h"

/* A thread's CPU time in ns over the samples' window; nonzero: unknown
 * (its samples are kept as they are). */
typedef int (*thread_cpu_fn)(void *ctx, pid_t tgid, pid_t tid, uint64_t *ns);

/* Rescale table (keys: struct cpu_sample_key, a: samples): each thread's
 * stacks keep their proportions, their sum becomes cpu_ns / period_ns
 * (rounded with the remainder carried from stack to stack, so a thread's
 * total is exact to one sample). Stacks that round to zero are dropped. */
int sample_weights_apply(struct agg_table *table, uint64_t period_ns, thread_cpu_fn cpu, void *ctx);

#endif
