// SPDX-License-Identifier: GPL-2.0
/* The list of event kinds: -e words, event bits, and what every kind must
 * give the session. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/collector.h"
#include "agent/core/session.h"

static void test_event_bits_follow_the_list(void **state)
{
	(void)state;
	assert_int_equal(collector_event_of("cpu", 3), SESSION_CPU);
	assert_int_equal(collector_event_of("offcpu", 6), SESSION_OFFCPU);
	assert_int_equal(collector_event_of("alloc", 5), SESSION_ALLOC);
	assert_int_equal(collector_event_of("cpu,offcpu", 3), SESSION_CPU); /* a word of a list */
	assert_int_equal(collector_event_of("cp", 2), 0);
	assert_int_equal(collector_event_of("wall", 4), 0); /* an alias, not a kind */
	assert_int_equal(collector_event_of("", 0), 0);
}

static void test_event_lists(void **state)
{
	unsigned int ev;

	(void)state;
	assert_int_equal(collector_events_parse("cpu,alloc", &ev), 0);
	assert_int_equal(ev, SESSION_CPU | SESSION_ALLOC);
	assert_int_equal(collector_events_parse("wall", &ev), 0);
	assert_int_equal(ev, SESSION_CPU | SESSION_OFFCPU);
	assert_int_equal(collector_events_parse("cpu,", &ev), -EINVAL);
	assert_int_equal(collector_events_parse("", &ev), -EINVAL);
	assert_int_equal(collector_events_parse("cpu,bogus", &ev), -EINVAL);
}

static void test_every_kind_is_complete(void **state)
{
	(void)state;
	assert_true(collector_nkinds >= 3);
	for (size_t i = 0; i < collector_nkinds; i++) {
		const struct collector_ops *k = collector_kinds[i];

		assert_non_null(k->name);
		assert_true(k->key_size > 0 && k->key_size <= AGG_KEY_MAX);
		assert_non_null(k->open);
		assert_non_null(k->close);
		assert_non_null(k->add_target);
		assert_non_null(k->remove_target);
		assert_non_null(k->drain);
		assert_non_null(k->user_stack);
		assert_non_null(k->stats);
		/* The builder reads every kind's rows through it. */
		assert_non_null(k->sample_of);
		assert_true(k->role != COLLECTOR_ROLE_SAMPLES || k->nvalues > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(k->name, collector_kinds[j]->name);
	}
}

/* A kind that is off has empty rows and no stacks to fetch. */
static void test_closed_collector_has_no_stacks(void **state)
{
	struct collector c;
	bool fresh;

	(void)state;
	assert_int_equal(collector_init(&c, collector_kinds[0], 1), 0);
	assert_null(c.impl);
	assert_int_equal(c.rows.count, 0);
	assert_null(stack_cache_get(&c.user_stacks, 1, &fresh));
	assert_null(stack_cache_get(&c.kern_stacks, 1, &fresh));
	collector_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_bits_follow_the_list),
		cmocka_unit_test(test_event_lists),
		cmocka_unit_test(test_every_kind_is_complete),
		cmocka_unit_test(test_closed_collector_has_no_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
