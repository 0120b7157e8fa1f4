// SPDX-License-Identifier: GPL-2.0
/* The per-thread time report (`tmprof record --format json`, `tmprof top`,
 * `tmprof report`): where each thread's time went, in ms per second.
 *
 * Plain data so that every writer and reader shares one model; the agent
 * fills it in. JSON layout:
 *   {"duration_s":…, "threads":[{"pid":…, "tid":…, "name":"…", "kind":"task",
 *     "task":{"chain":["Source: A","Map"], "subtask":1, "parallelism":4, "attempt":0},
 *     "ms_per_s":{"cpu":…, "runqueue":…, "backpressured":…, "idle":…, "blocked":…},
 *     "blocked_by":{"lock":…, "io":…, "sleep":…},
 *     "runqueue_by_culprit":[{"pid":…, "comm":"…", "ms_per_s":…, "target":false}],
 *     "top_frames":[{"frame":"…", "kind":"jit", "module":"…", "share":…}],
 *     "operators":[{"name":"Map", "index":1, "cpu_ms_per_s":…, "samples":…}],
 *     "operators_unplaced":{"cpu_ms_per_s":…, "samples":…},
 *     "cpu_by_category":{"serialization":…, …, "user":…},  (report_categories.h)
 *     "blocked_in":{"lock":null, "io":{"frame":"…", "kind":"jit", "module":"…",
 *       "ms_per_s":…}, "sleep":…, "backpressured":…, "idle":…}}],  (report_blocked_in.h)
 *   "noisy_neighbours":[{"pid":…, "comm":"…", "cgroup":"…", "container":"…",
 *     "ms_per_s":…, "target":false}],
 *   "bottlenecks":[{"chain":"…", "subtask":…, "parallelism":…, "pid":…, "tid":…,
 *     "why":"io", "blocked_in":"…", "blocks":["…"], "busy_ms_per_s":…,
 *     "evidence":"…"}],
 *   "chains":[{"chain":"…", "pid":…, "subtasks":…, "cpu_ms_per_s":…,
 *     "cpu_by_category":{…}}]}  (with categories: report_categories.h)
 * (bottlenecks: most severe first, agent/core/bottleneck.h; null without
 * off-CPU states).
 * (operators and operators_unplaced: task threads with CPU samples only).
 * A state that was not measured (e.g. off-CPU states with -e cpu) is null.
 * blocked_by splits blocked (its values sum to it; null with it): the five
 * states stay the ones that sum to 1000 ms/s.
 */
#ifndef TMPROF_FLAMEGRAPH_THREAD_REPORT_H
#define TMPROF_FLAMEGRAPH_THREAD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum report_state {
	REPORT_CPU,
	REPORT_RUNQUEUE,
	REPORT_BACKPRESSURED,
	REPORT_IDLE,
	REPORT_BLOCKED,
	REPORT_STATE__MAX,
};

/* Why a blocked thread waited: the blocked state split (blocked_by). */
enum report_blocked {
	REPORT_LOCK,
	REPORT_IO,
	REPORT_SLEEP,
	REPORT_BLOCKED__MAX,
};

/* Where a thread waited off CPU: the blocked reasons, then the two Flink
 * waits (blocked_in). The first three are enum report_blocked's. */
enum report_wait {
	REPORT_WAIT_LOCK = REPORT_LOCK,
	REPORT_WAIT_IO = REPORT_IO,
	REPORT_WAIT_SLEEP = REPORT_SLEEP,
	REPORT_WAIT_BACKPRESSURED = REPORT_BLOCKED__MAX,
	REPORT_WAIT_IDLE,
	REPORT_WAIT__MAX,
};

#define REPORT_TOP_FRAMES 5
#define REPORT_MAX_CHAIN 32
/* CPU categories per thread (flamegraph/report_categories.h). */
#define REPORT_CATEGORIES_MAX 16

struct report_frame {
	char *frame;  /* the frame's name, without text suffixes */
	char *kind;   /* profile_frame_kind_name: "jit", "native", ... */
	char *module; /* library, "[kernel]", or "" */
	double share; /* of the thread's on-CPU samples, 0..1 */
};

/* The frame a thread waited in the most in one off-CPU state: the first
 * user-code frame from the leaf (agent/core/blocked_in.h says which). */
