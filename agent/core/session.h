// SPDX-License-Identifier: GPL-2.0
/* A profiling session: targets, the BPF collectors it needs, and what they
 * gathered so far. `record`, `top` and the daemon drive one the same way:
 *
 *   session_init → session_add_target… → session_start
 *   → session_poll… (every second) → session_cut → profile_build
 *   (top: session_next_interval, then poll and cut again)
 */
#ifndef TMPROF_AGENT_SESSION_H
#define TMPROF_AGENT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/collect/collector.h"
#include "agent/core/name_budget.h"
#include "agent/core/note_backlog.h"
#include "agent/core/target.h"
#include "agent/collect/cpu_sampler.h"

/* Event kinds, one bit each: bit i turns on collector_kinds[i]
 * (collect/collector.c, which also gives each its -e word). These three
 * are named for the code that builds their profiles. */
enum session_event {
	SESSION_CPU = 1 << 0,    /* perf_event cpu-clock sampling */
	SESSION_OFFCPU = 1 << 1, /* scheduler spans: off-CPU and run queue */
	SESSION_ALLOC = 1 << 2,  /* Java allocations (uprobes on libjvm) */
};

/* How Java stacks are unwound. */
enum session_unwind {
	UNWIND_AUTO = 0, /* HotSpot's own frame layout when its vmStructs are readable, else fp */
	UNWIND_FP,       /* frame pointers only: needs -XX:+PreserveFramePointer for Java */
	UNWIND_HOTSPOT,  /* HotSpot's layout (code cache, frame sizes, interpreter frames) */
};

struct session_options {
	unsigned int events; /* enum session_event bits */
	unsigned int freq_hz;
	enum session_unwind unwind;
	enum cpu_sampler_mode sampler; /* per thread (0) or per CPU, or an experiment */
	bool no_culprits;     /* --no-culprits: no run-queue culprits (offcpu) */
	struct {
		uint64_t period;      /* mean bytes between samples; 0: every allocation */
		uint32_t max_tracked; /* live table size */
	} leak;                       /* `tmprof leak` (collect/leak_collector.c) */
	/* The kinds to choose from; NULL: collector_kinds (tests pass fakes). */
	const struct collector_ops *const *kinds;
	size_t nkinds;
	/* Time each drain may spend naming new stacks (the daemon: its loop
	 * must stay responsive whatever the targets run); the rest wait in
	 * the backlog for the next drains. 0: no limit (record names every
	 * stack while its process lives). */
	unsigned int note_budget_ms;
	/* Time a period's builds may spend naming what the drains left
	 * (session_build_budget_start); past it, frames are written with what
	 * is at hand. 0: no limit (record, top). */
	unsigned int build_budget_ms;
};

/* "auto", "fp", "hotspot" -> 0 and *out; -EINVAL otherwise. */
int session_unwind_parse(const char *text, enum session_unwind *out);
const char *session_unwind_name(enum session_unwind u);
/* Why HotSpot unwinding is off for a target (its hotspot_err), for users. */
const char *session_hotspot_error(int err);

struct session {
	struct session_options opts;
	struct target *targets;
	size_t ntargets, cap;
	bool *names_stale; /* per target: a tid without a name was seen */
	struct ksyms *ksyms;
	/* One per kind, in event-bit order; impl is NULL for a kind that is
	 * off, whose rows stay empty. */
	struct collector *collectors;
	size_t ncollectors;
	/* The unwinder's maps, shared by the collectors' BPF objects. */
	struct unwind_maps *unwind;
	uint64_t start_ns, end_ns; /* CLOCK_MONOTONIC */
	int64_t start_unix_ns;     /* CLOCK_REALTIME at start, for output formats */
	bool started;
	/* Set by the daemon (owned by it): attach requests go to these
	 * threads and their results are applied by session_poll, so that a
	 * JVM that never answers delays nothing. NULL: asked in line. */
	struct attach_worker *worker;
	/* Called when a target's first attach through the worker ended
	 * (t->attach_err says how). */
	void (*on_attached)(void *ctx, struct target *t);
	void *on_attached_ctx;
	/* New stacks past a drain's note budget (opts.note_budget_ms). */
	struct note_backlog backlog;
	uint64_t notes_deferred; /* stacks named in a later drain than their first */
	uint64_t notes_skipped;  /* stacks left to the period's build */
	uint64_t note_deadline_ns; /* this drain's; 0: no budget */
	/* Unwind tables or HotSpot set-ups read by the worker for a program
	 * the process no longer ran (exec, pid reuse): not installed. */
	uint64_t results_stale;
	/* The period's naming budget (opts.build_budget_ms), and the stacks
	 * written with cheap names past it. */
	struct name_budget build_budget;
	uint64_t stacks_named_cheaply;
	bool build_stack_cheap; /* the stack being named has a cheap frame */
};

/* What a user should know about the Java stacks of target t (unwinding
 * off, no frame pointers), in buf; NULL: nothing. */
const char *session_java_stacks_warning(const struct session *s, const struct target *t,
				       char *buf, size_t len);

int session_init(struct session *s, const struct session_options *o);
void session_free(struct session *s);

/* -ESRCH: no such process. On a started session (the daemon) the target
 * is attached and added to the collectors at once; a pid that is already a
 * target (even an exited one) is left as it is. */
int session_add_target(struct session *s, pid_t pid);

/* Drop a target and free its caches (symbols, perf map, thread names).
 * The gathered data names targets by pid, so an interval's samples of a
 * removed pid are left out of profile_build: remove after the interval's
 * profile is built (the daemon does it right after session_next_interval).
 * -ESRCH: not a target. */
int session_remove_target(struct session *s, pid_t pid);

/* Attach to t's JVM again (after attach_err): in line, or through the
 * worker when the session has one. */
void session_attach(struct session *s, struct target *t);

/* Load and attach the BPF collectors (-EPERM/-EACCES: not privileged),
 * attach to the JVMs (failures are kept per target), then start counting.
 * With SESSION_ALLOC, -ENOEXEC (already reported) when a target's libjvm
 * lacks the allocation hooks. */
int session_start(struct session *s);

/* Drain the kernel's aggregates, name new threads and JIT code, notice
 * exited targets. Returns how many targets are alive. */
size_t session_poll(struct session *s);

/* End the current interval now: drain, and close the spans still open at
 * this instant (a thread blocked for minutes counts in every interval, not
 * in one lump when it wakes). With final, names and perf maps get one last
 * refresh. */
int session_cut(struct session *s, bool final);

/* Start the next interval where the last cut ended, forgetting what was
 * gathered (top); names and symbols stay cached. */
void session_next_interval(struct session *s);

/* Wall-clock seconds covered so far (or in total once finished). */
double session_elapsed_s(const struct session *s);

/* Loss counters of every open collector, summed: [0] samples gathered,
 * [1] user stacks lost, [2] kernel stacks lost, [3] dropped (maps full). */
void session_losses(struct session *s, uint64_t out[4]);

/* The kind with this event bit (SESSION_CPU, ...), open or not: its rows
 * of the interval and its stacks. NULL: no such kind. */
struct collector *session_collector(const struct session *s, unsigned int event);
/* The open collector of that kind (struct cpu_sampler *, ...); NULL: off. */
void *session_collector_impl(const struct session *s, unsigned int event);

#endif
