// SPDX-License-Identifier: GPL-2.0
/* `tmprof leak` (record), `tmprof leak report` and `tmprof jeprof`. */
#ifndef TMPROF_AGENT_CMD_LEAK_H
#define TMPROF_AGENT_CMD_LEAK_H

int cmd_leak(int argc, char **argv);
int cmd_jeprof(int argc, char **argv);

#endif
