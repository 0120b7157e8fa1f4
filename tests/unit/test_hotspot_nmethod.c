// SPDX-License-Identifier: GPL-2.0
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

#include "hotspot_fixture.h"
#include "symbolize/hotspot_method.h"
#include "symbolize/hotspot_nmethod.h"

#define FAKE_SIZE (256u * 1024)
#define SEG 64
#define NSEGS 64

#define M_A 0x5000000a000ULL
#define M_B 0x5000000b000ULL
#define M_C 0x5000000c000ULL

static const uint64_t methods[3] = { M_A, M_B, M_C };

static int setup(void **state)
{
	(void)state;
	fake_vmstructs(FAKE_VS_CODE);
	if (fake_mem_setup(FAKE_BASE, FAKE_SIZE))
		return -1;
	fake_codecache(NSEGS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_teardown();
	return 0;
}

static struct hotspot_blob_layout layout(void)
{
	struct hotspot_blob_layout l;

	assert_int_equal(hotspot_blob_layout_init(&l, &fake_vs), 0);
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
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), 0);
	assert_int_equal(cfg.nheaps, 1);
	assert_int_equal(cfg.codecache_low, fake_cc.heap_low);
	assert_int_equal(cfg.heaps[0].segmap, fake_cc.segmap);
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
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, fake_cc.heap_low + 40 * SEG, &found),
			 -ENOENT);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, fake_cc.heap_low - 1, &found),
			 -ENOENT);
	/* A freed block (used flag cleared). */
	fake_put8(stub - 8, 0);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, stub + 70, &found), -ENOENT);
	/* Hop count past the map's start. */
	fake_put8(fake_cc.segmap + 3, 9);
	assert_int_equal(hotspot_blob_find(&fake_reader, &cfg, blob + 5, &found), -ENOENT);
}

/* JDK 11 names GrowableArray's base class GenericGrowableArray (its _len
 * at 0, _max, _arena, then GrowableArray<int>::_data at 0x18): the code
 * cache reads the same through whichever name the JVM exports. */
static void test_codecache_jdk11_growable_array(void **state)
{
	struct vmstructs_field *len = fake_vs_field("GrowableArrayBase", "_len");
	struct vmstructs_field *data = fake_vs_field("GrowableArray<int>", "_data");
	struct hotspot_cfg cfg;
	uint64_t ga, heaps_data;

	(void)state;
	memcpy(&ga, fake_at(fake_cc.heaps, 8), 8);
	memcpy(&heaps_data, fake_at(ga + 8, 8), 8);
	len->type = (char *)"GenericGrowableArray";
	data->offset = 0x18;
	fake_put64(ga + 8, 0xdead0000); /* JDK 17's _data slot: must not be read */
	fake_put64(ga + 0x18, heaps_data);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), 0);
	assert_int_equal(cfg.nheaps, 1);
	assert_int_equal(cfg.heaps[0].low, fake_cc.heap_low);
	assert_int_equal(cfg.heaps[0].segmap, fake_cc.segmap);
	/* Neither name: the layout is unknown, not guessed. */
	len->type = (char *)"SomeOtherArrayBase";
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), -ENOENT);
	len->type = (char *)"GrowableArrayBase";
}

static void test_codecache_errors(void **state)
{
	struct vmstructs v = fake_vs;
	struct hotspot_cfg cfg;
	uint64_t heaps = fake_cc.heaps, ga;

	(void)state;
	v.nfields--; /* HeapBlock::Header::_used */
	assert_int_equal(hotspot_codecache_read(&fake_reader, &v, &cfg), -ENOENT);
	memcpy(&ga, fake_at(heaps, 8), 8);
	/* No heaps yet: not set up; more than the BPF side holds. */
	fake_put32(ga, 0);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), -ENOENT);
	fake_put32(ga, 99);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), -ERANGE);
	fake_put32(ga, 1);
	fake_put64(heaps, 0x10);
	assert_int_equal(hotspot_codecache_read(&fake_reader, &fake_vs, &cfg), -EFAULT);
}

