// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flamegraph/thread_report.h"
#include "support.h"

static void add_task(struct thread_report *r, pid_t tid, const char *name, const char *a,
		     const char *b, int subtask, int par, double cpu)
{
	struct report_thread *t = thread_report_add(r);

	assert_non_null(t);
	t->pid = 100;
	t->tid = tid;
	t->name = strdup(name);
	t->kind = strdup("task");
	t->is_task = true;
	t->task.chain[t->task.nchain++] = strdup(a);
	if (b)
		t->task.chain[t->task.nchain++] = strdup(b);
	t->task.subtask = subtask;
	t->task.parallelism = par;
	for (int s = 0; s < REPORT_STATE__MAX; s++)
		t->measured[s] = true;
	t->ms_per_s[REPORT_CPU] = cpu;
	t->ms_per_s[REPORT_IDLE] = 1000 - cpu - 60;
	t->ms_per_s[REPORT_BLOCKED] = 60;
	t->blocked_ms_per_s[REPORT_LOCK] = 10;
	t->blocked_ms_per_s[REPORT_IO] = 20;
	t->blocked_ms_per_s[REPORT_SLEEP] = 30;
	t->top[0].frame = strdup("org.example.Hot.loop");
	t->top[0].kind = strdup("jit");
	t->top[0].module = strdup("[jit]");
	t->top[0].share = 0.5;
	t->ntop = 1;
}

static struct thread_report sample_report(void)
{
	struct thread_report r = { .duration_s = 10 };
	struct report_thread *t;

	add_task(&r, 11, "Source: A -> Map (1/3)#0", "Source: A", "Map", 1, 3, 100);
	add_task(&r, 12, "Source: A -> Map (2/3)#0", "Source: A", "Map", 2, 3, 900);
	add_task(&r, 13, "Source: A -> Map (3/3)#0", "Source: A", "Map", 3, 3, 200);
	add_task(&r, 14, "Sink (1/1)#0", "Sink", NULL, 1, 1, 50);
	t = thread_report_add(&r);
	t->pid = 100;
	t->tid = 15;
	/* Bytes from another process: quote, control, invalid UTF-8, valid UTF-8. */
	t->name = strdup("we\"ird\x01 \xff\xfe \xc3\xa9");
	t->kind = strdup("gc");
	t->measured[REPORT_CPU] = true;
	t->ms_per_s[REPORT_CPU] = 30;
	/* Culprits: the subtask 2/3 waited for a CPU behind "stress" and
	 * the TaskManager's own threads. */
	for (size_t i = 0; i < r.nthreads; i++) {
		if (r.threads[i].tid != 12)
			continue;
		r.threads[i].culprits = calloc(1, sizeof(struct report_culprit));
		r.threads[i].culprits[0] = (struct report_culprit){ 77, strdup("stress"), strdup(""),
								    strdup(""), 40, false };
		r.threads[i].nculprits = 1;
	}
	r.culprits_measured = true;
	r.neighbours = calloc(2, sizeof(*r.neighbours));
	r.neighbours[0] = (struct report_culprit){ 77, strdup("stress"), strdup("/docker/x"),
						   strdup("abcdef012345"), 40, false };
	r.neighbours[1] = (struct report_culprit){ 100, strdup("Sink (1/1)#0"), strdup("/"),
						   strdup(""), 12, true };
	r.nneighbours = 2;
	thread_report_sort(&r);
	return r;
}

static void test_json_round_trip(void **state)
{
	struct thread_report r = sample_report(), back;
	char *dir = test_mkdtemp(), path[512], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/r.json", dir);
	assert_int_equal(thread_report_write_json_file(&r, path), 0);
	assert_int_equal(thread_report_read_json(path, &back, err, sizeof(err)), 0);
	assert_true(back.duration_s == 10);
	assert_int_equal(back.nthreads, 5);
	/* Sorted by CPU: the 900 ms/s subtask first. */
	assert_int_equal(back.threads[0].tid, 12);
	assert_true(back.threads[0].is_task);
	assert_int_equal(back.threads[0].task.nchain, 2);
	assert_string_equal(back.threads[0].task.chain[1], "Map");
	assert_int_equal(back.threads[0].task.subtask, 2);
	assert_true(back.threads[0].ms_per_s[REPORT_CPU] == 900);
	assert_true(back.threads[0].top[0].share == 0.5);
	assert_true(back.threads[0].blocked_ms_per_s[REPORT_IO] == 20);
	assert_int_equal(back.threads[0].nculprits, 1);
	assert_string_equal(back.threads[0].culprits[0].comm, "stress");
	assert_true(back.threads[0].culprits[0].ms_per_s == 40);
	assert_true(back.culprits_measured);
	assert_int_equal(back.nneighbours, 2);
	assert_string_equal(back.neighbours[0].container, "abcdef012345");
	assert_string_equal(back.neighbours[0].cgroup, "/docker/x");
	assert_true(back.neighbours[1].target);
	assert_true(back.threads[0].blocked_ms_per_s[REPORT_SLEEP] == 30);
	/* Frames are the structure: a name without suffix, its kind and module. */
	assert_string_equal(back.threads[0].top[0].frame, "org.example.Hot.loop");
	assert_string_equal(back.threads[0].top[0].kind, "jit");
	assert_string_equal(back.threads[0].top[0].module, "[jit]");
	for (size_t i = 0; i < back.nthreads; i++) {
		if (back.threads[i].tid != 15)
			continue;
		assert_false(back.threads[i].is_task);
		assert_string_equal(back.threads[i].name, "we\"ird\x01 \xef\xbf\xbd\xef\xbf\xbd \xc3\xa9");
		assert_true(back.threads[i].measured[REPORT_CPU]);
		assert_false(back.threads[i].measured[REPORT_IDLE]);
	}
	thread_report_free(&back);
	thread_report_free(&r);
	test_rm_rf(dir);
	free(dir);
}

