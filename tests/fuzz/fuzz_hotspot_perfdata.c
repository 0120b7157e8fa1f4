// SPDX-License-Identifier: GPL-2.0
/* Fuzz the PerfData counter lookup (symbolize/hotspot_perfdata.c) on a fake
 * memory image of the target: the input is the target's memory at
 * FUZZ_BASE, every read outside it fails with -EFAULT. The vmStructs table
 * is fixed (JDK 17 x86-64).
 *
 * Image layout (what the seeds in corpus/hotspot_perfdata/ follow):
 *   0x00  PerfMemory::_start (static), 0x08 PerfMemory::_capacity (static)
 *   0x10  a NUL-terminated counter name to look up (up to 48 bytes)
 *   0x40  the rest: usually the PerfData region (prologue, entries)
 *
 * Invariants: a found counter's 8 bytes lie inside [start, start +
 * capacity), and can be read when the image holds that whole region;
 * errors are negative. */
#include <errno.h>
#include <stdbool.h>

#include "symbolize/hotspot_perfdata.h"
#include "tests/fuzz/fuzz_image.h"
#include "tests/fuzz/fuzz_util.h"

#define NAME_AT 0x10
#define NAME_MAX_LEN 48


static struct vmstructs_field fields[] = {
	{ (char *)"PerfMemory", (char *)"_start", 0, FUZZ_BASE + 0x0, true },
	{ (char *)"PerfMemory", (char *)"_capacity", 0, FUZZ_BASE + 0x8, true },
	{ (char *)"PerfDataPrologue", (char *)"magic", 0x0, 0, false },
	{ (char *)"PerfDataPrologue", (char *)"entry_offset", 0x18, 0, false },
	{ (char *)"PerfDataPrologue", (char *)"num_entries", 0x1c, 0, false },
	{ (char *)"PerfDataEntry", (char *)"entry_length", 0x0, 0, false },
	{ (char *)"PerfDataEntry", (char *)"name_offset", 0x4, 0, false },
	{ (char *)"PerfDataEntry", (char *)"vector_length", 0x8, 0, false },
	{ (char *)"PerfDataEntry", (char *)"data_type", 0xc, 0, false },
	{ (char *)"PerfDataEntry", (char *)"data_offset", 0x10, 0, false },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static void find(const struct mem_reader *mem, const struct vmstructs *vs, const char *name,
		 size_t size)
{
	uint64_t addr = 0, start, capacity, v;
	int err = hotspot_perfdata_find(mem, vs, name, &addr);

	if (err > 0)
		abort();
	if (err)
		return;
	if (mem_read_u64(mem, FUZZ_BASE, &start) || mem_read_u64(mem, FUZZ_BASE + 8, &capacity))
		abort();
	/* Inside the region; readable when the whole region is in the image
	 * (the parser reads entry headers and names, not every value). */
	if (addr < start || addr - start > capacity || capacity - (addr - start) < 8)
		abort();
	if (start >= FUZZ_BASE && start - FUZZ_BASE <= size && capacity <= size - (start - FUZZ_BASE) &&
	    mem_read_u64(mem, addr, &v))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { data, FUZZ_BASE, size };
	struct mem_reader mem = { image_read, &im };
	struct vmstructs vs = { fields, NFIELDS, NULL, 0, NULL, 0 };
	char name[NAME_MAX_LEN + 1] = "";

	if (size > NAME_AT) {
		size_t n = size - NAME_AT < NAME_MAX_LEN ? size - NAME_AT : NAME_MAX_LEN;

		memcpy(name, data + NAME_AT, n);
		name[n] = '\0';
	}
	find(&mem, &vs, "java.cls.unloadedClasses", size);
	find(&mem, &vs, "sun.rt.javaCommand", size);
	find(&mem, &vs, name, size);
	/* vmStructs without the entry fields: -ENOENT before any read. */
	vs.nfields = NFIELDS - 1;
	if (hotspot_perfdata_find(&mem, &vs, name, &(uint64_t){ 0 }) != -ENOENT)
		abort();
	return 0;
}
