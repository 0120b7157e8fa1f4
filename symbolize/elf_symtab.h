// SPDX-License-Identifier: GPL-2.0
/* Function symbols of one ELF file (executable or shared library). */
#ifndef TMPROF_SYMBOLIZE_ELF_SYMTAB_H
#define TMPROF_SYMBOLIZE_ELF_SYMTAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ELF_BUILD_ID_MAX 64

enum elf_syms_source {
	ELF_SYMS_NONE,           /* no symbols at all */
	ELF_SYMS_SYMTAB,         /* the file's own .symtab */
	ELF_SYMS_DEBUG_BUILD_ID, /* .symtab of a debug file found by build-id */
	ELF_SYMS_DEBUG_LINK,     /* .symtab of a debug file found by .gnu_debuglink */
	ELF_SYMS_DYNSYM,         /* only exported symbols (.dynsym) */
};

struct elf_symtab_info {
	size_t symbols;
	enum elf_syms_source source;
	uint8_t build_id[ELF_BUILD_ID_MAX];
	size_t build_id_len;
};

struct elf_symtab;

/* Load the symbols of the ELF file open on fd. path is where the target
 * maps it (absolute, in the mount namespace of pid; 0: the host) and is
 * only used to find a separate debug file. -EINVAL for anything that is not
 * a well-formed ELF executable or shared object.
 *
 * max_bytes (0: only the fixed caps) bounds the symbol and string tables
 * read, which is what a load costs in memory and time (4 M symbols: 470
 * MiB and a second). Tables over it are not read: .symtab falls back to
 * .dynsym (exported functions only), and with nothing that fits the load
 * is -EFBIG. *refused (may be NULL) gets the bytes of the first tables
 * refused, 0 if none. */
int elf_symtab_load(int fd, pid_t pid, const char *path, uint64_t max_bytes, uint64_t *refused,
		    struct elf_symtab **out);

/* Build-id of the ELF file on fd without loading symbols: its length
 * (0: none), or -EINVAL. */
int elf_symtab_read_build_id(int fd, uint8_t *buf, size_t cap);

/* Translate a file offset (addr - map.start + map.offset) into the ELF
 * virtual address that symbols use, through the PT_LOAD headers. -ENOENT
 * when no loadable segment contains the offset. */
int elf_symtab_file_to_vaddr(const struct elf_symtab *st, uint64_t file_off, uint64_t *vaddr);

/* Raw (mangled) name of the function containing vaddr, or NULL. *offset
 * (may be NULL) gets vaddr - symbol start. */
const char *elf_symtab_lookup(const struct elf_symtab *st, uint64_t vaddr, uint64_t *offset);

void elf_symtab_info(const struct elf_symtab *st, struct elf_symtab_info *out);
void elf_symtab_free(struct elf_symtab *st);
/* Memory held by the table (NULL: 0). */
size_t elf_symtab_memory(const struct elf_symtab *st);

#endif
