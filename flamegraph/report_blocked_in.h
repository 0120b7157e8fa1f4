// SPDX-License-Identifier: GPL-2.0
/* The report's "blocked_in": per thread, the frame each off-CPU wait (lock,
 * io, sleep, backpressured, idle) was spent in, in ms per second. Which
 * frame that is is the agent's choice (agent/core/blocked_in.h); this keeps,
 * writes and reads it.
 *
 * JSON: each thread gets "blocked_in":{"lock":W, "io":W, "sleep":W,
 * "backpressured":W, "idle":W}, W = {"frame":"…", "kind":"jit",
 * "module":"…", "ms_per_s":…} or null (no such wait, or no frame worth
 * naming); "blocked_in":null when the off-CPU states were not measured. */
#ifndef TMPROF_FLAMEGRAPH_REPORT_BLOCKED_IN_H
#define TMPROF_FLAMEGRAPH_REPORT_BLOCKED_IN_H

#include <stdio.h>

#include "flamegraph/thread_report.h"

struct json_t;

/* "lock", "io", "sleep", "backpressured", "idle"; "?" out of range. */
const char *report_wait_name(enum report_wait w);

/* Set t's wait w (strings copied; kind and module may be NULL). -ENOMEM. */
int report_blocked_in_set(struct report_thread *t, enum report_wait w, const char *frame,
			  const char *kind, const char *module, double ms_per_s);
void report_blocked_in_free(struct report_thread *t);

/* ",\"blocked_in\":{...}" for thread t (null without off-CPU states). */
void report_blocked_in_write_json(const struct report_thread *t, FILE *out);
/* Read thread jt's blocked_in (reports from before it have none). */
int report_blocked_in_read_json(struct report_thread *t, struct json_t *jt);

#endif
