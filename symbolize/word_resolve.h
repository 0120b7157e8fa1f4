// SPDX-License-Identifier: GPL-2.0
/* One word of a process's user stack into frames: native addresses
 * through the process's symbolizer, HotSpot frames through the JVM's
 * memory (java_frames.h), remembered per class-unloading epoch
 * (frame_memo.h) so that a Method* reused by another class later does not
 * rename old samples. The agent keeps one per target; the pieces are its. */
#ifndef TMPROF_SYMBOLIZE_WORD_RESOLVE_H
#define TMPROF_SYMBOLIZE_WORD_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize/frame_memo.h"
#include "symbolize/symbolizer.h"

struct java_frames;

struct word_resolver {
	struct process_symbolizer *sym;
	struct java_frames *java; /* NULL: no HotSpot unwinding */
	struct frame_memo *memo;
	uint32_t epoch_now; /* the epoch a stack taken now would carry */
	/* Is the JVM still in epoch_now (no class unloaded since)? NULL: yes. */
	bool (*epoch_unchanged)(void *ctx);
	void *epoch_ctx;
	/* Running cross-check of compiled frames against the perf map. */
	uint64_t *perfmap_agree, *perfmap_differ;
	/* Only what is at hand (a period's naming time is used up): memo,
	 * cached names, loaded tables; no file loaded, no target memory read.
	 * Words named no better than "[unknown] (module)" so are counted in
	 * *cheap (when not NULL). */
	bool cached_only;
	uint64_t *cheap;
};

/* As resolver_ops.user_word: the frames of word, outermost first. Frames
 * that cannot be named come back as FRAME_UNKNOWN with a module saying
 * why. */
size_t word_resolve(const struct word_resolver *w, uint64_t word, bool leaf, uint32_t epoch,
		    struct frame_sym *out, size_t max);

#endif
