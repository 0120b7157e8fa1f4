// SPDX-License-Identifier: GPL-2.0
/* Extra entry points of the symbolizer for tests and diagnostics. */
#ifndef TMPROF_SYMBOLIZE_SYMBOLIZER_HOOKS_H
#define TMPROF_SYMBOLIZE_SYMBOLIZER_HOOKS_H

#include "symbolize/symbolizer.h"

/* Load a perf map from an explicit host path (owned by the caller's euid or
 * root, no symlinks), with the same merge rules as
 * process_symbolizer_load_perf_map. */
int process_symbolizer_load_perf_map_file(struct process_symbolizer *ps, const char *path);

/* Minimum time between two re-reads of /proc/PID/maps (default 1000 ms). */
void process_symbolizer_set_maps_interval(struct process_symbolizer *ps, unsigned int ms);

#endif
