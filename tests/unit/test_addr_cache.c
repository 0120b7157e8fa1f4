// SPDX-License-Identifier: GPL-2.0
/* addr_cache: insert/find, replacement, the size bound, dropping by tag. */
#include "symbolize/addr_cache.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

static struct addr_entry entry(uint64_t addr, const char *name, uint8_t tag)
{
	struct addr_entry e = { .addr = addr, .name = name, .module = "m", .kind = 1, .tag = tag };

	return e;
}

static void test_insert_find(void **state)
{
	struct addr_cache *c = NULL;
	struct addr_entry e;

	(void)state;
	assert_int_equal(addr_cache_new(10000, &c), 0);
	for (uint64_t i = 0; i < 5000; i++) {
		e = entry(0x7f0000000000ull + i * 16, "f", 0);
		assert_int_equal(addr_cache_insert(c, &e), 0);
	}
	e = entry(0, "zero", 0);
	assert_int_equal(addr_cache_insert(c, &e), 0);
	assert_int_equal(addr_cache_count(c), 5001);
	for (uint64_t i = 0; i < 5000; i++)
		assert_non_null(addr_cache_find(c, 0x7f0000000000ull + i * 16));
	assert_null(addr_cache_find(c, 0x7f0000000001ull));
	assert_string_equal(addr_cache_find(c, 0)->name, "zero");
	/* Replacement keeps one entry. */
	e = entry(0, "again", 0);
	assert_int_equal(addr_cache_insert(c, &e), 0);
	assert_string_equal(addr_cache_find(c, 0)->name, "again");
	assert_int_equal(addr_cache_count(c), 5001);
	addr_cache_free(c);
}

static void test_bound(void **state)
{
	struct addr_cache *c = NULL;
	struct addr_entry e;

	(void)state;
	assert_int_equal(addr_cache_new(100, &c), 0);
	for (uint64_t i = 0; i < 1000; i++) {
		e = entry(i, "x", 0);
		assert_int_equal(addr_cache_insert(c, &e), 0);
		assert_true(addr_cache_count(c) <= 100);
	}
	/* The most recent insertion is always there. */
	assert_non_null(addr_cache_find(c, 999));
	addr_cache_free(c);
}

static void test_drop_tag(void **state)
{
	struct addr_cache *c = NULL;
	struct addr_entry e;

	(void)state;
	assert_int_equal(addr_cache_new(1000, &c), 0);
	for (uint64_t i = 0; i < 300; i++) {
		e = entry(i * 8, "x", (uint8_t)(i % 3));
		assert_int_equal(addr_cache_insert(c, &e), 0);
	}
	assert_int_equal(addr_cache_drop_tag(c, 1), 0);
	assert_int_equal(addr_cache_count(c), 200);
	for (uint64_t i = 0; i < 300; i++) {
		const struct addr_entry *f = addr_cache_find(c, i * 8);

		if (i % 3 == 1)
			assert_null(f);
		else
			assert_int_equal(f->tag, i % 3);
	}
	addr_cache_free(c);
	addr_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_drop_tag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
