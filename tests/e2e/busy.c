// SPDX-License-Identifier: GPL-2.0
/* A non-JVM CPU burner for tmprof's e2e tests: burns CPU in
 * tmprof_busy_spin() (called from tmprof_busy_loop()) until killed or for
 * argv[1] seconds. Built by the test itself:
 *   gcc -O0 -g -fno-omit-frame-pointer -o busy tests/e2e/busy.c
 * (-O0: every function, the leaf too, gets a frame-pointer frame, so a
 * frame-pointer walk shows main -> tmprof_busy_loop -> tmprof_busy_spin.)
 * Prints "ready" once running. With argv[2], the burning is done by a
 * thread of that name while the main thread waits: a process whose busy
 * thread is not named like the process (tests/e2e/noisy_neighbours.sh). */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

volatile unsigned long tmprof_busy_sink;

__attribute__((noinline)) unsigned long tmprof_busy_spin(unsigned long x)
{
	for (int i = 0; i < 100000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

__attribute__((noinline)) void tmprof_busy_loop(double seconds)
{
	struct timespec t0, t;
	unsigned long x = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		x = tmprof_busy_spin(x);
		tmprof_busy_sink = x;
		if (seconds > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
				return;
		}
	}
}

static void *burn_thread(void *arg)
{
	tmprof_busy_loop(*(double *)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : -1;
	pthread_t th;

	printf("ready\n");
	fflush(stdout);
	if (argc < 3) {
		tmprof_busy_loop(seconds);
		return 0;
	}
	if (pthread_create(&th, NULL, burn_thread, &seconds))
		return 1;
	pthread_setname_np(th, argv[2]);
	pthread_join(th, NULL);
	return 0;
}
