// SPDX-License-Identifier: GPL-2.0
/* target_ids: NSpid and effective uid from /proc/PID/status. */
#include "symbolize/target_ids.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_parse_container(void **state)
{
	static const char text[] = "Name:\tjava\n"
				   "Pid:\t31337\n"
				   "Uid:\t1000\t1001\t1000\t1000\n"
				   "Gid:\t1000\t1000\t1000\t1000\n"
				   "NSpid:\t31337\t120\t7\n";
	struct target_ids ids;

	(void)state;
	assert_int_equal(target_ids_parse(text, strlen(text), &ids), 0);
	assert_int_equal(ids.nspid, 7);
	assert_int_equal(ids.euid, 1001);
}

static void test_parse_no_nspid(void **state)
{
	static const char text[] = "Pid:\t42\nUid:\t0\t0\t0\t0";
	struct target_ids ids;

	(void)state;
	/* Kernels before 4.1 have no NSpid line. */
	assert_int_equal(target_ids_parse(text, strlen(text), &ids), 0);
	assert_int_equal(ids.nspid, 42);
	assert_int_equal(ids.euid, 0);
}

static void test_parse_bad(void **state)
{
	struct target_ids ids;

	(void)state;
	assert_int_equal(target_ids_parse("", 0, &ids), -EINVAL);
	assert_int_equal(target_ids_parse("Pid:\t1\n", 7, &ids), -EINVAL);
	assert_int_equal(target_ids_parse("Pid:\t1\nUid:\t5\n", 14, &ids), -EINVAL);
	assert_int_equal(target_ids_parse("Uid:\t1 2 3 4\nNSpid:\tx\n", 22, &ids), -EINVAL);
	assert_int_equal(target_ids_parse("Uid:\t1\t99999999999999999999\nPid:\t3\n", 35, &ids),
			 -EINVAL);
}

static void test_read_self(void **state)
{
	struct target_ids ids;

	(void)state;
	assert_int_equal(target_ids_read(getpid(), &ids), 0);
	assert_int_equal(ids.nspid, getpid());
	assert_int_equal(ids.euid, geteuid());
	assert_int_equal(target_ids_read(0x7ffffff0, &ids), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_container),
		cmocka_unit_test(test_parse_no_nspid),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
