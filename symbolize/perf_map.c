// SPDX-License-Identifier: GPL-2.0
/* JVM perf maps: "START SIZE NAME" per line, hex with or without 0x.
 *
 * Lines may describe overlapping ranges: the code cache reuses memory of
 * unloaded methods, and the JVM (or an agent) appends the new owner later
 * in the file. Parsing therefore "paints" ranges in line order, later over
 * earlier, and keeps a sorted list of non-overlapping ranges so that a
 * lookup is a binary search.
 */
#include "symbolize/perf_map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Frame names longer than this help nobody and bloat every folded line. */
#define PERF_MAP_MAX_NAME 1024

struct perf_map {
	struct perf_map_entry *entries;
	size_t count;
	char *pool;
	size_t pool_len;
	struct perf_map_stats stats;
};

/* A range before painting; seq orders overlapping ranges (higher wins). */
struct raw_range {
	uint64_t start, end;
	size_t seq;
	size_t name; /* offset in the pool */
	enum perf_map_kind kind;
};

struct builder {
	struct raw_range *raw;
	size_t count, cap;
	char *pool;
	size_t pool_len, pool_cap;
};

static int builder_add_name(struct builder *b, const char *name, size_t len, size_t *off)
{
	if (b->pool_len + len + 1 > b->pool_cap) {
		size_t ncap = b->pool_cap ? b->pool_cap : 4096;
		char *n;

		while (ncap < b->pool_len + len + 1)
			ncap *= 2;
		n = realloc(b->pool, ncap);
		if (!n)
			return -ENOMEM;
		b->pool = n;
		b->pool_cap = ncap;
	}
	memcpy(b->pool + b->pool_len, name, len);
	b->pool[b->pool_len + len] = '\0';
	*off = b->pool_len;
	b->pool_len += len + 1;
	return 0;
}

static int builder_add(struct builder *b, uint64_t start, uint64_t end, const char *name,
		       enum perf_map_kind kind)
{
	struct raw_range *r;
	int ret;

