/* Code cache walk, code blob headers and nmethod debug information against
 * a fake code heap laid out in a buffer that poses as the target's memory,
 * with JDK 17's offsets in a fake vmStructs table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "symbolize/hotspot_method.h"
#include "symbolize/hotspot_nmethod.h"

/* ---- fake target memory ---------------------------------------------- */

#define FAKE_BASE 0x7f1200000000ULL
#define FAKE_SIZE (256u * 1024)

struct fake_mem {
	uint8_t *buf;
	uint64_t base;
	size_t size, used;
};

static struct fake_mem fm;

static int fake_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct fake_mem *m = ctx;

	if (addr < m->base || addr - m->base > m->size || len > m->size - (addr - m->base))
		return -EFAULT;
	memcpy(out, m->buf + (addr - m->base), len);
	return 0;
}

static const struct mem_reader fake_reader = { fake_read, &fm };

static uint64_t fake_alloc(size_t size)
{
	uint64_t addr;

	fm.used = (fm.used + 63) & ~(size_t)63;
	assert_true(fm.used + size <= fm.size);
	addr = fm.base + fm.used;
	fm.used += size;
	return addr;
}

static void *at(uint64_t addr) { return fm.buf + (addr - fm.base); }
static void put64(uint64_t addr, uint64_t v) { memcpy(at(addr), &v, 8); }
static void put32(uint64_t addr, uint32_t v) { memcpy(at(addr), &v, 4); }

static uint64_t fake_string(const char *s)
{
	uint64_t a = fake_alloc(strlen(s) + 1);

	memcpy(at(a), s, strlen(s) + 1);
	return a;
}

/* ---- fake vmStructs (JDK 17 x86_64 values) ----------------------------- */

