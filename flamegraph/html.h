// SPDX-License-Identifier: GPL-2.0
/* One self-contained interactive HTML flame graph: inline CSS and script,
 * the merged call tree embedded as compact JSON, drawn on a <canvas> so
 * 100k stacks stay responsive. Click to zoom, reset, regex search with the
 * matched share, tooltips, icicle toggle, and thread / operator chain /
 * operator within its chain / state / CPU category filters and colour by category (with a legend) when the
 * samples carry those labels. The filters read the labels the page embeds
 * per sample, never the pseudo-frame text ("[Source: A -> Map (1/4)#0
 * tid=123]", "[cpu]", ...). Nothing is loaded from the network.
 *
 * The embedded data: {"title", "subtitle", "countname", "palette",
 * "inverted", "names": [...], "nodes": [name, value, depth, ...] in
 * preorder (see flame_tree.h), and for differential graphs "before":
 * [value per node]; when samples have labels, "labelKeys": [process, pid,
 * thread, tid, operator_chain, subtask, state, category, operator],
 * "labelSets":
 * [[value or null per key], ...] and "samples": [end node, set, value,
 * ...]}. The page exposes window.tmprofFlame for tests. */
#ifndef TMPROF_FLAMEGRAPH_HTML_H
#define TMPROF_FLAMEGRAPH_HTML_H

#include <stdio.h>

#include "flamegraph/flamegraph.h"

struct profile;
struct flame_tree;

/* Returns 0, -ENODATA for a profile without samples, or -errno. */
int html_write(const struct profile *p, FILE *out, const struct flamegraph_options *o);
/* Write a built tree; with BEFORE values, a differential graph. */
int html_write_tree(const struct flame_tree *t, FILE *out, const struct flamegraph_options *o);

#endif
