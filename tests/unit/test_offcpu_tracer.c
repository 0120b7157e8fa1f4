// SPDX-License-Identifier: GPL-2.0
/* The scheduler tracer against the real kernel: a child that alternates
 * spinning and sleeping must come out as on-CPU time matching the kernel's
 * own CPU accounting, and blocked time whose stacks show the sleep. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/collect/offcpu_tracer.h"
#include "support.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Spin 5 ms, sleep 10 ms, forever. */
static void spin_and_sleep(void)
{
	struct timespec nap = { 0, 10000000 };
	volatile uint64_t x = 0;

	for (;;) {
		uint64_t until = now_ns() + 5000000;

		while (now_ns() < until)
			x = x * 31 + 7;
		nanosleep(&nap, NULL);
	}
}

struct totals {
	pid_t child;
	uint64_t ns[SPAN__MAX];
	uint64_t blocked_with_stacks;
	uint64_t foreign;
};

static int on_span(void *ctx, const struct sched_span_key *key, const struct sched_span_value *v)
{
	struct totals *t = ctx;

	if ((pid_t)key->tgid != t->child) {
		t->foreign++;
		return 0;
	}
	assert_true(key->span < SPAN__MAX);
	t->ns[key->span] += v->ns;
	if (key->span == SPAN_BLOCKED && key->kern_stack_id >= 0)
		t->blocked_with_stacks += v->ns;
	return 0;
}

static void test_spans_of_a_sleeping_spinner(void **state)
{
	struct offcpu_tracer *tr = NULL;
	struct totals t = { 0 };
	struct rusage ru;
	uint64_t start, end, cpu_ns, sum, stats[OFFCPU_STAT__MAX];
	struct timespec second = { 1, 0 };
	int status;

	(void)state;
	if (!test_require_root())
		return;
	start = now_ns();
	assert_int_equal(offcpu_tracer_open(NULL, &tr), 0);
	offcpu_tracer_set_start(tr, start);
	/* The child exists before it is a target, as a real JVM would. */
	t.child = fork();
	assert_true(t.child >= 0);
	if (t.child == 0)
		spin_and_sleep();
	assert_int_equal(offcpu_tracer_add_target(tr, t.child), 0);
	nanosleep(&second, NULL);
	/* Stop the child so its last span closes at a known point. */
	kill(t.child, SIGKILL);
	assert_int_equal(wait4(t.child, &status, 0, &ru), t.child);
	end = now_ns();
	assert_int_equal(offcpu_tracer_drain(tr, on_span, &t), 0);
	assert_int_equal(offcpu_tracer_close_spans(tr, start, end, on_span, &t), 0);
	assert_int_equal(offcpu_tracer_stats(tr, stats), 0);
	offcpu_tracer_close(tr);

	assert_int_equal(t.foreign, 0);
	assert_true(stats[OFFCPU_STAT_SWITCHES] > 10);
	assert_true(t.ns[SPAN_ONCPU] > 0);
	assert_true(t.ns[SPAN_BLOCKED] > 0);
	/* One thread's spans never overlap: together at most the wall time. */
	sum = t.ns[SPAN_ONCPU] + t.ns[SPAN_RUNQUEUE] + t.ns[SPAN_BLOCKED];
	assert_true(sum <= end - start);
	/* On-CPU time agrees with the kernel's own accounting of the child
	 * (which also includes its time before it became a target: at most
	 * the fork-to-add window, a few ms). */
	cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
		 (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	assert_true(t.ns[SPAN_ONCPU] <= cpu_ns + 20000000ULL);
	assert_true(t.ns[SPAN_ONCPU] + 20000000ULL >= cpu_ns * 9 / 10);
	/* Sleeping threads left the CPU in the kernel: stacks are there. */
	assert_true(t.blocked_with_stacks * 2 > t.ns[SPAN_BLOCKED]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans_of_a_sleeping_spinner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
