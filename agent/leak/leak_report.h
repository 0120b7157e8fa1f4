// SPDX-License-Identifier: GPL-2.0
/* `tmprof leak report` and `tmprof jeprof`: growth between two snapshots
 * (or two jemalloc heap profiles) as a table, folded stacks or a
 * differential flame graph. */
#ifndef TMPROF_AGENT_LEAK_REPORT_H
#define TMPROF_AGENT_LEAK_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct leak_report_options {
	const char *output; /* NULL: table only; .folded, .svg, .html */
	size_t top;         /* table rows */
	size_t depth;       /* frames per row, 0: all */
};

/* Growth from the snapshot at or after from_ms to the one at or before
 * to_ms in dir. Returns an exit code; errors are printed. */
int leak_report_dir(const char *dir, int64_t from_ms, int64_t to_ms,
		    const struct leak_report_options *o);

/* One heap profile: its live bytes; two: the growth from the first to the
 * second. Frames are named from the live process pid (its ELF files and
 * JVM perf map). Returns an exit code. */
int leak_report_jeprof(const char *const *files, size_t nfiles, pid_t pid,
		       const struct leak_report_options *o);

#endif
