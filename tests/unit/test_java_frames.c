/* java_frames against a fake JVM (code heap, nmethods, Methods) laid out in
 * a buffer that poses as the target's memory, with JDK 17's offsets in a
 * fake vmStructs table: naming, caching and invalidation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "symbolize/java_frames.h"

/* ---- fake target memory ---------------------------------------------- */

#define FAKE_BASE 0x7f1200000000ULL
#define FAKE_SIZE (8u * 1024 * 1024)

struct fake_mem {
	uint8_t *buf;
	uint64_t base;
	size_t size, used;
	unsigned reads;
};

static struct fake_mem fm;

static int fake_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct fake_mem *m = ctx;

	m->reads++;
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
static void put16(uint64_t addr, uint16_t v) { memcpy(at(addr), &v, 2); }

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
	S("CodeCache", "_low_bound"),
	S("CodeCache", "_high_bound"),
	S("CodeCache", "_heaps"),
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
	F("Method", "_constMethod", 0x8),
	F("ConstMethod", "_constants", 0x8),
	F("ConstMethod", "_constMethod_size", 0x18),
	F("ConstMethod", "_flags", 0x1c),
	F("ConstMethod", "_code_size", 0x20),
	F("ConstMethod", "_name_index", 0x22),
	F("ConstMethod", "_signature_index", 0x24),
	F("ConstMethod", "_method_idnum", 0x26),
	F("ConstantPool", "_pool_holder", 0x18),
	F("ConstantPool", "_length", 0x3c),
	F("Klass", "_name", 0x18),
	F("Symbol", "_length", 0x4),
	F("Symbol", "_body", 0x6),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
static struct vmstructs_type types[] = {
	{ (char *)"CodeBlob", 104 }, { (char *)"nmethod", 352 },      { (char *)"PcDesc", 16 },
	{ (char *)"HeapBlock", 16 }, { (char *)"ConstMethod", 48 }, { (char *)"ConstantPool", 72 },
};
static struct vmstructs vs = { fields, NFIELDS, types, 6, NULL, 0 };

#define NM_HDR 352
#define SEG 64
#define NSEGS 128
#define CM_SIZE 48
#define CP_SIZE 72
#define CODE_SIZE 256

/* ---- fake Methods ---------------------------------------------------- */

/* UNSIGNED5 as CompressedWriteStream::write_int writes it (JDK 17). */
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

static uint64_t fake_symbol(const char *s)
{
	size_t n = strlen(s);
	uint64_t sym = fake_alloc(6 + n);

	put16(sym + 4, (uint16_t)n);
	memcpy(at(sym + 6), s, n);
	return sym;
}

/* A ConstMethod of method klass.name(sig) whose line table maps bci b to
 * line base + b (one short pair per bci 0..15). */
static uint64_t fake_const_method(const char *klass, const char *name, const char *sig, int base)
{
	uint64_t k = fake_alloc(0x20), cp = fake_alloc(CP_SIZE + 8 * 8), cm;
	size_t words = (CM_SIZE + 16 + 24) / 8 + 1, n;
	uint8_t *t;

	put64(k + 0x18, fake_symbol(klass));
	put64(cp + 0x18, k);
	put32(cp + 0x3c, 8);
	put64(cp + CP_SIZE + 8 * 3, fake_symbol(name));
	put64(cp + CP_SIZE + 8 * 4, fake_symbol(sig));
	cm = fake_alloc(words * 8);
	put64(cm + 0x8, cp);
	put32(cm + 0x18, (uint32_t)words);
	put16(cm + 0x1c, 1);
	put16(cm + 0x20, 16);
	put16(cm + 0x22, 3);
	put16(cm + 0x24, 4);
	t = at(cm + CM_SIZE + 16);
	/* First pair: escape (line delta > 7), zig-zag bci 0 and line base;
	 * then (bci +1, line +1) pairs. */
	n = 0;
	t[n++] = 0xff;
	n += u5_write(t + n, 0);
	n += u5_write(t + n, (uint32_t)base << 1);
	for (int i = 1; i < 16; i++)
		t[n++] = (1 << 3) | 1;
	t[n] = 0;
	return cm;
}

static uint64_t fake_method(const char *klass, const char *name, const char *sig, int base)
{
	uint64_t m = fake_alloc(0x58);

	put64(m + 0x8, fake_const_method(klass, name, sig, base));
	return m;
}

