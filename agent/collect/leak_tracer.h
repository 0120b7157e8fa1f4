// SPDX-License-Identifier: GPL-2.0
/* The native leak tracer: loads bpf/leak.bpf.c and puts its uprobes on the
 * allocator one process really uses (leak_allocator.h). */
#ifndef TMPROF_AGENT_LEAK_TRACER_H
#define TMPROF_AGENT_LEAK_TRACER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/collect/leak_allocator.h"
#include "bpf/abi.h"

struct leak_tracer;

struct leak_tracer_options {
	uint64_t period;      /* mean bytes between samples; 0: every allocation */
	uint32_t max_tracked; /* live table size */
};

/* -EPERM/-EACCES: not privileged; other -errno: BPF unusable. */
int leak_tracer_open(const struct leak_tracer_options *o, struct leak_tracer **out);

/* The BPF object (ELF) this module loads: what kernel_features reads its
 * needs from. */
const void *leak_tracer_bpf_object(size_t *len);
/* Load the BPF object into the kernel and unload it, attaching nothing:
 * does it load here (tmprof doctor)? Negative errno from libbpf. */
int leak_tracer_try_load(void);
void leak_tracer_close(struct leak_tracer *t);

/* Find the allocator in /proc/PID/maps and attach every probe for that
 * process only. -ESRCH: gone; -ENOENT: no libc (static binary) or no
 * malloc/free symbols; other -errno: attach failed. *alloc says what was
 * found; *nprobes how many functions are probed. */
int leak_tracer_attach(struct leak_tracer *t, pid_t pid, struct leak_allocator *alloc,
		       unsigned int *nprobes);

typedef int (*leak_live_fn)(void *ctx, const struct leak_key *key, const struct leak_alloc *a);
/* Every tracked allocation, without removing it. */
int leak_tracer_live(struct leak_tracer *t, leak_live_fn fn, void *ctx);
int leak_tracer_user_stack(struct leak_tracer *t, uint64_t hash, uint64_t *ips, size_t max);
int leak_tracer_stats(struct leak_tracer *t, uint64_t out[LEAK_STAT__MAX]);

#endif
