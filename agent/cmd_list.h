/* tmprof list: the JVMs on this host and which of them are TaskManagers. */
#ifndef TMPROF_AGENT_CMD_LIST_H
#define TMPROF_AGENT_CMD_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "agent/jvm_info.h"

int cmd_list(int argc, char **argv);

/* The table (or with json, a JSON array) for jvms; all adds the NSPID, UID,
 * ATTACH and RESOURCE-ID columns. Returns 0 or -EIO if out failed. */
int cmd_list_print(FILE *out, const struct jvm_info *jvms, size_t count, bool json, bool all);

#endif
