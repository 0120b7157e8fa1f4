/* The CPU sampler: loads bpf/cpu_sample.bpf.c and attaches it to clock perf
 * events. Per thread (default): one task-clock event per thread of each
 * target (agent/collect/thread_events.h), so each thread is sampled in proportion
 * to its own CPU time. Per CPU (--per-cpu): one cpu-clock event per online
 * CPU, the program filtering by target; cheaper with many threads, but
 * biased against threads woken by timers (README "Sampling"). */
#ifndef TMPROF_AGENT_CPU_SAMPLER_H
#define TMPROF_AGENT_CPU_SAMPLER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/hotspot.h"

#include "bpf/cpu_sample.h"

struct cpu_sampler;

enum cpu_sampler_mode {
	CPU_SAMPLER_PER_THREAD = 0,
	CPU_SAMPLER_PER_CPU,
};

/* freq_hz: per thread, samples per second of each thread's CPU time; per
 * CPU, per second of each CPU. -EPERM: not privileged enough to load BPF or
 * open perf events. */
int cpu_sampler_open(unsigned int freq_hz, enum cpu_sampler_mode mode, struct cpu_sampler **out);

/* The BPF object (ELF) this module loads: what kernel_features reads its
 * needs from. */
const void *cpu_sampler_bpf_object(size_t *len);
/* Load the BPF object into the kernel and unload it, attaching nothing:
 * does it load here (tmprof doctor)? Negative errno from libbpf. */
int cpu_sampler_try_load(void);
void cpu_sampler_close(struct cpu_sampler *s);

int cpu_sampler_add_target(struct cpu_sampler *s, pid_t tgid);
int cpu_sampler_remove_target(struct cpu_sampler *s, pid_t tgid);
/* Walk tgid's user stacks with the HotSpot unwinder (cfg from
 * hotspot_cfg_read), or with frame pointers again when cfg is NULL. Removing
 * the target removes its config too. */
int cpu_sampler_set_hotspot(struct cpu_sampler *s, pid_t tgid, const struct hotspot_cfg *cfg);

/* Unwind tgid's libraries without frame pointers (libc, ld-linux) by their
 * .eh_frame rows (on), or stop (off; removing the target does it too).
 * Call again after the target exec'd. Returns how many mappings got rows,
 * or -errno. */
int cpu_sampler_set_cfi(struct cpu_sampler *s, pid_t tgid, bool on);

typedef int (*cpu_sample_fn)(void *ctx, const struct cpu_sample_key *key, uint64_t count);
/* Move the in-kernel counts to user space: each key is read and deleted
 * atomically, so no sample is counted twice or lost between drains. */
int cpu_sampler_drain(struct cpu_sampler *s, cpu_sample_fn fn, void *ctx);

/* Copy a stack (leaf first) into ips; returns the depth or -errno. Stacks
 * stay valid for the sampler's life: entries are never deleted. Kernel
 * stacks by stack map id, user stacks by the hash in the sample key. */
int cpu_sampler_kernel_stack(struct cpu_sampler *s, uint64_t id, uint64_t *ips, size_t max);
int cpu_sampler_user_stack(struct cpu_sampler *s, uint64_t hash, uint64_t *ips, size_t max);

/* Perf events open now for tgid (per thread; 0 per CPU or not a target),
 * and the whole sampler's event figures (per CPU: open = online CPUs). */
size_t cpu_sampler_events_open(const struct cpu_sampler *s, pid_t tgid);
struct thread_events_stats;
void cpu_sampler_event_stats(const struct cpu_sampler *s, struct thread_events_stats *out);
enum cpu_sampler_mode cpu_sampler_mode(const struct cpu_sampler *s);

/* Sum of the per-CPU counters, indexed by enum cpu_stat. */
int cpu_sampler_stats(struct cpu_sampler *s, uint64_t out[CPU_STAT__MAX]);

/* Parse a CPU list like "0-3,6" (sysfs online/possible) into cpus[0..max).
 * Returns how many CPUs are set, or -EINVAL. */
int cpu_list_parse(const char *text, bool *cpus, int max);

/* For benchmarks: the program's fd (bpf_prog_get_info_by_fd run_time_ns). */
int cpu_sampler_prog_fd(const struct cpu_sampler *s);

#endif
