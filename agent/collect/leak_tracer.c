// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/leak_tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/collect/maps.h"
#include "agent/collect/unwind_maps.h"
#include "agent/collect/leak_sampling.h"
#include "leak.skel.h"
#include "symbolize/elf_lookup.h"
#include "symbolize/proc_maps.h"
#include "symbolize/safe_open.h"

#define MAX_LINKS 32

struct leak_tracer {
	struct leak_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	size_t nlinks;
	uint32_t max_tracked;
	struct leak_key *keys; /* batch scratch */
	struct leak_alloc *vals;
	/* The walker's maps at their smallest: the probes stop at a
	 * function's entry, where .eh_frame rows are never used, and no
	 * HotSpot configuration is ever set. */
	struct unwind_maps *unwind;
};

/* Functions probed in the allocator library: entry program, return program. */
struct probe_spec {
	const char *name;
	int entry; /* index into progs() */
	int ret;   /* -1: none */
};

enum { P_MALLOC, P_CALLOC, P_REALLOC, P_MEMALIGN, P_POSIX_MEMALIGN, P_FREE, P_MMAP, P_MUNMAP,
       P_RET, P_POSIX_RET, P__MAX };

static const struct probe_spec alloc_probes[] = {
	{ "malloc", P_MALLOC, P_RET },
	{ "calloc", P_CALLOC, P_RET },
	{ "realloc", P_REALLOC, P_RET },
	{ "free", P_FREE, -1 },
	{ "posix_memalign", P_POSIX_MEMALIGN, P_POSIX_RET },
	{ "aligned_alloc", P_MEMALIGN, P_RET },
	{ "memalign", P_MEMALIGN, P_RET },
	{ "valloc", P_MALLOC, P_RET },
};

static const struct probe_spec libc_probes[] = {
	{ "mmap", P_MMAP, P_RET },
	{ "munmap", P_MUNMAP, -1 },
};

static struct bpf_program *prog_of(struct leak_tracer *t, int idx)
{
	struct bpf_program *p[P__MAX] = {
		[P_MALLOC] = t->skel->progs.on_malloc,
		[P_CALLOC] = t->skel->progs.on_calloc,
		[P_REALLOC] = t->skel->progs.on_realloc,
		[P_MEMALIGN] = t->skel->progs.on_memalign,
		[P_POSIX_MEMALIGN] = t->skel->progs.on_posix_memalign,
		[P_FREE] = t->skel->progs.on_free,
		[P_MMAP] = t->skel->progs.on_mmap,
		[P_MUNMAP] = t->skel->progs.on_munmap,
		[P_RET] = t->skel->progs.on_alloc_ret,
		[P_POSIX_RET] = t->skel->progs.on_posix_memalign_ret,
	};

	return p[idx];
}

void leak_tracer_close(struct leak_tracer *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	leak_bpf__destroy(t->skel);
	unwind_maps_free(t->unwind);
	free(t->keys);
	free(t->vals);
	free(t);
}

/* The countdown of every CPU starts with its own draw, so the first
 * allocations are not all sampled. */
static int seed_maps(struct leak_tracer *t, uint64_t period)
{
	uint64_t *table = calloc(LEAK_EXP_SLOTS, sizeof(*table));
	int ncpu = libbpf_num_possible_cpus(), fd, err = 0;
	int64_t *per_cpu = NULL;
	uint32_t zero = 0;

	if (!table)
		return -ENOMEM;
	if (ncpu < 0) {
		err = ncpu;
		goto cleanup;
	}
	leak_exp_table_fill(table, LEAK_EXP_SLOTS, period ? period : 1);
	if (!period) /* every request: a countdown of 1 byte is always reached */
		for (size_t i = 0; i < LEAK_EXP_SLOTS; i++)
			table[i] = 1;
	fd = bpf_map__fd(t->skel->maps.exp_table);
	for (uint32_t i = 0; i < LEAK_EXP_SLOTS; i++) {
		if (bpf_map_update_elem(fd, &i, &table[i], BPF_ANY)) {
			err = -errno;
			goto cleanup;
		}
	}
	per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int c = 0; c < ncpu; c++)
		per_cpu[c] = (int64_t)table[(unsigned)rand() % LEAK_EXP_SLOTS];
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.countdown), &zero, per_cpu, BPF_ANY))
		err = -errno;
cleanup:
	free(per_cpu);
	free(table);
	return err;
}

int leak_tracer_open(const struct leak_tracer_options *o, struct leak_tracer **out)
{
	struct leak_tracer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->max_tracked = o->max_tracked ? o->max_tracked : LEAK_LIVE_ENTRIES;
	t->keys = calloc(t->max_tracked, sizeof(*t->keys));
	t->vals = calloc(t->max_tracked, sizeof(*t->vals));
	t->skel = leak_bpf__open();
	if (!t->keys || !t->vals || !t->skel) {
		err = t->skel ? -ENOMEM : -errno;
		goto fail;
	}
	err = bpf_map__set_max_entries(t->skel->maps.live, t->max_tracked);
	if (!err)
		err = unwind_maps_new(0, &t->unwind);
	if (!err)
		err = unwind_maps_reuse(t->unwind, t->skel->obj);
	if (!err)
		err = leak_bpf__load(t->skel);
	if (!err)
		err = seed_maps(t, o->period);
	if (err)
		goto fail;
	*out = t;
	return 0;
fail:
	leak_tracer_close(t);
	return err < 0 ? err : -EINVAL;
}

