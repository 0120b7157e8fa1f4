// SPDX-License-Identifier: GPL-2.0
/* -e cpu: perf_event cpu-clock samples (cpu_sampler.c) as a collector. */
#include "agent/collect/cpu_collector.h"

#include <errno.h>
#include <string.h>

#include "agent/collect/cpu_sampler.h"
#include "agent/collect/kernel_features.h"
#include "agent/core/log.h"
#include "agent/core/session.h"
#include "agent/core/target.h"

void cpu_collector_row(const struct cpu_sample_key *key, uint64_t count, struct collector_row *row)
{
	*row = (struct collector_row){
		.key = key, .a = count, .tgid = key->tgid, .tid = key->tid, .user_stack = key->user_stack,
	};
}

static int cpu_open(const struct session_options *o, const struct unwind_maps *unwind, void **out)
{
	return cpu_sampler_open(o->freq_hz, o->sampler, unwind, (struct cpu_sampler **)out);
}

static void cpu_close(void *c)
{
	cpu_sampler_close(c);
}

/* A target that exited meanwhile is noticed by the next poll; one whose
 * threads got no event (out of fds) was reported: neither stops the others. */
static int cpu_add_target(void *c, struct target *t)
{
	int err = cpu_sampler_add_target(c, t->pid);

	if (err == -ESRCH || err == -EMFILE || err == -ENFILE) {
		log_warn("PID %d: no CPU samples (%s)", t->pid, strerror(-err));
		return 0;
	}
	return err;
}

static int cpu_remove_target(void *c, pid_t pid)
{
	return cpu_sampler_remove_target(c, pid);
}

struct cpu_drain {
	collector_row_fn fn;
	void *ctx;
};

static int cpu_on_sample(void *ctx, const struct cpu_sample_key *key, uint64_t count)
{
	struct cpu_drain *d = ctx;
	struct collector_row row;

	cpu_collector_row(key, count, &row);
	return d->fn(d->ctx, &row);
}

static int cpu_drain(void *c, collector_row_fn fn, void *ctx)
{
	struct cpu_drain d = { fn, ctx };

	return cpu_sampler_drain(c, cpu_on_sample, &d);
}

static int cpu_user_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	return cpu_sampler_user_stack(c, id, ips, max);
}

static int cpu_kern_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	return cpu_sampler_kernel_stack(c, id, ips, max);
}

void cpu_collector_stats_of(const uint64_t bpf[CPU_STAT__MAX], struct collector_stats *out)
{
	*out = (struct collector_stats){
		.events = bpf[CPU_STAT_SAMPLES],
		.user_lost = bpf[CPU_STAT_USER_COLLISION] + bpf[CPU_STAT_USER_ERROR],
		.kern_lost = bpf[CPU_STAT_KERN_COLLISION] + bpf[CPU_STAT_KERN_ERROR],
		.dropped = bpf[CPU_STAT_COUNTS_FULL],
	};
}

static void cpu_sample_of(const void *key, uint64_t a, uint64_t b, struct collector_sample *out)
{
	const struct cpu_sample_key *k = key;

	(void)b;
	*out = (struct collector_sample){
		.tgid = k->tgid, .tid = k->tid, .comm = k->comm, .user_stack = k->user_stack,
		.kern_stack = k->kern_stack_id, .values = { a },
	};
}

static void cpu_stats(void *c, struct collector_stats *out)
{
	uint64_t bpf[CPU_STAT__MAX] = { 0 };

	cpu_sampler_stats(c, bpf);
	cpu_collector_stats_of(bpf, out);
}

const struct collector_ops cpu_collector_ops = {
	.name = "cpu",
	.start = COLLECTOR_START_LATE,
	.key_size = sizeof(struct cpu_sample_key),
	.uses_unwinder = true,
	.open = cpu_open,
	.close = cpu_close,
	.add_target = cpu_add_target,
	.remove_target = cpu_remove_target,
	.drain = cpu_drain,
	.user_stack = cpu_user_stack,
	.kern_stack = cpu_kern_stack,
	.stats = cpu_stats,
	.role = COLLECTOR_ROLE_CPU,
	.sample_of = cpu_sample_of,
	.try_load = cpu_sampler_try_load,
	.kernel_needs = 1u << KF_CPU,
};
