// SPDX-License-Identifier: GPL-2.0
/* Fuzz the other readers of target-owned ELF files: the unwind-table
 * builder (cfi_table, through libdw) and the by-name symbol lookup
 * (elf_lookup). The input goes to a memfd; its last byte picks a length
 * the file is truncated to after the readers opened it (a target that
 * truncates its library while tmprof parses it), which must give an error,
 * never SIGBUS. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbolize/cfi_table.h"
#include "symbolize/debug_file.h"
#include "symbolize/elf_file.h"
#include "symbolize/elf_lookup.h"
#include "tests/fuzz/fuzz_util.h"

static int memfd = -1;

/* Read every section of the open file after cutting it to cut bytes. */
static void read_after_cut(size_t cut)
{
	Elf *elf = elf_file_open(memfd, NULL);
	Elf_Scn *scn = NULL;

	if (!elf)
		return;
	if (ftruncate(memfd, (off_t)cut) < 0)
		abort();
	while ((scn = elf_nextscn(elf, scn)) != NULL)
		elf_file_section_data(scn);
	elf_end(elf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfi_table t;
	struct elf_lookup q[] = {
		{ .name = "seed_alpha" },
		{ .name = "seed_", .prefix = true },
		{ .name = "gHotSpotVMStructs" },
	};
	struct elf_lookup_info info;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_elf_readers", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		debug_file_set_root("/nonexistent/tmprof-fuzz-debug");
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	if (cfi_table_build(memfd, &t) == 0) {
		uint64_t va;

		for (unsigned i = 0; i < 16; i++) {
			cfi_table_find(&t, fuzz_addr(data, size, i) & 0xfffff);
			cfi_table_vaddr(&t, fuzz_addr(data, size, i) & 0xfffff, &va);
		}
		cfi_table_free(&t);
	}
	elf_lookup_symbols(memfd, 0, "/nonexistent/tmprof-fuzz/lib.so", q, 3, &info);
	if (size)
		read_after_cut(size * data[size - 1] / 256);
	return 0;
}