static void test_blob_headers(void **state)
{
	struct hotspot_blob_layout l = layout();
	uint64_t blob = fake_block(0, 16), stub = fake_block(20, 2);
	struct hotspot_blob b;

	(void)state;
	fake_nmethod(blob, 42, methods);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, blob, &b), 0);
	assert_true(b.is_nmethod);
	assert_int_equal(b.compile_id, 42);
	assert_int_equal(b.method, M_A);
	assert_int_equal(b.code_begin, blob + FAKE_NM_HDR);
	/* Native method wrappers are nmethods too. */
	fake_put64(blob + 0x60, fake_string("native nmethod"));
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, blob, &b), 0);
	assert_true(b.is_nmethod);
	assert_int_equal(b.compile_id, 42);

	fake_put64(stub + 0x60, fake_string("StubRoutines (1)"));
	fake_put32(stub + 0xc, 100);
	fake_put64(stub + 0x20, stub + 104);
	fake_put64(stub + 0x28, stub + 100);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), -EINVAL); /* end < begin */
	fake_put64(stub + 0x28, stub + 110);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), -EINVAL); /* past size */
	fake_put32(stub + 0xc, 110);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, stub, &b), 0);
	assert_false(b.is_nmethod);
	assert_string_equal(b.name, "StubRoutines (1)");
	fake_put32(stub + 0xc, 0x80000000u);
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
	struct fake_nm f = fake_nmethod(fake_block(0, 16), 42, methods);
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
	struct fake_nm f = fake_nmethod(blob, 42, methods);
	struct hotspot_blob_layout l = layout();
	struct hotspot_nmethod nm;
	struct hotspot_blob b;
	uint32_t size;

	(void)state;
	assert_int_equal(try_read(&f), 0);
	/* Offsets out of order or past the blob. */
	fake_put32(blob + 0x110, 0x100000);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put32(blob + 0x104, 8); /* metadata inside the header */
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put32(blob + 0x104, 0xfffffff0u);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put64(blob + 0x78, f.pcs + 8); /* scopes data after the PcDescs */
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put32(blob + 0x110, (uint32_t)(f.pcs - blob + 8)); /* partial PcDesc */
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put32(blob + 0x110, (uint32_t)(f.pcs - blob + 16)); /* one PcDesc */
	assert_int_equal(try_read(&f), -EINVAL);
	/* None at all: a native method wrapper. */
	f = fake_nmethod(blob, 42, methods);
	fake_put32(blob + 0x110, (uint32_t)(f.pcs - blob));
	assert_int_equal(try_read(&f), 0);
	read_nm(&f, &nm);
	assert_int_equal(nm.npcs, 0);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x10, true, JAVA_PC_NEAREST,
						(struct hotspot_scope[1]){ { 0, 0 } }, 1),
			 -ENOENT);
	hotspot_nmethod_free(&nm);
	/* No leading sentinel, unsorted, scope offset past the scopes. */
	f = fake_nmethod(blob, 42, methods);
	fake_put32(f.pcs, 3);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put32(f.pcs + 32, 0x10);
	assert_int_equal(try_read(&f), -EINVAL);
	f = fake_nmethod(blob, 42, methods);
	fake_put32(f.pcs + 16 + 4, 5000);
	assert_int_equal(try_read(&f), -EINVAL);
	/* Too big for the budget. */
	f = fake_nmethod(blob, 42, methods);
	assert_int_equal(hotspot_blob_read(&fake_reader, &l, blob, &b), 0);
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 64, &nm), -E2BIG);
	/* Blob running off readable memory. */
	b.size = (uint32_t)(fake_mem.base + fake_mem.size - blob + 4096);
	b.dependencies_offset = (int32_t)(b.size - 16);
	b.scopes_pcs_offset = (int32_t)(b.size - 64);
	memcpy(&size, fake_at(blob + 0xc, 4), 4);
	assert_true(size < b.size);
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 30, &nm), -EFAULT);
	/* Not an nmethod at all. */
	b.is_nmethod = false;
	assert_int_equal(hotspot_nmethod_read(&fake_reader, &l, &b, 1 << 30, &nm), -EINVAL);
}