	if (b->count == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 256;
		struct raw_range *n = realloc(b->raw, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->raw = n;
		b->cap = ncap;
	}
	r = &b->raw[b->count];
	ret = builder_add_name(b, name, strlen(name), &r->name);
	if (ret < 0)
		return ret;
	r->start = start;
	r->end = end;
	r->seq = b->count;
	r->kind = kind;
	b->count++;
	return 0;
}

static void builder_release(struct builder *b)
{
	free(b->raw);
	free(b->pool);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int compare_start(const void *a, const void *b)
{
	const struct raw_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Max-heap of raw range indices ordered by seq. */
struct heap {
	size_t *v;
	size_t n;
};

static void heap_push(struct heap *h, const struct raw_range *raw, size_t idx)
{
	size_t i = h->n++;

	h->v[i] = idx;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (raw[h->v[parent]].seq >= raw[h->v[i]].seq)
			break;
		size_t t = h->v[parent];
		h->v[parent] = h->v[i];
		h->v[i] = t;
		i = parent;
	}
}

static void heap_pop(struct heap *h, const struct raw_range *raw)
{
	size_t i = 0;

	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, big = i;

		if (l < h->n && raw[h->v[l]].seq > raw[h->v[big]].seq)
			big = l;
		if (r < h->n && raw[h->v[r]].seq > raw[h->v[big]].seq)
			big = r;
		if (big == i)
			break;
		size_t t = h->v[big];
		h->v[big] = h->v[i];
		h->v[i] = t;
		i = big;
	}
}

static int map_append(struct perf_map *pm, size_t *cap, uint64_t start, uint64_t end,
		      const struct raw_range *r)
{
	struct perf_map_entry *last = pm->count ? &pm->entries[pm->count - 1] : NULL;

	/* Pieces of one range split by a shorter, since-ended overlap join up
	 * again only when contiguous and from the same line. */
	if (last && last->end == start && last->name == pm->pool + r->name) {
		last->end = end;
		return 0;
	}
	if (pm->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct perf_map_entry *n = realloc(pm->entries, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		pm->entries = n;
		*cap = ncap;
	}
	pm->entries[pm->count].start = start;
	pm->entries[pm->count].end = end;
	pm->entries[pm->count].name = pm->pool + r->name;
	pm->entries[pm->count].kind = r->kind;
	pm->count++;
	return 0;
}

/* Turn the builder's overlapping ranges into a map (takes the pool). */
static int builder_finish(struct builder *b, struct perf_map **out)
{
	struct perf_map *pm = NULL;
	struct heap heap = { 0 };
	uint64_t *points = NULL;
	size_t npoints = 0, next = 0, cap = 0;
	int ret = 0;

	pm = calloc(1, sizeof(*pm));
	points = malloc((2 * b->count + 1) * sizeof(*points));
	heap.v = malloc((b->count + 1) * sizeof(*heap.v));
	if (!pm || !points || !heap.v) {
		ret = -ENOMEM;
		goto cleanup;
	}
	pm->pool = b->pool;
	pm->pool_len = b->pool_len;
	b->pool = NULL;
	if (b->count)
		qsort(b->raw, b->count, sizeof(*b->raw), compare_start);
	for (size_t i = 0; i < b->count; i++) {
		points[npoints++] = b->raw[i].start;
		points[npoints++] = b->raw[i].end;
	}
	qsort(points, npoints, sizeof(*points), compare_u64);
	/* Sweep the elementary intervals between consecutive boundaries; the
	 * newest range covering an interval owns it. */
	for (size_t p = 0; p < npoints; p++) {
		uint64_t x = points[p];

		if (p > 0 && points[p - 1] == x)
			continue;
		while (next < b->count && b->raw[next].start == x)
			heap_push(&heap, b->raw, next++);
		while (heap.n && b->raw[heap.v[0]].end <= x)
			heap_pop(&heap, b->raw);
		if (heap.n && p + 1 < npoints) {
			size_t q = p + 1;

			while (q < npoints && points[q] == x)
				q++;
			if (q < npoints) {
				ret = map_append(pm, &cap, x, points[q], &b->raw[heap.v[0]]);
				if (ret < 0)
					goto cleanup;
			}
		}
	}
	pm->stats.entries = pm->count;
	*out = pm;
	pm = NULL;
cleanup:
	perf_map_free(pm);
	free(points);
	free(heap.v);
	return ret;
}

static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, n++) {
		char c = *s;
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			break;
		if (n >= 16)
			return false;
		v = v << 4 | d;
	}
	if (n == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool skip_blanks(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == *p)
		return false;
	*p = s;
	return true;
}

/* Cut s to at most max bytes without splitting a UTF-8 sequence. */
static void truncate_utf8(char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
}

/* Parse one line into the builder: 1 added, 0 ignored (size 0),
 * -EINVAL malformed, -ENOMEM. */
static int line_parse(struct builder *b, const char *line, size_t len, char **scratch,
		      size_t *scratch_cap)
{
	const char *p = line, *end = line + len, *name;
	uint64_t start, size;
	enum perf_map_kind kind;
	size_t name_len;

	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (memchr(line, '\0', (size_t)(end - line)))
		return -EINVAL;
	if (!parse_hex(&p, end, &start) || !skip_blanks(&p, end) || !parse_hex(&p, end, &size) ||
	    !skip_blanks(&p, end) || p == end)
		return -EINVAL;
	if (size == 0)
		return 0;
	if (start + size < start)
		return -EINVAL;
	name = p;
	name_len = (size_t)(end - p);
	if (name_len >= *scratch_cap) { /* room for name_len + 1, no overflow */
		char *n = realloc(*scratch, name_len + 1);

		if (!n)
			return -ENOMEM;
		*scratch = n;
		*scratch_cap = name_len + 1;
	}
	memcpy(*scratch, name, name_len);
	(*scratch)[name_len] = '\0';
	kind = perf_map_normalize_name(*scratch);
	truncate_utf8(*scratch, PERF_MAP_MAX_NAME);
	if ((*scratch)[0] == '\0')
		return -EINVAL;
	return builder_add(b, start, start + size, *scratch, kind) < 0 ? -ENOMEM : 1;
}

/* Line-by-line parsing state, shared by text and streamed input. */
struct parser {
	struct builder b;
	char *scratch;
	size_t scratch_cap, lines, malformed;
	size_t max_entries, max_pool;
	bool capped;
};

/* Parse the complete lines in text[0, len). -ENOMEM, 1 when a cap was
 * reached (stop), else 0. */
static int parser_feed(struct parser *ps, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		int r;

		pos += line_len + 1;
		if (line_len == 0)
			continue;
		if (ps->b.count >= ps->max_entries || ps->b.pool_len >= ps->max_pool) {
			ps->capped = true;
			return 1;
		}
		r = line_parse(&ps->b, line, line_len, &ps->scratch, &ps->scratch_cap);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			ps->malformed++;
		else if (r > 0)
			ps->lines++;
	}
	return 0;
}

