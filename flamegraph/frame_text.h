// SPDX-License-Identifier: GPL-2.0
/* The text form of frames, for the text writers only (folded, SVG, HTML).
 *
 * This is the one place where a frame's kind becomes a suffix, as
 * flamegraph.pl and async-profiler spell it: kernel "_[k]", compiled Java
 * "_[j]", inlined "_[i]", interpreted "_[0]"; a frame nothing could name is
 * "[unknown] (module)". Labels become the pseudo-frames at the root of a
 * stack that the profile asks for (profile_set_roots): "[<process>
 * pid=<pid>]", "[<thread> tid=<tid>]", "[<state>]" and "[<category>]"
 * (--category-frames). The folded parser (folded_parse.h) reads them back,
 * but for the category frame, which it keeps as a frame.
 */
#ifndef TMPROF_FLAMEGRAPH_FRAME_TEXT_H
#define TMPROF_FLAMEGRAPH_FRAME_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "flamegraph/profile.h"

/* At most this many pseudo-frames at the root of a stack. */
#define FRAME_TEXT_ROOTS_MAX 4

/* The suffix of a kind ("" for native, stub and unknown). */
const char *frame_text_suffix(enum profile_frame_kind kind);

/* Text of one frame from its parts, into buf (cut to len - 1 bytes).
 * Returns the length it would have had, as snprintf. */
int frame_text_format(char *buf, size_t len, const char *name, const char *module,
		      enum profile_frame_kind kind);

/* Text of frame id of p, as frame_text_format. */
int frame_text_of(const struct profile *p, uint32_t id, char *buf, size_t len);

/* A cache of the text of every frame and label set of one profile, built
 * as the writer asks. Strings stay valid until frame_texts_free. */
struct frame_texts;

struct frame_texts *frame_texts_new(const struct profile *p);
void frame_texts_free(struct frame_texts *t);
/* Text of frame id; NULL when out of memory. */
const char *frame_texts_frame(struct frame_texts *t, uint32_t id);
/* The pseudo-frames of label set id, root first, into out (at most
 * FRAME_TEXT_ROOTS_MAX); their count, or -ENOMEM. */
int frame_texts_roots(struct frame_texts *t, uint32_t labels, const char **out);

#endif