static void test_corrupt_scopes(void **state)
{
	uint64_t blob = fake_block(0, 16);
	struct fake_nm f = fake_nmethod(blob, 42, methods);
	struct hotspot_nmethod nm;
	struct hotspot_scope s[8];
	uint8_t *sd;

	(void)state;
	/* Method index past the metadata. */
	sd = fake_at(f.scopes, f.pcs - f.scopes);
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
	f = fake_nmethod(blob, 42, methods);
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
	f = fake_nmethod(blob, 42, methods);
	sd[f.off_b] = 150;
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x40, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
	/* Outermost method is not the nmethod's. */
	f = fake_nmethod(blob, 42, methods);
	fake_put64(f.metadata, M_C);
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x10, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
	/* A record cut by the end of the scopes data (UNSIGNED5 high byte
	 * last): the last PcDesc's scope moved to the final byte. */
	f = fake_nmethod(blob, 42, methods);
	sd[f.pcs - f.scopes - 1] = 0xc0;
	fake_put32(f.pcs + 3 * 16 + 4, (uint32_t)(f.pcs - f.scopes - 1));
	read_nm(&f, &nm);
	assert_int_equal(hotspot_nmethod_scopes(&nm, f.code + 0x80, false, JAVA_PC_NEAREST, s, 8),
			 -EINVAL);
	hotspot_nmethod_free(&nm);
}

/* JAVA_PC_FLOW on the block layout JDK 11's C2 gives an inlined loop: the
 * peeled first iteration sits after the loop's exit and the caller's poll,
 * right before the next function's loop; it jumps back into its own loop.
 *   0x00 F's loop body (imul)         0x2a G's poll (PcDesc 2)
 *   0x04 F's poll (PcDesc 0)          0x2d ret
 *   0x07 jl 0x00                      0x2e 0x06 (not an instruction)
 *   0x09 caller's poll (PcDesc 1)     0x2f jmp 0x2f (to itself)
 *   0x0c ret
 *   0x0d F's peeled iteration: imul; movabs with 0xc3/0xe9 in its
 *        immediate; jl 0x00 (rel32); jmp 0x09
 *   0x26 G's loop body (imul)
 * Following by address names the peeled iteration G (the next PcDesc);
 * following the code names it F. */
static void test_pc_flow(void **state)
{
	static const uint8_t code[] = {
		0x48, 0x0f, 0xaf, 0xc1, 0x41, 0x85, 0x01, 0x7c, 0xf7, 0x41, 0x85, 0x01, 0xc3,
		0x48, 0x0f, 0xaf, 0xc1, 0x48, 0xb8, 0xc3, 0xe9, 0xc3, 0xe9, 0xc3, 0xe9, 0xc3,
		0xe9, 0x0f, 0x8c, 0xdf, 0xff, 0xff, 0xff, 0xe9, 0xe3, 0xff, 0xff, 0xff,
		0x48, 0x0f, 0xaf, 0xc1, 0x41, 0x85, 0x01, 0xc3, 0x06, 0xeb, 0xfe,
	};
	struct hotspot_pcdesc pcs[] = { { 0x04, 1 }, { 0x09, 2 }, { 0x2a, 3 } };
	struct hotspot_nmethod nm = { .pcs = pcs, .npcs = 3 };

	(void)state;
	assert_int_equal(sizeof(code), 0x31);
	/* Without the code: no flow. */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x0d), -1);
	nm.code = (uint8_t *)code;
	nm.code_len = sizeof(code);
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x0d), 0);  /* peeled: F, not G */
	assert_int_equal(hotspot_pcdesc_select(pcs, 3, 0x0d, true, JAVA_PC_FOLLOWING), 2);
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x11), 0);  /* past the movabs */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x00), 0);  /* loop body */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x04), 0);  /* at the poll itself */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x07), 0);  /* back edge: around again */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x26), 2);  /* G's body */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x0c), -1); /* ret: no successor */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x2e), -1); /* not decoded */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x2f), -1); /* endless jumps */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x31), -1); /* outside the code */
	assert_int_equal(hotspot_pcdesc_flow(&nm, -1), -1);
	assert_string_equal(java_pc_rule_name(JAVA_PC_FLOW), "flow");
}

