// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/cpu_sampler.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/collect/maps.h"
#include "agent/core/log.h"
#include "agent/collect/thread_events.h"
#include "agent/core/proc_info.h"
#include "agent/collect/unwind_maps.h"
#include "cpu_sample.skel.h"

struct cpu_sampler {
	struct cpu_sample_bpf *skel;
	struct bpf_link **links;
	int *perf_fds;
	int ncpus;
	struct maps_drain drain;
	enum cpu_sampler_mode mode;
	struct thread_events *threads; /* per thread */
	uint64_t dropped_seen;         /* CPU_STAT_COUNTS_FULL at the last drain */
	uint64_t period_ns;
	/* CPU_SAMPLER_JITTER: the thread that redraws each CPU's period. */
	pthread_t jitter_tid;
	bool jitter_running;
	atomic_bool jitter_stop;
	/* CPU_SAMPLER_WEIGHTED: the sched_switch program, and each thread's
	 * schedstat CPU time when its target was added (sorted by tid). */
	struct bpf_link *switch_link;
	struct cpu_base { pid_t tid; uint64_t ns; } *base;
	size_t nbase, capbase;
};

static const char *const mode_names[] = {
	[CPU_SAMPLER_PER_THREAD] = "per-thread",
	[CPU_SAMPLER_PER_CPU] = "per-cpu",
	[CPU_SAMPLER_JITTER] = "jitter",
	[CPU_SAMPLER_WEIGHTED] = "weighted",
};

