// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/hotspot_attach.h"

#include "agent/jvm/jvm_info.h"
#include "agent/core/log.h"
#include "agent/core/proc_info.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A thread dump of a JVM with thousands of threads is a few MiB. */
/* Replies are read whole into the daemon's memory: a JVM (or a process
 * posing as one) must not be able to make that large. Compiler.perfmap and
 * the like answer a line; a thread dump is filtered to its header lines in
 * the child (below), which a TaskManager with thousands of threads keeps
 * under a MiB. */
#define REPLY_MAX (1024 * 1024)
#define HEADERS_REPLY_MAX (4 * 1024 * 1024)
/* Longest header line kept: the name is cut further by thread_names. */
#define HEADER_LINE_MAX 4096
#define STATUS_MAX (64 * 1024)
/* Limits HotSpot puts on a request (attachListener.hpp). */
#define ATTACH_NAME_MAX 16
#define ATTACH_ARG_MAX 1024
#define REQUEST_MAX (2 + ATTACH_NAME_MAX + 1 + 3 * (ATTACH_ARG_MAX + 1))
#define POLL_FIRST_MS 10
#define POLL_MAX_MS 200

enum { NS_IPC, NS_NET, NS_MNT, NS_COUNT };
static const char *const ns_names[NS_COUNT] = { "ipc", "net", "mnt" };
static const int ns_types[NS_COUNT] = { CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS };

/* Everything the child needs, gathered before fork() so that the child only
 * makes system calls. */
struct attach_target {
	pid_t pid;
	pid_t nspid;
	uid_t uid;
	gid_t gid;
	bool may_signal;        /* SIGQUIT is handled: it will not kill the JVM */
	int pidfd;              /* -1 if the kernel has no pidfd_open */
	int ns_fd[NS_COUNT];    /* -1 for namespaces we already share */
	int root_fd;            /* target's root if it differs from ours, else -1 */
	int cwd_fd;             /* target's cwd for the trigger file, or -1 */
	char request[REQUEST_MAX];
	size_t request_len;
	size_t reply_max;       /* the parent reads at most this much */
	bool headers_only;      /* keep the status line and lines starting with '"' */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int attach_reply_parse(const char *buf, size_t len, struct attach_reply *out)
{
	const char *p = buf, *end = buf + len;
	bool neg = false;
	int64_t v = 0;
	size_t olen;

	memset(out, 0, sizeof(*out));
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -EPROTO;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -EPROTO;
	}
	/* The status is a line of its own; only a bare status may lack '\n'. */
	if (p < end && *p++ != '\n')
		return -EPROTO;
	olen = (size_t)(end - p);
	out->output = malloc(olen + 1);
	if (!out->output)
		return -ENOMEM;
	memcpy(out->output, p, olen);
	out->output[olen] = '\0';
	out->len = olen;
	out->status = neg ? -(int)v : (int)v;
	return 0;
}

void attach_reply_free(struct attach_reply *reply)
{
	if (!reply)
		return;
	free(reply->output);
	reply->output = NULL;
	reply->len = 0;
}

/* "1\0<cmd>\0<arg0>\0\0\0": protocol version, command, three arguments. */
static int request_build(const char *cmd, const char *arg0, struct attach_target *t)
{
	size_t clen = strlen(cmd), alen = arg0 ? strlen(arg0) : 0;
	char *p = t->request;

	if (clen == 0 || clen > ATTACH_NAME_MAX || alen > ATTACH_ARG_MAX)
		return -EINVAL;
	memcpy(p, "1", 2);
	p += 2;
	memcpy(p, cmd, clen + 1);
	p += clen + 1;
	if (arg0)
		memcpy(p, arg0, alen);
	p[alen] = '\0';
	p += alen + 1;
	*p++ = '\0';
	*p++ = '\0';
	t->request_len = (size_t)(p - t->request);
	return 0;
}

/* True if SigCgt in a status text says SIGQUIT has a handler. Without one
 * (-Xrs, or a JVM still starting), SIGQUIT would terminate the process. */