/* ---- fake code heap -------------------------------------------------- */

static uint64_t heap_low, segmap;

static void fake_codecache(void)
{
	uint64_t low = fake_alloc(8), high = fake_alloc(8), heaps = fake_alloc(8);
	uint64_t ga = fake_alloc(16), data = fake_alloc(8), heap = fake_alloc(0x108);

	heap_low = fake_alloc(SEG * NSEGS);
	segmap = fake_alloc(NSEGS);
	memset(at(segmap), 0xff, NSEGS);
	fields[0].address = low;
	fields[1].address = high;
	fields[2].address = heaps;
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

static uint64_t fake_block(unsigned seg, unsigned nsegs)
{
	uint64_t block = heap_low + (uint64_t)seg * SEG;

	for (unsigned i = 0; i < nsegs; i++)
		((uint8_t *)at(segmap))[seg + i] = (uint8_t)i;
	put64(block, nsegs);
	*(uint8_t *)at(block + 8) = 1;
	return block + 16;
}

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

struct fake_nm {
	uint64_t blob, code, pcs;
};

/* nmethod compile_id of m[0] with m[1], m[2] inlined: PcDescs at 0x10
 * (m0@5), 0x40 (m0@5 -> m1@7), 0x80 (m0@5 -> m1@7 -> m2@3). */
static struct fake_nm fake_nmethod(uint64_t blob, uint32_t compile_id, const uint64_t m[3])
{
	struct fake_nm f;
	uint64_t md, sd_addr, end;
	uint8_t sd[64];
	size_t sdlen = 0;
	uint32_t oa, ob, oc;
	int32_t pcs[6][2];

	f.blob = blob;
	f.code = blob + NM_HDR;
	md = f.code + CODE_SIZE;
	for (int i = 0; i < 3; i++)
		put64(md + 8 * i, m[i]);
	sd_addr = md + 24;
	sd[sdlen++] = 0;
	oa = (uint32_t)sdlen;
	sdlen += scope_write(sd + sdlen, 0, 1, 5);
	ob = (uint32_t)sdlen;
	sdlen += scope_write(sd + sdlen, oa, 2, 7);
	oc = (uint32_t)sdlen;
	sdlen += scope_write(sd + sdlen, ob, 3, 3);
	memcpy(at(sd_addr), sd, sdlen);
	f.pcs = (sd_addr + sdlen + 7) & ~7ULL;
	pcs[0][0] = -1, pcs[0][1] = 0;
	pcs[1][0] = 0x10, pcs[1][1] = (int32_t)oa;
	pcs[2][0] = 0x40, pcs[2][1] = (int32_t)ob;
	pcs[3][0] = 0x80, pcs[3][1] = (int32_t)oc;
	pcs[4][0] = CODE_SIZE + 1, pcs[4][1] = 0;
	pcs[5][0] = CODE_SIZE + 1, pcs[5][1] = 0;
	for (int i = 0; i < 6; i++) {
		put32(f.pcs + 16 * i, (uint32_t)pcs[i][0]);
		put32(f.pcs + 16 * i + 4, (uint32_t)pcs[i][1]);
	}
	end = f.pcs + 16 * 6;
	put64(blob + 0x60, fake_string("nmethod"));
	put32(blob + 0xc, (uint32_t)(end - blob));
	put64(blob + 0x20, f.code);
	put64(blob + 0x28, f.code + CODE_SIZE);
	put32(blob + 0x130, compile_id);
	put64(blob + 0x70, m[0]);
	put64(blob + 0x78, sd_addr);
	put32(blob + 0x104, (uint32_t)(md - blob));
	put32(blob + 0x10c, (uint32_t)(f.pcs - blob));
	put32(blob + 0x110, (uint32_t)(end - blob));
	return f;
}

static uint64_t fake_stub(unsigned seg, const char *name)
{
	uint64_t b = fake_block(seg, 4);

	put64(b + 0x60, fake_string(name));
	put32(b + 0xc, 200);
	put64(b + 0x20, b + 104);
	put64(b + 0x28, b + 200);
	return b;
}

/* ---- fixture --------------------------------------------------------- */

static uint64_t methods[3];
static struct fake_nm nm42;
static struct java_frames *jf;

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
	methods[0] = fake_method("org/apache/flink/Task", "run", "()V", 100);
	methods[1] = fake_method("org/apache/flink/Op", "process", "(J)I", 200);
	methods[2] = fake_method("java/util/HashMap$Node", "<init>", "(I)V", 300);
	nm42 = fake_nmethod(fake_block(0, 16), 42, methods);
	return java_frames_new(&fake_reader, &vs, &jf) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	java_frames_free(jf);
	jf = NULL;
	free(fm.buf);
	memset(&fm, 0, sizeof(fm));
	return 0;
}

