// SPDX-License-Identifier: GPL-2.0
/* What `record` and `top` share: picking targets and starting a session,
 * with the one-line errors and exit codes of exit_codes.h. */
#ifndef TMPROF_AGENT_CLI_COMMON_H
#define TMPROF_AGENT_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct session;

/* Root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_PTRACE to read other users'
 * processes), or CAP_SYS_ADMIN: checked first so that a user without them
 * gets one line and EXIT_NO_BPF, not a cascade of permission errors. */
int cli_check_privileges(void);

/* Add -p PIDs, or every TaskManager when all_taskmanagers. Returns an exit
 * code: EXIT_NO_TARGET when a PID does not exist or no TaskManager runs. */
int cli_add_targets(struct session *s, const pid_t *pids, size_t npids, bool all_taskmanagers);

/* session_start, with BPF failures as EXIT_NO_BPF and one warning line per
 * JVM that lacks frame pointers or refused attach. */
int cli_start_session(struct session *s);

struct state_rules;
/* --rules FILE, or Flink's defaults when path is NULL; EXIT_USAGE with the
 * file and line on a bad file. */
int cli_load_rules(const char *path, struct state_rules *rules);

struct category_rules;
/* --categories FILE, or the defaults when path is NULL; EXIT_USAGE with
 * the file and line on a bad file. */
int cli_load_categories(const char *path, struct category_rules *rules);

/* Routes libbpf's own messages to -v only. */
void cli_quiet_libbpf(void);

/* True if any target exited or its JVM could not be attached. */
bool cli_session_incomplete(const struct session *s);
/* TMPROF_CULPRITS=off: culprit tracking off, as --no-culprits (the switch
 * the wall benchmark measures its cost with). */
bool cli_culprits_off(void);

#endif
