// SPDX-License-Identifier: GPL-2.0
/* A malloc/free-heavy C program for tests/bench_leak.sh and tests/e2e/leak.sh.
 *
 *   malloc_churn PAIRS [SIZE] [LEAK_EVERY] [DELAY_S]
 *
 * Runs PAIRS malloc+free pairs of SIZE bytes (default 64) from churn();
 * every LEAK_EVERY pairs (0: never) leak_one() keeps a 4 KiB block forever.
 * PAIRS 0: forever. Prints "ready" first, waits DELAY_S seconds (time for a
 * profiler to attach), then prints "ns_per_pair N" at the end.
 * Built with frame pointers so tmprof's stacks reach main. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void churn(size_t size)
{
	void *p = malloc(size);

	if (p)
		memset(p, 1, 1);
	sink = p;
	free(p);
}

__attribute__((noinline)) static void leak_one(void)
{
	char *p = malloc(4096);

	if (p)
		p[0] = 1;
	sink = p; /* never freed */
}

int main(int argc, char **argv)
{
	unsigned long long pairs = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	unsigned long long leak_every = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
	unsigned int delay_s = argc > 4 ? (unsigned int)strtoul(argv[4], NULL, 10) : 0;
	struct timespec a, b;

	printf("ready\n");
	fflush(stdout);
	sleep(delay_s);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned long long i = 0; !pairs || i < pairs; i++) {
		churn(size);
		if (leak_every && i % leak_every == 0)
			leak_one();
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ns_per_pair %.1f\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
		       (double)(pairs ? pairs : 1));
	return 0;
}
