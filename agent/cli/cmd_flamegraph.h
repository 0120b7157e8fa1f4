// SPDX-License-Identifier: GPL-2.0
/* tmprof flamegraph and tmprof diff: folded stacks to an SVG or an
 * interactive HTML flame graph, and differential flame graphs. */
#ifndef TMPROF_AGENT_CMD_FLAMEGRAPH_H
#define TMPROF_AGENT_CMD_FLAMEGRAPH_H

/* tmprof flamegraph IN.folded -o OUT.svg|OUT.html [options] */
int cmd_flamegraph(int argc, char **argv);
/* tmprof diff BEFORE.folded AFTER.folded -o OUT.svg|OUT.html [--normalize] [options] */
int cmd_diff(int argc, char **argv);

#endif
