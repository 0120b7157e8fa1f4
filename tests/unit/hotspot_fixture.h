// SPDX-License-Identifier: GPL-2.0
/* A fake HotSpot JVM for unit tests: a buffer that poses as the target's
 * memory (read through fake_reader), a fake vmStructs table with JDK 17's
 * x86-64 offsets, and builders that lay out what the readers in
 * symbolize/hotspot_*.c, symbolize/java_frames.c and the BPF unwinder
 * (bpf/hotspot_unwind.h) walk: a code cache with its segment map, code
 * blobs, nmethods with debug information, Methods with line tables.
 *
 * Offsets used by the builders are those of the table below; tests that
 * poke at fields directly use the same numbers (CodeBlob::_name is 0x60,
 * Method::_constMethod 0x8, ...). */
#ifndef TMPROF_TESTS_UNIT_HOTSPOT_FIXTURE_H
#define TMPROF_TESTS_UNIT_HOTSPOT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* ---- fake target memory ---------------------------------------------- */

/* Where the tests without an address layout of their own put it. */
#define FAKE_BASE 0x7f1200000000ULL

struct fake_mem {
	uint8_t *buf;
	uint64_t base;
	size_t size, used; /* used: what fake_alloc handed out */
	unsigned reads;    /* calls of fake_reader */
};

extern struct fake_mem fake_mem;
/* Reads of [base, base + size), -EFAULT elsewhere. */
extern const struct mem_reader fake_reader;

/* Zeroed memory of size bytes at base: 0, or -1 (for a cmocka setup). */
int fake_mem_setup(uint64_t base, size_t size);
void fake_mem_teardown(void);
/* size bytes of the memory, 64-byte aligned, in allocation order. */
uint64_t fake_alloc(size_t size);
/* The buffer behind [addr, addr + len), which must lie in the memory. */
void *fake_at(uint64_t addr, size_t len);
void fake_put64(uint64_t addr, uint64_t v);
void fake_put32(uint64_t addr, uint32_t v);
void fake_put16(uint64_t addr, uint16_t v);
void fake_put8(uint64_t addr, uint8_t v);
/* A NUL-terminated copy of s. */
uint64_t fake_string(const char *s);

/* ---- fake vmStructs (JDK 17 x86-64 values) --------------------------- */

enum {
	/* CodeCache statics, GrowableArray, CodeHeap, VirtualSpace,
	 * HeapBlock, CodeBlob, nmethod, PcDesc: the last field is
	 * HeapBlock::Header::_used; types CodeBlob, nmethod, PcDesc,
	 * HeapBlock. */
	FAKE_VS_CODE = 1,
	/* Method, ConstMethod, ConstantPool, Klass, Symbol: the last field is
	 * Symbol::_body; types ConstMethod, then ConstantPool (last). */
	FAKE_VS_METHOD = 2,
};

/* The table the builders and the readers under test use; no int
 * constants. */
extern struct vmstructs fake_vs;

/* Rebuild fake_vs from the parts (FAKE_VS_*), code before method; the
 * CodeCache statics have no address until fake_codecache*(). */
struct vmstructs *fake_vmstructs(unsigned parts);
/* The entry of fake_vs, to change or hide. */
struct vmstructs_field *fake_vs_field(const char *type, const char *field);

/* Sizes of the types above. */
#define FAKE_NM_HDR 352    /* sizeof(nmethod) */
#define FAKE_CM_SIZE 48    /* sizeof(ConstMethod) */
#define FAKE_CP_SIZE 72    /* sizeof(ConstantPool) */
#define FAKE_CODE_SIZE 256 /* instructions of a fake_nmethod */

/* ---- fake code cache ------------------------------------------------- */

struct fake_codecache {
	uint64_t low_bound, high_bound, heaps; /* addresses of the statics */
	uint64_t heap_low, segmap;
	unsigned nsegs, log2_seg;
};

extern struct fake_codecache fake_cc;

/* CodeCache::_heaps -> GrowableArray { 1, [CodeHeap] }, the heap covering
 * [low, low + nsegs << log2_seg) with its segment map (all free) at
 * segmap, the bounds the heap's; points fake_vs's statics at them. */
void fake_codecache_at(uint64_t low, uint64_t segmap, unsigned nsegs, unsigned log2_seg);
/* The same with 64-byte segments, heap and map from fake_alloc. */
void fake_codecache(unsigned nsegs);
/* A used HeapBlock of nsegs segments at segment seg, marked in the segment
 * map as HotSpot does (0, then hops 1..0xFE); returns the blob start. */
uint64_t fake_block(unsigned seg, unsigned nsegs);

/* ---- fake nmethods and Methods --------------------------------------- */

/* UNSIGNED5 as CompressedWriteStream::write_int writes it (JDK 17). */
size_t fake_u5_write(uint8_t *out, uint32_t v);
/* ScopeDesc record: sender, method index, bci - InvocationEntryBci, then
 * locals, expressions, monitors (none). */
size_t fake_scope_write(uint8_t *out, uint32_t sender, uint32_t midx, int bci);

struct fake_nm {
	uint64_t blob, code, metadata, scopes, pcs;
	uint32_t off_a, off_b, off_c; /* decode offsets of the three scopes */
	size_t npcs;                  /* PcDescs, sentinels included */
};

/* nmethod compile_id of m[0] with m[1], m[2] inlined: PcDescs at 0x10
 * (m0@5), 0x40 (m0@5 -> m1@7), 0x80 (m0@5 -> m1@7 -> m2@3), 0x90 (no
 * scope, serialized_null), between the sentinels. */
struct fake_nm fake_nmethod(uint64_t blob, uint32_t compile_id, const uint64_t m[3]);

/* A Symbol holding s. */
uint64_t fake_symbol(const char *s);
/* The Symbol at sym rewritten in place to hold s (the JVM freed it and
 * made another Symbol in its memory). */
void fake_symbol_set(uint64_t sym, const char *s);

struct fake_method {
	uint64_t method, cm, cp, klass;
};

/* A Method klass.name(sig) of code_size bytecodes, with the line table
 * lines[] (bci, line pairs) when with_table. */
struct fake_method fake_method(const char *klass, const char *name, const char *sig,
			       uint16_t code_size, const int (*lines)[2], size_t nlines,
			       bool with_table);
/* A Method of 16 bytecodes whose line table maps bci b to line base + b. */
struct fake_method fake_method_lines(const char *klass, const char *name, const char *sig,
				     int base);

#endif