int cpu_sampler_mode_parse(const char *text, enum cpu_sampler_mode *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(text, mode_names[i])) {
			*out = (enum cpu_sampler_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cpu_sampler_mode_name(enum cpu_sampler_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

/* freq_hz > 0: frequency mode; else a fixed period_ns (jitter redraws it). */
static int perf_event_open_cpu_clock(unsigned int freq_hz, uint64_t period_ns, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	int fd;

	if (freq_hz) {
		attr.freq = 1;
		attr.sample_freq = freq_hz;
	} else {
		attr.sample_period = period_ns;
	}

	/* pid -1, one CPU: samples whatever runs there; the program filters. */
	fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cpu_list_parse(const char *text, bool *cpus, int max)
{
	const char *p = text;
	int n = 0;

	memset(cpus, 0, max * sizeof(*cpus));
	while (*p && *p != '\n') {
		char *end;
		long lo = strtol(p, &end, 10), hi;

		if (end == p || lo < 0)
			return -EINVAL;
		hi = lo;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo)
				return -EINVAL;
			p = end;
		}
		for (long c = lo; c <= hi && c < max; c++, n++)
			cpus[c] = true;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return n;
}

static int cpu_online_read(bool *cpus, int max)
{
	char buf[4096];
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int err;

	if (!f)
		return -errno;
	err = fgets(buf, sizeof(buf), f) ? cpu_list_parse(buf, cpus, max) : -EIO;
	fclose(f);
	return err;
}

void cpu_sampler_close(struct cpu_sampler *s)
{
	if (!s)
		return;
	if (s->jitter_running) {
		atomic_store(&s->jitter_stop, true);
		pthread_join(s->jitter_tid, NULL);
	}
	bpf_link__destroy(s->switch_link);
	free(s->base);
	for (int i = 0; i < s->ncpus; i++) {
		bpf_link__destroy(s->links ? s->links[i] : NULL);
		if (s->perf_fds && s->perf_fds[i] >= 0)
			close(s->perf_fds[i]);
	}
	free(s->links);
	free(s->perf_fds);
	thread_events_free(s->threads);
	maps_drain_free(&s->drain);
	cpu_sample_bpf__destroy(s->skel);
	free(s);
}

/* TMPROF_THREAD_EVENTS=rescan exists to measure the alternative to
 * inherited events (README "Sampling"); the default is the measured best. */
static enum thread_events_mode thread_events_mode_from_env(void)
{
	const char *v = getenv("TMPROF_THREAD_EVENTS");

	return v && !strcmp(v, "rescan") ? TE_RESCAN : TE_INHERIT;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Redrawing a cpu-clock event's period (PERF_EVENT_IOC_PERIOD) restarts its
 * hrtimer from now: the next sample comes one new period later. So each
 * CPU is reprogrammed just after the sample its last period led to, with
 * a period drawn uniformly from [0.5, 1.5) x the mean: sampling instants
 * with no fixed phase to the workload's timers. JITTER_MARGIN_NS after the
 * expected sample leaves room for the timer's own latency (the mean
 * interval is that much longer than the period). */
#define JITTER_MARGIN_NS 200000ULL
#define JITTER_MAX_SLEEP_NS 20000000ULL /* checks the stop flag this often */

static void *jitter_run(void *arg)
{
	struct cpu_sampler *s = arg;
	uint64_t *next = calloc((size_t)s->ncpus, sizeof(*next));
	unsigned int seed = (unsigned int)(mono_ns() ^ (uint64_t)getpid());

	if (!next) {
		log_warn("--sampler=jitter: out of memory, periods stay fixed");
		return NULL;
	}
	while (!atomic_load(&s->jitter_stop)) {
		int c = -1;
		uint64_t now = mono_ns(), wake;

		for (int i = 0; i < s->ncpus; i++)
			if (s->perf_fds[i] >= 0 && (c < 0 || next[i] < next[c]))
				c = i;
		if (c < 0)
			break;
		wake = next[c];
		if (wake > now) {
			uint64_t until = wake - now > JITTER_MAX_SLEEP_NS ? now + JITTER_MAX_SLEEP_NS : wake;
			struct timespec ts = { (time_t)(until / 1000000000ULL), (long)(until % 1000000000ULL) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			continue;
		}
		uint64_t period = s->period_ns / 2 + (uint64_t)((double)s->period_ns * rand_r(&seed) / ((double)RAND_MAX + 1));

		if (ioctl(s->perf_fds[c], PERF_EVENT_IOC_PERIOD, &period))
			log_debug("CPU %d: PERF_EVENT_IOC_PERIOD: %s", c, strerror(errno));
		next[c] = mono_ns() + period + JITTER_MARGIN_NS;
	}
	free(next);
	return NULL;
}

/* The schedstat CPU time of every thread of tgid now: what the scheduler
 * counted before the recording (CPU_SAMPLER_WEIGHTED). */
static int cmp_base(const void *a, const void *b)
{
	pid_t x = ((const struct cpu_base *)a)->tid, y = ((const struct cpu_base *)b)->tid;

	return (x > y) - (x < y);
}

static int base_read(struct cpu_sampler *s, pid_t tgid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(d))) {
		long tid = strtol(e->d_name, NULL, 10);
		uint64_t ns;

		if (tid <= 0 || proc_thread_cpu_ns(tgid, (pid_t)tid, &ns))
			continue;
		if (s->nbase == s->capbase) {
			size_t cap = s->capbase ? s->capbase * 2 : 256;
			struct cpu_base *b = realloc(s->base, cap * sizeof(*b));

			if (!b) {
				err = -ENOMEM;
				goto cleanup;
			}
			s->base = b;
			s->capbase = cap;
		}
		s->base[s->nbase++] = (struct cpu_base){ (pid_t)tid, ns };
	}
	qsort(s->base, s->nbase, sizeof(*s->base), cmp_base);
cleanup:
	closedir(d);
	return err;
}

int cpu_sampler_thread_cpu(struct cpu_sampler *s, pid_t tgid, pid_t tid, uint64_t *ns)
{
	struct cpu_thread_time v;
	struct cpu_base key = { tid, 0 }, *b;
	uint64_t now = 0, last;
	__u32 k = (__u32)tid;
	bool have = false;

	if (s->mode != CPU_SAMPLER_WEIGHTED)
		return -ENOENT;
	if (!bpf_map__lookup_elem(s->skel->maps.thread_time, &k, sizeof(k), &v, sizeof(v), 0) &&
	    v.tgid == (__u32)tgid) {
		now = v.runtime_ns;
		have = true;
	}
	/* Running since its last switch-out, or never switched out. */
	if (!proc_thread_cpu_ns(tgid, tid, &last) && (!have || last > now)) {
		now = last;
		have = true;
	}
	if (!have)
		return -ENOENT;
	b = s->base ? bsearch(&key, s->base, s->nbase, sizeof(*s->base), cmp_base) : NULL;
	*ns = b && b->ns <= now ? now - b->ns : now;
	return 0;
}

uint64_t cpu_sampler_period_ns(const struct cpu_sampler *s)
{
	return s->period_ns;
}

int cpu_sampler_open(unsigned int freq_hz, enum cpu_sampler_mode mode,
		     const struct unwind_maps *unwind, struct cpu_sampler **out)
{
	struct cpu_sampler *s;
	bool *online = NULL;
	int err;

	if (!freq_hz)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mode = mode;
	s->period_ns = 1000000000ULL / freq_hz;
	if (maps_drain_init(&s->drain, sizeof(struct cpu_sample_key), sizeof(uint64_t))) {
		free(s);
		return -ENOMEM;
	}
	s->skel = cpu_sample_bpf__open();
	if (!s->skel) {
		err = -errno;
		goto fail;
	}
	bpf_program__set_autoload(s->skel->progs.cpu_thread_switch, mode == CPU_SAMPLER_WEIGHTED);
	err = unwind_maps_reuse(unwind, s->skel->obj);
	if (!err)
		err = cpu_sample_bpf__load(s->skel);
	if (err)
		goto fail;
	if (mode == CPU_SAMPLER_WEIGHTED) {
		s->switch_link = bpf_program__attach(s->skel->progs.cpu_thread_switch);
		if (!s->switch_link) {
			err = -errno;
			goto fail;
		}
	}
	if (err)
		goto fail;
	if (mode == CPU_SAMPLER_PER_THREAD) {
		/* Events are opened per target (cpu_sampler_add_target). */
		err = thread_events_new(bpf_program__fd(s->skel->progs.cpu_sample),
					s->period_ns, thread_events_mode_from_env(),
					&s->threads);
		if (err)
			goto fail;
		*out = s;
		return 0;
	}
	err = libbpf_num_possible_cpus();
	if (err < 0)
		goto fail;
	s->ncpus = err;
	online = calloc(s->ncpus, sizeof(*online));
	if (!online) {
		err = -ENOMEM;
		goto fail;
	}
	err = cpu_online_read(online, s->ncpus);
	if (err < 0)
		goto fail;
	s->links = calloc(s->ncpus, sizeof(*s->links));
	s->perf_fds = malloc(s->ncpus * sizeof(*s->perf_fds));
	/* Before the first goto fail: cpu_sampler_close closes every fd that
	 * is not -1, and links may be the allocation that failed. */
	for (int cpu = 0; s->perf_fds && cpu < s->ncpus; cpu++)
		s->perf_fds[cpu] = -1;
	if (!s->links || !s->perf_fds) {
		err = -ENOMEM;
		goto fail;
	}
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		if (!online[cpu])
			continue;
		s->perf_fds[cpu] = perf_event_open_cpu_clock(mode == CPU_SAMPLER_JITTER ? 0 : freq_hz,
							     s->period_ns, cpu);
		if (s->perf_fds[cpu] < 0) {
			err = s->perf_fds[cpu];
			goto fail;
		}
		s->links[cpu] = bpf_program__attach_perf_event(s->skel->progs.cpu_sample,
							       s->perf_fds[cpu]);
		if (!s->links[cpu]) {
			err = -errno;
			goto fail;
		}
	}
	free(online);
	online = NULL;
	if (mode == CPU_SAMPLER_JITTER) {
		err = -pthread_create(&s->jitter_tid, NULL, jitter_run, s);
		if (err)
			goto fail;
		s->jitter_running = true;
	}
	*out = s;
	return 0;
fail:
	free(online);
	cpu_sampler_close(s);
	return err < 0 ? err : -EINVAL;
}

int cpu_sampler_add_target(struct cpu_sampler *s, pid_t tgid)
{
	__u32 key = (__u32)tgid;
	__u8 one = 1;
	int err;

	if (bpf_map__update_elem(s->skel->maps.targets, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
		return -errno;
	if (s->mode == CPU_SAMPLER_WEIGHTED) {
		err = base_read(s, tgid);
		if (err)
			bpf_map__delete_elem(s->skel->maps.targets, &key, sizeof(key), 0);
		return err;
	}
	if (!s->threads)
		return 0;
	err = thread_events_add(s->threads, tgid);
	if (err)
		bpf_map__delete_elem(s->skel->maps.targets, &key, sizeof(key), 0);
	return err;
}

int cpu_sampler_remove_target(struct cpu_sampler *s, pid_t tgid)
{
	__u32 key = (__u32)tgid;

	if (s->threads)
		thread_events_remove(s->threads, tgid);
	if (bpf_map__delete_elem(s->skel->maps.targets, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

struct drain_adapter {
	cpu_sample_fn fn;
	void *ctx;
	struct thread_events *threads;
};

static int drain_one(void *ctx, const void *key, const void *value)
{
	struct drain_adapter *a = ctx;
	const struct cpu_sample_key *k = key;
	uint64_t count = *(const uint64_t *)value;

	if (a->threads)
		thread_events_note_sample(a->threads, (pid_t)k->tgid, (pid_t)k->tid, count);
	return a->fn(a->ctx, key, count);
}

int cpu_sampler_drain(struct cpu_sampler *s, cpu_sample_fn fn, void *ctx)
{
	struct drain_adapter a = { fn, ctx, s->threads };
	uint64_t st[CPU_STAT__MAX];
	bool dropped;
	int err;

	err = maps_drain_run(&s->drain, bpf_map__fd(s->skel->maps.counts), drain_one, &a);
	if (err || !s->threads)
		return err;
	/* After the drain: the samples just read are what tells the rescan
	 * which threads are still covered. */
	cpu_sampler_stats(s, st);
	dropped = st[CPU_STAT_COUNTS_FULL] != s->dropped_seen;
	s->dropped_seen = st[CPU_STAT_COUNTS_FULL];
	err = thread_events_rescan(s->threads, dropped);
	if (err)
		log_debug("rescanning target threads: %s", strerror(-err));
	return 0;
}

size_t cpu_sampler_events_open(const struct cpu_sampler *s, pid_t tgid)
{
	return s->threads ? thread_events_open_count(s->threads, tgid) : 0;
}

void cpu_sampler_event_stats(const struct cpu_sampler *s, struct thread_events_stats *out)
{
	if (s->threads) {
		thread_events_stats(s->threads, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < s->ncpus; i++)
		out->open += s->perf_fds && s->perf_fds[i] >= 0;
	out->opened = out->open;
}

enum cpu_sampler_mode cpu_sampler_mode(const struct cpu_sampler *s)
{
	return s->mode;
}

int cpu_sampler_user_stack(struct cpu_sampler *s, uint64_t hash, uint64_t *ips, size_t max)
{
	return maps_ustack_read(bpf_map__fd(s->skel->maps.ustacks), hash, ips, max);
}

int cpu_sampler_kernel_stack(struct cpu_sampler *s, uint64_t id, uint64_t *ips, size_t max)
{
	if (id > INT32_MAX)
		return -ENOENT;
	return maps_stack_read(bpf_map__fd(s->skel->maps.stacks), (int32_t)id, ips, max);
}

int cpu_sampler_stats(struct cpu_sampler *s, uint64_t out[CPU_STAT__MAX])
{
	unsigned long long sums[CPU_STAT__MAX];
	int err = maps_percpu_sum(bpf_map__fd(s->skel->maps.stats), CPU_STAT__MAX, sums);

	for (int i = 0; i < CPU_STAT__MAX; i++)
		out[i] = err ? 0 : sums[i];
	return err;
}

int cpu_sampler_prog_fd(const struct cpu_sampler *s)
{
	return bpf_program__fd(s->skel->progs.cpu_sample);
}

const void *cpu_sampler_bpf_object(size_t *len)
{
	return cpu_sample_bpf__elf_bytes(len);
}

int cpu_sampler_try_load(void)
{
	struct cpu_sample_bpf *skel = cpu_sample_bpf__open_and_load();
	int err = skel ? 0 : -errno;

	cpu_sample_bpf__destroy(skel);
	return err;
}
