// SPDX-License-Identifier: GPL-2.0
/* -e alloc as a collector (collector.h); the decoding is public for tests. */
#ifndef TMPROF_AGENT_ALLOC_COLLECTOR_H
#define TMPROF_AGENT_ALLOC_COLLECTOR_H

#include "agent/collect/collector.h"
#include "bpf/abi.h"

extern const struct collector_ops alloc_collector_ops;

/* A drained allocation total as the session's row: a = bytes, b = events. */
void alloc_collector_row(const struct alloc_key *key, const struct alloc_value *v,
			 struct collector_row *row);
void alloc_collector_stats_of(const uint64_t bpf[ALLOC_STAT__MAX], struct collector_stats *out);

#endif
