// SPDX-License-Identifier: GPL-2.0
/* Method* naming against fake metadata laid out in a buffer that poses as
 * the target's memory, with JDK 17's offsets in a fake vmStructs table. */
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

#define FAKE_SIZE (256u * 1024)

/* Symbol::_body under its other published name, "_body[0]": covers the
 * layout's fallback. */
static int setup(void **state)
{
	(void)state;
	fake_vmstructs(FAKE_VS_METHOD);
	fake_vs_field("Symbol", "_body")->field = (char *)"_body[0]";
	return fake_mem_setup(FAKE_BASE, FAKE_SIZE);
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_teardown();
	return 0;
}

static struct hotspot_method_layout layout(void)
{
	struct hotspot_method_layout l;

	assert_int_equal(hotspot_method_layout_init(&l, &fake_vs), 0);
	return l;
}

/* ---- tests ----------------------------------------------------------- */

static void test_names_signature_lines(void **state)
{
	/* Out of order, a backwards line (escape with a negative delta) and a
	 * long jump (escape with multi-byte values). */
	static const int lines[][2] = { { 0, 10 }, { 5, 11 }, { 12, 14 }, { 20, 9 }, { 400, 2000 } };
	struct hotspot_method_layout l = layout();
	struct fake_method f = fake_method("org/apache/flink/Foo$Bar", "map",
					   "(Ljava/lang/Object;)V", 500, lines, 5, true);
	struct hotspot_method_info m;

	(void)state;
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_string_equal(m.name, "org.apache.flink.Foo$Bar.map");
	assert_string_equal(m.signature, "(Ljava/lang/Object;)V");
	assert_true(m.has_lines);
	assert_int_equal(m.nlines, 5);
	assert_int_equal(hotspot_method_line(&m, 0), 10);
	assert_int_equal(hotspot_method_line(&m, -1), 10); /* method entry */
	assert_int_equal(hotspot_method_line(&m, 4), 10);
	assert_int_equal(hotspot_method_line(&m, 5), 11);
	assert_int_equal(hotspot_method_line(&m, 13), 14);
	assert_int_equal(hotspot_method_line(&m, 25), 9);
	assert_int_equal(hotspot_method_line(&m, 400), 2000);
	assert_int_equal(hotspot_method_line(&m, 499), 2000);
	assert_int_equal(hotspot_method_line(&m, 500), -1); /* past the code */
	assert_int_equal(hotspot_method_line(&m, -5), -1);
	assert_int_equal(m.id.name_index, 3);
	assert_int_equal(m.id.signature_index, 4);
	hotspot_method_info_free(&m);
}

static void test_no_line_table(void **state)
{
	static const int lines[][2] = { { 0, 10 } };
	struct hotspot_method_layout l = layout();
	struct fake_method f = fake_method("A", "b", "()V", 3, lines, 1, false);
	struct hotspot_method_info m;

	(void)state;
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_string_equal(m.name, "A.b");
	assert_false(m.has_lines);
	assert_int_equal(hotspot_method_line(&m, 0), -1);
	hotspot_method_info_free(&m);
}

static void test_flag_from_int_constants(void **state)
{
	struct vmstructs_int ints[] = { { (char *)"ConstMethod::_has_linenumber_table", 0x4 } };
	struct vmstructs v = fake_vs;
	struct hotspot_method_layout l;

	(void)state;
	assert_int_equal(hotspot_method_layout_init(&l, &v), 0);
	assert_int_equal(l.has_linenumber_table, 1); /* JDK 17 fallback */
	v.ints = ints;
	v.nints = 1;
	assert_int_equal(hotspot_method_layout_init(&l, &v), 0);
	assert_int_equal(l.has_linenumber_table, 4);
}

static void test_missing_vmstructs_entry(void **state)
{
	struct vmstructs v = fake_vs;
	struct hotspot_method_layout l;

	(void)state;
	v.nfields = 3; /* no ConstMethod::_flags and beyond */
	assert_int_equal(hotspot_method_layout_init(&l, &v), -ENOENT);
	v = fake_vs;
	v.ntypes = 1; /* no ConstantPool size */
	assert_int_equal(hotspot_method_layout_init(&l, &v), -ENOENT);
}

