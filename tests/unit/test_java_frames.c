// SPDX-License-Identifier: GPL-2.0
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

#include "hotspot_fixture.h"
#include "symbolize/java_frames.h"

#define FAKE_SIZE (8u * 1024 * 1024)
#define SEG 64
#define NSEGS 128

static uint64_t fake_stub(unsigned seg, const char *name)
{
	uint64_t b = fake_block(seg, 4);

	fake_put64(b + 0x60, fake_string(name));
	fake_put32(b + 0xc, 200);
	fake_put64(b + 0x20, b + 104);
	fake_put64(b + 0x28, b + 200);
	return b;
}

/* ---- fixture --------------------------------------------------------- */

static uint64_t methods[3];
static struct fake_nm nm42;
static struct java_frames *jf;

static int setup(void **state)
{
	(void)state;
	fake_vmstructs(FAKE_VS_CODE | FAKE_VS_METHOD);
	if (fake_mem_setup(FAKE_BASE, FAKE_SIZE))
		return -1;
	fake_codecache(NSEGS);
	methods[0] = fake_method_lines("org/apache/flink/Task", "run", "()V", 100).method;
	methods[1] = fake_method_lines("org/apache/flink/Op", "process", "(J)I", 200).method;
	methods[2] = fake_method_lines("java/util/HashMap$Node", "<init>", "(I)V", 300).method;
	nm42 = fake_nmethod(fake_block(0, 16), 42, methods);
	return java_frames_new(&fake_reader, &fake_vs, &jf) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	java_frames_free(jf);
	jf = NULL;
	fake_mem_teardown();
	return 0;
}

static uint64_t word_at(uint64_t pc, uint32_t id)
{
	return hs_frame_compiled(pc - fake_cc.heap_low, id);
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
	reads = fake_mem.reads;
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	assert_int_equal(fake_mem.reads, reads);
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
	other[0] = fake_method_lines("com/acme/Other", "work", "()J", 10).method;
	other[1] = fake_method_lines("com/acme/Other", "inner", "()J", 20).method;
	other[2] = fake_method_lines("com/acme/Other", "leaf", "()J", 30).method;
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
	fake_put8(nm42.blob - 8, 0);
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
	struct fake_method reused;

	(void)state;
	assert_int_equal(java_frames_resolve(jf, w, false, f, 2), 1);
	expect_frame(&f[0], "org.apache.flink.Op.process", "(J)I", 204, 4, FRAME_INTERPRETED);
	assert_int_equal(java_frames_resolve(jf, w, true, f, 2), 1);
	assert_int_equal(stats().method_hits, 1);
	assert_int_equal(stats().interpreted, 2);

	/* The class is unloaded and the Method's memory reused by another
	 * method: the cached name must not survive. */
	reused = fake_method_lines("Gen$$Lambda$7+0x0000000800c01000", "apply",
				   "(Ljava/lang/Object;)Ljava/lang/Object;", 50);
	fake_put64(methods[1] + 0x8, reused.cm);
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
	fake_put64(methods[1] + 0x8, fake_method_lines("X", "y", "()V", 1).cm);
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x80, 42), false, f, 8), 3);
	assert_string_equal(f[1].name, "X.y");
	assert_int_equal(stats().method_reused, 1);
}

/* The Symbol pointers of methods[i] (holder, name) read from the fake. */
static void method_symbols(uint64_t method, uint64_t *holder_name, uint64_t *name)
{
	uint64_t cm = *(uint64_t *)fake_at(method + 0x8, 8);
	uint64_t cp = *(uint64_t *)fake_at(cm + 0x8, 8);
	uint64_t klass = *(uint64_t *)fake_at(cp + 0x18, 8);

	*holder_name = *(uint64_t *)fake_at(klass + 0x18, 8);
	*name = *(uint64_t *)fake_at(cp + FAKE_CP_SIZE + 8 * 3, 8);
}

/* ClassChurn's generations: a class reloaded in a fresh loader gets the
 * unloaded one's metaspace (Method, ConstMethod, ConstantPool, Klass at the
 * same addresses) and its Symbols the freed Symbols' memory. Every pointer
 * the Method cache checks is equal; only the names differ. */
