// SPDX-License-Identifier: GPL-2.0
/* stack_cache: each id fetched once, failures retried, entries kept
 * through growth. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/core/stack_cache.h"

static int fetches;

static int fake_fetch(void *ctx, uint64_t id, uint64_t *ips, size_t max)
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
	struct stack_cache cache, *c = &cache;
	const struct stack_copy *s;
	bool fresh;

	(void)state;
	assert_int_equal(stack_cache_init(c, fake_fetch, NULL), 0);
	fetches = 0;
	s = stack_cache_get(c, 4, &fresh);
	assert_non_null(s);
	assert_true(fresh);
	assert_int_equal(s->depth, 3);
	assert_int_equal(s->ips[2], 0x5002);
	s = stack_cache_get(c, 4, &fresh);
	assert_false(fresh);
	assert_int_equal(fetches, 1);
	/* A failed fetch is not cached: the map may hold the stack later. */
	assert_null(stack_cache_get(c, 7, &fresh));
	assert_null(stack_cache_get(c, 7, &fresh));
	assert_int_equal(fetches, 3);
	/* Many ids, small and hash-like: all kept through growth. */
	for (uint64_t i = 0; i < 3000; i++) {
		uint64_t id = i % 2 ? i : i * 0x9e3779b97f4a7c15ULL + 8;

		if (id == 7)
			continue;
		s = stack_cache_get(c, id, &fresh);
		assert_non_null(s);
		assert_int_equal(s->id, id);
		assert_int_equal(s->ips[0], 0x1000 * (id + 1));
	}
	s = stack_cache_get(c, 4, &fresh);
	assert_false(fresh);
	assert_int_equal(s->ips[2], 0x5002);
	stack_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_cache_fetches_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
