// SPDX-License-Identifier: GPL-2.0
/* The CPU sampler against the real kernel: BPF loads, samples a busy child
 * process and only it, and its stacks lead back to the function that spins. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/collect/cpu_sampler.h"
#include "agent/collect/thread_events.h"
#include "agent/core/proc_info.h"
#include "support.h"

static void test_cpu_list_parse(void **state)
{
	bool cpus[8];

	(void)state;
	assert_int_equal(cpu_list_parse("0-1\n", cpus, 8), 2);
	assert_true(cpus[0] && cpus[1] && !cpus[2]);
	assert_int_equal(cpu_list_parse("0,2-3,6", cpus, 8), 4);
	assert_true(cpus[0] && !cpus[1] && cpus[2] && cpus[3] && cpus[6] && !cpus[7]);
	assert_int_equal(cpu_list_parse("0-63", cpus, 8), 8);
	assert_int_equal(cpu_list_parse("3-1", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("x", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("1;2", cpus, 8), -EINVAL);
	assert_int_equal(cpu_list_parse("", cpus, 8), 0);
}

/* Spins until killed; noinline keeps it a real frame for the stack check. */
static __attribute__((noinline)) void busy_spin(void)
{
	volatile uint64_t x = 0;

	for (;;)
		x = x * 31 + 7;
}

static volatile uint64_t idle_sink;

struct drained {
	pid_t child;
	uint64_t child_samples, other_samples;
	uint64_t stack_ids[64];
	size_t nstacks;
};

static int on_sample(void *ctx, const struct cpu_sample_key *key, uint64_t count)
{
	struct drained *d = ctx;

	if ((pid_t)key->tgid == d->child) {
		d->child_samples += count;
		if (key->user_stack && d->nstacks < 64)
			d->stack_ids[d->nstacks++] = key->user_stack;
	} else {
		d->other_samples += count;
	}
	return 0;
}

static uint64_t thread_cpu_ns(pid_t pid, pid_t tid);

static void test_samples_only_the_target(void **state)
{
	struct cpu_sampler *s = NULL;
	struct drained d = { 0 };
	uint64_t stats[CPU_STAT__MAX];
	uint64_t ips[TMPROF_MAX_STACK_DEPTH];
	struct timespec half = { 0, 500000000 };
	uint64_t start_ns, cpu_ns = 0;
	bool in_busy = false;

	(void)state;
	if (!test_require_root())
		return;
	d.child = fork();
	assert_true(d.child >= 0);
	if (d.child == 0)
		busy_spin();
	assert_int_equal(cpu_sampler_open(997, CPU_SAMPLER_PER_CPU, NULL, &s), 0);
	start_ns = thread_cpu_ns(d.child, d.child);
	assert_int_equal(cpu_sampler_add_target(s, d.child), 0);
	/* Until the child has run 300 ms of CPU since the attach, however
	 * loaded the machine (bounded: 60 s of wall time). */
	for (int i = 0; i < 120; i++) {
		cpu_ns = thread_cpu_ns(d.child, d.child) - start_ns;
		if (cpu_ns >= 300000000ULL)
			break;
		nanosleep(&half, NULL);
	}
	kill(d.child, SIGKILL);
	waitpid(d.child, NULL, 0);
	assert_int_equal(cpu_sampler_drain(s, on_sample, &d), 0);

	/* 997 Hz of the child's own CPU time, which the test measured: the
	 * count follows the CPU the child got, not the wall clock. Half of
	 * the expectation leaves room for the per-CPU clock's aliasing. */
	assert_true(cpu_ns >= 300000000ULL);
	assert_true(d.child_samples >= cpu_ns * 997 / 1000000000ULL / 2);
	assert_int_equal(d.other_samples, 0);
	assert_int_equal(cpu_sampler_stats(s, stats), 0);
	assert_true(stats[CPU_STAT_SAMPLES] >= d.child_samples);
	for (size_t i = 0; i < d.nstacks && !in_busy; i++) {
		int depth = cpu_sampler_user_stack(s, d.stack_ids[i], ips, TMPROF_MAX_STACK_DEPTH);

		assert_true(depth > 0);
		/* The leaf lies inside busy_spin (the child is a fork: same
		 * addresses); its size is well under 256 bytes. */
		in_busy = ips[0] >= (uint64_t)(uintptr_t)busy_spin &&
			  ips[0] < (uint64_t)(uintptr_t)busy_spin + 256;
	}
	assert_true(in_busy);
	/* The child is gone and the map drained: nothing is counted twice. */
	d.child_samples = 0;
	assert_int_equal(cpu_sampler_drain(s, on_sample, &d), 0);
	assert_int_equal(d.child_samples, 0);
	assert_int_equal(cpu_sampler_user_stack(s, 0, ips, TMPROF_MAX_STACK_DEPTH), -ENOENT);
	assert_int_equal(cpu_sampler_kernel_stack(s, (uint64_t)INT32_MAX + 1, ips, 4), -ENOENT);
	assert_int_equal(cpu_sampler_remove_target(s, d.child), 0);
	assert_int_equal(cpu_sampler_remove_target(s, d.child), 0);
	cpu_sampler_close(s);
	idle_sink++;
}

