// SPDX-License-Identifier: GPL-2.0
/* Opening files in directories that other users control.
 *
 * Everything is first opened with O_PATH, checked with fstat, and only then
 * reopened for reading through /proc/self/fd. An O_PATH open has no side
 * effects, so a FIFO planted at /tmp/perf-PID.map cannot block us and a
 * device node cannot be triggered; the reopen goes to the very inode that
 * passed the checks, so nothing can be swapped in between.
 */
#include "symbolize/safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WALK_MAX_LINKS 40

/* Next component of *rest into comp; false at the end. */
static bool component_next(const char **rest, char *comp, size_t len)
{
	const char *p = *rest, *end;

	while (*p == '/')
		p++;
	if (!*p)
		return false;
	end = strchrnul(p, '/');
	if ((size_t)(end - p) >= len)
		return false;
	memcpy(comp, p, (size_t)(end - p));
	comp[end - p] = '\0';
	*rest = end;
	return true;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Resolve path below dirfd one component at a time, the way openat2 with
 * RESOLVE_IN_ROOT does, for kernels before 5.6 and for valgrind, which do
 * not know openat2. Symlinks are refused unless follow; followed ones are
 * read as text and resolved again inside the root, ".." stops at the root.
 * Returns an O_PATH fd. */
static int walk_in_root(int dirfd, const char *path, bool follow)
{
	char buf[2][PATH_MAX], comp[NAME_MAX + 1];
	const char *rest;
	int cur, next = -1, links = 0, which = 0, ret;

	if (snprintf(buf[0], sizeof(buf[0]), "%s", path) >= (int)sizeof(buf[0]))
		return -ENAMETOOLONG;
	rest = buf[0];
	cur = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	while (component_next(&rest, comp, sizeof(comp))) {
		struct stat sb;

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0 && same_file(cur, dirfd))
			continue;
		next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 || fstat(next, &sb) < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (S_ISLNK(sb.st_mode)) {
			char target[PATH_MAX];
			ssize_t n;

			if (!follow || ++links > WALK_MAX_LINKS) {
				ret = -ELOOP;
				goto cleanup;
			}
			n = readlinkat(next, "", target, sizeof(target) - 1);
			if (n < 0) {
				ret = -errno;
				goto cleanup;
			}
			target[n] = '\0';
			/* Continue with "target/rest", from the root if absolute. */
			which ^= 1;
			if (snprintf(buf[which], sizeof(buf[which]), "%s/%s", target, rest) >=
			    (int)sizeof(buf[which])) {
				ret = -ENAMETOOLONG;
				goto cleanup;
			}
			rest = buf[which];
			close(next);
			next = -1;
			if (target[0] == '/') {
				close(cur);
				cur = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (cur < 0)
					return -errno;
			}
			continue;
		}
		close(cur);
		cur = next;
		next = -1;
	}
	return cur;
cleanup:
	if (next >= 0)
		close(next);
	close(cur);
	return ret;
}

static bool force_walk;

void safe_open_force_fallback(bool on)
{
	force_walk = on;
}

static int walk_fallback(int dirfd, const char *path, uint64_t resolve)
{
	bool follow = !(resolve & RESOLVE_NO_SYMLINKS);
	int root, fd;

	if (dirfd != AT_FDCWD || path[0] != '/')
		return walk_in_root(dirfd, path, follow);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = walk_in_root(root, path, follow);
	close(root);
	return fd;
}

static int openat2_path(int dirfd, const char *path, uint64_t resolve)
{
	struct open_how how;
	long fd;

	if (force_walk)
		return walk_fallback(dirfd, path, resolve);
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = resolve;
	do {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && (errno == EINTR || errno == EAGAIN));
	if (fd < 0 && errno == ENOSYS)
		return walk_fallback(dirfd, path, resolve);
	if (fd < 0)
		return -errno;
	return (int)fd;
}

/* Check the O_PATH fd and reopen it read-only. Consumes pathfd. */
static int reopen_checked(int pathfd, uid_t owner_uid)
{
	char self[64];
	struct stat st;
	int fd = -1;

	if (fstat(pathfd, &st) < 0) {
		fd = -errno;
		goto cleanup;
	}
	if (S_ISLNK(st.st_mode)) {
		fd = -ELOOP;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		fd = -EINVAL;
		goto cleanup;
	}
	if (owner_uid != SAFE_OPEN_ANY_OWNER && st.st_uid != owner_uid && st.st_uid != 0) {
		fd = -EPERM;
		goto cleanup;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pathfd);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
cleanup:
	close(pathfd);
	return fd;
}

static const char *skip_slashes(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static int open_in_root(pid_t pid, const char *path, uid_t owner_uid, uint64_t resolve)
{
	char root[64];
	int dirfd, pathfd;

	if (!path || !*skip_slashes(path))
		return -EINVAL;
	if (pid > 0)
		snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	else
		snprintf(root, sizeof(root), "/");
	/* /proc/PID/root itself is a magic link and must be followed: it is
	 * the target's root as the kernel sees it, even in another mount
	 * namespace. Everything below it is resolved by openat2. */
	dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	pathfd = openat2_path(dirfd, skip_slashes(path), resolve);
	close(dirfd);
	if (pathfd < 0)
		return pathfd;
	return reopen_checked(pathfd, owner_uid);
}

int safe_open_in_root(pid_t pid, const char *path, uid_t owner_uid)
{
	return open_in_root(pid, path, owner_uid,
			    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int safe_open_follow(pid_t pid, const char *path, uid_t owner_uid)
{
	int pathfd;

	if (pid > 0)
		return open_in_root(pid, path, owner_uid, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (!path || path[0] != '/')
		return -EINVAL;
	/* O_NOFOLLOW in openat2_path only concerns the last component; let
	 * symlinks in the middle and at the end resolve on the host. */
	pathfd = open(path, O_PATH | O_CLOEXEC);
	if (pathfd < 0)
		return -errno;
	return reopen_checked(pathfd, owner_uid);
}

int safe_open_path(const char *path, uid_t owner_uid)
{
	int pathfd;

	if (!path || !*path)
		return -EINVAL;
	pathfd = openat2_path(AT_FDCWD, path, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (pathfd < 0)
		return pathfd;
	return reopen_checked(pathfd, owner_uid);
}

int safe_open_magic(const char *path)
{
	int pathfd;

	if (!path || !*path)
		return -EINVAL;
	pathfd = open(path, O_PATH | O_CLOEXEC);
	if (pathfd < 0)
		return -errno;
	return reopen_checked(pathfd, SAFE_OPEN_ANY_OWNER);
}

int read_fd_all(int fd, size_t max_bytes, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *data, *bigger;
	ssize_t n;
	int ret = 0;

	*buf = NULL;
	*len = 0;
	data = malloc(cap);
	if (!data)
		return -ENOMEM;
	for (;;) {
		/* Keep one byte for the terminating NUL. */
		if (used + 1 >= cap) {
			if (cap > max_bytes + 1) {
				ret = -EFBIG;
				goto cleanup;
			}
			cap *= 2;
			if (cap > max_bytes + 2)
				cap = max_bytes + 2;
			bigger = realloc(data, cap);
			if (!bigger) {
				ret = -ENOMEM;
				goto cleanup;
			}
			data = bigger;
		}
		n = read(fd, data + used, cap - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max_bytes) {
			ret = -EFBIG;
			goto cleanup;
		}
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	data = NULL;
cleanup:
	free(data);
	return ret;
}
