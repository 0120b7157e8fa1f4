// SPDX-License-Identifier: GPL-2.0
/* Differential flame graphs, as difffolded.pl + flamegraph.pl draw them:
 * the AFTER profile's shape, each frame red where its samples (the frame
 * and everything it called) grew from BEFORE to AFTER and blue where they
 * shrank, the deeper the colour the larger the change relative to the
 * largest one. With normalize, BEFORE is scaled to AFTER's total first, so
 * two recordings of different length compare by share. */
#ifndef TMPROF_FLAMEGRAPH_DIFF_H
#define TMPROF_FLAMEGRAPH_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "flamegraph/flamegraph.h"

struct profile;

/* fmt: FLAMEGRAPH_SVG or FLAMEGRAPH_HTML. Returns 0, -ENODATA when AFTER
 * has no samples, -EINVAL for a bad format, or -errno. */
int diff_write(const struct profile *before, const struct profile *after, bool normalize,
	       enum flamegraph_format fmt, FILE *out, const struct flamegraph_options *o);
/* To path (format by extension), atomically. */
int diff_write_file(const struct profile *before, const struct profile *after, bool normalize,
		    const char *path, const struct flamegraph_options *o);

#endif