struct report_wait_frame {
	char *frame;  /* NULL: no such wait, or no frame worth naming */
	char *kind;
	char *module;
	double ms_per_s; /* of that state's time spent under this frame */
};

struct report_task {
	char *chain[REPORT_MAX_CHAIN];
	int nchain;
	int subtask, parallelism, attempt;
};

/* Who ran while a target thread waited for a CPU (culprit tracking). */
struct report_culprit {
	pid_t pid;        /* 0: an idle CPU, or not known */
	char *comm;
	char *cgroup;     /* noisy_neighbours only ("" elsewhere) */
	char *container;  /* idem; "" when not in a container */
	double ms_per_s;
	bool target;      /* a profiled TaskManager: its own threads, as one entry */
};

/* A subtask that holds the pipeline back (agent/core/bottleneck.h). */
struct report_bottleneck {
	char *chain;     /* the chain's operators joined by " -> " */
	pid_t pid, tid;
	int subtask, parallelism;
	char *why;       /* cpu, runqueue, io, lock, sleep, or a CPU category */
	char *blocked_in; /* why io, lock or sleep: the frame it waits in, or NULL */
	char *blocks[REPORT_MAX_CHAIN]; /* the chains it backpressures */
	int nblocks;
	char *evidence;
	double busy_ms_per_s; /* on CPU + run queue + blocked: the severity */
};

#define REPORT_MAX_CULPRITS 8
#define REPORT_MAX_NEIGHBOURS 16

struct report_thread {
	pid_t pid, tid;
	char *name;
	char *kind;
	bool is_task;
	struct report_task task;
	double ms_per_s[REPORT_STATE__MAX];
	bool measured[REPORT_STATE__MAX];
	double blocked_ms_per_s[REPORT_BLOCKED__MAX]; /* measured as blocked is */
	struct report_culprit *culprits; /* runqueue_by_culprit, most first */
	size_t nculprits;
	struct report_frame top[REPORT_TOP_FRAMES];
	int ntop;
	double cpu_by_category[REPORT_CATEGORIES_MAX]; /* ms/s, by the report's categories */
	/* Task threads: CPU per operator of task.chain, in chain order, and of
	 * samples no operator could be named for (agent/core/operator_place.h). */
	bool has_operators;
	double operator_ms_per_s[REPORT_MAX_CHAIN];
	uint64_t operator_samples[REPORT_MAX_CHAIN];
	double unplaced_ms_per_s;
	uint64_t unplaced_samples;
	/* Off-CPU states measured: the frame each wait was spent in. */
	struct report_wait_frame blocked_in[REPORT_WAIT__MAX];
};

struct thread_report {
	double duration_s;
	struct report_thread *threads;
	size_t nthreads;
	char *categories[REPORT_CATEGORIES_MAX]; /* names; none: no categories */
	size_t ncategories;
	/* noisy_neighbours: run-queue time of every target thread by the
	 * process that ran meanwhile, most first; null when not measured. */
	bool culprits_measured;
	struct report_culprit *neighbours;
	size_t nneighbours;
	/* bottlenecks: measured with the off-CPU states; most severe first. */
	bool bottlenecks_measured;
	struct report_bottleneck *bottlenecks;
	size_t nbottlenecks;
};

const char *report_state_name(enum report_state s);
const char *report_blocked_name(enum report_blocked b);

/* Append a zeroed thread; strings set afterwards are owned by the report. */
struct report_thread *thread_report_add(struct thread_report *r);
void thread_report_free(struct thread_report *r);

/* s as a JSON string: escaped, invalid UTF-8 as U+FFFD. */
void thread_report_write_string(FILE *out, const char *s);

/* Task threads of one chain (the same operators) in one process. */
bool thread_report_same_chain(const struct report_thread *a, const struct report_thread *b);

/* Threads by CPU, descending (ties: pid, tid). */
void thread_report_sort(struct thread_report *r);

int thread_report_write_json(const struct thread_report *r, FILE *out);
int thread_report_write_json_file(const struct thread_report *r, const char *path);
/* Read a report written by write_json. -EINVAL with "line L column C: …" in err. */
int thread_report_read_json(const char *path, struct thread_report *r, char *err, size_t errlen);

/* The operator table: one row per task thread (chain, subtask), columns per
 * state and the hottest frame, a skew line per chain (max and median CPU
 * across its subtasks); other threads summed by kind. */
void thread_report_print_table(const struct thread_report *r, FILE *out, int width);

#endif
