// SPDX-License-Identifier: GPL-2.0
/* Reading another process's memory, behind an interface so that readers of
 * JVM structures can be tested against fake memory laid out by a test. */
#ifndef TMPROF_SYMBOLIZE_TARGET_MEM_H
#define TMPROF_SYMBOLIZE_TARGET_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mem_reader {
	/* Read exactly len bytes at addr: 0, or -errno (-EFAULT: unmapped). */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

/* A reader for process pid (process_vm_readv; needs ptrace rights). ctx
 * holds the pid itself, so the struct can be copied freely. */
struct mem_reader mem_reader_for_pid(pid_t pid);
/* A reader for this process's own memory (tests, and pid == getpid()). */
struct mem_reader mem_reader_self(void);

int mem_read_u64(const struct mem_reader *m, uint64_t addr, uint64_t *out);
/* A NUL-terminated string of at most max - 1 bytes: -ENAMETOOLONG if it
 * does not end within that. */
int mem_read_string(const struct mem_reader *m, uint64_t addr, char *buf, size_t max);

#endif
