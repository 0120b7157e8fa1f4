// SPDX-License-Identifier: GPL-2.0
/* attach_worker: jobs run off the caller's thread, results carry the
 * process they were for, a reused pid is not attached to, and a JVM's
 * answer comes back whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/collect/cfi_maps.h"
#include "agent/collect/hotspot_prep.h"
#include "agent/jvm/attach_worker.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/core/target.h"
#include "jvm_fixture.h"

/* Wait for n results (the workers time out on their own). */
static size_t take_n(struct attach_worker *w, struct attach_result *out, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 3000 && got < n; i++) {
		got += attach_worker_take(w, out + got, n - got);
		if (got < n)
			usleep(10000);
	}
	return got;
}

static void test_reused_and_dead_pids(void **state)
{
	struct attach_worker *w;
	struct attach_result r[2];
	unsigned long long start;

	(void)state;
	assert_int_equal(attach_worker_new(&w), 0);
	assert_int_equal(target_start_time_read(getpid(), &start), 0);
	/* Our pid with another start time: a process we were not asked about. */
	assert_int_equal(attach_worker_submit(w, getpid(), start + 1, ATTACH_JOB_NAMES, 1000), 0);
	assert_int_equal(attach_worker_submit(w, jvm_fixture_dead_pid(), 1, ATTACH_JOB_PERF_MAP, 1000), 0);
	assert_int_equal(take_n(w, r, 2), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r[i].err, -ESRCH);
		assert_null(r[i].reply.output);
		assert_null(r[i].perf_map);
		attach_result_free(&r[i]);
	}
	assert_int_equal(attach_worker_pending(w), 0);
	attach_worker_free(w);
}

/* A process that never answers (a child that only sleeps: no attach
 * socket ever appears) costs a worker, never the caller; the queue bound
 * holds. */
static void test_no_answer_and_queue_bound(void **state)
{
	struct attach_worker *w;
	struct attach_result r;
	unsigned long long start;
	int full = 0;
	pid_t child;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		for (;;)
			pause();
	}
	assert_int_equal(attach_worker_new(&w), 0);
	assert_int_equal(target_start_time_read(child, &start), 0);
	assert_int_equal(attach_worker_submit(w, child, start, ATTACH_JOB_NAMES, 300), 0);
	assert_int_equal(attach_worker_pending(w), 1);
	assert_int_equal(take_n(w, &r, 1), 1);
	assert_int_equal(r.err, -ETIMEDOUT);
	assert_null(r.reply.output);
	attach_result_free(&r);
	/* Never more jobs waiting than the queue holds. */
	for (int i = 0; i < 4 * ATTACH_WORKER_QUEUE; i++)
		if (attach_worker_submit(w, jvm_fixture_dead_pid(), 1, ATTACH_JOB_NAMES, 100) == -EAGAIN)
			full++;
	assert_true(attach_worker_pending(w) <= ATTACH_WORKER_QUEUE + ATTACH_WORKER_THREADS);
	(void)full;
	/* Freed with jobs and results outstanding: no leak, no hang. */
	attach_worker_free(w);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* A started JVM (NULL: none here, the test passes as skipped) and a
 * worker pool for it. */
static struct jvm_fixture *jvm_with_worker(struct attach_worker **w, unsigned long long *start)
{
	struct jvm_fixture *j;

	if (!jvm_fixture_require())
		return NULL;
	j = jvm_fixture_start(0, NULL);
	assert_int_equal(target_start_time_read(j->pid, start), 0);
	assert_int_equal(attach_worker_new(w), 0);
	return j;
}

