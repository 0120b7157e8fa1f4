/* One profiled process: what it is, how to name its frames and threads,
 * whether its JVM answers, and whether it is still the same process. */
#ifndef TMPROF_AGENT_TARGET_H
#define TMPROF_AGENT_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/jvm_info.h"

struct jvm_runtime;
struct klass_names;
struct ksyms;
struct process_symbolizer;
struct thread_names;

struct target {
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22: detects pid reuse */
	bool is_jvm;
	struct jvm_info jvm;
	struct process_symbolizer *sym;
	struct thread_names *names;   /* JVMs whose attach works */
	int attach_err;               /* 0, or why the JVM could not be attached */
	struct jvm_runtime *runtime;  /* libjvm hooks and vmStructs (allocation profiling) */
	struct klass_names *klasses;  /* class names of Klass pointers */
	bool exited;
	/* The program file (/proc/PID/exe): a change means the process exec'd. */
	unsigned long long exe_dev, exe_ino;
	/* JIT addresses first seen since the last perf map load. */
	uint64_t jit_seen, jit_unresolved;
	uint64_t last_perf_map_ms;
	uint64_t perf_map_refreshes;
};

/* -ESRCH: no such process. */
int target_open(pid_t pid, struct ksyms *ksyms, struct target *t);
void target_close(struct target *t);

/* For JVMs: ask for the perf map and a thread dump. Failures are kept in
 * attach_err (and reported by the caller), not fatal. */
void target_attach(struct target *t);

/* Still the process we started with? */
bool target_alive(struct target *t);

/* Did the process exec into another program since the last call (or
 * target_open)? 1: yes (the new program is remembered), 0: no or unknown. */
int target_check_exec(struct target *t);

/* Drop what belongs to the JVM the process was (thread names, vmStructs,
 * class names): after an exec they would describe another program. */
void target_forget_jvm(struct target *t);

/* A user stack seen for the first time: resolve it now (ELF files are
 * reachable only while the process lives) and count unnamed JIT frames. */
void target_note_stack(struct target *t, const uint64_t *ips, uint32_t depth);

/* Ask the JVM for a fresh perf map when too many JIT addresses went
 * unresolved, at most once per min_interval_ms. Returns 1 if refreshed. */
int target_maybe_refresh_perf_map(struct target *t, uint64_t now_ms, uint64_t min_interval_ms);

uint64_t monotonic_ms(void);
const char *attach_error_text(int err);

#endif
