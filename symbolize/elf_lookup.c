// SPDX-License-Identifier: GPL-2.0
#include "symbolize/elf_lookup.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "symbolize/debug_file.h"
#include "symbolize/elf_file.h"

/* "name@@VERSION" and "name@VERSION" match "name". */
static bool name_matches(const char *sym, const struct elf_lookup *q)
{
	size_t n = strlen(q->name), len = strcspn(sym, "@");

	if (q->prefix)
		return len >= n && !strncmp(sym, q->name, n);
	return len == n && !strncmp(sym, q->name, n);
}

/* Is vaddr loaded (file-backed or .bss)? *off gets its file offset, or 0
 * when it lies past the file-backed part (.bss). */
static bool vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t phnum = 0;

	if (elf_getphdrnum(elf, &phnum) < 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_memsz) {
			*off = vaddr - ph.p_vaddr < ph.p_filesz ? vaddr - ph.p_vaddr + ph.p_offset : 0;
			return true;
		}
	}
	return false;
}

static uint64_t load_vaddr(Elf *elf)
{
	size_t phnum = 0;

	if (elf_getphdrnum(elf, &phnum) < 0)
		return 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_offset == 0)
			return ph.p_vaddr;
	}
	return 0;
}

/* Scan one symbol section; vaddr_elf translates (the debug file has the same
 * addresses but its own, partly NOBITS, sections). */
static int scan_section(Elf *elf, Elf_Scn *scn, Elf *vaddr_elf, struct elf_lookup *q, size_t n)
{
	GElf_Shdr sh;
	Elf_Data *data;
	size_t count, found = 0;

	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	data = elf_file_section_data(scn);
	if (!data)
		return 0;
	count = data->d_size / sh.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (q[k].found || !name_matches(name, &q[k]))
				continue;
			if (!vaddr_to_offset(vaddr_elf, sym.st_value, &q[k].file_offset))
				continue;
			q[k].found = true;
			q[k].vaddr = sym.st_value;
			q[k].size = sym.st_size;
			found++;
		}
	}
	return (int)found;
}

static int scan_elf(Elf *elf, Elf *vaddr_elf, struct elf_lookup *q, size_t n, bool *has_symtab)
{
	Elf_Scn *scn = NULL;
	int found = 0;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			*has_symtab = true;
		found += scan_section(elf, scn, vaddr_elf, q, n);
	}
	return found;
}

int elf_lookup_symbols(int fd, pid_t pid, const char *path, struct elf_lookup *q, size_t n,
		       struct elf_lookup_info *info)
{
	Elf *elf = NULL, *dbg = NULL;
	bool symtab = false, dbg_symtab = false;
	int dfd = -1, found, more;

	for (size_t k = 0; k < n; k++)
		q[k].found = false;
	/* Not mmap: the target may truncate the file under us (elf_file.h). */
	elf = elf_file_open(fd, NULL);
	if (!elf) {
		found = -EINVAL;
		goto cleanup;
	}
	if (info)
		info->load_vaddr = load_vaddr(elf);
	found = scan_elf(elf, elf, q, n, &symtab);
	if (found < 0 || (size_t)found == n || symtab || !path)
		goto cleanup;
	/* Stripped: local symbols may be in the debug file. */
	dfd = debug_file_open(elf, pid, path, NULL);
	if (dfd < 0)
		goto cleanup;
	dbg = elf_file_open(dfd, NULL);
	if (dbg) {
		more = scan_elf(dbg, elf, q, n, &dbg_symtab);
		if (more > 0)
			found += more;
		symtab = dbg_symtab;
	}
cleanup:
	if (info)
		info->has_symtab = symtab;
	if (dbg)
		elf_end(dbg);
	if (dfd >= 0)
		close(dfd);
	if (elf)
		elf_end(elf);
	return found;
}
