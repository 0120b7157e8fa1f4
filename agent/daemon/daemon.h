// SPDX-License-Identifier: GPL-2.0
/* `tmprof daemon`: continuous profiling of every TaskManager on the host.
 *
 * One session (one set of BPF collectors) serves all TaskManagers; a
 * discovery scan every few seconds adds new ones to it, and at the end of
 * each period the profiles are written per TaskManager, TaskManagers that
 * exited are dropped with their caches, and retention runs. The main loop
 * is single-threaded: poll() on the metrics server with a timeout of at
 * most one second drives everything. */
#ifndef TMPROF_AGENT_DAEMON_H
#define TMPROF_AGENT_DAEMON_H

#include <stdbool.h>

/* Discovery interval: how soon a new TaskManager is profiled. */
#define DAEMON_DISCOVERY_MS 2000

/* Runs until SIGTERM / SIGINT (after flushing the current period); SIGHUP
 * reloads the configuration. categories_path: --categories FILE, or NULL
 * for the default category rules. Returns an exit code (exit_codes.h). */
int daemon_run(const char *config_path, const char *categories_path);

#endif
