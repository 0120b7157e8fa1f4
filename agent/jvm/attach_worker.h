// SPDX-License-Identifier: GPL-2.0
/* Attach requests run off the daemon's loop.
 *
 * An attach exchange waits up to HOTSPOT_ATTACH_TIMEOUT_MS for the JVM; a
 * process that accepts the connection and never answers would hold the
 * loop that drains samples, cuts periods and publishes /metrics for that
 * long, per request. Here a few threads run the exchanges and hand back
 * results, which the loop applies when it polls: the loop itself never
 * waits for a target.
 *
 * A job names its process by (pid, start time): a pid reused meanwhile is
 * not attached to. The workers touch nothing of the session: they only
 * talk to the JVM (hotspot_attach.h).
 */
#ifndef TMPROF_AGENT_ATTACH_WORKER_H
#define TMPROF_AGENT_ATTACH_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/jvm/hotspot_attach.h"

/* Threads: a JVM that never answers holds one for the timeout, the other
 * keeps serving the rest. */
#define ATTACH_WORKER_THREADS 2
/* Jobs waiting at once; a session asks at most three per target (names or
 * perf map, unwind tables, HotSpot set-up). */
#define ATTACH_WORKER_QUEUE 256

enum attach_job {
	ATTACH_JOB_NAMES,    /* Thread.print header lines (hotspot_thread_headers) */
	ATTACH_JOB_PERF_MAP, /* jcmd Compiler.perfmap (hotspot_write_perf_map) */
	/* Not an attach: the target's unwind tables parsed (cfi_prep_build),
	 * the slow half of a new target's setup, off the loop too. */
	ATTACH_JOB_CFI,
	/* Not an attach either: libjvm's symbols and the JVM's vmStructs read
	 * for HotSpot unwinding (hotspot_prep_build), which walks tables the
	 * target fills: a hostile JVM could make that long. */
	ATTACH_JOB_HOTSPOT,
	/* The JVM's runtime alone (libjvm's symbols and vmStructs), for a
	 * collector that needs it when no HotSpot set-up is read (--unwind fp):
	 * hotspot_prep_build without the unwinding part. */
	ATTACH_JOB_RUNTIME,
};

struct attach_result {
	unsigned long long start_time;
	struct attach_reply reply; /* ATTACH_JOB_NAMES: the dump (attach_result_free) */
	/* ATTACH_JOB_PERF_MAP, written: the map read here too, off the loop
	 * (NULL and read_err when it could not be); attach_result_free. */
	struct perf_map *perf_map;
	struct cfi_prep *cfi;      /* ATTACH_JOB_CFI: attach_result_free */
	struct hotspot_prep *hotspot; /* ATTACH_JOB_HOTSPOT, _RUNTIME: attach_result_free */
	/* The program the job found under pid, the same before and after it
	 * ran (else err is -ESTALE and nothing is kept): whoever installs the
	 * result checks the process still runs it (target_identity_read). */
	unsigned long long exe_dev, exe_ino;
	uint64_t ms;               /* how long the exchange took */
	pid_t pid;
	enum attach_job job;
	/* 0 or as hotspot_attach.h; -ESRCH: pid reused; -ESTALE: the process
	 * exec'd while the job ran */
	int err;
	int read_err;              /* above: why the map could not be read */
};

struct attach_worker;
struct cfi_prep;
struct hotspot_prep;

int attach_worker_new(struct attach_worker **out);
/* Waits for the exchanges under way (at most their timeout); results not
 * taken are freed. NULL is fine. */
void attach_worker_free(struct attach_worker *w);

/* Queue a job: 0, -EAGAIN when the queue is full (ask again later). */
int attach_worker_submit(struct attach_worker *w, pid_t pid, unsigned long long start_time,
			 enum attach_job job, int timeout_ms);

/* Finished jobs, oldest first, at most max; never blocks. */
size_t attach_worker_take(struct attach_worker *w, struct attach_result *out, size_t max);

/* What a result holds (the reply, the perf map). */
void attach_result_free(struct attach_result *r);

/* Is r (a CFI or HotSpot job's) still about what pid runs now? 1: yes;
 * 0: the same process runs another program (it exec'd before or while the
 * job ran); -ESRCH: the process is gone or its pid is another's. Read
 * when installing: a result for another program is not to be installed. */
int attach_result_current(const struct attach_result *r);

/* Jobs queued or running now (for /metrics). */
size_t attach_worker_pending(struct attach_worker *w);

#endif
