// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary lives in the destination's directory so rename() is atomic
 * (same file system), and is hidden (leading dot) while incomplete. */
static char *temp_template(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	size_t n = dirlen + strlen(base) + sizeof(".tmprof-.XXXXXX") + 1;
	char *t = malloc(n);

	if (!t)
		return NULL;
	memcpy(t, path, dirlen);
	snprintf(t + dirlen, n - dirlen, ".%s.tmprof-XXXXXX", base);
	return t;
}

int atomic_file_open(struct atomic_file *af, const char *path)
{
	int fd = -1, err;

	memset(af, 0, sizeof(*af));
	if (!path || !*path || path[strlen(path) - 1] == '/')
		return -EISDIR;
	af->path = strdup(path);
	af->tmp_path = temp_template(path);
	if (!af->path || !af->tmp_path) {
		err = -ENOMEM;
		goto fail;
	}
	/* mkostemp opens with O_CREAT|O_EXCL: an existing file or symlink at
	 * the temporary name makes it pick another name, never follow it. */
	fd = mkostemp(af->tmp_path, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	if (fchmod(fd, 0644) < 0) {
		err = -errno;
		goto fail_unlink;
	}
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		err = -errno;
		goto fail_unlink;
	}
	return 0;
fail_unlink:
	unlink(af->tmp_path);
	close(fd);
fail:
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof(*af));
	return err;
}

/* The rename is durable only once the directory holding the new entry is
 * on disk: without this a crash after commit can bring back the old file
 * (or none). File systems that cannot fsync a directory say EINVAL. */
static int dir_sync(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int fd, err = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* EINVAL: a file system that cannot sync a directory; nothing to do. */
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

int atomic_file_commit(struct atomic_file *af)
{
	int err = 0;

	if (!af->fp)
		return -EBADF;
	if (fflush(af->fp) != 0 || ferror(af->fp))
		err = -(errno ? errno : EIO);
	else if (fsync(fileno(af->fp)) < 0)
		err = -errno;
	if (fclose(af->fp) != 0 && !err)
		err = -(errno ? errno : EIO);
	af->fp = NULL;
	if (!err && rename(af->tmp_path, af->path) < 0)
		err = -errno;
	if (err)
		unlink(af->tmp_path);
	else
		err = dir_sync(af->path);
	free(af->path);
	free(af->tmp_path);
	af->path = af->tmp_path = NULL;
	return err;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (af->fp) {
		fclose(af->fp);
		af->fp = NULL;
	}
	if (af->tmp_path)
		unlink(af->tmp_path);
	free(af->path);
	free(af->tmp_path);
	af->path = af->tmp_path = NULL;
}
