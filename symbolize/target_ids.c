// SPDX-License-Identifier: GPL-2.0
/* Reading NSpid and the effective uid from /proc/PID/status. The symbolizer
 * keeps its own small parser so that symbolize/ does not depend on agent/. */
#include "symbolize/target_ids.h"

#include "symbolize/safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parse up to max decimal fields after the "Key:" prefix. */
static size_t fields_parse(const char *p, const char *end, unsigned long long *v, size_t max)
{
	size_t n = 0;

	while (p < end && n < max) {
		unsigned long long x = 0;
		bool digits = false;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (x > (unsigned long long)INT32_MAX * 2)
				return 0;
			x = x * 10 + (unsigned long long)(*p - '0');
			digits = true;
			p++;
		}
		if (!digits)
			break;
		v[n++] = x;
	}
	return n;
}

int target_ids_parse(const char *text, size_t len, struct target_ids *out)
{
	bool have_uid = false, have_nspid = false, have_pid = false;
	unsigned long long v[32];
	size_t pos = 0, n;
	pid_t pid = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		const char *end = nl ? nl : text + len;

		pos = (size_t)(end - text) + 1;
		if (end - line > 4 && strncmp(line, "Pid:", 4) == 0) {
			n = fields_parse(line + 4, end, v, 1);
			if (n == 1 && v[0] <= INT32_MAX) {
				pid = (pid_t)v[0];
				have_pid = true;
			}
		} else if (end - line > 6 && strncmp(line, "NSpid:", 6) == 0) {
			n = fields_parse(line + 6, end, v, 32);
			if (n > 0 && v[n - 1] <= INT32_MAX) {
				out->nspid = (pid_t)v[n - 1];
				have_nspid = true;
			}
		} else if (end - line > 4 && strncmp(line, "Uid:", 4) == 0) {
			n = fields_parse(line + 4, end, v, 4);
			if (n >= 2 && v[1] <= UINT32_MAX - 1) {
				out->euid = (uid_t)v[1];
				have_uid = true;
			}
		}
	}
	if (!have_uid || (!have_nspid && !have_pid))
		return -EINVAL;
	if (!have_nspid)
		out->nspid = pid;
	return 0;
}

int target_ids_read(pid_t pid, struct target_ids *out)
{
	char path[64], *text = NULL;
	size_t len = 0;
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ret = read_fd_all(fd, 1u << 20, &text, &len);
	close(fd);
	if (ret < 0)
		goto cleanup;
	ret = target_ids_parse(text, len, out);
cleanup:
	free(text);
	return ret;
}
