// SPDX-License-Identifier: GPL-2.0
/* The report's "bottlenecks": storage and JSON. Which subtasks they are is
 * the agent's analysis (agent/core/bottleneck.h); this only keeps and
 * writes what it found, so that every writer of the report shares it. */
#ifndef TMPROF_FLAMEGRAPH_REPORT_BOTTLENECKS_H
#define TMPROF_FLAMEGRAPH_REPORT_BOTTLENECKS_H

#include <stdio.h>

#include "flamegraph/thread_report.h"

/* Append a zeroed entry; strings set afterwards are owned by the report. */
struct report_bottleneck *report_bottleneck_add(struct thread_report *r);
void report_bottlenecks_free(struct thread_report *r);
/* ",\"bottlenecks\":[...]" (null when not measured). */
void report_bottlenecks_write_json(const struct thread_report *r, FILE *out);

#endif
