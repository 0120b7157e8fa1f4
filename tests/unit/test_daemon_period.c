// SPDX-License-Identifier: GPL-2.0
/* daemon_period: the push backoff across periods and what counts as a
 * down server (the writing itself runs in tests/e2e/daemon*.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/daemon/daemon_period.h"

static void test_push_is_down(void **state)
{
	(void)state;
	assert_false(daemon_push_is_down(0, 0));
	assert_false(daemon_push_is_down(0, 60000)); /* slow but working */
	assert_true(daemon_push_is_down(-ECONNREFUSED, 1));
	assert_true(daemon_push_is_down(-ETIMEDOUT, 10000));
	assert_true(daemon_push_is_down(-EHOSTUNREACH, 1));
	assert_true(daemon_push_is_down(-EAGAIN, 1));      /* 5xx, 408, 429 */
	assert_false(daemon_push_is_down(-EPROTO, 50));    /* 400: the profile, not the server */
	assert_true(daemon_push_is_down(-EPROTO, 9000));   /* ...but slowly: as good as down */
	assert_true(daemon_push_is_down(-EIO, 5000));
}

/* Periods pushed (1) or skipped (0) while the server stays down: the
 * skips double up to 15, and one working push ends them. */
static void test_backoff(void **state)
{
	struct daemon_push_state ps = { 0 };
	char seen[64] = { 0 };
	size_t n = 0;

	(void)state;
	while (n < 40) {
		bool go = daemon_push_period_start(&ps);

		seen[n++] = go ? '1' : '0';
		daemon_push_period_end(&ps, go, go);
	}
	assert_string_equal(seen, "1101000100000001000000000000000100000000");
	/* A working push resets the streak: the next period pushes. */
	while (!daemon_push_period_start(&ps))
		;
	daemon_push_period_end(&ps, true, false);
	assert_true(daemon_push_period_start(&ps));
	assert_int_equal(ps.down_streak, 0);
	/* A period without any push changes nothing. */
	daemon_push_period_end(&ps, false, false);
	assert_true(daemon_push_period_start(&ps));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_is_down),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