static void test_jvm_answers(void **state)
{
	struct attach_worker *w = NULL;
	struct attach_result r[2];
	struct jvm_fixture *j;
	unsigned long long start;

	(void)state;
	if (!(j = jvm_with_worker(&w, &start)))
		return;
	assert_int_equal(attach_worker_submit(w, j->pid, start, ATTACH_JOB_NAMES, 0), 0);
	assert_int_equal(attach_worker_submit(w, j->pid, start, ATTACH_JOB_PERF_MAP, 0), 0);
	assert_int_equal(take_n(w, r, 2), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r[i].pid, j->pid);
		assert_int_equal(r[i].start_time, start);
		if (r[i].job == ATTACH_JOB_NAMES) {
			assert_int_equal(r[i].err, 0);
			assert_non_null(strstr(r[i].reply.output, "\"" JVM_FIXTURE_LONG_NAME "\""));
		} else {
			/* JDK 17+: written and read back by the worker; JDK 11:
			 * no Compiler.perfmap. */
			assert_true(r[i].err == 0 || r[i].err == -ENOTSUP);
			if (r[i].err == 0) {
				assert_int_equal(r[i].read_err, 0);
				assert_non_null(r[i].perf_map);
			}
		}
		attach_result_free(&r[i]);
	}
	attach_worker_free(w);
}

/* A target's unwind tables parsed on a worker (not an attach): the result
 * carries them; a reused pid gets none. */
static void test_cfi_job(void **state)
{
	struct attach_result res[2];
	struct attach_worker *pool = NULL;
	unsigned long long me = 0;

	(void)state;
	assert_int_equal(target_start_time_read(getpid(), &me), 0);
	assert_int_equal(attach_worker_new(&pool), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(attach_worker_submit(pool, getpid(), me + (unsigned long long)i,
						      ATTACH_JOB_CFI, 0), 0);
		assert_int_equal(take_n(pool, &res[i], 1), 1);
		assert_int_equal(res[i].job, ATTACH_JOB_CFI);
	}
	assert_int_equal(res[0].err, 0);
	assert_non_null(res[0].cfi);
	assert_true(res[0].cfi->nmaps >= 1); /* libc at least */
	assert_int_equal(res[1].err, -ESRCH);
	assert_null(res[1].cfi);
	for (int i = 0; i < 2; i++) {
		attach_result_free(&res[i]);
		assert_null(res[i].cfi);
	}
	attach_worker_free(pool);
}

/* A process without libjvm (this one): the HotSpot set-up read on a
 * worker ends "not set up yet", the one failure worth another try, and
 * only until HOTSPOT_TRIES; other failures are final. */
static void test_hotspot_job_no_jvm(void **state)
{
	struct attach_worker *pool = NULL;
	struct attach_result r;
	unsigned long long me = 0;

	(void)state;
	assert_int_equal(target_start_time_read(getpid(), &me), 0);
	assert_int_equal(attach_worker_new(&pool), 0);
	assert_int_equal(attach_worker_submit(pool, getpid(), me, ATTACH_JOB_HOTSPOT, 0), 0);
	assert_int_equal(take_n(pool, &r, 1), 1);
	assert_int_equal(r.job, ATTACH_JOB_HOTSPOT);
	assert_int_equal(r.err, 0);
	assert_non_null(r.hotspot);
	assert_int_equal(r.hotspot->err, -ENOENT);
	assert_null(r.hotspot->rt);
	assert_null(r.hotspot->java);
	assert_int_equal(attach_result_current(&r), 1);
	attach_result_free(&r);
	assert_null(r.hotspot);
	assert_true(hotspot_prep_retry(-ENOENT, 1));
	assert_true(hotspot_prep_retry(-ENOENT, HOTSPOT_TRIES - 1));
	assert_false(hotspot_prep_retry(-ENOENT, HOTSPOT_TRIES));
	assert_false(hotspot_prep_retry(-EFAULT, 1));
	assert_false(hotspot_prep_retry(-ERANGE, 1));
	assert_false(hotspot_prep_retry(-ESRCH, 1));
	attach_worker_free(pool);
}

/* A result is for the program the process ran when the job read it: after
 * an exec it is not current any more (same pid, same start time), after
 * the exit the process is gone. */
