// SPDX-License-Identifier: GPL-2.0
/* One profiled process: what it is, how to name its frames and threads,
 * whether its JVM answers, and whether it is still the same process. */
#ifndef TMPROF_AGENT_TARGET_H
#define TMPROF_AGENT_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/jvm/jvm_info.h"
#include "bpf/hotspot.h"
#include "symbolize/frame_memo.h"
#include "symbolize/resolver.h"
#include "symbolize/symbolizer.h"

struct jvm_runtime;
struct klass_names;
struct ksyms;
struct process_symbolizer;
struct thread_names;

struct target {
	/* Grouped by size, not by topic, to keep padding out of a struct the
	 * daemon holds one of per TaskManager. */
	unsigned long long start_time; /* /proc/PID/stat field 22: detects pid reuse */
	struct jvm_info jvm;
	struct process_symbolizer *sym;
	struct thread_names *names;   /* JVMs whose attach works */
	struct jvm_runtime *runtime;  /* libjvm hooks and vmStructs (allocation profiling) */
	struct klass_names *klasses;  /* class names of Klass pointers */
	/* HotSpot unwinding (--unwind hotspot/auto): the BPF config, the namer
	 * of the Java frames it records, and why it is off if it is. */
	struct hotspot_cfg hs_cfg;
	struct java_frames *java;
	struct frame_memo memo;       /* Java frames' names per epoch */
	uint64_t methods_reused;      /* last seen: a change bumps hs_cfg.epoch */
	/* Perf map cross-check of compiled frames: same physical method? */
	uint64_t java_perfmap_agree, java_perfmap_differ;
	/* The program file (/proc/PID/exe): a change means the process exec'd. */
	unsigned long long exe_dev, exe_ino;
	/* JIT addresses first seen since the last perf map load. */
	uint64_t jit_seen, jit_unresolved;
	uint64_t last_perf_map_ms;
	uint64_t perf_map_refreshes;
	bool perf_map_cap_warned; /* the perf map cap warning was logged */
	bool perf_map_owner_warned; /* ... and the one about its owner */
	/* The perf map as the worker read it (off the loop), for the next
	 * load to install instead of reading the file: the map, or why it
	 * could not be read. */
	struct perf_map *perf_map_read;
	int perf_map_read_err;
	bool perf_map_handed;
	/* Attach requests run by the daemon's worker (session.c): what is
	 * under way, and no request before attach_next_ms after failures. */
	uint64_t attach_next_ms;
	unsigned int attach_fails;    /* failed requests in a row */
	bool attach_pending;          /* the first attach: names, then perf map */
	bool names_pending, perf_map_pending;
	bool cfi_pending;             /* unwind tables being parsed by the worker */
	bool hotspot_pending;         /* vmStructs being read by the worker */
	pid_t pid;
	int attach_err;               /* 0, or why the JVM could not be attached */
	int perf_map_err;             /* 0, or why the attached JVM writes no perf map
				       * (-ENOTSUP: no Compiler.perfmap, JDK < 17) */
	int hotspot_err;              /* 0, or why HotSpot unwinding is off */
	unsigned int hotspot_tries;   /* a starting JVM has no code cache yet */
	/* Event bits of the collectors (needs_runtime) that follow this JVM
	 * once the worker has read its runtime (session.c). */
	unsigned int follow_waiting;
	uint32_t epoch_now;           /* the epoch a stack taken now would carry */
	bool is_jvm;
	bool hotspot;
	bool exited;
};

/* -ESRCH: no such process. */
int target_open(pid_t pid, struct ksyms *ksyms, struct target *t);
void target_close(struct target *t);

/* For JVMs: ask for the perf map and a thread dump. Failures are kept in
 * attach_err (and reported by the caller), not fatal. Blocks up to twice
 * HOTSPOT_ATTACH_TIMEOUT_MS. */
void target_attach(struct target *t);
/* The same in steps, for a caller that talks to the JVM elsewhere (the
 * daemon's attach worker): begin (false: nothing to ask, attach_err may
 * say why), take a thread dump (hotspot_thread_headers) and apply it to
 * t->names, ask for the perf map (hotspot_write_perf_map), then finish
 * with both results. */
bool target_attach_begin(struct target *t);
void target_attach_finish(struct target *t, int names_err, int perf_map_err);

/* After a failed request (err < 0) no other before a delay that doubles
 * from TARGET_ATTACH_BACKOFF_MIN_MS to _MAX_MS; err 0 resets it. */
