// SPDX-License-Identifier: GPL-2.0
/* Retention of the daemon's files on a temporary directory: age, size,
 * naming pattern, symlinks, stale temporaries. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/daemon/daemon_retention.h"
#include "support.h"

static void make_file(const char *dir, const char *name, size_t size, time_t mtime)
{
	char path[2048], *buf = calloc(1, size + 1);
	struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, size, f), size);
	fclose(f);
	free(buf);
	assert_int_equal(utimes(path, tv), 0);
}

static bool exists(const char *dir, const char *name)
{
	char path[2048];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static void test_names(void **state)
{
	(void)state;
	assert_true(daemon_output_name_ok("20240131T235959Z.pb.gz"));
	assert_true(daemon_output_name_ok("20240131T235959Z.folded"));
	assert_true(daemon_output_name_ok("20240131T235959Z-2.alloc.pb.gz"));
	assert_true(daemon_output_name_ok("20240131T235959Z.alloc.folded"));
	assert_false(daemon_output_name_ok("20240131T235959Z.pb.gz.bak"));
	assert_false(daemon_output_name_ok("20240131T235959.pb.gz"));
	assert_false(daemon_output_name_ok("notes.txt"));
	assert_false(daemon_output_name_ok("2024013xT235959Z.pb.gz"));
	assert_false(daemon_output_name_ok("20240131T235959Z-1234.pb.gz"));
	assert_false(daemon_output_name_ok(""));
	assert_true(daemon_temp_name_ok(".20240131T235959Z.pb.gz.tmprof-a1B2c3"));
	assert_false(daemon_temp_name_ok(".20240131T235959Z.pb.gz.tmprof-a1B2"));
	assert_false(daemon_temp_name_ok(".bashrc"));
	assert_false(daemon_temp_name_ok("20240131T235959Z.pb.gz.tmprof-a1B2c3"));
}

static void test_age_and_size(void **state)
{
	char *dir = test_mkdtemp(), tm[512], other[512], link[1024];
	struct retention_policy p = { .max_age_s = 3600, .max_bytes = 2500 };
	struct retention_result r;
	time_t now = 1700000000;

	(void)state;
	snprintf(tm, sizeof(tm), "%s/tm-a", dir);
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	assert_int_equal(mkdir(tm, 0755), 0);
	assert_int_equal(mkdir(other, 0755), 0);
	make_file(tm, "20231114T000000Z.pb.gz", 1000, now - 7200);  /* too old */
	make_file(tm, "20231114T010000Z.pb.gz", 1000, now - 1800);  /* oldest within age: over size */
	make_file(tm, "20231114T011000Z.folded", 1000, now - 1200);
	make_file(tm, "20231114T012000Z.pb.gz", 1000, now - 600);
	make_file(tm, "notes.txt", 5000, now - 99999);              /* not ours: kept */
	make_file(tm, ".20231114T013000Z.pb.gz.tmprof-AbC123", 10, now - 7200); /* stale temp */
	/* Another writer's temporary, being written now: kept. */
	make_file(tm, ".20231114T014000Z.pb.gz.tmprof-XyZ789", 10, now - 5);
	make_file(other, "20231114T000000Z.pb.gz", 10, now - 100);
	/* A symlinked TaskManager directory and a symlinked file: never followed. */
	snprintf(link, sizeof(link), "%s/linked", dir);
	assert_int_equal(symlink(other, link), 0);
	snprintf(link, sizeof(link), "%s/20231113T000000Z.pb.gz", tm);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	make_file(other, "20201114T000000Z.pb.gz", 10, now - 999999); /* too old */

	assert_int_equal(daemon_retention_run(dir, &p, now, &r), 0);
	assert_false(exists(tm, "20231114T000000Z.pb.gz"));
	assert_false(exists(tm, "20231114T010000Z.pb.gz"));
	assert_true(exists(tm, "20231114T011000Z.folded"));
	assert_true(exists(tm, "20231114T012000Z.pb.gz"));
	assert_true(exists(tm, "notes.txt"));
	assert_true(exists(tm, "20231113T000000Z.pb.gz")); /* the symlink itself stays */
	assert_false(exists(tm, ".20231114T013000Z.pb.gz.tmprof-AbC123"));
	assert_true(exists(tm, ".20231114T014000Z.pb.gz.tmprof-XyZ789"));
	assert_true(exists(other, "20231114T000000Z.pb.gz"));
	assert_false(exists(other, "20201114T000000Z.pb.gz"));
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	assert_int_equal(r.deleted, 3);
	assert_int_equal(r.deleted_bytes, 2010);
	assert_int_equal(r.temps, 1);
	assert_int_equal(r.kept, 3);

	/* No limits: nothing goes. */
	p = (struct retention_policy){ 0 };
	assert_int_equal(daemon_retention_run(dir, &p, now + 999999, &r), 0);
	assert_int_equal(r.deleted, 0);
	test_rm_rf(dir);
	free(dir);
}