#define F(t, f, o) { (char *)(t), (char *)(f), (o), 0, false }
#define S(t, f) { (char *)(t), (char *)(f), 0, 0, true }
static struct vmstructs_field fields[] = {
	F("CodeBlob", "_name", 0x60),
	F("CodeBlob", "_size", 0xc),
	F("CodeBlob", "_code_begin", 0x20),
	F("CodeBlob", "_code_end", 0x28),
	F("nmethod", "_compile_id", 0x130),
	F("CompiledMethod", "_method", 0x70),
	F("CompiledMethod", "_scopes_data_begin", 0x78),
	F("nmethod", "_metadata_offset", 0x104),
	F("nmethod", "_scopes_pcs_offset", 0x10c),
	F("nmethod", "_dependencies_offset", 0x110),
	F("PcDesc", "_pc_offset", 0x0),
	F("PcDesc", "_scope_decode_offset", 0x4),
	S("CodeCache", "_low_bound"),
	S("CodeCache", "_high_bound"),
	S("CodeCache", "_heaps"),
	F("GrowableArrayBase", "_len", 0x0),
	F("GrowableArray<int>", "_data", 0x8),
	F("CodeHeap", "_memory", 0x8),
	F("CodeHeap", "_segmap", 0x78),
	F("CodeHeap", "_log2_segment_size", 0x100),
	F("VirtualSpace", "_low_boundary", 0x0),
	F("VirtualSpace", "_high_boundary", 0x8),
	F("VirtualSpace", "_low", 0x10),
	F("HeapBlock", "_header", 0x0),
	F("HeapBlock::Header", "_used", 0x8),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
static struct vmstructs_type types[] = {
	{ (char *)"CodeBlob", 104 },
	{ (char *)"nmethod", 352 },
	{ (char *)"PcDesc", 16 },
	{ (char *)"HeapBlock", 16 },
};
static struct vmstructs vs = { fields, NFIELDS, types, 4, NULL, 0 };

#define NM_HDR 352
#define SEG 64
#define NSEGS 64

/* ---- fake code heap -------------------------------------------------- */

static uint64_t heap_low, segmap;

static void fake_codecache(void)
{
	uint64_t low = fake_alloc(8), high = fake_alloc(8), heaps = fake_alloc(8);
	uint64_t ga = fake_alloc(16), data = fake_alloc(8), heap = fake_alloc(0x108);

	heap_low = fake_alloc(SEG * NSEGS);
	segmap = fake_alloc(NSEGS);
	memset(at(segmap), 0xff, NSEGS);
	fields[12].address = low;
	fields[13].address = high;
	fields[14].address = heaps;
	put64(low, heap_low);
	put64(high, heap_low + SEG * NSEGS);
	put64(heaps, ga);
	put32(ga, 1);
	put64(ga + 8, data);
	put64(data, heap);
	put64(heap + 0x8, heap_low);
	put64(heap + 0x8 + 0x8, heap_low + SEG * NSEGS);
	put64(heap + 0x8 + 0x10, heap_low);
	put64(heap + 0x78 + 0x10, segmap);
	put32(heap + 0x100, 6);
}

/* A used block of nsegs segments at segment seg; returns the blob start. */
static uint64_t fake_block(unsigned seg, unsigned nsegs)
{
	uint64_t block = heap_low + (uint64_t)seg * SEG;

	for (unsigned i = 0; i < nsegs; i++)
		((uint8_t *)at(segmap))[seg + i] = (uint8_t)(i > 0xfe ? 0xfe : i);
	put64(block, nsegs);
	*(uint8_t *)at(block + 8) = 1;
	return block + 16;
}

static size_t u5_write(uint8_t *out, uint32_t v)
{
	size_t n = 0;

	for (int i = 0;; i++) {
		if (v < 192 || i == 4) {
			out[n++] = (uint8_t)v;
			return n;
		}
		v -= 192;
		out[n++] = (uint8_t)(192 + (v % 64));
		v >>= 6;
	}
}

/* ScopeDesc record: sender, method index, bci - InvocationEntryBci, then
 * locals, expressions, monitors (none). */
static size_t scope_write(uint8_t *out, uint32_t sender, uint32_t midx, int bci)
{
	size_t n = 0;

	n += u5_write(out + n, sender);
	n += u5_write(out + n, midx);
	n += u5_write(out + n, (uint32_t)(bci + 1));
	n += u5_write(out + n, 0);
	n += u5_write(out + n, 0);
	n += u5_write(out + n, 0);
	return n;
}

#define M_A 0x5000000a000ULL
#define M_B 0x5000000b000ULL
#define M_C 0x5000000c000ULL
#define CODE_SIZE 256

struct fake_nm {
	uint64_t blob, code, metadata, scopes, pcs;
	uint32_t off_a, off_b, off_c;
	size_t npcs;
};

/* nmethod 42 of method A: PcDescs at 0x10 (A@5), 0x40 (A@5 -> B@7),
 * 0x80 (A@5 -> B@7 -> C@3), 0x90 (no scope, serialized_null). */
static struct fake_nm fake_nmethod(uint64_t blob, uint32_t compile_id)
{
	struct fake_nm f;
	uint8_t sd[128];
	size_t sdlen = 0;
	struct { int32_t pc, scope; } pcs[7];
	uint64_t end;

