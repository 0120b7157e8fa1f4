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

#include <stddef.h>
#include <sys/types.h>

struct cfi_maps;
struct proc_maps;

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
/* Drop pid's entry and its references; unknown pids are not an error. */
void cfi_maps_remove(struct cfi_maps *c, pid_t pid);

/* Rows in use in the array (for tests and debug output). */
size_t cfi_maps_rows_used(const struct cfi_maps *c);

#endif