static void *spin_thread(void *arg)
{
	(void)arg;
	busy_spin();
	return NULL;
}

/* The child's threads start after the sampler attached (the parent closes
 * the pipe): only its main thread had an event opened; the others are
 * covered by inheritance. */
static void late_threads_child(int go_fd)
{
	pthread_t t[2];
	char c;

	if (read(go_fd, &c, 1) < 0)
		_exit(1);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, spin_thread, NULL);
	pthread_join(t[0], NULL);
	_exit(0);
}

struct tids {
	pid_t child;
	pid_t seen[8];
	uint64_t samples[8];
	size_t n;
	uint64_t other;
};

static int on_tid(void *ctx, const struct cpu_sample_key *key, uint64_t count)
{
	struct tids *d = ctx;
	size_t i;

	if ((pid_t)key->tgid != d->child) {
		d->other += count;
		return 0;
	}
	for (i = 0; i < d->n && d->seen[i] != (pid_t)key->tid; i++)
		;
	if (i == d->n && d->n < 8)
		d->seen[d->n++] = (pid_t)key->tid;
	if (i < 8)
		d->samples[i] += count;
	return 0;
}

/* CPU time of a thread (schedstat), 0 if unreadable. */
static uint64_t thread_cpu_ns(pid_t pid, pid_t tid)
{
	uint64_t ns = 0;

	return proc_thread_cpu_ns(pid, tid, &ns) ? 0 : ns;
}

static void test_per_thread_covers_new_threads(void **state)
{
	struct cpu_sampler *s = NULL;
	struct thread_events_stats st;
	struct tids d = { 0 };
	struct timespec half = { 0, 500000000 };
	size_t spinners = 0, open_at_attach;
	uint64_t cpu[8] = { 0 };
	int go[2], add_err, drain_err;

	(void)state;
	if (!test_require_root())
		return;
	assert_int_equal(pipe(go), 0);
	d.child = fork();
	assert_true(d.child >= 0);
	if (d.child == 0) {
		close(go[1]);
		late_threads_child(go[0]);
	}
	close(go[0]);
	assert_int_equal(cpu_sampler_open(499, CPU_SAMPLER_PER_THREAD, NULL, &s), 0);
	add_err = cpu_sampler_add_target(s, d.child);
	open_at_attach = cpu_sampler_events_open(s, d.child);
	close(go[1]);
	for (int i = 0; i < 4; i++)
		nanosleep(&half, NULL);
	/* Stopped: its CPU time and its samples then describe the same span. */
	kill(d.child, SIGSTOP);
	waitpid(d.child, NULL, WUNTRACED);
	drain_err = cpu_sampler_drain(s, on_tid, &d);
	for (size_t i = 0; i < d.n; i++)
		cpu[i] = thread_cpu_ns(d.child, d.seen[i]);
	kill(d.child, SIGKILL);
	waitpid(d.child, NULL, 0);

	assert_int_equal(add_err, 0);
	/* One thread at attach: one event. */
	assert_int_equal(open_at_attach, 1);
	assert_int_equal(drain_err, 0);
	/* Both threads created after the attach were sampled once per period
	 * (1/499 s) of their own CPU time, however much CPU a loaded machine
	 * gave them: the last partial period is not sampled (-1), and the
	 * schedstat clock may run a little ahead of the hrtimer (-1 more). */
	for (size_t i = 0; i < d.n; i++) {
		uint64_t expect = cpu[i] / (1000000000ULL / 499);

		if (d.seen[i] == d.child)
			continue;
		spinners++;
		assert_true(expect >= 2);
		/* On a loaded machine the timer that takes the sample can fire
		 * late and the next period starts from there, or early
		 * against schedstat: a tenth either way beyond that. */
		if (d.samples[i] + 2 + expect / 10 < expect || d.samples[i] > expect + 1 + expect / 10)
			fprintf(stderr, "thread %d: %zu samples for %" PRIu64 " expected\n",
				(int)d.seen[i], (size_t)d.samples[i], expect);
		assert_true(d.samples[i] + 2 + expect / 10 >= expect);
		assert_true(d.samples[i] <= expect + 1 + expect / 10);
	}
	assert_int_equal(spinners, 2);
	assert_int_equal(d.other, 0);
	/* New threads needed no event of their own. */
	cpu_sampler_event_stats(s, &st);
	assert_int_equal(st.opened, 1);
	assert_int_equal(st.fd_failures, 0);
	assert_int_equal(cpu_sampler_remove_target(s, d.child), 0);
	assert_int_equal(cpu_sampler_events_open(s, d.child), 0);
	cpu_sampler_event_stats(s, &st);
	assert_int_equal(st.open, 0);
	assert_int_equal(cpu_sampler_add_target(s, d.child), -ESRCH);
	cpu_sampler_close(s);
}

