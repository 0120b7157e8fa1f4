// SPDX-License-Identifier: GPL-2.0
/* Turns what a session gathered into a profile of structured frames and
 * labelled samples, per-thread totals (CPU samples, time per state, hottest
 * frames) and the per-thread report.
 *
 * The builder sees no session: it reads the aggregated tables and stack
 * caches it is given, names frames through a resolver (symbolize/resolver.h)
 * and asks a small target interface for process, thread and class names,
 * so it can be tested with fakes (tests/unit/test_profile_builder.c). */
#ifndef TMPROF_AGENT_PROFILE_BUILDER_H
#define TMPROF_AGENT_PROFILE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/core/category_rules.h"
#include "agent/core/blocked_reason.h"
#include "agent/core/culprits.h"
#include "agent/core/state_rules.h"
#include "agent/core/thread_kind.h"
#include "flamegraph/profile.h"
#include "symbolize/symbolizer.h"

struct agg_table;
struct blocked_in_totals;
struct collector_ops;
struct profile;
struct resolver;
struct session;
struct stack_cache;
struct thread_report;

struct frame_total {
	uint32_t name_id; /* frame id in the profile */
	uint64_t samples;
};

struct thread_total {
	pid_t pid, tid;
	char *name;                /* full thread name */
	enum thread_kind kind;     /* of the name */
	uint64_t samples;          /* on-CPU samples */
	uint64_t category_samples[CATEGORY_CPU__MAX]; /* with build_options.categories */
	uint64_t ns[STATE__MAX];   /* from scheduler spans */
	uint64_t blocked_ns[BLOCKED_REASONS]; /* ns[STATE_BLOCKED] by reason: lock, io, sleep */
	struct culprit_list culprits; /* its run-queue time by the process that ran meanwhile */
	struct frame_total *leaves; /* on-CPU self samples by leaf frame, descending */
	size_t nleaves, leaves_cap;
	struct thread_operators *ops; /* task threads: samples per operator (operator_build.h) */
	bool ops_checked;
	struct blocked_in_totals *blocked_in; /* off-CPU ns per wait and frame (blocked_in.h) */
};

struct build_result {
	struct thread_total *threads; /* by samples, then by on-CPU time, descending */
	size_t nthreads;
	struct frame_total *leaves;   /* all on-CPU self samples by leaf frame, descending */
	size_t nleaves;
	uint64_t samples;
	uint64_t span_ns;
	bool categories; /* threads' category_samples are filled */
	struct culprit_list culprits; /* every target thread's, summed per process */
};

/* What the builder asks about the profiled processes. */
struct build_targets_ops {
	/* Is pid a target? Samples of other processes are left out. With
	 * true, *label names it (a TaskManager's resource id, a main class). */
	bool (*target)(void *ctx, pid_t pid, const char **label);
	/* The JVM's name of a thread, or NULL. */
	const char *(*thread_name)(void *ctx, pid_t pid, pid_t tid);
	/* The class of a Klass pointer, or NULL. */
	const char *(*class_name)(void *ctx, pid_t pid, uint64_t klass);
};

/* One event kind's rows: its collector's functions read them
 * (ops->sample_of) and say what the builder does with them (ops->role). */
struct build_kind {
	const struct collector_ops *ops;
	unsigned int event;            /* its event bit (session_options.events) */
	const struct agg_table *rows;  /* NULL: none */
	struct stack_cache *user, *kern; /* asked for the stacks the rows name; NULL: none */
};

#define BUILD_KINDS_MAX 8

/* Everything a build reads. */
struct build_input {
	struct build_kind kinds[BUILD_KINDS_MAX]; /* in event-bit order */
	size_t nkinds;
	unsigned int freq_hz;
	const struct resolver *resolver;
	const struct build_targets_ops *targets;
	void *targets_ctx;
};

/* Labels and pseudo-frames: a thread's samples carry thread and tid (and
 * operator_chain and subtask for Flink task threads), a process's process
 * and pid, a wall-clock sample its state; the text writers draw them as
 * "[name tid=N]", "[name pid=N]" and "[state]" root frames. */
struct build_options {
	bool thread_roots;  /* thread labels, "[name tid=N]" as the root frame */
	bool process_roots; /* process labels, "[name pid=N]" above it (several targets) */
	bool cpu_stacks;    /* add CPU samples to the profile */
	bool span_stacks;   /* add off-CPU and run-queue time to the profile */
	bool alloc_stacks;  /* add Java allocations, the allocated class as the leaf:
			     * two values, bytes (alloc_space) and events (alloc_objects) */
	bool alloc_counts;  /* show events, not bytes, in text outputs */
	/* Event bits of plain kinds (COLLECTOR_ROLE_SAMPLES) whose rows are
	 * the samples of this profile, with the first such kind's value
	 * types; only when none of the *_stacks above is on (one profile,
	 * one set of value types). */
	unsigned int sample_kinds;
	const struct state_rules *rules;
	/* A "category" label on every CPU sample, decided once per distinct
	 * stack (agent/core/sample_category.h); NULL: none. The same rules'
	 * blocked reasons (lock, io, sleep) split the blocked state: in the
	 * totals, and as the state label of blocked spans (NULL: the
	 * built-in rules). */
	const struct category_rules *categories;
	bool category_roots; /* "[category]" frame under the thread (and state) frame */
};

/* With span_stacks, a state label (and "[state]" frame under the thread
 * frame) marks each sample and weights are microseconds (CPU samples count
 * 1e6/HZ each), so on-CPU and off-CPU time share one timeline; otherwise
 * weights are samples. p must be empty (its value types are set here). */
int profile_build(const struct build_input *in, struct profile *p, const struct build_options *opts,
		  struct build_result *out);
void build_result_free(struct build_result *r);

/* Per-thread report over the session's elapsed time; `names` is the
 * profile the result's name ids point into. */
int build_result_report(const struct session *s, const struct build_result *b,
			const struct profile *names, struct thread_report *out);

/* Add samples to frame id's entry of arr (n used, cap allocated). -ENOMEM. */
int frame_total_add(struct frame_total **arr, size_t *n, size_t *cap, uint32_t id,
		    uint64_t samples);

/* The profile's kind of a symbolizer's kind. */
enum profile_frame_kind profile_kind_of_sym(enum frame_kind kind);
/* The profile frame of a resolved frame (name, kind, module). */
int frame_intern_sym(struct profile *p, const struct frame_sym *fs, uint32_t *id);

#endif
