// SPDX-License-Identifier: GPL-2.0
/* cfi_maps: a target's unwind rows parsed apart (cfi_prep_build, the
 * daemon's worker) and installed into real BPF maps (cfi_maps_install, the
 * loop), files shared between targets. Needs root for the maps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "agent/collect/cfi_maps.h"
#include "bpf/abi.h"
#include "support.h"

/* Pids that only key the procs map: the rows are this process's. */
#define FAKE_A 0x7ffff001
#define FAKE_B 0x7ffff002

struct fixture {
	int rows_fd, procs_fd;
	struct cfi_maps *c;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.rows_fd = f.procs_fd = -1;
	if (getuid() == 0) {
		f.rows_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_cfi_rows", sizeof(__u32),
					   sizeof(struct cfi_row), CFI_MAX_ROWS, NULL);
		f.procs_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_cfi_procs", sizeof(__u32),
					    sizeof(struct cfi_proc), 64, NULL);
		if (f.rows_fd >= 0 && f.procs_fd >= 0 && cfi_maps_new(f.rows_fd, f.procs_fd, &f.c))
			f.c = NULL;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cfi_maps_free(f->c);
	if (f->rows_fd >= 0)
		close(f->rows_fd);
	if (f->procs_fd >= 0)
		close(f->procs_fd);
	return 0;
}

static bool ready(struct fixture *f)
{
	if (!test_require_root())
		return false;
	assert_true(f->rows_fd >= 0);
	assert_true(f->procs_fd >= 0);
	assert_non_null(f->c);
	return true;
}

static const struct cfi_prep_file *prep_libc(const struct cfi_prep *p)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (strstr(p->files[i].path, "libc.so"))
			return &p->files[i];
	return NULL;
}

/* This process's libraries, prepared without keys, installed as pid's:
 * how many mappings got rows (at least libc's). */
static int install_self(struct fixture *f, pid_t pid, struct cfi_prep **p)
{
	int n;

	assert_int_equal(cfi_prep_build(NULL, getpid(), p), 0);
	n = cfi_maps_install(f->c, pid, *p);
	assert_true(n >= 1);
	return n;
}

/* The worker's half touches no map: libc first, parsed, with its rows. */
static void test_prep_parses_libc_first(void **state)
{
	const struct cfi_prep_file *libc;
	struct cfi_prep *p = NULL;

	(void)state;
	assert_int_equal(cfi_prep_build(NULL, getpid(), &p), 0);
	assert_non_null(p);
	assert_true(p->nmaps >= 1);
	libc = prep_libc(p);
	assert_non_null(libc);
	assert_ptr_equal(&p->files[p->maps[0].file], libc);
	assert_true(libc->parsed);
	assert_int_equal(libc->err, 0);
	assert_true(libc->t.n > 100);
	assert_true(p->nmaps <= p->nfiles * 4 + 1);
	cfi_prep_free(p);
}

static void test_prep_of_no_process(void **state)
{
	struct cfi_prep *p = NULL;

	(void)state;
	assert_true(cfi_prep_build(NULL, 0x7ffffff0, &p) < 0);
	assert_null(p);
	cfi_prep_free(NULL);
}

/* The loop's half: rows in the array, the pid's entry set; a second
 * target mapping the same files shares their rows. */
static void test_install_shares_files(void **state)
{
	struct fixture *f = *state;
	struct cfi_prep *p = NULL;
	struct cfi_proc proc;
	__u32 key = FAKE_A;
	size_t used;
	int n;

	if (!ready(f))
		return;
	n = install_self(f, FAKE_A, &p);
	assert_int_equal(bpf_map_lookup_elem(f->procs_fd, &key, &proc), 0);
	assert_int_equal(proc.n, (unsigned int)n);
	used = cfi_maps_rows_used(f->c);
	assert_true(used >= prep_libc(p)->t.n);
	assert_int_equal(cfi_maps_install(f->c, FAKE_B, p), n);
	assert_int_equal(cfi_maps_rows_used(f->c), used);
	cfi_prep_free(p);
	cfi_maps_remove(f->c, FAKE_A);
	cfi_maps_remove(f->c, FAKE_B);
	assert_int_equal(cfi_maps_rows_used(f->c), 0);
	key = FAKE_B;
	assert_true(bpf_map_lookup_elem(f->procs_fd, &key, &proc) != 0);
}

/* Is k in the snapshot? */
static bool known_has_key(const struct cfi_known *known, const struct cfi_key *k)
{
	for (size_t i = 0; i < known->n; i++)
		if (!memcmp(&known->keys[i], k, sizeof(*k)))
			return true;
	return false;
}

/* The daemon: the loop snapshots the files the maps hold, the worker
 * prepares a second target from it and parses none of them, the install
 * shares their rows. */
static void test_known_files_skipped(void **state)
{
	struct fixture *f = *state;
	struct cfi_prep *p = NULL, *again = NULL;
	struct cfi_known *known = NULL;
	size_t used;
	int n;

	if (!ready(f))
		return;
	n = install_self(f, FAKE_A, &p);
	used = cfi_maps_rows_used(f->c);
	assert_int_equal(cfi_maps_snapshot(f->c, &known), 0);
	assert_true(known->n >= 1 && known->n <= CFI_KNOWN_MAX);
	assert_true(known_has_key(known, &prep_libc(p)->key));
	assert_int_equal(cfi_prep_build(known, getpid(), &again), 0);
	assert_int_equal(again->nfiles, p->nfiles);
	/* Every file the first target installed (rows or failed) is known. */
	for (size_t i = 0; i < again->nfiles; i++) {
		assert_true(known_has_key(known, &again->files[i].key));
		assert_false(again->files[i].parsed);
		assert_int_equal(again->files[i].err, 0);
		assert_int_equal(again->files[i].t.n, 0);
	}
	assert_int_equal(cfi_maps_install(f->c, FAKE_B, again), n);
	assert_int_equal(cfi_maps_rows_used(f->c), used);
	cfi_maps_remove(f->c, FAKE_A);
	assert_int_equal(cfi_maps_rows_used(f->c), used); /* B holds them */
	cfi_maps_remove(f->c, FAKE_B);
	assert_int_equal(cfi_maps_rows_used(f->c), 0);
	cfi_known_free(known);
	cfi_prep_free(p);
	cfi_prep_free(again);
}