	f.blob = blob;
	f.code = blob + NM_HDR;
	f.metadata = f.code + CODE_SIZE;
	put64(f.metadata, M_A);
	put64(f.metadata + 8, M_B);
	put64(f.metadata + 16, M_C);
	f.scopes = f.metadata + 24;
	sd[sdlen++] = 0; /* offset 0 is serialized_null */
	f.off_a = (uint32_t)sdlen;
	sdlen += scope_write(sd + sdlen, 0, 1, 5);
	f.off_b = (uint32_t)sdlen;
	sdlen += scope_write(sd + sdlen, f.off_a, 2, 7);
	f.off_c = (uint32_t)sdlen;
	sdlen += scope_write(sd + sdlen, f.off_b, 3, 3);
	memcpy(at(f.scopes), sd, sdlen);
	f.pcs = (f.scopes + sdlen + 7) & ~7ULL;
	pcs[0].pc = -1, pcs[0].scope = 0;
	pcs[1].pc = 0x10, pcs[1].scope = (int32_t)f.off_a;
	pcs[2].pc = 0x40, pcs[2].scope = (int32_t)f.off_b;
	pcs[3].pc = 0x80, pcs[3].scope = (int32_t)f.off_c;
	pcs[4].pc = 0x90, pcs[4].scope = 0;
	pcs[5].pc = CODE_SIZE + 1, pcs[5].scope = 0; /* final sentinel */
	pcs[6] = pcs[5];                              /* alignment copy */
	f.npcs = 7;
	for (size_t i = 0; i < f.npcs; i++) {
		put32(f.pcs + 16 * i, (uint32_t)pcs[i].pc);
		put32(f.pcs + 16 * i + 4, (uint32_t)pcs[i].scope);
	}
	end = f.pcs + 16 * f.npcs;
	put64(blob + 0x60, fake_string("nmethod"));
	put32(blob + 0xc, (uint32_t)(end - blob));
	put64(blob + 0x20, f.code);
	put64(blob + 0x28, f.code + CODE_SIZE);
	put32(blob + 0x130, compile_id);
	put64(blob + 0x70, M_A);
	put64(blob + 0x78, f.scopes);
	put32(blob + 0x104, (uint32_t)(f.metadata - blob));
	put32(blob + 0x10c, (uint32_t)(f.pcs - blob));
	put32(blob + 0x110, (uint32_t)(end - blob));
	return f;
}

static int setup(void **state)
{
	(void)state;
	fm.buf = calloc(1, FAKE_SIZE);
	fm.base = FAKE_BASE;
	fm.size = FAKE_SIZE;
	fm.used = 0;
	if (!fm.buf)
		return -1;
	fake_codecache();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fm.buf);
	memset(&fm, 0, sizeof(fm));
	return 0;
}

static struct hotspot_blob_layout layout(void)
{
	struct hotspot_blob_layout l;

	assert_int_equal(hotspot_blob_layout_init(&l, &vs), 0);
	return l;
}

static void read_nm(struct fake_nm *f, struct hotspot_nmethod *nm)
{
	struct hotspot_blob_layout l = layout();
	struct hotspot_blob b;

	assert_int_equal(hotspot_blob_read(&fake_reader, &l, f->blob, &b), 0);
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 20, nm), 0);
}

/* ---- tests ----------------------------------------------------------- */

static void test_codecache_and_blob_find(void **state)
{
	struct hotspot_cfg cfg;
	uint64_t blob, stub, found;

	(void)state;
	assert_int_equal(hotspot_codecache_read(&fake_reader, &vs, &cfg), 0);
	assert_int_equal(cfg.nheaps, 1);
	assert_int_equal(cfg.codecache_low, heap_low);
	assert_int_equal(cfg.heaps[0].segmap, segmap);
	assert_int_equal(cfg.heaps[0].log2_segment, 6);
	assert_int_equal(cfg.heap_block_size, 16);
	assert_int_equal(cfg.heap_block_used, 8);

	blob = fake_block(3, 20);
	stub = fake_block(30, 2);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, blob + 5, &found), 0);
	assert_int_equal(found, blob);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, blob + 19 * SEG, &found), 0);
	assert_int_equal(found, blob);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, stub + 70, &found), 0);
	assert_int_equal(found, stub);
	/* Free segment, outside the code cache. */
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, heap_low + 40 * SEG, &found), -ENOENT);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, heap_low - 1, &found), -ENOENT);
	/* A freed block (used flag cleared). */
	*(uint8_t *)at(stub - 8) = 0;
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, stub + 70, &found), -ENOENT);
	/* Hop count past the map's start. */
	((uint8_t *)at(segmap))[3] = 9;
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, blob + 5, &found), -ENOENT);
}

