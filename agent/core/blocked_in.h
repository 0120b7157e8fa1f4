// SPDX-License-Identifier: GPL-2.0
/* The frame a thread waits in: for every off-CPU span the builder sees
 * (lock, io, sleep, backpressured, idle), the frame of its stack that says
 * what waits -- the first frame from the leaf that is user code, e.g.
 * PaymentClient.awaitAck, not Unsafe.park, SocketDispatcher.read or
 * futex_wait -- and per thread the time under each such frame, for the
 * report's "blocked_in" (flamegraph/report_blocked_in.h) and the
 * bottleneck's evidence.
 *
 * Which frame, from the leaf (frames as the category rules read them):
 *  1. the first user frame: Java that no platform rule of the category
 *     rules matches (agent/rules/categories.rules);
 *  2. else the first Java frame outside the JDK (java., javax., jdk.,
 *     sun., com.sun.): Flink's own wait, e.g.
 *     LocalBufferPool.requestMemorySegmentBlocking, TaskMailboxImpl.take;
 *  3. else the first native frame of a library that is not the JVM's,
 *     the C library's or the JDK's own (librocksdbjni.so's, say);
 *  4. else none: kernel frames, stubs, unnamed frames and the JVM's
 *     park and wait plumbing name no culprit. */
#ifndef TMPROF_AGENT_BLOCKED_IN_H
#define TMPROF_AGENT_BLOCKED_IN_H

#include <stddef.h>
#include <stdint.h>

#include "agent/core/category_rules.h"
#include "agent/core/state_rules.h"
#include "flamegraph/thread_report.h"

struct profile;
struct thread_total;

/* A thread's off-CPU ns per wait and frame (frame_total.samples are ns). */
struct blocked_in_totals {
	struct frame_total *v[REPORT_WAIT__MAX];
	size_t n[REPORT_WAIT__MAX], cap[REPORT_WAIT__MAX];
};

/* Index in frames (leaf first) of the frame the stack waits in, or -1. */
int blocked_in_choose(const struct category_rules *r, const struct category_frame *frames,
		      size_t n);

/* The wait of a span in state st (blocked: for reason why, CATEGORY_LOCK,
 * _IO or _SLEEP), or -1 for the states that are no wait (cpu, runqueue). */
int blocked_in_wait_of(enum thread_state st, enum category why);

/* Count ns of thread tt waiting in w with this stack (ids of p, root
 * first) under the frame blocked_in_choose names; nothing when it names
 * none. 0 or -ENOMEM. */
int blocked_in_add(struct thread_total *tt, const struct category_rules *r,
		   const struct profile *p, enum report_wait w, const uint32_t *frames,
		   uint32_t depth, uint64_t ns);

/* rt's blocked_in: per wait the frame with the most time (ties: the name
 * first in byte order, so that reports compare), in ms/s over secs. */
int blocked_in_report_fill(const struct thread_total *tt, const struct profile *p, double secs,
			   struct report_thread *rt);

void blocked_in_free(struct blocked_in_totals *t);

#endif
