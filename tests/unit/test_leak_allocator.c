// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "agent/collect/leak_allocator.h"
#include "symbolize/proc_maps.h"

static int detect(const char *maps, struct leak_allocator *a)
{
	struct proc_maps *pm;
	int err;

	assert_int_equal(proc_maps_parse(maps, strlen(maps), &pm), 0);
	err = leak_allocator_detect(pm, a);
	proc_maps_free(pm);
	return err;
}

static const char glibc_maps[] =
	"55d0a0000000-55d0a0001000 r-xp 00001000 fe:00 1 /usr/bin/java\n"
	"7f0000000000-7f0000026000 r--p 00000000 fe:00 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f0000026000-7f000017c000 r-xp 00026000 fe:00 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1000000000-7f1000001000 r-xp 00000000 fe:00 3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n";

static void test_glibc(void **state)
{
	struct leak_allocator a;

	(void)state;
	assert_int_equal(detect(glibc_maps, &a), 0);
	assert_int_equal(a.kind, LEAK_ALLOCATOR_GLIBC);
	assert_string_equal(a.lib, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_string_equal(a.libc, a.lib);
	assert_int_equal(a.nranges, 1);
	assert_true(a.ranges[0].start == 0x7f0000026000ULL && a.ranges[0].end == 0x7f000017c000ULL);
	assert_string_equal(leak_allocator_name(a.kind), "glibc");
}

static void test_jemalloc_preloaded(void **state)
{
	static const char maps[] =
		"7e0000000000-7e0000010000 r--p 00000000 fe:00 9 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"
		"7e0000010000-7e0000090000 r-xp 00010000 fe:00 9 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"
		"7f0000026000-7f000017c000 r-xp 00026000 fe:00 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
	struct leak_allocator a;

	(void)state;
	assert_int_equal(detect(maps, &a), 0);
	assert_int_equal(a.kind, LEAK_ALLOCATOR_JEMALLOC);
	assert_string_equal(a.lib, "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
	assert_string_equal(a.libc, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(a.nranges, 2);
}

static void test_static_binary(void **state)
{
	static const char maps[] = "00400000-00500000 r-xp 00000000 fe:00 1 /usr/bin/static\n";
	struct leak_allocator a;

	(void)state;
	assert_int_equal(detect(maps, &a), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glibc),
		cmocka_unit_test(test_jemalloc_preloaded),
		cmocka_unit_test(test_static_binary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