static void test_codecache_errors(void **state)
{
	struct vmstructs v = vs;
	struct hotspot_cfg cfg;
	uint64_t heaps = fields[14].address, ga;

	(void)state;
	v.nfields = NFIELDS - 1;
	assert_int_equal(hotspot_codecache_read(&fake_reader, &v, &cfg), -ENOENT);
	memcpy(&ga, at(heaps), 8);
	put32(ga, 0);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &vs, &cfg), -EINVAL);
	put32(ga, 99);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &vs, &cfg), -EINVAL);
	put32(ga, 1);
	put64(heaps, 0x10);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &vs, &cfg), -EFAULT);
}

static void test_blob_headers(void **state)
{
	struct hotspot_blob_layout l = layout();
	uint64_t blob = fake_block(0, 16), stub = fake_block(20, 2);
	struct hotspot_blob b;

	(void)state;
	fake_nmethod(blob, 42);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, blob, &b), 0);
	assert_true(b.is_nmethod);
	assert_int_equal(b.compile_id, 42);
	assert_int_equal(b.method, M_A);
	assert_int_equal(b.code_begin, blob + NM_HDR);
	/* Native method wrappers are nmethods too. */
	put64(blob + 0x60, fake_string("native nmethod"));
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, blob, &b), 0);
	assert_true(b.is_nmethod);
	assert_int_equal(b.compile_id, 42);

	put64(stub + 0x60, fake_string("StubRoutines (1)"));
	put32(stub + 0xc, 100);
	put64(stub + 0x20, stub + 104);
	put64(stub + 0x28, stub + 100);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), -EINVAL); /* end < begin */
	put64(stub + 0x28, stub + 110);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), -EINVAL); /* past size */
	put32(stub + 0xc, 110);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), 0);
	assert_false(b.is_nmethod);
	assert_string_equal(b.name, "StubRoutines (1)");
	put32(stub + 0xc, 0x80000000u);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), -EINVAL);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, 0x10, &b), -EFAULT);
}

static void expect_chain(const struct hotspot_nmethod *nm, uint64_t pc, bool leaf,
			 enum java_pc_rule rule, const uint64_t *methods, const int *bcis, int n)
{
	struct hotspot_scope s[8];
	int got = hotspot_nmethod_scopes(nm, pc, leaf, rule, s, 8);

	assert_int_equal(got, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(s[i].method, methods[i]);
		assert_int_equal(s[i].bci, bcis[i]);
	}
}

