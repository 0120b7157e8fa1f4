// SPDX-License-Identifier: GPL-2.0
/* The fake HotSpot JVM of hotspot_fixture.h. */
#include "hotspot_fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- fake target memory ---------------------------------------------- */

struct fake_mem fake_mem;

static int fake_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct fake_mem *m = ctx;

	m->reads++;
	if (addr < m->base || addr - m->base > m->size || len > m->size - (addr - m->base))
		return -EFAULT;
	memcpy(out, m->buf + (addr - m->base), len);
	return 0;
}

const struct mem_reader fake_reader = { fake_read, &fake_mem };

int fake_mem_setup(uint64_t base, size_t size)
{
	memset(&fake_mem, 0, sizeof(fake_mem));
	fake_mem.buf = calloc(1, size);
	fake_mem.base = base;
	fake_mem.size = size;
	return fake_mem.buf ? 0 : -1;
}

void fake_mem_teardown(void)
{
	free(fake_mem.buf);
	memset(&fake_mem, 0, sizeof(fake_mem));
}

uint64_t fake_alloc(size_t size)
{
	uint64_t addr;

	fake_mem.used = (fake_mem.used + 63) & ~(size_t)63;
	assert_true(fake_mem.used + size <= fake_mem.size);
	addr = fake_mem.base + fake_mem.used;
	fake_mem.used += size;
	return addr;
}

void *fake_at(uint64_t addr, size_t len)
{
	assert_true(addr >= fake_mem.base && addr - fake_mem.base <= fake_mem.size &&
		    len <= fake_mem.size - (addr - fake_mem.base));
	return fake_mem.buf + (addr - fake_mem.base);
}

void fake_put64(uint64_t addr, uint64_t v) { memcpy(fake_at(addr, 8), &v, 8); }
void fake_put32(uint64_t addr, uint32_t v) { memcpy(fake_at(addr, 4), &v, 4); }
void fake_put16(uint64_t addr, uint16_t v) { memcpy(fake_at(addr, 2), &v, 2); }
void fake_put8(uint64_t addr, uint8_t v) { memcpy(fake_at(addr, 1), &v, 1); }

uint64_t fake_string(const char *s)
{
	uint64_t a = fake_alloc(strlen(s) + 1);

	memcpy(fake_at(a, strlen(s) + 1), s, strlen(s) + 1);
	return a;
}

/* ---- fake vmStructs (JDK 17 x86-64 values) --------------------------- */

