// SPDX-License-Identifier: GPL-2.0
/* elf_cache: one parse per file, sharing by build-id, cached failures. */
#include "symbolize/elf_cache.h"
#include "symbolize/elf_symtab.h"

#include "elf_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[128];

static int setup(void **state)
{
	(void)state;
	if (elf_fixture_tmpdir(dir, sizeof(dir)) < 0)
		return -1;
	return elf_fixture_build(dir, "liba.so", "-g", 0) == 0 &&
			       elf_fixture_build(dir, "libb.so", "-g -O2", 0) == 0 ?
		       0 :
		       -1;
}

static int teardown(void **state)
{
	(void)state;
	elf_fixture_rmdir(dir);
	return 0;
}

static int get(struct elf_cache *c, const char *name, struct elf_symtab **st)
{
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = elf_cache_get(c, fd, 0, path, st);
	close(fd);
	return ret;
}

static void test_shared_by_inode_and_build_id(void **state)
{
	struct elf_cache *c = NULL;
	struct elf_symtab *a1 = NULL, *a2 = NULL, *copy = NULL, *b = NULL;
	struct elf_cache_stats st;

	(void)state;
	assert_int_equal(elf_cache_new(&c), 0);
	assert_int_equal(get(c, "liba.so", &a1), 0);
	assert_int_equal(get(c, "liba.so", &a2), 0);
	assert_ptr_equal(a1, a2);
	/* A copy (another inode, as in another container layer) has the
	 * same build-id and shares the parsed table. */
	assert_int_equal(elf_fixture_sh("cp '%s/liba.so' '%s/liba-copy.so'", dir, dir), 0);
	assert_int_equal(get(c, "liba-copy.so", &copy), 0);
	assert_ptr_equal(copy, a1);
	assert_int_equal(get(c, "libb.so", &b), 0);
	assert_ptr_not_equal(b, a1);
	elf_cache_stats(c, &st);
	assert_int_equal(st.loads, 2);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.objects, 2);
	elf_cache_put(c, a1);
	elf_cache_put(c, a2);
	elf_cache_put(c, copy);
	elf_cache_put(c, b);
	/* Idle entries stay for reuse. */
	assert_int_equal(get(c, "liba.so", &a1), 0);
	elf_cache_stats(c, &st);
	assert_int_equal(st.loads, 2);
	elf_cache_put(c, a1);
	elf_cache_free(c);
}

static void test_failure_cached(void **state)
{
	struct elf_cache *c = NULL;
	struct elf_symtab *st = (void *)1;
	struct elf_cache_stats stats;
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/notelf", dir);
	assert_int_equal(elf_fixture_write(path, "#!/bin/sh\n", 10), 0);
	assert_int_equal(elf_cache_new(&c), 0);
	assert_int_equal(get(c, "notelf", &st), -EINVAL);
	assert_null(st);
	assert_int_equal(get(c, "notelf", &st), -EINVAL);
	elf_cache_stats(c, &stats);
	assert_int_equal(stats.loads, 1);
	elf_cache_put(c, NULL);
	elf_cache_free(c);
}

/* The load cap: a refused file is a cached failure, reported once; a new
 * cap forgets it. */
static void test_load_cap(void **state)
{
	struct elf_cache *c = NULL;
	struct elf_symtab *st = (void *)1;
	struct elf_cache_stats stats;
	char path[PATH_MAX];
	uint64_t bytes = 0;
	bool partial = true;

	(void)state;
	assert_int_equal(elf_cache_new(&c), 0);
	elf_cache_set_max_load(c, 1);
	assert_int_equal(get(c, "liba.so", &st), -EFBIG);
	assert_null(st);
	assert_int_equal(get(c, "liba.so", &st), -EFBIG);
	elf_cache_stats(c, &stats);
	assert_int_equal(stats.loads, 1);
	assert_int_equal(stats.refused, 1);
	assert_true(elf_cache_take_refused(c, path, sizeof(path), &bytes, &partial));
	assert_non_null(strstr(path, "/liba.so"));
	assert_true(bytes > 1);
	assert_false(partial);
	assert_false(elf_cache_take_refused(c, path, sizeof(path), &bytes, &partial));
	/* Raised: parsed again, whole. */
	elf_cache_set_max_load(c, bytes);
	assert_int_equal(get(c, "liba.so", &st), 0);
	assert_non_null(st);
	elf_cache_stats(c, &stats);
	assert_int_equal(stats.loads, 2);
	assert_false(elf_cache_take_refused(c, path, sizeof(path), &bytes, &partial));
	elf_cache_put(c, st);
	elf_cache_free(c);
}

static void test_idle_bound(void **state)
{
	struct elf_cache *c = NULL;
	struct elf_symtab *st = NULL;
	struct elf_cache_stats stats;
	char name[64], path[PATH_MAX];

	(void)state;
	assert_int_equal(elf_cache_new(&c), 0);
	/* Distinct non-ELF files: each is its own (failed) entry. */
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "junk%d", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		assert_int_equal(elf_fixture_write(path, name, 5), 0);
		assert_int_equal(get(c, name, &st), -EINVAL);
	}
	elf_cache_stats(c, &stats);
	assert_true(stats.objects <= 64);
	elf_cache_free(c);
}

/* The memory budget's trim: idle tables go, tables in use stay. */
static void test_trim(void **state)
{
	struct elf_cache *c = NULL;
	struct elf_symtab *a = NULL, *b = NULL;
	struct elf_cache_stats stats;
	size_t full;

	(void)state;
	assert_int_equal(elf_cache_new(&c), 0);
	assert_int_equal(get(c, "liba.so", &a), 0);
	assert_int_equal(get(c, "libb.so", &b), 0);
	full = elf_cache_memory(c);
	assert_true(full > elf_symtab_memory(a));
	elf_cache_put(c, b);
	assert_int_equal(elf_cache_trim(c), 1);
	elf_cache_stats(c, &stats);
	assert_int_equal(stats.objects, 1);
	assert_true(elf_cache_memory(c) < full);
	assert_true(elf_cache_memory(c) >= elf_symtab_memory(a));
	/* a, in use, is still cached. */
	elf_cache_put(c, a);
	assert_int_equal(elf_cache_trim(c), 1);
	assert_int_equal(elf_cache_memory(c), 0);
	assert_int_equal(elf_cache_trim(NULL), 0);
	elf_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_by_inode_and_build_id),
		cmocka_unit_test(test_failure_cached),
		cmocka_unit_test(test_load_cap),
		cmocka_unit_test(test_idle_bound),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
