// SPDX-License-Identifier: GPL-2.0
/* Frame colours of flamegraph.pl's palettes, computed the same way in C
 * (SVG) and in the HTML page's script (see html.c), so a frame looks alike
 * in both. */
#ifndef TMPROF_FLAMEGRAPH_PALETTE_H
#define TMPROF_FLAMEGRAPH_PALETTE_H

#include <stdbool.h>
#include <stdint.h>

#include "flamegraph/flamegraph.h"
#include "flamegraph/profile.h"

struct rgb {
	uint8_t r, g, b;
};

/* v in [0, 1): a colour variation; callers pass either a hash of the name
 * (--hash) or a pseudo-random draw. The java palette colours by the
 * frame's kind; among native frames, "[...]" (a thread, process or state
 * frame tmprof adds) and C++ ("::") have their own colours. */
struct rgb palette_color(enum flamegraph_palette pal, enum profile_frame_kind kind,
			 const char *name, double v);
/* A name's variation for --hash: stable across runs and files. */
double palette_name_hash(const char *name);

/* Differential colour: red where a frame grew, blue where it shrank, white
 * for no change; intensity is |delta| / max_abs_delta. */
struct rgb palette_diff(double delta, double max_abs_delta);

#endif