static uint64_t word_at(uint64_t pc, uint32_t id)
{
	return hs_frame_compiled(pc - heap_low, id);
}

static void expect_frame(const struct java_frame *f, const char *name, const char *sig,
			 int line, int bci, enum frame_kind kind)
{
	assert_string_equal(f->name, name);
	assert_string_equal(f->signature, sig);
	assert_int_equal(f->line, line);
	assert_int_equal(f->bci, bci);
	assert_int_equal(f->kind, kind);
}

static struct java_frames_stats stats(void)
{
	struct java_frames_stats s;

	java_frames_stats(jf, &s);
	return s;
}

/* ---- tests ----------------------------------------------------------- */

static void test_compiled_chain_and_cache(void **state)
{
	struct java_frame f[8];
	unsigned reads;

	(void)state;
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	expect_frame(&f[0], "org.apache.flink.Task.run", "()V", 105, 5, FRAME_JIT);
	expect_frame(&f[1], "org.apache.flink.Op.process", "(J)I", 207, 7, FRAME_INLINED);
	expect_frame(&f[2], "java.util.HashMap$Node.<init>", "(I)V", 303, 3, FRAME_INLINED);
	assert_int_equal(stats().misses, 1);

	/* The same word again: from the cache, not a single read. */
	reads = fm.reads;
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	assert_int_equal(fm.reads, reads);
	assert_string_equal(f[2].name, "java.util.HashMap$Node.<init>");
	assert_int_equal(stats().hits, 1);

	/* Another pc of the same nmethod: the decoded nmethod is reused, only
	 * the Methods are re-validated. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x40, 42), false, f, 8), 2);
	expect_frame(&f[1], "org.apache.flink.Op.process", "(J)I", 207, 7, FRAME_INLINED);
	assert_int_equal(stats().nmethods, 1);
	assert_true(stats().method_hits >= 2);

	/* Cut at max: the outermost frames are kept. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 1), 1);
	assert_string_equal(f[0].name, "org.apache.flink.Task.run");

	/* A return address without a PcDesc: the physical method alone. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x44, 42), false, f, 8), 1);
	expect_frame(&f[0], "org.apache.flink.Task.run", "()V", -1, -1, FRAME_JIT);
	assert_int_equal(stats().no_pcdesc, 1);
}

static void test_leaf_rules(void **state)
{
	uint64_t w = word_at(nm42.code + 0x50, 42);
	struct java_frame f[8];

	(void)state;
	/* Default: HotSpot's (following). */
	assert_int_equal(java_frames_resolve(jf, w, true, f, 8), 3);
	/* Not a leaf: no exact PcDesc. */
	assert_int_equal(java_frames_resolve(jf, w, false, f, 8), 1);
	java_frames_set_pc_rule(jf, JAVA_PC_PRECEDING);
	assert_int_equal(java_frames_resolve(jf, w, true, f, 8), 2);
	assert_string_equal(f[1].name, "org.apache.flink.Op.process");
	java_frames_set_pc_rule(jf, JAVA_PC_NEAREST);
	assert_int_equal(java_frames_resolve(jf, w, true, f, 8), 2);
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x70, 42), true, f, 8), 3);
	java_frames_set_pc_rule(jf, JAVA_PC_FOLLOWING);
	assert_int_equal(java_frames_resolve(jf, w, true, f, 8), 3);
}

