// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/alloc_tracer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/collect/maps.h"
#include "agent/collect/unwind_maps.h"
#include "agent/jvm/jvm_runtime.h"
#include "alloc.skel.h"

struct alloc_probe {
	pid_t pid;
	struct bpf_link *in_new_tlab, *outside_tlab;
};

struct alloc_tracer {
	struct alloc_bpf *skel;
	struct maps_drain drain;
	struct alloc_probe *probes;
	size_t nprobes;
};

static void probe_detach(struct alloc_probe *p)
{
	bpf_link__destroy(p->in_new_tlab);
	bpf_link__destroy(p->outside_tlab);
	p->in_new_tlab = p->outside_tlab = NULL;
}

void alloc_tracer_close(struct alloc_tracer *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nprobes; i++)
		probe_detach(&t->probes[i]);
	free(t->probes);
	alloc_bpf__destroy(t->skel);
	maps_drain_free(&t->drain);
	free(t);
}

int alloc_tracer_open(const struct unwind_maps *unwind, struct alloc_tracer **out)
{
	struct alloc_tracer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	err = maps_drain_init(&t->drain, sizeof(struct alloc_key), sizeof(struct alloc_value));
	if (err)
		goto fail;
	t->skel = alloc_bpf__open();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	err = unwind_maps_reuse(unwind, t->skel->obj);
	if (!err)
		err = alloc_bpf__load(t->skel);
	if (err)
		goto fail;
	*out = t;
	return 0;
fail:
	alloc_tracer_close(t);
	return err;
}

int alloc_tracer_add_target(struct alloc_tracer *t, const struct jvm_runtime *rt)
{
	struct alloc_probe p = { .pid = rt->pid };
	__u32 key = (__u32)rt->pid;
	__u8 one = 1;
	void *grown;
	int err;

	if (!rt->alloc_in_new_tlab || !rt->alloc_outside_tlab)
		return -ENOENT;
	/* Per-process uprobes: other JVMs sharing this libjvm.so pay nothing. */
	p.in_new_tlab = bpf_program__attach_uprobe(t->skel->progs.on_alloc_in_new_tlab, false,
						   rt->pid, rt->libjvm_host, rt->alloc_in_new_tlab);
	if (!p.in_new_tlab) {
		err = -errno;
		goto fail;
	}
	p.outside_tlab = bpf_program__attach_uprobe(t->skel->progs.on_alloc_outside_tlab, false,
						    rt->pid, rt->libjvm_host,
						    rt->alloc_outside_tlab);
	if (!p.outside_tlab) {
		err = -errno;
		goto fail;
	}
	grown = realloc(t->probes, (t->nprobes + 1) * sizeof(*t->probes));
	if (!grown) {
		err = -ENOMEM;
		goto fail;
	}
	t->probes = grown;
	t->probes[t->nprobes++] = p;
	if (bpf_map__update_elem(t->skel->maps.targets, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
fail:
	probe_detach(&p);
	return err;
}

int alloc_tracer_remove_target(struct alloc_tracer *t, pid_t tgid)
{
	__u32 key = (__u32)tgid;

	for (size_t i = 0; i < t->nprobes; i++)
		if (t->probes[i].pid == tgid)
			probe_detach(&t->probes[i]);
	if (bpf_map__delete_elem(t->skel->maps.targets, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

struct drain_adapter {
	alloc_fn fn;
	void *ctx;
};

static int drain_one(void *ctx, const void *key, const void *value)
{
	struct drain_adapter *a = ctx;

	return a->fn(a->ctx, key, value);
}

int alloc_tracer_drain(struct alloc_tracer *t, alloc_fn fn, void *ctx)
{
	struct drain_adapter a = { fn, ctx };

	return maps_drain_run(&t->drain, bpf_map__fd(t->skel->maps.totals), drain_one, &a);
}

int alloc_tracer_user_stack(struct alloc_tracer *t, uint64_t hash, uint64_t *ips, size_t max)
{
	return maps_ustack_read(bpf_map__fd(t->skel->maps.ustacks), hash, ips, max);
}

int alloc_tracer_stats(struct alloc_tracer *t, uint64_t out[ALLOC_STAT__MAX])
{
	unsigned long long sums[ALLOC_STAT__MAX];
	int err = maps_percpu_sum(bpf_map__fd(t->skel->maps.stats), ALLOC_STAT__MAX, sums);

	for (int i = 0; i < ALLOC_STAT__MAX; i++)
		out[i] = err ? 0 : sums[i];
	return err;
}

const void *alloc_tracer_bpf_object(size_t *len)
{
	return alloc_bpf__elf_bytes(len);
}

int alloc_tracer_try_load(void)
{
	struct alloc_bpf *skel = alloc_bpf__open_and_load();
	int err = skel ? 0 : -errno;

	alloc_bpf__destroy(skel);
	return err;
}

int alloc_tracer_try_uprobe(pid_t pid, const char *binary, const char *func, bool *loaded)
{
	/* LIBBPF_OPTS spelled out: cppcheck cannot parse the macro with a
	 * designated field. */
	struct bpf_uprobe_opts opts = { .sz = sizeof(opts), .func_name = func };
	struct alloc_bpf *skel = alloc_bpf__open_and_load();
	struct bpf_link *link;
	int err;

	*loaded = skel != NULL;
	if (!skel)
		return -errno;
	link = bpf_program__attach_uprobe_opts(skel->progs.on_alloc_in_new_tlab, pid, binary, 0,
					       &opts);
	err = link ? 0 : -errno;
	bpf_link__destroy(link);
	alloc_bpf__destroy(skel);
	return err;
}
