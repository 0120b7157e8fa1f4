// SPDX-License-Identifier: GPL-2.0
/* elf_symtab and debug_file: symbols from .symtab, .dynsym, and separate
 * debug files found by build-id and by .gnu_debuglink; corrupted files. */
#include "symbolize/debug_file.h"
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

struct fixture {
	char dir[128];
	char full[PATH_MAX];   /* built with -g */
	uint64_t alpha, beta, hidden;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || elf_fixture_tmpdir(f->dir, sizeof(f->dir)) < 0)
		return -1;
	if (elf_fixture_build(f->dir, "libfix.so", "-g", 0) < 0)
		return -1;
	snprintf(f->full, sizeof(f->full), "%s/libfix.so", f->dir);
	if (elf_fixture_symbol(f->full, "fixture_alpha", &f->alpha) < 0 ||
	    elf_fixture_symbol(f->full, "fixture_beta", &f->beta) < 0 ||
	    elf_fixture_symbol(f->full, "fixture_hidden", &f->hidden) < 0)
		return -1;
	debug_file_set_root(f->dir); /* never the host's /usr/lib/debug */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	debug_file_set_root(NULL);
	elf_fixture_rmdir(f->dir);
	free(f);
	return 0;
}

/* Load path (as if mapped from map_path) and return the symtab. */
static int load(const char *path, const char *map_path, struct elf_symtab **st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = elf_symtab_load(fd, 0, map_path ? map_path : path, 0, NULL, st);
	close(fd);
	return ret;
}

static enum elf_syms_source source_of(const struct elf_symtab *st)
{
	struct elf_symtab_info info;

	elf_symtab_info(st, &info);
	return info.source;
}