static void test_class_names(void **state)
{
	char out[128];
	const char *hidden = "pkg/Foo$$Lambda$14+0x0000000800c01234";

	(void)state;
	hotspot_java_class_name("java/util/HashMap$Node", 22, out, sizeof(out));
	assert_string_equal(out, "java.util.HashMap$Node");
	hotspot_java_class_name(hidden, strlen(hidden), out, sizeof(out));
	assert_string_equal(out, "pkg.Foo$$Lambda$14/0x0000000800c01234");
	/* A '+' elsewhere is left alone. */
	hotspot_java_class_name("a+0x/B", 6, out, sizeof(out));
	assert_string_equal(out, "a+0x.B");
	hotspot_java_class_name("Plain", 5, out, sizeof(out));
	assert_string_equal(out, "Plain");
	hotspot_java_class_name("a/b/c", 5, out, 4); /* truncated, terminated */
	assert_string_equal(out, "a.b");
}

static void test_unsigned5(void **state)
{
	static const uint32_t values[] = { 0, 1, 191, 192, 193, 255, 256, 12479, 12480, 798911,
					   798912, 51130559, 51130560, 0x7fffffff, 0xffffffff };
	static const size_t lengths[] = { 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5 };
	uint8_t buf[8];
	size_t pos;
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		size_t n = fake_u5_write(buf, values[i]);

		assert_int_equal(n, lengths[i]);
		pos = 0;
		assert_int_equal(hotspot_unsigned5_read(buf, n, &pos, &v), 0);
		assert_int_equal(pos, n);
		assert_int_equal(v, values[i]);
		/* One byte short: an error, not a read past the end. */
		pos = 0;
		assert_int_equal(hotspot_unsigned5_read(buf, n - 1, &pos, &v), -EINVAL);
	}
	/* Five high bytes: the fifth ends the value whatever it is. */
	memset(buf, 0xff, sizeof(buf));
	pos = 0;
	assert_int_equal(hotspot_unsigned5_read(buf, sizeof(buf), &pos, &v), 0);
	assert_int_equal(pos, 5);
	/* Two values back to back. */
	pos = fake_u5_write(buf, 300);
	fake_u5_write(buf + pos, 7);
	pos = 0;
	assert_int_equal(hotspot_unsigned5_read(buf, 8, &pos, &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(hotspot_unsigned5_read(buf, 8, &pos, &v), 0);
	assert_int_equal(v, 7);
}

static void test_line_table_decode_edges(void **state)
{
	/* Unterminated: the pairs so far. */
	uint8_t t1[] = { (1 << 3) | 2, (3 << 3) | 1 };
	/* Escape running off the end: stops there. */
	uint8_t t2[] = { (1 << 3) | 2, 0xff, 0xc5 };
	/* Negative bci: not a table, stops. */
	uint8_t t3[] = { 0xff, 3, 0, 0 };
	struct hotspot_line *lines;
	size_t n;

	(void)state;
	assert_int_equal(hotspot_line_table_decode(t1, sizeof(t1), 100, &lines, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(lines[1].bci, 4);
	assert_int_equal(lines[1].line, 3);
	free(lines);
	assert_int_equal(hotspot_line_table_decode(t2, sizeof(t2), 100, &lines, &n), 0);
	assert_int_equal(n, 1);
	free(lines);
	assert_int_equal(hotspot_line_table_decode(t3, sizeof(t3), 100, &lines, &n), 0);
	assert_int_equal(n, 0);
	free(lines);
	assert_int_equal(hotspot_line_table_decode(t1, sizeof(t1), 1, &lines, &n), 0);
	assert_int_equal(n, 1); /* max */
	free(lines);
}

static void test_id_tracks_reuse(void **state)
{
	struct hotspot_method_layout l = layout();
	struct fake_method f = fake_method("A", "first", "()V", 3, NULL, 0, false);
	struct hotspot_method_id a, b;

	(void)state;
	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &a), 0);
	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &b), 0);
	assert_true(hotspot_method_id_equal(&a, &b));
	/* Same addresses, another name Symbol in the pool slot. */
	fake_put64(f.cp + FAKE_CP_SIZE + 8 * 3, fake_symbol("second"));
	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &b), 0);
	assert_false(hotspot_method_id_equal(&a, &b));
	/* Another class name. */
	fake_put64(f.cp + FAKE_CP_SIZE + 8 * 3, a.name);
	fake_put64(f.klass + 0x18, fake_symbol("B"));
	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &b), 0);
	assert_false(hotspot_method_id_equal(&a, &b));
}

/* Equal Symbol pointers are no proof: the Symbols' memory may hold a later
 * class's names (class unloaded, Symbols freed, a reloaded generation's
 * made in their place). */
