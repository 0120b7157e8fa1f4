// SPDX-License-Identifier: GPL-2.0
/* Test helper: build small ELF files at test time with the system
 * toolchain (gcc, objcopy, strip, nm), in a temporary directory. */
#ifndef TMPROF_TESTS_ELF_FIXTURE_H
#define TMPROF_TESTS_ELF_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* Create a fresh temporary directory; path has room for PATH_MAX. */
int elf_fixture_tmpdir(char *path, size_t len);
/* rm -rf dir. */
void elf_fixture_rmdir(const char *dir);
/* Run a shell command built from fmt; returns its exit status (0 = ok). */
int elf_fixture_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write len bytes to path (creating or truncating it). */
int elf_fixture_write(const char *path, const void *data, size_t len);
/* Read a whole file into a malloc'd buffer. */
int elf_fixture_read(const char *path, unsigned char **data, size_t *len);

/* Write dir/name.c with the functions below and compile it into dir/name
 * with "gcc -shared -fPIC <cflags>":
 *   int fixture_alpha(int)   exported
 *   int fixture_beta(int)    exported
 *   fixture_hidden(int)      static (only in .symtab)
 * and, with cxx != 0, a C++ file with ns::Widget::run(int) instead. */
int elf_fixture_build(const char *dir, const char *name, const char *cflags, int cxx);

/* ELF virtual address of symbol in file (via nm), or -ENOENT. */
int elf_fixture_symbol(const char *file, const char *symbol, uint64_t *vaddr);

#endif
