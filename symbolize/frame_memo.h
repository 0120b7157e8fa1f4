// SPDX-License-Identifier: GPL-2.0
/* Names of Java frames as they were when first read, per class-unloading
 * epoch (bpf/hotspot.h). A Method* is only an address: once its class is
 * unloaded another method may live there, and reading the name again later
 * (when a profile is built, minutes after) would give the newcomer's name
 * to the old samples. Stacks carry their epoch, and within one epoch no
 * metadata was freed, so (word, epoch) names one chain of frames. */
#ifndef TMPROF_SYMBOLIZE_FRAME_MEMO_H
#define TMPROF_SYMBOLIZE_FRAME_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize/symbolizer.h"

struct frame_memo_entry;

struct frame_memo {
	struct frame_memo_entry *slots; /* open addressing; NULL until first use */
	size_t mask, used;
};

/* The memoised frames for (word, epoch), outermost first: how many were
 * copied into out (at most max), or 0 if none are memoised. */
size_t frame_memo_get(const struct frame_memo *m, uint64_t word, uint32_t epoch,
		      struct frame_sym *out, size_t max);
/* Remember n frames (their strings must outlive the memo). A full memo is
 * emptied first: bounded memory matters more in a daemon than a re-read. */
int frame_memo_put(struct frame_memo *m, uint64_t word, uint32_t epoch, const struct frame_sym *fs,
		   size_t n);
void frame_memo_free(struct frame_memo *m);
/* Memory held (table and frames). */
size_t frame_memo_memory(const struct frame_memo *m);

#endif
