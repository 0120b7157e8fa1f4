// SPDX-License-Identifier: GPL-2.0
#include "symbolize/vdso.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Our own [vdso] mapping from /proc/self/maps: its size is not in auxv.
 * 0 with start < end, or -errno with both 0. */
static int own_vdso(uint64_t *start, uint64_t *end)
{
	char line[512];
	FILE *f;
	int err = -ENOENT;

	*start = *end = 0;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "[vdso]"))
			continue;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, start, end) == 2 && *end > *start)
			err = 0;
		else
			*start = *end = 0;
		break;
	}
	fclose(f);
	return err;
}

int vdso_image_fd(void)
{
	uint64_t start, end;
	size_t len, done = 0;
	int fd, err;

	err = own_vdso(&start, &end);
	if (err)
		return err;
	fd = memfd_create("tmprof-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = (size_t)(end - start);
	while (done < len) {
		ssize_t n = write(fd, (const char *)(uintptr_t)start + done, len - done);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			close(fd);
			return err;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