static void test_scope_chains_and_rules(void **state)
{
	static const uint64_t a[] = { M_A }, ab[] = { M_A, M_B }, abc[] = { M_A, M_B, M_C };
	static const int bci_a[] = { 5 }, bci_ab[] = { 5, 7 }, bci_abc[] = { 5, 7, 3 };
	static const int entry[] = { -1 };
	struct fake_nm f = fake_nmethod(fake_block(0, 16), 42);
	struct hotspot_nmethod nm;
	struct hotspot_scope s[8];
	uint64_t c = f.code;

	(void)state;
	read_nm(&f, &nm);
	assert_int_equal(nm.npcs, 4); /* sentinels dropped */
	assert_int_equal(nm.nmetadata, 3);

	/* Return addresses: exact only. */
	expect_chain(&nm, c + 0x10, false, JAVA_PC_FOLLOWING, a, bci_a, 1);
	expect_chain(&nm, c + 0x40, false, JAVA_PC_PRECEDING, ab, bci_ab, 2);
	expect_chain(&nm, c + 0x80, false, JAVA_PC_NEAREST, abc, bci_abc, 3);
	expect_chain(&nm, c + 0x90, false, JAVA_PC_NEAREST, a, entry, 1);
	assert_int_equal(hotspot_nmethod_scopes(&nm, c + 0x41, false, JAVA_PC_PRECEDING, s, 8),
			 -ENOENT);

	/* Leaf, between 0x40 and 0x80. */
	expect_chain(&nm, c + 0x50, true, JAVA_PC_PRECEDING, ab, bci_ab, 2);
	expect_chain(&nm, c + 0x50, true, JAVA_PC_FOLLOWING, abc, bci_abc, 3);
	expect_chain(&nm, c + 0x50, true, JAVA_PC_NEAREST, ab, bci_ab, 2);
	expect_chain(&nm, c + 0x70, true, JAVA_PC_NEAREST, abc, bci_abc, 3);
	expect_chain(&nm, c + 0x60, true, JAVA_PC_NEAREST, abc, bci_abc, 3); /* tie */
	/* Leaf exactly at a PcDesc: following is strictly after. */
	expect_chain(&nm, c + 0x40, true, JAVA_PC_PRECEDING, ab, bci_ab, 2);
	expect_chain(&nm, c + 0x40, true, JAVA_PC_FOLLOWING, abc, bci_abc, 3);
	expect_chain(&nm, c + 0x40, true, JAVA_PC_NEAREST, ab, bci_ab, 2);
	/* Before the first and after the last PcDesc. */
	assert_int_equal(hotspot_nmethod_scopes(&nm, c + 0x5, true, JAVA_PC_PRECEDING, s, 8),
			 -ENOENT);
	expect_chain(&nm, c + 0x5, true, JAVA_PC_FOLLOWING, a, bci_a, 1);
	expect_chain(&nm, c + 0x5, true, JAVA_PC_NEAREST, a, bci_a, 1);
	expect_chain(&nm, c + 0xa0, true, JAVA_PC_PRECEDING, a, entry, 1);
	assert_int_equal(hotspot_nmethod_scopes(&nm, c + 0xa0, true, JAVA_PC_FOLLOWING, s, 8),
			 -ENOENT);
	expect_chain(&nm, c + 0xa0, true, JAVA_PC_NEAREST, a, entry, 1);
	/* Room for fewer levels than the chain has; pc outside the blob. */
	assert_int_equal(hotspot_nmethod_scopes(&nm, c + 0x80, false, JAVA_PC_NEAREST, s, 2),
			 -E2BIG);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.blob - 1, true, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
}

static void test_pcdesc_select(void **state)
{
	static const struct hotspot_pcdesc pcs[] = { { 4, 1 }, { 8, 1 }, { 20, 1 } };

	(void)state;
	assert_int_equal(hotspot_pcdesc_select(pcs, 0, 5, true, JAVA_PC_NEAREST), -1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 8, false, JAVA_PC_NEAREST), 1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 9, false, JAVA_PC_NEAREST), -1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 3, false, JAVA_PC_NEAREST), -1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 19, true, JAVA_PC_PRECEDING), 1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 19, true, JAVA_PC_FOLLOWING), 2);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 19, true, JAVA_PC_NEAREST), 2);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 9, true, JAVA_PC_NEAREST), 1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 20, true, JAVA_PC_FOLLOWING), -1);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 20, true, JAVA_PC_PRECEDING), 2);
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, -7, true, JAVA_PC_FOLLOWING), 0);
	assert_string_equal(java_pc_rule_name(JAVA_PC_FOLLOWING), "following");
}

static int try_read(struct fake_nm *f)
{
	struct hotspot_blob_layout l = layout();
	struct hotspot_nmethod nm;
	struct hotspot_blob b;
	int err = hotspot_blob_read(&fake_reader, &l, f->blob, &b);

	if (err)
		return err;
	err = hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 20, &nm);
	if (!err)
		hotspot_nmethod_free(&nm);
	return err;
}

