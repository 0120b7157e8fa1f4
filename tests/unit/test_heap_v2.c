// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>

#include <cmocka.h>

#include "flamegraph/heap_v2.h"

/* Built by hand from the format jemalloc 5.3 writes (prof_dump_header,
 * prof_dump_gctx, prof_dump_maps). */
static const char good[] =
	"heap_v2/524288\n"
	"  t*: 3: 1081344 [0: 0]\n"
	"  t0: 2: 1048576 [0: 0]\n"
	"  t1: 1: 32768 [0: 0] worker-1\n"
	"@ 0x7f0000001000 0x7f0000002000 0x55000000abcd\n"
	"  t*: 2: 1048576 [0: 0]\n"
	"  t0: 2: 1048576 [0: 0]\n"
	"@ 0x7f0000001000 0x55000000beef\n"
	"  t*: 1: 32768 [0: 0]\n"
	"  t1: 1: 32768 [0: 0] worker-1\n"
	"\n"
	"MAPPED_LIBRARIES:\n"
	"55000000a000-55000000c000 r-xp 00001000 fe:00 1 /usr/bin/x\n";

static void test_parse_good(void **state)
{
	struct heap_v2 h;
	struct heap_v2_error e;

	(void)state;
	assert_int_equal(heap_v2_parse(good, strlen(good), &h, &e), 0);
	assert_int_equal(h.period, 524288);
	assert_int_equal(h.objs, 3);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.stacks[0].depth, 3);
	assert_true(h.stacks[0].addrs[0] == 0x7f0000001000ULL);
	assert_true(h.stacks[0].addrs[2] == 0x55000000abcdULL);
	assert_int_equal(h.stacks[0].objs, 2);
	assert_int_equal(h.stacks[0].bytes, 1048576);
	/* 512 KiB objects at a 512 KiB period: scale 1 / (1 - e^-1). */
	assert_true(fabs(h.stacks[0].est_bytes - 1048576.0 / (1.0 - exp(-1.0))) < 1.0);
	assert_int_equal(h.stacks[1].depth, 2);
	assert_non_null(strstr(h.maps, "/usr/bin/x"));
	heap_v2_free(&h);
}

static void test_scale(void **state)
{
	(void)state;
	assert_true(heap_v2_scale(0, 0, 524288) == 1.0);
	assert_true(heap_v2_scale(10, 100, 0) == 1.0);
	/* small objects: about period / size */
	assert_true(fabs(heap_v2_scale(1, 64, 524288) - 8192.5) < 1.0);
}

static void expect_error(const char *text, size_t len, size_t line, const char *reason_part)
{
	struct heap_v2 h;
	struct heap_v2_error e;

	assert_int_equal(heap_v2_parse(text, len, &h, &e), -EINVAL);
	assert_non_null(e.reason);
	if (line != (size_t)-1)
		assert_int_equal(e.line, line);
	if (reason_part && !strstr(e.reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", e.reason, reason_part);
	assert_null(h.stacks);
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	/* Every prefix of a good dump is rejected cleanly (never a crash, never
	 * a half result), except those that end after MAPPED_LIBRARIES:. */
	size_t full = strlen(good), maps = (size_t)(strstr(good, "MAPPED_LIBRARIES:\n") - good) + 18;

	for (size_t n = 0; n < maps; n++) {
		struct heap_v2 h;
		struct heap_v2_error e;
		int err = heap_v2_parse(good, n, &h, &e);

		if (err != -EINVAL)
			fail_msg("prefix %zu: %d", n, err);
		assert_non_null(e.reason);
	}
	for (size_t n = maps; n <= full; n++) {
		struct heap_v2 h;
		struct heap_v2_error e;

		assert_int_equal(heap_v2_parse(good, n, &h, &e), 0);
		heap_v2_free(&h);
	}
	expect_error(good, 40, (size_t)-1, "truncated");
	expect_error("heap_v2/524288\n  t*: 1: 2 [0: 0]\n@ 0x1\n", 33, (size_t)-1, "truncated");
	expect_error("heap_v2/524288\n  t*: 1: 2 [0: 0]\n", 33, 0, "MAPPED_LIBRARIES");
}

static void test_corrupt(void **state)
{
	(void)state;
	expect_error("", 0, 1, NULL);
	expect_error("heap_v1/524288\n", 15, 1, "heap_v2");
	expect_error("heap_v2/abc\n", 12, 1, "heap_v2");
	expect_error("heap_v2/524288\n  t*: x: 2 [0: 0]\n", 33, 2, NULL);
	const char bad_addr[] = "heap_v2/1\n  t*: 1: 2 [0: 0]\n@ 0xZZ\n  t*: 1: 2 [0: 0]\nMAPPED_LIBRARIES:\n";
	expect_error(bad_addr, strlen(bad_addr), 3, "stack");
	const char no_counts[] = "heap_v2/1\n  t*: 1: 2 [0: 0]\n@ 0x1\n@ 0x2\n  t*: 1: 2 [0: 0]\nMAPPED_LIBRARIES:\n";
	expect_error(no_counts, strlen(no_counts), 3, "count");
	const char twice[] = "heap_v2/1\n  t*: 1: 2 [0: 0]\n@ 0x1\n  t*: 1: 2 [0: 0]\n  t*: 1: 2 [0: 0]\nMAPPED_LIBRARIES:\n";
	expect_error(twice, strlen(twice), 5, "second");
	const char overflow[] = "heap_v2/1\n  t*: 1: 2 [0: 0]\n@ 0x1\n  t*: 99999999999999999999: 2 [0: 0]\nMAPPED_LIBRARIES:\n";
	expect_error(overflow, strlen(overflow), 4, NULL);
	const char garbage[] = "heap_v2/1\n  t*: 1: 2 [0: 0]\nhello\nMAPPED_LIBRARIES:\n";
	expect_error(garbage, strlen(garbage), 3, "malformed");
	const char nul[] = "heap_v2/1\n\0 t*: 1: 2 [0: 0]\n";
	expect_error(nul, sizeof(nul) - 1, 0, "NUL");
	const char addr_big[] = "heap_v2/1\n  t*: 1: 2 [0: 0]\n@ 0x1ffffffffffffffff\n  t*: 1: 2 [0: 0]\nMAPPED_LIBRARIES:\n";
	expect_error(addr_big, strlen(addr_big), 3, NULL);
}

static void test_too_deep(void **state)
{
	size_t cap = 32 + (HEAP_V2_MAX_DEPTH + 1) * 6 + 64;
	char *buf = malloc(cap), *p = buf;

	(void)state;
	p += sprintf(p, "heap_v2/1\n  t*: 1: 2 [0: 0]\n@");
	for (int i = 0; i <= HEAP_V2_MAX_DEPTH; i++)
		p += sprintf(p, " 0x%x", i % 16);
	p += sprintf(p, "\n  t*: 1: 2 [0: 0]\nMAPPED_LIBRARIES:\n");
	expect_error(buf, (size_t)(p - buf), 3, NULL);
	free(buf);
}

static void test_file_errors(void **state)
{
	struct heap_v2 h;
	struct heap_v2_error e;

	(void)state;
	assert_int_equal(heap_v2_parse_file("/nonexistent/heap", &h, &e), -ENOENT);
	assert_int_equal(heap_v2_parse_file("/dev/null", &h, &e), -EINVAL);
	assert_int_equal(heap_v2_parse_file("/proc", &h, &e), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
