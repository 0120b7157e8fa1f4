// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/thread_events.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent/core/log.h"
#include "agent/core/proc_info.h"

/* Exited threads' events are closed in batches, at most this often: each
 * batch puts every thread without an event of its own under watch for a few
 * seconds (reading its schedstat), which is not worth doing every second. */
#define CLOSE_MIN_INTERVAL_MS 10000
/* A watched thread is uncovered when it ran this many sampling periods
 * without a sample: a covered thread is sampled once per period of its CPU
 * time, deterministically. */
#define UNCOVERED_MIN_PERIODS 3
/* Watched threads are checked this often (each check reads their
 * schedstat): an idle TaskManager thread may stay watched for long. */
#define WATCH_CHECK_INTERVAL_MS 5000

struct te_thread {
	pid_t tid;
	int fd;
};

/* A thread without an event of its own, whose inherited copy may have gone
 * with a closed event: watched until a sample proves it covered, it ran
 * long enough without one (it gets its own event), or it exits. */
struct te_watch {
	pid_t tid;
	bool armed;      /* samples counted from the second drain on (see rescan) */
	uint64_t cpu0;   /* schedstat ns when armed */
	uint64_t samples;
};

struct te_proc {
	pid_t tgid;
	struct te_thread *th; /* own events, sorted by tid */
	size_t nth, capth;
	struct te_watch *w;   /* sorted by tid */
	size_t nw, capw;
	uint64_t last_close_ms;
	uint64_t last_watch_ms;
	bool fds_reported;
	/* The sampler dropped samples since the last watch check: a watched
	 * thread's missing samples prove nothing then. */
	bool dropped_since_check;
};

struct thread_events {
	int prog_fd;
	uint64_t period_ns;
	enum thread_events_mode mode;
	struct te_proc *procs;
	size_t nprocs, capprocs;
	struct thread_events_stats st;
	bool no_inherit_thread; /* kernel before 5.13: inherit into forks too */
};

