// SPDX-License-Identifier: GPL-2.0
/* What a session's caches hold, and room made in them under one budget.
 *
 * Every cache of a target grows with what the target does: symbols and
 * names of the addresses it runs, its perf map, the Java frames and classes
 * it names, its threads. Each has a bound of its own, but with many
 * targets (or a hostile one) their sum is what the daemon's RSS follows.
 * The daemon gives them one budget and, between periods (when no name
 * handed out is held), evicts the largest until the sum fits. Evicted
 * caches refill on demand (a perf map on the next refresh).
 */
#ifndef TMPROF_AGENT_SESSION_CACHES_H
#define TMPROF_AGENT_SESSION_CACHES_H

#include <stdint.h>

#include "agent/core/session.h"

enum session_cache {
	CACHE_SYMBOLS,      /* per target: address answers and interned names */
	CACHE_PERF_MAPS,    /* per target: JIT perf map entries and names */
	CACHE_ELF,          /* shared: ELF symbol tables */
	CACHE_JAVA_NAMES,   /* per target: Java frame names and their memo */
	CACHE_KLASS_NAMES,  /* per target: class names (allocation profiles) */
	CACHE_THREAD_NAMES, /* per target: full thread names */
	CACHE__COUNT
};

/* "symbols", "perf_maps", ... (the label of tmprof_cache_bytes). */
const char *session_cache_name(enum session_cache c);

/* Bytes each cache holds now, summed over the targets. */
void session_cache_usage(const struct session *s, uint64_t out[CACHE__COUNT]);

/* Evict, largest first, until the caches hold at most budget bytes (0:
 * everything evictable). Only between periods: names handed out before
 * are freed. Returns the evictions made. */
unsigned int session_cache_trim(struct session *s, uint64_t budget);

#endif