static int parser_finish(struct parser *ps, struct perf_map **out)
{
	int ret = builder_finish(&ps->b, out);

	if (ret == 0) {
		(*out)->stats.lines = ps->lines;
		(*out)->stats.malformed = ps->malformed;
		(*out)->stats.capped = ps->capped;
	}
	return ret;
}

static void parser_release(struct parser *ps)
{
	free(ps->scratch);
	builder_release(&ps->b);
}

int perf_map_parse(const char *text, size_t len, struct perf_map **out)
{
	struct parser ps = { .max_entries = PERF_MAP_MAX_ENTRIES, .max_pool = PERF_MAP_MAX_NAMES };
	int ret;

	*out = NULL;
	ret = parser_feed(&ps, text, len);
	if (ret >= 0)
		ret = parser_finish(&ps, out);
	parser_release(&ps);
	return ret;
}

/* Longest line read; longer ones are skipped as malformed (a name is cut
 * to PERF_MAP_MAX_NAME anyway). */
#define LINE_BUF (64u << 10)

int perf_map_read_limited(int fd, const struct perf_map_limits *lim, struct perf_map **out)
{
	struct parser ps = { .max_entries = lim->max_entries, .max_pool = lim->max_names };
	char *buf = malloc(LINE_BUF);
	size_t have = 0, total = 0;
	bool skipping = false, eof = false;
	int ret = 0;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	while (!eof) {
		size_t want = LINE_BUF - have;
		ssize_t n;
		char *nl;

		/* Never read past the byte cap: the rest of the file is ignored. */
		if (want > lim->max_bytes - total)
			want = lim->max_bytes - total;
		if (want == 0) {
			ps.capped = true;
			break;
		}
		n = read(fd, buf + have, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto cleanup;
		}
		if (n == 0) {
			eof = true;
		} else {
			total += (size_t)n;
			have += (size_t)n;
		}
		if (skipping) { /* the tail of an over-long line */
			nl = memchr(buf, '\n', have);
			if (!nl) {
				have = 0;
				continue;
			}
			skipping = false;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		nl = eof ? buf + have : memrchr(buf, '\n', have);
		if (!nl) {
			if (have == LINE_BUF) {
				ps.malformed++;
				skipping = true;
				have = 0;
			}
			continue;
		}
		ret = parser_feed(&ps, buf, (size_t)(nl - buf));
		if (ret < 0)
			goto cleanup;
		if (ret > 0)
			break;
		if (!eof) {
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
	}
	ret = parser_finish(&ps, out);
cleanup:
	free(buf);
	parser_release(&ps);
	return ret;
}

int perf_map_read(int fd, struct perf_map **out)
{
	static const struct perf_map_limits lim = {
		.max_bytes = PERF_MAP_MAX_BYTES,
		.max_entries = PERF_MAP_MAX_ENTRIES,
		.max_names = PERF_MAP_MAX_NAMES,
	};

	return perf_map_read_limited(fd, &lim, out);
}

int perf_map_merge(const struct perf_map *older, const struct perf_map *newer,
		   struct perf_map **out)
{
	const struct perf_map *maps[2] = { older, newer };
	struct builder b = { 0 };
	int ret = 0;

	*out = NULL;
	/* Merged maps only grow: past the caps the older ranges go, so a target
	 * rewriting its map cannot make us accumulate without bound. */
	if (older && newer &&
	    (older->count + newer->count > PERF_MAP_MAX_ENTRIES ||
	     older->pool_len + newer->pool_len > PERF_MAP_MAX_NAMES))
		maps[0] = NULL;
	for (int m = 0; m < 2; m++) {
		if (!maps[m])
			continue;
		for (size_t i = 0; i < maps[m]->count; i++) {
			const struct perf_map_entry *e = &maps[m]->entries[i];

			ret = builder_add(&b, e->start, e->end, e->name, e->kind);
			if (ret < 0)
				goto cleanup;
		}
	}
	ret = builder_finish(&b, out);
	if (ret == 0 && newer) {
		(*out)->stats.lines = newer->stats.lines;
		(*out)->stats.malformed = newer->stats.malformed;
		(*out)->stats.capped = newer->stats.capped;
		(*out)->stats.older_dropped = older && !maps[0];
	}
cleanup:
	builder_release(&b);
	return ret;
}

const struct perf_map_entry *perf_map_lookup(const struct perf_map *pm, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!pm)
		return NULL;
	hi = pm->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->entries[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= pm->entries[lo - 1].end)
		return NULL;
	return &pm->entries[lo - 1];
}

size_t perf_map_memory(const struct perf_map *pm)
{
	return pm ? sizeof(*pm) + pm->count * sizeof(*pm->entries) + pm->pool_len : 0;
}

void perf_map_stats(const struct perf_map *pm, struct perf_map_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (pm)
		*out = pm->stats;
}

void perf_map_free(struct perf_map *pm)
{
	if (!pm)
		return;
	free(pm->entries);
	free(pm->pool);
	free(pm);
}

/* "Lcom/foo/Bar;::method(sig)" (perf-map-agent) -> "com.foo.Bar.method". */
static bool normalize_agent_style(char *name)
{
	char *semi = strstr(name, ";::"), *method, *out = name, *paren;

	if (name[0] != 'L' || !semi || semi == name + 1)
		return false;
	method = semi + 3;
	paren = strchr(method, '(');
	if (paren)
		*paren = '\0';
	for (const char *p = name + 1; p < semi; p++)
		*out++ = *p == '/' ? '.' : *p;
	*out++ = '.';
	memmove(out, method, strlen(method) + 1);
	return true;
}

/* "int java.lang.Object.hashCode()" (JDK) -> "java.lang.Object.hashCode". */
static bool normalize_jdk_style(char *name)
{
	char *paren = strchr(name, '('), *qual;
	size_t len = strlen(name);

	if (!paren || paren == name || paren[-1] == ' ' || name[len - 1] != ')')
		return false;
	*paren = '\0';
	qual = strrchr(name, ' ');
	qual = qual ? qual + 1 : name;
	if (!strchr(qual, '.') || qual[0] == '.' || paren[-1] == '.') {
		*paren = '(';
		return false;
	}
	memmove(name, qual, strlen(qual) + 1);
	return true;
}

/* "com/foo/Bar.method" (slash-separated class) -> "com.foo.Bar.method". */
static bool normalize_plain_style(char *name)
{
	char *last_slash = strrchr(name, '/'), *first_dot = strchr(name, '.');

	if (strchr(name, ' ') || !first_dot || first_dot == name)
		return false;
	if (last_slash && first_dot > strchr(name, '/') && strchr(last_slash, '.')) {
		for (char *p = name; p <= last_slash; p++)
			if (*p == '/')
				*p = '.';
	}
	return true;
}

enum perf_map_kind perf_map_normalize_name(char *name)
{
	enum perf_map_kind kind = PERF_MAP_STUB;

	for (char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (strcmp(name, "Interpreter") == 0)
		return PERF_MAP_INTERPRETER;
	if (normalize_agent_style(name) || normalize_jdk_style(name) || normalize_plain_style(name))
		kind = PERF_MAP_JAVA;
	for (char *p = name; *p; p++)
		if (*p == ';')
			*p = ':';
	return kind;
}