bool thread_uncovered(uint64_t cpu_ns, uint64_t samples, uint64_t period_ns, unsigned int min_periods)
{
	return samples == 0 && period_ns && cpu_ns >= (uint64_t)min_periods * period_ns;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Both element types start with their tid. */
static void *find_tid(void *arr, size_t n, size_t size, pid_t tid)
{
	if (!arr || !n)
		return NULL;
	return bsearch(&tid, arr, n, size, cmp_pid);
}

int thread_events_new(int prog_fd, uint64_t period_ns, enum thread_events_mode mode,
		      struct thread_events **out)
{
	struct thread_events *te = calloc(1, sizeof(*te));
	struct rlimit rl;

	if (!te)
		return -ENOMEM;
	te->prog_fd = prog_fd;
	te->period_ns = period_ns;
	te->mode = mode;
	/* One fd per thread at attach: a 300-thread TaskManager passes the
	 * usual soft limit of 1024 with a few targets. The hard limit is the
	 * administrator's; running out is reported per process. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			log_debug("cannot raise RLIMIT_NOFILE: %s", strerror(errno));
	}
	*out = te;
	return 0;
}

static void proc_free(struct thread_events *te, struct te_proc *p)
{
	for (size_t i = 0; i < p->nth; i++) {
		close(p->th[i].fd);
		te->st.closed++;
	}
	te->st.open -= p->nth;
	free(p->th);
	free(p->w);
}

void thread_events_free(struct thread_events *te)
{
	if (!te)
		return;
	for (size_t i = 0; i < te->nprocs; i++)
		proc_free(te, &te->procs[i]);
	free(te->procs);
	free(te);
}

static struct te_proc *proc_find(const struct thread_events *te, pid_t tgid)
{
	for (size_t i = 0; i < te->nprocs; i++)
		if (te->procs[i].tgid == tgid)
			return &te->procs[i];
	return NULL;
}

static int perf_open_task_clock(struct thread_events *te, pid_t tid)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_TASK_CLOCK,
		.sample_period = te->period_ns,
		/* Enabled once the program is attached: a thread created in
		 * between would inherit an event without it. */
		.disabled = 1,
		.inherit = te->mode == TE_INHERIT,
		/* Only threads: a process the JVM forks is no target. */
		.inherit_thread = te->mode == TE_INHERIT && !te->no_inherit_thread,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0 && errno == EINVAL && attr.inherit_thread) {
		te->no_inherit_thread = true;
		attr.inherit_thread = 0;
		fd = (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, te->prog_fd) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int th_reserve(struct te_proc *p, size_t n)
{
	if (n <= p->capth)
		return 0;
	size_t cap = p->capth ? p->capth * 2 : 64;
	while (cap < n)
		cap *= 2;
	struct te_thread *t = realloc(p->th, cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	p->th = t;
	p->capth = cap;
	return 0;
}

/* Open tid's own event and append it (the caller sorts). ESRCH (the
 * thread exited meanwhile) is not an error. */
static int thread_open(struct thread_events *te, struct te_proc *p, pid_t tid)
{
	int fd, err = th_reserve(p, p->nth + 1);

	if (err)
		return err;
	fd = perf_open_task_clock(te, tid);
	if (fd == -ESRCH)
		return 0;
	if (fd == -EMFILE || fd == -ENFILE) {
		struct rlimit rl = { 0 };

		te->st.fd_failures++;
		if (!p->fds_reported) {
			getrlimit(RLIMIT_NOFILE, &rl);
			log_error("PID %d: out of file descriptors after %zu thread events (RLIMIT_NOFILE "
				  "%llu): its other threads are not sampled; raise the limit (ulimit -n, "
				  "LimitNOFILE= in the unit) or sample with --per-cpu",
				  p->tgid, p->nth, (unsigned long long)rl.rlim_cur);
			p->fds_reported = true;
		}
		return fd;
	}
	if (fd < 0) {
		te->st.open_failures++;
		log_debug("PID %d TID %d: cannot open a task-clock event: %s", p->tgid, tid, strerror(-fd));
		return fd;
	}
	p->th[p->nth++] = (struct te_thread){ tid, fd };
	te->st.open++;
	te->st.opened++;
	return 0;
}

/* The tids in /proc/TGID/task, sorted. -ESRCH: the process is gone. */
static int task_list(pid_t tgid, pid_t **out, size_t *n)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	pid_t *tids = NULL;
	size_t cap = 0, len = 0;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);

		if (end == e->d_name || *end || tid <= 0)
			continue;
		if (len == cap) {
			size_t c = cap ? cap * 2 : 256;
			pid_t *t = realloc(tids, c * sizeof(*t));

			if (!t) {
				err = -ENOMEM;
				goto cleanup;
			}
			tids = t;
			cap = c;
		}
		tids[len++] = (pid_t)tid;
	}
	if (len)
		qsort(tids, len, sizeof(*tids), cmp_pid);
cleanup:
	closedir(d);
	if (err) {
		free(tids);
		return err;
	}
	*out = tids;
	*n = len;
	return 0;
}

/* Watch every listed thread that has no event of its own (replacing the
 * watch list: whoever was watched is listed again). */
static int watch_unowned(struct te_proc *p, const pid_t *tids, size_t n)
{
	size_t k = 0;

	if (n > p->capw) {
		struct te_watch *w = realloc(p->w, n * sizeof(*w));

		if (!w)
			return -ENOMEM;
		p->w = w;
		p->capw = n;
	}
	for (size_t i = 0; i < n; i++)
		if (!find_tid(p->th, p->nth, sizeof(*p->th), tids[i]))
			p->w[k++] = (struct te_watch){ .tid = tids[i] };
	p->nw = k;
	return 0;
}

