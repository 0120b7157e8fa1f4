// SPDX-License-Identifier: GPL-2.0
/* Opening an ELF file that another process owns, without mmap.
 *
 * The file may be truncated or rewritten while we read it: with a mapping,
 * touching a page past the new end raises SIGBUS and kills tmprof (the
 * daemon then crash-loops under Restart=on-failure). libelf's ELF_C_READ
 * reads with pread on demand, so truncation becomes a read error. The
 * headers are checked against the file's size up front, and no section
 * larger than ELF_FILE_MAX_SECTION is read, so the bytes a hostile file can
 * make us allocate are bounded. */
#ifndef TMPROF_SYMBOLIZE_ELF_FILE_H
#define TMPROF_SYMBOLIZE_ELF_FILE_H

#include <gelf.h>
#include <libelf.h>
#include <stdint.h>

/* No section we read (.symtab, .strtab, .eh_frame) comes near this in a
 * real library (libjvm.so's .strtab is ~10 MiB). */
#define ELF_FILE_MAX_SECTION (256u << 20)

/* An ELF_K_ELF ET_DYN/ET_EXEC file on fd (not closed; elf_end() it), whose
 * header tables and sections lie inside the file; NULL otherwise.
 * *size (may be NULL) gets the file's size at open. */
Elf *elf_file_open(int fd, uint64_t *size);

/* The same on a private copy of the whole file (at most max_bytes, else
 * NULL), for readers that would otherwise have libelf read sections on
 * its own (libdw's CFI): *buf is to be freed after elf_end(). A file
 * truncated while copied is parsed as the bytes read. */
Elf *elf_file_open_copy(int fd, size_t max_bytes, void **buf, uint64_t *size);

/* elf_getdata() of a section that is no larger than ELF_FILE_MAX_SECTION;
 * NULL otherwise or on a read error (a file truncated since open). */
Elf_Data *elf_file_section_data(Elf_Scn *scn);

#endif
