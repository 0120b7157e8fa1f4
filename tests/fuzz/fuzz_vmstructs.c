// SPDX-License-Identifier: GPL-2.0
/* Fuzz the vmStructs reader (symbolize/vmstructs.c: vmstructs_read,
 * vmstructs_read_ints and the lookups) and the class-name reader
 * (agent/klass_names.c) on a fake memory image of the target: the input is
 * the target's memory at FUZZ_BASE, every read outside it fails with
 * -EFAULT. Both read tables and strings whose addresses the target gives.
 *
 * Image layout (what the seed in corpus/vmstructs/ follows):
 *   0x00  the 12 variables of struct vmstructs_addrs, in its order
 *         (gHotSpotVMStructs, ...EntryTypeNameOffset, ...): each a u64
 *   0x60  the 4 variables of struct vmstructs_int_addrs
 *   0x80  three Klass pointers to name
 *   0x98  the rest: tables, strings, Klasses and Symbols
 *
 * The class names are read twice: with the offsets the image's own tables
 * give (when they have Klass::_name, Symbol::_length and Symbol::_body), and
 * with fixed JDK 17 offsets, so that the class-name reader is fuzzed even
 * when the tables do not parse.
 *
 * Invariants: errors are negative; a table read whole has names for all
 * its entries; a class name is NUL-terminated, shorter than the Symbol's
 * 16-bit length allows (plus the "[]" of array dimensions), and a second
 * lookup gives the same pointer (cached). */
#include <errno.h>
#include <stdbool.h>

#include "agent/jvm/klass_names.h"
#include "symbolize/vmstructs.h"
#include "tests/fuzz/fuzz_image.h"
#include "tests/fuzz/fuzz_util.h"

#define KLASS_AT 0x80

static struct vmstructs_field jdk17_fields[] = {
	{ (char *)"Klass", (char *)"_name", 0x10, 0, false },
	{ (char *)"Symbol", (char *)"_length", 0x4, 0, false },
	{ (char *)"Symbol", (char *)"_body", 0x6, 0, false },
};

static void names(const struct mem_reader *mem, const struct vmstructs *vs, const uint8_t *data,
		  size_t size)
{
	struct klass_names kn;
	int err = klass_names_init(&kn, mem, vs);

	if (err > 0)
		abort();
	if (err)
		return;
	for (size_t i = 0; i < 3 && KLASS_AT + 8 * (i + 1) <= size; i++) {
		uint64_t klass;
		const char *a, *b;

		memcpy(&klass, data + KLASS_AT + 8 * i, 8);
		a = klass_names_get(&kn, klass);
		b = klass_names_get(&kn, klass);
		if (a && strlen(a) > 65535 * 3 + 64)
			abort();
		if (a && a != b)
			abort();
	}
	if (klass_names_memory(&kn) == 0)
		abort();
	klass_names_clear(&kn);
	klass_names_free(&kn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { data, FUZZ_BASE, size };
	struct mem_reader mem = { image_read, &im };
	struct vmstructs_addrs a;
	struct vmstructs_int_addrs ia = { FUZZ_BASE + 0x60, FUZZ_BASE + 0x68, FUZZ_BASE + 0x70,
					  FUZZ_BASE + 0x78 };
	struct vmstructs vs, fixed = { jdk17_fields, 3, NULL, 0, NULL, 0 };
	uint64_t *slot = (uint64_t *)&a;
	int err;

	for (size_t i = 0; i < sizeof(a) / sizeof(uint64_t); i++)
		slot[i] = FUZZ_BASE + 8 * i;
	err = vmstructs_read(&mem, &a, &vs);
	if (err > 0)
		abort();
	if (!err) {
		uint64_t v;
		int32_t iv;

		for (size_t i = 0; i < vs.nfields; i++)
			if (!vs.fields[i].type)
				abort();
		for (size_t i = 0; i < vs.ntypes; i++)
			if (!vs.types[i].name)
				abort();
		err = vmstructs_read_ints(&mem, &ia, &vs);
		if (err > 0 || (err && vs.nints))
			abort();
		for (size_t i = 0; i < vs.nints; i++)
			if (!vs.ints[i].name)
				abort();
		(void)vmstructs_offset(&vs, "Klass", "_name", &v);
		(void)vmstructs_type_size(&vs, "Method", &v);
		(void)vmstructs_int_constant(&vs, "frame::interpreter_frame_method_offset", &iv);
		names(&mem, &vs, data, size);
		vmstructs_free(&vs);
	}
	names(&mem, &fixed, data, size);
	return 0;
}
