// SPDX-License-Identifier: GPL-2.0
#include "agent/core/sample_weights.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/abi.h"

struct tw {
	uint32_t tgid, tid;
	uint64_t samples;
	double factor, carry;
};

static int cmp_tw(const void *a, const void *b)
{
	const struct tw *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static struct tw *tw_find(struct tw *arr, size_t n, const struct cpu_sample_key *k)
{
	struct tw key = { .tgid = k->tgid, .tid = k->tid };

	return n ? bsearch(&key, arr, n, sizeof(*arr), cmp_tw) : NULL;
}

int sample_weights_apply(struct agg_table *table, uint64_t period_ns, thread_cpu_fn cpu, void *ctx)
{
	struct tw *th = NULL;
	struct agg_table out;
	size_t n = 0;
	int err;

	if (!period_ns)
		return -EINVAL;
	if (!table->count)
		return 0;
	err = agg_table_init(&out, table->key_size);
	if (err)
		return err;
	th = calloc(table->count, sizeof(*th));
	if (!th) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* One record per thread: sort the keys' threads, merge duplicates. */
	for (size_t i = 0; i < table->count; i++) {
		const struct cpu_sample_key *k = (const void *)table->entries[i].key;

		th[i] = (struct tw){ .tgid = k->tgid, .tid = k->tid, .samples = table->entries[i].a };
	}
	qsort(th, table->count, sizeof(*th), cmp_tw);
	for (size_t i = 0; i < table->count; i++) {
		if (n && !cmp_tw(&th[n - 1], &th[i]))
			th[n - 1].samples += th[i].samples;
		else
			th[n++] = th[i];
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t ns;

		th[i].factor = 1.0;
		if (th[i].samples && !cpu(ctx, (pid_t)th[i].tgid, (pid_t)th[i].tid, &ns))
			th[i].factor = (double)ns / (double)period_ns / (double)th[i].samples;
	}
	for (size_t i = 0; i < table->count; i++) {
		struct agg_entry *e = &table->entries[i];
		struct tw *t = tw_find(th, n, (const void *)e->key);
		double x = (double)e->a * t->factor + t->carry;
		uint64_t a = (uint64_t)(x + 0.5);

		t->carry = x - (double)a;
		if (!a)
			continue;
		err = agg_table_add(&out, e->key, a, e->b);
		if (err)
			goto cleanup;
	}
	agg_table_free(table);
	*table = out;
	memset(&out, 0, sizeof(out));
cleanup:
	agg_table_free(&out);
	free(th);
	return err;
}