static void test_names_match_symbols_reused(void **state)
{
	struct hotspot_method_layout l = layout();
	struct fake_method f = fake_method("Gen000004", "work000004", "(J)J", 3, NULL, 0, false);
	struct hotspot_method_info m;
	struct hotspot_method_id now;

	(void)state;
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_string_equal(m.name, "Gen000004.work000004");
	assert_int_equal(hotspot_method_names_match(&fake_reader, &l, &m.id, m.name, m.signature), 0);
	/* One Symbol rewritten in place at a time (same pointers): the
	 * method's, the holder's, the signature's, a shorter one; then the
	 * original names back. */
	static const struct {
		int which; /* 0 name, 1 holder, 2 signature */
		const char *text;
		int want;
	} cases[] = {
		{ 0, "work000005", -ESTALE }, { 1, "Gen000005", -ESTALE }, { 2, "(I)J", -ESTALE },
		{ 0, "work00004", -ESTALE }, { 0, "work000004", 0 },
	};
	const char *orig[3] = { "work000004", "Gen000004", "(J)J" };

	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &now), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t sym[3] = { m.id.name, m.id.holder_name, m.id.signature };

		fake_symbol_set(sym[cases[i].which], cases[i].text);
		assert_true(hotspot_method_id_equal(&now, &m.id));
		assert_int_equal(hotspot_method_names_match(&fake_reader, &l, &now, m.name,
							    m.signature),
				 cases[i].want);
		fake_symbol_set(sym[cases[i].which], orig[cases[i].which]);
	}
	/* Unreadable or nonsense Symbols are an error, not a match. */
	fake_put16(m.id.name + 4, 0);
	assert_int_equal(hotspot_method_names_match(&fake_reader, &l, &now, m.name, m.signature),
			 -EINVAL);
	now.holder_name = 0xdead000;
	assert_int_equal(hotspot_method_names_match(&fake_reader, &l, &now, m.name, m.signature),
			 -EFAULT);
	hotspot_method_info_free(&m);
}

static void test_corrupt_memory(void **state)
{
	struct hotspot_method_layout l = layout();
	struct fake_method f = fake_method("A", "m", "()V", 3, NULL, 0, false);
	struct hotspot_method_info m;
	uint64_t sym;

	(void)state;
	assert_int_equal(hotspot_method_read(&fake_reader, &l, 0, &m), -EINVAL);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, 0x1000, &m), -EFAULT);
	/* Index past the pool. */
	fake_put16(f.cm + 0x22, 8);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	fake_put16(f.cm + 0x22, 0);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	fake_put16(f.cm + 0x22, 3);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	hotspot_method_info_free(&m);
	/* A Symbol with a zero length, or control bytes. */
	memcpy(&sym, fake_at(f.cp + FAKE_CP_SIZE + 8 * 3, 8), 8);
	fake_put16(sym + 4, 0);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	fake_put64(f.cp + FAKE_CP_SIZE + 8 * 3, fake_symbol("bad\001name"));
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	/* A Symbol at the very end of memory claiming more bytes. */
	fake_put64(f.cp + FAKE_CP_SIZE + 8 * 3, fake_mem.base + fake_mem.size - 8);
	fake_put16(fake_mem.base + fake_mem.size - 8 + 4, 100);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EFAULT);
	/* ConstMethod pointer into nowhere, NULL constants. */
	fake_put64(f.method + 0x8, 0xdead0000);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EFAULT);
	fake_put64(f.method + 0x8, f.cm);
	fake_put64(f.cm + 0x8, 0);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
}

static void test_line_table_bounds(void **state)
{
	static const int lines[][2] = { { 0, 10 }, { 2, 12 } };
	struct hotspot_method_layout l = layout();
	struct fake_method f;
	struct hotspot_method_info m;

	(void)state;
	fake_mem.used = fake_mem.size - 4096; /* near the end of the readable memory */
	f = fake_method("A", "m", "()V", 3, lines, 2, true);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_true(m.has_lines);
	assert_int_equal(hotspot_method_line(&m, 2), 12);
	hotspot_method_info_free(&m);
	/* A ConstMethod size smaller than its bytecodes: named, no lines. */
	fake_put32(f.cm + 0x18, 2);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_false(m.has_lines);
	assert_int_equal(hotspot_method_line(&m, 2), -1);
	hotspot_method_info_free(&m);
	/* A huge one running off the memory: named, no lines. */
	fake_put32(f.cm + 0x18, 0x7fffffff);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_false(m.has_lines);
	hotspot_method_info_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_signature_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_line_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flag_from_int_constants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_vmstructs_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_table_decode_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_tracks_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_match_symbols_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_table_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
