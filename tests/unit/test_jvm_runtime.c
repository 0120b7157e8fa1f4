// SPDX-License-Identifier: GPL-2.0
/* jvm_runtime: a JVM's libjvm hooks and vmStructs found from outside; a
 * second open of the same libjvm file reuses the symbol answers (no second
 * scan of its tables) and finds the same. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/jvm/jvm_runtime.h"
#include "jvm_fixture.h"

/* This process maps no libjvm. */
static void test_not_a_jvm(void **state)
{
	struct jvm_runtime rt;

	(void)state;
	assert_int_equal(jvm_runtime_open(getpid(), &rt), -ENOENT);
}

static void test_reopen_reuses_lookups(void **state)
{
	struct jvm_runtime a, b;
	struct jvm_fixture *j;
	uint64_t reused;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, NULL);
	assert_int_equal(jvm_runtime_open(j->pid, &a), 0);
	assert_true(a.vmstructs_ok);
	assert_true(a.alloc_in_new_tlab != 0);
	reused = jvm_runtime_lookups_reused();
	assert_int_equal(jvm_runtime_open(j->pid, &b), 0);
	assert_int_equal(jvm_runtime_lookups_reused(), reused + 1);
	assert_string_equal(a.libjvm, b.libjvm);
	assert_int_equal(a.has_symtab, b.has_symtab);
	assert_int_equal(a.alloc_in_new_tlab, b.alloc_in_new_tlab);
	assert_int_equal(a.alloc_outside_tlab, b.alloc_outside_tlab);
	assert_int_equal(a.vmstructs_ok, b.vmstructs_ok);
	assert_int_equal(a.vmstructs_ints_ok, b.vmstructs_ints_ok);
	jvm_runtime_close(&a);
	jvm_runtime_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_a_jvm),
		cmocka_unit_test_teardown(test_reopen_reuses_lookups, jvm_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
}