/* Known when the job was given its snapshot, dropped (its last target
 * left) before the install: -EAGAIN and nothing set, not an entry without
 * libc's rows; prepared again from a new snapshot, the target gets all. */
static void test_known_file_dropped(void **state)
{
	struct fixture *f = *state;
	struct cfi_prep *p = NULL, *stale = NULL, *fresh = NULL;
	struct cfi_known *known = NULL;
	struct cfi_proc proc;
	__u32 key = FAKE_B;
	int n;

	if (!ready(f))
		return;
	n = install_self(f, FAKE_A, &p);
	assert_int_equal(cfi_maps_snapshot(f->c, &known), 0);
	assert_int_equal(cfi_prep_build(known, getpid(), &stale), 0);
	cfi_known_free(known);
	known = NULL;
	cfi_maps_remove(f->c, FAKE_A);
	assert_int_equal(cfi_maps_install(f->c, FAKE_B, stale), -EAGAIN);
	assert_true(bpf_map_lookup_elem(f->procs_fd, &key, &proc) != 0);
	assert_int_equal(cfi_maps_rows_used(f->c), 0);
	/* Asked again: libc is not in the maps any more, so it is parsed. */
	assert_int_equal(cfi_maps_snapshot(f->c, &known), 0);
	assert_false(known_has_key(known, &prep_libc(p)->key));
	assert_int_equal(cfi_prep_build(known, getpid(), &fresh), 0);
	assert_true(prep_libc(fresh)->parsed);
	assert_int_equal(cfi_maps_install(f->c, FAKE_B, fresh), n);
	assert_int_equal(bpf_map_lookup_elem(f->procs_fd, &key, &proc), 0);
	assert_int_equal(proc.n, (unsigned int)n);
	assert_true(cfi_maps_rows_used(f->c) >= prep_libc(p)->t.n);
	cfi_maps_remove(f->c, FAKE_B);
	cfi_known_free(known);
	cfi_prep_free(p);
	cfi_prep_free(stale);
	cfi_prep_free(fresh);
}

/* A prep of n files that all failed (as a broken or truncated library
 * does), keys made up from base. */
static struct cfi_prep *prep_failed(size_t n, ino_t base)
{
	struct cfi_prep *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->maps = calloc(n, sizeof(*p->maps));
	p->files = calloc(n, sizeof(*p->files));
	assert_non_null(p->maps);
	assert_non_null(p->files);
	for (size_t i = 0; i < n; i++) {
		p->files[i].key = (struct cfi_key){ .dev = 1, .ino = base + (ino_t)i, .size = 4096 };
		p->files[i].err = -ENOEXEC;
		snprintf(p->files[i].path, sizeof(p->files[i].path), "/broken/%zu.so", i);
		p->maps[i] = (struct cfi_prep_map){ .start = 0x1000 * (i + 1), .end = 0x1000 * (i + 2),
						    .file = i };
	}
	p->nmaps = p->nfiles = n;
	return p;
}

/* A target that maps new broken libraries over and over (exec in a loop)
 * grows neither the maps' file list nor the snapshot past their bounds;
 * past CFI_KNOWN_MAX the snapshot keeps the files targets share. */
static void test_failed_and_snapshot_bounded(void **state)
{
	struct fixture *f = *state;
	struct cfi_prep *real = NULL, *broken;
	struct cfi_known *known = NULL;
	struct cfi_key oldest, newest;

	if (!ready(f))
		return;
	broken = prep_failed(CFI_FAILED_MAX + 40, 1000);
	oldest = broken->files[0].key;
	newest = broken->files[broken->nfiles - 1].key;
	assert_int_equal(cfi_maps_install(f->c, FAKE_A, broken), 0);
	assert_int_equal(cfi_maps_snapshot(f->c, &known), 0);
	assert_int_equal(known->n, CFI_FAILED_MAX);
	assert_false(known_has_key(known, &oldest));
	assert_true(known_has_key(known, &newest));
	cfi_known_free(known);
	/* Known failed files are not parsed again, nor installed with rows. */
	assert_int_equal(cfi_maps_install(f->c, FAKE_A, broken), 0);
	/* A real target beside them: more files than a snapshot takes, and
	 * libc (referenced) is one it takes. */
	assert_int_equal(cfi_prep_build(NULL, getpid(), &real), 0);
	assert_true(cfi_maps_install(f->c, FAKE_B, real) >= 1);
	assert_int_equal(cfi_maps_snapshot(f->c, &known), 0);
	assert_int_equal(known->n, CFI_KNOWN_MAX);
	assert_true(known_has_key(known, &prep_libc(real)->key));
	cfi_known_free(known);
	cfi_maps_remove(f->c, FAKE_A);
	cfi_maps_remove(f->c, FAKE_B);
	assert_int_equal(cfi_maps_rows_used(f->c), 0);
	cfi_prep_free(real);
	cfi_prep_free(broken);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prep_parses_libc_first),
		cmocka_unit_test(test_prep_of_no_process),
		cmocka_unit_test(test_install_shares_files),
		cmocka_unit_test(test_known_files_skipped),
		cmocka_unit_test(test_known_file_dropped),
		cmocka_unit_test(test_failed_and_snapshot_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
