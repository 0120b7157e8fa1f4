// SPDX-License-Identifier: GPL-2.0
/* A process that looks like a JVM to tmprof but is not one, for the fault
 * and hostile-file e2e tests (faults.sh, hostile_files.sh). Built by the
 * test itself:  gcc -O0 -g -pthread -o fake_jvm tests/e2e/fake_jvm.c
 *
 *   fake_jvm LIBJVM MODE [PATH]
 *
 * LIBJVM is mapped read-only so /proc/PID/maps names a libjvm.so (that is
 * how tmprof tells a JVM); a thread burns CPU so there is something to
 * sample. MODE:
 *   hang     listen on /tmp/.java_pid<pid> (where HotSpot's socket is),
 *            accept, read the request and never answer; with PATH, append
 *            "connected MS" and "closed MS" (CLOCK_MONOTONIC milliseconds)
 *            to it when a client connects and when it hangs up, so the
 *            test can tell how long the client waited
 *   announce the same (the test kills us once "connected" shows)
 *   listen   only listen on PATH (a socket planted for someone else) and
 *            append "connected" to PATH.log for every client: tmprof must
 *            never connect to it
 * Prints "ready" on stdout once the socket listens. SIGQUIT is handled, as
 * in a JVM, so tmprof may signal it. Argument errors exit 2. */
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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long fake_sink;

static void *burn(void *arg)
{
	unsigned long x = 1;

	(void)arg;
	for (;;) {
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		fake_sink = x;
		usleep(1000); /* about half a CPU: the machine is shared */
	}
	return NULL;
}

static void on_sigquit(int sig)
{
	(void)sig; /* a JVM prints a thread dump; we do nothing */
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0)
		return -1;
	/* Owned by us; HotSpot makes its socket 0600 too. */
	chmod(path, 0600);
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void note(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("fake_jvm: note");
		close(fd);
	}
}

int main(int argc, char **argv)
{
	char sock[108], logpath[4096];
	const char *mode, *path = NULL;
	struct sigaction sa = { .sa_handler = on_sigquit };
	pthread_t th;
	struct stat st;
	void *lib;
	int fd, lfd;

	if (argc < 3)
		return 2;
	mode = argv[2];
	if (argc > 3)
		path = argv[3];
	if ((!strcmp(mode, "announce") || !strcmp(mode, "listen")) && !path)
		return 2;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 2;
	}
	lib = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (lib == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	close(fd);
	sigaction(SIGQUIT, &sa, NULL);
	if (pthread_create(&th, NULL, burn, NULL))
		return 2;

	if (!strcmp(mode, "listen")) {
		snprintf(sock, sizeof(sock), "%s", path);
		snprintf(logpath, sizeof(logpath), "%s.log", path);
	} else {
		snprintf(sock, sizeof(sock), "/tmp/.java_pid%d", (int)getpid());
	}
	lfd = listen_on(sock);
	if (lfd < 0) {
		perror(sock);
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		char buf[4096];

		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		if (!strcmp(mode, "listen")) {
			note(logpath, "connected\n");
			close(c);
			continue;
		}
		if (path) {
			snprintf(buf, sizeof(buf), "connected %lld\n", now_ms());
			note(path, buf);
		}
		/* Read the request and keep the connection open, silent (a JVM
		 * hung in its attach listener), until the client gives up. */
		while (read(c, buf, sizeof(buf)) > 0)
			;
		if (path) {
			snprintf(buf, sizeof(buf), "closed %lld\n", now_ms());
			note(path, buf);
		}
		close(c);
	}
}
