// SPDX-License-Identifier: GPL-2.0
/* Which allocator a process really uses, from its mappings: a mapped
 * libjemalloc.so* (LD_PRELOAD, or linked in) serves malloc, otherwise
 * glibc does. mmap/munmap always come from libc. */
#ifndef TMPROF_AGENT_LEAK_ALLOCATOR_H
#define TMPROF_AGENT_LEAK_ALLOCATOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf/abi.h"

struct proc_maps;

enum leak_allocator_kind {
	LEAK_ALLOCATOR_GLIBC,
	LEAK_ALLOCATOR_JEMALLOC,
};

struct leak_allocator {
	enum leak_allocator_kind kind;
	char lib[PATH_MAX];  /* serves malloc & co, as the target maps it */
	char libc[PATH_MAX]; /* serves mmap/munmap */
	/* Executable mappings of both: mmap calls from there are the
	 * allocator's own. */
	struct leak_range ranges[LEAK_MAX_RANGES];
	uint32_t nranges;
};

/* -ENOENT: no libc mapped (a static binary): nothing to probe. */
int leak_allocator_detect(const struct proc_maps *pm, struct leak_allocator *out);
const char *leak_allocator_name(enum leak_allocator_kind kind);

#endif
