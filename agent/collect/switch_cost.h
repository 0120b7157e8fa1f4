// SPDX-License-Identifier: GPL-2.0
/* What per-thread sampling costs a thread each time it is switched in and
 * out, measured on this host. A per-thread perf event is switched with its
 * thread (its sampling hrtimer cancelled and restarted, its context swapped):
 * a cost per context switch that per-CPU sampling does not have, small for
 * CPU-bound threads and large for threads that hand work to each other
 * thousands of times a second. In a VM it is several times bare metal's. */
#ifndef TMPROF_AGENT_SWITCH_COST_H
#define TMPROF_AGENT_SWITCH_COST_H

#include <stdint.h>

struct switch_cost {
	double switch_ns; /* one context switch without an event */
	double added_ns;  /* what a per-thread sampling event adds to it */
};

#define SWITCH_COST_MAX_ROUNDS 64

/* Two threads pinned to one CPU hand a byte back and forth through pipes
 * (two switches a round trip), in `rounds` pairs of windows of window_ms:
 * one without events, one with a task-clock sampling event of period
 * period_ns on each thread, as `record` opens them (no program attached:
 * the switch is what is measured, not the sample). Each pair gives a
 * figure; out gets the medians. Pairs of windows side by side keep a drift
 * of the host out of the difference. -EINVAL unless 1 <= rounds <=
 * SWITCH_COST_MAX_ROUNDS; -errno if threads, pipes or events cannot be had. */
int switch_cost_measure(unsigned int rounds, unsigned int window_ms, uint64_t period_ns,
			struct switch_cost *out);

/* The figures from round-trip counts and window lengths (ns), off and on:
 * -EINVAL without a round trip in either. */
int switch_cost_from_counts(uint64_t trips_off, uint64_t ns_off, uint64_t trips_on, uint64_t ns_on,
			    struct switch_cost *out);

/* Share of one CPU, in %, that added_ns costs at switches_per_s. */
double switch_cost_cpu_pct(double added_ns, double switches_per_s);

#endif
