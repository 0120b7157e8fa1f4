/* The CPU sampler against the real kernel: BPF loads, samples a busy child
 * process and only it, and its stacks lead back to the function that spins. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/cpu_sampler.h"
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

static void test_samples_only_the_target(void **state)
{
	struct cpu_sampler *s = NULL;
	struct drained d = { 0 };
	uint64_t stats[CPU_STAT__MAX];
	uint64_t ips[TMPROF_MAX_STACK_DEPTH];
	struct timespec half = { 0, 500000000 };
	bool in_busy = false;

	(void)state;
	if (!test_require_root())
		return;
	d.child = fork();
	assert_true(d.child >= 0);
	if (d.child == 0)
		busy_spin();
	assert_int_equal(cpu_sampler_open(997, CPU_SAMPLER_PER_CPU, &s), 0);
	assert_int_equal(cpu_sampler_add_target(s, d.child), 0);
	nanosleep(&half, NULL);
	nanosleep(&half, NULL);
	kill(d.child, SIGKILL);
	waitpid(d.child, NULL, 0);
	assert_int_equal(cpu_sampler_drain(s, on_sample, &d), 0);

	/* About 997 samples in one busy second; be generous for a loaded VM. */
	assert_true(d.child_samples > 200);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_list_parse),
		cmocka_unit_test(test_samples_only_the_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