static void test_stale_compile_id(void **state)
{
	uint64_t other[3];
	struct java_frame f[8];

	(void)state;
	/* Another compile id than the nmethod at that pc. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 41), false, f, 8), 1);
	expect_frame(&f[0], JAVA_FRAME_STALE, "", -1, -1, FRAME_UNKNOWN);
	assert_int_equal(stats().stale, 1);

	/* Name a pc of nmethod 42, then free it and compile 77 of other
	 * methods into the same space. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	other[0] = fake_method("com/acme/Other", "work", "()J", 10);
	other[1] = fake_method("com/acme/Other", "inner", "()J", 20);
	other[2] = fake_method("com/acme/Other", "leaf", "()J", 30);
	fake_nmethod(nm42.blob, 77, other);

	/* Words of 42 keep 42's names (they are 42's by its compile id),
	 * never 77's. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	assert_string_equal(f[0].name, "org.apache.flink.Task.run");
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x40, 77), false, f, 8), 2);
	expect_frame(&f[0], "com.acme.Other.work", "()J", 15, 5, FRAME_JIT);
	expect_frame(&f[1], "com.acme.Other.inner", "()J", 27, 7, FRAME_INLINED);

	/* Once 42's cached data is gone, its words are stale. */
	assert_int_equal(java_frames_flush(jf), 0);
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 1);
	assert_string_equal(f[0].name, JAVA_FRAME_STALE);
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 77), false, f, 8), 3);
	assert_string_equal(f[2].name, "com.acme.Other.leaf");

	/* Freed: the block is no longer in use. */
	*(uint8_t *)at(nm42.blob - 8) = 0;
	assert_int_equal(java_frames_flush(jf), 0);
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x10, 77), false, f, 8), 1);
	assert_string_equal(f[0].name, JAVA_FRAME_STALE);
	/* Outside the code cache altogether. */
	assert_int_equal(java_frames_resolve(jf, hs_frame_compiled(0xfffff000u, 5), false, f, 8), 1);
	assert_string_equal(f[0].name, JAVA_FRAME_STALE);
}

static void test_interpreted_and_reused_method(void **state)
{
	struct java_frame f[2];
	uint64_t w = hs_frame_interpreted(methods[1], 4);

	(void)state;
	assert_int_equal(java_frames_resolve(jf, w, false, f, 2), 1);
	expect_frame(&f[0], "org.apache.flink.Op.process", "(J)I", 204, 4, FRAME_INTERPRETED);
	assert_int_equal(java_frames_resolve(jf, w, true, f, 2), 1);
	assert_int_equal(stats().method_hits, 1);
	assert_int_equal(stats().interpreted, 2);

	/* The class is unloaded and the Method's memory reused by another
	 * method: the cached name must not survive. */
	put64(methods[1] + 0x8, fake_const_method("Gen$$Lambda$7+0x0000000800c01000", "apply",
						  "(Ljava/lang/Object;)Ljava/lang/Object;", 50));
	assert_int_equal(java_frames_resolve(jf, w, false, f, 2), 1);
	expect_frame(&f[0], "Gen$$Lambda$7/0x0000000800c01000.apply",
		     "(Ljava/lang/Object;)Ljava/lang/Object;", 54, 4, FRAME_INTERPRETED);
	assert_int_equal(stats().method_reused, 1);

	/* Unknown bci: no line either. */
	assert_int_equal(java_frames_resolve(jf, hs_frame_interpreted(methods[0], 0x12345), false, f,
					     2),
			 1);
	expect_frame(&f[0], "org.apache.flink.Task.run", "()V", -1, -1, FRAME_INTERPRETED);

	/* Unreadable Method*. */
	assert_int_equal(java_frames_resolve(jf, hs_frame_interpreted(0xdead000, 1), false, f, 2), 1);
	expect_frame(&f[0], JAVA_FRAME_UNKNOWN_METHOD, "", -1, 1, FRAME_UNKNOWN);
	assert_true(stats().unreadable >= 1);
}

static void test_reused_method_inlined(void **state)
{
	struct java_frame f[8];

	(void)state;
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x40, 42), false, f, 8), 2);
	/* Method reuse behind a fresh (uncached) compiled word: named from the
	 * memory now, never from the stale Method cache entry. */
	put64(methods[1] + 0x8, fake_const_method("X", "y", "()V", 1));
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	assert_string_equal(f[1].name, "X.y");
	assert_int_equal(stats().method_reused, 1);
}

