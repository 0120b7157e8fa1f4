// SPDX-License-Identifier: GPL-2.0
/* note_backlog: the bounded queue of new stacks the daemon's loop had no
 * time to name: oldest first, never past its size, emptied per period. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/core/note_backlog.h"

static void test_fifo_and_bound(void **state)
{
	struct note_backlog b;
	struct note_ref r;

	(void)state;
	assert_int_equal(note_backlog_init(&b, 3), 0);
	assert_int_equal(note_backlog_pop(&b, &r), 0);
	for (uint64_t i = 1; i <= 3; i++)
		assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = i, .pid = 100,
									   .collector = 1 }),
				 0);
	/* Full: refused, nothing grows. */
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 4 }), -ENOSPC);
	assert_int_equal(b.count, 3);
	assert_int_equal(note_backlog_pop(&b, &r), 1);
	assert_int_equal(r.stack, 1);
	assert_int_equal(r.pid, 100);
	assert_int_equal(r.collector, 1);
	/* Room again; the ring wraps and keeps the order. */
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 5 }), 0);
	for (uint64_t want = 2; want <= 3; want++) {
		assert_int_equal(note_backlog_pop(&b, &r), 1);
		assert_int_equal(r.stack, want);
	}
	assert_int_equal(note_backlog_pop(&b, &r), 1);
	assert_int_equal(r.stack, 5);
	assert_int_equal(note_backlog_pop(&b, &r), 0);
	note_backlog_free(&b);
}

static void test_clear(void **state)
{
	struct note_backlog b;
	struct note_ref r;

	(void)state;
	assert_int_equal(note_backlog_init(&b, 4), 0);
	assert_int_equal(note_backlog_pop(&b, &r), 0);
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 1 }), 0);
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 2 }), 0);
	assert_int_equal(note_backlog_pop(&b, &r), 1);
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 3 }), 0);
	assert_int_equal(note_backlog_clear(&b), 2);
	assert_int_equal(note_backlog_pop(&b, &r), 0);
	/* Usable after: the next period's stacks. */
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 9 }), 0);
	assert_int_equal(note_backlog_pop(&b, &r), 1);
	assert_int_equal(r.stack, 9);
	note_backlog_free(&b);
	assert_null(b.refs);
}

/* Size 0 (a session without a budget): every push refused, nothing held. */
static void test_none(void **state)
{
	struct note_backlog b;
	struct note_ref r;

	(void)state;
	assert_int_equal(note_backlog_init(&b, 0), 0);
	assert_int_equal(note_backlog_push(&b, &(struct note_ref){ .stack = 1 }), -ENOSPC);
	assert_int_equal(note_backlog_pop(&b, &r), 0);
	assert_int_equal(note_backlog_clear(&b), 0);
	note_backlog_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_and_bound),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
