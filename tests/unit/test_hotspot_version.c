// SPDX-License-Identifier: GPL-2.0
/* The JVM's version (symbolize/hotspot_version.c) and the layout
 * differences between JDKs that the readers choose by it or by which
 * vmStructs entries exist, on fake memory images:
 *   - JDK 20's UNSIGNED5 (zero byte excluded) in scopes and line tables;
 *   - JDK 21's ConstMethod::_flags._flags and ConstMethodFlags constants;
 *   - JDK 23+'s CodeBlob offsets (_code_offset/_data_offset) and 16-bit
 *     _frame_complete_offset, in the namer and the BPF blob read;
 *   - JDK 25's nmethod debug info in _immutable_data and metadata in
 *     CodeBlob::_mutable_data;
 *   - a layout tmprof does not know: the missing entry is named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/hotspot_unwind.h"
#include "hotspot_fixture.h"
#include "symbolize/hotspot_method.h"
#include "symbolize/hotspot_nmethod.h"
#include "symbolize/hotspot_version.h"

#define HS_READ(ctx, dst, len, addr) \
	((void)(ctx), fake_reader.read(fake_reader.ctx, (addr), (dst), (len)))
#include "bpf/hotspot_unwind.h"

#define FAKE_SIZE (256u * 1024)
#define M_A 0x5000000a000ULL
#define M_B 0x5000000b000ULL
#define M_C 0x5000000c000ULL

static int setup(void **state)
{
	(void)state;
	fake_vmstructs(FAKE_VS_CODE | FAKE_VS_METHOD);
	if (fake_mem_setup(FAKE_BASE, FAKE_SIZE))
		return -1;
	fake_codecache(64);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_teardown();
	return 0;
}

/* UNSIGNED5 as JDK 20+ writes it (unsigned5.hpp: X = 1, L = 191, H = 64). */
static size_t u5x_write(uint8_t *out, uint32_t v)
{
	size_t n = 0;

	for (int i = 0;; i++) {
		if (v < 191 || i == 4) {
			out[n++] = (uint8_t)(v + 1);
			return n;
		}
		v -= 191;
		out[n++] = (uint8_t)(1 + 191 + (v % 64));
		v >>= 6;
	}
}

static void test_unsigned5_jdk20(void **state)
{
	const uint32_t values[] = { 0, 1, 190, 191, 192, 300, 0x307e, 0x307f, 0xc207e, 0x3fffffff,
				    0xffffffffu };
	uint8_t buf[8];
	(void)state;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		size_t n = u5x_write(buf, values[i]), pos = 0;
		uint32_t v = 0;

		assert_int_equal(hotspot_unsigned5_read_x(buf, n, &pos, 1, &v), 0);
		assert_int_equal(v, values[i]);
		assert_int_equal(pos, n);
		for (size_t k = 0; k < n; k++)
			assert_int_not_equal(buf[k], 0); /* the coding never writes 0 */
		pos = 0;
		assert_int_equal(hotspot_unsigned5_read_x(buf, n - 1, &pos, 1, &v), -EINVAL);
	}
	/* Boundaries per the header: 0xBE is the largest one-byte value. */
	assert_int_equal(u5x_write(buf, 0xbe), 1);
	assert_int_equal(u5x_write(buf, 0xbf), 2);
	assert_int_equal(u5x_write(buf, 0x307e), 2);
	assert_int_equal(u5x_write(buf, 0x307f), 3);
	/* The same byte means another value in the old coding. */
	size_t pos = 0;
	uint32_t v = 0;
	buf[0] = 0x05;
	assert_int_equal(hotspot_unsigned5_read_x(buf, 1, &pos, 1, &v), 0);
	assert_int_equal(v, 4);
	pos = 0;
	assert_int_equal(hotspot_unsigned5_read_x(buf, 1, &pos, 0, &v), 0);
	assert_int_equal(v, 5);
	/* A zero byte is not JDK 20+ data. */
	buf[0] = 0xc5;
	buf[1] = 0;
	pos = 0;
	assert_int_equal(hotspot_unsigned5_read_x(buf, 2, &pos, 1, &v), -EINVAL);
}

