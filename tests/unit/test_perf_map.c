// SPDX-License-Identifier: GPL-2.0
/* perf_map: JVM perf map parsing, name normalisation, overlaps, merging. */
#include "symbolize/perf_map.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

static struct perf_map *parse(const char *text)
{
	struct perf_map *pm = NULL;

	assert_int_equal(perf_map_parse(text, strlen(text), &pm), 0);
	return pm;
}

static void check_name(struct perf_map *pm, uint64_t addr, const char *name, enum perf_map_kind kind)
{
	const struct perf_map_entry *e = perf_map_lookup(pm, addr);

	assert_non_null(e);
	assert_string_equal(e->name, name);
	assert_int_equal(e->kind, kind);
}

static void test_jdk17_format(void **state)
{
	struct perf_map *pm = parse(
		"0x00007f6e90ec7920 0x00000000000001f0 int java.lang.Object.hashCode()\n"
		"0x00007f6e90ec71c0 0x0000000000000270 java.lang.Object jdk.internal.misc.Unsafe.getReferenceVolatile(java.lang.Object, long)\n"
		"0x00007f6e90ec0000 0x0000000000000100 void java.lang.invoke.LambdaForm$MH/0x0000000800c01000.invoke(java.lang.Object)\n"
		"0x00007f6e90ec0100 0x0000000000000100 void com.example.Job.<init>()\n"
		"0x00007f6e90ec0200 0x0000000000000100 java.lang.String[] com.example.Job.split(java.lang.String, int[])\n");
	struct perf_map_stats st;

	(void)state;
	check_name(pm, 0x7f6e90ec7920ull, "java.lang.Object.hashCode", PERF_MAP_JAVA);
	check_name(pm, 0x7f6e90ec7b0full, "java.lang.Object.hashCode", PERF_MAP_JAVA);
	assert_null(perf_map_lookup(pm, 0x7f6e90ec7b10ull));
	check_name(pm, 0x7f6e90ec71c0ull, "jdk.internal.misc.Unsafe.getReferenceVolatile", PERF_MAP_JAVA);
	check_name(pm, 0x7f6e90ec0010ull, "java.lang.invoke.LambdaForm$MH/0x0000000800c01000.invoke",
		   PERF_MAP_JAVA);
	check_name(pm, 0x7f6e90ec0110ull, "com.example.Job.<init>", PERF_MAP_JAVA);
	check_name(pm, 0x7f6e90ec0210ull, "com.example.Job.split", PERF_MAP_JAVA);
	perf_map_stats(pm, &st);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.entries, 5);
	perf_map_free(pm);
}

static void test_stubs(void **state)
{
	struct perf_map *pm = parse(
		"0x00007f6e88000000 0x0000000000010000 Interpreter\n"
		"0x00007f6e88010000 0x0000000000000100 I2C/C2I adapters\n"
		"0x00007f6e88010100 0x0000000000000100 StubRoutines (1)\n"
		"0x00007f6e88010200 0x0000000000000100 new_instance Runtime1 stub\n"
		"0x00007f6e88010300 0x0000000000000100 MethodHandlesAdapterBlob\n");

	(void)state;
	check_name(pm, 0x7f6e88000500ull, "Interpreter", PERF_MAP_INTERPRETER);
	check_name(pm, 0x7f6e88010010ull, "I2C/C2I adapters", PERF_MAP_STUB);
	check_name(pm, 0x7f6e88010110ull, "StubRoutines (1)", PERF_MAP_STUB);
	check_name(pm, 0x7f6e88010210ull, "new_instance Runtime1 stub", PERF_MAP_STUB);
	check_name(pm, 0x7f6e88010310ull, "MethodHandlesAdapterBlob", PERF_MAP_STUB);
	perf_map_free(pm);
}

