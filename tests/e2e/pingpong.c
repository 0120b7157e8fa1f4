// SPDX-License-Identifier: GPL-2.0
/* A context-switch-heavy native workload for tmprof's benchmark: PAIRS pairs
 * of threads hand a token back and forth through a futex (each handoff: the
 * holder does WORK_NS of computation, passes the token, wakes its partner
 * and sleeps until the token comes back), so every handoff is a wakeup and
 * two context switches. Its own throughput (handoffs, cumulative) is written
 * with CLOCK_MONOTONIC ns to STATE_FILE every 100 ms (STATE_FILE.tmp +
 * rename):  "<monotonic_ns> <handoffs>\n". Prints "ready" once running.
 * Built by tests/bench.sh:  gcc -O2 -pthread -o pingpong tests/e2e/pingpong.c
 * Usage: pingpong STATE_FILE [PAIRS (2)] [WORK_NS (4000)] */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct pair {
	_Atomic int turn; /* 0: thread A holds the token, 1: thread B */
	_Atomic unsigned long handoffs;
	char pad[64];
};

static unsigned long spins_per_us;
static unsigned long work_spins;
static volatile unsigned long sink;

static unsigned long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

static void work(unsigned long n)
{
	unsigned long x = sink;

	for (unsigned long i = 0; i < n; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
}

static void futex_wait(_Atomic int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

struct side {
	struct pair *p;
	int me;
};

static void *player(void *arg)
{
	struct side *s = arg;
	struct pair *p = s->p;

	for (;;) {
		int t;

		while ((t = atomic_load(&p->turn)) != s->me)
			futex_wait(&p->turn, t);
		work(work_spins);
		atomic_fetch_add_explicit(&p->handoffs, 1, memory_order_relaxed);
		atomic_store(&p->turn, !s->me);
		futex_wake(&p->turn);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *state = argc > 1 ? argv[1] : NULL;
	int pairs = argc > 2 ? atoi(argv[2]) : 2;
	long work_ns = argc > 3 ? atol(argv[3]) : 4000;
	char tmp[4096];

	if (!state || pairs < 1 || pairs > 64 || work_ns < 0) {
		fprintf(stderr, "usage: pingpong STATE_FILE [PAIRS] [WORK_NS]\n");
		return 1;
	}
	/* Calibrate the work loop (spins per microsecond): the fastest of 50
	 * 1 ms runs, i.e. the ones no other thread preempted. */
	for (int r = 0; r < 50; r++) {
		unsigned long t0 = now_ns(), dt;

		work(100000);
		dt = now_ns() - t0;
		if (dt && 100000UL * 1000 / dt > spins_per_us)
			spins_per_us = 100000UL * 1000 / dt;
	}
	work_spins = spins_per_us * (unsigned long)work_ns / 1000;
	fprintf(stderr, "pingpong: %d pairs, %ld ns of work per handoff (%lu spins)\n", pairs, work_ns,
		work_spins);

	struct pair *ps = calloc((size_t)pairs, sizeof(*ps));
	struct side *sides = calloc((size_t)pairs * 2, sizeof(*sides));
	for (int i = 0; i < pairs; i++) {
		for (int j = 0; j < 2; j++) {
			pthread_t th;

			sides[2 * i + j] = (struct side){ &ps[i], j };
			if (pthread_create(&th, NULL, player, &sides[2 * i + j])) {
				perror("pthread_create");
				return 1;
			}
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		unsigned long total = 0;
		FILE *f;

		for (int i = 0; i < pairs; i++)
			total += atomic_load_explicit(&ps[i].handoffs, memory_order_relaxed);
		f = fopen(tmp, "w");
		if (f) {
			fprintf(f, "%lu %lu\n", now_ns(), total);
			fclose(f);
			rename(tmp, state);
		}
		usleep(100000);
	}
}
