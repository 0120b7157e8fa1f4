// SPDX-License-Identifier: GPL-2.0
/* A native leaker for the kernel matrix (tests/kernels/guest.sh): every
 * 5 ms, leaker_retain() mallocs 16 KiB and keeps it (a leak of 3.2 MB/s),
 * while leaker_churn() mallocs and frees 64 KiB (balanced). `tmprof leak`
 * must name leaker_retain as the growth and not leaker_churn. Runs until
 * killed or for argv[1] seconds; prints "ready" once running.
 * Built by tests/kernels/mkinitramfs.sh:  gcc -O0 -g -fno-omit-frame-pointer */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETAIN_BYTES (16 * 1024)
#define CHURN_BYTES (64 * 1024)
/* Leaked blocks are kept reachable (not a leak to a compiler), up to a
 * bound so a forgotten process cannot eat the guest's memory. */
#define MAX_KEPT 8192

static void *kept[MAX_KEPT];
static size_t nkept;

__attribute__((noinline)) static void leaker_retain(void)
{
	void *p = malloc(RETAIN_BYTES);

	if (!p)
		return;
	memset(p, 1, RETAIN_BYTES);
	if (nkept < MAX_KEPT)
		kept[nkept++] = p;
	else
		free(p);
}

__attribute__((noinline)) static void leaker_churn(void)
{
	void *p = malloc(CHURN_BYTES);

	if (!p)
		return;
	memset(p, 2, CHURN_BYTES);
	free(p);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : -1;
	struct timespec t0, t, nap = { 0, 5 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		leaker_retain();
		leaker_churn();
		nanosleep(&nap, NULL);
		if (seconds > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
				break;
		}
	}
	return 0;
}
