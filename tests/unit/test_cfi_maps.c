// SPDX-License-Identifier: GPL-2.0
/* cfi_maps: a target's unwind rows parsed apart (cfi_prep_build, the
 * daemon's worker) and installed into real BPF maps (cfi_maps_install, the
 * loop), files shared between targets. Needs root for the maps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "agent/collect/cfi_maps.h"
#include "bpf/abi.h"
#include "symbolize/proc_maps.h"
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
	assert_int_equal(cfi_prep_build(NULL, getpid(), &p), 0);
	n = cfi_maps_install(f->c, FAKE_A, p);
	assert_true(n >= 1);
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

/* In line (tmprof record): files the maps hold are not parsed again; a
 * file known when prepared but dropped before the install is left out,
 * not installed without rows. */
static void test_known_files_skipped(void **state)
{
	struct fixture *f = *state;
	struct proc_maps *pm = NULL;
	struct cfi_prep *p = NULL, *again = NULL;
	const struct cfi_prep_file *libc;
	int n;

	if (!ready(f))
		return;
	assert_int_equal(proc_maps_read(getpid(), &pm), 0);
	assert_int_equal(cfi_prep_build_maps(f->c, getpid(), pm, &p), 0);
	n = cfi_maps_install(f->c, FAKE_A, p);
	assert_true(n >= 1);
	assert_int_equal(cfi_prep_build_maps(f->c, getpid(), pm, &again), 0);
	libc = prep_libc(again);
	assert_non_null(libc);
	assert_false(libc->parsed);
	assert_int_equal(libc->err, 0);
	assert_int_equal(cfi_maps_install(f->c, FAKE_B, again), n);
	cfi_maps_remove(f->c, FAKE_A);
	cfi_maps_remove(f->c, FAKE_B);
	/* Dropped since: libc's mapping is skipped, the call still works. */
	n = cfi_maps_install(f->c, FAKE_A, again);
	assert_true(n >= 0);
	assert_int_equal(cfi_maps_rows_used(f->c), 0);
	cfi_maps_remove(f->c, FAKE_A);
	cfi_prep_free(p);
	cfi_prep_free(again);
	proc_maps_free(pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prep_parses_libc_first),
		cmocka_unit_test(test_prep_of_no_process),
		cmocka_unit_test(test_install_shares_files),
		cmocka_unit_test(test_known_files_skipped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
