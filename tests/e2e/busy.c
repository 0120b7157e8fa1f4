// SPDX-License-Identifier: GPL-2.0
/* A non-JVM CPU burner for tmprof's e2e tests: burns CPU in
 * tmprof_busy_spin() (called from tmprof_busy_loop()) until killed or for
 * argv[1] seconds. Built by the test itself:
 *   gcc -O0 -g -fno-omit-frame-pointer -o busy tests/e2e/busy.c
 * (-O0: every function, the leaf too, gets a frame-pointer frame, so a
 * frame-pointer walk shows main -> tmprof_busy_loop -> tmprof_busy_spin.)
 * Prints "ready" once running. */
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

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : -1;

	printf("ready\n");
	fflush(stdout);
	tmprof_busy_loop(seconds);
	return 0;
}
