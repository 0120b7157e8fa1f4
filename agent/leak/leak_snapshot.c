// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/atomic_file.h"

/* A line longer than this is not something tmprof wrote. */
#define SNAPSHOT_MAX_LINE (1u << 20)

void leak_snapshot_init(struct leak_snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void leak_snapshot_free(struct leak_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->stacks[i].stack);
	free(s->stacks);
	memset(s, 0, sizeof(*s));
}

int leak_snapshot_add(struct leak_snapshot *s, const char *stack, uint64_t bytes, uint64_t count,
		      uint64_t oldest_age_s)
{
	struct leak_stack_stat *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct leak_stack_stat *g = realloc(s->stacks, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		s->stacks = g;
		s->cap = cap;
	}
	e = &s->stacks[s->n];
	e->stack = strdup(stack);
	if (!e->stack)
		return -ENOMEM;
	e->bytes = bytes;
	e->count = count;
	e->oldest_age_s = oldest_age_s;
	s->n++;
	return 0;
}

static int stat_cmp(const void *a, const void *b)
{
	const struct leak_stack_stat *x = a, *y = b;

	return strcmp(x->stack, y->stack);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void leak_snapshot_finish(struct leak_snapshot *s)
{
	size_t w = 0;

	if (!s->n)
		return;
	qsort(s->stacks, s->n, sizeof(*s->stacks), stat_cmp);
	for (size_t r = 1; r < s->n; r++) {
		struct leak_stack_stat *d = &s->stacks[w], *e = &s->stacks[r];

		if (!strcmp(d->stack, e->stack)) {
			d->bytes = sat_add(d->bytes, e->bytes);
			d->count = sat_add(d->count, e->count);
			if (e->oldest_age_s > d->oldest_age_s)
				d->oldest_age_s = e->oldest_age_s;
			free(e->stack);
		} else {
			s->stacks[++w] = *e;
		}
	}
	s->n = w + 1;
}

uint64_t leak_snapshot_total(const struct leak_snapshot *s)
{
	uint64_t t = 0;

	for (size_t i = 0; i < s->n; i++)
		t = sat_add(t, s->stacks[i].bytes);
	return t;
}

int leak_snapshot_write(const struct leak_snapshot *s, FILE *out)
{
	fprintf(out, LEAK_SNAPSHOT_MAGIC "\n# time_ms %" PRId64 "\n# pid %" PRId64
		     "\n# allocator %s\n# period %" PRIu64 "\n",
		s->time_ms, s->pid, s->allocator[0] ? s->allocator : "unknown", s->period);
	fprintf(out, "# tracked %" PRIu64 "\n# overflow %" PRIu64 "\n# sampled %" PRIu64
		     "\n# lost_stacks %" PRIu64 "\n# columns bytes count oldest_age_s stack\n",
		s->tracked, s->overflow, s->sampled, s->lost_stacks);
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n", s->stacks[i].bytes,
			s->stacks[i].count, s->stacks[i].oldest_age_s, s->stacks[i].stack);
	return ferror(out) ? -EIO : 0;
}

int leak_snapshot_write_file(const struct leak_snapshot *s, const char *path)
{
	struct atomic_file af;
	int err = atomic_file_open(&af, path);

	if (err)
		return err;
	err = leak_snapshot_write(s, af.fp);
	if (err) {
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}

static int parse_u64(const char *s, char **end, uint64_t *out)
{
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_header(struct leak_snapshot *s, const char *line)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "period", offsetof(struct leak_snapshot, period) },
		{ "tracked", offsetof(struct leak_snapshot, tracked) },
		{ "overflow", offsetof(struct leak_snapshot, overflow) },
		{ "sampled", offsetof(struct leak_snapshot, sampled) },
		{ "lost_stacks", offsetof(struct leak_snapshot, lost_stacks) },
	};
	char key[32], val[32], *end;
	long long v;

	if (sscanf(line, "# %31s %31s", key, val) != 2)
		return 0; /* a comment */
	if (!strcmp(key, "allocator")) {
		memcpy(s->allocator, val, sizeof(s->allocator));
		return 0;
	}
	if (!strcmp(key, "time_ms") || !strcmp(key, "pid")) {
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || *end)
			return -EINVAL;
		*(strcmp(key, "pid") ? &s->time_ms : &s->pid) = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint64_t u;

		if (strcmp(key, keys[i].key))
			continue;
		if (parse_u64(val, &end, &u) || *end)
			return -EINVAL;
		*(uint64_t *)((char *)s + keys[i].off) = u;
	}
	return 0;
}

static int parse_record(struct leak_snapshot *s, const char *line)
{
	uint64_t v[3];
	char *p = (char *)line;

	for (int i = 0; i < 3; i++) {
		if (parse_u64(p, &p, &v[i]) || *p != ' ')
			return -EINVAL;
		p++;
	}
	if (!*p || strchr(p, ' ') == p)
		return -EINVAL;
	return leak_snapshot_add(s, p, v[0], v[1], v[2]);
}

int leak_snapshot_read(FILE *in, struct leak_snapshot *s, size_t *bad_line)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	bool have_time = false;
	int err = 0;

	leak_snapshot_init(s);
	if (bad_line)
		*bad_line = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if ((size_t)len > SNAPSHOT_MAX_LINE || memchr(line, '\0', (size_t)len)) {
			err = -EINVAL;
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (lineno == 1) {
			if (strcmp(line, LEAK_SNAPSHOT_MAGIC)) {
				err = -EINVAL;
				break;
			}
			continue;
		}
		if (!len)
			continue;
		if (line[0] == '#') {
			have_time |= !strncmp(line, "# time_ms ", 10);
			err = parse_header(s, line);
		} else {
			err = parse_record(s, line);
		}
		if (err)
			break;
	}
	if (!err && ferror(in))
		err = -EIO;
	if (!err && !lineno)
		err = -EINVAL;
	if (!err && !have_time) {
		lineno = 1;
		err = -EINVAL;
	}
	free(line);
	if (err) {
		if (bad_line && err == -EINVAL)
			*bad_line = lineno;
		leak_snapshot_free(s);
		return err;
	}
	leak_snapshot_finish(s);
	return 0;
}

int leak_snapshot_read_file(const char *path, struct leak_snapshot *s, size_t *bad_line)
{
	FILE *f = fopen(path, "re");
	int err;

	if (bad_line)
		*bad_line = 0;
	if (!f)
		return -errno;
	err = leak_snapshot_read(f, s, bad_line);
	fclose(f);
	return err;
}
