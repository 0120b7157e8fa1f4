#include "agent/collect/bpf_maps.h"
#include "bpf/cfi.h"
#include "bpf/hotspot.h"
#include "bpf/offcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

int bpf_drain_init(struct bpf_drain *d, size_t key_size, size_t value_size)
{
	memset(d, 0, sizeof(*d));
	d->key_size = key_size;
	d->value_size = value_size;
	d->value = malloc(value_size);
	return d->value ? 0 : -ENOMEM;
}

void bpf_drain_free(struct bpf_drain *d)
{
	free(d->keys);
	free(d->value);
	memset(d, 0, sizeof(*d));
}

int bpf_drain_run(struct bpf_drain *d, int map_fd, bpf_drain_fn fn, void *ctx)
{
	size_t n = 0;
	int err = 0;

	/* Collect the keys first: deleting while walking restarts the walk. */
	for (;;) {
		void *prev, *next;

		if (n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 1024;
			void *grown = realloc(d->keys, cap * d->key_size);

			if (!grown)
				return -ENOMEM;
			d->keys = grown;
			d->cap = cap;
		}
		prev = n ? (char *)d->keys + (n - 1) * d->key_size : NULL;
		next = (char *)d->keys + n * d->key_size;
		if (bpf_map_get_next_key(map_fd, prev, next))
			break;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		const void *key = (char *)d->keys + i * d->key_size;

		/* A key deleted meanwhile has nothing left to count. */
		if (bpf_map_lookup_and_delete_elem(map_fd, key, d->value))
			continue;
		err = fn(ctx, key, d->value);
		if (err)
			break;
	}
	return err;
}

int bpf_percpu_counters_sum(int map_fd, unsigned int n, unsigned long long *out)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *vals;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(map_fd, &i, vals)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return err;
}

int bpf_stack_map_read(int map_fd, int32_t id, uint64_t *ips, size_t max)
{
	uint64_t buf[TMPROF_MAX_STACK_DEPTH];
	uint32_t key = (uint32_t)id;
	size_t depth = 0;

	if (id < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(map_fd, &key, buf))
		return -errno;
	/* Unused slots are zero; a stack ends at the first one. */
	while (depth < TMPROF_MAX_STACK_DEPTH && depth < max && buf[depth]) {
		ips[depth] = buf[depth];
		depth++;
	}
	return (int)depth;
}

int bpf_ustack_map_read(int map_fd, uint64_t hash, uint64_t *ips, size_t max)
{
	struct user_stack st;
	size_t depth = 0;

	if (!hash)
		return -ENOENT;
	if (bpf_map_lookup_elem(map_fd, &hash, &st))
		return -errno;
	while (depth < TMPROF_MAX_STACK_DEPTH && depth < max && st.ips[depth]) {
		ips[depth] = st.ips[depth];
		depth++;
	}
	return (int)depth;
}

int bpf_hotspot_cfg_set(struct bpf_map *map, pid_t tgid, const struct hotspot_cfg *cfg)
{
	__u32 key = (__u32)tgid;

	if (!cfg) {
		if (bpf_map__delete_elem(map, &key, sizeof(key), 0) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (bpf_map__update_elem(map, &key, sizeof(key), cfg, sizeof(*cfg), BPF_ANY))
		return -errno;
	return 0;
}

int bpf_cfi_rows_write(struct bpf_map *map, uint32_t first, const struct cfi_row *rows, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fd = bpf_map__fd(map);
	__u32 *keys;
	__u32 count = (__u32)n;
	int err = 0;

	if (n > CFI_MAX_ROWS || first > CFI_MAX_ROWS - n)
		return -E2BIG;
	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = first + (__u32)i;
	if (bpf_map_update_batch(fd, keys, rows, &count, &opts)) {
		/* Kernels without batch operations on arrays: one by one. */
		err = 0;
		for (size_t i = 0; i < n && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], &rows[i], BPF_ANY))
				err = -errno;
	}
	free(keys);
	return err;
}

int bpf_cfi_proc_set(struct bpf_map *map, pid_t tgid, const struct cfi_proc *p)
{
	__u32 key = (__u32)tgid;

	if (!p) {
		if (bpf_map__delete_elem(map, &key, sizeof(key), 0) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (bpf_map__update_elem(map, &key, sizeof(key), p, sizeof(*p), BPF_ANY))
		return -errno;
	return 0;
}
