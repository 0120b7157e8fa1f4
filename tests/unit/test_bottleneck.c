// SPDX-License-Identifier: GPL-2.0
/* The bottleneck behind backpressure, on hand-built reports: which busy
 * subtask downstream of a backpressured chain is named, why, and what it
 * blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/bottleneck.h"
#include "flamegraph/report_blocked_in.h"
#include "flamegraph/report_categories.h"
#include "support.h"

/* A task thread of chain "a -> b" (ops separated by '|'), subtask s/p,
 * with its states in ms/s: cpu, runqueue, backpressured, idle, and
 * blocked as io, lock, sleep. */
struct states {
	double cpu, rq, bp, idle, io, lock, sleep;
};

static struct report_thread *add_task(struct thread_report *r, const char *ops, int s, int p,
				      struct states st)
{
	struct report_thread *t = thread_report_add(r);
	char *copy = strdup(ops), *save = NULL;

	assert_non_null(t);
	assert_non_null(copy);
	t->pid = 100;
	t->tid = (pid_t)(1000 + r->nthreads);
	t->name = strdup(ops);
	t->kind = strdup("task");
	t->is_task = true;
	for (char *op = strtok_r(copy, "|", &save); op; op = strtok_r(NULL, "|", &save))
		t->task.chain[t->task.nchain++] = strdup(op);
	free(copy);
	t->task.subtask = s;
	t->task.parallelism = p;
	t->ms_per_s[REPORT_CPU] = st.cpu;
	t->ms_per_s[REPORT_RUNQUEUE] = st.rq;
	t->ms_per_s[REPORT_BACKPRESSURED] = st.bp;
	t->ms_per_s[REPORT_IDLE] = st.idle;
	t->ms_per_s[REPORT_BLOCKED] = st.io + st.lock + st.sleep;
	t->blocked_ms_per_s[REPORT_IO] = st.io;
	t->blocked_ms_per_s[REPORT_LOCK] = st.lock;
	t->blocked_ms_per_s[REPORT_SLEEP] = st.sleep;
	for (int i = 0; i < REPORT_STATE__MAX; i++)
		t->measured[i] = true;
	return t;
}

#define SOURCE "Source: Events|Map"
#define SINK "Keyed Aggregation|Sink: Store"

/* The scenario: sources backpressured, sinks waiting on I/O. */
static void pipeline(struct thread_report *r, double io1, double io2, double source_bp)
{
	add_task(r, SOURCE, 1, 2, (struct states){ .cpu = 300, .bp = source_bp,
						   .idle = 650 - source_bp, .rq = 50 });
	add_task(r, SOURCE, 2, 2, (struct states){ .cpu = 320, .bp = source_bp,
						   .idle = 630 - source_bp, .rq = 50 });
	add_task(r, SINK, 1, 2, (struct states){ .cpu = 200, .io = io1, .idle = 800 - io1 });
	add_task(r, SINK, 2, 2, (struct states){ .cpu = 250, .io = io2, .idle = 750 - io2 });
}

static void test_io_sink_blocks_sources(void **state)
{
	struct thread_report r = { 0 };

	(void)state;
	pipeline(&r, 200, 600, 500); /* 1/2: 400 ms/s busy, 600 idle: not it */
	assert_int_equal(bottleneck_find(&r), 0);
	assert_true(r.bottlenecks_measured);
	assert_int_equal(r.nbottlenecks, 1);
	assert_string_equal(r.bottlenecks[0].chain, "Keyed Aggregation -> Sink: Store");
	assert_int_equal(r.bottlenecks[0].subtask, 2);
	assert_string_equal(r.bottlenecks[0].why, "io");
	assert_int_equal(r.bottlenecks[0].nblocks, 1);
	assert_string_equal(r.bottlenecks[0].blocks[0], "Source: Events -> Map");
	assert_non_null(strstr(r.bottlenecks[0].evidence,
			       "Keyed Aggregation -> Sink: Store (2/2): 600 ms/s io, 250 ms/s cpu"));
	assert_non_null(strstr(r.bottlenecks[0].evidence,
			       "upstream Source: Events -> Map backpressured 500 ms/s"));
	thread_report_free(&r);
}

static void test_both_sinks_busiest_first(void **state)
{
	struct thread_report r = { 0 };

	(void)state;
	pipeline(&r, 500, 700, 500);
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(r.nbottlenecks, 2);
	assert_int_equal(r.bottlenecks[0].subtask, 2);
	assert_int_equal(r.bottlenecks[1].subtask, 1);
	assert_true(r.bottlenecks[0].busy_ms_per_s > r.bottlenecks[1].busy_ms_per_s);
	thread_report_free(&r);
}

