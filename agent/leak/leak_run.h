// SPDX-License-Identifier: GPL-2.0
/* `tmprof leak -p PID`: trace one process's allocator until stopped and
 * write a snapshot every interval (and a last one at the end). */
#ifndef TMPROF_AGENT_LEAK_RUN_H
#define TMPROF_AGENT_LEAK_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct leak_run_options {
	pid_t pid;
	const char *dir;
	uint64_t interval_ms;
	uint64_t period;       /* sampling period in bytes, 0: every allocation */
	uint32_t max_tracked;  /* live table bound */
	size_t keep;           /* snapshots kept, 0: no limit */
	uint64_t max_bytes;    /* bytes of snapshots kept, 0: no limit */
	uint64_t duration_ms;  /* stop after this long, 0: until a signal */
	int stats;             /* print agent CPU/RSS at the end */
};

/* Returns an exit code (exit_codes.h); errors are printed. */
int leak_run(const struct leak_run_options *o);

#endif
