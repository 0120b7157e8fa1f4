// SPDX-License-Identifier: GPL-2.0
/* -e alloc: Java allocations from uprobes on libjvm (alloc_tracer.c) as a
 * collector, with the class-name reader each JVM target needs. */
#include "agent/collect/alloc_collector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/collect/alloc_tracer.h"
#include "agent/collect/kernel_features.h"
#include "agent/core/log.h"
#include "agent/core/session.h"
#include "agent/core/target.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/jvm/klass_names.h"

void alloc_collector_row(const struct alloc_key *key, const struct alloc_value *v,
			 struct collector_row *row)
{
	*row = (struct collector_row){
		.key = key, .a = v->bytes, .b = v->count,
		.tgid = key->tgid, .tid = key->tid, .user_stack = key->user_stack,
	};
}

static int alloc_open(const struct session_options *o, const struct unwind_maps *unwind,
		      void **out)
{
	(void)o;
	return alloc_tracer_open(unwind, (struct alloc_tracer **)out);
}

static void alloc_close(void *c)
{
	alloc_tracer_close(c);
}

/* A JVM's allocation hooks and class-name reader. Errors are reported
 * here, with the fix. */
static int alloc_add_target(void *c, struct target *t)
{
	int err;

	if (!t->is_jvm) {
		log_warn("PID %d is not a JVM: no Java allocations to record", t->pid);
		return 0;
	}
	if (!t->klasses) {
		t->klasses = calloc(1, sizeof(*t->klasses));
		if (!t->klasses)
			return -ENOMEM;
	}
	err = target_runtime_open(t);
	if (err) {
		log_error("PID %d: cannot find libjvm.so in the process (%s)", t->pid, strerror(-err));
		return -ENOEXEC;
	}
	if (!t->runtime->alloc_in_new_tlab || !t->runtime->alloc_outside_tlab) {
		log_error("PID %d: %s has no symbol table, so its allocation hooks "
			  "(AllocTracer::send_allocation_*) cannot be found; install the JDK's debug "
			  "symbols (e.g. openjdk-17-dbg) or use a JDK build that keeps .symtab",
			  t->pid, t->runtime->libjvm);
		return -ENOEXEC;
	}
	if (!t->runtime->vmstructs_ok ||
	    klass_names_init(t->klasses, &t->runtime->mem, &t->runtime->vs)) {
		log_warn("PID %d: cannot read the JVM's vmStructs; allocated classes stay unnamed",
			 t->pid);
		free(t->klasses);
		t->klasses = NULL;
	}
	err = alloc_tracer_add_target(c, t->runtime);
	if (err)
		log_error("PID %d: cannot attach uprobes to %s: %s", t->pid, t->runtime->libjvm_host,
			  strerror(-err));
	return err ? -ENOEXEC : 0;
}

static int alloc_remove_target(void *c, pid_t pid)
{
	return alloc_tracer_remove_target(c, pid);
}

/* The uprobes were on the old program's libjvm. */
static void alloc_target_exec(void *c, pid_t pid)
{
	alloc_tracer_remove_target(c, pid);
}

struct alloc_drain {
	collector_row_fn fn;
	void *ctx;
};

static int alloc_on_row(void *ctx, const struct alloc_key *key, const struct alloc_value *v)
{
	struct alloc_drain *d = ctx;
	struct collector_row row;

	alloc_collector_row(key, v, &row);
	return d->fn(d->ctx, &row);
}

static int alloc_drain(void *c, collector_row_fn fn, void *ctx)
{
	struct alloc_drain d = { fn, ctx };

	return alloc_tracer_drain(c, alloc_on_row, &d);
}

/* Read the class name while the class (and process) lives. */
static void alloc_note_row(void *c, struct target *t, const struct collector_row *row)
{
	const struct alloc_key *key = row->key;

	(void)c;
	if (t->klasses && !t->exited)
		klass_names_get(t->klasses, key->klass);
}

static int alloc_user_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	return alloc_tracer_user_stack(c, id, ips, max);
}

void alloc_collector_stats_of(const uint64_t bpf[ALLOC_STAT__MAX], struct collector_stats *out)
{
	*out = (struct collector_stats){
		.events = bpf[ALLOC_STAT_EVENTS],
		.user_lost = bpf[ALLOC_STAT_USER_COLLISION] + bpf[ALLOC_STAT_USER_ERROR],
		.dropped = bpf[ALLOC_STAT_TOTALS_FULL],
	};
}

static void alloc_sample_of(const void *key, uint64_t a, uint64_t b, struct collector_sample *out)
{
	const struct alloc_key *k = key;

	*out = (struct collector_sample){
		.tgid = k->tgid, .tid = k->tid, .comm = k->comm, .user_stack = k->user_stack,
		.kern_stack = -1, .values = { a, b }, .klass = k->klass,
	};
}

static void alloc_stats(void *c, struct collector_stats *out)
{
	uint64_t bpf[ALLOC_STAT__MAX] = { 0 };

	alloc_tracer_stats(c, bpf);
	alloc_collector_stats_of(bpf, out);
}

const struct collector_ops alloc_collector_ops = {
	.name = "alloc",
	.start = COLLECTOR_START_EARLY,
	.key_size = sizeof(struct alloc_key),
	.uses_unwinder = true,
	.needs_runtime = true,
	.open = alloc_open,
	.close = alloc_close,
	.add_target = alloc_add_target,
	.remove_target = alloc_remove_target,
	.target_exec = alloc_target_exec,
	.drain = alloc_drain,
	.note_row = alloc_note_row,
	.user_stack = alloc_user_stack,
	.stats = alloc_stats,
	.role = COLLECTOR_ROLE_ALLOCS,
	.sample_of = alloc_sample_of,
	.try_load = alloc_tracer_try_load,
	.kernel_needs = 1u << KF_ALLOC,
};