static void test_other_agents(void **state)
{
	struct perf_map *pm = parse(
		"7f0000001000 100 Lcom/foo/Bar;::method\n"
		"7F0000002000 100 Lcom/foo/Bar$Inner;::run(Ljava/lang/String;)V\n"
		"7f0000003000 100 com/foo/Baz.process\n"
		"7f0000004000 100 java.util.HashMap.get\n"
		"0X7F0000005000 0X100 with;semi;colons\n");

	(void)state;
	check_name(pm, 0x7f0000001010ull, "com.foo.Bar.method", PERF_MAP_JAVA);
	check_name(pm, 0x7f0000002010ull, "com.foo.Bar$Inner.run", PERF_MAP_JAVA);
	check_name(pm, 0x7f0000003010ull, "com.foo.Baz.process", PERF_MAP_JAVA);
	check_name(pm, 0x7f0000004010ull, "java.util.HashMap.get", PERF_MAP_JAVA);
	check_name(pm, 0x7f0000005010ull, "with:semi:colons", PERF_MAP_STUB);
	perf_map_free(pm);
}

static void test_overlaps_later_wins(void **state)
{
	/* A: [0x1000,0x2000); B overwrites the middle; C replaces A's tail
	 * exactly at the same range later on. */
	struct perf_map *pm = parse("1000 1000 int a.A.first()\n"
				    "1400 200 int b.B.second()\n"
				    "1c00 400 int c.C.third()\n"
				    "3000 100 int d.D.fourth()\n"
				    "3000 100 int e.E.fifth()\n");
	struct perf_map_stats st;

	(void)state;
	check_name(pm, 0x1000, "a.A.first", PERF_MAP_JAVA);
	check_name(pm, 0x13ff, "a.A.first", PERF_MAP_JAVA);
	check_name(pm, 0x1400, "b.B.second", PERF_MAP_JAVA);
	check_name(pm, 0x15ff, "b.B.second", PERF_MAP_JAVA);
	check_name(pm, 0x1600, "a.A.first", PERF_MAP_JAVA);
	check_name(pm, 0x1bff, "a.A.first", PERF_MAP_JAVA);
	check_name(pm, 0x1c00, "c.C.third", PERF_MAP_JAVA);
	check_name(pm, 0x1fff, "c.C.third", PERF_MAP_JAVA);
	check_name(pm, 0x3050, "e.E.fifth", PERF_MAP_JAVA);
	assert_null(perf_map_lookup(pm, 0x2000));
	assert_null(perf_map_lookup(pm, 0xfff));
	perf_map_stats(pm, &st);
	assert_int_equal(st.entries, 5);
	perf_map_free(pm);
}

static void test_merge(void **state)
{
	struct perf_map *old = parse("1000 1000 int old.Old.a()\n"
				     "5000 100 int old.Old.gone()\n");
	struct perf_map *fresh = parse("1800 100 int fresh.New.b()\n"
				       "9000 100 int fresh.New.c()\n");
	struct perf_map *merged = NULL;

	(void)state;
	assert_int_equal(perf_map_merge(old, fresh, &merged), 0);
	perf_map_free(old);
	perf_map_free(fresh);
	check_name(merged, 0x1010, "old.Old.a", PERF_MAP_JAVA);
	check_name(merged, 0x1810, "fresh.New.b", PERF_MAP_JAVA);
	check_name(merged, 0x1910, "old.Old.a", PERF_MAP_JAVA);
	check_name(merged, 0x5010, "old.Old.gone", PERF_MAP_JAVA);
	check_name(merged, 0x9010, "fresh.New.c", PERF_MAP_JAVA);
	perf_map_free(merged);
	assert_int_equal(perf_map_merge(NULL, NULL, &merged), 0);
	assert_null(perf_map_lookup(merged, 0x1000));
	perf_map_free(merged);
}

static void test_malformed(void **state)
{
	static const char text[] =
		"\n"
		"zzzz 100 bad.start\n"
		"1000\n"
		"1000 100\n"
		"1000 100 \n"
		"1000 zz name\n"
		"ffffffffffffff00 1000 overflow.Wrap.x\n"
		"11112222333344445 10 too.Many.digits\n"
		"2000 100 nul\0inside\n"
		"3000 0 zero.Size.ignored\n"
		"4000 100 good.Line.ok\r\n"
		"5000\t100\ttabs.Are.ok\n"
		"6000 100 unterminated.Last.line";
	struct perf_map *pm = NULL;
	struct perf_map_stats st;

	(void)state;
	assert_int_equal(perf_map_parse(text, sizeof(text) - 1, &pm), 0);
	perf_map_stats(pm, &st);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.malformed, 8);
	check_name(pm, 0x4010, "good.Line.ok", PERF_MAP_JAVA);
	check_name(pm, 0x5010, "tabs.Are.ok", PERF_MAP_JAVA);
	check_name(pm, 0x6010, "unterminated.Last.line", PERF_MAP_JAVA);
	assert_null(perf_map_lookup(pm, 0x2010));
	assert_null(perf_map_lookup(pm, 0x3000));
	perf_map_free(pm);
}