static bool status_catches_sigquit(const char *text)
{
	const char *p = strstr(text, "\nSigCgt:");
	unsigned long long mask;
	char *end;

	if (!p)
		return false;
	errno = 0;
	mask = strtoull(p + 8, &end, 16);
	if (errno || end == p + 8)
		return false;
	return mask & (1ULL << (SIGQUIT - 1));
}

static int attach_target_status(struct attach_target *t)
{
	struct proc_status st;
	char *text = NULL;
	size_t len;
	int err;

	err = proc_file_read(t->pid, "status", STATUS_MAX, &text, &len);
	if (err)
		goto cleanup;
	err = proc_status_parse(text, len, &st);
	if (err)
		goto cleanup;
	t->nspid = st.nspid;
	t->uid = st.euid;
	t->gid = st.egid;
	t->may_signal = status_catches_sigquit(text);
cleanup:
	free(text);
	return err;
}

static int proc_open_dir(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static bool attach_root_differs(pid_t pid)
{
	struct stat theirs, ours;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if (stat(path, &theirs) < 0 || stat("/", &ours) < 0)
		return false;
	return theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino;
}

static int attach_target_open_ns(struct attach_target *t)
{
	char path[64];

	for (int i = 0; i < NS_COUNT; i++) {
		/* Namespaces we cannot even compare are ones we could not enter. */
		if (proc_ns_shared(t->pid, ns_names[i]) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)t->pid, ns_names[i]);
		t->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (t->ns_fd[i] < 0)
			return proc_exists(t->pid) ? -errno : -ESRCH;
	}
	return 0;
}

static void attach_target_close(struct attach_target *t)
{
	for (int i = 0; i < NS_COUNT; i++)
		fd_close(&t->ns_fd[i]);
	fd_close(&t->root_fd);
	fd_close(&t->cwd_fd);
	fd_close(&t->pidfd);
}

static int attach_target_open(pid_t pid, struct attach_target *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->pidfd = t->root_fd = t->cwd_fd = -1;
	for (int i = 0; i < NS_COUNT; i++)
		t->ns_fd[i] = -1;
#ifdef SYS_pidfd_open
	/* Pins the process identity: a recycled pid will not get our SIGQUIT. */
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0 && errno == ESRCH)
		return -ESRCH;
#endif
	err = attach_target_status(t);
	if (err)
		return err;
	err = attach_target_open_ns(t);
	if (err)
		return err;
	if (t->ns_fd[NS_MNT] >= 0 || attach_root_differs(pid)) {
		t->root_fd = proc_open_dir(pid, "root");
		if (t->root_fd < 0)
			return proc_exists(pid) ? -errno : -ESRCH;
	}
	/* Optional: the trigger file can live in /tmp as well. */
	t->cwd_fd = proc_open_dir(pid, "cwd");
	return 0;
}

static bool attach_target_alive(const struct attach_target *t)
{
	if (t->pidfd >= 0) {
		struct pollfd pfd = { .fd = t->pidfd, .events = POLLIN };

		/* A pidfd turns readable when the process exits. */
		return poll(&pfd, 1, 0) == 0;
	}
	return proc_exists(t->pid);
}

/* ---- child side: system calls only (we may be a fork of a threaded process) ---- */

/* prefix followed by the decimal v, into buf of size n. */
static void path_with_pid(char *buf, size_t n, const char *prefix, pid_t v)
{
	char digits[16];
	size_t k = 0, len = strlen(prefix);

	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && k < sizeof(digits));
	if (len + k + 1 > n)
		k = len = 0;
	memcpy(buf, prefix, len);
	for (size_t i = 0; i < k; i++)
		buf[len + i] = digits[k - 1 - i];
	buf[len + k] = '\0';
}

static void fds_close_except(const int *keep, int n)
{
	int sorted[8], count = 0, next = 3;

	/* Insertion sort of the descriptors worth keeping, at most a handful. */
	for (int i = 0; i < n && count < 8; i++) {
		int j = count;

		if (keep[i] < 3)
			continue;
		while (j > 0 && sorted[j - 1] > keep[i]) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = keep[i];
		count++;
	}
	for (int i = 0; i < count; i++) {
		if (sorted[i] > next)
			syscall(SYS_close_range, next, sorted[i] - 1, 0);
		if (sorted[i] >= next)
			next = sorted[i] + 1;
	}
	syscall(SYS_close_range, next, ~0U, 0);
}

