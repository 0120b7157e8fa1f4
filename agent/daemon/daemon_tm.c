// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon_tm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/core/log.h"
#include "agent/core/proc_info.h"
#include "symbolize/safe_open.h"

/* A process classified by an earlier scan. comm changes at exec, so a
 * shell script that execs java is looked at again. */
struct daemon_proc_seen {
	pid_t pid;
	uid_t uid;
	unsigned long long start_time;
	char comm[16];
	bool is_tm;
	char id[DAEMON_TM_ID_MAX];
};

/* A JVM maps libjvm a few milliseconds after exec: until then jvm_info_read
 * says "not a JVM". Young processes and the java launcher are asked again. */
#define YOUNG_PROCESS_S 30
#define HOSTNAME_MAX 256

int daemon_tm_id_sanitize(const char *text, char *out, size_t len)
{
	size_t n = 0;

	if (!len)
		return -EINVAL;
	for (; text && *text && n + 1 < len && n + 1 < DAEMON_TM_ID_MAX; text++) {
		unsigned char ch = (unsigned char)*text;

		out[n++] = (isalnum(ch) || ch == '-' || ch == '_' || ch == '.') && ch < 0x80 ?
				   (char)ch :
				   '_';
	}
	out[n] = '\0';
	if (out[0] == '.') /* no hidden files, no "." or ".." */
		out[0] = '_';
	return n ? 0 : -EINVAL;
}

/* The first line of the container's /etc/hostname; symlinks are followed
 * only inside the container's root. */
static int container_hostname(pid_t pid, char *out, size_t len)
{
	char *buf = NULL, *p;
	size_t n = 0;
	int fd = safe_open_follow(pid, "etc/hostname", SAFE_OPEN_ANY_OWNER), err;

	if (fd < 0)
		return fd;
	err = read_fd_all(fd, HOSTNAME_MAX, &buf, &n);
	close(fd);
	if (err)
		return err;
	for (p = buf; *p && isspace((unsigned char)*p); p++)
		;
	p[strcspn(p, "\r\n \t")] = '\0';
	err = daemon_tm_id_sanitize(p, out, len);
	free(buf);
	return err;
}

void daemon_tm_id(const struct jvm_info *j, char *out, size_t len)
{
	if (j->resource_id[0] && !daemon_tm_id_sanitize(j->resource_id, out, len))
		return;
	if (j->in_container && !container_hostname(j->pid, out, len))
		return;
	snprintf(out, len, "%d", j->pid);
}

int daemon_proc_stat_parse(const char *text, char *comm, size_t comm_len,
			   unsigned long long *start_time)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	size_t n;

	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	if (!open || !close || close < open || close[1] != ' ')
		return -EPROTO;
	n = (size_t)(close - open - 1);
	if (comm_len) {
		if (n >= comm_len)
			n = comm_len - 1;
		memcpy(comm, open + 1, n);
		comm[n] = '\0';
	}
	if (sscanf(close + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   start_time) != 1)
		return -EPROTO;
	return 0;
}

static int read_stat(pid_t pid, char *comm, size_t comm_len, unsigned long long *start)
{
	char buf[1024];
	ssize_t n = proc_text_read(pid, "stat", buf, sizeof(buf));

	return n < 0 ? (int)n : daemon_proc_stat_parse(buf, comm, comm_len, start);
}

double daemon_process_age_s(unsigned long long start_ticks)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	double up;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	up = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return hz > 0 && up > (double)start_ticks / (double)hz ? up - (double)start_ticks / (double)hz :
								 0;
}

static bool process_young(unsigned long long start_ticks)
{
	return daemon_process_age_s(start_ticks) < YOUNG_PROCESS_S;
}

