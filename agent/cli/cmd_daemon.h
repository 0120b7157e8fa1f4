// SPDX-License-Identifier: GPL-2.0
#ifndef TMPROF_AGENT_CMD_DAEMON_H
#define TMPROF_AGENT_CMD_DAEMON_H

/* `tmprof daemon --config FILE [--check] [-v]`. argv[0] is "daemon". */
int cmd_daemon(int argc, char **argv);

#endif
