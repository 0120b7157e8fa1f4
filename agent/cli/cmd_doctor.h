// SPDX-License-Identifier: GPL-2.0
/* tmprof doctor: what works on this host, one line per item with ✔ or ✘
 * and the fix. The first command to run on a new fleet: kernel and BTF,
 * privileges, perf events, tracefs, uprobes, whether each event kind's BPF
 * objects load here, and per JVM: attach, Java frames, full thread names. */
#ifndef TMPROF_AGENT_CMD_DOCTOR_H
#define TMPROF_AGENT_CMD_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

int cmd_doctor(int argc, char **argv);

/* Pure, for tests: is a tracefs mounted, per the text of a
 * /proc/self/mountinfo? Its mount point goes to at. */
bool doctor_tracefs_in_mountinfo(const char *mountinfo, char *at, size_t len);

#endif
