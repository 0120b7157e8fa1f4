#include "agent/collect/cpu_sampler.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/collect/bpf_maps.h"
#include "agent/collect/cfi_maps.h"
#include "agent/core/log.h"
#include "agent/collect/thread_events.h"
#include "cpu_sample.skel.h"

struct cpu_sampler {
	struct cpu_sample_bpf *skel;
	struct bpf_link **links;
	int *perf_fds;
	int ncpus;
	struct bpf_drain drain;
	struct cfi_maps *cfi;
	enum cpu_sampler_mode mode;
	struct thread_events *threads; /* per thread */
	uint64_t dropped_seen;         /* CPU_STAT_COUNTS_FULL at the last drain */
};

static int perf_event_open_cpu_clock(unsigned int freq_hz, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = freq_hz,
	};
	int fd;

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
	for (int i = 0; i < s->ncpus; i++) {
		bpf_link__destroy(s->links ? s->links[i] : NULL);
		if (s->perf_fds && s->perf_fds[i] >= 0)
			close(s->perf_fds[i]);
	}
	free(s->links);
	free(s->perf_fds);
	thread_events_free(s->threads);
	bpf_drain_free(&s->drain);
	cfi_maps_free(s->cfi);
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

int cpu_sampler_open(unsigned int freq_hz, enum cpu_sampler_mode mode, struct cpu_sampler **out)
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
	if (bpf_drain_init(&s->drain, sizeof(struct cpu_sample_key), sizeof(uint64_t))) {
		free(s);
		return -ENOMEM;
	}
	s->skel = cpu_sample_bpf__open_and_load();
	if (!s->skel) {
		err = -errno;
		goto fail;
	}
	err = cfi_maps_new(s->skel->maps.cfi_rows, s->skel->maps.cfi_procs, &s->cfi);
	if (err)
		goto fail;
	if (mode == CPU_SAMPLER_PER_THREAD) {
		/* Events are opened per target (cpu_sampler_add_target). */
		err = thread_events_new(bpf_program__fd(s->skel->progs.cpu_sample),
					1000000000ULL / freq_hz, thread_events_mode_from_env(),
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
		s->perf_fds[cpu] = perf_event_open_cpu_clock(freq_hz, cpu);
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
	if (!s->threads)
		return 0;
	err = thread_events_add(s->threads, tgid);
	if (err)
		bpf_map__delete_elem(s->skel->maps.targets, &key, sizeof(key), 0);
	return err;
}

int cpu_sampler_set_hotspot(struct cpu_sampler *s, pid_t tgid, const struct hotspot_cfg *cfg)
{
	return bpf_hotspot_cfg_set(s->skel->maps.hotspot_cfgs, tgid, cfg);
}

int cpu_sampler_remove_target(struct cpu_sampler *s, pid_t tgid)
{
	__u32 key = (__u32)tgid;

	if (s->threads)
		thread_events_remove(s->threads, tgid);
	if (bpf_map__delete_elem(s->skel->maps.targets, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	cpu_sampler_set_cfi(s, tgid, false);
	return cpu_sampler_set_hotspot(s, tgid, NULL);
}

int cpu_sampler_set_cfi(struct cpu_sampler *s, pid_t tgid, bool on)
{
	if (!on) {
		cfi_maps_remove(s->cfi, tgid);
		return 0;
	}
	return cfi_maps_add(s->cfi, tgid);
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

	err = bpf_drain_run(&s->drain, bpf_map__fd(s->skel->maps.counts), drain_one, &a);
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
	return bpf_ustack_map_read(bpf_map__fd(s->skel->maps.ustacks), hash, ips, max);
}

int cpu_sampler_kernel_stack(struct cpu_sampler *s, uint64_t id, uint64_t *ips, size_t max)
{
	if (id > INT32_MAX)
		return -ENOENT;
	return bpf_stack_map_read(bpf_map__fd(s->skel->maps.stacks), (int32_t)id, ips, max);
}

int cpu_sampler_stats(struct cpu_sampler *s, uint64_t out[CPU_STAT__MAX])
{
	unsigned long long sums[CPU_STAT__MAX];
	int err = bpf_percpu_counters_sum(bpf_map__fd(s->skel->maps.stats), CPU_STAT__MAX, sums);

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
