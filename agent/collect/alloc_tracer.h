// SPDX-License-Identifier: GPL-2.0
/* The allocation tracer: loads bpf/alloc.bpf.c and puts its uprobes on the
 * AllocTracer hooks of each target's libjvm.so. */
#ifndef TMPROF_AGENT_ALLOC_TRACER_H
#define TMPROF_AGENT_ALLOC_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/abi.h"

struct alloc_tracer;
struct unwind_maps;
struct jvm_runtime;

/* unwind: the session's unwinder maps, which the BPF object uses instead
 * of its own (NULL: its own). */
int alloc_tracer_open(const struct unwind_maps *unwind, struct alloc_tracer **out);

/* The BPF object (ELF) this module loads: what kernel_features reads its
 * needs from. */
const void *alloc_tracer_bpf_object(size_t *len);
/* Load the BPF object into the kernel and unload it, attaching nothing:
 * does it load here (tmprof doctor)? Negative errno from libbpf. */
int alloc_tracer_try_load(void);
/* Load it and attach one of its programs as a uprobe on func in binary for
 * pid, then detach and unload: do uprobes work here (tmprof doctor)? The
 * probe is never hit unless pid calls func meanwhile. *loaded tells a
 * load failure from an attach failure. Negative errno from libbpf. */
int alloc_tracer_try_uprobe(pid_t pid, const char *binary, const char *func, bool *loaded);
void alloc_tracer_close(struct alloc_tracer *t);

/* Attach the uprobes to the target's libjvm (only that process fires
 * them) and start counting it. -ENOENT: the hooks were not found. */
int alloc_tracer_add_target(struct alloc_tracer *t, const struct jvm_runtime *rt);
int alloc_tracer_remove_target(struct alloc_tracer *t, pid_t tgid);

typedef int (*alloc_fn)(void *ctx, const struct alloc_key *key, const struct alloc_value *v);
int alloc_tracer_drain(struct alloc_tracer *t, alloc_fn fn, void *ctx);
int alloc_tracer_user_stack(struct alloc_tracer *t, uint64_t hash, uint64_t *ips, size_t max);
int alloc_tracer_stats(struct alloc_tracer *t, uint64_t out[ALLOC_STAT__MAX]);

#endif
