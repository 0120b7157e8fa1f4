#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flamegraph/profile.h"

static void test_intern_dedupes_and_sanitizes(void **state)
{
	struct profile *p = profile_new();
	uint32_t a, b, c;

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile_intern(p, "foo", &a), 0);
	assert_int_equal(profile_intern(p, "bar", &b), 0);
	assert_int_equal(profile_intern(p, "foo", &c), 0);
	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	/* ';' and newlines would split frames and stacks in folded output. */
	assert_int_equal(profile_intern(p, "a;b\nc\td", &a), 0);
	assert_string_equal(profile_string(p, a), "a:b?c?d");
	/* Sanitised and literal spellings are the same frame. */
	assert_int_equal(profile_intern(p, "a:b?c?d", &b), 0);
	assert_int_equal(a, b);
	assert_string_equal(profile_string(p, 999999), "");
	profile_free(p);
}

static void test_add_merges_identical_stacks(void **state)
{
	struct profile *p = profile_new();
	uint32_t f[3];
	struct profile_stack s;

	(void)state;
	profile_intern(p, "root", &f[0]);
	profile_intern(p, "mid", &f[1]);
	profile_intern(p, "leaf", &f[2]);
	assert_int_equal(profile_add(p, f, 3, 5), 0);
	assert_int_equal(profile_add(p, f, 2, 1), 0);
	assert_int_equal(profile_add(p, f, 3, 7), 0);
	assert_int_equal(profile_add(p, f, 0, 2), 0);
	assert_int_equal(profile_stack_count(p), 3);
	assert_int_equal(profile_total(p), 15);
	profile_stack_get(p, 0, &s);
	assert_int_equal(s.depth, 3);
	assert_int_equal(s.count, 12);
	assert_int_equal(s.frames[2], f[2]);
	profile_free(p);
}

static void test_many_strings_and_stacks_survive_growth(void **state)
{
	struct profile *p = profile_new();
	char name[32];
	uint32_t ids[2];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(profile_intern(p, name, &ids[0]), 0);
		assert_int_equal(ids[0], (uint32_t)i);
		ids[1] = (uint32_t)(i / 2);
		assert_int_equal(profile_add(p, ids, 2, 1), 0);
	}
	for (int i = 0; i < 20000; i += 997) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(profile_intern(p, name, &ids[0]), 0);
		assert_int_equal(ids[0], (uint32_t)i);
	}
	assert_int_equal(profile_stack_count(p), 20000);
	assert_int_equal(profile_total(p), 20000);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_dedupes_and_sanitizes),
		cmocka_unit_test(test_add_merges_identical_stacks),
		cmocka_unit_test(test_many_strings_and_stacks_survive_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
