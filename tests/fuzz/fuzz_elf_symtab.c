// SPDX-License-Identifier: GPL-2.0
/* Fuzz ELF symbolization with corrupted files: a target can map any file,
 * and tmprof reads its symbols (elfutils parses, tmprof walks program
 * headers, sections, symbol tables and notes). The input goes to a memfd. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbolize/debug_file.h"
#include "symbolize/elf_symtab.h"
#include "tests/fuzz/fuzz_util.h"

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_symtab *st = NULL;
	struct elf_symtab_info info;
	uint8_t id[ELF_BUILD_ID_MAX];

	if (memfd < 0) {
		memfd = memfd_create("fuzz_elf_symtab", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		/* No debug files from the host: results must depend on the
		 * input only. */
		debug_file_set_root("/nonexistent/tmprof-fuzz-debug");
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	elf_symtab_read_build_id(memfd, id, sizeof(id));
	if (elf_symtab_load(memfd, 0, "/nonexistent/tmprof-fuzz/lib.so", 0, NULL, &st) == 0) {
		elf_symtab_info(st, &info);
		for (unsigned i = 0; i < 16; i++) {
			uint64_t va = fuzz_addr(data, size, i), off;

			if (elf_symtab_file_to_vaddr(st, va & 0xfffff, &va) == 0)
				elf_symtab_lookup(st, va, &off);
			elf_symtab_lookup(st, fuzz_addr(data, size, i), NULL);
		}
		elf_symtab_free(st);
	}
	return 0;
}