static void set_mtime(const char *path, time_t mtime)
{
	struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };

	assert_int_equal(utimes(path, tv), 0);
}

/* Empty TaskManager directories go once stale; a fresh one (a writer about
 * to fill it) and any holding something stay. */
static void test_empty_dirs(void **state)
{
	char *dir = test_mkdtemp(), gone[512], fresh[512], notes[512], emptied[512];
	struct retention_policy p = { .max_age_s = 3600, .stale_s = 600 };
	struct retention_result r;
	time_t now = time(NULL);

	(void)state;
	snprintf(gone, sizeof(gone), "%s/tm-gone", dir);
	snprintf(fresh, sizeof(fresh), "%s/tm-fresh", dir);
	snprintf(notes, sizeof(notes), "%s/tm-notes", dir);
	snprintf(emptied, sizeof(emptied), "%s/tm-emptied", dir);
	assert_int_equal(mkdir(gone, 0755), 0);
	assert_int_equal(mkdir(fresh, 0755), 0);
	assert_int_equal(mkdir(notes, 0755), 0);
	assert_int_equal(mkdir(emptied, 0755), 0);
	make_file(notes, "notes.txt", 10, now - 99999);
	make_file(emptied, "20231114T000000Z.pb.gz", 10, now - 99999);
	set_mtime(gone, now - 7200);
	set_mtime(notes, now - 7200);
	set_mtime(fresh, now - 60);
	assert_int_equal(daemon_retention_run(dir, &p, now, &r), 0);
	assert_false(exists(dir, "tm-gone"));
	assert_true(exists(dir, "tm-fresh"));
	assert_true(exists(dir, "tm-notes"));
	/* Its last file just went: the directory changed now, so it waits a
	 * turn (a writer may be about to put the next period there). */
	assert_true(exists(dir, "tm-emptied"));
	assert_int_equal(r.dirs, 1);
	assert_int_equal(r.deleted, 1);
	assert_int_equal(daemon_retention_run(dir, &p, now + 7200, &r), 0);
	assert_false(exists(dir, "tm-emptied"));
	assert_false(exists(dir, "tm-fresh"));
	assert_true(exists(dir, "tm-notes"));
	assert_int_equal(r.dirs, 2);
	test_rm_rf(dir);
	free(dir);
}

static void test_missing_dir(void **state)
{
	struct retention_policy p = { .max_age_s = 1, .max_bytes = 1 };
	struct retention_result r;
	char *dir = test_mkdtemp(), *real = test_mkdtemp(), link[1024], tm[1024];

	(void)state;
	assert_int_equal(daemon_retention_run("/nonexistent/tmprof", &p, 0, &r), -ENOENT);
	/* The output directory itself may be a symlink (another disk). */
	snprintf(link, sizeof(link), "%s/out", dir);
	assert_int_equal(symlink(real, link), 0);
	snprintf(tm, sizeof(tm), "%s/tm", real);
	assert_int_equal(mkdir(tm, 0755), 0);
	make_file(tm, "20231114T000000Z.pb.gz", 10, 1000);
	assert_int_equal(daemon_retention_run(link, &p, 1700000000, &r), 0);
	assert_int_equal(r.deleted, 1);
	test_rm_rf(dir);
	test_rm_rf(real);
	free(dir);
	free(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_age_and_size),
		cmocka_unit_test(test_empty_dirs),
		cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
