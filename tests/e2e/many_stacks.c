// SPDX-License-Identifier: GPL-2.0
/* A CPU burner with about a million distinct user stacks, for the "BPF maps
 * full" fault test (tests/e2e/faults.sh): each round walks down DEPTH
 * levels of walk(), taking one of two call sites per level by the bits of
 * a counter, and at a depth that changes every round, so every round's
 * stack differs from the previous ones (for a long while).
 * With "sleep" as argv[2] the leaf also sleeps 1 us, so each round is a
 * context switch too (off-CPU stacks: thousands per second even on a busy
 * machine). Built by the test:  gcc -O0 -g -fno-omit-frame-pointer -pthread
 * Prints "ready" once running; runs until killed or for argv[1] seconds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEPTH 20

volatile unsigned long many_stacks_sink;
static int sleep_in_leaf;

__attribute__((noinline)) static void leaf(void)
{
	unsigned long x = many_stacks_sink;

	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	many_stacks_sink = x;
	if (sleep_in_leaf) {
		struct timespec ts = { 0, 1000 };

		nanosleep(&ts, NULL);
	}
}

/* Two call sites per level: at -O0 they are two return addresses. */
__attribute__((noinline)) static void walk(int depth, unsigned long bits)
{
	if (!depth) {
		leaf();
		return;
	}
	if (bits & 1) {
		walk(depth - 1, bits >> 1);
		__asm__ volatile("" ::: "memory");
	} else {
		walk(depth - 1, bits >> 1);
		__asm__ volatile("nop" ::: "memory");
	}
}

static void *run(void *arg)
{
	/* Different start per thread: threads do not repeat each other's
	 * stacks. */
	unsigned long round = (unsigned long)arg << (DEPTH - 3);

	/* The depth changes every round too: consecutive switch-outs never
	 * happen at the same stack pointer, so no cache of "same place, same
	 * stack" can stand in for a new walk. */
	for (;; round++)
		walk(DEPTH - (int)(round % 8), round >> 3);
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : -1;
	pthread_t th;

	sleep_in_leaf = argc > 2 && !strcmp(argv[2], "sleep");
	/* Sleeping threads cost little CPU: more of them, more switches. */
	for (unsigned long i = 1; i < (sleep_in_leaf ? 8UL : 2UL); i++)
		if (pthread_create(&th, NULL, run, (void *)i))
			return 2;
	printf("ready\n");
	fflush(stdout);
	if (seconds > 0) {
		struct timespec ts = { (time_t)seconds, 0 };

		nanosleep(&ts, NULL);
		return 0;
	}
	run(NULL);
	return 0;
}
