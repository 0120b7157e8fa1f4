// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/switch_cost.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct pingpong {
	int to_peer[2], to_main[2];
	cpu_set_t cpu;
	atomic_int tids[2];
	atomic_ulong trips;
	atomic_bool stop;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The thread that counts: sends a byte, waits for it back. */
static void *pingpong_main(void *arg)
{
	struct pingpong *pp = arg;
	char c = 'x';

	pthread_setaffinity_np(pthread_self(), sizeof(pp->cpu), &pp->cpu);
	atomic_store(&pp->tids[0], (int)syscall(SYS_gettid));
	while (!atomic_load(&pp->stop)) {
		if (write(pp->to_peer[1], &c, 1) != 1 || read(pp->to_main[0], &c, 1) != 1)
			break;
		atomic_fetch_add(&pp->trips, 1);
	}
	/* The peer's read ends with EOF. */
	close(pp->to_peer[1]);
	pp->to_peer[1] = -1;
	return NULL;
}

static void *pingpong_peer(void *arg)
{
	struct pingpong *pp = arg;
	char c;

	pthread_setaffinity_np(pthread_self(), sizeof(pp->cpu), &pp->cpu);
	atomic_store(&pp->tids[1], (int)syscall(SYS_gettid));
	while (read(pp->to_peer[0], &c, 1) == 1 && write(pp->to_main[1], &c, 1) == 1)
		;
	return NULL;
}

static int task_clock_open(pid_t tid, uint64_t period_ns)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_TASK_CLOCK,
		.sample_period = period_ns,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* One window: round trips and ns, with events on both threads or not. */
static int window_run(struct pingpong *pp, bool events, unsigned int ms, uint64_t period_ns,
		      uint64_t *trips, uint64_t *ns)
{
	int fds[2] = { -1, -1 }, err = 0;
	uint64_t t0, n0;
	struct timespec nap = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	for (int i = 0; events && i < 2; i++) {
		fds[i] = task_clock_open(atomic_load(&pp->tids[i]), period_ns);
		if (fds[i] < 0) {
			err = fds[i];
			goto cleanup;
		}
	}
	n0 = atomic_load(&pp->trips);
	t0 = mono_ns();
	nanosleep(&nap, NULL);
	*trips += atomic_load(&pp->trips) - n0;
	*ns += mono_ns() - t0;
cleanup:
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

int switch_cost_from_counts(uint64_t trips_off, uint64_t ns_off, uint64_t trips_on, uint64_t ns_on,
			    struct switch_cost *out)
{
	double off, on;

	if (!trips_off || !trips_on)
		return -EINVAL;
	/* Two switches a round trip. */
	off = (double)ns_off / (double)trips_off / 2;
	on = (double)ns_on / (double)trips_on / 2;
	out->switch_ns = off;
	out->added_ns = on - off;
	return 0;
}

double switch_cost_cpu_pct(double added_ns, double switches_per_s)
{
	return added_ns * switches_per_s / 1e9 * 100;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int switch_cost_measure(unsigned int rounds, unsigned int window_ms, uint64_t period_ns,
			struct switch_cost *out)
{
	struct pingpong pp = { .to_peer = { -1, -1 }, .to_main = { -1, -1 } };
	double added[SWITCH_COST_MAX_ROUNDS], base[SWITCH_COST_MAX_ROUNDS];
	pthread_t th[2];
	int started = 0, err = 0, cpu = sched_getcpu();
	unsigned int r;

	if (!rounds || rounds > SWITCH_COST_MAX_ROUNDS)
		return -EINVAL;
	CPU_ZERO(&pp.cpu);
	CPU_SET(cpu < 0 ? 0 : cpu, &pp.cpu);
	if (pipe2(pp.to_peer, O_CLOEXEC) || pipe2(pp.to_main, O_CLOEXEC)) {
		err = -errno;
		goto cleanup;
	}
	if (pthread_create(&th[0], NULL, pingpong_peer, &pp)) {
		err = -EAGAIN;
		goto cleanup;
	}
	started = 1;
	if (pthread_create(&th[1], NULL, pingpong_main, &pp)) {
		err = -EAGAIN;
		goto cleanup;
	}
	started = 2;
	while (!atomic_load(&pp.tids[0]) || !atomic_load(&pp.tids[1]))
		sched_yield();
	for (r = 0; r < rounds && !err; r++) {
		/* Which window comes first alternates too. */
		bool first_on = r & 1;
		uint64_t trips[2] = { 0, 0 }, ns[2] = { 0, 0 }; /* [0] off, [1] on */
		struct switch_cost c = { 0 };

		err = window_run(&pp, first_on, window_ms, period_ns, &trips[first_on], &ns[first_on]);
		if (!err)
			err = window_run(&pp, !first_on, window_ms, period_ns, &trips[!first_on], &ns[!first_on]);
		if (!err)
			err = switch_cost_from_counts(trips[0], ns[0], trips[1], ns[1], &c);
		if (!err) {
			added[r] = c.added_ns;
			base[r] = c.switch_ns;
		}
	}
	if (err)
		goto cleanup;
	/* Medians: a window in which another task took the CPU is an outlier,
	 * not a shift. */
	qsort(added, rounds, sizeof(added[0]), cmp_double);
	qsort(base, rounds, sizeof(base[0]), cmp_double);
	out->added_ns = rounds % 2 ? added[rounds / 2] : (added[rounds / 2 - 1] + added[rounds / 2]) / 2;
	out->switch_ns = rounds % 2 ? base[rounds / 2] : (base[rounds / 2 - 1] + base[rounds / 2]) / 2;
cleanup:
	atomic_store(&pp.stop, true);
	if (started == 2)
		pthread_join(th[1], NULL);
	if (pp.to_peer[1] >= 0) {
		/* The peer's read ends with EOF (pingpong_main does it itself). */
		close(pp.to_peer[1]);
		pp.to_peer[1] = -1;
	}
	if (started >= 1)
		pthread_join(th[0], NULL);
	for (int i = 0; i < 2; i++) {
		if (pp.to_peer[i] >= 0)
			close(pp.to_peer[i]);
		if (pp.to_main[i] >= 0)
			close(pp.to_main[i]);
	}
	return err;
}
