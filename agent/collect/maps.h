// SPDX-License-Identifier: GPL-2.0
/* Reading tmprof's BPF maps from user space (maps_*: not bpf_*, which is
 * libbpf's namespace).
 *
 * Draining moves aggregates out of a hash map: every key is read and deleted
 * atomically, so a count is neither lost nor seen twice across drains. */
#ifndef TMPROF_AGENT_MAPS_H
#define TMPROF_AGENT_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_map;

/* Where map reads go: libbpf's syscalls, or a unit test's fake maps
 * (tests/unit/test_maps.c drains every collector from fake contents).
 * Each returns 0 or a negative errno, as libbpf 1.x does. */
struct maps_backend {
	int (*next_key)(int fd, const void *key, void *next);
	int (*lookup)(int fd, const void *key, void *value);
	int (*lookup_and_delete)(int fd, const void *key, void *value);
	/* *count: room in keys/values in, entries out; -ENOENT: the last batch. */
	int (*lookup_batch)(int fd, void *in_batch, void *out_batch, void *keys, void *values,
			    uint32_t *count);
};

/* Use b for every read below (NULL: libbpf); returns the one used before. */
const struct maps_backend *maps_backend_set(const struct maps_backend *b);

int maps_next_key(int fd, const void *key, void *next);
int maps_lookup(int fd, const void *key, void *value);
int maps_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
		      uint32_t *count);

struct maps_drain {
	void *keys;      /* scratch, grows to the largest map seen */
	size_t cap;      /* in keys */
	void *value;
	size_t key_size, value_size;
};

typedef int (*maps_drain_fn)(void *ctx, const void *key, const void *value);

int maps_drain_init(struct maps_drain *d, size_t key_size, size_t value_size);
void maps_drain_free(struct maps_drain *d);
/* Calls fn for each entry; stops at fn's first non-zero return. */
int maps_drain_run(struct maps_drain *d, int map_fd, maps_drain_fn fn, void *ctx);

/* Sum a per-CPU array of __u64 counters into out[0..n). */
int maps_percpu_sum(int map_fd, unsigned int n, unsigned long long *out);

/* Copy stack `id` of a BPF_MAP_TYPE_STACK_TRACE map (leaf first) into ips;
 * returns the depth or -errno. */
int maps_stack_read(int map_fd, int32_t id, uint64_t *ips, size_t max);

/* Copy the stack stored under hash in a ustacks map (bpf/ustack.bpf.h),
 * leaf first; returns the depth or -errno. */
int maps_ustack_read(int map_fd, uint64_t hash, uint64_t *ips, size_t max);

#endif