static int child_enter(const struct attach_target *t)
{
	for (int i = 0; i < NS_COUNT; i++)
		if (t->ns_fd[i] >= 0 && setns(t->ns_fd[i], ns_types[i]) < 0)
			return errno;
	/* setns(mnt) already put us at the namespace root; the process may
	 * still be chrooted below it. */
	if (t->root_fd >= 0 && (fchdir(t->root_fd) < 0 || chroot(".") < 0))
		return errno;
	if (geteuid() == 0) {
		/* The JVM only talks to its own euid/egid (or root), and the
		 * files we create must be ones it accepts and can remove. */
		if (setgroups(0, NULL) < 0 || setgid(t->gid) < 0 || setuid(t->uid) < 0)
			return errno;
	} else if (geteuid() != t->uid) {
		return EPERM;
	}
	if (chdir("/") < 0)
		return errno;
	return 0;
}

/* 0 if path is a socket the JVM (or root) owns, ENOENT if there is none or
 * if it is still the stale socket (inode) we know of. */
static int child_socket_check(const struct attach_target *t, const char *path, ino_t stale, ino_t *ino)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno;
	/* Not EPERM: that means "not root" to the user; this is a refusal. */
	if (!S_ISSOCK(st.st_mode) || (st.st_uid != t->uid && st.st_uid != 0))
		return ENOTSOCK;
	if (stale && st.st_ino == stale)
		return ENOENT;
	*ino = st.st_ino;
	return 0;
}

static int child_signal(const struct attach_target *t)
{
#ifdef SYS_pidfd_send_signal
	if (t->pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, t->pidfd, SIGQUIT, NULL, 0) < 0 ? errno : 0;
#endif
	return kill(t->pid, SIGQUIT) < 0 ? errno : 0;
}

/* Create .attach_pid<N> where HotSpot looks for it: its cwd, then /tmp.
 * *dirfd and name tell what to remove afterwards. */
static int child_trigger_create(const struct attach_target *t, int *dirfd, char *name, size_t name_len)
{
	char tmp_path[64];
	int fd;

	path_with_pid(name, name_len, ".attach_pid", t->nspid);
	if (t->cwd_fd >= 0) {
		fd = openat(t->cwd_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			*dirfd = t->cwd_fd;
			return 0;
		}
		if (errno == EEXIST)
			return EEXIST;
	}
	path_with_pid(tmp_path, sizeof(tmp_path), "/tmp/.attach_pid", t->nspid);
	fd = open(tmp_path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	*dirfd = AT_FDCWD;
	memcpy(name, tmp_path, strlen(tmp_path) + 1);
	return 0;
}

static int child_socket_wait(const struct attach_target *t, const char *sock_path, ino_t stale,
			     int64_t deadline)
{
	int delay = POLL_FIRST_MS, err;
	ino_t ino;

	for (;;) {
		err = child_socket_check(t, sock_path, stale, &ino);
		if (err != ENOENT)
			return err;
		if (!attach_target_alive(t))
			return ESRCH;
		if (now_ms() + delay > deadline)
			return ETIMEDOUT;
		sleep_ms(delay);
		if (delay < POLL_MAX_MS)
			delay *= 2;
	}
}

/* Make the JVM start its attach listener: trigger file plus SIGQUIT. */
static int child_socket_start(const struct attach_target *t, const char *sock_path, ino_t stale,
			      int64_t deadline)
{
	char trigger[64];
	int dirfd = -1, err;

	/* Without a SIGQUIT handler the signal would kill the JVM. */
	if (!t->may_signal)
		return ETIMEDOUT;
	err = child_trigger_create(t, &dirfd, trigger, sizeof(trigger));
	/* Someone else (jcmd?) is attaching right now: their file works too. */
	if (err && err != EEXIST)
		return err;
	err = child_signal(t);
	if (!err)
		err = child_socket_wait(t, sock_path, stale, deadline);
	if (dirfd != -1)
		unlinkat(dirfd, trigger, 0);
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The lines of a thread dump that name threads, streamed: the status line,
 * then every line that starts with '"', each cut at HEADER_LINE_MAX bytes
 * (its end kept). Stack lines, which are most of a dump, never reach the
 * daemon. State kept across reads in *line (bytes of the current line seen,
 * SIZE_MAX: a line being dropped) and *lines. */
static size_t headers_filter(char *buf, size_t n, size_t *line, size_t *lines)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (*line == 0 && *lines > 0 && c != '"')
			*line = SIZE_MAX;
		if (c == '\n') {
			if (*line != SIZE_MAX)
				buf[out++] = c;
			*line = 0;
			(*lines)++;
			continue;
		}
		if (*line == SIZE_MAX)
			continue;
		if (*line < HEADER_LINE_MAX)
			buf[out++] = c;
		(*line)++;
	}
	return out;
}

