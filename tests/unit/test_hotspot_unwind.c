// SPDX-License-Identifier: GPL-2.0
/* The HotSpot unwinder on a fake JVM memory image: the configuration read
 * from (fake) vmStructs, the code cache segment map walk, and unwind steps
 * through compiled, interpreted, stub and native frames. Offsets are those
 * of JDK 17 on x86-64, but everything goes through the tables as it does
 * against a real JVM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/hotspot_unwind.h"
#include "hotspot_fixture.h"

/* The target's memory: one flat image of IMAGE_SIZE bytes at IMAGE_BASE. */
#define IMAGE_BASE 0x100000ULL
#define IMAGE_SIZE 0x100000ULL

/* The walk reads through the fixture's memory; the BPF side's ctx is not
 * needed. */
#define HS_READ(ctx, dst, len, addr) \
	((void)(ctx), fake_reader.read(fake_reader.ctx, (addr), (dst), (len)))
#include "bpf/hotspot_unwind.h"

/* Layout of the image. */
#define CC_LOW 0x100000ULL  /* code cache: one heap, 64-byte segments */
#define CC_HIGH 0x140000ULL
#define LOG2_SEG 6
#define SEGMAP 0x180000ULL
#define METHOD 0x150000ULL
#define CONST_METHOD 0x150100ULL
#define CODES (CONST_METHOD + 48) /* sizeof(ConstMethod) */
#define NAMES 0x160000ULL
#define STATICS 0x170000ULL
#define STACK 0x1c0000ULL

/* JDK 17 x86-64 offsets, as in the fixture's vmStructs. */
#define CB_SIZE 0x0c
#define CB_FRAME_COMPLETE 0x14
#define CB_FRAME_SIZE 0x1c
#define CB_CODE_BEGIN 0x20
#define CB_CODE_END 0x28
#define CB_NAME 0x60
#define NM_COMPILE_ID 0x130

#define SEG(n) (CC_LOW + ((uint64_t)(n) << LOG2_SEG))

/* The blobs: a runtime stub, a large nmethod (multi-hop segment map), the
 * interpreter, StubRoutines (the call stub), a free block. */
#define RS_BLOCK SEG(0)
#define NM_BLOCK SEG(16)
#define NM_SEGS 600
#define INT_BLOCK SEG(700)
#define CS_BLOCK SEG(800)
#define FREE_BLOCK SEG(900)
#define FREE_SEG 1000

#define BLOB(block) ((block) + 16)
#define CODE_BEGIN(block) (BLOB(block) + 0x170)

/* Return addresses into each. */
#define RA_RS (CODE_BEGIN(RS_BLOCK) + 0x40)
#define RA_NM (NM_BLOCK + 300 * 64 + 8)
#define RA_INT (INT_BLOCK + 0x200)
#define RA_CS (CS_BLOCK + 0x100)
#define RA_NATIVE 0x7f0000002000ULL

static const char *name_at(uint64_t addr, const char *s)
{
	memcpy(fake_at(addr, strlen(s) + 1), s, strlen(s) + 1);
	return s;
}

/* A block of nsegs segments (fake_block), used or free, with a CodeBlob
 * header. */
static void blob_make(uint64_t block, uint32_t nsegs, bool used, uint64_t name, int32_t frame_size,
		      int32_t frame_complete, int32_t compile_id)
{
	uint64_t blob = fake_block((unsigned)((block - CC_LOW) >> LOG2_SEG), nsegs);

	fake_put8(block + 8, used);
	fake_put32(blob + CB_SIZE, nsegs * 64 - 16);
	fake_put32(blob + CB_FRAME_COMPLETE, frame_complete);
	fake_put32(blob + CB_FRAME_SIZE, frame_size);
	fake_put64(blob + CB_CODE_BEGIN, CODE_BEGIN(block));
	fake_put64(blob + CB_CODE_END, block + nsegs * 64);
	fake_put64(blob + CB_NAME, name);
	fake_put32(blob + NM_COMPILE_ID, compile_id);
}

static struct vmstructs_int ints[] = {
	{ (char *)"frame::interpreter_frame_sender_sp_offset", -1 },
	{ (char *)"frame::interpreter_frame_last_sp_offset", -2 },
};