/* Fast sinks: sources not backpressured, the sinks mostly idle. */
static void test_fast_sinks_no_bottleneck(void **state)
{
	struct thread_report r = { 0 };

	(void)state;
	pipeline(&r, 20, 20, 5);
	assert_int_equal(bottleneck_find(&r), 0);
	assert_true(r.bottlenecks_measured);
	assert_int_equal(r.nbottlenecks, 0);
	thread_report_free(&r);
}

/* Backpressured sources, but the sinks idle more than they work: the
 * cause is not in this report. */
static void test_idle_sink_is_no_bottleneck(void **state)
{
	struct thread_report r = { 0 };

	(void)state;
	add_task(&r, SOURCE, 1, 1, (struct states){ .cpu = 100, .bp = 800, .idle = 100 });
	add_task(&r, SINK, 1, 1, (struct states){ .cpu = 150, .io = 100, .idle = 750 });
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(r.nbottlenecks, 0);
	thread_report_free(&r);
}

/* A busy chain that is itself backpressured is not the cause; a busy
 * source blocks no other source. */
static void test_backpressured_and_sources_are_not_causes(void **state)
{
	struct thread_report r = { 0 };

	(void)state;
	add_task(&r, SOURCE, 1, 1, (struct states){ .cpu = 100, .bp = 800, .idle = 100 });
	add_task(&r, "Source: Metrics|Map", 1, 1, (struct states){ .cpu = 700, .rq = 200, .idle = 100 });
	add_task(&r, "Window|Map", 1, 1, (struct states){ .cpu = 500, .bp = 400, .idle = 100 });
	add_task(&r, SINK, 1, 1, (struct states){ .cpu = 600, .lock = 300, .idle = 100 });
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(r.nbottlenecks, 1);
	assert_string_equal(r.bottlenecks[0].chain, "Keyed Aggregation -> Sink: Store");
	assert_string_equal(r.bottlenecks[0].why, "cpu");
	/* Both chains upstream of the sink are backpressured, in report order. */
	assert_int_equal(r.bottlenecks[0].nblocks, 2);
	assert_string_equal(r.bottlenecks[0].blocks[0], "Source: Events -> Map");
	assert_string_equal(r.bottlenecks[0].blocks[1], "Window -> Map");
	thread_report_free(&r);
}

/* On CPU, a category with most of the CPU is the why; "user" is not. */
static void test_category_names_the_cause(void **state)
{
	static const char *const cats[] = { "user", "serialization", "state" };
	struct thread_report r = { 0 };
	struct report_thread *sink;

	(void)state;
	assert_int_equal(report_categories_set_names(&r, cats, 3), 0);
	add_task(&r, SOURCE, 1, 1, (struct states){ .cpu = 100, .bp = 800, .idle = 100 });
	sink = add_task(&r, SINK, 1, 1, (struct states){ .cpu = 800, .rq = 100, .idle = 100 });
	sink->cpu_by_category[0] = 200;
	sink->cpu_by_category[1] = 500;
	sink->cpu_by_category[2] = 100;
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(r.nbottlenecks, 1);
	assert_string_equal(r.bottlenecks[0].why, "serialization");
	assert_non_null(strstr(r.bottlenecks[0].evidence, "800 ms/s cpu (62 % serialization"));
	/* Mostly user code: just cpu. */
	sink->cpu_by_category[0] = 600;
	sink->cpu_by_category[1] = 100;
	assert_int_equal(bottleneck_find(&r), 0);
	assert_string_equal(r.bottlenecks[0].why, "cpu");
	thread_report_free(&r);
}

static void test_runqueue_and_operator(void **state)
{
	struct thread_report r = { 0 };
	struct report_thread *sink;

	(void)state;
	add_task(&r, SOURCE, 1, 1, (struct states){ .cpu = 100, .bp = 800, .idle = 100 });
	sink = add_task(&r, SINK, 1, 1, (struct states){ .cpu = 300, .rq = 600, .idle = 100 });
	sink->has_operators = true;
	sink->operator_ms_per_s[0] = 240;
	sink->operator_ms_per_s[1] = 60;
	assert_int_equal(bottleneck_find(&r), 0);
	assert_string_equal(r.bottlenecks[0].why, "runqueue");
	assert_int_equal(bottleneck_top_operator(sink), 0);
	assert_non_null(strstr(r.bottlenecks[0].evidence, "600 ms/s runqueue, 300 ms/s cpu (80 % in "
							  "Keyed Aggregation)"));
	thread_report_free(&r);
}

/* -e cpu: no off-CPU states, nothing decided; the JSON says null. */
static void test_without_states_null(void **state)
{
	struct thread_report r = { 0 };
	struct report_thread *t;
	char *text = NULL;

	(void)state;
	t = add_task(&r, SINK, 1, 1, (struct states){ .cpu = 900 });
	for (int i = 0; i < REPORT_STATE__MAX; i++)
		t->measured[i] = i == REPORT_CPU;
	assert_int_equal(bottleneck_find(&r), 0);
	assert_false(r.bottlenecks_measured);
	text = test_report_json(&r);
	assert_non_null(strstr(text, "\"bottlenecks\":null}"));
	free(text);
	thread_report_free(&r);
}