static int child_exchange(const struct attach_target *t, const char *sock_path, int out_fd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[16384];
	size_t line = 0, lines = 0;
	int sock, err = 0;

	memcpy(addr.sun_path, sock_path, strlen(sock_path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return errno;
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		/* A socket file left behind by a dead JVM refuses too. */
		err = errno == ENOENT ? ECONNREFUSED : errno;
		goto cleanup;
	}
	err = write_all(sock, t->request, t->request_len);
	if (err)
		goto cleanup;
	for (;;) {
		ssize_t n = read(sock, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno == ECONNRESET ? EPROTO : errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		if (t->headers_only)
			n = (ssize_t)headers_filter(buf, (size_t)n, &line, &lines);
		err = write_all(out_fd, buf, (size_t)n);
		if (err)
			goto cleanup;
	}
cleanup:
	close(sock);
	return err;
}

static int child_attach(const struct attach_target *t, const char *sock_path, int out_fd, int64_t deadline)
{
	ino_t ino = 0;
	int err;

	err = child_socket_check(t, sock_path, 0, &ino);
	if (err == ENOENT)
		err = child_socket_start(t, sock_path, 0, deadline);
	if (err)
		return err;
	err = child_exchange(t, sock_path, out_fd);
	if (err != ECONNREFUSED || !ino)
		return err;
	/* The socket of an earlier JVM with the same pid, e.g. a restarted
	 * container that kept its /tmp, or a JVM killed before pids wrapped.
	 * Triggered, the JVM replaces it; if it does not, say why (ETIMEDOUT:
	 * attach disabled or hung), not the dead JVM's refusal. A process we
	 * may not signal was never asked: the refusal is all we know. */
	err = child_socket_start(t, sock_path, ino, deadline);
	if (err)
		return t->may_signal ? err : ECONNREFUSED;
	return child_exchange(t, sock_path, out_fd);
}

static int child_run(const struct attach_target *t, int out_fd, pid_t parent, int timeout_ms)
{
	/* Leave the child time to remove its trigger file before the parent
	 * gives up on it and kills it. */
	int64_t deadline = now_ms() + timeout_ms - timeout_ms / 10;
	int keep[] = { out_fd, t->pidfd, t->ns_fd[0], t->ns_fd[1], t->ns_fd[2], t->root_fd, t->cwd_fd };
	char sock_path[64];
	int err;

	/* Do not hand the agent's descriptors (BPF, perf) to the target's uid. */
	fds_close_except(keep, (int)(sizeof(keep) / sizeof(keep[0])));
	err = child_enter(t);
	if (err)
		return err;
	/* Changing credentials resets these two, so set them afterwards. */
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return ECHILD;
	path_with_pid(sock_path, sizeof(sock_path), "/tmp/.java_pid", t->nspid);
	return child_attach(t, sock_path, out_fd, deadline);
}

/* ---- parent side ---- */

static int pipe_collect(int fd, int64_t deadline, size_t max, char **out, size_t *out_len)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int err = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0) {
			err = -ETIMEDOUT;
			goto cleanup;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto cleanup;
		}
		if (r == 0) {
			err = -ETIMEDOUT;
			goto cleanup;
		}
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf;

			if (cap >= max) {
				err = -EFBIG;
				goto cleanup;
			}
			if (ncap > max)
				ncap = max;
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
cleanup:
	free(buf);
	return err;
}

