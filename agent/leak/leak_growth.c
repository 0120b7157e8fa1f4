// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_growth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/leak/leak_snapshot.h"
#include "flamegraph/profile.h"

#define MAX_STACK_FRAMES 8192

void leak_growth_free(struct leak_growth *g)
{
	free(g->rows);
	memset(g, 0, sizeof(*g));
}

static int64_t clamp_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int row_cmp(const void *a, const void *b)
{
	const struct leak_growth_row *x = a, *y = b;

	if (x->delta_bytes != y->delta_bytes)
		return x->delta_bytes < y->delta_bytes ? 1 : -1;
	return strcmp(x->stack, y->stack);
}

int leak_growth_compute(const struct leak_snapshot *from, const struct leak_snapshot *to,
			struct leak_growth *out)
{
	size_t i = 0, j = 0, n = 0;

	memset(out, 0, sizeof(*out));
	if (to->time_ms <= from->time_ms)
		return -EINVAL;
	out->hours = (double)(to->time_ms - from->time_ms) / 3600000.0;
	out->rows = calloc(from->n + to->n + 1, sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	/* Merge join: both sides are sorted by stack text. */
	while (i < from->n || j < to->n) {
		struct leak_growth_row *r = &out->rows[n++];
		/* c < 0: only FROM has stacks[i]; c > 0: only TO has stacks[j]; 0: both. */
		int c = i >= from->n ? 1 : j >= to->n ? -1 : strcmp(from->stacks[i].stack, to->stacks[j].stack);

		if (c < 0) { /* gone by TO: everything freed */
			const struct leak_stack_stat *f = &from->stacks[i];

			r->stack = f->stack;
			r->delta_bytes = -clamp_i64(f->bytes);
			i++;
		} else {
			const struct leak_stack_stat *t = &to->stacks[j];

			r->stack = t->stack;
			r->delta_bytes = clamp_i64(t->bytes) - (c == 0 ? clamp_i64(from->stacks[i].bytes) : 0);
			r->live_bytes = t->bytes;
			r->live_count = t->count;
			r->oldest_age_s = t->oldest_age_s;
			j++;
			i += c == 0;
		}
		r->bytes_per_hour = (double)r->delta_bytes / out->hours;
		out->total_delta += r->delta_bytes;
	}
	out->n = n;
	if (n)
		qsort(out->rows, n, sizeof(*out->rows), row_cmp);
	return 0;
}

void leak_format_bytes(char *buf, size_t len, double bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes < 0 ? -bytes : bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%s%.0f %s", bytes < 0 ? "-" : "", v, unit[u]);
	else
		snprintf(buf, len, "%s%.1f %s", bytes < 0 ? "-" : "", v, unit[u]);
}

static void format_age(char *buf, size_t len, uint64_t s)
{
	if (s >= 86400)
		snprintf(buf, len, "%.1fd", (double)s / 86400);
	else if (s >= 3600)
		snprintf(buf, len, "%.1fh", (double)s / 3600);
	else if (s >= 60)
		snprintf(buf, len, "%.1fm", (double)s / 60);
	else
		snprintf(buf, len, "%" PRIu64 "s", s);
}

/* Leaf first: the allocating code is what the reader looks for. */
static void print_stack(FILE *out, const char *stack, size_t max_frames)
{
	const char *end = stack + strlen(stack), *p = end;
	size_t shown = 0;

	while (p > stack && (!max_frames || shown < max_frames)) {
		const char *q = p;

		while (q > stack && q[-1] != ';')
			q--;
		fprintf(out, "%s%.*s", shown ? " < " : "", (int)(p - q), q);
		shown++;
		p = q > stack ? q - 1 : stack;
	}
	if (p > stack)
		fputs(" < ...", out);
}

int leak_growth_print(const struct leak_growth *g, FILE *out, size_t max_rows, size_t max_frames)
{
	char grow[32], rate[32], live[32], age[32];
	size_t shown = 0;

	fprintf(out, "%12s %14s %12s %8s  %s\n", "GROWTH", "PER HOUR", "LIVE", "OLDEST",
		"STACK (leaf first)");
	for (size_t i = 0; i < g->n && (!max_rows || shown < max_rows); i++) {
		const struct leak_growth_row *r = &g->rows[i];

		if (r->delta_bytes <= 0)
			break;
		leak_format_bytes(grow, sizeof(grow), (double)r->delta_bytes);
		leak_format_bytes(rate, sizeof(rate), r->bytes_per_hour);
		leak_format_bytes(live, sizeof(live), (double)r->live_bytes);
		format_age(age, sizeof(age), r->oldest_age_s);
		fprintf(out, "%12s %12s/h %12s %8s  ", grow, rate, live, age);
		print_stack(out, r->stack, max_frames);
		fputc('\n', out);
		shown++;
	}
	if (!shown)
		fputs("(no stack grew)\n", out);
	return ferror(out) ? -EIO : 0;
}

/* Split a folded stack into interned frames. */
static int add_folded(struct profile *p, const char *stack, uint64_t count)
{
	uint32_t *ids = malloc(MAX_STACK_FRAMES * sizeof(*ids)), depth = 0;
	char *copy = strdup(stack), *save = NULL;
	int err = 0;

	if (!ids || !copy) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (char *f = strtok_r(copy, ";", &save); f && !err && depth < MAX_STACK_FRAMES;
	     f = strtok_r(NULL, ";", &save))
		err = profile_intern(p, f, &ids[depth++]);
	if (!err && depth)
		err = profile_add(p, ids, depth, count);
cleanup:
	free(ids);
	free(copy);
	return err;
}

int leak_growth_to_profile(const struct leak_growth *g, struct profile *p)
{
	for (size_t i = 0; i < g->n; i++) {
		int err;

		if (g->rows[i].delta_bytes <= 0)
			continue;
		err = add_folded(p, g->rows[i].stack, (uint64_t)g->rows[i].delta_bytes);
		if (err)
			return err;
	}
	return 0;
}

int leak_snapshot_to_profile(const struct leak_snapshot *s, struct profile *p)
{
	for (size_t i = 0; i < s->n; i++) {
		int err = s->stacks[i].bytes ? add_folded(p, s->stacks[i].stack, s->stacks[i].bytes) : 0;

		if (err)
			return err;
	}
	return 0;
}
