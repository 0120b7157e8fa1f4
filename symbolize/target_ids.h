// SPDX-License-Identifier: GPL-2.0
/* The ids under which a target sees itself, for its perf map file name. */
#ifndef TMPROF_SYMBOLIZE_TARGET_IDS_H
#define TMPROF_SYMBOLIZE_TARGET_IDS_H

#include <stddef.h>
#include <sys/types.h>

struct target_ids {
	pid_t nspid; /* pid in its innermost pid namespace (last NSpid field) */
	uid_t euid;
};

/* Parse the text of /proc/PID/status. -EINVAL if Uid: is missing; without
 * an NSpid: line (old kernels) nspid is the Pid: field. */
int target_ids_parse(const char *text, size_t len, struct target_ids *out);
/* Read /proc/PID/status. -ESRCH if the process is gone. */
int target_ids_read(pid_t pid, struct target_ids *out);

#endif
