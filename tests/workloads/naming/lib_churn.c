// SPDX-License-Identifier: GPL-2.0
/* A process posing as a Flink TaskManager that makes naming its stacks as
 * slow as it can, for tests/e2e/daemon_name_budget.sh. Built by the test:
 *   gcc -O2 -pthread -fno-omit-frame-pointer -o lib_churn lib_churn.c -ldl
 *
 *   lib_churn -Dtaskmanager.resource-id=ID \
 *       org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
 *       MASTER DIR NLIBS LIBJVM
 *
 * MASTER is a shared library with tens of thousands of functions in its
 * symbol table and no build-id (the test generates it): each must exports
 * nb_funcs[nb_count] (functions taking a depth) and nb_next, the function
 * they call. NLIBS copies of it are loaded, each its own file in DIR, so
 * that every one is a symbol table of its own to the daemon. Then:
 *  - two threads call through random functions of random libraries, 6
 *    deep, so that nearly every sample is a stack never seen before, each
 *    of whose frames is in another library;
 *  - every 250 ms one library is replaced by a new copy (new file, loaded
 *    at another address behind a guard mapping of random size): a sampled
 *    address the daemon's mappings do not hold makes it re-read them and
 *    let go of the tables it held, and the idle ones beyond its cache's
 *    few are dropped;
 *  - every second every library file gets a new mtime, so that no table
 *    the daemon still has matches the file any more: each is parsed again.
 * LIBJVM is mapped read-only so that /proc/PID/maps names a libjvm.so
 * (the daemon's discovery looks for one). Prints "ready" once the copies
 * are loaded; argument errors exit 2. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../pose_jvm.h"

#define DEPTH 6
#define NLIBS_MAX 1024
#define ROTATE_US 250000
#define TOUCH_EVERY 4 /* rotations: once a second */
#define RETIRE_AFTER_NS 1000000000ull /* callers are long out of a replaced library */
#define THREADS 2

typedef void (*nb_fn)(unsigned int depth);

struct lib {
	void *handle;
	nb_fn *funcs;
	unsigned int count;
	char path[512];
	void *guard;
	size_t guard_len;
	uint64_t retired_ns;
};

static const char *master, *dir;
static unsigned int nlibs;
static struct lib *slots[NLIBS_MAX];
static struct lib *retired[NLIBS_MAX * 2];
static unsigned int nretired, generation;
static volatile unsigned long sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned int next_rand(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* The leaf: a little work, where most samples land. */
static __attribute__((noinline)) void spin(void)
{
	unsigned long x = sink;

	for (int i = 0; i < 20000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
}

static __thread unsigned int hop_seed;

/* What every library function calls: the next hop, in a random function
 * of a random library, or the leaf. */
static __attribute__((noinline)) void hop(unsigned int depth)
{
	struct lib *l;

	if (!depth) {
		spin();
		return;
	}
	l = __atomic_load_n(&slots[next_rand(&hop_seed) % nlibs], __ATOMIC_ACQUIRE);
	l->funcs[next_rand(&hop_seed) % l->count](depth - 1);
	__asm__ volatile("" ::: "memory"); /* no tail call: a frame per hop */
}

static void *caller(void *arg)
{
	hop_seed = (unsigned int)(uintptr_t)arg * 7919u + 1;
	for (;;) {
		uint64_t end = now_ns() + 3000000;

		/* About half a CPU each: the machine is shared. */
		while (now_ns() < end)
			hop(DEPTH);
		usleep(3000);
	}
	return NULL;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		goto cleanup;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto cleanup;
	ret = n < 0 ? -1 : 0;
cleanup:
	if (out >= 0)
		close(out);
	close(in);
	return ret;
}

/* A new copy of the master, loaded. */
static struct lib *lib_load(unsigned int *seed)
{
	struct lib *l = calloc(1, sizeof(*l));
	void (**next)(unsigned int);
	unsigned int *count;

	if (!l)
		return NULL;
	snprintf(l->path, sizeof(l->path), "%s/libnb-%u.so", dir, generation++);
	/* A guard of 1-64 pages where the copy would otherwise go: it lands
	 * somewhere new. */
	l->guard_len = (size_t)(1 + next_rand(seed) % 64) * 4096;
	l->guard = mmap(NULL, l->guard_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy_file(master, l->path) ||
	    !(l->handle = dlopen(l->path, RTLD_NOW | RTLD_LOCAL)) ||
	    !(l->funcs = dlsym(l->handle, "nb_funcs")) || !(count = dlsym(l->handle, "nb_count")) ||
	    !(next = dlsym(l->handle, "nb_next")) || !*count) {
		fprintf(stderr, "%s: %s\n", l->path, l->handle ? "not a churn library" : dlerror());
		exit(1);
	}
	l->count = *count;
	*next = hop;
	return l;
}

static void lib_unload(struct lib *l)
{
	dlclose(l->handle);
	unlink(l->path);
	if (l->guard != MAP_FAILED)
		munmap(l->guard, l->guard_len);
	free(l);
}

/* New mtimes for every file loaded now. */
static void touch_all(void)
{
	for (unsigned int i = 0; i < nlibs; i++)
		utimensat(AT_FDCWD, slots[i]->path, NULL, 0);
}

static void rotate_forever(void)
{
	unsigned int seed = 12345, turn = 0;

	for (;;) {
		unsigned int k = turn % nlibs, keep = 0;
		struct lib *old = slots[k], *fresh = lib_load(&seed);

		__atomic_store_n(&slots[k], fresh, __ATOMIC_RELEASE);
		old->retired_ns = now_ns();
		if (nretired < sizeof(retired) / sizeof(retired[0]))
			retired[nretired++] = old;
		for (unsigned int i = 0; i < nretired; i++) {
			if (now_ns() - retired[i]->retired_ns >= RETIRE_AFTER_NS)
				lib_unload(retired[i]);
			else
				retired[keep++] = retired[i];
		}
		nretired = keep;
		if (++turn % TOUCH_EVERY == 0)
			touch_all();
		usleep(ROTATE_US);
	}
}

int main(int argc, char **argv)
{
	const char *libjvm;
	unsigned int seed = 1;
	pthread_t th;

	if (argc < 6)
		return 2;
	master = argv[argc - 4];
	dir = argv[argc - 3];
	nlibs = (unsigned int)atoi(argv[argc - 2]);
	libjvm = argv[argc - 1];
	if (nlibs < 1 || nlibs > NLIBS_MAX)
		return 2;
	if (pose_jvm_map_libjvm(libjvm) < 0)
		return 2;
	for (unsigned int i = 0; i < nlibs; i++)
		slots[i] = lib_load(&seed);
	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&th, NULL, caller, (void *)i))
			return 2;
	printf("ready\n");
	fflush(stdout);
	rotate_forever();
	return 0;
}
