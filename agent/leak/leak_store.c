// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAME_PREFIX "leak-"
#define NAME_SUFFIX "Z.snap"

int leak_store_name(char *buf, size_t len, int64_t time_ms)
{
	time_t secs = (time_t)(time_ms / 1000);
	struct tm tm;
	char stamp[32];
	int n;

	if (time_ms < 0 || !gmtime_r(&secs, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm))
		return -EINVAL;
	n = snprintf(buf, len, NAME_PREFIX "%s.%03d" NAME_SUFFIX, stamp, (int)(time_ms % 1000));
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYYmmddTHHMMSS.mmm" (compact, file names) or "YYYY-mm-ddTHH:MM[:SS]".
 * Each check stops at the first mismatch, so a short string is never read
 * past its end. */
static int parse_utc(const char *s, bool compact, int64_t *ms, const char **end)
{
	int f[6] = { 0 }, milli = 0;
	struct tm tm = { 0 };
	time_t t;

	if (compact) {
		if (parse_digits(s, 4, &f[0]) || parse_digits(s + 4, 2, &f[1]) ||
		    parse_digits(s + 6, 2, &f[2]) || s[8] != 'T' || parse_digits(s + 9, 2, &f[3]) ||
		    parse_digits(s + 11, 2, &f[4]) || parse_digits(s + 13, 2, &f[5]) || s[15] != '.' ||
		    parse_digits(s + 16, 3, &milli))
			return -EINVAL;
		s += 19;
	} else {
		if (parse_digits(s, 4, &f[0]) || s[4] != '-' || parse_digits(s + 5, 2, &f[1]) ||
		    s[7] != '-' || parse_digits(s + 8, 2, &f[2]) || (s[10] != 'T' && s[10] != ' ') ||
		    parse_digits(s + 11, 2, &f[3]) || s[13] != ':' || parse_digits(s + 14, 2, &f[4]))
			return -EINVAL;
		s += 16;
		if (*s == ':') {
			if (parse_digits(s + 1, 2, &f[5]))
				return -EINVAL;
			s += 3;
		}
	}
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -EINVAL;
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ms = (int64_t)t * 1000 + milli;
	*end = s;
	return 0;
}

int leak_store_parse_name(const char *name, int64_t *time_ms)
{
	const char *base = strrchr(name, '/'), *end;

	base = base ? base + 1 : name;
	if (strncmp(base, NAME_PREFIX, strlen(NAME_PREFIX)))
		return -EINVAL;
	if (parse_utc(base + strlen(NAME_PREFIX), true, time_ms, &end) || strcmp(end, NAME_SUFFIX))
		return -EINVAL;
	return 0;
}

void leak_store_list_free(struct leak_store_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct leak_store_entry *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return strcmp(x->path, y->path);
}

int leak_store_list(const char *dir, struct leak_store_entry **out, size_t *n)
{
	struct leak_store_entry *arr = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;
		int64_t ms;

		if (leak_store_parse_name(de->d_name, &ms))
			continue;
		/* Regular files only: a symlink or directory named like one is not ours. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct leak_store_entry *g = realloc(arr, ncap * sizeof(*g));

			if (!g) {
				err = -ENOMEM;
				goto cleanup;
			}
			arr = g;
			cap = ncap;
		}
		if (asprintf(&arr[count].path, "%s/%s", dir, de->d_name) < 0) {
			err = -ENOMEM;
			goto cleanup;
		}
		arr[count].time_ms = ms;
		arr[count].size = (uint64_t)st.st_size;
		count++;
	}
	if (count)
		qsort(arr, count, sizeof(*arr), entry_cmp);
cleanup:
	closedir(d);
	if (err) {
		leak_store_list_free(arr, count);
		return err;
	}
	*out = arr;
	*n = count;
	return 0;
}

int leak_store_prune(const char *dir, size_t keep, uint64_t max_bytes)
{
	struct leak_store_entry *e;
	size_t n, first = 0;
	uint64_t total = 0;
	int err = leak_store_list(dir, &e, &n), removed = 0;

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		total += e[i].size;
	while (n - first > 1 && ((keep && n - first > keep) || (max_bytes && total > max_bytes))) {
		if (unlink(e[first].path) && errno != ENOENT) {
			err = -errno;
			break;
		}
		total -= e[first].size;
		first++;
		removed++;
	}
	leak_store_list_free(e, n);
	return err ? err : removed;
}

int leak_time_parse(const char *s, int64_t *time_ms)
{
	const char *end;
	char *num_end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	if (!leak_store_parse_name(s, time_ms))
		return 0;
	if (strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtoll(s, &num_end, 10);
		if (errno || v > INT64_MAX / 1000)
			return -EINVAL;
		*time_ms = (int64_t)v * 1000;
		return 0;
	}
	if (parse_utc(s, false, time_ms, &end))
		return -EINVAL;
	return !*end || !strcmp(end, "Z") ? 0 : -EINVAL;
}

int leak_store_pick(const struct leak_store_entry *e, size_t n, int64_t from_ms, int64_t to_ms,
		    size_t *from, size_t *to)
{
	size_t i, j;

	for (i = 0; i < n && e[i].time_ms < from_ms; i++)
		;
	for (j = n; j > 0 && e[j - 1].time_ms > to_ms; j--)
		;
	if (i >= n || j == 0 || j - 1 <= i)
		return -ENOENT;
	*from = i;
	*to = j - 1;
	return 0;
}
