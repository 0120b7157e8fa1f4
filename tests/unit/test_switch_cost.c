// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/collect/switch_cost.h"

/* 1000 round trips in 4 ms off: 2 µs a switch; 1000 in 6 ms on: 3 µs, so
 * the event adds 1 µs. */
static void test_from_counts(void **state)
{
	struct switch_cost c;

	(void)state;
	assert_int_equal(switch_cost_from_counts(1000, 4000000, 1000, 6000000, &c), 0);
	assert_true(c.switch_ns > 1999.9 && c.switch_ns < 2000.1);
	assert_true(c.added_ns > 999.9 && c.added_ns < 1000.1);
	/* Faster with the event (noise): a negative figure, said as it is. */
	assert_int_equal(switch_cost_from_counts(1000, 4000000, 2000, 4000000, &c), 0);
	assert_true(c.added_ns < 0);
	assert_int_equal(switch_cost_from_counts(0, 4000000, 1000, 4000000, &c), -EINVAL);
	assert_int_equal(switch_cost_from_counts(1000, 4000000, 0, 4000000, &c), -EINVAL);
}

/* 2000 ns a switch at 10000 switches/s is 20 ms/s: 2 % of a CPU. */
static void test_cpu_pct(void **state)
{
	(void)state;
	assert_true(switch_cost_cpu_pct(2000, 10000) > 1.999 && switch_cost_cpu_pct(2000, 10000) < 2.001);
	assert_true(switch_cost_cpu_pct(2000, 0) == 0);
}

/* The probe itself: threads run and hand the byte over in both kinds of
 * window (the figures are the host's; only that there are some is checked). */
static void test_measure_runs(void **state)
{
	struct switch_cost c = { 0 };

	(void)state;
	assert_int_equal(switch_cost_measure(3, 20, 10000000, &c), 0);
	assert_true(c.switch_ns > 0);
	assert_int_equal(switch_cost_measure(0, 20, 10000000, &c), -EINVAL);
	assert_int_equal(switch_cost_measure(SWITCH_COST_MAX_ROUNDS + 1, 20, 10000000, &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_counts),
		cmocka_unit_test(test_cpu_pct),
		cmocka_unit_test(test_measure_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
