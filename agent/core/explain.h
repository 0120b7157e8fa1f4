// SPDX-License-Identifier: GPL-2.0
/* The report's bottlenecks (agent/core/bottleneck.h) in words a Flink
 * engineer can act on: which subtask holds the job back, why, and the
 * Flink knob that usually helps. Used by `tmprof explain`, at the end of
 * `tmprof record -e wall` and as a line of `tmprof top`. */
#ifndef TMPROF_AGENT_EXPLAIN_H
#define TMPROF_AGENT_EXPLAIN_H

#include <stdio.h>

#include "flamegraph/thread_report.h"

enum explain_status {
	EXPLAIN_OK,
	EXPLAIN_NO_TASKS,  /* no Flink task thread in the report */
	EXPLAIN_NO_STATES, /* threads without off-CPU states: recorded without
			    * -e wall (said first: their task threads may be
			    * missing only for having been off CPU) */
};

/* Whether r can be explained (bottleneck_find has run on it). */
enum explain_status explain_check(const struct thread_report *r);

/* One paragraph, wrapped at width columns. */
void explain_print(const struct thread_report *r, FILE *out, int width);

/* "bottleneck: Chain (2/2) io, backpressures Source: A\n" */
void explain_print_line(const struct thread_report *r, FILE *out);

/* What usually helps with a bottleneck of this why, naming target (an
 * operator or chain) and culprit (a noisy neighbour, runqueue only). */
void explain_knob(const char *why, const char *target, const char *culprit, FILE *out);

#endif
