// SPDX-License-Identifier: GPL-2.0
/* Per-process address -> frame name resolution.
 *
 * One process_symbolizer per target process. It snapshots /proc/PID/maps,
 * resolves native addresses through a shared ELF cache (elf_symtab.h),
 * kernel addresses through ksyms.h, and JIT addresses through the JVM's perf
 * map (perf_map.h). Results are cached per address, so resolving the same
 * stack many times is cheap.
 */
#ifndef TMPROF_SYMBOLIZE_SYMBOLIZER_H
#define TMPROF_SYMBOLIZE_SYMBOLIZER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum frame_kind {
	FRAME_KERNEL,      /* suffix _[k] */
	FRAME_NATIVE,      /* no suffix */
	FRAME_JIT,         /* JIT-compiled Java, suffix _[j] */
	FRAME_INLINED,     /* inlined Java, suffix _[i] */
	FRAME_INTERPRETED, /* interpreted Java, suffix _[0] */
	FRAME_UNKNOWN,     /* "[unknown] (module)" */
};

struct frame_sym {
	const char *name;   /* owned by the symbolizer; valid until it is freed */
	const char *module; /* basename of the mapping, "[anon]", "[kernel]"... */
	enum frame_kind kind;
};

struct symbolizer_stats {
	uint64_t native_hits, native_misses;
	uint64_t jit_hits, jit_misses; /* addresses in anonymous executable memory */
	uint64_t kernel_hits, kernel_misses;
	uint64_t perf_map_loads;
	uint64_t perf_map_capped; /* loads that stopped at a cap (perf_map.h) */
	uint64_t maps_reloads;
};

struct ksyms;
struct process_symbolizer;

/* Memory held by one symbolizer: its address cache and interned names
 * (*symbols), and its JIT perf map (*perf_map). */
void process_symbolizer_memory(const struct process_symbolizer *ps, size_t *symbols, size_t *perf_map);
/* Forget every cached answer and interned name (and with perf_map, the
 * perf map: JIT frames stay unnamed until it is loaded again). Every name
 * handed out before is freed: call only when none is held (the daemon,
 * right after a period was written). 0 or -ENOMEM (nothing changed). */
int process_symbolizer_trim(struct process_symbolizer *ps, bool perf_map);
/* The ELF symbol tables shared by all symbolizers: memory held, and drop
 * those no symbolizer uses now (returns how many). */
size_t symbolizer_shared_memory(void);
size_t symbolizer_shared_trim(void);
/* Bound on the symbol and string table bytes one ELF file's load reads
 * (0, the default: elf_symtab's fixed caps only): the daemon keeps a
 * hostile library from holding it for seconds and hundreds of MiB. */
void symbolizer_set_table_max(uint64_t bytes);
/* A library whose tables the bound refused, once each: see
 * elf_cache_take_refused. */
bool symbolizer_take_refused_table(char *path, size_t len, uint64_t *bytes, bool *partial);

/* pid: host pid of the target. ksyms may be NULL (kernel frames unknown). */
int process_symbolizer_new(pid_t pid, struct ksyms *ksyms, struct process_symbolizer **out);
void process_symbolizer_free(struct process_symbolizer *ps);

/* Resolve a user-space address. Never fails: unresolvable addresses give
 * FRAME_UNKNOWN with name "[unknown]" and the module. If the address is in
 * no known mapping, /proc/PID/maps is re-read once (rate-limited) while the
 * process lives. */
void process_symbolizer_resolve_user(struct process_symbolizer *ps, uint64_t addr,
				     struct frame_sym *out);
/* The same, but only from what is at hand (cached names, symbol tables
 * already loaded, the perf map): never loads a file or reads the target.
 * false: not named, out is "[unknown]" in its module (not cached). */
bool process_symbolizer_resolve_user_cached(struct process_symbolizer *ps, uint64_t addr,
					    struct frame_sym *out);
void process_symbolizer_resolve_kernel(struct process_symbolizer *ps, uint64_t addr,
				       struct frame_sym *out);

/* Names a JIT address the perf map does not cover, from elsewhere (the
 * JVM's own memory where the JDK writes no perf map): true with *name
 * (copied by the symbolizer) and *kind, or false. */
typedef bool (*jit_namer_fn)(void *ctx, uint64_t addr, const char **name, enum frame_kind *kind);

/* Ask fn (NULL: nobody) for JIT addresses the perf map misses. Clears
 * cached resolutions of JIT addresses; so does calling it again with the
 * same fn, for code that has moved since. */
void process_symbolizer_set_jit_namer(struct process_symbolizer *ps, jit_namer_fn fn, void *ctx);

/* True when addr lies in anonymous executable memory (JIT code cache) and
 * the current perf map does not name it. Used to decide a perf map refresh. */
bool process_symbolizer_jit_unresolved(struct process_symbolizer *ps, uint64_t addr);

/* (Re)load /proc/PID/root/tmp/perf-NSPID.map, opened without following
 * symlinks and only if owned by the target's uid or root. Entries of the new
 * map take precedence; older entries are kept for addresses the new map does
 * not cover (samples taken earlier may still point there). Clears cached
 * resolutions of JIT addresses. Returns 0, or -errno (-ENOENT: no map). */
int process_symbolizer_load_perf_map(struct process_symbolizer *ps);
/* The same in two steps, so that the reading (up to the caps of perf_map.h:
 * 64 MiB of a file the target fills) can run on another thread: read the
 * map of pid, touching no symbolizer; then install it, taking ownership of
 * fresh (freed whatever the outcome). */
struct perf_map;
int process_symbolizer_read_perf_map(pid_t pid, struct perf_map **out);
int process_symbolizer_install_perf_map(struct process_symbolizer *ps, struct perf_map *fresh);

/* The process replaced its program (execve): read its mappings again now.
 * Addresses already resolved keep their names, so stacks taken before the
 * exec stay named after the old program. Returns 0 or -errno. */
int process_symbolizer_reload_maps(struct process_symbolizer *ps);

void process_symbolizer_stats(const struct process_symbolizer *ps, struct symbolizer_stats *out);

#endif
