// SPDX-License-Identifier: GPL-2.0
/* strpool: interning, identity of equal strings, the memory bound. */
#include "symbolize/strpool.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_intern_identity(void **state)
{
	struct strpool *p = NULL;
	char buf[32];
	const char *a, *b;

	(void)state;
	assert_int_equal(strpool_new(1 << 20, &p), 0);
	strcpy(buf, "JavaCalls::call_helper");
	a = strpool_intern(p, buf);
	strcpy(buf, "JavaCalls::call_helper");
	b = strpool_intern(p, buf);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, buf);
	assert_string_equal(a, "JavaCalls::call_helper");
	assert_ptr_not_equal(strpool_intern(p, "other"), a);
	assert_string_equal(strpool_intern(p, ""), "");
	assert_int_equal(strpool_count(p), 3);
	strpool_free(p);
}

static void test_growth_keeps_pointers(void **state)
{
	struct strpool *p = NULL;
	const char *first[5000];
	char buf[64];

	(void)state;
	assert_int_equal(strpool_new(64 << 20, &p), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "name-%d", i);
		first[i] = strpool_intern(p, buf);
		assert_non_null(first[i]);
	}
	/* A string larger than a block gets its own. */
	static char big[100000];
	memset(big, 'b', sizeof(big) - 1);
	assert_string_equal(strpool_intern(p, big), big);
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "name-%d", i);
		assert_ptr_equal(strpool_intern(p, buf), first[i]);
		assert_string_equal(first[i], buf);
	}
	strpool_free(p);
}

static void test_bound(void **state)
{
	struct strpool *p = NULL;
	const char *kept;

	(void)state;
	assert_int_equal(strpool_new(16, &p), 0);
	kept = strpool_intern(p, "0123456789");     /* 11 bytes */
	assert_non_null(kept);
	assert_null(strpool_intern(p, "abcdefghij"));  /* would be 22 */
	assert_ptr_equal(strpool_intern(p, "0123456789"), kept); /* hits still work */
	assert_int_equal(strpool_bytes(p), 11);
	strpool_free(p);
	strpool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_identity),
		cmocka_unit_test(test_growth_keeps_pointers),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
