// SPDX-License-Identifier: GPL-2.0
/* The scheduler tracer: loads bpf/offcpu.bpf.c on the sched_switch,
 * sched_wakeup and sched_wakeup_new raw tracepoints. */
#ifndef TMPROF_AGENT_OFFCPU_TRACER_H
#define TMPROF_AGENT_OFFCPU_TRACER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/abi.h"

struct offcpu_tracer;
struct unwind_maps;

/* unwind: the session's unwinder maps, which the BPF object uses instead
 * of its own (NULL: its own). */
int offcpu_tracer_open(const struct unwind_maps *unwind, struct offcpu_tracer **out);

/* The BPF object (ELF) this module loads: what kernel_features reads its
 * needs from. */
const void *offcpu_tracer_bpf_object(size_t *len);
/* Load the BPF object into the kernel and unload it, attaching nothing:
 * does it load here (tmprof doctor)? Negative errno from libbpf. */
int offcpu_tracer_try_load(void);
/* CLOCK_MONOTONIC time the recording starts: spans are clipped to it. Set
 * it before adding targets. */
void offcpu_tracer_set_start(struct offcpu_tracer *t, uint64_t start_ns);
/* The recording's end: nothing after stop_ns counts (0: none yet). */
void offcpu_tracer_set_stop(struct offcpu_tracer *t, uint64_t stop_ns);
void offcpu_tracer_close(struct offcpu_tracer *t);
/* Culprit tracking (SPAN_CULPRIT rows): on by default, off with the
 * environment's TMPROF_CULPRITS=off or this (--no-culprits). */
void offcpu_tracer_set_culprits(struct offcpu_tracer *t, bool on);
int offcpu_tracer_add_target(struct offcpu_tracer *t, pid_t tgid);
int offcpu_tracer_remove_target(struct offcpu_tracer *t, pid_t tgid);

typedef int (*sched_span_fn)(void *ctx, const struct sched_span_key *key,
			     const struct sched_span_value *value);
int offcpu_tracer_drain(struct offcpu_tracer *t, sched_span_fn fn, void *ctx);

/* Spans still open at end_ns (a thread running, runnable or blocked when an
 * interval ends), clipped to [from_ns, end_ns) and reported through fn like
 * drained spans. */
int offcpu_tracer_close_spans(struct offcpu_tracer *t, uint64_t from_ns, uint64_t end_ns,
			      sched_span_fn fn, void *ctx);

int offcpu_tracer_kernel_stack(struct offcpu_tracer *t, uint64_t id, uint64_t *ips, size_t max);
int offcpu_tracer_user_stack(struct offcpu_tracer *t, uint64_t hash, uint64_t *ips, size_t max);
int offcpu_tracer_stats(struct offcpu_tracer *t, uint64_t out[OFFCPU_STAT__MAX]);

#endif