static void test_line_table_jdk20(void **state)
{
	/* (bci 0, line 10) as an escape with signed values, then a short
	 * pair (+2 bci, +1 line), then the terminator. */
	uint8_t t[16];
	size_t n = 0;
	struct hotspot_line *lines = NULL;
	size_t nl = 0;
	(void)state;

	t[n++] = 0xff;
	n += u5x_write(t + n, 0);       /* zig-zag(0) */
	n += u5x_write(t + n, 10 << 1); /* zig-zag(10) */
	t[n++] = (uint8_t)(2 << 3 | 1);
	t[n++] = 0;
	assert_int_equal(hotspot_line_table_decode_x(t, n, 100, 1, &lines, &nl), 0);
	assert_int_equal(nl, 2);
	assert_int_equal(lines[0].bci, 0);
	assert_int_equal(lines[0].line, 10);
	assert_int_equal(lines[1].bci, 2);
	assert_int_equal(lines[1].line, 11);
	free(lines);
	/* Read as JDK 17 data the escape's values are off by one. */
	assert_int_equal(hotspot_line_table_decode_x(t, n, 100, 0, &lines, &nl), 0);
	assert_true(nl == 0 || lines[0].line != 10);
	free(lines);
}

static void test_method_layout_jdk21(void **state)
{
	struct vmstructs_int ints[] = { { (char *)"ConstMethodFlags::_misc_has_linenumber_table", 0x2 } };
	struct hotspot_method_layout l;
	(void)state;

	fake_vs_field("ConstMethod", "_flags")->field = (char *)"_flags._flags";
	fake_vs.ints = ints;
	fake_vs.nints = 1;
	assert_int_equal(hotspot_method_layout_init(&l, &fake_vs), 0);
	assert_int_equal(l.cm_flags, 0x1c);
	assert_int_equal(l.has_linenumber_table, 2);
	fake_vs.ints = NULL;
	fake_vs.nints = 0;
}

static void test_version(void **state)
{
	struct vmstructs_field f[2] = {
		{ (char *)"Abstract_VM_Version", (char *)"_vm_major_version", 0, 0, true },
		{ (char *)"Abstract_VM_Version", (char *)"_s_vm_release", 0, 0, true },
	};
	struct vmstructs vs = { f, 2, NULL, 0, NULL, 0 };
	char buf[64];
	int major = 0;
	(void)state;

	f[0].address = fake_alloc(8);
	f[1].address = fake_alloc(8);
	assert_int_equal(hotspot_vm_major(&fake_reader, &vs, &major), -EINVAL); /* 0 */
	assert_int_equal(hotspot_u5_excluded(&fake_reader, &vs), 0);
	fake_put32(f[0].address, 19);
	assert_int_equal(hotspot_u5_excluded(&fake_reader, &vs), 0);
	fake_put32(f[0].address, 25);
	assert_int_equal(hotspot_vm_major(&fake_reader, &vs, &major), 0);
	assert_int_equal(major, 25);
	assert_int_equal(hotspot_u5_excluded(&fake_reader, &vs), 1);
	hotspot_vm_release(&fake_reader, &vs, buf, sizeof(buf));
	assert_string_equal(buf, "JDK 25"); /* release pointer NULL */
	fake_put64(f[1].address, fake_string("25.0.5+8-1-deb13u1-Debian"));
	hotspot_vm_release(&fake_reader, &vs, buf, sizeof(buf));
	assert_string_equal(buf, "25.0.5+8-1-deb13u1-Debian");
	hotspot_vm_release(&fake_reader, &vs, buf, 5);
	assert_string_equal(buf, "25.0");
	vs.nfields = 0;
	hotspot_vm_release(&fake_reader, &vs, buf, sizeof(buf));
	assert_string_equal(buf, "unknown JDK");
}

/* ---- JDK 25 nmethods ------------------------------------------------- */

/* The fixture's JDK 17 table turned into JDK 25's: same offsets where the
 * field stayed, new entries at free header offsets. */
#define O25_MUTABLE 0x80       /* CodeBlob::_mutable_data */
#define O25_RELOC 0x88         /* CodeBlob::_relocation_size */
#define O25_MUTABLE_SIZE 0x8c  /* CodeBlob::_mutable_data_size */
#define O25_IMM_SIZE 0x104     /* nmethod::_immutable_data_size */
#define O25_SD_OFF 0x110       /* nmethod::_scopes_data_offset */
#define O25_FC 0x14            /* CodeBlob::_frame_complete_offset (int16_t) */

static struct vmstructs_field f25[64];

static struct vmstructs jdk25_vs(void)
{
	struct vmstructs vs = fake_vs;
	size_t n = fake_vs.nfields;

