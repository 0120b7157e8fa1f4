// SPDX-License-Identifier: GPL-2.0
/* -e alloc as a collector: how a drained allocation total and the BPF
 * counters decode. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/alloc_collector.h"

static void test_row_decodes_allocation(void **state)
{
	struct alloc_key key = { .tgid = 30, .tid = 31, .user_stack = 77, .klass = 0x800001000 };
	struct alloc_value v = { .bytes = 4096, .count = 2 };
	struct collector_row row;

	(void)state;
	alloc_collector_row(&key, &v, &row);
	assert_ptr_equal(row.key, &key);
	assert_int_equal(row.a, 4096);
	assert_int_equal(row.b, 2);
	assert_int_equal(row.tgid, 30);
	assert_int_equal(row.tid, 31);
	assert_int_equal(row.user_stack, 77);
}

static void test_stats_sum_losses(void **state)
{
	uint64_t bpf[ALLOC_STAT__MAX];
	struct collector_stats st;

	(void)state;
	for (int i = 0; i < ALLOC_STAT__MAX; i++)
		bpf[i] = 1ULL << i;
	alloc_collector_stats_of(bpf, &st);
	assert_int_equal(st.events, bpf[ALLOC_STAT_EVENTS]);
	assert_int_equal(st.user_lost, bpf[ALLOC_STAT_USER_COLLISION] + bpf[ALLOC_STAT_USER_ERROR]);
	assert_int_equal(st.kern_lost, 0); /* uprobes: no kernel stacks */
	assert_int_equal(st.dropped, bpf[ALLOC_STAT_TOTALS_FULL]);
}

/* Uprobes sit on one program's libjvm: an exec drops them. */
static void test_ops_complete(void **state)
{
	(void)state;
	assert_string_equal(alloc_collector_ops.name, "alloc");
	assert_int_equal(alloc_collector_ops.key_size, sizeof(struct alloc_key));
	assert_null(alloc_collector_ops.kern_stack);
	assert_non_null(alloc_collector_ops.target_exec);
	assert_non_null(alloc_collector_ops.note_row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_decodes_allocation),
		cmocka_unit_test(test_stats_sum_losses),
		cmocka_unit_test(test_ops_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
