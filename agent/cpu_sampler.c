#include "agent/cpu_sampler.h"

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

#include "agent/bpf_maps.h"
#include "agent/cfi_maps.h"
#include "cpu_sample.skel.h"

struct cpu_sampler {
	struct cpu_sample_bpf *skel;
	struct bpf_link **links;
	int *perf_fds;
	int ncpus;
	struct bpf_drain drain;
	struct cfi_maps *cfi;
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
	bpf_drain_free(&s->drain);
	cfi_maps_free(s->cfi);
	cpu_sample_bpf__destroy(s->skel);
	free(s);
}

int cpu_sampler_open(unsigned int freq_hz, struct cpu_sampler **out)
{
	struct cpu_sampler *s;
	bool *online = NULL;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
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

	return bpf_map__update_elem(s->skel->maps.targets, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY) ? -errno : 0;
}

int cpu_sampler_set_hotspot(struct cpu_sampler *s, pid_t tgid, const struct hotspot_cfg *cfg)
{
	return bpf_hotspot_cfg_set(s->skel->maps.hotspot_cfgs, tgid, cfg);
}

int cpu_sampler_remove_target(struct cpu_sampler *s, pid_t tgid)
{
	__u32 key = (__u32)tgid;

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
};

static int drain_one(void *ctx, const void *key, const void *value)
{
	struct drain_adapter *a = ctx;

	return a->fn(a->ctx, key, *(const uint64_t *)value);
}

int cpu_sampler_drain(struct cpu_sampler *s, cpu_sample_fn fn, void *ctx)
{
	struct drain_adapter a = { fn, ctx };

	return bpf_drain_run(&s->drain, bpf_map__fd(s->skel->maps.counts), drain_one, &a);
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