	assert_true(n + 4 <= sizeof(f25) / sizeof(f25[0]));
	memcpy(f25, fake_vs.fields, n * sizeof(*f25));
	vs.fields = f25;
	for (size_t i = 0; i < n; i++) {
		struct vmstructs_field *f = &f25[i];

		if (!strcmp(f->type, "CodeBlob") && !strcmp(f->field, "_code_begin"))
			f->field = (char *)"_code_offset";
		else if (!strcmp(f->type, "CodeBlob") && !strcmp(f->field, "_code_end"))
			f->field = (char *)"_data_offset";
		else if (!strcmp(f->type, "CompiledMethod") && !strcmp(f->field, "_method"))
			f->type = (char *)"nmethod";
		else if (!strcmp(f->type, "CompiledMethod"))
			f->type = (char *)"nmethod", f->field = (char *)"_immutable_data";
		else if (!strcmp(f->type, "nmethod") && !strcmp(f->field, "_metadata_offset"))
			f->field = (char *)"_immutable_data_size", f->offset = O25_IMM_SIZE;
		else if (!strcmp(f->type, "nmethod") && !strcmp(f->field, "_dependencies_offset"))
			f->field = (char *)"_scopes_data_offset", f->offset = O25_SD_OFF;
	}
	f25[n++] = (struct vmstructs_field){ (char *)"CodeBlob", (char *)"_mutable_data", O25_MUTABLE, 0, false };
	f25[n++] = (struct vmstructs_field){ (char *)"CodeBlob", (char *)"_relocation_size", O25_RELOC, 0, false };
	f25[n++] = (struct vmstructs_field){ (char *)"CodeBlob", (char *)"_mutable_data_size", O25_MUTABLE_SIZE, 0, false };
	/* CodeBlobKind _kind right after the 16-bit _frame_complete_offset. */
	f25[n++] = (struct vmstructs_field){ (char *)"CodeBlob", (char *)"_kind", O25_FC + 2, 0, false };
	vs.nfields = n;
	return vs;
}

struct nm25 {
	uint64_t blob, code, immutable, mutable_data;
};

/* An nmethod laid out as JDK 25 does: m[0] with m[1], m[2] inlined at
 * code + 0x80, PcDescs then scopes (JDK 20+ UNSIGNED5) in the immutable
 * data, metadata after 16 bytes of relocations in the mutable data
 * (followed by 4 bytes of JVMCI data: not whole words). */
static struct nm25 nmethod25(uint32_t compile_id, const uint64_t m[3])
{
	struct nm25 r;
	uint8_t sd[64];
	size_t sdlen = 0;
	uint32_t a, b, c;
	const int32_t pcs[][2] = { { -1, 0 }, { 0x10, 0 }, { 0x80, 0 }, { FAKE_CODE_SIZE + 1, 0 } };
	uint64_t pc_area;

	r.blob = fake_block(8, 16);
	r.code = r.blob + FAKE_NM_HDR;
	r.mutable_data = fake_alloc(64);
	r.immutable = fake_alloc(256);
	for (int i = 0; i < 3; i++)
		fake_put64(r.mutable_data + 16 + 8 * i, m[i]);
	sd[sdlen++] = 0xff; /* DebugInformationRecorder's first byte */
	a = (uint32_t)sdlen;
	sdlen += u5x_write(sd + sdlen, 0), sdlen += u5x_write(sd + sdlen, 1);
	sdlen += u5x_write(sd + sdlen, 5 + 1);
	b = (uint32_t)sdlen;
	sdlen += u5x_write(sd + sdlen, a), sdlen += u5x_write(sd + sdlen, 2);
	sdlen += u5x_write(sd + sdlen, 7 + 1);
	c = (uint32_t)sdlen;
	sdlen += u5x_write(sd + sdlen, b), sdlen += u5x_write(sd + sdlen, 3);
	sdlen += u5x_write(sd + sdlen, 3 + 1);
	pc_area = r.immutable + 32; /* dependencies and tables before it */
	for (size_t i = 0; i < 4; i++) {
		fake_put32(pc_area + 16 * i, (uint32_t)pcs[i][0]);
		fake_put32(pc_area + 16 * i + 4, i == 1 ? a : i == 2 ? c : 0);
	}
	memcpy(fake_at(pc_area + 64, sdlen), sd, sdlen);
	fake_put64(r.blob + 0x60, fake_string("nmethod"));
	fake_put32(r.blob + 0xc, 15 * 64);
	fake_put32(r.blob + 0x20, FAKE_NM_HDR);                  /* _code_offset */
	fake_put32(r.blob + 0x28, FAKE_NM_HDR + FAKE_CODE_SIZE); /* _data_offset */
	fake_put16(r.blob + O25_FC, 0xffff);                     /* -1 */
	fake_put8(r.blob + O25_FC + 2, 1);                       /* _kind: Nmethod */
	fake_put32(r.blob + 0x1c, 6);                            /* _frame_size */
	fake_put32(r.blob + 0x130, compile_id);
	fake_put64(r.blob + 0x70, m[0]);
	fake_put64(r.blob + 0x78, r.immutable);
	fake_put32(r.blob + O25_IMM_SIZE, (uint32_t)(64 + 64 + sdlen + 8));
	fake_put32(r.blob + 0x10c, 32);                          /* _scopes_pcs_offset */
	fake_put32(r.blob + O25_SD_OFF, 32 + 64);                /* _scopes_data_offset */
	fake_put64(r.blob + O25_MUTABLE, r.mutable_data);
	fake_put32(r.blob + O25_RELOC, 16);
	fake_put32(r.blob + O25_MUTABLE_SIZE, 16 + 24 + 4);
	return r;
}

