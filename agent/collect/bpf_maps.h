/* Reading tmprof's BPF maps from user space.
 *
 * Draining moves aggregates out of a hash map: every key is read and deleted
 * atomically, so a count is neither lost nor seen twice across drains. */
#ifndef TMPROF_AGENT_BPF_MAPS_H
#define TMPROF_AGENT_BPF_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_map;
struct hotspot_cfg;
struct cfi_row;
struct cfi_proc;

struct bpf_drain {
	void *keys;      /* scratch, grows to the largest map seen */
	size_t cap;      /* in keys */
	void *value;
	size_t key_size, value_size;
};

typedef int (*bpf_drain_fn)(void *ctx, const void *key, const void *value);

int bpf_drain_init(struct bpf_drain *d, size_t key_size, size_t value_size);
void bpf_drain_free(struct bpf_drain *d);
/* Calls fn for each entry; stops at fn's first non-zero return. */
int bpf_drain_run(struct bpf_drain *d, int map_fd, bpf_drain_fn fn, void *ctx);

/* Sum a per-CPU array of __u64 counters into out[0..n). */
int bpf_percpu_counters_sum(int map_fd, unsigned int n, unsigned long long *out);

/* Copy stack `id` of a BPF_MAP_TYPE_STACK_TRACE map (leaf first) into ips;
 * returns the depth or -errno. */
int bpf_stack_map_read(int map_fd, int32_t id, uint64_t *ips, size_t max);

/* Copy the stack stored under hash in a ustacks map (bpf/ustack.bpf.h),
 * leaf first; returns the depth or -errno. */
int bpf_ustack_map_read(int map_fd, uint64_t hash, uint64_t *ips, size_t max);

/* Set (or with cfg NULL, remove) process tgid's HotSpot unwinder
 * configuration in a hotspot_cfgs map (bpf/ustack.bpf.h). Removing what is
 * not there is not an error. 0 or -errno. */
int bpf_hotspot_cfg_set(struct bpf_map *map, pid_t tgid, const struct hotspot_cfg *cfg);

/* Write n unwind rows at index first of a cfi_rows array (bpf/cfi.h).
 * 0 or -errno. */
int bpf_cfi_rows_write(struct bpf_map *map, uint32_t first, const struct cfi_row *rows, size_t n);

/* Set (or with p NULL, remove) process tgid's entry in a cfi_procs map:
 * its mappings that have rows. Removing what is not there is not an error.
 * 0 or -errno. */
int bpf_cfi_proc_set(struct bpf_map *map, pid_t tgid, const struct cfi_proc *p);

#endif
