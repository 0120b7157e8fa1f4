/* Turns aggregated samples into a profile of named frames, and keeps the
 * per-thread and per-frame totals the summary prints. */
#ifndef TMPROF_AGENT_PROFILE_BUILDER_H
#define TMPROF_AGENT_PROFILE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/sample_table.h"

struct profile;
struct target;

struct thread_total {
	pid_t pid, tid;
	uint32_t name_id; /* string id in the profile */
	uint64_t samples;
};

struct frame_total {
	uint32_t name_id;
	uint64_t samples;
};

struct build_result {
	struct thread_total *threads; /* sorted by samples, descending */
	size_t nthreads;
	struct frame_total *leaves;   /* self samples by leaf frame, descending */
	size_t nleaves;
	uint64_t samples;
};

struct build_options {
	bool thread_roots;  /* "[name tid=N]" as the root frame */
	bool process_roots; /* "[name pid=N]" above it (several targets) */
};

int profile_build(struct profile *p, const struct sample_table *samples, struct stack_cache *stacks,
		  stack_fetch_fn fetch, void *fetch_ctx, struct target *targets, size_t ntargets,
		  const struct build_options *opts, struct build_result *out);
void build_result_free(struct build_result *r);

/* Frame text as in folded output: suffixes _[k] _[j] _[i] _[0], and
 * "[unknown] (module)". Pure: for tests. */
int frame_format(char *buf, size_t len, const char *name, const char *module, int kind);

#endif