static void test_corrupt_layouts(void **state)
{
	uint64_t blob = fake_block(0, 16);
	struct fake_nm f = fake_nmethod(blob, 42);
	struct hotspot_blob_layout l = layout();
	struct hotspot_nmethod nm;
	struct hotspot_blob b;
	uint32_t size;

	(void)state;
	assert_int_equal(try_read(&f), 0);
	/* Offsets out of order or past the blob. */
	put32(blob + 0x110, 0x100000);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put32(blob + 0x104, 8); /* metadata inside the header */
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put32(blob + 0x104, 0xfffffff0u);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put64(blob + 0x78, f.pcs + 8); /* scopes data after the PcDescs */
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put32(blob + 0x110, (uint32_t)(f.pcs - blob + 8)); /* partial PcDesc */
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put32(blob + 0x110, (uint32_t)(f.pcs - blob + 16)); /* one PcDesc */
	assert_int_equal(try_read(&f), -EINVAL);
	/* None at all: a native method wrapper. */
	f = fake_nmethod(blob, 42);
	put32(blob + 0x110, (uint32_t)(f.pcs - blob));
	assert_int_equal(try_read(&f), 0);
	read_nm(&f, &nm);
	assert_int_equal(nm.npcs, 0);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x10, true, JAVA_PC_NEAREST,
						(struct hotspot_scope[1]){ { 0, 0 } }, 1),
			 -ENOENT);
	hotspot_nmethod_free(&nm);
	/* No leading sentinel, unsorted, scope offset past the scopes. */
	f = fake_nmethod(blob, 42);
	put32(f.pcs, 3);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put32(f.pcs + 32, 0x10);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42);
	put32(f.pcs + 16 + 4, 5000);
	assert_int_equal(try_read(&f), -EINVAL);
	/* Too big for the budget. */
	f = fake_nmethod(blob, 42);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, blob, &b), 0);
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 64, &nm), -E2BIG);
	/* Blob running off readable memory. */
	b.size = (uint32_t)(fm.base + fm.size - blob + 4096);
	b.dependencies_offset = (int32_t)(b.size - 16);
	b.scopes_pcs_offset = (int32_t)(b.size - 64);
	memcpy(&size, at(blob + 0xc), 4);
	assert_true(size < b.size);
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 30, &nm), -EFAULT);
	/* Not an nmethod at all. */
	b.is_nmethod = false;
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 30, &nm), -EINVAL);
}

static void test_corrupt_scopes(void **state)
{
	uint64_t blob = fake_block(0, 16);
	struct fake_nm f = fake_nmethod(blob, 42);
	struct hotspot_nmethod nm;
	struct hotspot_scope s[8];
	uint8_t *sd;

	(void)state;
	/* Method index past the metadata. */
	sd = at(f.scopes);
	sd[f.off_c + 1] = 4;
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x80, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x40, false, JAVA_PC_NEAREST, s, 8), 2);
	hotspot_nmethod_free(&nm);
	/* Index 0 (NULL). */
	sd[f.off_c + 1] = 0;
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x80, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
	/* A scope that is its own sender: cut by the depth bound. */
	f = fake_nmethod(blob, 42);
	sd[f.off_b] = (uint8_t)f.off_b;
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x40, false, JAVA_PC_NEAREST, s, 8),
			 -E2BIG);
	{
		struct hotspot_scope big[80];

		assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x40, false, JAVA_PC_NEAREST,
							big, 80),
				 -EINVAL);
	}
	hotspot_nmethod_free(&nm);
	/* Sender past the scopes data. */
	f = fake_nmethod(blob, 42);
	sd[f.off_b] = 150;
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x40, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
	/* Outermost method is not the nmethod's. */
	f = fake_nmethod(blob, 42);
	put64(f.metadata, M_C);
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x10, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
	/* A record cut by the end of the scopes data (UNSIGNED5 high byte
	 * last): the last PcDesc's scope moved to the final byte. */
	f = fake_nmethod(blob, 42);
	sd[f.pcs - f.scopes - 1] = 0xc0;
	put32(f.pcs + 3 * 16 + 4, (uint32_t)(f.pcs - f.scopes - 1));
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x80, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_codecache_and_blob_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codecache_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_chains_and_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcdesc_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_scopes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