static void test_json_names_the_bottleneck(void **state)
{
	struct thread_report r = { 0 };
	char *text = NULL;

	(void)state;
	pipeline(&r, 200, 600, 500);
	assert_int_equal(bottleneck_find(&r), 0);
	text = test_report_json(&r);
	assert_non_null(strstr(text, "\"bottlenecks\":[\n{\"chain\":\"Keyed Aggregation -> Sink: "
				     "Store\",\"subtask\":2,\"parallelism\":2,"));
	assert_non_null(strstr(text, "\"why\":\"io\",\"blocked_in\":null,"
				     "\"blocks\":[\"Source: Events -> Map\"]"));
	free(text);
	thread_report_free(&r);
}

/* The frame the sink waits in names the wait: in the evidence (short, as
 * the issue writes it), in the bottleneck's blocked_in (whole) and in the
 * JSON; a wait without a frame stays bare. */
static void test_evidence_names_blocked_frame(void **state)
{
	struct thread_report r = { 0 };
	const struct report_bottleneck *b;
	char *text = NULL;

	(void)state;
	pipeline(&r, 200, 600, 500);
	r.threads[3].ms_per_s[REPORT_BLOCKED] += 40;
	r.threads[3].blocked_ms_per_s[REPORT_LOCK] = 40;
	assert_int_equal(report_blocked_in_set(&r.threads[3], REPORT_WAIT_IO,
					       "com.acme.PaymentClient.awaitAck", "jit", "", 580),
			 0);
	assert_int_equal(report_blocked_in_set(&r.threads[3], REPORT_WAIT_LOCK,
					       "com.acme.Pool.borrow", "inlined", "", 40),
			 0);
	/* An idle frame is no part of what keeps it busy. */
	assert_int_equal(report_blocked_in_set(&r.threads[3], REPORT_WAIT_IDLE,
					       "org.apache.flink.Mailbox.take", "jit", "", 110),
			 0);
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(r.nbottlenecks, 1);
	b = &r.bottlenecks[0];
	assert_string_equal(b->why, "io");
	assert_string_equal(b->blocked_in, "com.acme.PaymentClient.awaitAck");
	assert_non_null(strstr(b->evidence, "Keyed Aggregation -> Sink: Store (2/2): 600 ms/s io in "
					   "PaymentClient.awaitAck, 250 ms/s cpu, 40 ms/s lock in "
					   "Pool.borrow, 150 ms/s idle;"));
	assert_null(strstr(b->evidence, "Mailbox"));
	text = test_report_json(&r);
	assert_non_null(strstr(text, "\"why\":\"io\",\"blocked_in\":\"com.acme.PaymentClient.awaitAck\","));
	free(text);
	thread_report_free(&r);
}

/* The why's frame only: a CPU-bound bottleneck has none, even with a
 * frame for a smaller wait; a name with spaces stays whole. */
static void test_blocked_in_of_why(void **state)
{
	struct thread_report r = { 0 };
	struct report_thread *t;

	(void)state;
	t = add_task(&r, SINK, 1, 1, (struct states){ .cpu = 500, .io = 100, .idle = 400 });
	assert_int_equal(report_blocked_in_set(t, REPORT_WAIT_IO, "[unknown] java", "native", "", 100),
			 0);
	assert_null(bottleneck_blocked_in(t, "cpu"));
	assert_null(bottleneck_blocked_in(t, "lock"));
	assert_string_equal(bottleneck_blocked_in(t, "io"), "[unknown] java");
	assert_string_equal(bottleneck_frame_short("a.b.C.m"), "C.m");
	assert_string_equal(bottleneck_frame_short("[unknown] java"), "[unknown] java");
	assert_string_equal(bottleneck_frame_short("main"), "main");
	thread_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_sink_blocks_sources),
		cmocka_unit_test(test_both_sinks_busiest_first),
		cmocka_unit_test(test_fast_sinks_no_bottleneck),
		cmocka_unit_test(test_idle_sink_is_no_bottleneck),
		cmocka_unit_test(test_backpressured_and_sources_are_not_causes),
		cmocka_unit_test(test_category_names_the_cause),
		cmocka_unit_test(test_runqueue_and_operator),
		cmocka_unit_test(test_without_states_null),
		cmocka_unit_test(test_json_names_the_bottleneck),
		cmocka_unit_test(test_evidence_names_blocked_frame),
		cmocka_unit_test(test_blocked_in_of_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