static void test_nmethod_jdk25(void **state)
{
	const uint64_t m[3] = { M_A, M_B, M_C };
	struct vmstructs vs = jdk25_vs();
	struct hotspot_blob_layout l;
	struct hotspot_blob b;
	struct hotspot_nmethod nm;
	struct hotspot_scope sc[8];
	struct nm25 r = nmethod25(77, m);
	(void)state;

	assert_int_equal(hotspot_blob_layout_init(&l, &vs), 0);
	assert_true(l.code_is_offset);
	assert_true(l.immutable_data);
	l.u5_excluded = 1;
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, r.blob, &b), 0);
	assert_true(b.is_nmethod);
	assert_int_equal(b.compile_id, 77);
	assert_int_equal(b.method, M_A);
	assert_int_equal(b.code_begin, r.code);
	assert_int_equal(b.code_end, r.code + FAKE_CODE_SIZE);
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 20, &nm), 0);
	assert_int_equal(nm.nmetadata, 3); /* the JVMCI tail is not a word */
	assert_int_equal(nm.npcs, 2);
	assert_int_equal(hotspot_nmethod_scopes(&nm, r.code + 0x80, false, JAVA_PC_FOLLOWING, sc, 8), 3);
	assert_int_equal(sc[0].method, M_A);
	assert_int_equal(sc[0].bci, 5);
	assert_int_equal(sc[1].method, M_B);
	assert_int_equal(sc[1].bci, 7);
	assert_int_equal(sc[2].method, M_C);
	assert_int_equal(sc[2].bci, 3);
	/* PcDesc with serialized_null: the nmethod's own method. */
	assert_int_equal(hotspot_nmethod_scopes(&nm, r.code + 0x10, false, JAVA_PC_FOLLOWING, sc, 8), 1);
	assert_int_equal(sc[0].method, M_A);
	/* The JDK 17 coding does not decode it into this chain. */
	nm.u5_excluded = 0;
	assert_true(hotspot_nmethod_scopes(&nm, r.code + 0x80, false, JAVA_PC_FOLLOWING, sc, 8) != 3 ||
		    sc[2].method != M_C || sc[2].bci != 3);
	hotspot_nmethod_free(&nm);

	/* Offsets past the immutable data are refused, not followed. */
	fake_put32(r.blob + O25_SD_OFF, 4096);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, r.blob, &b), -EINVAL);
}

