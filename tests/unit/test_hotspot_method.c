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

#include "symbolize/hotspot_method.h"

/* ---- fake target memory ---------------------------------------------- */

#define FAKE_BASE 0x7f1200000000ULL
#define FAKE_SIZE (256u * 1024)

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

	fm.used = (fm.used + 15) & ~(size_t)15;
	assert_true(fm.used + size <= fm.size);
	addr = fm.base + fm.used;
	fm.used += size;
	return addr;
}

static void *at(uint64_t addr)
{
	return fm.buf + (addr - fm.base);
}

static void put64(uint64_t addr, uint64_t v) { memcpy(at(addr), &v, 8); }
static void put32(uint64_t addr, uint32_t v) { memcpy(at(addr), &v, 4); }
static void put16(uint64_t addr, uint16_t v) { memcpy(at(addr), &v, 2); }

/* ---- fake vmStructs (JDK 17 x86_64 values) ----------------------------- */

#define F(t, f, o) { (char *)(t), (char *)(f), (o), 0, false }
static struct vmstructs_field fields[] = {
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
	F("Symbol", "_body[0]", 0x6),
};
static struct vmstructs_type types[] = {
	{ (char *)"ConstMethod", 48 },
	{ (char *)"ConstantPool", 72 },
};
static struct vmstructs vs = { fields, sizeof(fields) / sizeof(fields[0]), types, 2, NULL, 0 };

#define CM_SIZE 48
#define CP_SIZE 72

/* ---- builders -------------------------------------------------------- */

static uint64_t fake_symbol(const char *s)
{
	size_t n = strlen(s);
	uint64_t sym = fake_alloc(6 + n);

	put16(sym + 4, (uint16_t)n);
	memcpy(at(sym + 6), s, n);
	return sym;
}

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

static size_t signed_write(uint8_t *out, int32_t v)
{
	return u5_write(out, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
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

struct fake_method {
	uint64_t method, cm, cp, klass;
};

static uint64_t fake_pool(const char *klass_name, const char *name, const char *sig,
			  uint64_t *klass_out)
{
	uint64_t klass = fake_alloc(0x20), cp = fake_alloc(CP_SIZE + 8 * 8);

	put64(klass + 0x18, fake_symbol(klass_name));
	put64(cp + 0x18, klass);
	put32(cp + 0x3c, 8);
	put64(cp + CP_SIZE + 8 * 3, fake_symbol(name));
	put64(cp + CP_SIZE + 8 * 4, fake_symbol(sig));
	*klass_out = klass;
	return cp;
}

/* A Method with code_size bytecodes and the line table lines[] (bci, line
 * pairs; nlines 0 and with_table false: no table). */
static struct fake_method fake_method(const char *klass_name, const char *name, const char *sig,
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
	words = (CM_SIZE + code_size + tlen + 7) / 8 + 2; /* room for more tables */
	f.cp = fake_pool(klass_name, name, sig, &f.klass);
	f.cm = fake_alloc(words * 8);
	f.method = fake_alloc(0x58);
	put64(f.method + 0x8, f.cm);
	put64(f.cm + 0x8, f.cp);
	put32(f.cm + 0x18, (uint32_t)words);
	put16(f.cm + 0x1c, with_table ? 0x0001 : 0);
	put16(f.cm + 0x20, code_size);
	put16(f.cm + 0x22, 3);
	put16(f.cm + 0x24, 4);
	put16(f.cm + 0x26, 7);
	memset(at(f.cm + CM_SIZE), 0xb1, code_size); /* "return" bytecodes */
	if (with_table)
		memcpy(at(f.cm + CM_SIZE + code_size), table, tlen);
	return f;
}

static int setup(void **state)
{
	(void)state;
	fm.buf = calloc(1, FAKE_SIZE);
	fm.base = FAKE_BASE;
	fm.size = FAKE_SIZE;
	fm.used = 0;
	fm.reads = 0;
	return fm.buf ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(fm.buf);
	memset(&fm, 0, sizeof(fm));
	return 0;
}

static struct hotspot_method_layout layout(void)
{
	struct hotspot_method_layout l;

	assert_int_equal(hotspot_method_layout_init(&l, &vs), 0);
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
	struct vmstructs v = vs;
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
	struct vmstructs v = vs;
	struct hotspot_method_layout l;

	(void)state;
	v.nfields = 3; /* no ConstMethod::_flags and beyond */
	assert_int_equal(hotspot_method_layout_init(&l, &v), -ENOENT);
	v = vs;
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
		size_t n = u5_write(buf, values[i]);

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
	pos = u5_write(buf, 300);
	u5_write(buf + pos, 7);
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
	put64(f.cp + CP_SIZE + 8 * 3, fake_symbol("second"));
	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &b), 0);
	assert_false(hotspot_method_id_equal(&a, &b));
	/* Another class name. */
	put64(f.cp + CP_SIZE + 8 * 3, a.name);
	put64(f.klass + 0x18, fake_symbol("B"));
	assert_int_equal(hotspot_method_read_id(&fake_reader, &l, f.method, &b), 0);
	assert_false(hotspot_method_id_equal(&a, &b));
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
	put16(f.cm + 0x22, 8);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	put16(f.cm + 0x22, 0);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	put16(f.cm + 0x22, 3);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	hotspot_method_info_free(&m);
	/* A Symbol with a zero length, or control bytes. */
	memcpy(&sym, at(f.cp + CP_SIZE + 8 * 3), 8);
	put16(sym + 4, 0);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	put64(f.cp + CP_SIZE + 8 * 3, fake_symbol("bad\001name"));
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
	/* A Symbol at the very end of memory claiming more bytes. */
	put64(f.cp + CP_SIZE + 8 * 3, fm.base + fm.size - 8);
	put16(fm.base + fm.size - 8 + 4, 100);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EFAULT);
	/* ConstMethod pointer into nowhere, NULL constants. */
	put64(f.method + 0x8, 0xdead0000);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EFAULT);
	put64(f.method + 0x8, f.cm);
	put64(f.cm + 0x8, 0);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), -EINVAL);
}

static void test_line_table_bounds(void **state)
{
	static const int lines[][2] = { { 0, 10 }, { 2, 12 } };
	struct hotspot_method_layout l = layout();
	struct fake_method f;
	struct hotspot_method_info m;

	(void)state;
	fm.used = fm.size - 4096; /* near the end of the readable memory */
	f = fake_method("A", "m", "()V", 3, lines, 2, true);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_true(m.has_lines);
	assert_int_equal(hotspot_method_line(&m, 2), 12);
	hotspot_method_info_free(&m);
	/* A ConstMethod size smaller than its bytecodes: named, no lines. */
	put32(f.cm + 0x18, 2);
	assert_int_equal(hotspot_method_read(&fake_reader, &l, f.method, &m), 0);
	assert_false(m.has_lines);
	assert_int_equal(hotspot_method_line(&m, 2), -1);
	hotspot_method_info_free(&m);
	/* A huge one running off the memory: named, no lines. */
	put32(f.cm + 0x18, 0x7fffffff);
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
		cmocka_unit_test_setup_teardown(test_corrupt_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_table_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
