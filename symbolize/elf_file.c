// SPDX-License-Identifier: GPL-2.0
#include "symbolize/elf_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECTIONS (1u << 20)
#define MAX_SEGMENTS 4096

/* Reject section headers that point outside the file or at sections that
 * do not exist. libelf checks much of this lazily; checking it up front
 * turns a corrupted file into one clear failure instead of a partial load. */
static bool sections_valid(Elf *elf, const GElf_Ehdr *ehdr, uint64_t file_size)
{
	size_t shnum = 0, shstrndx = 0, phnum = 0;
	size_t shdr_size = gelf_fsize(elf, ELF_T_SHDR, 1, EV_CURRENT);
	size_t phdr_size = gelf_fsize(elf, ELF_T_PHDR, 1, EV_CURRENT);
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(elf, &shnum) < 0 || shnum > MAX_SECTIONS ||
	    elf_getphdrnum(elf, &phnum) < 0 || phnum > MAX_SEGMENTS)
		return false;
	/* The header tables themselves must lie inside the file (a truncated
	 * file otherwise just looks like one without sections). */
	if (ehdr->e_phoff > file_size || (uint64_t)phnum * phdr_size > file_size - ehdr->e_phoff)
		return false;
	if (ehdr->e_shoff == 0)
		return shnum == 0;
	/* libelf reports no sections when it cannot read the table. */
	if (shnum == 0 || ehdr->e_shoff > file_size ||
	    (uint64_t)shnum * shdr_size > file_size - ehdr->e_shoff)
		return false;
	if (elf_getshdrstrndx(elf, &shstrndx) < 0 || shstrndx >= shnum)
		return false;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr))
			return false;
		if (shdr.sh_link >= shnum)
			return false;
		if (shdr.sh_type == SHT_NOBITS || shdr.sh_type == SHT_NULL)
			continue;
		if (shdr.sh_offset > file_size || shdr.sh_size > file_size - shdr.sh_offset)
			return false;
	}
	return true;
}

Elf *elf_file_open(int fd, uint64_t *size)
{
	Elf *elf;
	GElf_Ehdr ehdr;
	struct stat sb;

	if (elf_version(EV_CURRENT) == EV_NONE || fstat(fd, &sb) < 0 || sb.st_size < 0 ||
	    !S_ISREG(sb.st_mode))
		return NULL;
	/* ELF_C_READ, never ELF_C_READ_MMAP: see the header. */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return NULL;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr) ||
	    (ehdr.e_type != ET_DYN && ehdr.e_type != ET_EXEC) ||
	    !sections_valid(elf, &ehdr, (uint64_t)sb.st_size)) {
		elf_end(elf);
		return NULL;
	}
	if (size)
		*size = (uint64_t)sb.st_size;
	return elf;
}

static Elf *checked(Elf *elf, uint64_t size)
{
	GElf_Ehdr ehdr;

	if (!elf)
		return NULL;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr) ||
	    (ehdr.e_type != ET_DYN && ehdr.e_type != ET_EXEC) || !sections_valid(elf, &ehdr, size)) {
		elf_end(elf);
		return NULL;
	}
	return elf;
}

Elf *elf_file_open_copy(int fd, size_t max_bytes, void **buf, uint64_t *size)
{
	struct stat sb;
	size_t len, got = 0;
	char *copy;
	Elf *elf;

	*buf = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size <= 0 || (uint64_t)sb.st_size > max_bytes)
		return NULL;
	len = (size_t)sb.st_size;
	copy = malloc(len);
	if (!copy)
		return NULL;
	/* The file may shrink meanwhile: what was read is the file. */
	while (got < len) {
		ssize_t n = pread(fd, copy + got, len - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	elf = checked(elf_memory(copy, got), got);
	if (!elf) {
		free(copy);
		return NULL;
	}
	*buf = copy;
	if (size)
		*size = got;
	return elf;
}

Elf_Data *elf_file_section_data(Elf_Scn *scn)
{
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh) || sh.sh_size > ELF_FILE_MAX_SECTION)
		return NULL;
	return elf_getdata(scn, NULL);
}
