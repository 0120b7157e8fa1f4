// SPDX-License-Identifier: GPL-2.0
/* The report's blocked_in: written per thread (null without off-CPU
 * states, null per wait without a frame), read back as written, and
 * reports from before it or with odd entries read without one. */
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

#include "flamegraph/report_blocked_in.h"
#include "flamegraph/thread_report.h"
#include "support.h"

static struct report_thread *thread(struct thread_report *r, pid_t tid, bool offcpu)
{
	struct report_thread *t = thread_report_add(r);

	assert_non_null(t);
	t->pid = 9;
	t->tid = tid;
	t->name = strdup("Sink: Store (1/1)#0");
	t->kind = strdup("task");
	for (int s = 0; s < REPORT_STATE__MAX; s++)
		t->measured[s] = offcpu || s == REPORT_CPU;
	return t;
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(report_wait_name(REPORT_WAIT_LOCK), "lock");
	assert_string_equal(report_wait_name(REPORT_WAIT_IO), "io");
	assert_string_equal(report_wait_name(REPORT_WAIT_SLEEP), "sleep");
	assert_string_equal(report_wait_name(REPORT_WAIT_BACKPRESSURED), "backpressured");
	assert_string_equal(report_wait_name(REPORT_WAIT_IDLE), "idle");
	assert_string_equal(report_wait_name(REPORT_WAIT__MAX), "?");
}

static void test_write_and_read_back(void **state)
{
	struct thread_report r = { 0 }, back;
	struct report_thread *t;
	char path[] = "/tmp/tmprof-blocked-in-XXXXXX", err[256];
	char *text;
	int fd;

	(void)state;
	t = thread(&r, 10, true);
	assert_int_equal(report_blocked_in_set(t, REPORT_WAIT_IO, "com.acme.PaymentClient.awaitAck",
					       "jit", "[java]", 610.5),
			 0);
	assert_int_equal(report_blocked_in_set(t, REPORT_WAIT_IDLE, "a \"quoted\" frame", NULL, NULL,
					       12),
			 0);
	thread(&r, 11, false);
	text = test_report_json(&r);
	assert_non_null(strstr(text, ",\"blocked_in\":{\"lock\":null,\"io\":{\"frame\":\"com.acme."
				     "PaymentClient.awaitAck\",\"kind\":\"jit\",\"module\":\"[java]\","
				     "\"ms_per_s\":610.500},\"sleep\":null,\"backpressured\":null,"
				     "\"idle\":{\"frame\":\"a \\\"quoted\\\" frame\",\"kind\":\"unknown\","
				     "\"module\":\"\",\"ms_per_s\":12.000}}}"));
	/* -e cpu: not measured, so null rather than "none". */
	assert_non_null(strstr(text, ",\"blocked_in\":null}"));
	free(text);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(thread_report_write_json_file(&r, path), 0);
	assert_int_equal(thread_report_read_json(path, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nthreads, 2);
	assert_string_equal(back.threads[0].blocked_in[REPORT_WAIT_IO].frame,
			    "com.acme.PaymentClient.awaitAck");
	assert_string_equal(back.threads[0].blocked_in[REPORT_WAIT_IO].module, "[java]");
	assert_float_equal(back.threads[0].blocked_in[REPORT_WAIT_IO].ms_per_s, 610.5, 1e-9);
	assert_string_equal(back.threads[0].blocked_in[REPORT_WAIT_IDLE].frame, "a \"quoted\" frame");
	assert_null(back.threads[0].blocked_in[REPORT_WAIT_LOCK].frame);
	for (int w = 0; w < REPORT_WAIT__MAX; w++)
		assert_null(back.threads[1].blocked_in[w].frame);
	unlink(path);
	thread_report_free(&back);
	thread_report_free(&r);
}

/* A report from before blocked_in, and entries that are not objects or
 * have no frame name: read, with no frame. */
static void test_old_and_odd_reports(void **state)
{
	static const char text[] =
		"{\"duration_s\":1,\"threads\":["
		"{\"pid\":1,\"tid\":2,\"name\":\"a\",\"kind\":\"task\",\"ms_per_s\":{\"cpu\":1}},"
		"{\"pid\":1,\"tid\":3,\"name\":\"b\",\"kind\":\"task\",\"ms_per_s\":{\"cpu\":1},"
		"\"blocked_in\":{\"io\":7,\"lock\":{\"frame\":\"\"},\"sleep\":{\"frame\":3},"
		"\"idle\":{\"frame\":\"X.y\"}}}]}";
	char path[] = "/tmp/tmprof-blocked-in-XXXXXX", err[256];
	struct thread_report r;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(thread_report_read_json(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.nthreads, 2);
	for (int w = 0; w < REPORT_WAIT__MAX; w++) {
		assert_null(r.threads[0].blocked_in[w].frame);
		if (w != REPORT_WAIT_IDLE)
			assert_null(r.threads[1].blocked_in[w].frame);
	}
	assert_string_equal(r.threads[1].blocked_in[REPORT_WAIT_IDLE].frame, "X.y");
	assert_string_equal(r.threads[1].blocked_in[REPORT_WAIT_IDLE].kind, "unknown");
	assert_float_equal(r.threads[1].blocked_in[REPORT_WAIT_IDLE].ms_per_s, 0.0, 1e-9);
	unlink(path);
	thread_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_write_and_read_back),
		cmocka_unit_test(test_old_and_odd_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
