// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/heap_v2.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAPS_MARKER "MAPPED_LIBRARIES:"

struct cursor {
	const char *p, *end;
	size_t line;
};

void heap_v2_free(struct heap_v2 *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->stacks[i].addrs);
	free(h->stacks);
	free(h->maps);
	memset(h, 0, sizeof(*h));
}

double heap_v2_scale(uint64_t objs, uint64_t bytes, uint64_t period)
{
	double ratio;

	if (!objs || !period)
		return 1.0;
	ratio = (double)bytes / (double)objs / (double)period;
	if (ratio <= 0)
		return 1.0;
	return 1.0 / -expm1(-ratio);
}

/* The next line without its '\n'; false at the end. A last line without
 * '\n' is returned with *complete = false: the dump was cut there. */
static bool next_line(struct cursor *c, const char **line, size_t *len, bool *complete)
{
	const char *nl;

	if (c->p >= c->end)
		return false;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	*line = c->p;
	*len = nl ? (size_t)(nl - c->p) : (size_t)(c->end - c->p);
	*complete = nl != NULL;
	c->p = nl ? nl + 1 : c->end;
	c->line++;
	return true;
}

static int fail(struct heap_v2_error *e, size_t line, const char *reason)
{
	e->line = line;
	e->reason = reason;
	return -EINVAL;
}

