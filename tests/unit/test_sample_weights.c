// SPDX-License-Identifier: GPL-2.0
/* --sampler=weighted's rescaling: each thread's total becomes its CPU time
 * over the period, its stacks keep their proportions, threads without a
 * known CPU time keep their samples. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/sample_weights.h"
#include "bpf/abi.h"

static int cpu_of(void *ctx, pid_t tgid, pid_t tid, uint64_t *ns)
{
	(void)ctx;
	if (tgid != 10)
		return -ENOENT;
	if (tid == 11) {
		*ns = 300000000; /* 300 ms: 30 periods of 10 ms */
		return 0;
	}
	if (tid == 12) {
		*ns = 10000000; /* 1 period */
		return 0;
	}
	return -ENOENT;
}

static void add(struct agg_table *t, uint32_t tgid, uint32_t tid, uint64_t stack, uint64_t n)
{
	struct cpu_sample_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = tgid;
	k.tid = tid;
	k.user_stack = stack;
	assert_int_equal(agg_table_add(t, &k, n, 0), 0);
}

static uint64_t count(const struct agg_table *t, uint32_t tid, uint64_t stack, size_t *found)
{
	uint64_t n = 0;

	*found = 0;
	for (size_t i = 0; i < t->count; i++) {
		const struct cpu_sample_key *k = (const void *)t->entries[i].key;

		if (k->tid == tid && (!stack || k->user_stack == stack)) {
			n += t->entries[i].a;
			(*found)++;
		}
	}
	return n;
}

static void test_rescale(void **state)
{
	struct agg_table t;
	size_t found;

	(void)state;
	assert_int_equal(agg_table_init(&t, sizeof(struct cpu_sample_key)), 0);
	/* tid 11: 20 samples (15 + 5) for 30 periods of CPU: x1.5. */
	add(&t, 10, 11, 1, 15);
	add(&t, 10, 11, 2, 5);
	/* tid 12: 4 samples for 1 period: three stacks of 1..2 -> 1 in all. */
	add(&t, 10, 12, 3, 2);
	add(&t, 10, 12, 4, 1);
	add(&t, 10, 12, 5, 1);
	/* tid 13: CPU unknown, kept; another process too. */
	add(&t, 10, 13, 6, 7);
	add(&t, 20, 11, 7, 9);
	assert_int_equal(sample_weights_apply(&t, 10000000, cpu_of, NULL), 0);

	/* 15 x 1.5 = 22.5 rounds to 23; the -0.5 carried makes 5 x 1.5 = 7. */
	assert_int_equal(count(&t, 11, 1, &found), 23);
	assert_int_equal(count(&t, 11, 2, &found), 7);
	{
		struct cpu_sample_key k;
		uint64_t tid11 = 0;

		for (size_t i = 0; i < t.count; i++) {
			memcpy(&k, t.entries[i].key, sizeof(k));
			if (k.tgid == 10 && k.tid == 11)
				tid11 += t.entries[i].a;
		}
		assert_int_equal(tid11, 30);
	}
	/* One sample left for tid 12; the stacks rounded to zero are gone. */
	assert_int_equal(count(&t, 12, 0, &found), 1);
	assert_int_equal(found, 1);
	assert_int_equal(count(&t, 13, 0, &found), 7);
	/* The other process's tid 11 kept its 9. */
	{
		uint64_t other = 0;

		for (size_t i = 0; i < t.count; i++) {
			const struct cpu_sample_key *k = (const void *)t.entries[i].key;

			if (k->tgid == 20)
				other += t.entries[i].a;
		}
		assert_int_equal(other, 9);
	}
	agg_table_free(&t);
}

static void test_empty_and_bad_period(void **state)
{
	struct agg_table t;

	(void)state;
	assert_int_equal(agg_table_init(&t, sizeof(struct cpu_sample_key)), 0);
	assert_int_equal(sample_weights_apply(&t, 10000000, cpu_of, NULL), 0);
	assert_int_equal(t.count, 0);
	assert_int_equal(sample_weights_apply(&t, 0, cpu_of, NULL), -EINVAL);
	agg_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rescale),
		cmocka_unit_test(test_empty_and_bad_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