/* A counted inner loop without a record of its own (C2 strip-mines it:
 * the poll is in the outer loop, after the inner loop's exit):
 *   0x00 imul; 0x04 jl 0x00 (back edge); 0x06 outer poll (PcDesc 0);
 *   0x09 jmp 0x00; 0x0b G's poll (PcDesc 1)
 * The walk goes round the inner loop once, then takes its exit. */
static void test_pc_flow_loop_without_record(void **state)
{
	static const uint8_t code[] = {
		0x48, 0x0f, 0xaf, 0xc1, 0x7c, 0xfa, 0x41, 0x85, 0x01, 0xeb, 0xf5, 0x41, 0x85, 0x01,
	};
	struct hotspot_pcdesc pcs[] = { { 0x06, 1 }, { 0x0b, 2 } };
	struct hotspot_nmethod nm = { .pcs = pcs, .npcs = 2, .code = (uint8_t *)code,
				      .code_len = sizeof(code) };

	(void)state;
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x00), 0);
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x04), 0);
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x09), 0); /* outer back edge */
}

/* C2's bimorphic inlining (ClassChurn on JDK 21 and 25: invoke inlines two
 * generations' applyAsLong side by side), method A calling at bci 5 either
 * B or C by the receiver's class:
 *   0x00 mov rax,[rsi+8]; 0x04 cmp rax,rdx; 0x07 jne 0x14   type check B
 *   0x09 imul (B's body); 0x0d jo 0x20; 0x0f B's poll (PcDesc 0: A@5 B@2);
 *   0x12 jmp 0x20
 *   0x14 cmp rax,rdi; 0x17 jne 0x26                          type check C
 *   0x19 imul (C's body); 0x1d C's poll (PcDesc 1: A@5 C@2)
 *   0x20 add rax,1 (A's own code after the call); 0x24 jmp 0x00
 *   0x26 call (uncommon trap); 0x2b ud2 (PcDesc 2: A@5)
 * Code that leads to both bodies (the type check, the loop's tail) is
 * named A alone; each body by its own method. */
struct bimorphic {
	uint8_t scopes[64];
	uint64_t metadata[3];
	struct hotspot_pcdesc pcs[3];
	struct hotspot_nmethod nm;
};

static void bimorphic_init(struct bimorphic *b, int c_bci)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x46, 0x08, 0x48, 0x39, 0xd0, 0x75, 0x0b, 0x48, 0x0f, 0xaf, 0xc1,
		0x70, 0x11, 0x41, 0x85, 0x01, 0xeb, 0x0c, 0x48, 0x39, 0xf8, 0x75, 0x0d, 0x48,
		0x0f, 0xaf, 0xc1, 0x41, 0x85, 0x01, 0x48, 0x83, 0xc0, 0x01, 0xeb, 0xda, 0xe8,
		0x00, 0x00, 0x00, 0x00, 0x0f, 0x0b,
	};
	size_t len = 1, off_a, off_ca, off_b, off_c; /* offset 0 is serialized_null */

	memset(b, 0, sizeof(*b));
	off_a = len;
	len += fake_scope_write(b->scopes + len, 0, 1, 5);
	off_ca = len; /* A at another call site, for c_bci != 5 */
	len += fake_scope_write(b->scopes + len, 0, 1, c_bci);
	off_b = len;
	len += fake_scope_write(b->scopes + len, (uint32_t)off_a, 2, 2);
	off_c = len;
	len += fake_scope_write(b->scopes + len, (uint32_t)off_ca, 3, 2);
	assert_true(len <= sizeof(b->scopes));
	memcpy(b->metadata, methods, sizeof(b->metadata));
	b->pcs[0] = (struct hotspot_pcdesc){ 0x0f, (int32_t)off_b };
	b->pcs[1] = (struct hotspot_pcdesc){ 0x1d, (int32_t)off_c };
	b->pcs[2] = (struct hotspot_pcdesc){ 0x2b, (int32_t)off_a };
	b->nm = (struct hotspot_nmethod){
		.blob = { .start = 0x1000, .size = 0x100, .code_begin = 0x1040,
			  .code_end = 0x1040 + sizeof(code), .is_nmethod = true, .method = M_A },
		.pcs = b->pcs, .npcs = 3, .scopes = b->scopes, .scopes_len = len,
		.metadata = b->metadata, .nmetadata = 3, .code = (uint8_t *)code,
		.code_len = sizeof(code),
	};
}

