// SPDX-License-Identifier: GPL-2.0
/* Finding symbols of an ELF file by name (any type: functions and data),
 * for attaching uprobes and reading a target's globals. */
#ifndef TMPROF_SYMBOLIZE_ELF_LOOKUP_H
#define TMPROF_SYMBOLIZE_ELF_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elf_lookup {
	const char *name; /* exact name, or a prefix with prefix = true */
	bool prefix;
	/* out */
	bool found;
	uint64_t vaddr, size;
	uint64_t file_offset; /* where vaddr lies in the file (for uprobes); 0 for .bss */
};

struct elf_lookup_info {
	bool has_symtab;      /* local symbols were available */
	uint64_t load_vaddr;  /* p_vaddr of the segment at file offset 0: the run-time
			       * address of vaddr is (start of that mapping) - load_vaddr + vaddr */
};

/* Look every query up in .symtab and .dynsym of the ELF file on fd, and in
 * its separate debug file if the file has no .symtab (path: where pid maps
 * it, see debug_file.h). Versions ("@@SUNWprivate_1.1") are ignored.
 * Returns how many queries were found, or -EINVAL for a broken ELF file. */
int elf_lookup_symbols(int fd, pid_t pid, const char *path, struct elf_lookup *q, size_t n,
		       struct elf_lookup_info *info);

#endif