static void test_huge_line(void **state)
{
	size_t n = 1 << 20;
	char *text = malloc(n + 64), *p;
	struct perf_map *pm = NULL;
	const struct perf_map_entry *e;

	(void)state;
	p = text + sprintf(text, "1000 10 ");
	memset(p, 'x', n);
	p[n] = '\n';
	strcpy(p + n + 1, "2000 10 ok.Ok.ok\n");
	assert_int_equal(perf_map_parse(text, strlen(text), &pm), 0);
	e = perf_map_lookup(pm, 0x1000);
	assert_non_null(e);
	assert_true(strlen(e->name) <= 1024);
	check_name(pm, 0x2000, "ok.Ok.ok", PERF_MAP_JAVA);
	perf_map_free(pm);
	free(text);
}

static void test_control_chars(void **state)
{
	struct perf_map *pm = parse("1000 10 a\tb\x01" "c;d\n");

	(void)state;
	/* Tab is a field separator only before the name. */
	check_name(pm, 0x1000, "a?b?c:d", PERF_MAP_STUB);
	perf_map_free(pm);
}

static void test_many_entries(void **state)
{
	size_t n = 20000, len = 0;
	char *text = malloc(n * 64);
	struct perf_map *pm = NULL;

	(void)state;
	/* Every range is overwritten by a later one shifted by half. */
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zx 100 int m.M%zu.f()\n", 0x100000 + i * 0x80, i);
	assert_int_equal(perf_map_parse(text, len, &pm), 0);
	check_name(pm, 0x100000, "m.M0.f", PERF_MAP_JAVA);
	check_name(pm, 0x100080, "m.M1.f", PERF_MAP_JAVA);
	check_name(pm, 0x100000 + 777 * 0x80 + 0x7f, "m.M777.f", PERF_MAP_JAVA);
	check_name(pm, 0x100000 + (n - 1) * 0x80 + 0xff, "m.M19999.f", PERF_MAP_JAVA);
	perf_map_free(pm);
	free(text);
}

