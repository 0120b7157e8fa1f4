// SPDX-License-Identifier: GPL-2.0
/* Which JVM this is, from its own vmStructs (Abstract_VM_Version's
 * statics: JDK_Version, which older tools read, is gone since JDK 22).
 * Used for messages, and for the one layout difference vmStructs does not
 * show: the UNSIGNED5 coding of compressed streams (JDK 20). */
#ifndef TMPROF_SYMBOLIZE_HOTSPOT_VERSION_H
#define TMPROF_SYMBOLIZE_HOTSPOT_VERSION_H

#include <stddef.h>

#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* Abstract_VM_Version::_vm_major_version (17, 21, 25...). -ENOENT if the
 * entry is missing, -EINVAL if the value is not a plausible version. */
int hotspot_vm_major(const struct mem_reader *mem, const struct vmstructs *vs, int *major);

/* Abstract_VM_Version::_s_vm_release ("21.0.13+9-Debian-1deb13u2"), or
 * "JDK <major>", or "unknown JDK": always a string in buf. */
void hotspot_vm_release(const struct mem_reader *mem, const struct vmstructs *vs, char *buf,
			size_t len);

/* 1 when the JVM's compressed streams (debug info, line number tables)
 * use the JDK 20+ UNSIGNED5 coding, which excludes the zero byte; 0 for
 * the older coding. HotSpot exports nothing that shows the coding, so this
 * goes by the major version; an unreadable version means the older one. */
unsigned hotspot_u5_excluded(const struct mem_reader *mem, const struct vmstructs *vs);

#endif