static int group_setup(void **state)
{
	(void)state;
	fake_vmstructs(FAKE_VS_CODE | FAKE_VS_METHOD);
	fake_vs.ints = ints;
	fake_vs.nints = sizeof(ints) / sizeof(ints[0]);
	return fake_mem_setup(IMAGE_BASE, IMAGE_SIZE);
}

static int group_teardown(void **state)
{
	(void)state;
	fake_mem_teardown();
	return 0;
}

/* The code cache's statics, array and CodeHeap (fake_codecache_at) go
 * between the names and the segment map. */
static void image_build(void)
{
	memset(fake_at(IMAGE_BASE, IMAGE_SIZE), 0, IMAGE_SIZE);
	fake_mem.used = STATICS - IMAGE_BASE;
	fake_codecache_at(CC_LOW, SEGMAP, (CC_HIGH - CC_LOW) >> LOG2_SEG, LOG2_SEG);

	blob_make(RS_BLOCK, 8, true, NAMES, 4, 0x10, 0);
	name_at(NAMES, "_new_array_Java");
	blob_make(NM_BLOCK, NM_SEGS, true, NAMES + 0x40, 6, 0x20, 77);
	name_at(NAMES + 0x40, "nmethod");
	blob_make(INT_BLOCK, 20, true, NAMES + 0x80, 0, -1, 0);
	name_at(NAMES + 0x80, "Interpreter");
	blob_make(CS_BLOCK, 8, true, NAMES + 0xc0, 0, -1, 0);
	name_at(NAMES + 0xc0, "StubRoutines (1)");
	blob_make(FREE_BLOCK, 4, false, NAMES + 0xc0, 0, -1, 0);

	fake_put64(METHOD + 8, CONST_METHOD);
}

static struct hotspot_cfg cfg_get(void)
{
	struct hotspot_cfg cfg;

	image_build();
	assert_int_equal(hotspot_cfg_read(&fake_reader, &fake_vs, &cfg), 0);
	return cfg;
}

static void test_cfg_read(void **state)
{
	struct hotspot_cfg cfg = cfg_get(), c2;
	struct vmstructs_field *high_bound = fake_vs_field("CodeCache", "_high_bound");
	uint64_t array;

	(void)state;
	assert_int_equal(cfg.codecache_low, CC_LOW);
	assert_int_equal(cfg.codecache_high, CC_HIGH);
	assert_int_equal(cfg.nheaps, 1);
	assert_int_equal(cfg.heaps[0].low, CC_LOW);
	assert_int_equal(cfg.heaps[0].high, CC_HIGH);
	assert_int_equal(cfg.heaps[0].segmap, SEGMAP);
	assert_int_equal(cfg.heaps[0].log2_segment, LOG2_SEG);
	assert_int_equal(cfg.heap_block_size, 16);
	assert_int_equal(cfg.heap_block_used, 8);
	assert_int_equal(cfg.blob_name, CB_NAME);
	assert_int_equal(cfg.blob_frame_size, CB_FRAME_SIZE);
	assert_int_equal(cfg.nmethod_compile_id, NM_COMPILE_ID);
	assert_int_equal(cfg.nmethod_method, 0x70);
	/* x86-64: sender sp -1, method -3, bcp -8 words. */
	assert_int_equal(cfg.interp_sender_sp, -8);
	assert_int_equal(cfg.interp_method, -24);
	assert_int_equal(cfg.interp_bcp, -64);
	assert_int_equal(cfg.method_const_method, 8);
	assert_int_equal(cfg.const_method_size, 48);

	/* A missing constant, a code cache not set up yet. */
	fake_vs.nints = 1;
	assert_int_equal(hotspot_cfg_read(&fake_reader, &fake_vs, &c2), -ENOENT);
	fake_vs.nints = 2;
	memcpy(&array, fake_at(fake_cc.heaps, 8), 8);
	fake_put64(fake_cc.heaps, 0);
	assert_int_equal(hotspot_cfg_read(&fake_reader, &fake_vs, &c2), -ENOENT);
	fake_put64(fake_cc.heaps, array);
	high_bound->field = (char *)"_gone";
	assert_int_equal(hotspot_cfg_read(&fake_reader, &fake_vs, &c2), -ENOENT);
	high_bound->field = (char *)"_high_bound";
	assert_int_equal(hotspot_cfg_read(&fake_reader, &fake_vs, &c2), 0);
}

