// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/unwind_maps.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/collect/maps.h"
#include "agent/collect/cfi_maps.h"
#include "bpf/hotspot.h"

enum unwind_map {
	MAP_CFI_ROWS = 0,
	MAP_CFI_PROCS,
	MAP_HOTSPOT_CFGS,
	MAP_HS_BLOBS,
	MAP_STATS,
	MAP__MAX,
};

/* The maps as bpf/ustack.bpf.h and its unwinders declare them. */
struct map_def {
	const char *name;
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries;
	unsigned int feature; /* 0: always full size */
};

static const struct map_def defs[MAP__MAX] = {
	[MAP_CFI_ROWS] = { "cfi_rows", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct cfi_row),
			   CFI_MAX_ROWS, UNWIND_MAPS_CFI },
	[MAP_CFI_PROCS] = { "cfi_procs", BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(struct cfi_proc),
			    CFI_MAX_TARGETS, UNWIND_MAPS_CFI },
	[MAP_HOTSPOT_CFGS] = { "hotspot_cfgs", BPF_MAP_TYPE_HASH, sizeof(__u32),
			       sizeof(struct hotspot_cfg), TMPROF_MAX_TARGETS, UNWIND_MAPS_HOTSPOT },
	[MAP_HS_BLOBS] = { "hs_blobs", BPF_MAP_TYPE_LRU_HASH, sizeof(struct hs_cache_key),
			   sizeof(struct hs_blob), HS_CACHE_ENTRIES, UNWIND_MAPS_HOTSPOT },
	[MAP_STATS] = { "unwind_stats", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64),
			UNWIND_STATS_ENTRIES, 0 },
};

struct unwind_maps {
	int fds[MAP__MAX];
	struct cfi_maps *cfi; /* NULL without UNWIND_MAPS_CFI */
};

void unwind_maps_free(struct unwind_maps *u)
{
	if (!u)
		return;
	cfi_maps_free(u->cfi);
	for (int i = 0; i < MAP__MAX; i++)
		if (u->fds[i] >= 0)
			close(u->fds[i]);
	free(u);
}

int unwind_maps_new(unsigned int features, struct unwind_maps **out)
{
	struct unwind_maps *u = calloc(1, sizeof(*u));
	int err = 0;

	if (!u)
		return -ENOMEM;
	for (int i = 0; i < MAP__MAX; i++)
		u->fds[i] = -1;
	for (int i = 0; i < MAP__MAX && !err; i++) {
		const struct map_def *d = &defs[i];
		/* A feature not wanted keeps its map (the programs reference
		 * it) at one entry: nothing is ever stored there. */
		uint32_t n = !d->feature || (features & d->feature) ? d->max_entries : 1;

		u->fds[i] = bpf_map_create(d->type, d->name, d->key_size, d->value_size, n, NULL);
		if (u->fds[i] < 0)
			err = -errno;
	}
	if (!err && (features & UNWIND_MAPS_CFI))
		err = cfi_maps_new(u->fds[MAP_CFI_ROWS], u->fds[MAP_CFI_PROCS], &u->cfi);
	if (err) {
		unwind_maps_free(u);
		return err;
	}
	*out = u;
	return 0;
}

int unwind_maps_reuse(const struct unwind_maps *u, struct bpf_object *obj)
{
	if (!u)
		return 0;
	for (int i = 0; i < MAP__MAX; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, defs[i].name);
		int err;

		if (!m)
			return -ENOENT;
		err = bpf_map__reuse_fd(m, u->fds[i]);
		if (err)
			return err;
	}
	return 0;
}

int unwind_maps_set_hotspot(struct unwind_maps *u, pid_t tgid, const struct hotspot_cfg *cfg)
{
	__u32 key = (__u32)tgid;
	int fd = u->fds[MAP_HOTSPOT_CFGS];

	if (!cfg)
		return bpf_map_delete_elem(fd, &key) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(fd, &key, cfg, BPF_ANY) ? -errno : 0;
}

int unwind_maps_set_cfi(struct unwind_maps *u, pid_t tgid)
{
	return u->cfi ? cfi_maps_add(u->cfi, tgid) : -EOPNOTSUPP;
}

int unwind_maps_snapshot_cfi(const struct unwind_maps *u, struct cfi_known **out)
{
	return u->cfi ? cfi_maps_snapshot(u->cfi, out) : -EOPNOTSUPP;
}

int unwind_maps_install_cfi(struct unwind_maps *u, pid_t tgid, const struct cfi_prep *p)
{
	return u->cfi ? cfi_maps_install(u->cfi, tgid, p) : -EOPNOTSUPP;
}

bool unwind_maps_has_cfi(const struct unwind_maps *u)
{
	return u->cfi != NULL;
}

void unwind_maps_remove(struct unwind_maps *u, pid_t tgid)
{
	if (u->cfi)
		cfi_maps_remove(u->cfi, tgid);
	unwind_maps_set_hotspot(u, tgid, NULL);
}

int unwind_maps_stats(const struct unwind_maps *u, enum unwind_user user,
		      uint64_t out[UNWIND_STAT__MAX])
{
	unsigned long long sums[UNWIND_STATS_ENTRIES];
	int err = maps_percpu_sum(u->fds[MAP_STATS], UNWIND_STATS_ENTRIES, sums);

	for (int i = 0; i < UNWIND_STAT__MAX; i++)
		out[i] = err || user >= UNWIND_USER__MAX ? 0 : sums[user * UNWIND_STAT__MAX + i];
	return err;
}
