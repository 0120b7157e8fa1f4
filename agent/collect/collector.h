// SPDX-License-Identifier: GPL-2.0
/* One event kind's BPF collector as the session sees it: a table of
 * functions that cpu, offcpu (wall) and alloc implement (cpu_collector.c,
 * offcpu_collector.c, alloc_collector.c) and collector.c lists. The
 * session opens the kinds -e asks for and calls them in a loop, so a new
 * event kind is one collector file plus its line in collector.c; nothing
 * in the session names a kind.
 *
 * What a collector drains is aggregated rows: a key the BPF side built
 * (bytes compared as they are; struct cpu_sample_key, sched_span_key, ...),
 * two counters that add up, and the ids of the row's stacks. The session
 * keeps them per collector (struct collector), with the stacks copied out
 * on first sight; the profile builder reads them back by event bit. */
#ifndef TMPROF_AGENT_COLLECTOR_H
#define TMPROF_AGENT_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/core/agg_table.h"
#include "agent/core/stack_cache.h"
#include "flamegraph/profile.h"

struct hotspot_cfg;
struct session_options;
struct unwind_maps;
struct target;

/* One drained row, decoded for the session. */
struct collector_row {
	const void *key; /* ops->key_size bytes, aggregated as they are */
	uint64_t a, b;   /* counters that add up (samples; ns and spans; bytes and events) */
	uint32_t tgid, tid;
	uint64_t user_stack; /* id for ops->user_stack; 0: none */
};

typedef int (*collector_row_fn)(void *ctx, const struct collector_row *row);

/* What the profile builder (core/profile_builder.c) does with a kind's
 * rows besides making them samples. A new kind is COLLECTOR_ROLE_SAMPLES:
 * its rows become samples with its own value types, nothing more. */
enum collector_role {
	COLLECTOR_ROLE_SAMPLES = 0, /* stacks and values, the profile's value types from the kind */
	COLLECTOR_ROLE_CPU,         /* CPU samples: per-thread totals, hottest frames, comms */
	COLLECTOR_ROLE_SPANS,       /* scheduler spans: time per state, states from the rules */
	COLLECTOR_ROLE_ALLOCS,      /* allocations: the allocated class as the leaf */
};

/* One aggregated row as the profile builder reads it (ops->sample_of). */
struct collector_sample {
	uint32_t tgid, tid;
	const char *comm;    /* the kernel's comm, TMPROF_COMM_LEN bytes at most */
	uint64_t user_stack; /* id for ops->user_stack; 0: none */
	int64_t kern_stack;  /* id for ops->kern_stack; < 0: none */
	uint64_t values[2];  /* the row's counters, in the kind's value order */
	int span;            /* COLLECTOR_ROLE_SPANS: enum sched_span */
	uint32_t culprit_tgid; /* span SPAN_CULPRIT: the process that ran meanwhile */
	uint64_t klass;      /* COLLECTOR_ROLE_ALLOCS: the allocated Klass */
};

/* Loss counters, for `--stats` and the daemon's metrics. */
struct collector_stats {
	uint64_t events;    /* samples or events seen in the kernel */
	uint64_t user_lost; /* user stacks not stored (collision, walk error) */
	uint64_t kern_lost; /* kernel stacks not stored */
	uint64_t dropped;   /* rows lost because a map was full */
};

/* When session_start gives a collector its targets. The window (the
 * interval's start) opens after the slow per-target setup (unwind tables,
 * HotSpot config), and a thread's first event should say what it did
 * since the start, so filters go in right after it. */
enum collector_start {
	COLLECTOR_START_AT_WINDOW = 0, /* right after the window opens (fast: a BPF filter) */
	COLLECTOR_START_EARLY,         /* before the setup: its failure stops the start early */
	COLLECTOR_START_LATE,          /* after the others: slow to set up (perf events per thread) */
};

