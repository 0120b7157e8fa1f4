// SPDX-License-Identifier: GPL-2.0
/* cfi_table: unwind rows from .eh_frame, on a library built here with and
 * without frame pointers, and on the system's libc. */
#include "symbolize/cfi_table.h"

#include "elf_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static const char source[] =
	"__attribute__((noinline)) void fixture_sink(volatile char *p) { p[1] = p[0] + 1; }\n"
	"int fixture_frame(int x) {\n"
	"	volatile char buf[200];\n"
	"	buf[0] = (char)x;\n"
	"	fixture_sink(buf);\n"
	"	fixture_sink(buf + 1);\n"
	"	return buf[1] + buf[2];\n"
	"}\n";

static char dir[128];

static int build(const char *name, const char *cflags, struct cfi_table *t, uint64_t *frame)
{
	char src[PATH_MAX], so[PATH_MAX];
	int fd, err;

	snprintf(src, sizeof(src), "%s/cfi.c", dir);
	snprintf(so, sizeof(so), "%s/%s", dir, name);
	if (elf_fixture_write(src, source, sizeof(source) - 1) ||
	    elf_fixture_sh("gcc -shared -fPIC %s -o %s %s", cflags, so, src) ||
	    elf_fixture_symbol(so, "fixture_frame", frame) < 0)
		return -1;
	fd = open(so, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	err = cfi_table_build(fd, t);
	close(fd);
	return err;
}

static void check_sorted(const struct cfi_table *t)
{
	for (size_t i = 1; i < t->n; i++)
		assert_true(t->rows[i - 1].addr < t->rows[i].addr);
	/* The last row ends the range of the one before. */
	assert_int_equal(t->rows[t->n - 1].flags & CFI_KIND_MASK, CFI_UNKNOWN);
}

static void test_no_frame_pointer(void **state)
{
	struct cfi_table t;
	uint64_t frame;
	const struct cfi_row *r;
	int body = 0;

	(void)state;
	assert_int_equal(build("libnofp.so", "-O2 -fomit-frame-pointer", &t, &frame), 0);
	check_sorted(&t);
	/* Entry: the return address at sp, CFA = rsp + 8, rbp untouched. */
	r = cfi_table_find(&t, frame);
	assert_non_null(r);
	assert_int_equal(r->flags, CFI_CFA_RSP);
	assert_int_equal(r->cfa_off, 8);
	/* After "sub $N, %rsp": the 200-byte buffer is inside the frame. */
	for (uint64_t a = frame; a < frame + 64; a++) {
		r = cfi_table_find(&t, a);
		assert_non_null(r);
		if ((r->flags & CFI_KIND_MASK) == CFI_CFA_RSP && r->cfa_off >= 208) {
			assert_false(r->flags & CFI_RBP_SAVED);
			body = 1;
			break;
		}
	}
	assert_true(body);
	assert_null(cfi_table_find(&t, t.rows[0].addr - 1));
	cfi_table_free(&t);
}

static void test_frame_pointer(void **state)
{
	struct cfi_table t;
	uint64_t frame;
	const struct cfi_row *r;
	int body = 0;

	(void)state;
	assert_int_equal(build("libfp.so", "-O2 -fno-omit-frame-pointer", &t, &frame), 0);
	check_sorted(&t);
	/* After "push %rbp; mov %rsp, %rbp": CFA = rbp + 16, rbp at CFA - 16. */
	for (uint64_t a = frame; a < frame + 32; a++) {
		r = cfi_table_find(&t, a);
		assert_non_null(r);
		if ((r->flags & CFI_KIND_MASK) == CFI_CFA_RBP) {
			assert_int_equal(r->cfa_off, 16);
			assert_true(r->flags & CFI_RBP_SAVED);
			assert_int_equal(r->rbp_off, -2);
			body = 1;
			break;
		}
	}
	assert_true(body);
	cfi_table_free(&t);
}

static void test_libc(void **state)
{
	const char *paths[] = { "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
				"/lib64/libc.so.6" };
	struct cfi_table t;
	int fd = -1;
	size_t rsp = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && fd < 0; i++)
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	assert_int_equal(cfi_table_build(fd, &t), 0);
	close(fd);
	assert_true(t.n > 1000);
	assert_true(t.nsegs >= 1);
	check_sorted(&t);
	for (size_t i = 0; i < t.n; i++) {
		bool in = false;

		for (size_t s = 0; s < t.nsegs; s++)
			in |= t.rows[i].addr >= t.segs[s].vaddr &&
			      t.rows[i].addr <= t.segs[s].vaddr + t.segs[s].filesz;
		assert_true(in);
		rsp += (t.rows[i].flags & CFI_KIND_MASK) == CFI_CFA_RSP;
	}
	/* libc is built without frame pointers: mostly rsp-based rows. */
	assert_true(rsp > t.n / 2);
	cfi_table_free(&t);
}

static void test_not_elf(void **state)
{
	char path[PATH_MAX];
	struct cfi_table t;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/junk", dir);
	assert_int_equal(elf_fixture_write(path, "not an ELF file", 15), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(cfi_table_build(fd, &t) < 0);
	assert_null(t.rows);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	return elf_fixture_tmpdir(dir, sizeof(dir)) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	elf_fixture_rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_frame_pointer),
		cmocka_unit_test(test_frame_pointer),
		cmocka_unit_test(test_libc),
		cmocka_unit_test(test_not_elf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
