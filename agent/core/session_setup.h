// SPDX-License-Identifier: GPL-2.0
/* What `record`, `top`, `leak` and the daemon share: picking targets and
 * starting a session, with the one-line errors and exit codes of
 * exit_codes.h. */
#ifndef TMPROF_AGENT_SESSION_SETUP_H
#define TMPROF_AGENT_SESSION_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct session;

/* Root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_PTRACE to read other users'
 * processes), or CAP_SYS_ADMIN: checked first so that a user without them
 * gets one line and EXIT_NO_BPF, not a cascade of permission errors. */
int session_setup_privileges(void);

/* -a adds at most this many TaskManagers (record's -p takes as many). */
#define SESSION_SETUP_MAX_TARGETS 256

/* Add -p PIDs, or every TaskManager when all_taskmanagers. Returns an exit
 * code: EXIT_NO_TARGET when a PID does not exist or no TaskManager runs. */
int session_setup_targets(struct session *s, const pid_t *pids, size_t npids, bool all_taskmanagers);

/* session_start, with BPF failures as EXIT_NO_BPF and one warning line per
 * JVM that lacks frame pointers or refused attach. */
int session_setup_start(struct session *s);

struct state_rules;
/* --rules FILE, or Flink's defaults when path is NULL; EXIT_USAGE with the
 * file and line on a bad file. */
int session_setup_rules(const char *path, struct state_rules *rules);

struct category_rules;
/* --categories FILE, or the defaults when path is NULL; EXIT_USAGE with
 * the file and line on a bad file. */
int session_setup_categories(const char *path, struct category_rules *rules);

/* Routes libbpf's own messages to -v only. */
void session_setup_quiet_libbpf(void);

/* True if any target exited or its JVM could not be attached. */
bool session_setup_incomplete(const struct session *s);
/* TMPROF_CULPRITS=off: culprit tracking off, as --no-culprits (the switch
 * the wall benchmark measures its cost with). */
bool session_setup_culprits_off(void);

#endif
