/* Turns what a session gathered into a profile of named frames, per-thread
 * totals (CPU samples, time per state, hottest frames) and the per-thread
 * report. */
#ifndef TMPROF_AGENT_PROFILE_BUILDER_H
#define TMPROF_AGENT_PROFILE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/core/state_rules.h"

struct profile;
struct session;
struct thread_report;

struct frame_total {
	uint32_t name_id; /* string id in the profile */
	uint64_t samples;
};

struct thread_total {
	pid_t pid, tid;
	uint32_t name_id;          /* "[name tid=N]" */
	char *name;                /* full thread name */
	uint64_t samples;          /* on-CPU samples */
	uint64_t ns[STATE__MAX];   /* from scheduler spans */
	struct frame_total *leaves; /* on-CPU self samples by leaf frame, descending */
	size_t nleaves, leaves_cap;
};

struct build_result {
	struct thread_total *threads; /* by samples, then by on-CPU time, descending */
	size_t nthreads;
	struct frame_total *leaves;   /* all on-CPU self samples by leaf frame, descending */
	size_t nleaves;
	uint64_t samples;
	uint64_t span_ns;
};

struct build_options {
	bool thread_roots;  /* "[name tid=N]" as the root frame */
	bool process_roots; /* "[name pid=N]" above it (several targets) */
	bool cpu_stacks;    /* add CPU samples to the profile */
	bool span_stacks;   /* add off-CPU and run-queue time to the profile */
	bool alloc_stacks;  /* add Java allocations, the allocated class as the leaf */
	bool alloc_counts;  /* weigh allocations by events, not bytes */
	const struct state_rules *rules;
};

/* With span_stacks, a "[state]" frame sits under the thread frame and
 * weights are microseconds (CPU samples count 1e6/HZ each), so on-CPU and
 * off-CPU time share one timeline; otherwise weights are samples. p may be
 * NULL when only the totals are wanted (top). */
int profile_build(struct session *s, struct profile *p, const struct build_options *opts,
		  struct build_result *out);
void build_result_free(struct build_result *r);

/* Per-thread report over the session's elapsed time; `names` is the
 * profile the result's name ids point into. */
int build_result_report(const struct session *s, const struct build_result *b,
			const struct profile *names, struct thread_report *out);

/* Frame text as in folded output: suffixes _[k] _[j] _[i] _[0], and
 * "[unknown] (module)". Pure: for tests. */
int frame_format(char *buf, size_t len, const char *name, const char *module, int kind);

#endif
