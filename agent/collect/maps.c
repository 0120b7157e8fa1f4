// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/maps.h"
#include "bpf/abi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

static int libbpf_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
			       uint32_t *count)
{
	return bpf_map_lookup_batch(fd, in_batch, out_batch, keys, values, count, NULL);
}

static const struct maps_backend libbpf_backend = {
	.next_key = bpf_map_get_next_key,
	.lookup = bpf_map_lookup_elem,
	.lookup_and_delete = bpf_map_lookup_and_delete_elem,
	.lookup_batch = libbpf_lookup_batch,
};

static const struct maps_backend *backend = &libbpf_backend;

const struct maps_backend *maps_backend_set(const struct maps_backend *b)
{
	const struct maps_backend *old = backend;

	backend = b ? b : &libbpf_backend;
	return old;
}

int maps_next_key(int fd, const void *key, void *next)
{
	return backend->next_key(fd, key, next);
}

int maps_lookup(int fd, const void *key, void *value)
{
	return backend->lookup(fd, key, value);
}

int maps_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
		      uint32_t *count)
{
	return backend->lookup_batch(fd, in_batch, out_batch, keys, values, count);
}

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
		if (maps_next_key(map_fd, prev, next))
			break;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		const void *key = (char *)d->keys + i * d->key_size;

		/* A key deleted meanwhile has nothing left to count. */
		if (backend->lookup_and_delete(map_fd, key, d->value))
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
		err = maps_lookup(map_fd, &i, vals);
		if (err)
			break;
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
	int err;

	if (id < 0)
		return -ENOENT;
	err = maps_lookup(map_fd, &key, buf);
	if (err)
		return err;
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
	int err;

	if (!hash)
		return -ENOENT;
	err = maps_lookup(map_fd, &hash, &st);
	if (err)
		return err;
	while (depth < TMPROF_MAX_STACK_DEPTH && depth < max && st.ips[depth]) {
		ips[depth] = st.ips[depth];
		depth++;
	}
	return (int)depth;
}