static void test_segmap_walk(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	__u64 blob = 0;

	(void)state;
	/* Start of a block, inside it, far inside (several hops). */
	assert_int_equal(hs_find_blob(NULL, &cfg, RS_BLOCK + 0x20, &blob), 0);
	assert_int_equal(blob, BLOB(RS_BLOCK));
	assert_int_equal(hs_find_blob(NULL, &cfg, RA_RS, &blob), 0);
	assert_int_equal(blob, BLOB(RS_BLOCK));
	assert_int_equal(hs_find_blob(NULL, &cfg, RA_NM, &blob), 0);
	assert_int_equal(blob, BLOB(NM_BLOCK));
	assert_int_equal(hs_find_blob(NULL, &cfg, NM_BLOCK + (NM_SEGS - 1) * 64 + 63, &blob), 0);
	assert_int_equal(blob, BLOB(NM_BLOCK));
	/* A free block, a segment no block uses, outside the code cache. */
	assert_int_equal(hs_find_blob(NULL, &cfg, FREE_BLOCK + 0x50, &blob), -1);
	assert_int_equal(hs_find_blob(NULL, &cfg, SEG(FREE_SEG) + 8, &blob), -1);
	assert_int_equal(hs_find_blob(NULL, &cfg, CC_HIGH, &blob), -1);
	assert_int_equal(hs_find_blob(NULL, &cfg, CC_LOW - 1, &blob), -1);
	/* A corrupt map that hops before the heap start. */
	fake_put8(SEGMAP + 2000, 0xf0);
	assert_int_equal(hs_find_blob(NULL, &cfg, SEG(2000), &blob), -1);
}

/* Does the segment map still lead from pc to blob's start? (The BPF blob
 * cache checks only the compile id, for cost: see hs_blob_cached.) */
static bool blob_holds(const struct hotspot_cfg *cfg, uint64_t pc, uint64_t blob)
{
	__u64 now = 0;

	return !hs_find_blob(NULL, cfg, pc, &now) && now == blob;
}

/* A remembered (pc -> blob) pair after the blob was freed and a later one
 * starting after it covers pc: the old header (compile id included) is
 * still there, only the segment map tells. */
static void test_blob_holds_after_reuse(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	const uint64_t old_block = SEG(1200), new_block = SEG(1210), pc = SEG(1215) + 0x18;
	__u32 id = 0;

	(void)state;
	blob_make(old_block, 40, true, 0, 4, 0, 77);
	assert_true(blob_holds(&cfg, pc, BLOB(old_block)));
	/* Freed, then the range from segment 1210 reallocated. */
	fake_put8(old_block + 8, 0);
	blob_make(new_block, 40, true, 0, 4, 0, 78);
	assert_false(blob_holds(&cfg, pc, BLOB(old_block)));
	assert_true(blob_holds(&cfg, pc, BLOB(new_block)));
	/* What a compile-id check alone would have believed. */
	assert_int_equal(fake_reader.read(fake_reader.ctx, BLOB(old_block) + NM_COMPILE_ID, &id,
					  sizeof(id)),
			 0);
	assert_int_equal(id, 77);
	/* The old start itself is in a free segment now; pc before the new
	 * block too. */
	fake_put8(SEGMAP + 1200, HS_SEGMAP_FREE);
	assert_false(blob_holds(&cfg, SEG(1200) + 0x20, BLOB(old_block)));
	/* Outside the code cache. */
	assert_false(blob_holds(&cfg, CC_HIGH, BLOB(new_block)));
}

static void test_blob_read(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	struct hs_blob b;

	(void)state;
	assert_int_equal(hs_blob_read(NULL, &cfg, RA_NM, &b), 0);
	assert_int_equal(b.kind, HS_BLOB_NMETHOD);
	assert_int_equal(b.compile_id, 77);
	assert_int_equal(b.frame_size, 6);
	assert_int_equal(b.frame_complete, 0x20);
	assert_int_equal(b.code_begin, CODE_BEGIN(NM_BLOCK));
	assert_int_equal(hs_blob_read(NULL, &cfg, RA_INT, &b), 0);
	assert_int_equal(b.kind, HS_BLOB_INTERPRETER);
	assert_int_equal(hs_blob_read(NULL, &cfg, RA_CS, &b), 0);
	assert_int_equal(b.kind, HS_BLOB_STUB);
	assert_int_equal(b.frame_size, 0);
	assert_int_equal(b.compile_id, 0);
	assert_int_equal(hs_blob_read(NULL, &cfg, RA_RS, &b), 0);
	assert_int_equal(b.kind, HS_BLOB_STUB);
	assert_int_equal(b.frame_size, 4);
}

