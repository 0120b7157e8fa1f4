// SPDX-License-Identifier: GPL-2.0
/* Per-thread sampling events: the pure helpers and the error paths (the
 * sampling itself is tested with the BPF program in test_cpu_sampler). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/collect/thread_events.h"
#include "support.h"

static void test_thread_uncovered(void **state)
{
	(void)state;
	/* 3 periods of 10 ms without a sample: uncovered. */
	assert_true(thread_uncovered(30000000, 0, 10000000, 3));
	/* A sample proves coverage whatever the CPU time. */
	assert_false(thread_uncovered(90000000, 1, 10000000, 3));
	/* Too little CPU to tell. */
	assert_false(thread_uncovered(29999999, 0, 10000000, 3));
	assert_false(thread_uncovered(100, 0, 0, 3));
}

static void test_list_due(void **state)
{
	(void)state;
	/* Nothing watched, close not due: no task list. */
	assert_false(thread_events_list_due(5000, 0, 0, 0, true));
	/* The batch close comes every 10 s. */
	assert_true(thread_events_list_due(10000, 0, 0, 0, true));
	assert_true(thread_events_list_due(25000, 15000, 0, 0, true));
	assert_false(thread_events_list_due(24999, 15000, 0, 0, true));
	/* A new watch is armed at the next drain. */
	assert_true(thread_events_list_due(1000, 900, 900, 3, false));
	/* Armed watches wait for their 5 s check. */
	assert_false(thread_events_list_due(5899, 900, 900, 3, true));
	assert_true(thread_events_list_due(5900, 900, 900, 3, true));
}

static void test_bad_program_fails_cleanly(void **state)
{
	struct thread_events *te = NULL;
	struct thread_events_stats st;

	(void)state;
	if (!test_require_root())
		return;
	/* No program to attach: every open fails, nothing stays open. */
	assert_int_equal(thread_events_new(-1, 10000000, TE_INHERIT, &te), 0);
	assert_int_equal(thread_events_add(te, getpid()), -EBADF);
	thread_events_stats(te, &st);
	assert_int_equal(st.open, 0);
	assert_true(st.open_failures >= 1);
	assert_int_equal(thread_events_open_count(te, getpid()), 0);
	assert_int_equal(thread_events_remove(te, getpid()), -ENOENT);
	assert_int_equal(thread_events_add(te, 0x7ffffff0), -ESRCH);
	assert_int_equal(thread_events_rescan(te, false), 0);
	thread_events_free(te);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_uncovered),
		cmocka_unit_test(test_list_due),
		cmocka_unit_test(test_bad_program_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
