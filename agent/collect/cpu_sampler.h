// SPDX-License-Identifier: GPL-2.0
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

#include "bpf/abi.h"

struct cpu_sampler;
struct unwind_maps;

enum cpu_sampler_mode {
	CPU_SAMPLER_PER_THREAD = 0,
	CPU_SAMPLER_PER_CPU,
	/* Experiments measured against the two above (README "Sampling"),
	 * kept for re-measuring, not advertised: */
	CPU_SAMPLER_JITTER,   /* per-CPU cpu-clock, each CPU's next period drawn
			       * from [0.5, 1.5) x the mean by a user thread */
	CPU_SAMPLER_WEIGHTED, /* per-CPU cpu-clock; each thread's samples scaled
			       * to its scheduler CPU time (sched_switch) */
};

/* "per-thread", "per-cpu", "jitter", "weighted" -> 0 and *out; -EINVAL. */
int cpu_sampler_mode_parse(const char *text, enum cpu_sampler_mode *out);
const char *cpu_sampler_mode_name(enum cpu_sampler_mode m);

/* freq_hz: per thread, samples per second of each thread's CPU time; per
 * CPU, per second of each CPU. unwind: the session's unwinder maps, which
 * the BPF object uses instead of its own (NULL: its own). -EPERM: not
 * privileged enough to load BPF or open perf events. */
int cpu_sampler_open(unsigned int freq_hz, enum cpu_sampler_mode mode,
		     const struct unwind_maps *unwind, struct cpu_sampler **out);

/* The BPF object (ELF) this module loads: what kernel_features reads its
 * needs from. */
const void *cpu_sampler_bpf_object(size_t *len);
/* Load the BPF object into the kernel and unload it, attaching nothing:
 * does it load here (tmprof doctor)? Negative errno from libbpf. */
int cpu_sampler_try_load(void);
void cpu_sampler_close(struct cpu_sampler *s);

int cpu_sampler_add_target(struct cpu_sampler *s, pid_t tgid);
int cpu_sampler_remove_target(struct cpu_sampler *s, pid_t tgid);
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

/* CPU_SAMPLER_WEIGHTED: thread tid's CPU time since its target was added
 * (the scheduler's count at its last switch-out, or its schedstat now if
 * later). -ENOENT: not known (another mode, or never ran). */
int cpu_sampler_thread_cpu(struct cpu_sampler *s, pid_t tgid, pid_t tid, uint64_t *ns);
/* Mean CPU time per sample (1 s / freq). */
uint64_t cpu_sampler_period_ns(const struct cpu_sampler *s);

/* For benchmarks: the program's fd (bpf_prog_get_info_by_fd run_time_ns). */
int cpu_sampler_prog_fd(const struct cpu_sampler *s);

#endif
