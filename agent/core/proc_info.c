// SPDX-License-Identifier: GPL-2.0
#include "agent/core/proc_info.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize/safe_open.h"

/* Status files are a few KiB; the cap only guards against a broken procfs. */
#define STATUS_MAX (64 * 1024)
/* Flink command lines carry long class paths, but never anywhere near this. */
#define CMDLINE_MAX (8 * 1024 * 1024)

bool proc_exists(pid_t pid)
{
	if (pid <= 0)
		return false;
	/* EPERM means it exists but belongs to someone else. */
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* On failure (negative errno) *buf is NULL and *len 0: callers may use both
 * once the return value is checked, and free(*buf) on every path. */
int proc_file_read(pid_t pid, const char *name, size_t max, char **buf, size_t *len)
{
	char path[PATH_MAX];
	int fd, err;

	*buf = NULL;
	*len = 0;
	if (pid <= 0)
		return -ESRCH;
	if (snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		/* ENOENT for a missing pid and for a missing file look alike. */
		if (err == -ENOENT && !proc_exists(pid))
			err = -ESRCH;
		return err;
	}
	err = read_fd_all(fd, max, buf, len);
	close(fd);
	/* A process that exits while being read yields ESRCH from some files. */
	if (err == -ESRCH || (err && !proc_exists(pid)))
		err = -ESRCH;
	return err;
}

ssize_t proc_text_read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	if (pid <= 0 || size < 2)
		return -EINVAL;
	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = errno == ESRCH ? -ESRCH : -errno;
	else if (n == 0)
		n = -ESRCH; /* a task that exited meanwhile reads as empty */
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int schedstat_parse(const char *text, uint64_t *cpu_ns)
{
	char *end;
	unsigned long long v;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || (*end && *end != ' ' && *end != '\n'))
		return -EINVAL;
	*cpu_ns = v;
	return 0;
}

int schedstat_parse_runs(const char *text, uint64_t *runs)
{
	unsigned long long cpu, wait, n;
	char end;

	/* "<ns on CPU> <ns waiting> <times run on a CPU>\n" */
	if (sscanf(text, "%llu %llu %llu%c", &cpu, &wait, &n, &end) != 4 || end != '\n')
		return -EINVAL;
	*runs = n;
	return 0;
}

int proc_switches(pid_t pid, unsigned int max_threads, uint64_t *count)
{
	char path[32], name[48], buf[128];
	struct dirent *e;
	unsigned int seen = 0;
	uint64_t sum = 0, runs;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(d)) && seen < max_threads) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		seen++;
		snprintf(name, sizeof(name), "task/%.20s/schedstat", e->d_name);
		/* A thread that exited meanwhile counts nothing. */
		if (proc_text_read(pid, name, buf, sizeof(buf)) > 0 && !schedstat_parse_runs(buf, &runs))
			sum += runs;
	}
	closedir(d);
	*count = sum;
	return 0;
}

int proc_thread_cpu_ns(pid_t tgid, pid_t tid, uint64_t *cpu_ns)
{
	char name[48], buf[128];
	ssize_t n;

	snprintf(name, sizeof(name), "task/%d/schedstat", (int)tid);
	n = proc_text_read(tgid, name, buf, sizeof(buf));
	return n < 0 ? (int)n : schedstat_parse(buf, cpu_ns);
}

/* Parse one unsigned decimal number at *p (< end), no sign, <= max. */
static int parse_dec(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The n-th (0-based) whitespace-separated number of a status value, or the
 * last one if n < 0. */
static int status_field(const char *p, const char *end, int n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool found = false;
	int i = 0;

	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end), i++) {
		int err = parse_dec(&p, end, max, &v);

		if (err)
			return err;
		if (p < end && *p != ' ' && *p != '\t')
			return -EINVAL;
		if (i == n || n < 0)
			found = true;
		if (i == n)
			break;
	}
	if (!found)
		return -EINVAL;
	*out = v;
	return 0;
}

static void status_copy_name(const char *p, const char *end, struct proc_status *out)
{
	size_t n;

	p = skip_blanks(p, end);
	n = (size_t)(end - p);
	if (n >= sizeof(out->name))
		n = sizeof(out->name) - 1;
	memcpy(out->name, p, n);
	out->name[n] = '\0';
	/* An embedded NUL would silently cut the name; that is acceptable. */
}

enum { HAVE_TGID = 1, HAVE_UID = 2, HAVE_GID = 4, HAVE_NSPID = 8 };