int thread_events_add(struct thread_events *te, pid_t tgid)
{
	struct te_proc *p;
	pid_t *tids = NULL, *again = NULL;
	size_t n = 0, n2 = 0;
	int err, first_err = 0;

	if (proc_find(te, tgid))
		return 0;
	if (te->nprocs == te->capprocs) {
		size_t cap = te->capprocs ? te->capprocs * 2 : 4;
		struct te_proc *np = realloc(te->procs, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		te->procs = np;
		te->capprocs = cap;
	}
	err = task_list(tgid, &tids, &n);
	if (err)
		return err;
	p = &te->procs[te->nprocs++];
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->last_close_ms = now_ms();
	for (size_t i = 0; i < n; i++) {
		err = thread_open(te, p, tids[i]);
		if (err && !first_err)
			first_err = err;
		if (err == -EMFILE || err == -ENFILE)
			break;
		if (err == -ENOMEM)
			goto cleanup;
	}
	qsort(p->th, p->nth, sizeof(*p->th), cmp_pid);
	if (p->nth == 0) {
		/* All threads gone meanwhile (ESRCH is not an error per thread). */
		err = first_err ? first_err : -ESRCH;
		goto cleanup;
	}
	err = 0;
	if (te->mode == TE_INHERIT) {
		/* A thread created while the events were being opened was
		 * covered if its creator's event was open by then; else not.
		 * The watch tells. */
		if (!task_list(tgid, &again, &n2))
			err = watch_unowned(p, again, n2);
	}
cleanup:
	free(tids);
	free(again);
	if (err && err != -ENOMEM && p->nth)
		err = 0; /* some threads are sampled; the failure is reported */
	if (err) {
		proc_free(te, p);
		te->nprocs--;
	}
	return err;
}

int thread_events_remove(struct thread_events *te, pid_t tgid)
{
	struct te_proc *p = proc_find(te, tgid);

	if (!p)
		return -ENOENT;
	proc_free(te, p);
	*p = te->procs[--te->nprocs];
	return 0;
}

void thread_events_note_sample(struct thread_events *te, pid_t tgid, pid_t tid, uint64_t count)
{
	struct te_proc *p;
	struct te_watch *w;

	if (te->mode != TE_INHERIT)
		return;
	p = proc_find(te, tgid);
	if (!p || !p->nw)
		return;
	w = find_tid(p->w, p->nw, sizeof(*p->w), tid);
	if (w)
		w->samples += count;
}

static bool tid_listed(const pid_t *tids, size_t n, pid_t tid)
{
	return find_tid((void *)tids, n, sizeof(*tids), tid) != NULL;
}

/* Close the events of p's threads not in tids (they exited); both modes
 * do it, TE_INHERIT only every CLOSE_MIN_INTERVAL_MS. */
static void close_unlisted(struct thread_events *te, struct te_proc *p, const pid_t *tids, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < p->nth; i++) {
		if (tid_listed(tids, n, p->th[i].tid)) {
			p->th[k++] = p->th[i];
			continue;
		}
		close(p->th[i].fd);
		te->st.open--;
		te->st.closed++;
	}
	p->nth = k;
}

/* TE_RESCAN: close events of exited threads, open events for new ones. */
static int rescan_open_close(struct thread_events *te, struct te_proc *p, const pid_t *tids, size_t n)
{
	size_t k;
	int err = 0;

	close_unlisted(te, p, tids, n);
	k = p->nth;
	for (size_t i = 0; i < n; i++) {
		if (find_tid(p->th, k, sizeof(*p->th), tids[i]))
			continue;
		err = thread_open(te, p, tids[i]);
		if (err == -ENOMEM || err == -EMFILE || err == -ENFILE)
			break;
		err = 0;
	}
	qsort(p->th, p->nth, sizeof(*p->th), cmp_pid);
	return err == -ENOMEM ? err : 0;
}

static bool watch_all_armed(const struct te_proc *p)
{
	for (size_t i = 0; i < p->nw; i++)
		if (!p->w[i].armed)
			return false;
	return true;
}

/* TE_INHERIT: check the watched threads; give the uncovered their own
 * event. A watch is armed at the first rescan after it was set: samples of
 * that first drain may come from a copy that was removed right after it. */
