// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_collect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/collect/leak_sampling.h"
#include "agent/leak/leak_snapshot.h"
#include "agent/leak/leak_symbols.h"
#include "agent/collect/collector.h"
#include "bpf/abi.h"

struct by_stack {
	uint64_t stack;  /* ustacks hash */
	uint64_t bytes;  /* estimated */
	uint64_t count;
	uint64_t oldest; /* boot ns */
};

struct collect {
	uint32_t tgid;
	uint64_t period;
	struct by_stack *rows;
	size_t n, cap;
};

/* A row of the leak collector: one live allocation (leak_collector.h). */
static int on_live(void *ctx, const struct collector_row *row)
{
	struct collect *c = ctx;

	if (row->tgid != c->tgid)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct by_stack *g = realloc(c->rows, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		c->rows = g;
		c->cap = cap;
	}
	c->rows[c->n++] = (struct by_stack){ row->user_stack, leak_sample_weight(row->a, c->period),
					     1, row->b };
	return 0;
}

static int by_stack_cmp(const void *a, const void *b)
{
	const struct by_stack *x = a, *y = b;

	return (x->stack > y->stack) - (x->stack < y->stack);
}

/* One row per stack hash: symbolizing is the expensive part. */
static size_t merge_rows(struct by_stack *rows, size_t n)
{
	size_t w = 0;

	if (!n)
		return 0;
	qsort(rows, n, sizeof(*rows), by_stack_cmp);
	for (size_t r = 1; r < n; r++) {
		if (rows[r].stack == rows[w].stack) {
			rows[w].bytes += rows[r].bytes;
			rows[w].count += rows[r].count;
			if (rows[r].oldest < rows[w].oldest)
				rows[w].oldest = rows[r].oldest;
		} else {
			rows[++w] = rows[r];
		}
	}
	return w + 1;
}

int leak_collect(const struct collector *leak, struct process_symbolizer *ps, uint32_t tgid,
		 uint64_t now_boot_ns, struct leak_snapshot *s)
{
	struct collect c = { .tgid = tgid, .period = s->period };
	uint64_t ips[TMPROF_MAX_STACK_DEPTH];
	int err = leak->ops->drain(leak->impl, on_live, &c);
	size_t n;

	if (err)
		goto cleanup;
	n = merge_rows(c.rows, c.n);
	for (size_t i = 0; i < n && !err; i++) {
		uint64_t age = now_boot_ns > c.rows[i].oldest ? (now_boot_ns - c.rows[i].oldest) / 1000000000ULL : 0;
		int depth = c.rows[i].stack ? leak->ops->user_stack(leak->impl, c.rows[i].stack, ips, TMPROF_MAX_STACK_DEPTH) : -ENOENT;
		char *text = NULL;

		s->tracked += c.rows[i].count;
		if (depth > 0)
			err = leak_stack_text(ps, ips, (uint32_t)depth, 1, NULL, &text);
		if (depth <= 0 || err == -ENODATA) {
			s->lost_stacks += c.rows[i].count;
			err = leak_snapshot_add(s, "[lost stack]", c.rows[i].bytes, c.rows[i].count, age);
			continue;
		}
		if (!err)
			err = leak_snapshot_add(s, text, c.rows[i].bytes, c.rows[i].count, age);
		free(text);
	}
	if (!err)
		leak_snapshot_finish(s);
cleanup:
	free(c.rows);
	return err;
}
