// SPDX-License-Identifier: GPL-2.0
/* Opening files that other users can write (/tmp, a target's root) safely. */
#ifndef TMPROF_SYMBOLIZE_SAFE_OPEN_H
#define TMPROF_SYMBOLIZE_SAFE_OPEN_H

#include <stdbool.h>
#include <sys/types.h>

/* Open path (relative, e.g. "tmp/perf-42.map") inside the root directory of
 * process pid (/proc/PID/root), without following any symlink
 * (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT), read-only. The file must be
 * a regular file owned by owner_uid or by root. Returns an fd or -errno
 * (-ELOOP symlink, -EPERM wrong owner, -EINVAL not a regular file). */
int safe_open_in_root(pid_t pid, const char *path, uid_t owner_uid);

/* Same checks for an absolute path on the host (dirfd AT_FDCWD). */
int safe_open_path(const char *path, uid_t owner_uid);

/* Read a whole file descriptor into a malloc'd NUL-terminated buffer of at
 * most max_bytes (-EFBIG if larger). Closes nothing. */
int read_fd_all(int fd, size_t max_bytes, char **buf, size_t *len);

/* Additions beyond the original interface. */

/* owner_uid value that accepts any owner (files of a target's libraries). */
#define SAFE_OPEN_ANY_OWNER ((uid_t)-1)

/* Open a regular file for reading inside the root of process pid, following
 * symlinks but never out of that root (RESOLVE_IN_ROOT, no magic links).
 * pid 0 means the host root. Used for a target's libraries and debug files,
 * whose directories may contain symlinks (/lib -> usr/lib). */
int safe_open_follow(pid_t pid, const char *path, uid_t owner_uid);

/* Open a magic link such as /proc/PID/map_files/START-END (which must be
 * followed) for reading, but only if it leads to a regular file. */
int safe_open_magic(const char *path);

/* Testing: resolve paths with the userspace walk used when the kernel (or
 * valgrind) has no openat2, instead of openat2. */
void safe_open_force_fallback(bool on);

#endif
