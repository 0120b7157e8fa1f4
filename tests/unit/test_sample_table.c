#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/sample_table.h"

static struct cpu_sample_key key(uint32_t tgid, uint32_t tid, int32_t ustack, int32_t kstack)
{
	struct cpu_sample_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = tgid;
	k.tid = tid;
	k.user_stack_id = ustack;
	k.kern_stack_id = kstack;
	strcpy(k.comm, "worker");
	return k;
}

static void test_merges_equal_keys_across_growth(void **state)
{
	struct sample_table t;

	(void)state;
	assert_int_equal(sample_table_init(&t), 0);
	for (int round = 0; round < 3; round++)
		for (uint32_t i = 0; i < 5000; i++) {
			struct cpu_sample_key k = key(1, i, (int32_t)i, -1);

			assert_int_equal(sample_table_add(&t, &k, i + 1), 0);
		}
	assert_int_equal(t.count, 5000);
	for (size_t i = 0; i < t.count; i++)
		assert_int_equal(t.entries[i].count, 3 * (t.entries[i].key.tid + 1));
	assert_int_equal(t.total, 3ULL * 5000 * 5001 / 2);
	sample_table_free(&t);
}

static int fetches;

static int fake_fetch(void *ctx, int32_t id, uint64_t *ips, size_t max)
{
	(void)ctx;
	fetches++;
	if (id == 7)
		return -ENOENT;
	for (size_t i = 0; i < 3 && i < max; i++)
		ips[i] = 0x1000 * (uint64_t)(id + 1) + i;
	return 3;
}

static void test_stack_cache_fetches_once(void **state)
{
	struct stack_cache *c = calloc(1, sizeof(*c));
	const struct stack_copy *s;
	bool fresh;

	(void)state;
	fetches = 0;
	s = stack_cache_get(c, 4, fake_fetch, NULL, &fresh);
	assert_non_null(s);
	assert_true(fresh);
	assert_int_equal(s->depth, 3);
	assert_int_equal(s->ips[2], 0x5002);
	s = stack_cache_get(c, 4, fake_fetch, NULL, &fresh);
	assert_false(fresh);
	assert_int_equal(fetches, 1);
	assert_null(stack_cache_get(c, -1, fake_fetch, NULL, &fresh));
	assert_null(stack_cache_get(c, TMPROF_STACK_ENTRIES, fake_fetch, NULL, &fresh));
	assert_null(stack_cache_get(c, 7, fake_fetch, NULL, &fresh));
	stack_cache_free(c);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merges_equal_keys_across_growth),
		cmocka_unit_test(test_stack_cache_fetches_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
