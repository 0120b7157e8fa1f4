// SPDX-License-Identifier: GPL-2.0
/* Function symbols of an ELF file, through libelf.
 *
 * The file comes from another process and may be anything: every count and
 * index read from it is checked before use, and libelf is used with
 * ELF_C_READ (pread on demand, elf_file.h) rather than mmap, so that a file
 * truncated under us yields a read error instead of SIGBUS.
 */
#include "symbolize/elf_symtab.h"

#include "symbolize/debug_file.h"
#include "symbolize/elf_file.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Limits that no real file reaches (libjvm.so has ~100k symbols) but that
 * bound the memory a hostile file can make us allocate. */
#define MAX_SYMBOLS (8u << 20)
#define MAX_SECTIONS (1u << 20)
#define MAX_SEGMENTS 4096
#define MAX_NAMES_BYTES (256u << 20)
#define MAX_NAME_LEN 4096

struct elf_sym {
	uint64_t start, size;
	uint32_t name;  /* offset into names */
	uint8_t rank;   /* lower wins among aliases at one address */
};

struct segment {
	uint64_t offset, vaddr, filesz, memsz;
};

struct elf_symtab {
	struct elf_sym *syms;
	size_t count, cap;
	char *names;
	size_t names_len, names_cap;
	struct segment *segs;
	size_t nsegs;
	enum elf_syms_source source;
	uint8_t build_id[ELF_BUILD_ID_MAX];
	size_t build_id_len;
	/* While loading: symbol and string table bytes read, the cap, and
	 * the bytes of the first tables the cap refused. */
	uint64_t read_bytes, read_max, refused;
};

size_t elf_symtab_memory(const struct elf_symtab *st)
{
	return st ? sizeof(*st) + st->cap * sizeof(*st->syms) + st->names_cap +
			    st->nsegs * sizeof(*st->segs)
		  : 0;
}

static int symtab_add(struct elf_symtab *st, uint64_t start, uint64_t size, const char *name,
		      uint8_t rank)
{
	size_t len = strnlen(name, MAX_NAME_LEN + 1);
	const char *at = memchr(name, '@', len);

	/* "clock_gettime@@GLIBC_2.17": the version says nothing in a profile. */
	if (at && at > name)
		len = (size_t)(at - name);
	if (len == 0 || len > MAX_NAME_LEN)
		return 0;
	if (st->count >= MAX_SYMBOLS || st->names_len + len + 1 > MAX_NAMES_BYTES)
		return -EFBIG;
	if (st->count == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 1024;
		struct elf_sym *n = realloc(st->syms, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		st->syms = n;
		st->cap = ncap;
	}
	if (st->names_len + len + 1 > st->names_cap) {
		size_t ncap = st->names_cap ? st->names_cap : 16384;
		char *n;

		while (ncap < st->names_len + len + 1)
			ncap *= 2;
		n = realloc(st->names, ncap);
		if (!n)
			return -ENOMEM;
		st->names = n;
		st->names_cap = ncap;
	}
	memcpy(st->names + st->names_len, name, len);
	st->names[st->names_len + len] = '\0';
	st->syms[st->count].start = start;
	st->syms[st->count].size = size;
	st->syms[st->count].name = (uint32_t)st->names_len;
	st->syms[st->count].rank = rank;
	st->count++;
	st->names_len += len + 1;
	return 0;
}

/* Which sections hold code; NOTYPE symbols count only there. */
static int exec_sections(Elf *elf, bool **out, size_t *count)
{
	size_t shnum = 0;
	bool *exec;
	Elf_Scn *scn = NULL;

	*out = NULL;
	*count = 0;
	if (elf_getshdrnum(elf, &shnum) < 0 || shnum > MAX_SECTIONS)
		return -EINVAL;
	exec = calloc(shnum ? shnum : 1, sizeof(*exec));
	if (!exec)
		return -ENOMEM;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		size_t idx = elf_ndxscn(scn);

		if (idx < shnum && gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_EXECINSTR))
			exec[idx] = true;
	}
	*out = exec;
	*count = shnum;
	return 0;
}