#define F(t, f, o) { (char *)(t), (char *)(f), (o), 0, false }
#define S(t, f) { (char *)(t), (char *)(f), 0, 0, true }
static const struct vmstructs_field code_fields[] = {
	F("CodeBlob", "_name", 0x60),
	F("CodeBlob", "_size", 0xc),
	F("CodeBlob", "_frame_complete_offset", 0x14),
	F("CodeBlob", "_frame_size", 0x1c),
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
static const struct vmstructs_field method_fields[] = {
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
#undef F
#undef S
static const struct vmstructs_type code_types[] = {
	{ (char *)"CodeBlob", 104 },
	{ (char *)"nmethod", FAKE_NM_HDR },
	{ (char *)"PcDesc", 16 },
	{ (char *)"HeapBlock", 16 },
};
static const struct vmstructs_type method_types[] = {
	{ (char *)"ConstMethod", FAKE_CM_SIZE },
	{ (char *)"ConstantPool", FAKE_CP_SIZE },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct vmstructs_field fields[COUNT(code_fields) + COUNT(method_fields)];
static struct vmstructs_type types[COUNT(code_types) + COUNT(method_types)];
struct vmstructs fake_vs;

struct vmstructs *fake_vmstructs(unsigned parts)
{
	size_t nf = 0, nt = 0;

	memset(fields, 0, sizeof(fields));
	memset(types, 0, sizeof(types));
	if (parts & FAKE_VS_CODE) {
		memcpy(fields + nf, code_fields, sizeof(code_fields));
		nf += COUNT(code_fields);
		memcpy(types + nt, code_types, sizeof(code_types));
		nt += COUNT(code_types);
	}
	if (parts & FAKE_VS_METHOD) {
		memcpy(fields + nf, method_fields, sizeof(method_fields));
		nf += COUNT(method_fields);
		memcpy(types + nt, method_types, sizeof(method_types));
		nt += COUNT(method_types);
	}
	fake_vs = (struct vmstructs){ fields, nf, types, nt, NULL, 0 };
	return &fake_vs;
}

struct vmstructs_field *fake_vs_field(const char *type, const char *field)
{
	for (size_t i = 0; i < fake_vs.nfields; i++)
		if (!strcmp(fields[i].type, type) && !strcmp(fields[i].field, field))
			return &fields[i];
	fail_msg("no %s::%s in the fake vmStructs", type, field);
	return NULL;
}

/* ---- fake code cache ------------------------------------------------- */

struct fake_codecache fake_cc;

void fake_codecache_at(uint64_t low, uint64_t segmap, unsigned nsegs, unsigned log2_seg)
{
	uint64_t ga, data, heap, high = low + ((uint64_t)nsegs << log2_seg);

	fake_cc.low_bound = fake_alloc(8);
	fake_cc.high_bound = fake_alloc(8);
	fake_cc.heaps = fake_alloc(8);
	fake_cc.heap_low = low;
	fake_cc.segmap = segmap;
	fake_cc.nsegs = nsegs;
	fake_cc.log2_seg = log2_seg;
	ga = fake_alloc(16);
	data = fake_alloc(8);
	heap = fake_alloc(0x108);
	memset(fake_at(segmap, nsegs), 0xff, nsegs);
	fake_vs_field("CodeCache", "_low_bound")->address = fake_cc.low_bound;
	fake_vs_field("CodeCache", "_high_bound")->address = fake_cc.high_bound;
	fake_vs_field("CodeCache", "_heaps")->address = fake_cc.heaps;
	fake_put64(fake_cc.low_bound, low);
	fake_put64(fake_cc.high_bound, high);
	fake_put64(fake_cc.heaps, ga);
	fake_put32(ga, 1);
	fake_put64(ga + 8, data);
	fake_put64(data, heap);
	fake_put64(heap + 0x8, low);
	fake_put64(heap + 0x8 + 0x8, high);
	fake_put64(heap + 0x8 + 0x10, low);
	fake_put64(heap + 0x78 + 0x10, segmap);
	fake_put32(heap + 0x100, log2_seg);
}

void fake_codecache(unsigned nsegs)
{
	uint64_t low = fake_alloc((size_t)nsegs << 6);

	fake_codecache_at(low, fake_alloc(nsegs), nsegs, 6);
}

uint64_t fake_block(unsigned seg, unsigned nsegs)
{
	uint64_t block = fake_cc.heap_low + ((uint64_t)seg << fake_cc.log2_seg);
	uint8_t *map = fake_at(fake_cc.segmap + seg, nsegs);

	for (unsigned i = 0; i < nsegs; i++)
		map[i] = i == 0 ? 0 : (uint8_t)((i - 1) % 0xfe + 1);
	fake_put64(block, nsegs);
	fake_put8(block + 8, 1);
	return block + 16;
}

/* ---- fake nmethods --------------------------------------------------- */

size_t fake_u5_write(uint8_t *out, uint32_t v)
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

size_t fake_scope_write(uint8_t *out, uint32_t sender, uint32_t midx, int bci)
{
	size_t n = 0;

	n += fake_u5_write(out + n, sender);
	n += fake_u5_write(out + n, midx);
	n += fake_u5_write(out + n, (uint32_t)(bci + 1));
	n += fake_u5_write(out + n, 0);
	n += fake_u5_write(out + n, 0);
	n += fake_u5_write(out + n, 0);
	return n;
}

struct fake_nm fake_nmethod(uint64_t blob, uint32_t compile_id, const uint64_t m[3])
{
	struct fake_nm f;
	uint8_t sd[128];
	size_t sdlen = 0;
	struct { int32_t pc, scope; } pcs[7];
	uint64_t end;

	f.blob = blob;
	f.code = blob + FAKE_NM_HDR;
	f.metadata = f.code + FAKE_CODE_SIZE;
	for (int i = 0; i < 3; i++)
		fake_put64(f.metadata + 8 * i, m[i]);
	f.scopes = f.metadata + 24;
	sd[sdlen++] = 0; /* offset 0 is serialized_null */
	f.off_a = (uint32_t)sdlen;
	sdlen += fake_scope_write(sd + sdlen, 0, 1, 5);
	f.off_b = (uint32_t)sdlen;
	sdlen += fake_scope_write(sd + sdlen, f.off_a, 2, 7);
	f.off_c = (uint32_t)sdlen;
	sdlen += fake_scope_write(sd + sdlen, f.off_b, 3, 3);
	memcpy(fake_at(f.scopes, sdlen), sd, sdlen);
	f.pcs = (f.scopes + sdlen + 7) & ~7ULL;
	pcs[0].pc = -1, pcs[0].scope = 0;
	pcs[1].pc = 0x10, pcs[1].scope = (int32_t)f.off_a;
	pcs[2].pc = 0x40, pcs[2].scope = (int32_t)f.off_b;
	pcs[3].pc = 0x80, pcs[3].scope = (int32_t)f.off_c;
	pcs[4].pc = 0x90, pcs[4].scope = 0;
	pcs[5].pc = FAKE_CODE_SIZE + 1, pcs[5].scope = 0; /* final sentinel */
	pcs[6] = pcs[5];                                   /* alignment copy */
	f.npcs = 7;
	for (size_t i = 0; i < f.npcs; i++) {
		fake_put32(f.pcs + 16 * i, (uint32_t)pcs[i].pc);
		fake_put32(f.pcs + 16 * i + 4, (uint32_t)pcs[i].scope);
	}
	end = f.pcs + 16 * f.npcs;
	fake_put64(blob + 0x60, fake_string("nmethod"));
	fake_put32(blob + 0xc, (uint32_t)(end - blob));
	fake_put64(blob + 0x20, f.code);
	fake_put64(blob + 0x28, f.code + FAKE_CODE_SIZE);
	fake_put32(blob + 0x130, compile_id);
	fake_put64(blob + 0x70, m[0]);
	fake_put64(blob + 0x78, f.scopes);
	fake_put32(blob + 0x104, (uint32_t)(f.metadata - blob));
	fake_put32(blob + 0x10c, (uint32_t)(f.pcs - blob));
	fake_put32(blob + 0x110, (uint32_t)(end - blob));
	return f;
}

/* ---- fake Methods ---------------------------------------------------- */

uint64_t fake_symbol(const char *s)
{
	size_t n = strlen(s);
	uint64_t sym = fake_alloc(6 + n);

	fake_put16(sym + 4, (uint16_t)n);
	memcpy(fake_at(sym + 6, n), s, n);
	return sym;
}

void fake_symbol_set(uint64_t sym, const char *s)
{
	size_t n = strlen(s);

	fake_put16(sym + 4, (uint16_t)n);
	memcpy(fake_at(sym + 6, n), s, n);
}

static size_t signed_write(uint8_t *out, int32_t v)
{
	return fake_u5_write(out, ((uint32_t)v << 1) ^ (v < 0 ? 0xffffffffu : 0));
}

/* CompressedLineNumberWriteStream::write_pair. */
static size_t line_pair(uint8_t *out, int *last_bci, int *last_line, int bci, int line)
{
	int db = bci - *last_bci, dl = line - *last_line;
	size_t n = 0;

	*last_bci = bci;
	*last_line = line;
	if (db >= 0 && db <= 31 && dl >= 0 && dl <= 7) {
		out[0] = (uint8_t)((db << 3) | dl);
		return 1;
	}
	out[n++] = 0xff;
	n += signed_write(out + n, db);
	n += signed_write(out + n, dl);
	return n;
}

/* A ConstantPool whose slots 3 and 4 hold the name and signature. */
static uint64_t fake_pool(const char *klass_name, const char *name, const char *sig,
			  uint64_t *klass_out)
{
	uint64_t klass = fake_alloc(0x20), cp = fake_alloc(FAKE_CP_SIZE + 8 * 8);

	fake_put64(klass + 0x18, fake_symbol(klass_name));
	fake_put64(cp + 0x18, klass);
	fake_put32(cp + 0x3c, 8);
	fake_put64(cp + FAKE_CP_SIZE + 8 * 3, fake_symbol(name));
	fake_put64(cp + FAKE_CP_SIZE + 8 * 4, fake_symbol(sig));
	*klass_out = klass;
	return cp;
}

struct fake_method fake_method(const char *klass, const char *name, const char *sig,
			       uint16_t code_size, const int (*lines)[2], size_t nlines,
			       bool with_table)
{
	struct fake_method f;
	uint8_t table[512];
	size_t tlen = 0, words;
	int lb = 0, ll = 0;

	for (size_t i = 0; i < nlines; i++)
		tlen += line_pair(table + tlen, &lb, &ll, lines[i][0], lines[i][1]);
	table[tlen++] = 0;
	words = (FAKE_CM_SIZE + code_size + tlen + 7) / 8 + 2; /* room for more tables */
	f.cp = fake_pool(klass, name, sig, &f.klass);
	f.cm = fake_alloc(words * 8);
	f.method = fake_alloc(0x58);
	fake_put64(f.method + 0x8, f.cm);
	fake_put64(f.cm + 0x8, f.cp);
	fake_put32(f.cm + 0x18, (uint32_t)words);
	fake_put16(f.cm + 0x1c, with_table ? 0x0001 : 0);
	fake_put16(f.cm + 0x20, code_size);
	fake_put16(f.cm + 0x22, 3);
	fake_put16(f.cm + 0x24, 4);
	fake_put16(f.cm + 0x26, 7);
	memset(fake_at(f.cm + FAKE_CM_SIZE, code_size), 0xb1, code_size); /* "return" */
	if (with_table)
		memcpy(fake_at(f.cm + FAKE_CM_SIZE + code_size, tlen), table, tlen);
	return f;
}

struct fake_method fake_method_lines(const char *klass, const char *name, const char *sig,
				     int base)
{
	int lines[16][2];

	for (int i = 0; i < 16; i++) {
		lines[i][0] = i;
		lines[i][1] = base + i;
	}
	return fake_method(klass, name, sig, 16, (const int(*)[2])lines, 16, true);
}
