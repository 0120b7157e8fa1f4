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
	CACHE_STACKS,       /* shared: copies of the BPF maps' stacks */
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

/* Between periods: what the period just written did not use goes, so that
 * the caches follow what the targets run now rather than everything they
 * ever ran (a JVM that keeps loading and unloading code would otherwise
 * fill them up to the budget, slowly). Stacks not used in the period are
 * dropped, and a target's address answers or Java names holding more than
 * per_target bytes are emptied (they refill on demand from the shared ELF
 * tables and the perf map); shared ELF tables no target holds are freed.
 * Returns the evictions made. */
unsigned int session_cache_age(struct session *s, uint64_t per_target);

#endif
