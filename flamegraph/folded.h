// SPDX-License-Identifier: GPL-2.0
/* flamegraph.pl-compatible folded stacks: "root;...;leaf count\n". */
#ifndef TMPROF_FLAMEGRAPH_FOLDED_H
#define TMPROF_FLAMEGRAPH_FOLDED_H

#include <stdio.h>

struct profile;

/* Write stacks sorted by their text, so equal profiles give equal files. */
int folded_write(const struct profile *p, FILE *out);
/* Write to path atomically (see atomic_file.h). */
int folded_write_file(const struct profile *p, const char *path);

#endif
