// SPDX-License-Identifier: GPL-2.0
/* jemalloc heap profiles ("heap_v2", what MALLOC_CONF=prof:true dumps and
 * jeprof reads):
 *
 *   heap_v2/524288                           sampling period (2^lg_prof_sample)
 *     t*: 82: 340409 [0: 0]                  all threads: objects: bytes [accumulated]
 *     t0: 82: 340409 [0: 0] [name]           per thread (ignored)
 *   @ 0x7f33736a2630 0x7f33736a2d21 ...      a stack, innermost return address first
 *     t*: 81: 331778 [0: 0]                  its live sampled objects and bytes
 *     t0: ...
 *   (blank)
 *   MAPPED_LIBRARIES:
 *   ... /proc/PID/maps of the process ...
 *
 * Counts are of sampled objects; each stack's estimate is scaled as jeprof
 * does (1 / (1 - exp(-(bytes/objects)/period))), which jemalloc 5.3's
 * prof_unbias accounts for when it writes the file.
 *
 * Input is untrusted: a truncated or corrupt dump is an error with the line
 * and the reason, never a crash. */
#ifndef TMPROF_FLAMEGRAPH_HEAP_V2_H
#define TMPROF_FLAMEGRAPH_HEAP_V2_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_V2_MAX_DEPTH 1024
#define HEAP_V2_MAX_BYTES (1ull << 30)

struct heap_v2_stack {
	uint64_t *addrs;  /* innermost first */
	uint32_t depth;
	uint64_t objs, bytes; /* sampled, as in the file */
	double est_objs, est_bytes;
};

struct heap_v2 {
	uint64_t period;
	uint64_t objs, bytes; /* header totals, sampled */
	struct heap_v2_stack *stacks;
	size_t n;
	char *maps;       /* MAPPED_LIBRARIES text, NUL-terminated */
};

struct heap_v2_error {
	size_t line;        /* 1-based; 0: the file as a whole */
	const char *reason; /* static text */
};

/* 0, -EINVAL (err says where and why), -ENOMEM, -EFBIG. */
int heap_v2_parse(const char *buf, size_t len, struct heap_v2 *out, struct heap_v2_error *err);
/* Opening / reading failures: -errno with err->reason NULL. */
int heap_v2_parse_file(const char *path, struct heap_v2 *out, struct heap_v2_error *err);
void heap_v2_free(struct heap_v2 *h);

/* jeprof's unsampling factor for a stack with objs objects of bytes total. */
double heap_v2_scale(uint64_t objs, uint64_t bytes, uint64_t period);

#endif
