// SPDX-License-Identifier: GPL-2.0
#include "agent/core/capabilities.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

int capabilities_effective(uint64_t *mask)
{
	/* Version 3 returns two 32-bit words: caps 0-31 and 32-63. glibc has
	 * no wrapper, and libcap is not worth a dependency for one call. */
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*mask = (uint64_t)data[0].effective | (uint64_t)data[1].effective << 32;
	return 0;
}

bool capabilities_has(uint64_t mask, int cap)
{
	return cap >= 0 && cap < 64 && (mask >> cap & 1);
}
