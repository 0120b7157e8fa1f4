// SPDX-License-Identifier: GPL-2.0
/* Per-thread sampling events: one task-clock perf event per thread of each
 * target process, the CPU sampler's BPF program attached to each, so every
 * thread is sampled once per period of its own CPU time.
 *
 * A per-CPU clock aliases with timer-woken threads: a thread whose wakeup
 * timer expires in the same interrupt as the sampling tick starts right after
 * the tick and parks before the next one. A thread's task-clock only advances
 * while that thread runs and keeps its remaining period across switches, so
 * the expected count is its CPU time / period whatever its rhythm.
 *
 * Events are opened with `inherit`: threads created later get a copy of
 * their creator's event (and its BPF program) in clone(), with no gap. The
 * copies need no fd and die with their threads; the copied-from event of a
 * thread that exited is kept until closing it is safe (see
 * thread_events_rescan), because closing an event also removes the copies it
 * gave to threads that still run. */
#ifndef TMPROF_AGENT_THREAD_EVENTS_H
#define TMPROF_AGENT_THREAD_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct thread_events;

enum thread_events_mode {
	TE_INHERIT = 0, /* inherited by new threads; rescans only close and repair */
	TE_RESCAN,      /* no inherit: each rescan opens events for new threads
			 * (threads younger than a rescan go unsampled until then) */
};

struct thread_events_stats {
	uint64_t open;          /* events open now (one fd each), all processes */
	uint64_t opened, closed; /* since the start */
	uint64_t adopted;       /* threads given their own event because their
				 * inherited one went away with a closed creator */
	uint64_t fd_failures;   /* events that could not be opened: out of fds */
	uint64_t open_failures; /* ... other errors (thread gone meanwhile excluded) */
};

/* prog_fd: the perf_event BPF program to attach; period_ns: CPU time per
 * sample. Raises RLIMIT_NOFILE's soft limit to the hard limit (one fd per
 * thread at attach). */
int thread_events_new(int prog_fd, uint64_t period_ns, enum thread_events_mode mode,
		      struct thread_events **out);
void thread_events_free(struct thread_events *te);

/* Open events for every thread of tgid (-ESRCH: no such process; -EMFILE:
 * out of fds, reported). Adding a process twice is a no-op. */
int thread_events_add(struct thread_events *te, pid_t tgid);
/* Close every event of tgid; -ENOENT if it was not added. */
int thread_events_remove(struct thread_events *te, pid_t tgid);

/* Tell the rescan a sample of tid (of tgid) was seen since the last rescan:
 * the proof that a thread without an event of its own is still covered. */
void thread_events_note_sample(struct thread_events *te, pid_t tgid, pid_t tid, uint64_t count);

/* Called at each drain: list /proc/TGID/task of every process (TE_INHERIT:
 * only of those with a close or a watch check due); close events
 * of exited threads (TE_RESCAN: at once; TE_INHERIT: in batches, then check
 * that the threads whose copies went with them still get samples, and give
 * those that ran without any their own event); TE_RESCAN: open events for
 * new threads. samples_dropped: the sampler dropped samples since the last
 * call (then missing samples prove nothing). */
int thread_events_rescan(struct thread_events *te, bool samples_dropped);

void thread_events_stats(const struct thread_events *te, struct thread_events_stats *out);
/* Events open for tgid now (0 if not added). */
size_t thread_events_open_count(const struct thread_events *te, pid_t tgid);

/* Pure helper (unit-tested): a thread without its own event that ran
 * cpu_ns since the check started and got no sample is uncovered when its
 * CPU time is at least min_periods sampling periods. */
bool thread_uncovered(uint64_t cpu_ns, uint64_t samples, uint64_t period_ns, unsigned int min_periods);

/* Pure helper (unit-tested): does a TE_INHERIT rescan of a process need its
 * task list now? Yes when the batch close is due (every 10 s), or threads
 * are watched and some are not armed yet or their check is due (5 s). */
bool thread_events_list_due(uint64_t now_ms, uint64_t last_close_ms, uint64_t last_watch_ms,
			    size_t watched, bool all_armed);

#endif