static void test_pc_flow_bimorphic(void **state)
{
	static const uint64_t a[] = { M_A }, ab[] = { M_A, M_B }, ac[] = { M_A, M_C };
	static const int bci_a[] = { 5 }, bci_ab[] = { 5, 2 }, bci_ac[] = { 5, 2 };
	static const int bci_ac9[] = { 9, 2 };
	struct bimorphic b;
	uint64_t c;

	(void)state;
	bimorphic_init(&b, 5);
	c = b.nm.blob.code_begin;
	/* The type check before both bodies, and the loop's tail leading
	 * back to it: the call site only. */
	expect_chain(&b.nm, c + 0x00, true, JAVA_PC_FLOW, a, bci_a, 1);
	expect_chain(&b.nm, c + 0x07, true, JAVA_PC_FLOW, a, bci_a, 1);
	expect_chain(&b.nm, c + 0x20, true, JAVA_PC_FLOW, a, bci_a, 1);
	/* Each body: its own method. B's exit (jo, forward) leads round A's
	 * loop back into B, the side the type check falls through to: the
	 * same record, not a second candidate. */
	expect_chain(&b.nm, c + 0x09, true, JAVA_PC_FLOW, ab, bci_ab, 2);
	expect_chain(&b.nm, c + 0x19, true, JAVA_PC_FLOW, ac, bci_ac, 2);
	/* C's type check: its other side is the call site's own record (a
	 * trap, or a call not inlined that may well be hot): A at the call
	 * site, not C, whichever the receiver is. */
	expect_chain(&b.nm, c + 0x14, true, JAVA_PC_FLOW, a, bci_a, 1);
	/* Return addresses and the other rules are exact or by address. */
	expect_chain(&b.nm, c + 0x2b, false, JAVA_PC_FLOW, a, bci_a, 1);
	expect_chain(&b.nm, c + 0x00, true, JAVA_PC_FOLLOWING, ab, bci_ab, 2);

	/* B and C called from two call sites (bci 5 and 9): a branch between
	 * two callees, each pc keeps the side the code falls through to. */
	bimorphic_init(&b, 9);
	expect_chain(&b.nm, c + 0x00, true, JAVA_PC_FLOW, ab, bci_ab, 2);
	expect_chain(&b.nm, c + 0x19, true, JAVA_PC_FLOW, ac, bci_ac9, 2);
}

/* The layout JDK 21's C2 gave ClassChurn's invoke (disassembled from a
 * recording): each receiver's inlined loop first, the type check after the
 * caller's loop tail, ending in backward branches into the loops:
 *   0x00 imul; 0x04 B's poll (PcDesc 0: A@5 B@20); 0x07 jl 0x00; 0x09 jmp 0x14
 *   0x0b imul; 0x0f C's poll (PcDesc 1: A@5 C@20); 0x12 jl 0x0b
 *   0x14 inc ecx; 0x16 A's poll (PcDesc 2: A@28); 0x19 cmp ecx,2000;
 *   0x1f jge 0x3e
 *   0x21 cmp r10d,C; 0x28 je 0x0b; 0x2a cmp r10d,B; 0x31 je 0x00
 *   0x37 call (uncommon trap); 0x3c ud2 (PcDesc 3: A@5)
 *   0x3e A's poll after its loop (PcDesc 4: A@61); 0x41 ret */
