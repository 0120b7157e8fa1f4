// SPDX-License-Identifier: GPL-2.0
/* -e offcpu as a collector (collector.h); the decoding is public for tests. */
#ifndef TMPROF_AGENT_OFFCPU_COLLECTOR_H
#define TMPROF_AGENT_OFFCPU_COLLECTOR_H

#include "agent/collect/collector.h"
#include "bpf/abi.h"

extern const struct collector_ops offcpu_collector_ops;

/* A drained span total as the session's row: a = ns, b = spans. */
void offcpu_collector_row(const struct sched_span_key *key, const struct sched_span_value *v,
			  struct collector_row *row);
void offcpu_collector_stats_of(const uint64_t bpf[OFFCPU_STAT__MAX], struct collector_stats *out);

#endif
