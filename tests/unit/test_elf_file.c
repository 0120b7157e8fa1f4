// SPDX-License-Identifier: GPL-2.0
/* elf_file: opening target-owned ELF files without mmap. A file truncated
 * before or while we read it is an error, never SIGBUS; so are the readers
 * built on it (cfi_table, elf_lookup, elf_symtab). */
#include "symbolize/elf_file.h"
#include "symbolize/cfi_table.h"
#include "symbolize/elf_lookup.h"
#include "symbolize/elf_symtab.h"

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

static char dir[PATH_MAX], lib[PATH_MAX + 16];

static int setup(void **state)
{
	(void)state;
	if (elf_fixture_tmpdir(dir, sizeof(dir)) ||
	    elf_fixture_build(dir, "libfix.so", "-O1 -fomit-frame-pointer", 0))
		return -1;
	snprintf(lib, sizeof(lib), "%s/libfix.so", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	elf_fixture_rmdir(dir);
	return 0;
}

/* Every reader on a copy of the library cut to len bytes: none may crash,
 * and all fail on a copy that lost its section headers (at the end). */
static void readers_on_cut(const unsigned char *data, size_t full, size_t len)
{
	char path[PATH_MAX + 32];
	struct cfi_table t;
	struct elf_lookup q[] = { { .name = "fixture_alpha" } };
	struct elf_symtab *st = NULL;
	Elf *elf;
	int fd;

	snprintf(path, sizeof(path), "%s/cut.so", dir);
	assert_int_equal(elf_fixture_write(path, data, len), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	elf = elf_file_open(fd, NULL);
	if (len < full)
		assert_null(elf);
	else
		assert_non_null(elf);
	if (elf)
		elf_end(elf);
	if (len < full) {
		assert_true(cfi_table_build(fd, &t) < 0);
		assert_true(elf_lookup_symbols(fd, 0, NULL, q, 1, NULL) < 0);
		assert_true(elf_symtab_load(fd, 0, NULL, 0, NULL, &st) < 0);
	} else {
		assert_int_equal(cfi_table_build(fd, &t), 0);
		cfi_table_free(&t);
		assert_int_equal(elf_lookup_symbols(fd, 0, NULL, q, 1, NULL), 1);
		assert_int_equal(elf_symtab_load(fd, 0, NULL, 0, NULL, &st), 0);
		elf_symtab_free(st);
	}
	close(fd);
}

static void test_truncated_copies(void **state)
{
	unsigned char *data = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(elf_fixture_read(lib, &data, &len), 0);
	/* Every cut in the headers, then every 97 bytes, then the last ones. */
	for (size_t cut = 0; cut <= len; cut += cut < 128 ? 1 : cut + 200 < len ? 97 : 1)
		readers_on_cut(data, len, cut);
	free(data);
}

/* The SIGBUS case: the file shrinks after it was opened and its headers
 * checked. The section data is then a read error. */
static void test_truncated_after_open(void **state)
{
	char path[PATH_MAX + 32];
	unsigned char *data = NULL;
	size_t len = 0, shstrndx;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd, wfd, symtabs = 0;

	(void)state;
	assert_int_equal(elf_fixture_read(lib, &data, &len), 0);
	snprintf(path, sizeof(path), "%s/shrinks.so", dir);
	assert_int_equal(elf_fixture_write(path, data, len), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	elf = elf_file_open(fd, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	wfd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(wfd >= 0);
	assert_int_equal(ftruncate(wfd, 64), 0);
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_STRTAB)
			continue;
		symtabs++;
		assert_null(elf_file_section_data(scn));
	}
	assert_true(symtabs >= 2);
	elf_end(elf);
	close(wfd);
	close(fd);
	free(data);
}

/* Not a regular file: refused (a FIFO would block, a device never ends). */
static void test_not_regular(void **state)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_null(elf_file_open(fd, NULL));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_copies),
		cmocka_unit_test(test_truncated_after_open),
		cmocka_unit_test(test_not_regular),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