static void test_pc_flow_bimorphic_loops(void **state)
{
	static const uint8_t code[] = {
		0x4c, 0x0f, 0xaf, 0xcf, 0x41, 0x85, 0x02, 0x7c, 0xf7, 0xeb, 0x09,
		0x4c, 0x0f, 0xaf, 0xcf, 0x41, 0x85, 0x02, 0x7c, 0xf7,
		0xff, 0xc1, 0x41, 0x85, 0x02, 0x81, 0xf9, 0xd0, 0x07, 0x00, 0x00, 0x7d, 0x1d,
		0x41, 0x81, 0xfa, 0x00, 0xe4, 0x01, 0x01, 0x74, 0xe1,
		0x41, 0x81, 0xfa, 0x00, 0xe8, 0x01, 0x01, 0x0f, 0x84, 0xc9, 0xff, 0xff, 0xff,
		0xe8, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x0b, 0x41, 0x85, 0x02, 0xc3,
	};
	static const uint64_t a[] = { M_A }, ab[] = { M_A, M_B }, ac[] = { M_A, M_C };
	static const int bci_5[] = { 5 }, bci_28[] = { 28 }, bci_side[] = { 5, 20 };
	uint64_t metadata[3];
	uint8_t scopes[64];
	size_t len = 1, off_a5, off_a28, off_a61, off_b, off_c;
	struct hotspot_pcdesc pcs[5];
	struct hotspot_nmethod nm;
	uint64_t c = 0x1040;

	(void)state;
	assert_int_equal(sizeof(code), 0x42);
	off_a5 = len;
	len += fake_scope_write(scopes + len, 0, 1, 5);
	off_a28 = len;
	len += fake_scope_write(scopes + len, 0, 1, 28);
	off_a61 = len;
	len += fake_scope_write(scopes + len, 0, 1, 61);
	off_b = len;
	len += fake_scope_write(scopes + len, (uint32_t)off_a5, 2, 20);
	off_c = len;
	len += fake_scope_write(scopes + len, (uint32_t)off_a5, 3, 20);
	memcpy(metadata, methods, sizeof(metadata));
	pcs[0] = (struct hotspot_pcdesc){ 0x04, (int32_t)off_b };
	pcs[1] = (struct hotspot_pcdesc){ 0x0f, (int32_t)off_c };
	pcs[2] = (struct hotspot_pcdesc){ 0x16, (int32_t)off_a28 };
	pcs[3] = (struct hotspot_pcdesc){ 0x3c, (int32_t)off_a5 };
	pcs[4] = (struct hotspot_pcdesc){ 0x3e, (int32_t)off_a61 };
	nm = (struct hotspot_nmethod){
		.blob = { .start = 0x1000, .size = 0x100, .code_begin = c,
			  .code_end = c + sizeof(code), .is_nmethod = true, .method = M_A },
		.pcs = pcs, .npcs = 5, .scopes = scopes, .scopes_len = len,
		.metadata = metadata, .nmetadata = 3, .code = (uint8_t *)code,
		.code_len = sizeof(code),
	};
	/* The type check (both "je" backward) and the caller's loop test
	 * before it: A alone, at the call site. */
	expect_chain(&nm, c + 0x21, true, JAVA_PC_FLOW, a, bci_5, 1);
	expect_chain(&nm, c + 0x19, true, JAVA_PC_FLOW, a, bci_5, 1);
	/* Past the first check B or the call site's record (a trap, or a call
	 * not inlined) remain: still A alone. */
	expect_chain(&nm, c + 0x2a, true, JAVA_PC_FLOW, a, bci_5, 1);
	/* The loops, their back edges included (the exit leads to A's own
	 * record, another bci), and A's tail before its poll. */
	expect_chain(&nm, c + 0x00, true, JAVA_PC_FLOW, ab, bci_side, 2);
	expect_chain(&nm, c + 0x07, true, JAVA_PC_FLOW, ab, bci_side, 2);
	expect_chain(&nm, c + 0x0b, true, JAVA_PC_FLOW, ac, bci_side, 2);
	expect_chain(&nm, c + 0x12, true, JAVA_PC_FLOW, ac, bci_side, 2);
	expect_chain(&nm, c + 0x14, true, JAVA_PC_FLOW, a, bci_28, 1);
	/* Without the rule (the record the code reaches): C, whichever the
	 * receiver was. */
	assert_int_equal(hotspot_pcdesc_flow(&nm, 0x21), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_codecache_and_blob_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codecache_jdk11_growable_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codecache_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_chains_and_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcdesc_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pc_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pc_flow_loop_without_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pc_flow_bimorphic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pc_flow_bimorphic_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_scopes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