static void test_stubs(void **state)
{
	uint64_t interp = fake_stub(20, "Interpreter");
	struct java_frame f[2];
	const char *name;

	(void)state;
	assert_int_equal(java_frames_resolve(jf, word_at(interp + 120, 0), true, f, 2), 1);
	expect_frame(&f[0], "Interpreter", "", -1, -1, FRAME_NATIVE);
	assert_int_equal(stats().stubs, 1);
	/* Compile id 0 on an nmethod: what was sampled is gone. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x10, 0), true, f, 2), 1);
	assert_string_equal(f[0].name, JAVA_FRAME_STALE);
	/* A compile id on a stub. */
	assert_int_equal(java_frames_resolve(jf, word_at(interp + 120, 9), true, f, 2), 1);
	assert_string_equal(f[0].name, JAVA_FRAME_STALE);

	assert_int_equal(java_frames_blob_name(jf, interp + 150, &name), 0);
	assert_string_equal(name, "Interpreter");
	assert_int_equal(java_frames_blob_name(jf, nm42.code, &name), 0);
	assert_string_equal(name, "nmethod");
	assert_int_equal(java_frames_blob_name(jf, heap_low + 50 * SEG, &name), -ENOENT);
}

static void test_corrupt_nmethods(void **state)
{
	uint64_t blob = fake_block(30, 16);
	struct fake_nm f = fake_nmethod(blob, 55, methods);
	struct java_frame fr[8];

	(void)state;
	/* Debug info offsets nonsense: the header still names the method. */
	put32(blob + 0x110, 0x7fffffff);
	assert_int_equal(java_frames_resolve(jf, word_at(f.code + 0x80, 55), false, fr, 8), 1);
	expect_frame(&fr[0], "org.apache.flink.Task.run", "()V", -1, -1, FRAME_JIT);
	assert_int_equal(stats().bad_debug_info, 1);
	/* Garbage header: unreadable, no name. */
	blob = fake_block(50, 8);
	put64(blob + 0x60, fake_string("nmethod"));
	put32(blob + 0xc, 0xffffffff);
	assert_int_equal(java_frames_resolve(jf, word_at(blob + 400, 56), false, fr, 8), 1);
	expect_frame(&fr[0], JAVA_FRAME_UNREADABLE, "", -1, -1, FRAME_UNKNOWN);
	/* Physical method unreadable. */
	f = fake_nmethod(fake_block(70, 16), 57, (const uint64_t[]){ 0xbad000, 0xbad000, 0xbad000 });
	assert_int_equal(java_frames_resolve(jf, word_at(f.code + 0x40, 57), false, fr, 8), 2);
	assert_string_equal(fr[0].name, JAVA_FRAME_UNKNOWN_METHOD);
	/* Not cached: tried again next time. */
	assert_int_equal(stats().chains, 0);
}

/* More Methods than the cache holds: it stays bounded and keeps working. */
static void test_method_cache_bounded(void **state)
{
	uint64_t cm = fake_const_method("Many", "m", "()V", 1);
	struct java_frame f[1];
	const unsigned n = 40000;
	uint64_t first = 0;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		uint64_t m = fake_alloc(16);

		put64(m + 0x8, cm);
		if (!first)
			first = m;
		assert_int_equal(java_frames_resolve(jf, hs_frame_interpreted(m, 2), false, f, 1), 1);
		assert_string_equal(f[0].name, "Many.m");
	}
	assert_true(stats().evictions >= 1);
	assert_true(stats().methods <= 32 * 1024);
	assert_true(stats().methods >= 1);
	assert_int_equal(java_frames_resolve(jf, hs_frame_interpreted(first, 3), false, f, 1), 1);
	expect_frame(&f[0], "Many.m", "()V", 4, 3, FRAME_INTERPRETED);
}

static void test_bad_arguments(void **state)
{
	struct vmstructs v = vs;
	struct java_frames *other;
	struct java_frame f[2];

	(void)state;
	assert_int_equal(java_frames_resolve(jf, 0x401000, true, f, 2), -EINVAL); /* native */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code, 42), true, f, 0), -EINVAL);
	v.nfields = NFIELDS - 1;
	assert_int_equal(java_frames_new(&fake_reader, &v, &other), -ENOENT);
	assert_null(other);
	v = vs;
	v.ntypes = 5;
	assert_int_equal(java_frames_new(&fake_reader, &v, &other), -ENOENT);
	assert_int_equal(java_frames_codecache(jf)->codecache_low, heap_low);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compiled_chain_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_compile_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interpreted_and_reused_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_method_inlined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stubs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_nmethods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_cache_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