static int check_watch(struct thread_events *te, struct te_proc *p, const pid_t *tids, size_t n)
{
	size_t k = 0;
	bool opened = false, armed_all = watch_all_armed(p);
	uint64_t now = now_ms();
	int err = 0;

	/* Arming is done at once; checks wait for the interval. */
	if (!p->nw || (armed_all && now - p->last_watch_ms < WATCH_CHECK_INTERVAL_MS))
		return 0;
	p->last_watch_ms = now;
	bool samples_dropped = p->dropped_since_check;

	p->dropped_since_check = false;
	for (size_t i = 0; i < p->nw; i++) {
		struct te_watch w = p->w[i];
		uint64_t cpu;

		if (!tid_listed(tids, n, w.tid) || proc_thread_cpu_ns(p->tgid, w.tid, &cpu))
			continue; /* exited */
		if (!w.armed || samples_dropped) {
			w = (struct te_watch){ .tid = w.tid, .armed = true, .cpu0 = cpu };
			p->w[k++] = w;
			continue;
		}
		if (w.samples)
			continue; /* covered */
		if (!thread_uncovered(cpu - w.cpu0, w.samples, te->period_ns, UNCOVERED_MIN_PERIODS)) {
			p->w[k++] = w;
			continue;
		}
		size_t before = p->nth;

		err = thread_open(te, p, w.tid);
		if (err == -ENOMEM)
			break;
		err = 0;
		if (p->nth > before) {
			te->st.adopted++;
			opened = true;
		}
	}
	p->nw = k;
	if (opened)
		qsort(p->th, p->nth, sizeof(*p->th), cmp_pid);
	return err;
}

/* TE_INHERIT: close the events of exited threads, at most every
 * CLOSE_MIN_INTERVAL_MS; every thread without an event of its own is then
 * watched (its inherited copy may have come from one of them). */
static int close_exited(struct thread_events *te, struct te_proc *p, const pid_t *tids, size_t n)
{
	size_t dead = 0;
	uint64_t now = now_ms();

	if (now - p->last_close_ms < CLOSE_MIN_INTERVAL_MS)
		return 0;
	/* Due or not, the next look is an interval away: the task list
	 * is only read when something is due (see thread_events_list_due). */
	p->last_close_ms = now;
	for (size_t i = 0; i < p->nth; i++)
		dead += !tid_listed(tids, n, p->th[i].tid);
	if (!dead)
		return 0;
	close_unlisted(te, p, tids, n);
	return watch_unowned(p, tids, n);
}

bool thread_events_list_due(uint64_t now_ms, uint64_t last_close_ms, uint64_t last_watch_ms,
			    size_t watched, bool all_armed)
{
	if (now_ms - last_close_ms >= CLOSE_MIN_INTERVAL_MS)
		return true;
	if (!watched)
		return false;
	/* New watches are armed at the next drain; armed ones checked at
	 * their interval. */
	return !all_armed || now_ms - last_watch_ms >= WATCH_CHECK_INTERVAL_MS;
}

int thread_events_rescan(struct thread_events *te, bool samples_dropped)
{
	int ret = 0;
	uint64_t now = now_ms();

	for (size_t i = 0; i < te->nprocs; i++) {
		struct te_proc *p = &te->procs[i];
		pid_t *tids = NULL;
		size_t n = 0;
		int err;

		p->dropped_since_check |= samples_dropped;
		/* Listing /proc/TGID/task of a 300-thread JVM at every drain
		 * was a third of the agent's steady CPU: with inherited events
		 * new threads need nothing, so list only when a close or a
		 * watch check is due. */
		if (te->mode == TE_INHERIT &&
		    !thread_events_list_due(now, p->last_close_ms, p->last_watch_ms, p->nw,
					    watch_all_armed(p)))
			continue;
		err = task_list(p->tgid, &tids, &n);

		if (err == -ESRCH)
			continue; /* the session removes it */
		if (!err && te->mode == TE_RESCAN)
			err = rescan_open_close(te, p, tids, n);
		if (!err && te->mode == TE_INHERIT) {
			err = check_watch(te, p, tids, n);
			if (!err)
				err = close_exited(te, p, tids, n);
		}
		free(tids);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

void thread_events_stats(const struct thread_events *te, struct thread_events_stats *out)
{
	*out = te->st;
}

size_t thread_events_open_count(const struct thread_events *te, pid_t tgid)
{
	const struct te_proc *p = proc_find(te, tgid);

	return p ? p->nth : 0;
}