static void test_method_symbols_reused(void **state)
{
	uint64_t w = hs_frame_interpreted(methods[1], 4), holder, name;
	struct fake_nm next;
	struct java_frame f[8];

	(void)state;
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x40, 42), false, f, 8), 2);
	assert_string_equal(f[1].name, "org.apache.flink.Op.process");
	method_symbols(methods[1], &holder, &name);
	fake_symbol_set(holder, "org/apache/flink/Oq");
	fake_symbol_set(name, "prOcess");
	/* The interpreted frame of the newcomer. */
	assert_int_equal(java_frames_resolve(jf, w, false, f, 8), 1);
	expect_frame(&f[0], "org.apache.flink.Oq.prOcess", "(J)I", 204, 4, FRAME_INTERPRETED);
	assert_int_equal(stats().method_renamed, 1);
	assert_int_equal(stats().method_reused, 1);
	/* Its own nmethod (a new compile id) inlining the same Method*. */
	next = fake_nmethod(fake_block(20, 16), 43, methods);
	assert_int_equal(java_frames_resolve(jf, word_at(next.code + 0x40, 43), false, f, 8), 2);
	assert_string_equal(f[0].name, "org.apache.flink.Task.run");
	assert_string_equal(f[1].name, "org.apache.flink.Oq.prOcess");
	/* Names unchanged since: a plain hit. */
	assert_int_equal(stats().method_renamed, 1);
	/* The old nmethod's cached chain stays what ran then. */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code + 0x40, 42), false, f, 8), 2);
	assert_string_equal(f[1].name, "org.apache.flink.Op.process");
	/* A Symbol that no longer reads as one: unnamed, not the cached name. */
	fake_put16(name + 4, 0);
	assert_int_equal(java_frames_resolve(jf, w, false, f, 8), 1);
	expect_frame(&f[0], JAVA_FRAME_UNKNOWN_METHOD, "", -1, 4, FRAME_UNKNOWN);
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
	assert_int_equal(java_frames_blob_name(jf, fake_cc.heap_low + 50 * SEG, &name), -ENOENT);
}

static void test_corrupt_nmethods(void **state)
{
	uint64_t blob = fake_block(30, 16);
	struct fake_nm f = fake_nmethod(blob, 55, methods);
	struct java_frame fr[8];

	(void)state;
	/* Debug info offsets nonsense: the header still names the method. */
	fake_put32(blob + 0x110, 0x7fffffff);
	assert_int_equal(java_frames_resolve(jf, word_at(f.code + 0x80, 55), false, fr, 8), 1);
	expect_frame(&fr[0], "org.apache.flink.Task.run", "()V", -1, -1, FRAME_JIT);
	assert_int_equal(stats().bad_debug_info, 1);
	/* Garbage header: unreadable, no name. */
	blob = fake_block(50, 8);
	fake_put64(blob + 0x60, fake_string("nmethod"));
	fake_put32(blob + 0xc, 0xffffffff);
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
	uint64_t cm = fake_method_lines("Many", "m", "()V", 1).cm;
	struct java_frame f[1];
	const unsigned n = 40000;
	uint64_t first = 0;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		uint64_t m = fake_alloc(16);

		fake_put64(m + 0x8, cm);
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
	struct vmstructs v = fake_vs;
	struct java_frames *other;
	struct java_frame f[2];

	(void)state;
	assert_int_equal(java_frames_resolve(jf, 0x401000, true, f, 2), -EINVAL); /* native */
	assert_int_equal(java_frames_resolve(jf, word_at(nm42.code, 42), true, f, 0), -EINVAL);
	v.nfields--; /* Symbol::_body */
	assert_int_equal(java_frames_new(&fake_reader, &v, &other), -ENOENT);
	assert_null(other);
	v = fake_vs;
	v.ntypes--; /* ConstantPool */
	assert_int_equal(java_frames_new(&fake_reader, &v, &other), -ENOENT);
	assert_int_equal(java_frames_codecache(jf)->codecache_low, fake_cc.heap_low);
}

/* A raw pc (frame-pointer stack, JDK 11 without a perf map): named by what
 * holds it now, as a perf map would, without inlining. */
static void test_name_pc(void **state)
{
	uint64_t stub = fake_stub(40, "StubRoutines (1)");
	struct java_frame f;

	(void)state;
	assert_int_equal(java_frames_name_pc(jf, nm42.code + 0x80, &f), 0);
	expect_frame(&f, "org.apache.flink.Task.run", "()V", -1, -1, FRAME_JIT);
	assert_int_equal(java_frames_name_pc(jf, stub + 120, &f), 0);
	assert_string_equal(f.name, "StubRoutines (1)");
	assert_int_equal(f.kind, FRAME_NATIVE);
	/* A free segment, below the code cache: nothing there. */
	assert_int_equal(java_frames_name_pc(jf, fake_cc.heap_low + 100 * SEG, &f), -ENOENT);
	assert_int_equal(java_frames_name_pc(jf, fake_cc.heap_low - 8, &f), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compiled_chain_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_compile_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interpreted_and_reused_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_method_inlined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_symbols_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stubs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_nmethods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_cache_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_pc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