static void test_bpf_blob_jdk25(void **state)
{
	const uint64_t m[3] = { M_A, M_B, M_C };
	struct nm25 r = nmethod25(9, m);
	struct hotspot_cfg cfg;
	struct hs_blob b;
	(void)state;

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), 0);
	cfg.blob_name = 0x60;
	cfg.blob_frame_size = 0x1c;
	cfg.blob_frame_complete = O25_FC;
	cfg.blob_code_begin = 0x20;
	cfg.nmethod_compile_id = 0x130;
	cfg.blob_code_is_offset = 1;
	cfg.blob_frame_complete_bytes = 2;
	fake_put16(r.blob + O25_FC, 0x20); /* frame complete 0x20 into the code */
	assert_int_equal(hs_blob_read(NULL, &cfg, r.code + 0x40, &b), 0);
	assert_int_equal(b.start, r.blob);
	assert_int_equal(b.frame_size, 6);
	assert_int_equal(b.kind, HS_BLOB_NMETHOD);
	assert_int_equal(b.compile_id, 9);
	/* The walk takes the offset from the blob's start and 16 bits: a
	 * leaf before code + 0x20 is in the prologue (0), after it in the
	 * body (-1: the code there is no epilogue). */
	struct hs_frame f = { .pc = r.code + 0x10, .leaf = 1 };
	assert_int_equal(hs_leaf_ra_offset(NULL, &cfg, &b, &f), 0);
	f.pc = r.code + 0x40;
	assert_int_equal(hs_leaf_ra_offset(NULL, &cfg, &b, &f), -1);
	/* -1 in 16 bits: never complete, whatever the byte after it. */
	fake_put16(r.blob + O25_FC, 0xffff);
	assert_int_equal(hs_blob_read(NULL, &cfg, r.code + 0x40, &b), 0);
	f.pc = r.code + 0x10;
	assert_int_equal(hs_leaf_ra_offset(NULL, &cfg, &b, &f), -1);
	/* Read as a JDK 17 layout, the code pointer is nonsense. */
	cfg.blob_code_is_offset = 0;
	cfg.blob_frame_complete_bytes = 4;
	fake_put16(r.blob + O25_FC, 0x20);
	assert_int_equal(hs_blob_read(NULL, &cfg, r.code + 0x40, &b), 0);
	assert_int_equal(hs_leaf_ra_offset(NULL, &cfg, &b, &f), -1);
}

static void test_missing_entry(void **state)
{
	struct vmstructs vs = jdk25_vs();
	struct hotspot_blob_layout l;
	char buf[HOTSPOT_MISSING_MAX];
	(void)state;

	for (size_t i = 0; i < vs.nfields; i++)
		if (!strcmp(f25[i].type, "nmethod") && !strcmp(f25[i].field, "_immutable_data_size"))
			f25[i].field = (char *)"_immutable_size_renamed";
	assert_int_equal(hotspot_blob_layout_init(&l, &vs), -ENOENT);
	assert_string_equal(l.missing, "nmethod::_immutable_data_size");
	assert_int_equal(hotspot_cfg_missing(&vs, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nmethod::_immutable_data_size");
	/* JDK 24-like (Debian ships no 23 or 24 to test on): immutable data
	 * split out, metadata still in the nmethod, no CodeBlob::_mutable_data.
	 * Neither known layout fits: refused with the entry named (HotSpot
	 * unwinding off, one warning, perf map and native frames) rather than
	 * read as 25's or 22's layout with wrong names. */
	vs = jdk25_vs();
	for (size_t i = 0; i < vs.nfields; i++)
		if (!strcmp(f25[i].type, "CodeBlob") && !strcmp(f25[i].field, "_mutable_data"))
			f25[i].field = (char *)"_not_there";
	assert_int_equal(hotspot_blob_layout_init(&l, &vs), -ENOENT);
	assert_string_equal(l.missing, "CodeBlob::_mutable_data");
	assert_int_equal(hotspot_cfg_missing(&vs, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "CodeBlob::_mutable_data");
	/* The layout is chosen by entries alone (this table has no version
	 * entries at all): 25's entries give 25's layout. */
	vs = jdk25_vs();
	assert_int_equal(hotspot_blob_layout_init(&l, &vs), 0);
	assert_true(l.immutable_data && l.code_is_offset);
	/* A JDK 26-like rename of a field the pointer layout needs. */
	fake_vs_field("CodeBlob", "_code_end")->field = (char *)"_code_limit";
	assert_int_equal(hotspot_blob_layout_init(&l, &fake_vs), -ENOENT);
	assert_string_equal(l.missing, "CodeBlob::_code_end");
	fake_vs_field("CodeBlob", "_code_limit")->field = (char *)"_code_end";
	assert_int_equal(hotspot_blob_layout_init(&l, &fake_vs), 0);
	assert_string_equal(l.missing, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsigned5_jdk20),
		cmocka_unit_test(test_line_table_jdk20),
		cmocka_unit_test_setup_teardown(test_method_layout_jdk21, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nmethod_jdk25, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpf_blob_jdk25, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_entry, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
