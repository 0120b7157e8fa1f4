// SPDX-License-Identifier: GPL-2.0
/* A process posing as a Flink TaskManager to attack the daemon, for
 * tests/e2e/daemon_hostile.sh. Built by the test itself:
 *   gcc -O1 -pthread -o hostile_tm tests/workloads/hostile/hostile_tm.c
 *
 *   hostile_tm -Dtaskmanager.resource-id=ID \
 *       org.apache.flink.runtime.taskexecutor.TaskManagerRunner MODE LIBJVM
 *
 * The command line is a TaskManager's (the daemon picks it up) and LIBJVM
 * is mapped read-only so that /proc/PID/maps names a libjvm.so. It listens
 * where HotSpot's attach socket is (/tmp/.java_pid<pid>). MODE:
 *   garbage  answers every attach request with status 0 and 64 MiB: thread
 *            header lines with made-up nids and 2 KiB names, mixed with
 *            binary junk
 *   hang     accepts, reads the request, never answers, keeps the
 *            connection open
 *   symbols  burns its CPU in $HOSTILE_SYMBOLS_LIB's hostile_spin, a
 *            library whose symbol tables are bigger than the daemon may
 *            read (the test generates it); answers with an empty dump
 *   threads  starts and ends threads by the thousand, forever, and answers
 *            Thread.print with up to 3000 of its live threads, named with
 *            1000 bytes each, and 500 made-up nids (about 3 MiB: under the
 *            daemon's 4 MiB reply cap, over its 1 MiB of names per
 *            TaskManager)
 * A thread burns a little CPU so that there is something to sample.
 * Prints "ready" once the socket listens. Argument errors exit 2. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "../pose_jvm.h"

#define GARBAGE_BYTES (64u << 20)

static volatile unsigned long sink;
/* symbols mode: the burn runs in the library with the huge tables. */
static void (*lib_spin)(void);

static void *burn(void *arg)
{
	unsigned long x = 1;

	(void)arg;
	for (;;) {
		if (lib_spin) {
			lib_spin();
		} else {
			for (int i = 0; i < 300000; i++)
				x = x * 6364136223846793005UL + 1442695040888963407UL;
			sink = x;
		}
		usleep(2000); /* a fraction of a CPU: the machine is shared */
	}
	return NULL;
}

/* $HOSTILE_SYMBOLS_LIB and its hostile_spin; 0 or -1 with the reason. */
static int spin_load(void)
{
	const char *path = getenv("HOSTILE_SYMBOLS_LIB");
	void *h = path ? dlopen(path, RTLD_NOW) : NULL;

	if (!h) {
		fprintf(stderr, "HOSTILE_SYMBOLS_LIB: %s\n", path ? dlerror() : "not set");
		return -1;
	}
	*(void **)&lib_spin = dlsym(h, "hostile_spin");
	if (!lib_spin) {
		fprintf(stderr, "%s: no hostile_spin\n", path);
		return -1;
	}
	return 0;
}

static void *short_life(void *arg)
{
	(void)arg;
	usleep(20000 + (unsigned)(rand() % 30000));
	return NULL;
}

/* A thousand threads at a time, each living 20-50 ms, forever. */
static void *storm(void *arg)
{
	pthread_attr_t a;

	(void)arg;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (;;) {
		pthread_t t;

		for (int i = 0; i < 1000; i++)
			if (pthread_create(&t, &a, short_life, NULL))
				usleep(1000);
		usleep(100000);
	}
	return NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void answer_garbage(int c)
{
	char buf[65536];
	size_t sent = 0;
	unsigned int seed = 7;

	if (write_all(c, "0\n", 2))
		return;
	while (sent < GARBAGE_BYTES) {
		size_t n = 0;

		while (n < sizeof(buf) - 2300) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0) {
				/* A header line with a long name and a made-up nid. */
				buf[n++] = '"';
				memset(buf + n, 'A' + (seed >> 20) % 26, 2048);
				n += 2048;
				n += (size_t)sprintf(buf + n, "\" #1 prio=5 tid=0x1 nid=0x%x runnable\n",
						     1 + (seed >> 8) % 4000000);
			} else {
				for (int i = 0; i < 200; i++) {
					seed = seed * 1103515245u + 12345u;
					buf[n++] = (char)(seed >> 24);
				}
			}
		}
		if (write_all(c, buf, n))
			return;
		sent += n;
	}
}

static void answer_threads(int c)
{
	static char name[1001];
	int listed = 0;
	char line[4096 + 128], path[64];
	FILE *f;
	int n;

	memset(name, 'T', sizeof(name) - 1);
	if (write_all(c, "0\nFull thread dump (hostile)\n\n", 30))
		return;
	/* The live threads, under their real tids. */
	snprintf(path, sizeof(path), "/bin/ls /proc/%d/task", (int)getpid());
	f = popen(path, "r");
	while (f && listed++ < 3000 && fgets(path, sizeof(path), f)) {
		n = snprintf(line, sizeof(line), "\"%s-%d\" #1 prio=5 nid=0x%x runnable\n", name,
			     atoi(path), (unsigned)atoi(path));
		if (write_all(c, line, (size_t)n))
			break;
	}
	if (f)
		pclose(f);
	/* And threads that do not exist, with names at any length. */
	for (int i = 0; i < 500; i++) {
		n = snprintf(line, sizeof(line), "\"%.100s%d\" #2 prio=5 nid=0x%x runnable\n", name, i,
			     (unsigned)(3000000 + i));
		if (write_all(c, line, (size_t)n))
			break;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *mode, *libjvm;
	pthread_t th;
	int lfd;
	int held[64], nheld = 0;

	if (argc < 5)
		return 2;
	mode = argv[argc - 2];
	libjvm = argv[argc - 1];
	if (strcmp(mode, "garbage") && strcmp(mode, "hang") && strcmp(mode, "threads") &&
	    strcmp(mode, "symbols"))
		return 2;
	if (pose_jvm_map_libjvm(libjvm) < 0)
		return 2;
	if (!strcmp(mode, "symbols") && spin_load() < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (pthread_create(&th, NULL, burn, NULL))
		return 2;
	if (!strcmp(mode, "threads") && pthread_create(&th, NULL, storm, NULL))
		return 2;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/.java_pid%d", (int)getpid());
	unlink(addr.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 16) < 0) {
		perror(addr.sun_path);
		return 2;
	}
	chmod(addr.sun_path, 0600);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char req[1024];
		int c = accept(lfd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		/* The request: "1\0cmd\0arg\0\0\0", a few dozen bytes. */
		if (read(c, req, sizeof(req)) < 0)
			req[0] = 0;
		if (!strcmp(mode, "hang")) {
			/* Silent and open, like a JVM hung in its attach listener. */
			if (nheld == 64) {
				close(held[0]);
				memmove(held, held + 1, sizeof(held) - sizeof(held[0]));
				nheld--;
			}
			held[nheld++] = c;
			continue;
		}
		if (!strcmp(mode, "garbage"))
			answer_garbage(c);
		else if (!strcmp(mode, "threads"))
			answer_threads(c);
		else if (write(c, "0\n", 2) < 0) /* symbols: an empty thread dump */
			perror("write");
		close(c);
	}
}
