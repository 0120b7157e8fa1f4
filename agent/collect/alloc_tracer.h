/* The allocation tracer: loads bpf/alloc.bpf.c and puts its uprobes on the
 * AllocTracer hooks of each target's libjvm.so. */
#ifndef TMPROF_AGENT_ALLOC_TRACER_H
#define TMPROF_AGENT_ALLOC_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/hotspot.h"

#include "bpf/alloc.h"

struct alloc_tracer;
struct jvm_runtime;

int alloc_tracer_open(struct alloc_tracer **out);

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
/* Walk tgid's user stacks with the HotSpot unwinder (cfg from
 * hotspot_cfg_read), or with frame pointers again when cfg is NULL. Removing
 * the target removes its config too. */
int alloc_tracer_set_hotspot(struct alloc_tracer *t, pid_t tgid, const struct hotspot_cfg *cfg);
/* .eh_frame unwind rows for tgid's libraries, as cpu_sampler_set_cfi. */
int alloc_tracer_set_cfi(struct alloc_tracer *t, pid_t tgid, bool on);

typedef int (*alloc_fn)(void *ctx, const struct alloc_key *key, const struct alloc_value *v);
int alloc_tracer_drain(struct alloc_tracer *t, alloc_fn fn, void *ctx);
int alloc_tracer_user_stack(struct alloc_tracer *t, uint64_t hash, uint64_t *ips, size_t max);
int alloc_tracer_stats(struct alloc_tracer *t, uint64_t out[ALLOC_STAT__MAX]);

#endif