static void test_bad_json_names_the_place(void **state)
{
	char *dir = test_mkdtemp(), path[512], err[256];
	struct thread_report r;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	fputs("{\"duration_s\": 1,\n \"threads\": [ {\"pid\": 1,, } ]}", f);
	fclose(f);
	assert_int_equal(thread_report_read_json(path, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	f = fopen(path, "w");
	fputs("{\"threads\": 5}", f);
	fclose(f);
	assert_int_equal(thread_report_read_json(path, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a tmprof report"));
	test_rm_rf(dir);
	free(dir);
}

static void test_table_groups_chains_with_skew(void **state)
{
	struct thread_report r = sample_report();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *chain, *sink, *row2, *row3;

	(void)state;
	thread_report_print_table(&r, f, 160);
	fclose(f);
	chain = strstr(buf, "Source: A -> Map  [pid 100]");
	sink = strstr(buf, "Sink  [pid 100]");
	assert_non_null(chain);
	assert_non_null(sink);
	assert_true(chain < sink);
	/* Inside the chain, subtasks by CPU: 2/3 (900) before 3/3 (200). */
	row2 = strstr(buf, "2/3");
	row3 = strstr(buf, "3/3");
	assert_true(row2 && row3 && row2 < row3);
	/* Blocked as its reasons: lock, io, sleep columns. */
	assert_non_null(strstr(buf, "LOCK    IO SLEEP"));
	assert_non_null(strstr(buf, "    10    20    30"));
	assert_non_null(strstr(buf, "run queue by culprit (ms/s): stress 77 container abcdef012345 40, "
				    "Sink (1/1)#0 (own threads) 100 12"));
	assert_non_null(strstr(buf, "skew: max 900 ms/s (subtask 2/3), median 200 ms/s"));
	assert_non_null(strstr(buf, "other threads (cpu / runqueue ms/s): gc 30/0"));
	free(buf);
	thread_report_free(&r);
}

/* Operators of a task thread: written in chain order, read back by
 * index, printed one row each under the subtask with the unplaced part. */
static void test_operators_round_trip_and_rows(void **state)
{
	struct thread_report r = { .duration_s = 10 }, back;
	char *dir = test_mkdtemp(), path[512], err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	add_task(&r, 11, "Source: A -> Map (1/1)#0", "Source: A", "Map", 1, 1, 400);
	r.threads[0].has_operators = true;
	r.threads[0].operator_ms_per_s[0] = 100;
	r.threads[0].operator_samples[0] = 10;
	r.threads[0].operator_ms_per_s[1] = 290;
	r.threads[0].operator_samples[1] = 29;
	r.threads[0].unplaced_ms_per_s = 10;
	r.threads[0].unplaced_samples = 1;
	add_task(&r, 12, "Sink (1/1)#0", "Sink", NULL, 1, 1, 50); /* no samples: no operators */
	snprintf(path, sizeof(path), "%s/r.json", dir);
	assert_int_equal(thread_report_write_json_file(&r, path), 0);
	assert_int_equal(thread_report_read_json(path, &back, err, sizeof(err)), 0);
	assert_true(back.threads[0].has_operators);
	assert_true(back.threads[0].operator_ms_per_s[1] == 290);
	assert_int_equal(back.threads[0].operator_samples[1], 29);
	assert_int_equal(back.threads[0].unplaced_samples, 1);
	assert_false(back.threads[1].has_operators);
	f = open_memstream(&buf, &len);
	thread_report_print_table(&back, f, 160);
	fclose(f);
	assert_non_null(strstr(buf, "    Source: A              100   25 %\n"));
	assert_non_null(strstr(buf, "    Map                    290   72 %\n"));
	assert_non_null(strstr(buf, "    (unplaced)              10    2 %\n"));
	free(buf);
	thread_report_free(&back);
	thread_report_free(&r);
	test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_bad_json_names_the_place),
		cmocka_unit_test(test_table_groups_chains_with_skew),
		cmocka_unit_test(test_operators_round_trip_and_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
