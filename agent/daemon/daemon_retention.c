// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon_retention.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/core/log.h"

struct ret_file {
	char name[64];
	time_t mtime;
	uint64_t size;
};

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Length of the name's "<YYYYMMDD>T<HHMMSS>Z[-N][.alloc].pb.gz|.folded"
 * prefix up to the end of the extension, or 0. */
static size_t output_name_len(const char *name)
{
	static const char *const exts[] = { ".pb.gz", ".folded", ".alloc.pb.gz", ".alloc.folded" };
	size_t i = 16;

	if (strlen(name) < 16 || !digits(name, 8) || name[8] != 'T' || !digits(name + 9, 6) ||
	    name[15] != 'Z')
		return 0;
	if (name[i] == '-') {
		size_t d = 0;

		while (d < 4 && isdigit((unsigned char)name[i + 1 + d]))
			d++;
		if (!d || d > 3)
			return 0;
		i += 1 + d;
	}
	for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++)
		if (!strncmp(name + i, exts[k], strlen(exts[k])))
			return i + strlen(exts[k]);
	return 0;
}

bool daemon_output_name_ok(const char *name)
{
	size_t n = output_name_len(name);

	return n && !name[n];
}

bool daemon_temp_name_ok(const char *name)
{
	size_t n;

	if (name[0] != '.')
		return false;
	n = output_name_len(name + 1);
	return n && !strncmp(name + 1 + n, ".tmprof-", 8) && strlen(name + 1 + n + 8) == 6;
}

static int file_cmp(const void *a, const void *b)
{
	const struct ret_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void delete_file(int dfd, const struct ret_file *f, struct retention_result *r)
{
	if (unlinkat(dfd, f->name, 0) == 0) {
		r->deleted++;
		r->deleted_bytes += f->size;
	} else if (errno != ENOENT) {
		log_warn("retention: cannot delete %s: %s", f->name, strerror(errno));
	}
}

static uint64_t stale_s(const struct retention_policy *p)
{
	return p->stale_s ? p->stale_s : RETENTION_STALE_S;
}

static bool is_stale(time_t mtime, time_t now, const struct retention_policy *p)
{
	return mtime < now && (uint64_t)(now - mtime) > stale_s(p);
}

/* One TaskManager directory: dfd is owned (closed) here. *left gets how
 * many entries it still holds (any name), for the empty-directory rule. */
static int retain_dir(int dfd, const struct retention_policy *p, time_t now,
		      struct retention_result *r, size_t *left)
{
	struct ret_file *files = NULL;
	size_t n = 0, cap = 0, first = 0;
	uint64_t total = 0;
	struct dirent *de;
	DIR *d = fdopendir(dfd);
	int err = 0;

	if (!d) {
		err = -errno;
		close(dfd);
		return err;
	}
	*left = 0;
	while ((de = readdir(d))) {
		struct stat st;
		bool temp;

		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		(*left)++;
		temp = daemon_temp_name_ok(de->d_name);
		if (!temp && !daemon_output_name_ok(de->d_name))
			continue;
		/* Never a symlink or anything but a plain file. */
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (temp) {
			/* A fresh one is a concurrent writer's, about to be
			 * renamed: deleting it would fail that write. */
			if (is_stale(st.st_mtime, now, p) && unlinkat(dfd, de->d_name, 0) == 0) {
				r->temps++;
				(*left)--;
			}
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct ret_file *g = realloc(files, ncap * sizeof(*g));

			if (!g) {
				err = -ENOMEM;
				goto cleanup;
			}
			files = g;
			cap = ncap;
		}
		/* Matching names are at most 35 bytes. */
		memcpy(files[n].name, de->d_name, strnlen(de->d_name, sizeof(files[n].name) - 1));
		files[n].name[strnlen(de->d_name, sizeof(files[n].name) - 1)] = '\0';
		files[n].mtime = st.st_mtime;
		files[n].size = (uint64_t)st.st_size;
		total += files[n].size;
		n++;
	}
	*left -= n;
	if (n) /* files is NULL for an empty directory: not for qsort */
		qsort(files, n, sizeof(*files), file_cmp);
	for (; first < n && p->max_age_s && files[first].mtime < now &&
	       (uint64_t)(now - files[first].mtime) > p->max_age_s;
	     first++) {
		delete_file(dfd, &files[first], r);
		total -= files[first].size;
	}
	for (; first < n && p->max_bytes && total > p->max_bytes; first++) {
		delete_file(dfd, &files[first], r);
		total -= files[first].size;
	}
	*left += n - first;
	r->kept += n - first;
	r->kept_bytes += total;
cleanup:
	free(files);
	closedir(d);
	return err;
}

int daemon_retention_run(const char *dir, const struct retention_policy *p, time_t now,
			 struct retention_result *r)
{
	/* The configured directory may be a symlink (the administrator's
	 * choice, e.g. to another disk); nothing below it is followed. */
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	struct dirent *de;
	DIR *d;

	memset(r, 0, sizeof(*r));
	if (top < 0)
		return -errno;
	d = fdopendir(top);
	if (!d) {
		err = -errno;
		close(top);
		return err;
	}
	while ((de = readdir(d))) {
		struct stat st;
		size_t left = 0;
		int sub;

		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		/* O_NOFOLLOW: a symlinked "TaskManager directory" is skipped. */
		sub = openat(top, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		err = retain_dir(sub, p, now, r, &left);
		if (err)
			break;
		/* Empty, and not just made by a writer about to fill it: a
		 * TaskManager long gone. rmdir fails harmlessly if a file
		 * arrived in between. */
		if (!left && fstatat(top, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode) && is_stale(st.st_mtime, now, p) &&
		    unlinkat(top, de->d_name, AT_REMOVEDIR) == 0)
			r->dirs++;
	}
	closedir(d);
	return err;
}
