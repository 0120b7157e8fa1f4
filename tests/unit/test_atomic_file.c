// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/atomic_file.h"
#include "support.h"

static int count_entries(const char *dir)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void test_commit_replaces_destination(void **state)
{
	char *dir = test_mkdtemp(), path[512], buf[64];
	struct atomic_file af;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	assert_int_equal(atomic_file_open(&af, path), 0);
	fputs("new", af.fp);
	/* Until commit the old content stays, and a hidden temporary exists. */
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "old");
	assert_int_equal(count_entries(dir), 2);
	assert_int_equal(atomic_file_commit(&af), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "new");
	assert_int_equal(count_entries(dir), 1);
	test_rm_rf(dir);
	free(dir);
}

static void test_abort_leaves_nothing(void **state)
{
	char *dir = test_mkdtemp(), path[512];
	struct atomic_file af;

	(void)state;
	snprintf(path, sizeof(path), "%s/out", dir);
	assert_int_equal(atomic_file_open(&af, path), 0);
	fputs("partial", af.fp);
	atomic_file_abort(&af);
	assert_int_equal(count_entries(dir), 0);
	atomic_file_abort(&af); /* twice is harmless */
	test_rm_rf(dir);
	free(dir);
}

static void test_symlink_destination_is_replaced_not_followed(void **state)
{
	char *dir = test_mkdtemp(), path[512], victim[512], buf[64];
	struct atomic_file af;
	FILE *f;

	(void)state;
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(victim, "w");
	fputs("keep", f);
	fclose(f);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(atomic_file_open(&af, path), 0);
	fputs("profile", af.fp);
	assert_int_equal(atomic_file_commit(&af), 0);
	read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "keep");
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "profile");
	test_rm_rf(dir);
	free(dir);
}

static void test_bad_destinations(void **state)
{
	struct atomic_file af;

	(void)state;
	assert_int_equal(atomic_file_open(&af, ""), -EISDIR);
	assert_int_equal(atomic_file_open(&af, "/tmp/"), -EISDIR);
	assert_int_equal(atomic_file_open(&af, "/nonexistent-dir-tmprof/x"), -ENOENT);
	/* /proc refuses new files: the error comes at open, before any work. */
	assert_true(atomic_file_open(&af, "/proc/tmprof.folded") < 0);
}

static void test_disk_full_fails_commit_and_cleans_up(void **state)
{
	struct atomic_file af;
	char path[] = "/dev/full";

	(void)state;
	/* /dev/full as the directory is not possible; emulate ENOSPC by
	 * swapping the stream for one on /dev/full after open. */
	assert_int_equal(atomic_file_open(&af, "/tmp/tmprof-test-full"), 0);
	{
		char *tmp = strdup(af.tmp_path);
		FILE *full = fopen(path, "w");

		assert_non_null(full);
		fclose(af.fp);
		af.fp = full;
		for (int i = 0; i < 10000; i++)
			fputs("0123456789abcdef0123456789abcdef\n", af.fp);
		assert_true(atomic_file_commit(&af) < 0);
		assert_int_equal(access("/tmp/tmprof-test-full", F_OK), -1);
		assert_int_equal(access(tmp, F_OK), -1);
		free(tmp);
	}
}

/* The directory is synced after the rename; that needs its name, also
 * for a bare file name (the current directory). */
static void test_commit_relative_name(void **state)
{
	char *dir = test_mkdtemp(), cwd[4096], buf[64];
	struct atomic_file af;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(atomic_file_open(&af, "bare.txt"), 0);
	fputs("bare\n", af.fp);
	assert_int_equal(atomic_file_commit(&af), 0);
	read_file("bare.txt", buf, sizeof(buf));
	assert_string_equal(buf, "bare\n");
	assert_int_equal(chdir(cwd), 0);
	test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_replaces_destination),
		cmocka_unit_test(test_abort_leaves_nothing),
		cmocka_unit_test(test_symlink_destination_is_replaced_not_followed),
		cmocka_unit_test(test_bad_destinations),
		cmocka_unit_test(test_commit_relative_name),
		cmocka_unit_test(test_disk_full_fails_commit_and_cleans_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
