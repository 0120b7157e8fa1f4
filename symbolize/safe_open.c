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
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int openat2_path(int dirfd, const char *path, uint64_t resolve)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = resolve;
	do {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && (errno == EINTR || errno == EAGAIN));
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
