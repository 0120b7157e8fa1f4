// SPDX-License-Identifier: GPL-2.0
/* flamegraph.pl-style SVG: one <g> per frame with a <title> tooltip, and
 * embedded script for click-to-zoom and regex search (Ctrl-F or the
 * Search button; the matched share is shown at the bottom right). Frames
 * narrower than the minimum width are left out with their descendants,
 * which keeps the file small for large profiles. */
#ifndef TMPROF_FLAMEGRAPH_SVG_H
#define TMPROF_FLAMEGRAPH_SVG_H

#include <stdio.h>

#include "flamegraph/flamegraph.h"

struct profile;
struct flame_tree;

/* Returns 0, -ENODATA for a profile without samples, or -errno. */
int svg_write(const struct profile *p, FILE *out, const struct flamegraph_options *o);
/* Write a built tree; a tree with BEFORE values is drawn as a
 * differential flame graph. */
int svg_write_tree(const struct flame_tree *t, FILE *out, const struct flamegraph_options *o);

#endif
