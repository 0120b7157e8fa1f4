// SPDX-License-Identifier: GPL-2.0
/* The bottleneck in words: the paragraph names the subtask, why and the
 * knob; the top line; reports that cannot be explained. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/bottleneck.h"
#include "agent/core/explain.h"
#include "flamegraph/report_blocked_in.h"

static struct report_thread *add_task(struct thread_report *r, const char *op0, const char *op1,
				      double cpu, double rq, double bp, double idle, double io)
{
	struct report_thread *t = thread_report_add(r);

	assert_non_null(t);
	t->pid = 7;
	t->tid = (pid_t)(70 + r->nthreads);
	t->name = strdup(op0);
	t->kind = strdup("task");
	t->is_task = true;
	t->task.chain[t->task.nchain++] = strdup(op0);
	t->task.chain[t->task.nchain++] = strdup(op1);
	t->task.subtask = 1;
	t->task.parallelism = 1;
	t->ms_per_s[REPORT_CPU] = cpu;
	t->ms_per_s[REPORT_RUNQUEUE] = rq;
	t->ms_per_s[REPORT_BACKPRESSURED] = bp;
	t->ms_per_s[REPORT_IDLE] = idle;
	t->ms_per_s[REPORT_BLOCKED] = io;
	t->blocked_ms_per_s[REPORT_IO] = io;
	for (int i = 0; i < REPORT_STATE__MAX; i++)
		t->measured[i] = true;
	return t;
}

/* What explain_print (wide, so no line breaks) or the line writes. */
static char *text_of(const struct thread_report *r, bool line)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	if (line)
		explain_print_line(r, f);
	else
		explain_print(r, f, 100000);
	fclose(f);
	return text;
}

static void test_io_paragraph_and_line(void **state)
{
	struct thread_report r = { 0 };
	char *p, *l;

	(void)state;
	add_task(&r, "Source: A", "Map", 100, 0, 700, 200, 0);
	add_task(&r, "Reduce", "Sink: Db", 100, 20, 0, 80, 800);
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(explain_check(&r), EXPLAIN_OK);
	p = text_of(&r, false);
	assert_non_null(strstr(p, "Bottleneck: Reduce -> Sink: Db (1/1, pid 7) holds the pipeline "
				  "back: Source: A -> Map is backpressured while it is busy (920 ms/s)"));
	assert_non_null(strstr(p, "mostly blocked on I/O"));
	assert_non_null(strstr(p, "raise the parallelism of Reduce -> Sink: Db"));
	assert_non_null(strstr(p, "Async I/O"));
	assert_int_equal(strchr(p, '\n') - p + 1, (long)strlen(p)); /* one paragraph */
	l = text_of(&r, true);
	assert_string_equal(l, "bottleneck: Reduce -> Sink: Db (1/1) io, backpressures Source: A -> Map\n");
	free(p);
	free(l);
	thread_report_free(&r);
}

/* With the frame it waits in, the paragraph and the line name the method. */
static void test_names_the_blocked_method(void **state)
{
	struct thread_report r = { 0 };
	struct report_thread *sink;
	char *p, *l;

	(void)state;
	add_task(&r, "Source: A", "Map", 100, 0, 700, 200, 0);
	sink = add_task(&r, "Reduce", "Sink: Db", 100, 20, 0, 80, 800);
	assert_int_equal(report_blocked_in_set(sink, REPORT_WAIT_IO, "com.acme.PaymentClient.awaitAck",
					       "jit", "", 610),
			 0);
	assert_int_equal(bottleneck_find(&r), 0);
	p = text_of(&r, false);
	assert_non_null(strstr(p, "mostly blocked on I/O in PaymentClient.awaitAck. Evidence: "
				  "Reduce -> Sink: Db (1/1): 800 ms/s io in PaymentClient.awaitAck,"));
	l = text_of(&r, true);
	assert_string_equal(l, "bottleneck: Reduce -> Sink: Db (1/1) io in PaymentClient.awaitAck, "
			       "backpressures Source: A -> Map\n");
	free(p);
	free(l);
	thread_report_free(&r);
}

