// SPDX-License-Identifier: GPL-2.0
/* The merged call tree every flame graph writer draws.
 *
 * Stacks are sorted by their frame names and merged by common prefix, which
 * gives the nodes in preorder with children in name order (as flamegraph.pl
 * orders them) without any per-node lookup table: node i's children start
 * at i + 1, and the next sibling of a node c is c + size. Node 0 is the
 * "all" root.
 *
 * A second profile can be added as BEFORE (differential flame graphs): its
 * counts land in the before field of the nodes the AFTER profile has; frames
 * only BEFORE has are dropped, because the graph shows AFTER's shape.
 */
#ifndef TMPROF_FLAMEGRAPH_FLAME_TREE_H
#define TMPROF_FLAMEGRAPH_FLAME_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frame_texts;
struct profile;

struct flame_node {
	uint32_t name;  /* index into flame_tree.names */
	uint32_t depth; /* 0 for the root */
	uint32_t size;  /* nodes in this subtree, itself included */
	uint64_t value; /* samples in this subtree */
	double before;  /* BEFORE samples in this subtree (scaled), diff only */
};

/* One sample of AFTER: the node its stack ends at and its label set (of
 * flame_tree.after), so a writer can filter or colour by labels without
 * reading them back from pseudo-frame text. */
struct flame_sample {
	uint32_t node;
	uint32_t labels;
	uint64_t value;
};

struct flame_tree {
	struct flame_node *nodes;
	size_t nnodes;
	const char **names; /* sorted; frame texts (suffixes, pseudo-frames) */
	uint8_t *kinds;     /* enum profile_frame_kind of each name */
	size_t nnames;
	struct frame_texts *texts[2]; /* what names point into: after, before */
	struct flame_sample *samples; /* AFTER's samples, in node order */
	size_t nsamples;
	const struct profile *after;  /* whose label sets samples[].labels are */
	uint32_t max_depth;
	bool has_before;
	double before_total; /* after scaling */
};

/* Build from after and, when before is not NULL, before. reverse flips
 * every stack; normalize scales BEFORE to AFTER's total. The profiles must
 * outlive the tree. Returns 0 or -errno; -ENODATA
 * when after has no samples. */
int flame_tree_build(struct flame_tree *t, const struct profile *after,
		     const struct profile *before, bool reverse, bool normalize);
void flame_tree_free(struct flame_tree *t);

/* Self samples of node i (value minus children). */
uint64_t flame_tree_self(const struct flame_tree *t, size_t i);

#endif
