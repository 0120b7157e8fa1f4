/* Frame colours of flamegraph.pl's palettes, computed the same way in C
 * (SVG) and in the HTML page's script (see html.c), so a frame looks alike
 * in both. */
#ifndef TMPROF_FLAMEGRAPH_PALETTE_H
#define TMPROF_FLAMEGRAPH_PALETTE_H

#include <stdbool.h>
#include <stdint.h>

#include "flamegraph/flamegraph.h"

struct rgb {
	uint8_t r, g, b;
};

enum frame_kind {
	FRAME_NATIVE,      /* C: no suffix */
	FRAME_NATIVE_CPP,  /* C++: "::" in the name */
	FRAME_JIT,         /* _[j] */
	FRAME_INLINED,     /* _[i] */
	FRAME_KERNEL,      /* _[k] */
	FRAME_INTERPRETED, /* _[0] */
	FRAME_ROOT,        /* "[...]": a thread, process or state frame tmprof adds */
};

enum frame_kind frame_kind_of(const char *name);

/* v in [0, 1): a colour variation; callers pass either a hash of the name
 * (--hash) or a pseudo-random draw. */
struct rgb palette_color(enum flamegraph_palette pal, const char *name, double v);
/* A name's variation for --hash: stable across runs and files. */
double palette_name_hash(const char *name);

/* Differential colour: red where a frame grew, blue where it shrank, white
 * for no change; intensity is |delta| / max_abs_delta. */
struct rgb palette_diff(double delta, double max_abs_delta);

#endif
