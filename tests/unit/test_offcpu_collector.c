// SPDX-License-Identifier: GPL-2.0
/* -e offcpu as a collector: how a drained span total and the BPF counters
 * decode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/offcpu_collector.h"

static void test_row_decodes_span(void **state)
{
	struct sched_span_key key = { .tgid = 20, .tid = 21, .user_stack = 9, .kern_stack_id = -1,
				      .span = SPAN_BLOCKED };
	struct sched_span_value v = { .ns = 123456, .count = 3 };
	struct collector_row row;

	(void)state;
	offcpu_collector_row(&key, &v, &row);
	assert_ptr_equal(row.key, &key);
	assert_int_equal(row.a, 123456);
	assert_int_equal(row.b, 3);
	assert_int_equal(row.tgid, 20);
	assert_int_equal(row.tid, 21);
	assert_int_equal(row.user_stack, 9);
}

static void test_stats_sum_losses(void **state)
{
	uint64_t bpf[OFFCPU_STAT__MAX];
	struct collector_stats st;

	(void)state;
	for (int i = 0; i < OFFCPU_STAT__MAX; i++)
		bpf[i] = 1ULL << i;
	offcpu_collector_stats_of(bpf, &st);
	assert_int_equal(st.events, bpf[OFFCPU_STAT_SWITCHES]);
	assert_int_equal(st.user_lost, bpf[OFFCPU_STAT_USER_COLLISION] + bpf[OFFCPU_STAT_USER_ERROR]);
	assert_int_equal(st.kern_lost, bpf[OFFCPU_STAT_KERN_COLLISION] + bpf[OFFCPU_STAT_KERN_ERROR]);
	assert_int_equal(st.dropped, bpf[OFFCPU_STAT_TOTALS_FULL] + bpf[OFFCPU_STAT_THREADS_FULL]);
}

/* Spans still open at a cut are handed over by the collector itself. */
static void test_ops_complete(void **state)
{
	(void)state;
	assert_string_equal(offcpu_collector_ops.name, "offcpu");
	assert_int_equal(offcpu_collector_ops.key_size, sizeof(struct sched_span_key));
	assert_non_null(offcpu_collector_ops.cut);
	assert_non_null(offcpu_collector_ops.interval_start);
	assert_non_null(offcpu_collector_ops.interval_stop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_decodes_span),
		cmocka_unit_test(test_stats_sum_losses),
		cmocka_unit_test(test_ops_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
