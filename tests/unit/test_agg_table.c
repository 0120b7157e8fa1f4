// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/agg_table.h"

struct key {
	uint32_t tid;
	int32_t stack;
};

static void test_merges_equal_keys_across_growth(void **state)
{
	struct agg_table t;
	uint64_t total = 0;

	(void)state;
	assert_int_equal(agg_table_init(&t, sizeof(struct key)), 0);
	for (int round = 0; round < 3; round++)
		for (uint32_t i = 0; i < 5000; i++) {
			struct key k = { i, (int32_t)i % 7 };

			assert_int_equal(agg_table_add(&t, &k, i + 1, 1), 0);
		}
	assert_int_equal(t.count, 5000);
	for (size_t i = 0; i < t.count; i++) {
		const struct key *k = (const struct key *)t.entries[i].key;

		assert_int_equal(t.entries[i].a, 3 * (k->tid + 1));
		assert_int_equal(t.entries[i].b, 3);
		total += t.entries[i].a;
	}
	assert_int_equal(total, 3ULL * 5000 * 5001 / 2);
	agg_table_clear(&t);
	assert_int_equal(t.count, 0);
	assert_int_equal(agg_table_add(&t, &(struct key){ 1, 1 }, 5, 0), 0);
	assert_int_equal(t.count, 1);
	agg_table_free(&t);
	assert_int_equal(agg_table_init(&t, AGG_KEY_MAX + 1), -EINVAL);
	assert_int_equal(agg_table_init(&t, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merges_equal_keys_across_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