struct collector_ops {
	const char *name; /* the -e word: "cpu", "offcpu", "alloc" */
	size_t key_size;  /* bytes of a row's key, at most AGG_KEY_MAX */
	enum collector_start start;
	/* Its BPF object walks user stacks with tmprof's unwinder and takes
	 * the session's shared unwinder maps (unwind_maps.h). */
	bool uses_unwinder;
	/* Its add_target needs a JVM's runtime (target_runtime_open: libjvm's
	 * symbol tables and the vmStructs the JVM fills). In a session with a
	 * worker (the daemon) a JVM is given to it only once the worker has
	 * read that runtime: read on the loop, a hostile JVM could make it
	 * long. add_target then finds t->runtime open. */
	bool needs_runtime;

	/* Load and attach the BPF side. -EPERM/-EACCES: not privileged. */
	int (*open)(const struct session_options *o, const struct unwind_maps *unwind, void **out);
	void (*close)(void *c);
	/* Start following a target (attached, its JVM runtime found if any).
	 * -ENOEXEC: this target cannot be followed, already reported; a
	 * running session (the daemon) goes on without this kind for it. */
	int (*add_target)(void *c, struct target *t);
	/* Removing a pid the collector does not follow is harmless. */
	int (*remove_target)(void *c, pid_t pid);
	/* Optional: the target exec'd into another program; drop what is
	 * tied to the old program's files (uprobes). */
	void (*target_exec)(void *c, pid_t pid);
	/* Optional: an interval starts at ns (CLOCK_MONOTONIC). */
	void (*interval_start)(void *c, uint64_t ns);
	/* Optional: the recording ends at ns (the final cut, no interval
	 * follows): nothing after ns counts, whenever it is drained. */
	void (*interval_stop)(void *c, uint64_t ns);
	/* Rows gathered since the last drain; each goes to fn. */
	int (*drain)(void *c, collector_row_fn fn, void *ctx);
	/* Optional: end the interval [from_ns, end_ns): rows still open then
	 * (a thread blocked right now) go to fn. */
	int (*cut)(void *c, uint64_t from_ns, uint64_t end_ns, collector_row_fn fn, void *ctx);
	/* Optional: per-row work while the target still lives (the alloc
	 * collector reads the allocated class's name). */
	void (*note_row)(void *c, struct target *t, const struct collector_row *row);
	int (*user_stack)(void *c, uint64_t id, uint64_t *ips, size_t max);
	/* Optional: kernel stacks by the stack map's id (key_kern_stack). */
	int (*kern_stack)(void *c, uint64_t id, uint64_t *ips, size_t max);
	void (*stats)(void *c, struct collector_stats *out);

	/* The profile's side of the kind (profile_builder.c). */
	enum collector_role role;
	/* A row's key and counters as a sample; must not fail. */
	void (*sample_of)(const void *key, uint64_t a, uint64_t b, struct collector_sample *out);
	/* COLLECTOR_ROLE_SAMPLES: what values[0..nvalues) mean (pprof sample
	 * types; text outputs show the first). */
	struct profile_value_type value_types[2];
	size_t nvalues;

	/* For `tmprof doctor`: does the BPF object load here (opened and
	 * loaded, not attached)? Optional: a kind without it is not checked. */
	int (*try_load)(void);
	/* Its kernel needs (1 << enum kf_kind, kernel_features.h); 0: none known. */
	unsigned int kernel_needs;
};

/* A kind in a session: its functions, the open collector (NULL when -e
 * did not ask for it) and what it gathered in this interval. */
struct collector {
	const struct collector_ops *ops;
	unsigned int event; /* 1 << its index in the kind list: session_options.events */
	void *impl;
	struct agg_table rows;
	struct stack_cache user_stacks, kern_stacks;
};

/* The kinds tmprof has, in event-bit order (collector.c). */
extern const struct collector_ops *const collector_kinds[];
extern const size_t collector_nkinds;

/* "cpu", "offcpu", ... -> its event bit; 0: no such kind. */
unsigned int collector_event_of(const char *name, size_t len);
/* A comma-separated list of kinds ("cpu,alloc"; "wall" is cpu and offcpu)
 * -> event bits; -EINVAL for an unknown or empty word. */
int collector_events_parse(const char *text, unsigned int *events);

int collector_init(struct collector *c, const struct collector_ops *ops, unsigned int event);
void collector_free(struct collector *c);

#endif
