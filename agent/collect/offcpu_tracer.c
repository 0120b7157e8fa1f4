// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/offcpu_tracer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/collect/maps.h"
#include "agent/collect/unwind_maps.h"
#include "offcpu.skel.h"

struct offcpu_tracer {
	struct offcpu_bpf *skel;
	struct maps_drain drain;
};

void offcpu_tracer_close(struct offcpu_tracer *t)
{
	if (!t)
		return;
	offcpu_bpf__destroy(t->skel);
	maps_drain_free(&t->drain);
	free(t);
}

/* Culprit tracking is on unless TMPROF_CULPRITS=off: the switch the
 * benchmark (tests/bench_wall.sh) measures its cost with. */
static bool culprits_wanted(void)
{
	const char *v = getenv("TMPROF_CULPRITS");

	return !v || strcmp(v, "off");
}

void offcpu_tracer_set_culprits(struct offcpu_tracer *t, bool on)
{
	t->skel->bss->culprits_on = on;
}

int offcpu_tracer_open(const struct unwind_maps *unwind, struct offcpu_tracer **out)
{
	struct offcpu_tracer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	err = maps_drain_init(&t->drain, sizeof(struct sched_span_key),
			     sizeof(struct sched_span_value));
	if (err)
		goto fail;
	t->skel = offcpu_bpf__open();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	err = unwind_maps_reuse(unwind, t->skel->obj);
	if (!err)
		err = offcpu_bpf__load(t->skel);
	if (!err)
		err = offcpu_bpf__attach(t->skel);
	if (err)
		goto fail;
	offcpu_tracer_set_culprits(t, culprits_wanted());
	*out = t;
	return 0;
fail:
	offcpu_tracer_close(t);
	return err < 0 ? err : -EINVAL;
}

void offcpu_tracer_set_start(struct offcpu_tracer *t, uint64_t start_ns)
{
	t->skel->bss->start_ns = start_ns;
}

void offcpu_tracer_set_stop(struct offcpu_tracer *t, uint64_t stop_ns)
{
	t->skel->bss->stop_ns = stop_ns;
}

int offcpu_tracer_add_target(struct offcpu_tracer *t, pid_t tgid)
{
	__u32 key = (__u32)tgid;
	__u8 one = 1;

	return bpf_map__update_elem(t->skel->maps.targets, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY) ? -errno : 0;
}

int offcpu_tracer_remove_target(struct offcpu_tracer *t, pid_t tgid)
{
	__u32 key = (__u32)tgid;

	if (bpf_map__delete_elem(t->skel->maps.targets, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

struct drain_adapter {
	sched_span_fn fn;
	void *ctx;
};

static int drain_one(void *ctx, const void *key, const void *value)
{
	struct drain_adapter *a = ctx;

	return a->fn(a->ctx, key, value);
}

int offcpu_tracer_drain(struct offcpu_tracer *t, sched_span_fn fn, void *ctx)
{
	struct drain_adapter a = { fn, ctx };

	return maps_drain_run(&t->drain, bpf_map__fd(t->skel->maps.totals), drain_one, &a);
}

static int read_comm(pid_t tgid, pid_t tid, char *comm)
{
	char path[64], buf[TMPROF_COMM_LEN + 2] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	memcpy(comm, buf, TMPROF_COMM_LEN);
	return 0;
}

int offcpu_tracer_close_spans(struct offcpu_tracer *t, uint64_t from_ns, uint64_t end_ns,
			      sched_span_fn fn, void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.threads);
	__u32 tid, *prev = NULL;
	int err = 0;

	while (!err && !maps_next_key(fd, prev, &tid)) {
		struct thread_sched st;
		struct sched_span_key key = { 0 };
		struct sched_span_value v = { 0, 1 };
		uint64_t from;

		prev = &tid;
		if (maps_lookup(fd, &tid, &st))
			continue;
		key.tgid = st.tgid;
		key.tid = tid;
		key.user_stack = st.user_stack;
		key.kern_stack_id = st.kern_stack_id;
		if (st.ts_in) {
			key.span = SPAN_ONCPU;
			key.user_stack = 0;
			key.kern_stack_id = -1;
			from = st.ts_in;
		} else if (st.ts_ready) {
			key.span = SPAN_RUNQUEUE;
			from = st.ts_ready;
		} else if (st.blocked) {
			key.span = SPAN_BLOCKED;
			from = st.ts_out;
		} else {
			continue;
		}
		if (from < from_ns)
			from = from_ns;
		if (end_ns <= from)
			continue;
		v.ns = end_ns - from;
		read_comm((pid_t)st.tgid, (pid_t)tid, key.comm);
		err = fn(ctx, &key, &v);
	}
	return err;
}

int offcpu_tracer_kernel_stack(struct offcpu_tracer *t, uint64_t id, uint64_t *ips, size_t max)
{
	if (id > INT32_MAX)
		return -ENOENT;
	return maps_stack_read(bpf_map__fd(t->skel->maps.stacks), (int32_t)id, ips, max);
}

int offcpu_tracer_user_stack(struct offcpu_tracer *t, uint64_t hash, uint64_t *ips, size_t max)
{
	return maps_ustack_read(bpf_map__fd(t->skel->maps.ustacks), hash, ips, max);
}

int offcpu_tracer_stats(struct offcpu_tracer *t, uint64_t out[OFFCPU_STAT__MAX])
{
	unsigned long long sums[OFFCPU_STAT__MAX];
	int err = maps_percpu_sum(bpf_map__fd(t->skel->maps.stats), OFFCPU_STAT__MAX, sums);

	for (int i = 0; i < OFFCPU_STAT__MAX; i++)
		out[i] = err ? 0 : sums[i];
	return err;
}

const void *offcpu_tracer_bpf_object(size_t *len)
{
	return offcpu_bpf__elf_bytes(len);
}

int offcpu_tracer_try_load(void)
{
	struct offcpu_bpf *skel = offcpu_bpf__open_and_load();
	int err = skel ? 0 : -errno;

	offcpu_bpf__destroy(skel);
	return err;
}