static const struct daemon_proc_seen *seen_find(const struct daemon_discovery *d, pid_t pid)
{
	size_t lo = 0, hi = d->nseen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->seen[mid].pid == pid)
			return &d->seen[mid];
		if (d->seen[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct daemon_proc_seen *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Classify one process: TaskManager (with its id) or not; -EAGAIN when the
 * answer may change soon (young process or java launcher without libjvm). */
static int classify(struct daemon_proc_seen *e)
{
	struct jvm_info j;
	int err = jvm_info_read(e->pid, &j);

	if (err == -ENOENT && (!strncmp(e->comm, "java", 4) || process_young(e->start_time)))
		return -EAGAIN;
	if (err == -ESRCH)
		return err;
	e->is_tm = !err && jvm_kind_is_taskmanager(j.kind);
	if (e->is_tm) {
		char path[32];
		struct stat st;

		daemon_tm_id(&j, e->id, sizeof(e->id));
		/* The owner of /proc/PID is the process's effective uid. */
		snprintf(path, sizeof(path), "/proc/%d", (int)e->pid);
		if (stat(path, &st) < 0)
			return -ESRCH;
		e->uid = st.st_uid;
	}
	return 0;
}

static bool claim_collides(const struct daemon_tm_claim *h, const struct daemon_tm_claim *mine)
{
	if (strcmp(h->id, mine->id) || h->pid == mine->pid)
		return false;
	if (h->uid != mine->uid)
		return true;
	/* Same user: a restart shares the id, two live processes do not. */
	return h->alive && h->start_time != mine->start_time;
}

int daemon_tm_id_claim(const struct daemon_tm_claim *held, size_t n,
		       const struct daemon_tm_claim *mine, char *out, size_t len, size_t *with)
{
	char sfx[48];
	bool same_uid_live = false, any = false;
	size_t base;

	for (size_t i = 0; i < n; i++) {
		if (!claim_collides(&held[i], mine))
			continue;
		if (!any && with)
			*with = i;
		any = true;
		if (held[i].uid == mine->uid)
			same_uid_live = true;
	}
	/* A suffixed id someone holds already (a second process of that
	 * user copying the same id) needs the pid too. */
	snprintf(sfx, sizeof(sfx), "-u%u", (unsigned)mine->uid);
	for (size_t i = 0; any && !same_uid_live && i < n; i++)
		if (held[i].out && held[i].alive && held[i].pid != mine->pid &&
		    !strncmp(held[i].out, mine->id, strlen(mine->id)) &&
		    !strcmp(held[i].out + strlen(mine->id), sfx))
			same_uid_live = true;
	if (!any) {
		snprintf(out, len, "%s", mine->id);
		return 0;
	}
	if (same_uid_live)
		snprintf(sfx, sizeof(sfx), "-u%u-p%d", (unsigned)mine->uid, (int)mine->pid);
	/* Cut the claimed id, not the suffix, to fit. */
	base = strlen(mine->id);
	if (len && base + strlen(sfx) + 1 > len)
		base = len > strlen(sfx) + 1 ? len - strlen(sfx) - 1 : 0;
	snprintf(out, len, "%.*s%s", (int)base, mine->id, sfx);
	return 1;
}

static int tms_push(struct daemon_discovery *d, const struct daemon_proc_seen *e)
{
	if (d->ntms == d->tms_cap) {
		size_t cap = d->tms_cap ? d->tms_cap * 2 : 8;
		struct daemon_tm_found *g = realloc(d->tms, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		d->tms = g;
		d->tms_cap = cap;
	}
	d->tms[d->ntms].pid = e->pid;
	d->tms[d->ntms].uid = e->uid;
	d->tms[d->ntms].start_time = e->start_time;
	memcpy(d->tms[d->ntms].id, e->id, sizeof(e->id));
	d->ntms++;
	return 0;
}

int daemon_discovery_scan(struct daemon_discovery *d)
{
	struct daemon_proc_seen *next = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *proc = opendir("/proc");
	int err = 0;

	if (!proc)
		return -errno;
	d->ntms = 0;
	while ((de = readdir(proc))) {
		struct daemon_proc_seen e = { 0 };
		const struct daemon_proc_seen *old;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		e.pid = (pid_t)pid;
		if (read_stat(e.pid, e.comm, sizeof(e.comm), &e.start_time))
			continue; /* gone meanwhile */
		old = seen_find(d, e.pid);
		if (old && old->start_time == e.start_time && !strcmp(old->comm, e.comm)) {
			e = *old;
		} else {
			err = classify(&e);
			if (err == -ESRCH || err == -EAGAIN) {
				err = 0;
				continue; /* not remembered: looked at again next scan */
			}
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct daemon_proc_seen *g = realloc(next, ncap * sizeof(*g));

			if (!g) {
				err = -ENOMEM;
				break;
			}
			next = g;
			cap = ncap;
		}
		next[n++] = e;
		if (e.is_tm && (err = tms_push(d, &e)))
			break;
	}
	closedir(proc);
	if (err) {
		free(next);
		return err;
	}
	if (n) /* next is NULL when no process was seen: not for qsort */
		qsort(next, n, sizeof(*next), seen_cmp);
	free(d->seen);
	d->seen = next;
	d->nseen = n;
	return 0;
}

void daemon_discovery_free(struct daemon_discovery *d)
{
	free(d->seen);
	free(d->tms);
	memset(d, 0, sizeof(*d));
}
