// SPDX-License-Identifier: GPL-2.0
/* -e offcpu: scheduler spans (offcpu_tracer.c) as a collector; with -e cpu
 * it is the wall-clock view. */
#include "agent/collect/offcpu_collector.h"

#include "agent/collect/kernel_features.h"
#include "agent/collect/offcpu_tracer.h"
#include "agent/core/session.h"
#include "agent/core/target.h"

void offcpu_collector_row(const struct sched_span_key *key, const struct sched_span_value *v,
			  struct collector_row *row)
{
	*row = (struct collector_row){
		.key = key, .a = v->ns, .b = v->count,
		.tgid = key->tgid, .tid = key->tid, .user_stack = key->user_stack,
	};
}

static int offcpu_open(const struct session_options *o, const struct unwind_maps *unwind,
		       void **out)
{
	int err = offcpu_tracer_open(unwind, (struct offcpu_tracer **)out);

	if (!err && o->no_culprits)
		offcpu_tracer_set_culprits(*out, false);
	return err;
}

static void offcpu_close(void *c)
{
	offcpu_tracer_close(c);
}

static int offcpu_add_target(void *c, struct target *t)
{
	return offcpu_tracer_add_target(c, t->pid);
}

static int offcpu_remove_target(void *c, pid_t pid)
{
	return offcpu_tracer_remove_target(c, pid);
}

/* From here the kernel clips spans at ns: what it closed before belongs to
 * the interval that ends there. */
static void offcpu_interval_start(void *c, uint64_t ns)
{
	offcpu_tracer_set_start(c, ns);
}

/* The recording ends at ns: spans closed later count only up to it. */
static void offcpu_interval_stop(void *c, uint64_t ns)
{
	offcpu_tracer_set_stop(c, ns);
}

struct offcpu_drain {
	collector_row_fn fn;
	void *ctx;
};

static int offcpu_on_span(void *ctx, const struct sched_span_key *key,
			  const struct sched_span_value *v)
{
	struct offcpu_drain *d = ctx;
	struct collector_row row;

	offcpu_collector_row(key, v, &row);
	return d->fn(d->ctx, &row);
}

static int offcpu_drain(void *c, collector_row_fn fn, void *ctx)
{
	struct offcpu_drain d = { fn, ctx };

	return offcpu_tracer_drain(c, offcpu_on_span, &d);
}

/* A thread blocked for minutes counts in every interval, not in one lump
 * when it wakes. */
static int offcpu_cut(void *c, uint64_t from_ns, uint64_t end_ns, collector_row_fn fn, void *ctx)
{
	struct offcpu_drain d = { fn, ctx };

	return offcpu_tracer_close_spans(c, from_ns, end_ns, offcpu_on_span, &d);
}

static int offcpu_user_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	return offcpu_tracer_user_stack(c, id, ips, max);
}

static int offcpu_kern_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	return offcpu_tracer_kernel_stack(c, id, ips, max);
}

void offcpu_collector_stats_of(const uint64_t bpf[OFFCPU_STAT__MAX], struct collector_stats *out)
{
	*out = (struct collector_stats){
		.events = bpf[OFFCPU_STAT_SWITCHES],
		.user_lost = bpf[OFFCPU_STAT_USER_COLLISION] + bpf[OFFCPU_STAT_USER_ERROR],
		.kern_lost = bpf[OFFCPU_STAT_KERN_COLLISION] + bpf[OFFCPU_STAT_KERN_ERROR],
		.dropped = bpf[OFFCPU_STAT_TOTALS_FULL] + bpf[OFFCPU_STAT_THREADS_FULL],
	};
}

static void offcpu_sample_of(const void *key, uint64_t a, uint64_t b, struct collector_sample *out)
{
	const struct sched_span_key *k = key;

	*out = (struct collector_sample){
		.tgid = k->tgid, .tid = k->tid, .comm = k->comm, .user_stack = k->user_stack,
		.kern_stack = k->kern_stack_id, .values = { a, b }, .span = (int)k->span,
		.culprit_tgid = k->culprit_tgid,
	};
}

static void offcpu_stats(void *c, struct collector_stats *out)
{
	uint64_t bpf[OFFCPU_STAT__MAX] = { 0 };

	offcpu_tracer_stats(c, bpf);
	offcpu_collector_stats_of(bpf, out);
}

const struct collector_ops offcpu_collector_ops = {
	.name = "offcpu",
	.key_size = sizeof(struct sched_span_key),
	.uses_unwinder = true,
	.open = offcpu_open,
	.close = offcpu_close,
	.add_target = offcpu_add_target,
	.remove_target = offcpu_remove_target,
	.interval_start = offcpu_interval_start,
	.interval_stop = offcpu_interval_stop,
	.drain = offcpu_drain,
	.cut = offcpu_cut,
	.user_stack = offcpu_user_stack,
	.kern_stack = offcpu_kern_stack,
	.stats = offcpu_stats,
	.role = COLLECTOR_ROLE_SPANS,
	.sample_of = offcpu_sample_of,
	.try_load = offcpu_tracer_try_load,
	.kernel_needs = 1u << KF_OFFCPU,
};