static void test_symtab_lookup(void **state)
{
	struct fixture *f = *state;
	struct elf_symtab *st = NULL;
	uint64_t off = 99;

	assert_int_equal(load(f->full, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_SYMTAB);
	assert_string_equal(elf_symtab_lookup(st, f->alpha, &off), "fixture_alpha");
	assert_int_equal(off, 0);
	assert_string_equal(elf_symtab_lookup(st, f->alpha + 3, &off), "fixture_alpha");
	assert_int_equal(off, 3);
	assert_string_equal(elf_symtab_lookup(st, f->beta + 1, NULL), "fixture_beta");
	assert_string_equal(elf_symtab_lookup(st, f->hidden + 2, NULL), "fixture_hidden");
	assert_null(elf_symtab_lookup(st, 0, NULL));
	assert_null(elf_symtab_lookup(st, UINT64_MAX, NULL));
	elf_symtab_free(st);
}

static void test_file_to_vaddr(void **state)
{
	struct fixture *f = *state;
	struct elf_symtab *st = NULL;
	uint64_t vaddr = 0;

	assert_int_equal(load(f->full, NULL, &st), 0);
	/* For a gcc shared object the code segment has p_offset == p_vaddr,
	 * so the translation is the identity there... */
	assert_int_equal(elf_symtab_file_to_vaddr(st, f->alpha, &vaddr), 0);
	assert_int_equal(vaddr, f->alpha);
	/* ...and far past the end of the file nothing is loaded. */
	assert_int_equal(elf_symtab_file_to_vaddr(st, 1ull << 40, &vaddr), -ENOENT);
	elf_symtab_free(st);
}

/* The load cap: tables over it are never read; .symtab falls back to
 * .dynsym (smaller: exported functions only); nothing that fits: -EFBIG. */
static void test_table_cap(void **state)
{
	struct fixture *f = *state;
	struct elf_symtab *st = NULL;
	uint64_t all = 0, refused = 99;
	int fd = open(f->full, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(elf_symtab_load(fd, 0, f->full, 0, &refused, &st), 0);
	assert_int_equal(refused, 0);
	elf_symtab_free(st);
	/* A cap of 1 byte: .symtab's and .strtab's size is what is refused. */
	assert_int_equal(elf_symtab_load(fd, 0, f->full, 1, &all, &st), -EFBIG);
	assert_null(st);
	assert_true(all > 1);
	/* Just under it: the exported symbols, not the hidden one. */
	assert_int_equal(elf_symtab_load(fd, 0, f->full, all - 1, &refused, &st), 0);
	assert_int_equal(refused, all);
	assert_int_equal(source_of(st), ELF_SYMS_DYNSYM);
	assert_string_equal(elf_symtab_lookup(st, f->alpha, NULL), "fixture_alpha");
	assert_null(elf_symtab_lookup(st, f->hidden, NULL));
	elf_symtab_free(st);
	/* Exactly it: everything. */
	assert_int_equal(elf_symtab_load(fd, 0, f->full, all, &refused, &st), 0);
	assert_int_equal(refused, 0);
	assert_int_equal(source_of(st), ELF_SYMS_SYMTAB);
	assert_string_equal(elf_symtab_lookup(st, f->hidden, NULL), "fixture_hidden");
	elf_symtab_free(st);
	close(fd);
}

static void test_dynsym_only(void **state)
{
	struct fixture *f = *state;
	char stripped[PATH_MAX];
	struct elf_symtab *st = NULL;
	const char *name;

	snprintf(stripped, sizeof(stripped), "%s/libstripped.so", f->dir);
	assert_int_equal(elf_fixture_sh("strip --strip-all -o '%s' '%s'", stripped, f->full), 0);
	assert_int_equal(load(stripped, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_DYNSYM);
	assert_string_equal(elf_symtab_lookup(st, f->alpha + 1, NULL), "fixture_alpha");
	/* The static function is not exported: it must not be named after a
	 * sized exported neighbour. */
	name = elf_symtab_lookup(st, f->hidden + 1, NULL);
	assert_true(name == NULL || strcmp(name, "fixture_hidden") != 0);
	assert_true(name == NULL);
	elf_symtab_free(st);
}

/* Stripped copy with a debuglink to dbg_name; the debug file is written to
 * dbg_dir. */
static void make_debuglink_pair(struct fixture *f, const char *lib, const char *dbg_dir)
{
	assert_int_equal(elf_fixture_sh("mkdir -p '%s' \"$(dirname '%s')\" && "
					"objcopy --only-keep-debug '%s' '%s/libfix.debug'",
					dbg_dir, lib, f->full, dbg_dir), 0);
	/* objcopy computes the CRC from the file it is given, wherever it is. */
	assert_int_equal(elf_fixture_sh("strip --strip-all --remove-section=.note.gnu.build-id -o '%s' '%s' && "
					"objcopy --add-gnu-debuglink='%s/libfix.debug' '%s'",
					lib, f->full, dbg_dir, lib), 0);
}

static void test_debuglink_same_dir(void **state)
{
	struct fixture *f = *state;
	char dir[512], lib[PATH_MAX + 32];
	struct elf_symtab *st = NULL;

	snprintf(dir, sizeof(dir), "%s/same", f->dir);
	snprintf(lib, sizeof(lib), "%s/libfix.so", dir);
	make_debuglink_pair(f, lib, dir);
	assert_int_equal(load(lib, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_DEBUG_LINK);
	assert_string_equal(elf_symtab_lookup(st, f->hidden + 1, NULL), "fixture_hidden");
	elf_symtab_free(st);
}

static void test_debuglink_dot_debug_dir(void **state)
{
	struct fixture *f = *state;
	char dir[512], dbg[PATH_MAX + 32], lib[PATH_MAX + 32];
	struct elf_symtab *st = NULL;

	snprintf(dir, sizeof(dir), "%s/dotdebug", f->dir);
	snprintf(dbg, sizeof(dbg), "%s/.debug", dir);
	snprintf(lib, sizeof(lib), "%s/libfix.so", dir);
	make_debuglink_pair(f, lib, dbg);
	assert_int_equal(load(lib, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_DEBUG_LINK);
	assert_string_equal(elf_symtab_lookup(st, f->hidden, NULL), "fixture_hidden");
	elf_symtab_free(st);
}

static void test_debuglink_debug_root(void **state)
{
	struct fixture *f = *state;
	char dir[512], dbg[PATH_MAX * 2], lib[PATH_MAX + 32];
	struct elf_symtab *st = NULL;

	/* DEBUGROOT/<dir of the library>/name, DEBUGROOT = f->dir. */
	snprintf(dir, sizeof(dir), "%s/rooted", f->dir);
	snprintf(dbg, sizeof(dbg), "%s%s", f->dir, dir);
	snprintf(lib, sizeof(lib), "%s/libfix.so", dir);
	make_debuglink_pair(f, lib, dbg);
	assert_int_equal(load(lib, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_DEBUG_LINK);
	assert_string_equal(elf_symtab_lookup(st, f->hidden, NULL), "fixture_hidden");
	elf_symtab_free(st);
}

static void test_debuglink_bad_crc(void **state)
{
	struct fixture *f = *state;
	char dir[512], lib[PATH_MAX + 32];
	struct elf_symtab *st = NULL;

	snprintf(dir, sizeof(dir), "%s/badcrc", f->dir);
	snprintf(lib, sizeof(lib), "%s/libfix.so", dir);
	make_debuglink_pair(f, lib, dir);
	/* Any change to the debug file breaks the CRC: it must be ignored. */
	assert_int_equal(elf_fixture_sh("printf x >> '%s/libfix.debug'", dir), 0);
	assert_int_equal(load(lib, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_DYNSYM);
	assert_null(elf_symtab_lookup(st, f->hidden, NULL));
	elf_symtab_free(st);
}

static void build_id_path(struct fixture *f, const uint8_t *id, size_t len, char *out, size_t out_len)
{
	size_t pos = (size_t)snprintf(out, out_len, "%s/.build-id/%02x/", f->dir, id[0]);

	for (size_t i = 1; i < len; i++)
		pos += (size_t)snprintf(out + pos, out_len - pos, "%02x", id[i]);
	snprintf(out + pos, out_len - pos, ".debug");
}

static void test_build_id_lookup(void **state)
{
	struct fixture *f = *state;
	char lib[PATH_MAX + 32], dbg[PATH_MAX + 256];
	uint8_t id[ELF_BUILD_ID_MAX];
	struct elf_symtab *st = NULL;
	struct elf_symtab_info info;
	int fd, len;

	snprintf(lib, sizeof(lib), "%s/libbuildid.so", f->dir);
	assert_int_equal(elf_fixture_sh("strip --strip-all -o '%s' '%s'", lib, f->full), 0);
	fd = open(lib, O_RDONLY);
	assert_true(fd >= 0);
	len = elf_symtab_read_build_id(fd, id, sizeof(id));
	close(fd);
	assert_true(len >= 8);
	build_id_path(f, id, (size_t)len, dbg, sizeof(dbg));
	assert_int_equal(elf_fixture_sh("mkdir -p \"$(dirname '%s')\" && objcopy --only-keep-debug '%s' '%s'",
					dbg, f->full, dbg), 0);
	assert_int_equal(load(lib, NULL, &st), 0);
	elf_symtab_info(st, &info);
	assert_int_equal(info.source, ELF_SYMS_DEBUG_BUILD_ID);
	assert_int_equal(info.build_id_len, (size_t)len);
	assert_memory_equal(info.build_id, id, (size_t)len);
	assert_string_equal(elf_symtab_lookup(st, f->hidden + 1, NULL), "fixture_hidden");
	elf_symtab_free(st);
	unlink(dbg);
}

static void test_build_id_mismatch(void **state)
{
	struct fixture *f = *state;
	char lib[PATH_MAX + 32], other[PATH_MAX + 32], dbg[PATH_MAX + 256];
	uint8_t id[ELF_BUILD_ID_MAX];
	struct elf_symtab *st = NULL;
	int fd, len;

	/* A debug file of another build at the build-id path is rejected. */
	snprintf(lib, sizeof(lib), "%s/libmismatch.so", f->dir);
	snprintf(other, sizeof(other), "%s/libother.so", f->dir);
	assert_int_equal(elf_fixture_build(f->dir, "libother.so", "-g -DOTHER=1 -O2", 0), 0);
	assert_int_equal(elf_fixture_sh("strip --strip-all -o '%s' '%s'", lib, f->full), 0);
	fd = open(lib, O_RDONLY);
	assert_true(fd >= 0);
	len = elf_symtab_read_build_id(fd, id, sizeof(id));
	close(fd);
	assert_true(len > 0);
	build_id_path(f, id, (size_t)len, dbg, sizeof(dbg));
	assert_int_equal(elf_fixture_sh("mkdir -p \"$(dirname '%s')\" && objcopy --only-keep-debug '%s' '%s'",
					dbg, other, dbg), 0);
	assert_int_equal(load(lib, NULL, &st), 0);
	assert_int_equal(source_of(st), ELF_SYMS_DYNSYM);
	elf_symtab_free(st);
	unlink(dbg);
}

static void test_crc32(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	uint32_t crc = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/crc", f->dir);
	assert_int_equal(elf_fixture_write(path, "123456789", 9), 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(debug_file_crc32(fd, &crc), 0);
	close(fd);
	assert_int_equal(crc, 0xcbf43926u); /* the CRC-32 check value */
}

static void test_not_elf(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	struct elf_symtab *st = (void *)1;

	snprintf(path, sizeof(path), "%s/text", f->dir);
	assert_int_equal(elf_fixture_write(path, "hello, world\n", 13), 0);
	assert_int_equal(load(path, NULL, &st), -EINVAL);
	assert_null(st);
	assert_int_equal(elf_fixture_write(path, "", 0), 0);
	assert_int_equal(load(path, NULL, &st), -EINVAL);
	/* An object file is ELF but not something a process maps. */
	assert_int_equal(elf_fixture_sh("gcc -c -o '%s' '%s/libfix.so.c'", path, f->dir), 0);
	assert_int_equal(load(path, NULL, &st), -EINVAL);
}

static int load_bytes(struct fixture *f, const unsigned char *data, size_t len)
{
	char path[PATH_MAX + 16];
	struct elf_symtab *st = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/corrupt.so", f->dir);
	assert_int_equal(elf_fixture_write(path, data, len), 0);
	ret = load(path, NULL, &st);
	if (ret == 0) {
		/* Whatever was loaded must be usable without crashing. */
		for (uint64_t a = 0; a < 0x4000; a += 7)
			elf_symtab_lookup(st, a, NULL);
		elf_symtab_free(st);
	}
	return ret;
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	unsigned char *data;
	size_t len;

	assert_int_equal(elf_fixture_read(f->full, &data, &len), 0);
	/* Section headers are at the end: any truncation loses some. */
	const size_t cuts[] = { 0, 1, 4, 16, 52, 63, 64, 100, 512, len / 4, len / 2, len - 64, len - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		assert_int_equal(load_bytes(f, data, cuts[i]), -EINVAL);
	free(data);
}

static void test_garbage_section_headers(void **state)
{
	struct fixture *f = *state;
	unsigned char *data, *copy;
	uint64_t shoff;
	size_t len;

	assert_int_equal(elf_fixture_read(f->full, &data, &len), 0);
	copy = malloc(len);
	memcpy(&shoff, data + 0x28, sizeof(shoff)); /* e_shoff, ELF64 */
	assert_true(shoff < len);
	srand(1);
	for (int round = 0; round < 20; round++) {
		memcpy(copy, data, len);
		for (size_t i = shoff; i < len; i++)
			copy[i] = (unsigned char)rand();
		assert_int_equal(load_bytes(f, copy, len), -EINVAL);
	}
	/* e_shoff beyond the end of the file. */
	memcpy(copy, data, len);
	shoff = (uint64_t)len * 4;
	memcpy(copy + 0x28, &shoff, sizeof(shoff));
	assert_int_equal(load_bytes(f, copy, len), -EINVAL);
	/* A huge section count. */
	memcpy(copy, data, len);
	copy[0x3c] = 0xff;
	copy[0x3d] = 0xfe;
	assert_int_equal(load_bytes(f, copy, len), -EINVAL);
	free(copy);
	free(data);
}

static void test_random_corruption_no_crash(void **state)
{
	struct fixture *f = *state;
	unsigned char *data, *copy;
	size_t len;

	assert_int_equal(elf_fixture_read(f->full, &data, &len), 0);
	copy = malloc(len);
	srand(7);
	/* Flip bytes anywhere: the result may load or fail, but never crash
	 * (the sanitizer build makes out-of-bounds reads fatal). */
	for (int round = 0; round < 150; round++) {
		memcpy(copy, data, len);
		for (int k = 0; k < 1 + round % 8; k++) {
			size_t pos = (size_t)rand() % (round % 3 == 0 ? 256 : len);

			copy[pos] = (unsigned char)rand();
		}
		int ret = load_bytes(f, copy, len);

		assert_true(ret == 0 || ret == -EINVAL || ret == -EFBIG);
	}
	free(copy);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symtab_lookup),
		cmocka_unit_test(test_file_to_vaddr),
		cmocka_unit_test(test_dynsym_only),
		cmocka_unit_test(test_debuglink_same_dir),
		cmocka_unit_test(test_debuglink_dot_debug_dir),
		cmocka_unit_test(test_debuglink_debug_root),
		cmocka_unit_test(test_debuglink_bad_crc),
		cmocka_unit_test(test_build_id_lookup),
		cmocka_unit_test(test_build_id_mismatch),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_table_cap),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage_section_headers),
		cmocka_unit_test(test_random_corruption_no_crash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