static int step(const struct hotspot_cfg *cfg, struct hs_frame *f, __u64 *word)
{
	__u64 win[HS_INTERP_WINDOW];

	return hs_unwind_step(NULL, cfg, f, win, word);
}

static void test_compiled_step(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	struct hs_frame f = { .pc = RA_NM, .sp = STACK + 0x50, .fp = 0xdead };
	__u64 w;

	(void)state;
	/* Return address at caller_sp - 8, saved rbp at caller_sp - 16. */
	fake_put64(STACK + 0x70, STACK + 0x100);
	fake_put64(STACK + 0x78, RA_INT);
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_true(hs_frame_is_compiled(w));
	assert_int_equal(hs_compiled_id(w), 77);
	assert_int_equal(hs_compiled_pc(w, CC_LOW), RA_NM);
	assert_int_equal(f.pc, RA_INT);
	assert_int_equal(f.sp, STACK + 0x80);
	assert_int_equal(f.fp, STACK + 0x100);
	assert_int_equal(f.record, STACK + 0x70);

	/* A return address outside the code cache: not a Java caller. */
	f = (struct hs_frame){ .pc = RA_NM, .sp = STACK + 0x50 };
	fake_put64(STACK + 0x78, RA_NATIVE);
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_LAST);
	assert_int_equal(hs_compiled_id(w), 77);

	/* Below the safepoint handler: C2 polled on return after popping its
	 * frame, so the saved pc's frame is gone and its return address is at
	 * sp; taken because the frame-size one is no code. */
	fake_put64(STACK + 0x48, RA_INT);
	f = (struct hs_frame){ .pc = RA_NM, .sp = STACK + 0x48, .fp = 0x77 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_INT);
	assert_int_equal(f.sp, STACK + 0x50);
	assert_int_equal(f.fp, 0x77);
}

