// SPDX-License-Identifier: GPL-2.0
/* tmprof doctor's parsing of /proc/self/mountinfo for tracefs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/cli/cmd_doctor.h"

static void test_tracefs_found(void **state)
{
	char at[64];

	(void)state;
	assert_true(doctor_tracefs_in_mountinfo(
		"22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
		"31 22 0:12 / /sys/kernel/tracing rw,nosuid,nodev shared:8 - tracefs tracefs rw\n", at,
		sizeof(at)));
	assert_string_equal(at, "/sys/kernel/tracing");
	/* Several optional fields before the separator. */
	assert_true(doctor_tracefs_in_mountinfo(
		"40 30 0:12 / /sys/kernel/debug/tracing rw shared:9 master:3 - tracefs nodev rw", at,
		sizeof(at)));
	assert_string_equal(at, "/sys/kernel/debug/tracing");
}

static void test_tracefs_absent(void **state)
{
	char at[64] = "";

	(void)state;
	assert_false(doctor_tracefs_in_mountinfo("", at, sizeof(at)));
	/* A mount point named tracefs is not a tracefs. */
	assert_false(doctor_tracefs_in_mountinfo(
		"25 1 0:23 / /mnt/tracefs rw - tmpfs tmpfs rw\n"
		"26 1 0:24 / /sys rw - sysfs sysfs rw\n", at, sizeof(at)));
	/* A line cut before the separator. */
	assert_false(doctor_tracefs_in_mountinfo("31 22 0:12 / /sys/kernel/tracing rw", at, sizeof(at)));
	assert_string_equal(at, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracefs_found),
		cmocka_unit_test(test_tracefs_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
