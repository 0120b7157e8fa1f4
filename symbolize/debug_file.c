// SPDX-License-Identifier: GPL-2.0
/* Separate debug files, looked up the way gdb does:
 *   1. DEBUGROOT/.build-id/ab/cdef....debug (build-id of the stripped file)
 *   2. .gnu_debuglink NAME in the file's directory, in DIR/.debug/, and in
 *      DEBUGROOT/DIR/ (DIR = directory of the stripped file).
 * DEBUGROOT is the host's /usr/lib/debug and then the target's own (a
 * container may ship its debug packages). A candidate is accepted only if
 * it provably belongs to the file: same build-id, or matching CRC.
 */
#include "symbolize/debug_file.h"

#include "symbolize/safe_open.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_DEBUG_ROOT "/usr/lib/debug"
#define BUILD_ID_MAX 64

static char debug_root[PATH_MAX] = DEFAULT_DEBUG_ROOT;

void debug_file_set_root(const char *dir)
{
	snprintf(debug_root, sizeof(debug_root), "%s", dir ? dir : DEFAULT_DEBUG_ROOT);
}

int debug_file_build_id(Elf *elf, uint8_t *buf, size_t cap)
{
	const void *id = NULL;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);

	if (len < 0)
		return -EINVAL;
	if (len == 0 || !id)
		return 0;
	if ((size_t)len > cap)
		return -EINVAL;
	memcpy(buf, id, (size_t)len);
	return (int)len;
}

/* 0 and *crc set, or -errno (*crc then 0, never left unset). */
int debug_file_crc32(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong value = crc32(0L, Z_NULL, 0);
	off_t off = 0;

	*crc = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		value = crc32(value, buf, (uInt)n);
		off += n;
	}
	*crc = (uint32_t)value;
	return 0;
}

/* Build-id of the ELF file on fd: its length, 0 when it has none, or
 * -EINVAL when the file is not ELF. */
static int fd_build_id(int fd, uint8_t *buf, size_t cap)
{
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	int n;

	if (!elf)
		return -EINVAL;
	n = elf_kind(elf) == ELF_K_ELF ? debug_file_build_id(elf, buf, cap) : -EINVAL;
	elf_end(elf);
	return n;
}

static int try_build_id(pid_t pid, const char *root, const uint8_t *id, size_t len)
{
	uint8_t other[BUILD_ID_MAX];
	char path[PATH_MAX];
	size_t pos;
	int fd, n;

	pos = (size_t)snprintf(path, sizeof(path), "%s/.build-id/%02x/", root, id[0]);
	for (size_t i = 1; i < len && pos + 3 < sizeof(path); i++)
		pos += (size_t)snprintf(path + pos, sizeof(path) - pos, "%02x", id[i]);
	if (pos + sizeof(".debug") > sizeof(path))
		return -ENAMETOOLONG;
	strcat(path, ".debug");
	fd = safe_open_follow(pid, path, SAFE_OPEN_ANY_OWNER);
	if (fd < 0)
		return fd;
	n = fd_build_id(fd, other, sizeof(other));
	if (n <= 0 || (size_t)n != len || memcmp(other, id, len) != 0) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static int try_debuglink(pid_t pid, const char *path, uint32_t crc, const uint8_t *id,
			 size_t id_len)
{
	uint8_t other[BUILD_ID_MAX];
	uint32_t actual;
	int fd, n, ret = -ENOENT;

	fd = safe_open_follow(pid, path, SAFE_OPEN_ANY_OWNER);
	if (fd < 0)
		return fd;
	if (debug_file_crc32(fd, &actual) < 0 || actual != crc)
		goto cleanup;
	/* A matching CRC is the proof gdb accepts, but a debug file that
	 * carries a different build-id matched by accident. */
	n = fd_build_id(fd, other, sizeof(other));
	if (n < 0 || (n > 0 && id_len && ((size_t)n != id_len || memcmp(other, id, id_len) != 0)))
		goto cleanup;
	ret = fd;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The debuglink name is read from an untrusted file: a plain file name. */
static bool debuglink_name_ok(const char *name)
{
	return name && name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) < NAME_MAX;
}

static int find_by_debuglink(Elf *elf, pid_t pid, const char *path, const uint8_t *id,
			     size_t id_len)
{
	char dir[PATH_MAX], cand[PATH_MAX];
	GElf_Word crc = 0;
	const char *name = dwelf_elf_gnu_debuglink(elf, &crc);
	const char *slash;
	int fd;

	if (!debuglink_name_ok(name) || !path || path[0] != '/')
		return -ENOENT;
	slash = strrchr(path, '/');
	if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';

	/* Same directory and its .debug/ live with the file: the target's root. */
	if (snprintf(cand, sizeof(cand), "%s/%s", dir, name) < (int)sizeof(cand) &&
	    strcmp(cand, path) != 0) {
		fd = try_debuglink(pid, cand, crc, id, id_len);
		if (fd >= 0)
			return fd;
	}
	if (snprintf(cand, sizeof(cand), "%s/.debug/%s", dir, name) < (int)sizeof(cand)) {
		fd = try_debuglink(pid, cand, crc, id, id_len);
		if (fd >= 0)
			return fd;
	}
	if (snprintf(cand, sizeof(cand), "%s%s/%s", debug_root, dir, name) < (int)sizeof(cand)) {
		fd = try_debuglink(0, cand, crc, id, id_len);
		if (fd >= 0)
			return fd;
	}
	if (pid > 0 &&
	    snprintf(cand, sizeof(cand), DEFAULT_DEBUG_ROOT "%s/%s", dir, name) < (int)sizeof(cand)) {
		fd = try_debuglink(pid, cand, crc, id, id_len);
		if (fd >= 0)
			return fd;
	}
	return -ENOENT;
}

int debug_file_open(Elf *elf, pid_t pid, const char *path, enum debug_file_via *via)
{
	uint8_t id[BUILD_ID_MAX];
	int id_len = debug_file_build_id(elf, id, sizeof(id));
	int fd;

	if (id_len < 0)
		id_len = 0;
	if (id_len >= 2) {
		fd = try_build_id(0, debug_root, id, (size_t)id_len);
		if (fd < 0 && pid > 0)
			fd = try_build_id(pid, DEFAULT_DEBUG_ROOT, id, (size_t)id_len);
		if (fd >= 0) {
			*via = DEBUG_FILE_BUILD_ID;
			return fd;
		}
	}
	fd = find_by_debuglink(elf, pid, path, id, (size_t)id_len);
	if (fd >= 0)
		*via = DEBUG_FILE_DEBUGLINK;
	return fd;
}