static bool sym_wanted(const GElf_Sym *sym, const bool *exec, size_t nexec, uint8_t *rank)
{
	int type = GELF_ST_TYPE(sym->st_info), bind = GELF_ST_BIND(sym->st_info);

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE || sym->st_value == 0)
		return false;
	if (type == STT_NOTYPE) {
		/* Assembly routines are often untyped; size 0 ones are labels. */
		if (sym->st_size == 0 || sym->st_shndx >= nexec || !exec[sym->st_shndx])
			return false;
	} else if (type != STT_FUNC && type != STT_GNU_IFUNC) {
		return false;
	}
	/* Prefer typed, global, sized symbols among aliases. */
	*rank = (uint8_t)((type == STT_NOTYPE) << 2 | (bind == STB_LOCAL) << 1 | (sym->st_size == 0));
	return true;
}

/* Bytes that reading every section of type sh_type and its string table
 * costs: libelf holds both in memory until elf_end. */
static uint64_t symbols_bytes(Elf *elf, GElf_Word sh_type)
{
	Elf_Scn *scn = NULL;
	uint64_t n = 0;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr, link;
		Elf_Scn *strs;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != sh_type)
			continue;
		n += shdr.sh_size;
		strs = elf_getscn(elf, shdr.sh_link);
		if (strs && gelf_getshdr(strs, &link) && link.sh_type == SHT_STRTAB)
			n += link.sh_size;
	}
	return n;
}

/* Add the symbols of every section of type sh_type; none, and the bytes
 * noted in st->refused, if reading them would take the load over its cap
 * (the caller falls back to smaller tables). */
static int symbols_load(struct elf_symtab *st, Elf *elf, GElf_Word sh_type)
{
	Elf_Scn *scn = NULL;
	bool *exec = NULL;
	size_t nexec = 0;
	int ret;

	if (st->read_max) {
		uint64_t bytes = symbols_bytes(elf, sh_type);

		if (bytes > st->read_max - st->read_bytes) {
			if (!st->refused)
				st->refused = bytes;
			return 0;
		}
		st->read_bytes += bytes;
	}
	ret = exec_sections(elf, &exec, &nexec);
	if (ret < 0)
		return ret;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		Elf_Data *data;
		size_t n, entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != sh_type)
			continue;
		data = elf_file_section_data(scn);
		if (!data || entsize == 0)
			continue;
		n = data->d_size / entsize;
		if (n > INT32_MAX) {
			ret = -EINVAL;
			goto cleanup;
		}
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			const char *name;
			uint8_t rank;

			if (!gelf_getsym(data, (int)i, &sym) || !sym_wanted(&sym, exec, nexec, &rank))
				continue;
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (!name)
				continue;
			ret = symtab_add(st, sym.st_value, sym.st_size, name, rank);
			if (ret < 0)
				goto cleanup;
		}
	}
	ret = 0;
cleanup:
	free(exec);
	return ret;
}

static int segments_load(struct elf_symtab *st, Elf *elf)
{
	size_t phnum = 0;

	if (elf_getphdrnum(elf, &phnum) < 0 || phnum == 0 || phnum > MAX_SEGMENTS)
		return -EINVAL;
	st->segs = calloc(phnum, sizeof(*st->segs));
	if (!st->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf, (int)i, &phdr))
			return -EINVAL;
		if (phdr.p_type != PT_LOAD)
			continue;
		if (phdr.p_offset + phdr.p_filesz < phdr.p_offset ||
		    phdr.p_vaddr + phdr.p_memsz < phdr.p_vaddr || phdr.p_filesz > phdr.p_memsz)
			return -EINVAL;
		st->segs[st->nsegs].offset = phdr.p_offset;
		st->segs[st->nsegs].vaddr = phdr.p_vaddr;
		st->segs[st->nsegs].filesz = phdr.p_filesz;
		st->segs[st->nsegs].memsz = phdr.p_memsz;
		st->nsegs++;
	}
	return st->nsegs ? 0 : -EINVAL;
}

