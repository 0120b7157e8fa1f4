// SPDX-License-Identifier: GPL-2.0
/* daemon_push: what counts as a down server, the backoff across periods,
 * and the push thread against a local HTTP server: the caller never waits
 * for the server, a down server drops the rest of its period, and what
 * waits is bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/daemon/daemon_push.h"
#include "flamegraph/profile.h"
#include "flamegraph/pyroscope.h"
#include "http_receiver.h"
#include "support.h"

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

/* The budget of a period's pushes: a quarter of it, 1 s to 15 s. */
static void test_budget(void **state)
{
	(void)state;
	assert_int_equal(daemon_push_budget_ms(1), 1000);
	assert_int_equal(daemon_push_budget_ms(10), 2500);
	assert_int_equal(daemon_push_budget_ms(60), 15000);
	assert_int_equal(daemon_push_budget_ms(3600), 15000);
}

/* A request for the receiver at port, one try. */
static struct pyroscope_request *request_for(int port)
{
	struct profile *p = profile_new();
	struct pyroscope_request *r = NULL;
	struct pyroscope_target t = { .app_name = "tmprof.test", .tries = 1 };
	char url[64], err[256];

	assert_non_null(p);
	test_profile_add_folded(p, "main;work", 3);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	t.url = url;
	assert_int_equal(pyroscope_request_new(&t, p, NULL, &r, err, sizeof(err)), 0);
	assert_true(pyroscope_request_size(r) > sizeof(void *));
	profile_free(p);
	return r;
}

/* Until nothing waits (bounded by the receiver's own waits). */
static void wait_idle(struct daemon_pusher *p)
{
	for (int i = 0; i < 3000 && daemon_pusher_pending(p); i++)
		usleep(10000);
	assert_int_equal(daemon_pusher_pending(p), 0);
}

static void wait_requests(struct receiver *r, int n)
{
	for (int i = 0; i < 3000 && receiver_requests(r) < n; i++)
		usleep(10000);
	assert_int_equal(receiver_requests(r), n);
}

/* Submitting returns while the server holds its answers: both requests
 * are still pending; once answered, both count as pushed. */
static void test_submit_never_waits(void **state)
{
	struct daemon_pusher *p = NULL;
	struct daemon_push_outcome o;
	struct receiver rc;

	(void)state;
	receiver_start_gated(&rc, (int[]){ 200, 200 }, 2);
	assert_int_equal(daemon_pusher_new(&p), 0);
	daemon_pusher_submit(p, 1, 5000, "tm-a", request_for(rc.port));
	daemon_pusher_submit(p, 1, 5000, "tm-b", request_for(rc.port));
	wait_requests(&rc, 1);
	assert_int_equal(daemon_pusher_pending(p), 2); /* one held by the server, one waiting */
	daemon_pusher_take(p, &o);
	assert_false(o.tried);
	receiver_release(&rc);
	receiver_release(&rc);
	wait_idle(p);
	daemon_pusher_take(p, &o);
	assert_int_equal(o.pushes, 2);
	assert_int_equal(o.failures, 0);
	assert_true(o.tried);
	assert_false(o.down);
	assert_int_equal(receiver_requests(&rc), 2);
	assert_true(rc.body_len[1] > 0);
	daemon_pusher_free(p, 0);
	receiver_stop(&rc);
	receiver_free(&rc);
}

/* A 503 means the server is down: the period's other pushes are dropped,
 * not sent; the next period tries again. */
static void test_down_drops_period(void **state)
{
	struct daemon_pusher *p = NULL;
	struct daemon_push_outcome o;
	struct receiver rc;

	(void)state;
	receiver_start_gated(&rc, (int[]){ 503, 200 }, 2);
	assert_int_equal(daemon_pusher_new(&p), 0);
	for (int i = 0; i < 3; i++)
		daemon_pusher_submit(p, 7, 5000, "tm", request_for(rc.port));
	receiver_release(&rc);
	wait_idle(p);
	daemon_pusher_take(p, &o);
	assert_int_equal(o.pushes, 0);
	assert_int_equal(o.failures, 3);
	assert_int_equal(o.skipped, 2);
	assert_true(o.down);
	assert_int_equal(receiver_requests(&rc), 1);

	daemon_pusher_submit(p, 8, 5000, "tm", request_for(rc.port));
	receiver_release(&rc);
	wait_idle(p);
	daemon_pusher_take(p, &o);
	assert_int_equal(o.pushes, 1);
	assert_false(o.down);
	daemon_pusher_free(p, 0);
	receiver_stop(&rc);
	receiver_free(&rc);
}

/* At most DAEMON_PUSH_QUEUE requests wait: past it the oldest go, counted
 * as skipped; free drops what still waits. */
static void test_queue_bound(void **state)
{
	struct daemon_pusher *p = NULL;
	struct daemon_push_outcome o;
	struct receiver rc;

	(void)state;
	receiver_start_gated(&rc, (int[]){ 200 }, 1);
	assert_int_equal(daemon_pusher_new(&p), 0);
	daemon_pusher_submit(p, 1, 5000, "tm", request_for(rc.port));
	wait_requests(&rc, 1); /* the first is being sent, held */
	for (int i = 0; i < DAEMON_PUSH_QUEUE + 4; i++)
		daemon_pusher_submit(p, 1, 5000, "tm", request_for(rc.port));
	assert_int_equal(daemon_pusher_pending(p), DAEMON_PUSH_QUEUE + 1);
	daemon_pusher_take(p, &o);
	assert_int_equal(o.skipped, 4);
	receiver_release(&rc);
	daemon_pusher_free(p, 0);
	receiver_stop(&rc);
	receiver_free(&rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_is_down),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_submit_never_waits),
		cmocka_unit_test(test_down_drops_period),
		cmocka_unit_test(test_queue_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