static void test_compiled_leaf_prologue_epilogue(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	__u64 entry = CODE_BEGIN(NM_BLOCK) + 4, w;
	struct hs_frame f;

	(void)state;
	/* Prologue, nothing pushed: return address at sp, rbp is the caller's. */
	fake_put64(STACK + 0x400, RA_CS);
	f = (struct hs_frame){ .pc = entry, .sp = STACK + 0x400, .fp = 0x1234, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(hs_compiled_id(w), 77);
	assert_int_equal(f.pc, RA_CS);
	assert_int_equal(f.sp, STACK + 0x408);
	assert_int_equal(f.fp, 0x1234);

	/* Prologue after push rbp: saved rbp at sp, return address above. */
	fake_put64(STACK + 0x400, STACK + 0x500);
	fake_put64(STACK + 0x408, RA_CS);
	f = (struct hs_frame){ .pc = entry, .sp = STACK + 0x400, .fp = STACK + 0x500, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_CS);
	assert_int_equal(f.sp, STACK + 0x410);
	assert_int_equal(f.fp, STACK + 0x500);

	/* Epilogue at ret: frame popped, return address at sp. */
	fake_put8(RA_NM + 0x10, 0xc3);
	fake_put64(STACK + 0x400, RA_INT);
	f = (struct hs_frame){ .pc = RA_NM + 0x10, .sp = STACK + 0x400, .fp = 0x42, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_INT);
	assert_int_equal(f.sp, STACK + 0x408);
	assert_int_equal(f.fp, 0x42);

	/* Epilogue at pop rbp: return address at sp + 8. */
	fake_put8(RA_NM + 0x20, 0x5d);
	fake_put64(STACK + 0x400, STACK + 0x700);
	fake_put64(STACK + 0x408, RA_INT);
	f = (struct hs_frame){ .pc = RA_NM + 0x20, .sp = STACK + 0x400, .fp = 0x42, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_INT);
	assert_int_equal(f.sp, STACK + 0x410);
	assert_int_equal(f.fp, STACK + 0x700);

	/* Epilogue at the return poll (cmp rsp, [r15 + 0x20]). */
	memcpy(fake_at(RA_NM + 0x30, 4), "\x49\x3b\x67\x20", 4);
	f = (struct hs_frame){ .pc = RA_NM + 0x30, .sp = STACK + 0x408, .fp = 0x42, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_INT);
	assert_int_equal(f.sp, STACK + 0x410);

	/* The same pc as a return address (not a leaf) is a complete frame. */
	fake_put64(STACK + 0x400 + 6 * 8 - 8, RA_CS);
	fake_put64(STACK + 0x400 + 6 * 8 - 16, STACK + 0x600);
	f = (struct hs_frame){ .pc = RA_NM + 0x10, .sp = STACK + 0x400, .fp = 0x42 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_CS);
	assert_int_equal(f.sp, STACK + 0x400 + 6 * 8);
	assert_int_equal(f.fp, STACK + 0x600);
}

static void interp_frame_make(uint64_t fp, uint64_t sender_sp, uint64_t saved_fp, uint64_t ra,
			      uint64_t method, uint64_t bcp)
{
	fake_put64(fp + 8, ra);
	fake_put64(fp, saved_fp);
	fake_put64(fp - 8, sender_sp);
	fake_put64(fp - 24, method);
	fake_put64(fp - 64, bcp);
}

static void test_interpreted_step(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	struct hs_frame f;
	__u64 w;

	(void)state;
	interp_frame_make(STACK + 0x100, STACK + 0x110, STACK + 0x140, RA_CS, METHOD, CODES + 5);
	f = (struct hs_frame){ .pc = RA_INT, .sp = STACK + 0x80, .fp = STACK + 0x100 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_true(hs_frame_is_java(w));
	assert_false(hs_frame_is_compiled(w));
	assert_int_equal(hs_interpreted_method(w), METHOD);
	assert_int_equal(hs_interpreted_bci(w), 5);
	assert_int_equal(f.pc, RA_CS);
	assert_int_equal(f.sp, STACK + 0x110);
	assert_int_equal(f.fp, STACK + 0x140);

	/* A leaf: the bcp register (r13) is newer than the frame's slot. */
	f = (struct hs_frame){ .pc = RA_INT, .sp = STACK + 0x80, .fp = STACK + 0x100,
			       .bcp = CODES + 9, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(hs_interpreted_bci(w), 9);

	/* A bcp outside the method's bytecodes: bci unknown, frame still named. */
	interp_frame_make(STACK + 0x100, STACK + 0x110, STACK + 0x140, RA_CS, METHOD, 0x10);
	f = (struct hs_frame){ .pc = RA_INT, .sp = STACK + 0x80, .fp = STACK + 0x100 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(hs_interpreted_method(w), METHOD);
	assert_int_equal(hs_interpreted_bci(w), HS_BCI_UNKNOWN);

	/* No Method* yet (a leaf in the method entry): the pc as a blob frame. */
	interp_frame_make(STACK + 0x100, STACK + 0x110, STACK + 0x140, RA_CS, 0, 0);
	f = (struct hs_frame){ .pc = RA_INT, .sp = STACK + 0x80, .fp = STACK + 0x100, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_LAST);
	assert_true(hs_frame_is_compiled(w));
	assert_int_equal(hs_compiled_pc(w, CC_LOW), RA_INT);

	/* A sender sp below the frame: stop. */
	interp_frame_make(STACK + 0x100, STACK + 0x10, STACK + 0x140, RA_CS, METHOD, CODES);
	f = (struct hs_frame){ .pc = RA_INT, .sp = STACK + 0x80, .fp = STACK + 0x100 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_LAST);
	assert_int_equal(hs_interpreted_bci(w), 0);
}

static void test_stub_step(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	struct hs_frame f;
	__u64 w;

	(void)state;
	/* The call stub keeps rbp: its caller is native code. */
	fake_put64(STACK + 0x140, STACK + 0x200);
	fake_put64(STACK + 0x148, RA_NATIVE);
	f = (struct hs_frame){ .pc = RA_CS, .sp = STACK + 0x110, .fp = STACK + 0x140 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_true(hs_frame_is_compiled(w));
	assert_int_equal(hs_compiled_id(w), 0);
	assert_int_equal(hs_compiled_pc(w, CC_LOW), RA_CS);
	assert_int_equal(f.pc, RA_NATIVE);
	assert_int_equal(f.sp, STACK + 0x150);
	assert_int_equal(f.fp, STACK + 0x200);

	/* A leaf stub that pushed nothing: return address at sp. */
	fake_put64(STACK + 0x300, RA_NM);
	f = (struct hs_frame){ .pc = RA_CS, .sp = STACK + 0x300, .fp = 0x77, .leaf = 1 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(f.pc, RA_NM);
	assert_int_equal(f.sp, STACK + 0x308);
	assert_int_equal(f.fp, 0x77);

	/* A stub with a fixed frame (a runtime stub) unwinds like nmethods. */
	fake_put64(STACK + 0x40, 0x99);
	fake_put64(STACK + 0x48, RA_NM);
	f = (struct hs_frame){ .pc = RA_RS, .sp = STACK + 0x30, .fp = 0x55 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_NEXT);
	assert_int_equal(hs_compiled_id(w), 0);
	assert_int_equal(f.pc, RA_NM);
	assert_int_equal(f.sp, STACK + 0x50);
	assert_int_equal(f.fp, 0x99);

	/* pc in the code cache but in a free block: named, not followed. */
	f = (struct hs_frame){ .pc = FREE_BLOCK + 0x40, .sp = STACK, .fp = STACK + 0x140 };
	assert_int_equal(step(&cfg, &f, &w), HS_STEP_LAST);
	assert_int_equal(hs_compiled_pc(w, CC_LOW), FREE_BLOCK + 0x40);
}

/* native leaf -> runtime stub -> nmethod -> interpreter -> call stub ->
 * native root, one state machine all the way. */
static void test_full_walk(void **state)
{
	struct hotspot_cfg cfg = cfg_get();
	struct hs_frame f = { .pc = 0x7f0000001000ULL, .sp = STACK, .fp = STACK + 0x20, .leaf = 1 };
	__u64 words[16], want[6];
	int n = 0, rc = HS_STEP_NEXT;

	(void)state;
	fake_put64(STACK + 0x20, 0xbad0); /* the compiled caller's rbp: garbage */
	fake_put64(STACK + 0x28, RA_RS);
	fake_put64(STACK + 0x40, 0xbad1);
	fake_put64(STACK + 0x48, RA_NM);
	fake_put64(STACK + 0x70, STACK + 0x100);
	fake_put64(STACK + 0x78, RA_INT);
	interp_frame_make(STACK + 0x100, STACK + 0x110, STACK + 0x140, RA_CS, METHOD, CODES + 3);
	fake_put64(STACK + 0x140, STACK + 0x200);
	fake_put64(STACK + 0x148, RA_NATIVE);
	fake_put64(STACK + 0x200, 0);
	fake_put64(STACK + 0x208, 0);
	while (rc == HS_STEP_NEXT && n < 16) {
		rc = step(&cfg, &f, &words[n]);
		if (rc == HS_STEP_FAIL)
			break;
		n++;
	}
	want[0] = 0x7f0000001000ULL;
	want[1] = hs_frame_compiled(RA_RS - CC_LOW, 0);
	want[2] = hs_frame_compiled(RA_NM - CC_LOW, 77);
	want[3] = hs_frame_interpreted(METHOD, 3);
	want[4] = hs_frame_compiled(RA_CS - CC_LOW, 0);
	want[5] = RA_NATIVE;
	assert_int_equal(rc, HS_STEP_LAST);
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(words[i], want[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_read),
		cmocka_unit_test(test_segmap_walk),
		cmocka_unit_test(test_blob_holds_after_reuse),
		cmocka_unit_test(test_blob_read),
		cmocka_unit_test(test_compiled_step),
		cmocka_unit_test(test_compiled_leaf_prologue_epilogue),
		cmocka_unit_test(test_interpreted_step),
		cmocka_unit_test(test_stub_step),
		cmocka_unit_test(test_full_walk),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
