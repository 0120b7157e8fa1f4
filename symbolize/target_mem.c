// SPDX-License-Identifier: GPL-2.0
#include "symbolize/target_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int read_pid(void *ctx, uint64_t addr, void *buf, size_t len)
{
	pid_t pid = (pid_t)(intptr_t)ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

struct mem_reader mem_reader_for_pid(pid_t pid)
{
	return (struct mem_reader){ read_pid, (void *)(intptr_t)pid };
}

static int read_self(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (!addr)
		return -EFAULT;
	/* Through the kernel, as for a target: mem_read_string reads 16-byte
	 * chunks that may run past the end of the object holding the string,
	 * which a memcpy must not do (ASan: global-buffer-overflow), and an
	 * unmapped address gives -EFAULT instead of SIGSEGV. */
	return read_pid((void *)(intptr_t)getpid(), addr, buf, len);
}

struct mem_reader mem_reader_self(void)
{
	return (struct mem_reader){ read_self, NULL };
}

int mem_read_u64(const struct mem_reader *m, uint64_t addr, uint64_t *out)
{
	return m->read(m->ctx, addr, out, sizeof(*out));
}

int mem_read_string(const struct mem_reader *m, uint64_t addr, char *buf, size_t max)
{
	size_t done = 0;

	/* Small chunks that never cross a 4 KiB boundary (every page size is a
	 * multiple of it): a string may end right before an unmapped page, and
	 * a read reaching into that page fails whole. */
	while (done + 1 < max) {
		uint64_t at = addr + done;
		size_t to_page = 4096 - (size_t)(at & 4095);
		size_t chunk = max - 1 - done < 16 ? max - 1 - done : 16;
		int err;
		char *nul;

		if (chunk > to_page)
			chunk = to_page;
		err = m->read(m->ctx, at, buf + done, chunk);

		if (err)
			return err;
		nul = memchr(buf + done, '\0', chunk);
		if (nul)
			return 0;
		done += chunk;
	}
	buf[max - 1] = '\0';
	return -ENAMETOOLONG;
}
