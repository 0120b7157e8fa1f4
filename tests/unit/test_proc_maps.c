// SPDX-License-Identifier: GPL-2.0
/* proc_maps: parsing /proc/PID/maps and finding mappings. */
#include "symbolize/proc_maps.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static const char sample[] =
	"55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1234                       /usr/bin/java\n"
	"55d0c0a02000-55d0c0a03000 r-xp 00002000 08:01 1234                       /usr/bin/java\n"
	"7f6e90000000-7f6e90021000 rw-p 00000000 00:00 0 \n"
	"7f6e90ec0000-7f6e91130000 rwxp 00000000 00:00 0\n"
	"7f6ea0000000-7f6ea0100000 r-xp 00001000 fd:02 98765                      /opt/my app/lib native.so\n"
	"7f6ea0200000-7f6ea0300000 r-xp 00000000 08:01 555                        /tmp/libgone.so (deleted)\n"
	"7f6ea0400000-7f6ea0401000 r-xp 00000000 00:00 0                          [anon:jit code]\n"
	"7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void test_parse_fields(void **state)
{
	struct proc_maps *pm = NULL;
	const struct proc_map *m;

	(void)state;
	assert_int_equal(proc_maps_parse(sample, strlen(sample), &pm), 0);
	assert_int_equal(pm->count, 9);
	assert_int_equal(pm->malformed, 0);
	m = &pm->maps[1];
	assert_int_equal(m->start, 0x55d0c0a02000ull);
	assert_int_equal(m->end, 0x55d0c0a03000ull);
	assert_int_equal(m->offset, 0x2000);
	assert_int_equal(m->dev_major, 8);
	assert_int_equal(m->dev_minor, 1);
	assert_int_equal(m->inode, 1234);
	assert_string_equal(m->perms, "r-xp");
	assert_string_equal(m->path, "/usr/bin/java");
	assert_string_equal(proc_map_module(m), "java");
	assert_true(proc_map_is_file(m));
	assert_false(proc_map_is_anon(m));
	/* Spaces inside the path are kept. */
	assert_string_equal(pm->maps[4].path, "/opt/my app/lib native.so");
	assert_string_equal(proc_map_module(&pm->maps[4]), "lib native.so");
	assert_int_equal(pm->maps[4].dev_major, 0xfd);
	/* " (deleted)" is stripped and remembered. */
	assert_string_equal(pm->maps[5].path, "/tmp/libgone.so");
	assert_true(pm->maps[5].deleted);
	assert_false(pm->maps[4].deleted);
	proc_maps_free(pm);
}

static void test_anonymous(void **state)
{
	struct proc_maps *pm = NULL;

	(void)state;
	assert_int_equal(proc_maps_parse(sample, strlen(sample), &pm), 0);
	assert_string_equal(pm->maps[2].path, "");
	assert_true(proc_map_is_anon(&pm->maps[2]));
	assert_false(proc_map_is_exec(&pm->maps[2]));
	assert_true(proc_map_is_anon(&pm->maps[3]));
	assert_true(proc_map_is_exec(&pm->maps[3]));
	assert_string_equal(proc_map_module(&pm->maps[3]), "[anon]");
	assert_true(proc_map_is_anon(&pm->maps[6]));
	assert_false(proc_map_is_anon(&pm->maps[7]));
	assert_false(proc_map_is_file(&pm->maps[7]));
	assert_string_equal(proc_map_module(&pm->maps[7]), "[stack]");
	proc_maps_free(pm);
}

static void test_find(void **state)
{
	struct proc_maps *pm = NULL;

	(void)state;
	assert_int_equal(proc_maps_parse(sample, strlen(sample), &pm), 0);
	assert_ptr_equal(proc_maps_find(pm, 0x55d0c0a00000ull), &pm->maps[0]);
	assert_ptr_equal(proc_maps_find(pm, 0x55d0c0a01fffull), &pm->maps[0]);
	assert_ptr_equal(proc_maps_find(pm, 0x55d0c0a02000ull), &pm->maps[1]);
	assert_null(proc_maps_find(pm, 0x55d0c0a03000ull)); /* end is exclusive */
	assert_null(proc_maps_find(pm, 0x1000));
	assert_ptr_equal(proc_maps_find(pm, 0x7f6e90ec7920ull), &pm->maps[3]);
	assert_ptr_equal(proc_maps_find(pm, 0xffffffffff600010ull), &pm->maps[8]);
	assert_null(proc_maps_find(pm, UINT64_MAX));
	assert_null(proc_maps_find(NULL, 0x1000));
	proc_maps_free(pm);
}

static void test_malformed(void **state)
{
	static const char bad[] =
		"\n"
		"garbage\n"
		"1000-2000 r-xp\n"
		"2000-1000 r-xp 00000000 08:01 1 /backwards\n"
		"3000-4000 r-xp 0000zz00 08:01 1 /badoffset\n"
		"5000-6000 r-xp 00000000 08:01 1/nospace\n"
		"11111111111111111-2 r-xp 00000000 08:01 1 /toolong\n"
		"7000-8000 r-xp 00000000 08:01 1 /with\0nul\n"
		"9000-a000 r-xp 00000000 08:01 1 /good\n"
		"9800-9900 r-xp 00000000 08:01 1 /overlapping\n"
		"b000-c000 r-xp 00000000 08:01 1 /unterminated";
	struct proc_maps *pm = NULL;

	(void)state;
	assert_int_equal(proc_maps_parse(bad, sizeof(bad) - 1, &pm), 0);
	assert_int_equal(pm->count, 2);
	assert_string_equal(pm->maps[0].path, "/good");
	assert_string_equal(pm->maps[1].path, "/unterminated");
	assert_int_equal(pm->malformed, 8);
	proc_maps_free(pm);
}

static void test_unsorted(void **state)
{
	static const char text[] = "3000-4000 r-xp 00000000 00:00 0 /c\n"
				   "1000-2000 r-xp 00000000 00:00 0 /a\n"
				   "2000-3000 r-xp 00000000 00:00 0 /b\n";
	struct proc_maps *pm = NULL;

	(void)state;
	assert_int_equal(proc_maps_parse(text, strlen(text), &pm), 0);
	assert_string_equal(proc_maps_find(pm, 0x1500)->path, "/a");
	assert_string_equal(proc_maps_find(pm, 0x2500)->path, "/b");
	assert_string_equal(proc_maps_find(pm, 0x3500)->path, "/c");
	proc_maps_free(pm);
}

static int self_marker(void)
{
	return 42;
}

static void test_read_self(void **state)
{
	struct proc_maps *pm = NULL;
	const struct proc_map *m;

	(void)state;
	assert_int_equal(proc_maps_read(getpid(), &pm), 0);
	m = proc_maps_find(pm, (uint64_t)(uintptr_t)&self_marker);
	assert_non_null(m);
	assert_true(proc_map_is_exec(m));
	assert_string_equal(proc_map_module(m), "test_proc_maps");
	proc_maps_free(pm);
	assert_int_equal(self_marker(), 42);
	assert_int_equal(proc_maps_read(0x7ffffff0, &pm), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
