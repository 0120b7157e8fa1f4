// SPDX-License-Identifier: GPL-2.0
#ifndef TMPROF_AGENT_CMD_TOP_H
#define TMPROF_AGENT_CMD_TOP_H

/* `tmprof top`: the live operator table. argv[0] is "top". */
int cmd_top(int argc, char **argv);
/* `tmprof report PROFILE`: the same table for a finished recording. */
int cmd_report(int argc, char **argv);

#endif