/* Wait for the child; its exit code is 0 or an errno value. */
static int child_reap(pid_t child, bool have_output)
{
	int wstatus;

	while (waitpid(child, &wstatus, 0) < 0) {
		if (errno == EINTR)
			continue;
		/* SIGCHLD ignored by the caller: the status is lost. */
		return errno == ECHILD && have_output ? 0 : -EIO;
	}
	if (WIFEXITED(wstatus))
		return -WEXITSTATUS(wstatus);
	return -EIO;
}

static void child_kill(pid_t child)
{
	kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
}

static int attach_run(struct attach_target *t, int timeout_ms, struct attach_reply *reply)
{
	int64_t deadline = now_ms() + timeout_ms;
	int fds[2] = { -1, -1 };
	pid_t child = -1, self = getpid();
	char *buf = NULL;
	size_t len = 0;
	sigset_t all, old;
	int err;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	/* The child must not run the agent's signal handlers: it starts with
	 * every signal blocked, which is why the parent blocks them briefly. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child == 0) {
		close(fds[0]);
		_exit(child_run(t, fds[1], self, timeout_ms));
	}
	err = child < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto cleanup;
	fd_close(&fds[1]);
	err = pipe_collect(fds[0], deadline, t->reply_max, &buf, &len);
	if (err)
		goto cleanup;
	err = child_reap(child, len > 0);
	child = -1;
	if (err)
		goto cleanup;
	err = attach_reply_parse(buf, len, reply);
cleanup:
	if (child > 0)
		child_kill(child);
	fd_close(&fds[0]);
	fd_close(&fds[1]);
	free(buf);
	return err;
}

/* Known in advance not to answer: spare the JVM a SIGQUIT, which would only
 * print a thread dump into its log. */
static bool attach_known_disabled(pid_t pid)
{
	struct jvm_info info;

	return jvm_info_read(pid, &info) == 0 && info.attach_disabled;
}

static int attach_command(pid_t pid, const char *cmd, const char *arg0, int timeout_ms,
			  bool headers_only, struct attach_reply *reply)
{
	struct attach_target t;
	int err;

	memset(reply, 0, sizeof(*reply));
	if (!cmd)
		return -EINVAL;
	if (timeout_ms <= 0)
		timeout_ms = HOTSPOT_ATTACH_TIMEOUT_MS;
	err = attach_target_open(pid, &t);
	if (err)
		goto cleanup;
	err = request_build(cmd, arg0, &t);
	if (err)
		goto cleanup;
	t.headers_only = headers_only;
	t.reply_max = headers_only ? HEADERS_REPLY_MAX : REPLY_MAX;
	if (attach_known_disabled(pid)) {
		log_debug("pid %d: -XX:+DisableAttachMechanism, not attaching", (int)pid);
		err = -ETIMEDOUT;
		goto cleanup;
	}
	err = attach_run(&t, timeout_ms, reply);
	/* Whatever went wrong, a target that died is the better explanation. */
	if (err && !attach_target_alive(&t))
		err = -ESRCH;
cleanup:
	attach_target_close(&t);
	return err;
}

int hotspot_attach_command(pid_t pid, const char *cmd, const char *arg0, int timeout_ms,
			   struct attach_reply *reply)
{
	return attach_command(pid, cmd, arg0, timeout_ms, false, reply);
}

int hotspot_thread_headers(pid_t pid, int timeout_ms, struct attach_reply *reply)
{
	return attach_command(pid, "jcmd", "Thread.print", timeout_ms, true, reply);
}

int hotspot_write_perf_map(pid_t pid, int timeout_ms)
{
	struct attach_reply reply;
	int err;

	err = hotspot_attach_command(pid, "jcmd", "Compiler.perfmap", timeout_ms, &reply);
	if (err)
		return err;
	if (reply.status != 0) {
		/* JDK < 17 does not know the command. */
		log_debug("pid %d: Compiler.perfmap failed (status %d): %.200s", (int)pid, reply.status,
			  reply.output);
		err = -ENOTSUP;
	}
	attach_reply_free(&reply);
	return err;
}
