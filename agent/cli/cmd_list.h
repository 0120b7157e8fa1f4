// SPDX-License-Identifier: GPL-2.0
/* tmprof list: the JVMs on this host and which of them are TaskManagers. */
#ifndef TMPROF_AGENT_CMD_LIST_H
#define TMPROF_AGENT_CMD_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "agent/jvm/java_source.h"
#include "agent/jvm/jvm_info.h"

int cmd_list(int argc, char **argv);

/* The table (or with json, a JSON array) for jvms; all adds the NSPID, UID,
 * ATTACH and RESOURCE-ID columns. src[i] (NULL: none probed) says where
 * jvms[i]'s Java frames come from (JAVA column; below the table, why for
 * those that are not hotspot). Returns 0 or -EIO if out failed. */
int cmd_list_print(FILE *out, const struct jvm_info *jvms, const struct java_source_info *src,
		   size_t count, bool json, bool all);

#endif
