// SPDX-License-Identifier: GPL-2.0
#ifndef TMPROF_AGENT_CMD_RECORD_H
#define TMPROF_AGENT_CMD_RECORD_H

/* argv[0] is "record". Returns an exit code (exit_codes.h). */
int cmd_record(int argc, char **argv);

#endif
