// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/maps.h"
#include "bpf/abi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

int maps_drain_init(struct maps_drain *d, size_t key_size, size_t value_size)
{
	memset(d, 0, sizeof(*d));
	d->key_size = key_size;
	d->value_size = value_size;
	d->value = malloc(value_size);
	return d->value ? 0 : -ENOMEM;
}

void maps_drain_free(struct maps_drain *d)
{
	free(d->keys);
	free(d->value);
	memset(d, 0, sizeof(*d));
}

int maps_drain_run(struct maps_drain *d, int map_fd, maps_drain_fn fn, void *ctx)
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

int maps_percpu_sum(int map_fd, unsigned int n, unsigned long long *out)
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

int maps_stack_read(int map_fd, int32_t id, uint64_t *ips, size_t max)
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

int maps_ustack_read(int map_fd, uint64_t hash, uint64_t *ips, size_t max)
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