#define TARGET_ATTACH_BACKOFF_MIN_MS 10000
#define TARGET_ATTACH_BACKOFF_MAX_MS 300000
void target_attach_backoff(struct target *t, int err, uint64_t now_ms);

/* A JVM whose compiled Java frames nothing can name: HotSpot unwinding is
 * off and the JVM answered but writes no perf map (JDK 11). Attach
 * failures are reported on their own (attach_err). */
bool target_java_frames_missing(const struct target *t);
/* Appended to the HotSpot-off warning for such a JVM. */
#define JAVA_NO_PERF_MAP_TEXT \
	"; this JVM has no Compiler.perfmap (JDK 17+) either, so its compiled Java frames stay unnamed"

/* Name the JVM's JIT addresses from its memory where the perf map has none
 * (JDK 11): the symbolizer asks t's namer for them. Calling it again drops
 * the names already given (code moves). t must not move in memory while
 * the namer is set. 0, or -errno (vmStructs unreadable, not a JVM). */
int target_name_jit_from_memory(struct target *t);
/* Open t->runtime (libjvm, vmStructs) once. */
int target_runtime_open(struct target *t);

/* Field 22 of /proc/PID/stat: with the pid, names one process. */
int target_start_time_read(pid_t pid, unsigned long long *out);

/* Which process and program pid is now: its start time (pid reuse) and
 * its program file (an exec keeps the pid and the start time). */
struct target_identity {
	unsigned long long start_time, exe_dev, exe_ino;
};
int target_identity_read(pid_t pid, struct target_identity *out);

/* Still the process we started with? */
bool target_alive(struct target *t);

/* Did the process exec into another program since the last call (or
 * target_open)? 1: yes (the new program is remembered), 0: no or unknown. */
int target_check_exec(struct target *t);

/* Drop what belongs to the JVM the process was (thread names, vmStructs,
 * class names): after an exec they would describe another program. */
void target_forget_jvm(struct target *t);

/* Inlining levels shown per compiled frame (deeper chains are cut). */
#define TARGET_MAX_INLINED RESOLVER_MAX_INLINED

/* The frames one word of a user stack stands for, outermost first, into
 * out (at most max): a native address is one frame; a Java frame from the
 * HotSpot unwinder is its method and the methods inlined into it at that
 * pc; the epoch word of a HotSpot stack is no frame (0 returned). leaf:
 * the stack's leaf (a sampled pc, not a return address); epoch: the
 * stack's (target_stack_epoch).
 * Frames that cannot be named come back as FRAME_UNKNOWN with a module
 * saying why. Names stay valid until the target is closed. */
size_t target_resolve_word(struct target *t, uint64_t word, bool leaf, uint32_t epoch,
			   struct frame_sym *out, size_t max);
/* The same from what is at hand only (word_resolver.cached_only): words
 * named no better than their module are counted in *cheap. */
size_t target_resolve_word_cached(struct target *t, uint64_t word, bool leaf, uint32_t epoch,
				  struct frame_sym *out, size_t max, uint64_t *cheap);
/* The class-unloading epoch a user stack was taken in (its outermost word
 * when the HotSpot unwinder walked it, else 0). */
uint32_t target_stack_epoch(const uint64_t *ips, uint32_t depth);

/* A user stack seen for the first time: resolve it now (ELF files are
 * reachable only while the process lives) and count unnamed JIT frames.
 * spent (NULL: never) is asked before every frame but the first, as one
 * frame may cost a whole symbol table: false when it stopped the walk
 * (the frames named so far are cached; noting the stack again goes on
 * from there at the cost of lookups). */
bool target_note_stack(struct target *t, const uint64_t *ips, uint32_t depth,
		       bool (*spent)(const void *ctx), const void *ctx);

/* Ask the JVM for a fresh perf map when too many JIT addresses went
 * unresolved, at most once per min_interval_ms. Returns 1 if refreshed. */
int target_maybe_refresh_perf_map(struct target *t, uint64_t now_ms, uint64_t min_interval_ms);
/* The same in steps: is a refresh due (counted as done now)? Then, once
 * the JVM was asked (err: hotspot_write_perf_map's), load it: 1 if done. */
bool target_perf_map_due(struct target *t, uint64_t now_ms, uint64_t min_interval_ms);
int target_perf_map_written(struct target *t, int err);
/* The worker read the map (map, or read_err): the next load installs it.
 * Takes ownership of map. */
void target_perf_map_hand(struct target *t, struct perf_map *map, int read_err);

uint64_t monotonic_ms(void);
const char *attach_error_text(int err);

#endif
