// SPDX-License-Identifier: GPL-2.0
/* Finding the separate debug file of a stripped ELF file. */
#ifndef TMPROF_SYMBOLIZE_DEBUG_FILE_H
#define TMPROF_SYMBOLIZE_DEBUG_FILE_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum debug_file_via {
	DEBUG_FILE_BUILD_ID,  /* DEBUGROOT/.build-id/xx/rest.debug */
	DEBUG_FILE_DEBUGLINK, /* .gnu_debuglink name, CRC checked */
};

/* Open the debug file of elf, which was mapped from path (absolute, in the
 * mount namespace of pid; pid 0: the host). Candidates are verified: the
 * build-id must match, a debuglink's CRC-32 must match. Returns an fd, or
 * -ENOENT when none is found. */
int debug_file_open(Elf *elf, pid_t pid, const char *path, enum debug_file_via *via);

/* The host's debug root, "/usr/lib/debug" by default. Tests point it at a
 * temporary directory; NULL restores the default. Not thread-safe. */
void debug_file_set_root(const char *dir);

/* GNU build-id of elf. Returns its length (0: none) or -EINVAL. */
int debug_file_build_id(Elf *elf, uint8_t *buf, size_t cap);

/* CRC-32 of a whole file, as .gnu_debuglink records it. */
int debug_file_crc32(int fd, uint32_t *crc);

#endif