/* A memfd holding text, at offset 0. */
static int text_fd(const char *text, size_t len)
{
	int fd = memfd_create("perf-map", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static const struct perf_map_limits big = { 1u << 30, 1u << 20, 1u << 30 };

/* Streamed parsing gives what perf_map_parse gives on the same text, also
 * for lines cut by the 64 KiB buffer, a line over 64 KiB, and no final
 * newline. */
static void test_read_same_as_parse(void **state)
{
	size_t n = 5000, len = 0;
	char *text = malloc(n * 64 + (200u << 10));
	struct perf_map *pm = NULL;
	struct perf_map_stats st;
	int fd;

	(void)state;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zx 80 int m.M%zu.f()\n", 0x100000 + i * 0x80, i);
	len += (size_t)sprintf(text + len, "200 10 ");
	memset(text + len, 'x', 100u << 10);
	len += 100u << 10;
	len += (size_t)sprintf(text + len, "\n300 10 last.Line.noNewline");
	fd = text_fd(text, len);
	assert_int_equal(perf_map_read_limited(fd, &big, &pm), 0);
	perf_map_stats(pm, &st);
	assert_int_equal(st.lines, n + 1);
	assert_int_equal(st.malformed, 1); /* the over-long line */
	assert_false(st.capped);
	for (size_t i = 0; i < n; i += 997) {
		char name[32];

		snprintf(name, sizeof(name), "m.M%zu.f", i);
		check_name(pm, 0x100000 + i * 0x80 + 0x7f, name, PERF_MAP_JAVA);
	}
	check_name(pm, 0x300, "last.Line.noNewline", PERF_MAP_JAVA);
	assert_null(perf_map_lookup(pm, 0x200));
	perf_map_free(pm);
	close(fd);
	free(text);
}

/* Each cap stops the read with what was read so far, and says so. */
static void test_read_caps(void **state)
{
	size_t n = 1000, len = 0;
	char *text = malloc(n * 64);
	struct perf_map_limits entries = big, bytes = big, names = big;
	struct perf_map *pm = NULL;
	struct perf_map_stats st;
	int fd;

	(void)state;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zx 80 int m.M%04zu.f()\n", 0x100000 + i * 0x80, i);
	entries.max_entries = 100;
	fd = text_fd(text, len);
	assert_int_equal(perf_map_read_limited(fd, &entries, &pm), 0);
	perf_map_stats(pm, &st);
	assert_true(st.capped);
	assert_int_equal(st.lines, 100);
	check_name(pm, 0x100000 + 99 * 0x80, "m.M0099.f", PERF_MAP_JAVA);
	assert_null(perf_map_lookup(pm, 0x100000 + 100 * 0x80));
	perf_map_free(pm);
	close(fd);

	/* Every line is 26 bytes: 10 lines and a part of the 11th. */
	bytes.max_bytes = 10 * 26 + 7;
	fd = text_fd(text, len);
	assert_int_equal(perf_map_read_limited(fd, &bytes, &pm), 0);
	perf_map_stats(pm, &st);
	assert_true(st.capped);
	assert_int_equal(st.lines, 10);
	perf_map_free(pm);
	close(fd);

	names.max_names = 10 * 10; /* "m.M0000.f" and its NUL: 10 bytes a name */
	fd = text_fd(text, len);
	assert_int_equal(perf_map_read_limited(fd, &names, &pm), 0);
	perf_map_stats(pm, &st);
	assert_true(st.capped);
	assert_int_equal(st.lines, 10);
	perf_map_free(pm);
	close(fd);
	free(text);
}

/* A sparse file of the size that used to be read whole: NUL bytes are
 * malformed lines (over-long: no newline), nothing is kept, the read stops
 * at the byte cap. */
static void test_read_sparse(void **state)
{
	struct perf_map *pm = NULL;
	struct perf_map_stats st;
	int fd = memfd_create("perf-map", MFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 512ll << 20), 0);
	assert_int_equal(perf_map_read(fd, &pm), 0);
	perf_map_stats(pm, &st);
	assert_true(st.capped);
	assert_int_equal(st.entries, 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)PERF_MAP_MAX_BYTES);
	perf_map_free(pm);
	close(fd);
}

/* A merge that would pass the entry cap keeps only the newer map. */
static void test_merge_bounded(void **state)
{
	size_t n = PERF_MAP_MAX_ENTRIES / 2 + 1, len = 0;
	char *text = malloc(n * 48);
	struct perf_map *a = NULL, *b = NULL, *m = NULL;
	struct perf_map_stats st;

	(void)state;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zx 10 int a.A.f%zu()\n", 0x10000000 + i * 0x10, i);
	assert_int_equal(perf_map_parse(text, len, &a), 0);
	len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zx 10 int b.B.f%zu()\n", 0x80000000 + i * 0x10, i);
	assert_int_equal(perf_map_parse(text, len, &b), 0);
	assert_int_equal(perf_map_merge(a, b, &m), 0);
	perf_map_stats(m, &st);
	assert_true(st.older_dropped);
	assert_int_equal(st.entries, n);
	assert_null(perf_map_lookup(m, 0x10000000));
	check_name(m, 0x80000000, "b.B.f0", PERF_MAP_JAVA);
	perf_map_free(a);
	perf_map_free(b);
	perf_map_free(m);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jdk17_format),
		cmocka_unit_test(test_stubs),
		cmocka_unit_test(test_other_agents),
		cmocka_unit_test(test_overlaps_later_wins),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_read_same_as_parse),
		cmocka_unit_test(test_read_caps),
		cmocka_unit_test(test_read_sparse),
		cmocka_unit_test(test_merge_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