static void test_result_identity(void **state)
{
	struct attach_worker *pool = NULL;
	struct target_identity before, now;
	struct attach_result r;
	int go[2];
	pid_t child;

	(void)state;
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) == 1)
			execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	close(go[0]);
	assert_int_equal(target_identity_read(child, &before), 0);
	assert_int_equal(attach_worker_new(&pool), 0);
	assert_int_equal(attach_worker_submit(pool, child, before.start_time, ATTACH_JOB_CFI, 0), 0);
	assert_int_equal(take_n(pool, &r, 1), 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.exe_ino, before.exe_ino);
	assert_int_equal(attach_result_current(&r), 1);
	/* The worker saw the process exec while it read. */
	r.err = -ESTALE;
	assert_int_equal(attach_result_current(&r), 0);
	r.err = 0;
	/* The child becomes /bin/sleep: same pid and start time. */
	assert_int_equal(write(go[1], "x", 1), 1);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(target_identity_read(child, &now), 0);
		if (now.exe_ino != before.exe_ino || now.exe_dev != before.exe_dev)
			break;
		usleep(10000);
	}
	assert_int_equal(now.start_time, before.start_time);
	assert_int_equal(attach_result_current(&r), 0);
	/* Another process under the pid, or none. */
	r.start_time++;
	assert_int_equal(attach_result_current(&r), -ESRCH);
	r.start_time--;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(attach_result_current(&r), -ESRCH);
	attach_result_free(&r);
	close(go[1]);
	attach_worker_free(pool);
}

/* A JVM's HotSpot set-up read on a worker and installed into its target:
 * configuration, namer and runtime move over; nothing is left behind. */
static void test_hotspot_job_jvm(void **state)
{
	struct attach_worker *pool = NULL;
	struct attach_result r = { 0 };
	struct jvm_fixture *j;
	struct target t;
	unsigned long long start;

	(void)state;
	if (!(j = jvm_with_worker(&pool, &start)))
		return;
	/* A JVM still starting has no code cache yet: the retry rule. */
	for (unsigned int tries = 1;; tries++) {
		assert_int_equal(attach_worker_submit(pool, j->pid, start, ATTACH_JOB_HOTSPOT, 0), 0);
		assert_int_equal(take_n(pool, &r, 1), 1);
		assert_int_equal(r.err, 0);
		assert_non_null(r.hotspot);
		if (!hotspot_prep_retry(r.hotspot->err, tries))
			break;
		attach_result_free(&r);
		usleep(200000);
	}
	assert_int_equal(r.hotspot->err, 0);
	assert_non_null(r.hotspot->rt);
	assert_non_null(r.hotspot->java);
	assert_int_equal(attach_result_current(&r), 1);
	assert_int_equal(target_open(j->pid, NULL, &t), 0);
	assert_int_equal(hotspot_prep_install(r.hotspot, &t), 0);
	assert_non_null(t.runtime);
	assert_non_null(t.java);
	assert_true(t.hs_cfg.codecache_low < t.hs_cfg.codecache_high);
	assert_null(r.hotspot->rt);
	assert_null(r.hotspot->java);
	attach_result_free(&r);
	target_close(&t);

	/* The runtime alone (--unwind fp, for the alloc collector): libjvm's
	 * allocation hooks and vmStructs, no unwinding set-up. */
	assert_int_equal(attach_worker_submit(pool, j->pid, start, ATTACH_JOB_RUNTIME, 0), 0);
	assert_int_equal(take_n(pool, &r, 1), 1);
	assert_int_equal(r.job, ATTACH_JOB_RUNTIME);
	assert_int_equal(r.err, 0);
	assert_non_null(r.hotspot);
	assert_int_equal(r.hotspot->err, 0);
	assert_non_null(r.hotspot->rt);
	assert_true(r.hotspot->rt->vmstructs_ok);
	assert_true(r.hotspot->rt->alloc_in_new_tlab != 0);
	assert_null(r.hotspot->java);
	assert_int_equal(r.hotspot->cfg.codecache_high, 0);
	assert_int_equal(attach_result_current(&r), 1);
	attach_result_free(&r);
	attach_worker_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_and_dead_pids),
		cmocka_unit_test(test_no_answer_and_queue_bound),
		cmocka_unit_test(test_cfi_job),
		cmocka_unit_test(test_hotspot_job_no_jvm),
		cmocka_unit_test(test_result_identity),
		cmocka_unit_test_teardown(test_hotspot_job_jvm, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_answers, jvm_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
}
