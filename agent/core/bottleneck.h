// SPDX-License-Identifier: GPL-2.0
/* The bottleneck behind backpressure: which subtasks hold a pipeline back,
 * and why, from the report's per-subtask states alone.
 *
 * A subtask is a bottleneck when chains upstream of it are backpressured
 * while it is busy (on CPU, in the run queue, or blocked on I/O, a lock or
 * a sleep) rather than idle, and it is not backpressured itself (then the
 * cause is further downstream). The report has no job graph, so "upstream"
 * is the chain order Flink's names give: chains that start with a
 * "Source:" come first, chains that end with a "Sink:" last, the others in
 * between (and may hold each other back). Chains are matched by name
 * across processes: a job spans TaskManagers. */
#ifndef TMPROF_AGENT_BOTTLENECK_H
#define TMPROF_AGENT_BOTTLENECK_H

#include "flamegraph/thread_report.h"

/* A chain whose subtasks spend this much backpressured (mean, ms/s) is
 * held back; a subtask must be busy this much to be held responsible. */
#define BOTTLENECK_BACKPRESSURED_MS 100.0
#define BOTTLENECK_BUSY_MS 200.0
/* On CPU, a category with this share of the CPU names the cause. */
#define BOTTLENECK_CATEGORY_SHARE 0.5

/* Fills r->bottlenecks (replacing any), most severe (busiest) first;
 * r->bottlenecks_measured says whether the off-CPU states were there to
 * decide. -ENOMEM. */
int bottleneck_find(struct thread_report *r);

/* On CPU + in the run queue + blocked, ms/s: how busy t is. */
double bottleneck_busy(const struct report_thread *t);

/* The operator of t's chain with the most CPU, or -1 (no placement, or a
 * chain of one). */
int bottleneck_top_operator(const struct report_thread *t);

/* The frame t waits in for why "io", "lock" or "sleep" (its blocked_in),
 * or NULL (another why, or no frame). */
const char *bottleneck_blocked_in(const struct report_thread *t, const char *why);

/* "pkg.Class.method" as "Class.method": the package is noise in a
 * sentence. Names with spaces, parentheses, colons or slashes as given. */
const char *bottleneck_frame_short(const char *frame);

/* The chain order above: 0 source, 1 in between, 2 sink. */
int bottleneck_stage(const struct report_task *t);

#endif
