// SPDX-License-Identifier: GPL-2.0
/* -e cpu as a collector: how a drained key and the BPF counters decode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/cpu_collector.h"

static void test_row_decodes_key(void **state)
{
	struct cpu_sample_key key = { .tgid = 10, .tid = 11, .user_stack = 0xabc, .kern_stack_id = 4 };
	struct collector_row row;

	(void)state;
	cpu_collector_row(&key, 7, &row);
	assert_ptr_equal(row.key, &key);
	assert_int_equal(row.a, 7);
	assert_int_equal(row.b, 0);
	assert_int_equal(row.tgid, 10);
	assert_int_equal(row.tid, 11);
	assert_int_equal(row.user_stack, 0xabc);
}

static void test_stats_sum_losses(void **state)
{
	uint64_t bpf[CPU_STAT__MAX];
	struct collector_stats st;

	(void)state;
	for (int i = 0; i < CPU_STAT__MAX; i++)
		bpf[i] = 1ULL << i;
	cpu_collector_stats_of(bpf, &st);
	assert_int_equal(st.events, bpf[CPU_STAT_SAMPLES]);
	assert_int_equal(st.user_lost, bpf[CPU_STAT_USER_COLLISION] + bpf[CPU_STAT_USER_ERROR]);
	assert_int_equal(st.kern_lost, bpf[CPU_STAT_KERN_COLLISION] + bpf[CPU_STAT_KERN_ERROR]);
	assert_int_equal(st.dropped, bpf[CPU_STAT_COUNTS_FULL]);
}

static void test_ops_complete(void **state)
{
	(void)state;
	assert_string_equal(cpu_collector_ops.name, "cpu");
	assert_int_equal(cpu_collector_ops.key_size, sizeof(struct cpu_sample_key));
	assert_non_null(cpu_collector_ops.kern_stack);
	assert_null(cpu_collector_ops.cut);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_decodes_key),
		cmocka_unit_test(test_stats_sum_losses),
		cmocka_unit_test(test_ops_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