static int sym_compare(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static void symbols_sort(struct elf_symtab *st)
{
	size_t kept = 0;

	if (st->count == 0)
		return;
	qsort(st->syms, st->count, sizeof(*st->syms), sym_compare);
	/* One symbol per address: aliases (malloc / __libc_malloc) would only
	 * make the lookup ambiguous. */
	for (size_t i = 0; i < st->count; i++) {
		if (kept && st->syms[kept - 1].start == st->syms[i].start)
			continue;
		st->syms[kept++] = st->syms[i];
	}
	st->count = kept;
}

/* Symbols from a separate debug file, when the file has no .symtab. */
static int debug_symbols_load(struct elf_symtab *st, Elf *elf, pid_t pid, const char *path)
{
	enum debug_file_via via;
	Elf *dbg = NULL;
	int fd, ret = 0;

	fd = debug_file_open(elf, pid, path, &via);
	if (fd < 0)
		return 0;
	dbg = elf_file_open(fd, NULL);
	if (!dbg)
		goto cleanup;
	ret = symbols_load(st, dbg, SHT_SYMTAB);
	if (ret == 0 && st->count)
		st->source = via == DEBUG_FILE_BUILD_ID ? ELF_SYMS_DEBUG_BUILD_ID : ELF_SYMS_DEBUG_LINK;
cleanup:
	if (dbg)
		elf_end(dbg);
	close(fd);
	return ret;
}

int elf_symtab_read_build_id(int fd, uint8_t *buf, size_t cap)
{
	Elf *elf = elf_file_open(fd, NULL);
	int ret;

	if (!elf)
		return -EINVAL;
	ret = debug_file_build_id(elf, buf, cap);
	elf_end(elf);
	return ret;
}

int elf_symtab_load(int fd, pid_t pid, const char *path, uint64_t max_bytes, uint64_t *refused,
		    struct elf_symtab **out)
{
	struct elf_symtab *st = NULL;
	Elf *elf;
	int ret;

	*out = NULL;
	if (refused)
		*refused = 0;
	elf = elf_file_open(fd, NULL);
	if (!elf)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		ret = -ENOMEM;
		goto cleanup;
	}
	st->read_max = max_bytes;
	ret = segments_load(st, elf);
	if (ret < 0)
		goto cleanup;
	ret = debug_file_build_id(elf, st->build_id, sizeof(st->build_id));
	st->build_id_len = ret > 0 ? (size_t)ret : 0;

	ret = symbols_load(st, elf, SHT_SYMTAB);
	if (ret < 0)
		goto cleanup;
	if (st->count) {
		st->source = ELF_SYMS_SYMTAB;
	} else {
		ret = debug_symbols_load(st, elf, pid, path);
		if (ret < 0)
			goto cleanup;
	}
	if (!st->count) {
		ret = symbols_load(st, elf, SHT_DYNSYM);
		if (ret < 0)
			goto cleanup;
		st->source = st->count ? ELF_SYMS_DYNSYM : ELF_SYMS_NONE;
	}
	if (refused)
		*refused = st->refused;
	/* Refused and nothing smaller to fall back on. */
	if (!st->count && st->refused) {
		ret = -EFBIG;
		goto cleanup;
	}
	symbols_sort(st);
	*out = st;
	st = NULL;
	ret = 0;
cleanup:
	elf_symtab_free(st);
	elf_end(elf);
	return ret;
}

int elf_symtab_file_to_vaddr(const struct elf_symtab *st, uint64_t file_off, uint64_t *vaddr)
{
	for (size_t i = 0; i < st->nsegs; i++) {
		const struct segment *s = &st->segs[i];

		if (file_off >= s->offset && file_off - s->offset < s->filesz) {
			*vaddr = file_off - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

/* End of the loadable segment containing vaddr (bounds size-0 symbols). */
static uint64_t segment_end(const struct elf_symtab *st, uint64_t vaddr)
{
	for (size_t i = 0; i < st->nsegs; i++) {
		const struct segment *s = &st->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz)
			return s->vaddr + s->memsz;
	}
	return vaddr;
}

const char *elf_symtab_lookup(const struct elf_symtab *st, uint64_t vaddr, uint64_t *offset)
{
	const struct elf_sym *sym;
	size_t lo = 0, hi;
	uint64_t end;

	if (!st)
		return NULL;
	hi = st->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	sym = &st->syms[lo - 1];
	if (sym->size)
		end = sym->start + sym->size;
	else if (lo < st->count)
		end = st->syms[lo].start;
	else
		end = segment_end(st, sym->start);
	if (vaddr >= end)
		return NULL;
	if (offset)
		*offset = vaddr - sym->start;
	return st->names + sym->name;
}

void elf_symtab_info(const struct elf_symtab *st, struct elf_symtab_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!st)
		return;
	out->symbols = st->count;
	out->source = st->source;
	memcpy(out->build_id, st->build_id, st->build_id_len);
	out->build_id_len = st->build_id_len;
}

void elf_symtab_free(struct elf_symtab *st)
{
	if (!st)
		return;
	free(st->syms);
	free(st->names);
	free(st->segs);
	free(st);
}
