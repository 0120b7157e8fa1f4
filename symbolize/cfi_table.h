// SPDX-License-Identifier: GPL-2.0
/* Unwind rows for an ELF file's executable code, from its .eh_frame
 * (x86-64 only): for each address range, where the caller's frame is
 * (struct cfi_row, bpf/abi.h). For the BPF walker, which uses them for
 * libraries built without frame pointers (libc, ld-linux). */
#ifndef TMPROF_SYMBOLIZE_CFI_TABLE_H
#define TMPROF_SYMBOLIZE_CFI_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/abi.h"

#define CFI_TABLE_MAX_SEGS 4
/* Larger files are not read (a private copy is made: elf_file.h); libjvm.so
 * is ~20 MiB. */
#define CFI_TABLE_MAX_FILE (128u << 20)

struct cfi_seg {
	uint64_t vaddr, offset, filesz; /* an executable PT_LOAD */
};

struct cfi_table {
	struct cfi_row *rows; /* sorted by addr, adjacent rows differ */
	size_t n;
	struct cfi_seg segs[CFI_TABLE_MAX_SEGS];
	size_t nsegs;
	size_t fdes;          /* FDEs seen (eh_frame_hdr entries) */
	size_t unknown;       /* rows without a usable rule */
};

/* Build the rows of the ELF file open on fd (not closed). -ENOTSUP: not an
 * x86-64 ELF file, or no .eh_frame_hdr in a form we read; -EINVAL: broken;
 * -E2BIG: more than CFI_MAX_ROWS rows. */
int cfi_table_build(int fd, struct cfi_table *out);
void cfi_table_free(struct cfi_table *t);

/* The row that applies at file address addr, or NULL (not covered). */
const struct cfi_row *cfi_table_find(const struct cfi_table *t, uint64_t addr);

/* The file address of the byte at file offset off, if that lies in an
 * executable segment: 0 or -ENOENT. */
int cfi_table_vaddr(const struct cfi_table *t, uint64_t off, uint64_t *vaddr);

#endif
