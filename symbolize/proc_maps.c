// SPDX-License-Identifier: GPL-2.0
/* Parser for /proc/PID/maps lines:
 *   START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]
 * The path is everything after the inode's padding, so it may contain
 * spaces; the kernel appends " (deleted)" to unlinked files.
 */
#include "symbolize/proc_maps.h"

#include "symbolize/safe_open.h"

#include <errno.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_MAPS_MAX_FILE (64u << 20)

static const char deleted_suffix[] = " (deleted)";

struct cursor {
	const char *p, *end;
};

static bool hex_digit(char c, unsigned int *d)
{
	if (c >= '0' && c <= '9')
		*d = (unsigned int)(c - '0');
	else if (c >= 'a' && c <= 'f')
		*d = (unsigned int)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		*d = (unsigned int)(c - 'A' + 10);
	else
		return false;
	return true;
}

static bool cursor_hex(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int d, n = 0;

	while (c->p < c->end && hex_digit(*c->p, &d)) {
		if (++n > 16)
			return false;
		v = v << 4 | d;
		c->p++;
	}
	*out = v;
	return n > 0;
}

static bool cursor_dec(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int n = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (++n > 19)
			return false;
		v = v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	*out = v;
	return n > 0;
}

static bool cursor_char(struct cursor *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

static void cursor_spaces(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Fill m from one line; m->path is malloc'd on success. */
static bool line_parse(const char *line, size_t len, struct proc_map *m)
{
	struct cursor c = { line, line + len };
	uint64_t major, minor;
	size_t path_len;

	memset(m, 0, sizeof(*m));
	if (!cursor_hex(&c, &m->start) || !cursor_char(&c, '-') || !cursor_hex(&c, &m->end) ||
	    !cursor_char(&c, ' '))
		return false;
	if (m->end <= m->start || c.end - c.p < 5 || c.p[4] != ' ')
		return false;
	memcpy(m->perms, c.p, 4);
	c.p += 5;
	if (!cursor_hex(&c, &m->offset) || !cursor_char(&c, ' ') || !cursor_hex(&c, &major) ||
	    !cursor_char(&c, ':') || !cursor_hex(&c, &minor) || !cursor_char(&c, ' ') ||
	    !cursor_dec(&c, &m->inode))
		return false;
	if (major > 0xfffff || minor > 0xfffff)
		return false;
	m->dev_major = (unsigned int)major;
	m->dev_minor = (unsigned int)minor;
	if (c.p < c.end && *c.p != ' ' && *c.p != '\t')
		return false;
	cursor_spaces(&c);
	path_len = (size_t)(c.end - c.p);
	if (memchr(c.p, '\0', path_len))
		return false;
	if (path_len >= sizeof(deleted_suffix) - 1 &&
	    memcmp(c.end - (sizeof(deleted_suffix) - 1), deleted_suffix,
		   sizeof(deleted_suffix) - 1) == 0) {
		m->deleted = true;
		path_len -= sizeof(deleted_suffix) - 1;
	}
	m->path = strndup(c.p, path_len);
	return m->path != NULL;
}

static int map_compare(const void *a, const void *b)
{
	const struct proc_map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int proc_maps_parse(const char *text, size_t len, struct proc_maps **out)
{
	struct proc_maps *pm;
	size_t cap = 0, pos = 0;
	int ret = 0;

	*out = NULL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		struct proc_map m;

		pos += line_len + 1;
		if (line_len == 0)
			continue;
		if (!line_parse(line, line_len, &m)) {
			pm->malformed++;
			continue;
		}
		if (pm->count == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct proc_map *n = realloc(pm->maps, ncap * sizeof(*n));

			if (!n) {
				free(m.path);
				ret = -ENOMEM;
				goto cleanup;
			}
			pm->maps = n;
			cap = ncap;
		}
		pm->maps[pm->count++] = m;
	}
	/* The kernel prints mappings in order; sorting costs little and makes
	 * the binary search safe against any input. Overlaps are dropped. */
	if (pm->count)
		qsort(pm->maps, pm->count, sizeof(*pm->maps), map_compare);
	{
		size_t kept = 0;

		for (size_t i = 0; i < pm->count; i++) {
			if (kept && pm->maps[i].start < pm->maps[kept - 1].end) {
				free(pm->maps[i].path);
				pm->malformed++;
				continue;
			}
			pm->maps[kept++] = pm->maps[i];
		}
		pm->count = kept;
	}
	*out = pm;
	pm = NULL;
cleanup:
	proc_maps_free(pm);
	return ret;
}

int proc_maps_read(pid_t pid, struct proc_maps **out)
{
	char path[64], *text = NULL;
	size_t len = 0;
	int fd, ret;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ret = read_fd_all(fd, PROC_MAPS_MAX_FILE, &text, &len);
	close(fd);
	if (ret < 0)
		goto cleanup;
	ret = proc_maps_parse(text, len, out);
cleanup:
	free(text);
	return ret;
}

const struct proc_map *proc_maps_find(const struct proc_maps *pm, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!pm)
		return NULL;
	hi = pm->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= pm->maps[lo - 1].end)
		return NULL;
	return &pm->maps[lo - 1];
}

void proc_maps_free(struct proc_maps *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; i < pm->count; i++)
		free(pm->maps[i].path);
	free(pm->maps);
	free(pm);
}

bool proc_map_is_anon(const struct proc_map *m)
{
	return m->path[0] == '\0' || strncmp(m->path, "[anon:", 6) == 0;
}

bool proc_map_is_exec(const struct proc_map *m)
{
	return m->perms[2] == 'x';
}

bool proc_map_is_file(const struct proc_map *m)
{
	return m->path[0] == '/';
}

const char *proc_map_module(const struct proc_map *m)
{
	const char *slash;

	if (proc_map_is_anon(m))
		return "[anon]";
	slash = strrchr(m->path, '/');
	return slash && slash[1] ? slash + 1 : m->path;
}

int proc_map_open(pid_t pid, const struct proc_map *m)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, m->start,
		 m->end);
	fd = safe_open_magic(path);
	if (fd >= 0 || m->deleted)
		return fd;
	return safe_open_follow(pid, m->path, SAFE_OPEN_ANY_OWNER);
}

int proc_map_host_path(pid_t pid, const char *path, char *out, size_t len)
{
	struct stat st;
	int n = snprintf(out, len, "/proc/%d/root%s", (int)pid, path);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (!stat(out, &st))
		return 0;
	n = snprintf(out, len, "%s", path);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return stat(out, &st) ? -ENOENT : 0;
}