/* Threads there at attach that exit: with TMPROF_THREAD_EVENTS=rescan their
 * events are closed at the next drain. They exit when the parent closes
 * the pipe. */
static int exit_fd = -1;

static void *waiting_thread(void *arg)
{
	char c;

	(void)arg;
	if (read(exit_fd, &c, 1) < 0)
		return NULL;
	return NULL;
}

static void exiting_threads_child(int ready_fd)
{
	pthread_t t[4];
	char c = 'r';

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, waiting_thread, NULL);
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	busy_spin();
}

static void test_rescan_closes_exited_threads(void **state)
{
	struct cpu_sampler *s = NULL;
	struct thread_events_stats st;
	struct drained d = { 0 };
	struct timespec second = { 1, 0 };
	size_t open_at_attach, open_after;
	int ready[2], go[2], add_err, drain_err;
	uint64_t samples_after, cpu0, cpu1, expect;
	char c;

	(void)state;
	if (!test_require_root())
		return;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	d.child = fork();
	assert_true(d.child >= 0);
	if (d.child == 0) {
		close(ready[0]);
		close(go[1]);
		exit_fd = go[0];
		exiting_threads_child(ready[1]);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	setenv("TMPROF_THREAD_EVENTS", "rescan", 1);
	assert_int_equal(cpu_sampler_open(499, CPU_SAMPLER_PER_THREAD, NULL, &s), 0);
	unsetenv("TMPROF_THREAD_EVENTS");
	add_err = cpu_sampler_add_target(s, d.child);
	open_at_attach = cpu_sampler_events_open(s, d.child);
	close(go[1]); /* the four threads exit */
	nanosleep(&second, NULL);
	drain_err = cpu_sampler_drain(s, on_sample, &d);
	open_after = cpu_sampler_events_open(s, d.child);
	cpu_sampler_event_stats(s, &st);
	/* The main thread spins after its threads exit: still sampled, once
	 * per period of its CPU time. */
	cpu0 = thread_cpu_ns(d.child, d.child);
	nanosleep(&second, NULL);
	kill(d.child, SIGSTOP);
	waitpid(d.child, NULL, WUNTRACED);
	d.child_samples = 0;
	cpu_sampler_drain(s, on_sample, &d);
	samples_after = d.child_samples;
	cpu1 = thread_cpu_ns(d.child, d.child);
	kill(d.child, SIGKILL);
	waitpid(d.child, NULL, 0);

	assert_int_equal(add_err, 0);
	assert_int_equal(open_at_attach, 5);
	assert_int_equal(drain_err, 0);
	assert_int_equal(open_after, 1);
	assert_int_equal(st.opened, 5);
	assert_int_equal(st.closed, 4);
	assert_int_equal(st.open, 1);
	/* Samples of the drain before cpu0 may have been taken after it: +1. */
	assert_true(cpu1 - cpu0 >= 2 * (1000000000ULL / 499));
	/* As above: a tenth either way for a timer that fires late. */
	expect = (cpu1 - cpu0) / (1000000000ULL / 499);
	assert_true(samples_after + 2 + expect / 10 >= expect);
	assert_true(samples_after <= expect + 2 + expect / 10);
	cpu_sampler_close(s);
}

static void test_per_thread_open_rejects_zero_hz(void **state)
{
	struct cpu_sampler *s = NULL;

	(void)state;
	assert_int_equal(cpu_sampler_open(0, CPU_SAMPLER_PER_THREAD, NULL, &s), -EINVAL);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_list_parse),
		cmocka_unit_test(test_samples_only_the_target),
		cmocka_unit_test(test_per_thread_covers_new_threads),
		cmocka_unit_test(test_rescan_closes_exited_threads),
		cmocka_unit_test(test_per_thread_open_rejects_zero_hz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
