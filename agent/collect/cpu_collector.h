// SPDX-License-Identifier: GPL-2.0
/* -e cpu as a collector (collector.h); the decoding is public for tests. */
#ifndef TMPROF_AGENT_CPU_COLLECTOR_H
#define TMPROF_AGENT_CPU_COLLECTOR_H

#include "agent/collect/collector.h"
#include "bpf/abi.h"

extern const struct collector_ops cpu_collector_ops;

/* A drained (key, count) as the session's row. */
void cpu_collector_row(const struct cpu_sample_key *key, uint64_t count, struct collector_row *row);
/* The BPF side's per-CPU counters as loss counters. */
void cpu_collector_stats_of(const uint64_t bpf[CPU_STAT__MAX], struct collector_stats *out);

#endif
