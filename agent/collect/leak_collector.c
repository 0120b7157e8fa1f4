// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/leak_collector.h"

#include <errno.h>
#include <stdlib.h>

#include "agent/collect/kernel_features.h"
#include "agent/collect/leak_tracer.h"
#include "agent/core/session.h"
#include "agent/core/target.h"

struct leak_collector {
	struct leak_tracer *tracer;
	struct leak_allocator alloc;
	unsigned int nprobes;
};

/* The leak tracer has its own unwinder maps: it runs alone. */
static int leak_open(const struct session_options *o, const struct unwind_maps *unwind, void **out)
{
	struct leak_tracer_options to = { o->leak.period, o->leak.max_tracked };
	struct leak_collector *lc = calloc(1, sizeof(*lc));
	int err;

	(void)unwind;
	if (!lc)
		return -ENOMEM;
	err = leak_tracer_open(&to, &lc->tracer);
	if (err) {
		free(lc);
		return err;
	}
	*out = lc;
	return 0;
}

static void leak_close(void *c)
{
	struct leak_collector *lc = c;

	if (!lc)
		return;
	leak_tracer_close(lc->tracer);
	free(lc);
}

/* Probes the allocator the target really uses (leak_allocator.h). */
static int leak_add_target(void *c, struct target *t)
{
	struct leak_collector *lc = c;

	return leak_tracer_attach(lc->tracer, t->pid, &lc->alloc, &lc->nprobes);
}

/* Uprobes stay until close: `tmprof leak` follows one process for its
 * whole run. */
static int leak_remove_target(void *c, pid_t pid)
{
	(void)c, (void)pid;
	return 0;
}

struct leak_drain {
	collector_row_fn fn;
	void *ctx;
};

static int leak_on_live(void *ctx, const struct leak_key *key, const struct leak_alloc *a)
{
	struct leak_drain *d = ctx;
	struct collector_row row = {
		.key = key, .a = a->size, .b = a->ts_ns,
		.tgid = key->tgid, .tid = a->tid, .user_stack = a->user_stack,
	};

	return d->fn(d->ctx, &row);
}

static int leak_drain(void *c, collector_row_fn fn, void *ctx)
{
	struct leak_collector *lc = c;
	struct leak_drain d = { fn, ctx };

	return leak_tracer_live(lc->tracer, leak_on_live, &d);
}

static int leak_user_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	return leak_tracer_user_stack(((struct leak_collector *)c)->tracer, id, ips, max);
}

static void leak_stats(void *c, struct collector_stats *out)
{
	uint64_t bpf[LEAK_STAT__MAX] = { 0 };

	leak_tracer_stats(((struct leak_collector *)c)->tracer, bpf);
	*out = (struct collector_stats){
		.events = bpf[LEAK_STAT_SAMPLED],
		.user_lost = bpf[LEAK_STAT_USER_COLLISION] + bpf[LEAK_STAT_USER_ERROR],
		.dropped = bpf[LEAK_STAT_OVERFLOW],
	};
}

static void leak_sample_of(const void *key, uint64_t a, uint64_t b, struct collector_sample *out)
{
	const struct leak_key *k = key;

	(void)b;
	*out = (struct collector_sample){ .tgid = k->tgid, .comm = "", .kern_stack = -1,
					  .values = { a, 1 } };
}

const struct leak_allocator *leak_collector_allocator(void *c, unsigned int *nprobes)
{
	struct leak_collector *lc = c;

	*nprobes = lc->nprobes;
	return &lc->alloc;
}

const struct collector_ops leak_collector_ops = {
	.name = "leak",
	.key_size = sizeof(struct leak_key),
	.start = COLLECTOR_START_EARLY,
	.open = leak_open,
	.close = leak_close,
	.add_target = leak_add_target,
	.remove_target = leak_remove_target,
	.drain = leak_drain,
	.user_stack = leak_user_stack,
	.stats = leak_stats,
	.sample_of = leak_sample_of,
	.value_types = { { "inuse_space", "bytes" }, { "inuse_objects", "count" } },
	.nvalues = 2,
	.try_load = leak_tracer_try_load,
	.kernel_needs = 1u << KF_LEAK,
};
