// SPDX-License-Identifier: GPL-2.0
/* Two threads pinned to one CPU hand a byte back and forth through two
 * pipes: every round trip is two context switches and almost nothing else,
 * so the cost a profiler adds to each switch (per-thread perf events are
 * switched out and in with their threads; their sampling hrtimers are
 * cancelled and restarted) shows as fewer round trips per second.
 * Prints "pid N" first, then every 0.5 s "<monotonic s> <round trips> 0"
 * (the column layout of tests/bench_threads.sh's window readers).
 * Usage: switch_pingpong [CPU] */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int to_peer[2], to_main[2];
static int cpu;
static atomic_ulong round_trips;

static void pin_self(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *peer_run(void *arg)
{
	char c;

	(void)arg;
	pin_self();
	while (read(to_peer[0], &c, 1) == 1 && write(to_main[1], &c, 1) == 1)
		;
	return NULL;
}

static void *report_run(void *arg)
{
	struct timespec ts;

	(void)arg;
	for (;;) {
		usleep(500000);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%ld.%09ld %lu 0\n", (long)ts.tv_sec, ts.tv_nsec, (unsigned long)atomic_load(&round_trips));
		fflush(stdout);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t peer, report;
	char c = 'x';

	cpu = argc > 1 ? atoi(argv[1]) : 0;
	if (pipe(to_peer) || pipe(to_main) || pthread_create(&peer, NULL, peer_run, NULL)) {
		perror("switch_pingpong");
		return 1;
	}
	pin_self();
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	if (pthread_create(&report, NULL, report_run, NULL)) {
		perror("switch_pingpong");
		return 1;
	}
	for (;;) {
		if (write(to_peer[1], &c, 1) != 1 || read(to_main[0], &c, 1) != 1)
			return 1;
		atomic_fetch_add(&round_trips, 1);
	}
}
