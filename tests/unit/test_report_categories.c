// SPDX-License-Identifier: GPL-2.0
/* The report's CPU categories: cpu_by_category in the JSON (written, read
 * back), the category lines of the table, and nothing of it in a report
 * without categories. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/report_categories.h"
#include "flamegraph/thread_report.h"

static const char *const names[] = { "serialization", "state", "network", "user", "framework" };

static struct report_thread *task(struct thread_report *r, pid_t tid, int subtask, double cpu,
				  const double *cats)
{
	struct report_thread *t = thread_report_add(r);

	assert_non_null(t);
	t->pid = 100;
	t->tid = tid;
	t->name = strdup("Map -> Sink (1/2)#0");
	t->kind = strdup("task");
	t->is_task = true;
	t->task.chain[0] = strdup("Map");
	t->task.chain[1] = strdup("Sink");
	t->task.nchain = 2;
	t->task.subtask = subtask;
	t->task.parallelism = 2;
	t->measured[REPORT_CPU] = true;
	t->ms_per_s[REPORT_CPU] = cpu;
	for (size_t i = 0; cats && i < 5; i++)
		t->cpu_by_category[i] = cats[i];
	return t;
}

static char *text_of(const struct thread_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(thread_report_write_json(r, f), 0);
	else
		thread_report_print_table(r, f, 120);
	fclose(f);
	return buf;
}

static void test_json_round_trip(void **state)
{
	static const double a[] = { 310, 120, 0, 520, 50 };
	struct thread_report r = { 0 }, back;
	char path[] = "/tmp/test_report_categories.XXXXXX", err[256], *text;
	int fd;
	FILE *f;

	(void)state;
	assert_int_equal(report_categories_set_names(&r, names, 5), 0);
	task(&r, 11, 1, 1000, a);
	text = text_of(&r, true);
	assert_non_null(strstr(text, "\"cpu_by_category\":{\"serialization\":310.000,\"state\":120.000,"
				     "\"network\":0.000,\"user\":520.000,\"framework\":50.000}"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(thread_report_read_json(path, &back, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(back.ncategories, 5);
	assert_string_equal(back.categories[3], "user");
	assert_true(back.threads[0].cpu_by_category[0] == 310);
	assert_true(back.threads[0].cpu_by_category[3] == 520);
	thread_report_free(&back);
	thread_report_free(&r);
}

/* Per chain and process: the subtasks' CPU and categories summed, one
 * entry per chain in report order; other chains, processes and non-task
 * threads apart. */
static void test_chain_totals_json(void **state)
{
	static const double a[] = { 310, 120, 0, 520, 50 }, b[] = { 0, 0, 5, 90, 5 };
	struct thread_report r = { 0 };
	struct report_thread *other, *gc;
	char *text;

	(void)state;
	assert_int_equal(report_categories_set_names(&r, names, 5), 0);
	task(&r, 11, 1, 1000, a);
	other = task(&r, 13, 1, 100, b);
	other->pid = 200;
	task(&r, 12, 2, 100, b);
	gc = thread_report_add(&r);
	assert_non_null(gc);
	gc->pid = 100;
	gc->tid = 14;
	gc->name = strdup("GC Thread#0");
	gc->kind = strdup("gc");
	gc->measured[REPORT_CPU] = true;
	gc->ms_per_s[REPORT_CPU] = 300;
	text = text_of(&r, true);
	assert_non_null(strstr(text, ",\"chains\":[\n{\"chain\":\"Map -> Sink\",\"pid\":100,"
				     "\"subtasks\":2,\"cpu_ms_per_s\":1100.000,\"cpu_by_category\":{"
				     "\"serialization\":310.000,\"state\":120.000,\"network\":5.000,"
				     "\"user\":610.000,\"framework\":55.000}},\n{\"chain\":\"Map -> "
				     "Sink\",\"pid\":200,\"subtasks\":1,\"cpu_ms_per_s\":100.000,"));
	assert_null(strstr(text, "\"pid\":100,\"subtasks\":3"));
	free(text);
	thread_report_free(&r);
}

static void test_no_categories(void **state)
{
	struct thread_report r = { 0 };
	char *text;

	(void)state;
	task(&r, 11, 1, 1000, NULL);
	text = text_of(&r, true);
	assert_null(strstr(text, "cpu_by_category"));
	assert_null(strstr(text, "\"chains\""));
	free(text);
	text = text_of(&r, false);
	assert_null(strstr(text, "cpu:"));
	assert_null(strstr(text, "chain cpu"));
	free(text);
	thread_report_free(&r);
}

static void test_table_lines(void **state)
{
	static const double a[] = { 310, 120, 0, 520, 50 }, b[] = { 0, 0, 5, 90, 5 };
	struct thread_report r = { 0 };
	char *text;

	(void)state;
	assert_int_equal(report_categories_set_names(&r, names, 5), 0);
	task(&r, 11, 1, 1000, a);
	task(&r, 12, 2, 100, b);
	text = text_of(&r, false);
	/* Largest first, short names, shares of the thread's CPU. */
	assert_non_null(strstr(text, "cpu: user 52% ser 31% state 12% fw 5%\n"));
	assert_non_null(strstr(text, "cpu: user 90% net 5% fw 5%\n"));
	/* The chain: both subtasks' CPU summed (1100 ms/s). */
	assert_non_null(strstr(text, "chain cpu (2 subtasks): user 55% ser 28% state 11% fw 5%\n"));
	free(text);
	thread_report_free(&r);
}

static void test_read_skips_odd_names(void **state)
{
	char path[] = "/tmp/test_report_categories.XXXXXX", err[256];
	struct thread_report r;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("{\"duration_s\":1,\"threads\":[{\"pid\":1,\"tid\":2,\"name\":\"x\",\"kind\":\"other\","
	      "\"task\":null,\"ms_per_s\":{\"cpu\":10},\"top_frames\":[],"
	      "\"cpu_by_category\":{\"user\":4,\"bad \\\"name\":3,\"gc\":\"six\",\"jit\":6}}]}\n",
	      f);
	fclose(f);
	assert_int_equal(thread_report_read_json(path, &r, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(r.ncategories, 3); /* user, gc (value not a number: 0), jit */
	assert_string_equal(r.categories[0], "user");
	assert_true(r.threads[0].cpu_by_category[0] == 4);
	assert_true(r.threads[0].cpu_by_category[1] == 0);
	assert_true(r.threads[0].cpu_by_category[2] == 6);
	thread_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_chain_totals_json),
		cmocka_unit_test(test_no_categories),
		cmocka_unit_test(test_table_lines),
		cmocka_unit_test(test_read_skips_odd_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