static int attach_one(struct leak_tracer *t, int prog, bool ret, pid_t pid, const char *path,
		      uint64_t off)
{
	struct bpf_link *l;

	if (t->nlinks == MAX_LINKS)
		return -E2BIG;
	l = bpf_program__attach_uprobe(prog_of(t, prog), ret, pid, path, off);
	if (!l)
		return -errno;
	t->links[t->nlinks++] = l;
	return 0;
}

static int open_mapped(pid_t pid, const char *path)
{
	int fd = safe_open_follow(pid, path, SAFE_OPEN_ANY_OWNER);

	/* A target chrooted below tmprof's tree: maps shows our path
	 * (proc_map_host_path). */
	if (fd == -ENOENT)
		fd = safe_open_follow(0, path, SAFE_OPEN_ANY_OWNER);
	return fd;
}

/* Attach the specs found in one library. Aliases (glibc's memalign and
 * aligned_alloc are one function) are probed once. */
static int attach_lib(struct leak_tracer *t, pid_t pid, const char *lib,
		      const struct probe_spec *specs, size_t n, unsigned int *nprobes)
{
	struct elf_lookup q[8] = { { 0 } };
	struct elf_lookup_info info = { 0 };
	char host[PATH_MAX + 32];
	int fd, err;

	fd = open_mapped(pid, lib);
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < n; i++)
		q[i].name = specs[i].name;
	err = elf_lookup_symbols(fd, pid, lib, q, n, &info);
	close(fd);
	if (err < 0)
		return err;
	if (proc_map_host_path(pid, lib, host, sizeof(host)))
		snprintf(host, sizeof(host), "/proc/%d/root%s", (int)pid, lib);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		if (!q[i].found || !q[i].file_offset)
			continue;
		for (size_t j = 0; j < i; j++)
			dup |= q[j].found && q[j].file_offset == q[i].file_offset;
		if (dup)
			continue;
		err = attach_one(t, specs[i].entry, false, pid, host, q[i].file_offset);
		if (!err && specs[i].ret >= 0)
			err = attach_one(t, specs[i].ret, true, pid, host, q[i].file_offset);
		if (err)
			return err;
		(*nprobes)++;
	}
	/* Without both malloc and free there is nothing to balance. */
	if (specs == alloc_probes && (!q[0].found || !q[3].found))
		return -ENOENT;
	return 0;
}

int leak_tracer_attach(struct leak_tracer *t, pid_t pid, struct leak_allocator *alloc,
		       unsigned int *nprobes)
{
	struct leak_config cfg = { 0 };
	struct proc_maps *pm = NULL;
	uint32_t zero = 0, key = (uint32_t)pid;
	uint8_t one = 1;
	int err;

	*nprobes = 0;
	err = proc_maps_read(pid, &pm);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	err = leak_allocator_detect(pm, alloc);
	proc_maps_free(pm);
	if (err)
		return err;
	cfg.nranges = alloc->nranges;
	memcpy(cfg.ranges, alloc->ranges, sizeof(cfg.ranges));
	cfg.realloc_null_is_malloc = alloc->kind == LEAK_ALLOCATOR_GLIBC;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.leak_cfg), &zero, &cfg, BPF_ANY))
		return -errno;
	err = attach_lib(t, pid, alloc->lib, alloc_probes,
			 sizeof(alloc_probes) / sizeof(alloc_probes[0]), nprobes);
	if (!err)
		err = attach_lib(t, pid, alloc->libc, libc_probes,
				 sizeof(libc_probes) / sizeof(libc_probes[0]), nprobes);
	if (err)
		return err;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.targets), &key, &one, BPF_ANY))
		return -errno;
	return 0;
}

int leak_tracer_live(struct leak_tracer *t, leak_live_fn fn, void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.live);
	uint32_t batch = 0;
	bool first = true;
	int err = 0;

	/* Batches walk the hash bucket by bucket, so entries freed meanwhile
	 * cannot restart the walk the way get_next_key would. */
	for (;;) {
		__u32 count = t->max_tracked;
		int rc;

		rc = maps_lookup_batch(fd, first ? NULL : &batch, &batch, t->keys, t->vals, &count);
		err = rc < 0 ? rc : 0;
		first = false;
		for (__u32 i = 0; i < count; i++) {
			int e = fn(ctx, &t->keys[i], &t->vals[i]);

			if (e)
				return e;
		}
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
	}
}

int leak_tracer_user_stack(struct leak_tracer *t, uint64_t hash, uint64_t *ips, size_t max)
{
	return maps_ustack_read(bpf_map__fd(t->skel->maps.ustacks), hash, ips, max);
}

int leak_tracer_stats(struct leak_tracer *t, uint64_t out[LEAK_STAT__MAX])
{
	unsigned long long sums[LEAK_STAT__MAX];
	int err = maps_percpu_sum(bpf_map__fd(t->skel->maps.stats), LEAK_STAT__MAX, sums);

	for (int i = 0; i < LEAK_STAT__MAX; i++)
		out[i] = err ? 0 : sums[i];
	return err;
}

const void *leak_tracer_bpf_object(size_t *len)
{
	return leak_bpf__elf_bytes(len);
}

int leak_tracer_try_load(void)
{
	struct leak_bpf *skel = leak_bpf__open_and_load();
	int err = skel ? 0 : -errno;

	leak_bpf__destroy(skel);
	return err;
}