/* Waiting for a CPU: the neighbour that took it is named. */
static void test_runqueue_names_the_neighbour(void **state)
{
	struct thread_report r = { 0 };
	char *p;

	(void)state;
	add_task(&r, "Source: A", "Map", 100, 0, 700, 200, 0);
	add_task(&r, "Reduce", "Sink: Db", 300, 600, 0, 100, 0);
	r.culprits_measured = true;
	r.neighbours = calloc(2, sizeof(*r.neighbours));
	assert_non_null(r.neighbours);
	r.nneighbours = 2;
	r.neighbours[0] = (struct report_culprit){ .pid = 7, .comm = strdup("java"),
						   .cgroup = strdup(""), .container = strdup(""),
						   .ms_per_s = 500, .target = true };
	r.neighbours[1] = (struct report_culprit){ .pid = 99, .comm = strdup("stress"),
						   .cgroup = strdup(""), .container = strdup(""),
						   .ms_per_s = 300 };
	assert_int_equal(bottleneck_find(&r), 0);
	p = text_of(&r, false);
	assert_non_null(strstr(p, "runnable but waiting in the run queue"));
	assert_non_null(strstr(p, "fix the noisy neighbour ('stress' pid 99 took 300 ms/s"));
	free(p);
	thread_report_free(&r);
}

static void test_knobs_by_why(void **state)
{
	static const char *const want[][2] = {
		{ "serialization", "POJO" }, { "state", "RocksDB" },   { "cpu", "disableChaining()" },
		{ "lock", "[lock]" },        { "sleep", "rate limiter" }, { "gc", "enableObjectReuse()" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		assert_non_null(f);
		explain_knob(want[i][0], "Map", NULL, f);
		fclose(f);
		assert_non_null(strstr(text, want[i][1]));
		free(text);
	}
}

static void test_no_bottleneck_and_bad_reports(void **state)
{
	struct thread_report r = { 0 };
	struct report_thread *t;
	char *p;

	(void)state;
	assert_int_equal(explain_check(&r), EXPLAIN_NO_TASKS);
	add_task(&r, "Source: A", "Map", 500, 0, 10, 490, 0);
	add_task(&r, "Reduce", "Sink: Db", 100, 0, 0, 900, 0);
	assert_int_equal(bottleneck_find(&r), 0);
	p = text_of(&r, false);
	assert_non_null(strstr(p, "No bottleneck: no subtask is backpressured (at most 10 ms/s, "
				  "Source: A -> Map (1/1))"));
	free(p);
	p = text_of(&r, true);
	assert_non_null(strstr(p, "bottleneck: none found"));
	free(p);
	/* Backpressured, but nothing downstream busy. */
	r.threads[0].ms_per_s[REPORT_BACKPRESSURED] = 400;
	assert_int_equal(bottleneck_find(&r), 0);
	p = text_of(&r, false);
	assert_non_null(strstr(p, "No bottleneck found: Source: A -> Map (1/1) is backpressured "
				  "(400 ms/s)"));
	free(p);
	for (size_t i = 0; i < r.nthreads; i++) {
		t = &r.threads[i];
		for (int s = 0; s < REPORT_STATE__MAX; s++)
			t->measured[s] = s == REPORT_CPU;
	}
	assert_int_equal(bottleneck_find(&r), 0);
	assert_int_equal(explain_check(&r), EXPLAIN_NO_STATES);
	thread_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_paragraph_and_line),
		cmocka_unit_test(test_names_the_blocked_method),
		cmocka_unit_test(test_runqueue_names_the_neighbour),
		cmocka_unit_test(test_knobs_by_why),
		cmocka_unit_test(test_no_bottleneck_and_bad_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
