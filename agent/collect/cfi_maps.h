// SPDX-License-Identifier: GPL-2.0
/* .eh_frame unwind rows of a target's libraries in the cfi_rows and
 * cfi_procs maps (bpf/abi.h, bpf/unwind_cfi.bpf.h), so that the BPF walker
 * unwinds native code without frame pointers (libc, ld-linux) by its rows
 * instead of scanning the stack.
 *
 * One struct cfi_maps per set of unwinder maps (agent/collect/unwind_maps.c),
 * which every BPF object of a session shares. A file's rows (same device, inode,
 * size and mtime) are loaded once and shared by every target that maps it;
 * they are freed when the last such target is removed. */
#ifndef TMPROF_AGENT_CFI_MAPS_H
#define TMPROF_AGENT_CFI_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "symbolize/cfi_table.h"

struct cfi_maps;
struct proc_maps;

/* A file's identity: a library replaced on disk is another file. */
struct cfi_key {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* A target's libraries parsed, not yet in the maps: parsing .eh_frame
 * takes tens of ms a library (hundreds for a large one), which the
 * daemon does on a worker thread (agent/jvm/attach_worker.h); installing
 * the rows is a few map updates, done by the loop. */
struct cfi_prep_file {
	struct cfi_key key;
	struct cfi_table t;
	int err;     /* why it has no rows */
	bool parsed; /* t holds its rows (else: known when prepared, or failed) */
	char path[256]; /* for the debug log */
};

/* The keys of files a cfi_maps holds, taken by the loop for a prep built
 * on another thread (cfi_maps_snapshot): the worker may not read the maps,
 * which the loop changes. */
struct cfi_known {
	size_t n;
	struct cfi_key keys[];
};

/* Keys a snapshot takes at most (40 bytes each): a job waiting in the
 * worker's queue holds its snapshot, so 64 keys bound that to 2.5 KiB a
 * job. The maps hold a bounded number of files (with rows: at most
 * CFI_MAX_MAPPINGS per target of CFI_MAX_TARGETS; failed: CFI_FAILED_MAX)
 * and a TaskManager maps a dozen; past 64, the most shared are taken. */
#define CFI_KNOWN_MAX 64
/* Files whose rows could not be built, kept so that they are not parsed
 * again; past this many the oldest go (a target that exec's in a loop
 * over new broken libraries would otherwise grow the list forever). */
#define CFI_FAILED_MAX 64

struct cfi_prep_map {
	uint64_t start, end, offset;
	size_t file; /* index in files */
};

struct cfi_prep {
	struct cfi_prep_map *maps; /* candidates in install order */
	struct cfi_prep_file *files;
	size_t nmaps, nfiles;
};

/* rows_fd: a cfi_rows map, procs_fd: a cfi_procs map (bpf/abi.h); they
 * stay the caller's to close. */
int cfi_maps_new(int rows_fd, int procs_fd, struct cfi_maps **out);
void cfi_maps_free(struct cfi_maps *c);

/* Load the rows of pid's libraries (libc and ld-linux first, then other
 * file mappings except libjvm.so, which keeps frame pointers, up to
 * CFI_MAX_MAPPINGS and the row budget) and set pid's entry. Replaces what
 * pid had. Returns how many mappings got rows (0: none, nothing set) or
 * -errno. */
int cfi_maps_add(struct cfi_maps *c, pid_t pid);
/* The same from already read mappings (tests). */
int cfi_maps_add_maps(struct cfi_maps *c, pid_t pid, const struct proc_maps *pm);
/* The keys of the files c holds (up to CFI_KNOWN_MAX, the most shared
 * first), for cfi_prep_build on another thread. */
int cfi_maps_snapshot(const struct cfi_maps *c, struct cfi_known **out);
void cfi_known_free(struct cfi_known *k);
/* Parse pid's libraries (the ones cfi_maps_add takes, in its order)
 * without touching any cfi_maps: safe on another thread. Files known
 * (when not NULL) names are not parsed: cfi_maps_install shares the rows
 * the maps hold for them. -errno: its mappings cannot be read. */
int cfi_prep_build(const struct cfi_known *known, pid_t pid, struct cfi_prep **out);
/* The same from read mappings. */
int cfi_prep_build_maps(const struct cfi_known *known, pid_t pid, const struct proc_maps *pm,
			struct cfi_prep **out);
void cfi_prep_free(struct cfi_prep *p);
/* Set pid's entry from p: files c already holds are shared, the others'
 * rows written. Returns as cfi_maps_add; -EAGAIN: a file p was prepared
 * as known is not in c any more (its last target left), nothing changed:
 * prepare again. p stays the caller's. */
int cfi_maps_install(struct cfi_maps *c, pid_t pid, const struct cfi_prep *p);

/* Drop pid's entry and its references; unknown pids are not an error. */
void cfi_maps_remove(struct cfi_maps *c, pid_t pid);

/* Rows in use in the array (for tests and debug output). */
size_t cfi_maps_rows_used(const struct cfi_maps *c);

#endif