static int status_line(const char *key, size_t klen, const char *p, const char *end,
		       struct proc_status *out, unsigned *have)
{
	uint64_t v;

#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY_IS("Name")) {
		status_copy_name(p, end, out);
	} else if (KEY_IS("Tgid")) {
		if (status_field(p, end, 0, INT_MAX, &v) || v == 0)
			return -EINVAL;
		out->tgid = (pid_t)v;
		*have |= HAVE_TGID;
	} else if (KEY_IS("NSpid")) {
		if (status_field(p, end, -1, INT_MAX, &v) || v == 0)
			return -EINVAL;
		out->nspid = (pid_t)v;
		*have |= HAVE_NSPID;
	} else if (KEY_IS("Uid")) {
		if (status_field(p, end, 1, UINT32_MAX, &v))
			return -EINVAL;
		out->euid = (uid_t)v;
		*have |= HAVE_UID;
	} else if (KEY_IS("Gid")) {
		if (status_field(p, end, 1, UINT32_MAX, &v))
			return -EINVAL;
		out->egid = (gid_t)v;
		*have |= HAVE_GID;
	}
#undef KEY_IS
	return 0;
}

int proc_status_parse(const char *text, size_t len, struct proc_status *out)
{
	const char *p = text, *end = text + len;
	unsigned have = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon;
		int err;

		if (!eol)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			err = status_line(p, (size_t)(colon - p), colon + 1, eol, out, &have);
			if (err)
				return err;
		}
		p = eol + (eol < end);
	}
	if ((have & (HAVE_TGID | HAVE_UID | HAVE_GID)) != (HAVE_TGID | HAVE_UID | HAVE_GID))
		return -EINVAL;
	if (!(have & HAVE_NSPID))
		out->nspid = out->tgid;
	return 0;
}

int proc_status_read(pid_t pid, struct proc_status *out)
{
	char *buf = NULL;
	size_t len;
	int err;

	err = proc_file_read(pid, "status", STATUS_MAX, &buf, &len);
	if (err)
		return err;
	err = proc_status_parse(buf, len, out);
	free(buf);
	return err;
}

int proc_thread_nstid(pid_t pid, pid_t tid, pid_t *nstid)
{
	struct proc_status st;
	char name[48];
	char *buf = NULL;
	size_t len;
	int err;

	if (tid <= 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "task/%d/status", (int)tid);
	err = proc_file_read(pid, name, STATUS_MAX, &buf, &len);
	if (err)
		goto cleanup;
	err = proc_status_parse(buf, len, &st);
	if (err)
		goto cleanup;
	*nstid = st.nspid;
cleanup:
	free(buf);
	/* A thread that exited in the meantime. */
	return err == -ENOENT ? -ESRCH : err;
}

int proc_argv_parse(const char *buf, size_t len, char ***argv_out, int *argc_out)
{
	size_t nargs = 0, i, bytes;
	char **argv;
	char *strings;
	int k = 0;

	/* The last argument may lack its NUL (a process can rewrite its argv). */
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			nargs++;
	if (len > 0 && buf[len - 1] != '\0')
		nargs++;
	if (nargs >= INT_MAX)
		return -E2BIG;
	bytes = (nargs + 1) * sizeof(char *) + len + 1;
	argv = malloc(bytes);
	if (!argv)
		return -ENOMEM;
	/* One block: the vector followed by a copy of the strings. */
	strings = (char *)(argv + nargs + 1);
	if (len) /* buf may be NULL when empty */
		memcpy(strings, buf, len);
	strings[len] = '\0';
	for (i = 0; i < len; i += strlen(strings + i) + 1)
		argv[k++] = strings + i;
	argv[k] = NULL;
	*argv_out = argv;
	*argc_out = k;
	return 0;
}

int proc_argv_read(pid_t pid, char ***argv, int *argc)
{
	char *buf = NULL;
	size_t len;
	int err;

	err = proc_file_read(pid, "cmdline", CMDLINE_MAX, &buf, &len);
	if (err)
		return err;
	err = proc_argv_parse(buf, len, argv, argc);
	free(buf);
	return err;
}

void proc_argv_free(char **argv)
{
	free(argv);
}

int proc_ns_shared(pid_t pid, const char *ns)
{
	char path[64];
	struct stat theirs, ours;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	if (stat(path, &theirs) < 0)
		return errno == ENOENT && !proc_exists(pid) ? -ESRCH : -errno;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (stat(path, &ours) < 0)
		return -errno;
	return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

bool proc_in_other_pidns(pid_t pid)
{
	return proc_ns_shared(pid, "pid") == 0;
}