static bool parse_uint(const char **p, const char *end, int base, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end)
		return false;
	for (; s < end; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

/* "  t*: OBJS: BYTES [AOBJS: ABYTES]" or "  tN: ..." (then anything: a
 * thread name). *all: it was the t* line. */
static bool parse_counts(const char *s, size_t len, bool *all, uint64_t *objs, uint64_t *bytes)
{
	const char *p = s, *end = s + len;
	uint64_t tid, a, b;

	if (!expect(&p, end, "  t"))
		return false;
	*all = p < end && *p == '*';
	if (*all)
		p++;
	else if (!parse_uint(&p, end, 10, &tid))
		return false;
	return expect(&p, end, ": ") && parse_uint(&p, end, 10, objs) && expect(&p, end, ": ") &&
	       parse_uint(&p, end, 10, bytes) && expect(&p, end, " [") &&
	       parse_uint(&p, end, 10, &a) && expect(&p, end, ": ") &&
	       parse_uint(&p, end, 10, &b) && expect(&p, end, "]") && (p == end || *p == ' ');
}

static int parse_stack(const char *s, size_t len, struct heap_v2_stack *st)
{
	const char *p = s + 1, *end = s + len;
	uint64_t *addrs = NULL;
	uint32_t n = 0, cap = 0;

	while (p < end) {
		uint64_t a;

		if (*p != ' ')
			goto bad;
		p++;
		if (p == end) /* trailing space */
			break;
		if (!expect(&p, end, "0x") || !parse_uint(&p, end, 16, &a))
			goto bad;
		if (n == HEAP_V2_MAX_DEPTH)
			goto bad;
		if (n == cap) {
			uint32_t ncap = cap ? cap * 2 : 16;
			uint64_t *g = realloc(addrs, ncap * sizeof(*g));

			if (!g) {
				free(addrs);
				return -ENOMEM;
			}
			addrs = g;
			cap = ncap;
		}
		addrs[n++] = a;
	}
	if (!n)
		goto bad;
	st->addrs = addrs;
	st->depth = n;
	return 0;
bad:
	free(addrs);
	return -EINVAL;
}

static int push_stack(struct heap_v2 *h, size_t *cap)
{
	if (h->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct heap_v2_stack *g = realloc(h->stacks, ncap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		h->stacks = g;
		*cap = ncap;
	}
	memset(&h->stacks[h->n], 0, sizeof(h->stacks[0]));
	return 0;
}

static int parse_body(struct cursor *c, struct heap_v2 *h, struct heap_v2_error *e)
{
	const char *line;
	size_t len, cap = 0;
	bool complete, all, in_stack = false, have_counts = false, maps = false;
	uint64_t objs, bytes;
	int err;

	while (next_line(c, &line, &len, &complete)) {
		if (!complete)
			return fail(e, c->line, "truncated: the last line is cut off");
		if (len == 0)
			continue;
		if (len == strlen(MAPS_MARKER) && !memcmp(line, MAPS_MARKER, len)) {
			maps = true;
			break;
		}
		if (line[0] == '@') {
			if (in_stack && !have_counts)
				return fail(e, c->line - 1, "stack without a 't*:' count line");
			err = push_stack(h, &cap);
			if (err)
				return err;
			err = parse_stack(line, len, &h->stacks[h->n]);
			if (err == -EINVAL)
				return fail(e, c->line, "malformed stack: expected '@ 0xADDR 0xADDR ...' (at most 1024)");
			if (err)
				return err;
			h->n++;
			in_stack = true;
			have_counts = false;
			continue;
		}
		if (!parse_counts(line, len, &all, &objs, &bytes))
			return fail(e, c->line, "malformed line: expected '@ ...', '  t*: N: N [N: N]' or MAPPED_LIBRARIES:");
		if (!in_stack) { /* the header's per-thread totals */
			if (all)
				return fail(e, c->line, "a second 't*:' totals line");
			continue;
		}
		if (all) {
			struct heap_v2_stack *st = &h->stacks[h->n - 1];
			double k = heap_v2_scale(objs, bytes, h->period);

			if (have_counts)
				return fail(e, c->line, "a second 't*:' line for one stack");
			st->objs = objs;
			st->bytes = bytes;
			st->est_objs = (double)objs * k;
			st->est_bytes = (double)bytes * k;
			have_counts = true;
		} else if (!have_counts) {
			return fail(e, c->line, "per-thread counts before the stack's 't*:' line");
		}
	}
	if (in_stack && !have_counts)
		return fail(e, c->line, "truncated: the last stack has no 't*:' count line");
	if (!maps)
		return fail(e, 0, "truncated: no MAPPED_LIBRARIES section (the dump was cut short)");
	return 0;
}

int heap_v2_parse(const char *buf, size_t len, struct heap_v2 *h, struct heap_v2_error *e)
{
	struct cursor c = { buf, buf + len, 0 };
	const char *line, *p;
	size_t llen;
	bool complete, all;
	int err;

	memset(h, 0, sizeof(*h));
	e->line = 0;
	e->reason = NULL;
	if (len > HEAP_V2_MAX_BYTES)
		return -EFBIG;
	if (memchr(buf, '\0', len))
		return fail(e, 0, "not a text file (NUL bytes)");
	if (!next_line(&c, &line, &llen, &complete) || !complete)
		return fail(e, 1, "empty or truncated: no 'heap_v2/PERIOD' line");
	p = line;
	if (!expect(&p, line + llen, "heap_v2/") || !parse_uint(&p, line + llen, 10, &h->period) ||
	    p != line + llen)
		return fail(e, 1, "not a jemalloc heap profile: the first line must be 'heap_v2/PERIOD'");
	if (!next_line(&c, &line, &llen, &complete) || !complete ||
	    !parse_counts(line, llen, &all, &h->objs, &h->bytes) || !all)
		return fail(e, c.line ? c.line : 2, "truncated or malformed: expected '  t*: N: N [N: N]' totals");
	err = parse_body(&c, h, e);
	if (!err) {
		size_t n = (size_t)(c.end - c.p);

		h->maps = malloc(n + 1);
		if (!h->maps) {
			err = -ENOMEM;
		} else {
			memcpy(h->maps, c.p, n);
			h->maps[n] = '\0';
		}
	}
	if (err)
		heap_v2_free(h);
	return err;
}

int heap_v2_parse_file(const char *path, struct heap_v2 *h, struct heap_v2_error *e)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;

	memset(h, 0, sizeof(*h));
	e->line = 0;
	e->reason = NULL;
	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (cap - len < 65536) {
			char *g;

			if (cap > HEAP_V2_MAX_BYTES) {
				err = -EFBIG;
				break;
			}
			g = realloc(buf, cap ? cap * 2 : 65536);
			if (!g) {
				err = -ENOMEM;
				break;
			}
			buf = g;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	fclose(f);
	if (!err)
		err = heap_v2_parse(buf ? buf : "", len, h, e);
	free(buf);
	return err;
}
