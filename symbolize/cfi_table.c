// SPDX-License-Identifier: GPL-2.0
#include "symbolize/cfi_table.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/elf_file.h"

#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* A register rule "at CFA + off" in libdw's form: DW_OP_call_frame_cfa
 * followed by nothing, plus_uconst N (N may be a wrapped negative), or
 * consts N; plus. Anything else (val_offset, expressions) is not. */
static bool at_cfa_offset(const Dwarf_Op *ops, size_t n, int64_t *off)
{
	if (!ops || n == 0 || ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (n == 1) {
		*off = 0;
		return true;
	}
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	if (n == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
	    ops[2].atom == DW_OP_plus) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	return false;
}

/* The row for one libdw frame state. */
static struct cfi_row row_of(Dwarf_Frame *frame, uint64_t addr, bool signal)
{
	struct cfi_row r = { .addr = (__u32)addr, .flags = CFI_UNKNOWN };
	Dwarf_Op mem[3], *ops = NULL;
	size_t n = 0;
	int64_t off = 0, ra_off = 0, bp_off = 0;
	int reg = -1;

	if (signal)
		return r;
	/* The return address first: undefined marks the outermost frame
	 * (clone3, _start), whatever the CFA. */
	if (dwarf_frame_register(frame, REG_RA, mem, &ops, &n))
		return r;
	if (n == 0 && ops == mem) {
		r.flags = CFI_END;
		return r;
	}
	if (!at_cfa_offset(ops, n, &ra_off) || ra_off != -8)
		return r;
	if (dwarf_frame_cfa(frame, &ops, &n) || n != 1)
		return r;
	if (ops[0].atom == DW_OP_bregx) {
		reg = (int)ops[0].number;
		off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		off = (int64_t)ops[0].number;
	}
	if ((reg != REG_RSP && reg != REG_RBP) || off < INT16_MIN || off > INT16_MAX)
		return r;
	if (dwarf_frame_register(frame, REG_RBP, mem, &ops, &n))
		return r;
	/* rbp is callee-saved: "same value" and "undefined" (nothing said)
	 * both leave the caller's in the register. */
	if (n != 0) {
		if (!at_cfa_offset(ops, n, &bp_off) || (bp_off & 7) || bp_off / 8 < INT8_MIN ||
		    bp_off / 8 > INT8_MAX)
			return r;
		r.flags |= CFI_RBP_SAVED;
		r.rbp_off = (__s8)(bp_off / 8);
	}
	r.cfa_off = (__s16)off;
	r.flags |= reg == REG_RSP ? CFI_CFA_RSP : CFI_CFA_RBP;
	return r;
}

static bool same_rule(const struct cfi_row *a, const struct cfi_row *b)
{
	if ((a->flags & CFI_KIND_MASK) == CFI_UNKNOWN || (a->flags & CFI_KIND_MASK) == CFI_END)
		return a->flags == b->flags;
	return a->flags == b->flags && a->cfa_off == b->cfa_off && a->rbp_off == b->rbp_off;
}

struct builder {
	struct cfi_table *t;
	size_t cap;
	int err;
};

static void emit(struct builder *b, struct cfi_row r)
{
	if (b->err)
		return;
	if (b->t->n) {
		struct cfi_row *last = &b->t->rows[b->t->n - 1];

		if (last->addr == r.addr) { /* a later rule for the same start wins */
			*last = r;
			if (b->t->n > 1 && same_rule(&b->t->rows[b->t->n - 2], last))
				b->t->n--;
			return;
		}
		if (same_rule(last, &r))
			return;
	}
	if (b->t->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		struct cfi_row *g;

		if (cap > CFI_MAX_ROWS)
			cap = CFI_MAX_ROWS;
		if (b->t->n == cap) {
			b->err = -E2BIG;
			return;
		}
		g = realloc(b->t->rows, cap * sizeof(*g));
		if (!g) {
			b->err = -ENOMEM;
			return;
		}
		b->t->rows = g;
		b->cap = cap;
	}
	b->t->rows[b->t->n++] = r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static const struct cfi_seg *seg_of(const struct cfi_table *t, uint64_t addr)
{
	for (size_t i = 0; i < t->nsegs; i++)
		if (addr >= t->segs[i].vaddr && addr - t->segs[i].vaddr < t->segs[i].filesz)
			return &t->segs[i];
	return NULL;
}

static int32_t rd32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* FDE start addresses from .eh_frame_hdr's binary search table, sorted.
 * Only the encoding every linker writes is read: table datarel sdata4,
 * count udata4, eh_frame_ptr any 4-byte encoding. */
static int fde_starts(Elf *elf, uint64_t file_size, uint64_t **out, size_t *count)
{
	size_t nph;
	GElf_Phdr ph;
	bool found = false;

	if (elf_getphdrnum(elf, &nph))
		return -EINVAL;
	for (size_t i = 0; i < nph; i++) {
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_GNU_EH_FRAME) {
			found = true;
			break;
		}
	}
	if (!found || ph.p_filesz < 12)
		return -ENOTSUP;
	/* Bounded by the file: libelf would allocate whatever the header says. */
	if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset ||
	    ph.p_filesz > ELF_FILE_MAX_SECTION)
		return -EINVAL;
	Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_BYTE);
	const unsigned char *h;
	uint32_t n;
	uint64_t *starts;

	if (!d || !d->d_buf)
		return -EINVAL;
	h = d->d_buf;
	if (h[0] != 1 || (h[1] & 0x0f) != DW_EH_PE_sdata4 || h[2] != DW_EH_PE_udata4 ||
	    h[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return -ENOTSUP;
	memcpy(&n, h + 8, 4);
	if (n > (ph.p_filesz - 12) / 8)
		return -EINVAL;
	starts = malloc((n ? n : 1) * sizeof(*starts));
	if (!starts)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		starts[i] = ph.p_vaddr + (uint64_t)(int64_t)rd32(h + 12 + i * 8);
	qsort(starts, n, sizeof(*starts), cmp_u64);
	*out = starts;
	*count = n;
	return 0;
}

static int read_segs(Elf *elf, struct cfi_table *t)
{
	size_t nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return -EINVAL;
	for (size_t i = 0; i < nph && t->nsegs < CFI_TABLE_MAX_SEGS; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		t->segs[t->nsegs].vaddr = ph.p_vaddr;
		t->segs[t->nsegs].offset = ph.p_offset;
		t->segs[t->nsegs].filesz = ph.p_filesz;
		t->nsegs++;
	}
	return t->nsegs ? 0 : -ENOTSUP;
}

/* libdw reads .eh_frame whole: refuse one larger than any real library's
 * (elf_file_open() already checked that it lies inside the file). */
static int eh_frame_bounded(Elf *elf)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".eh_frame") && sh.sh_size > ELF_FILE_MAX_SECTION)
			return -E2BIG;
	}
	return 0;
}

static int build(Elf *elf, uint64_t file_size, Dwarf_CFI *cfi, struct cfi_table *t)
{
	struct builder b = { .t = t };
	uint64_t *starts = NULL;
	size_t nstarts = 0;
	int err = fde_starts(elf, file_size, &starts, &nstarts);

	if (err)
		return err;
	t->fdes = nstarts;
	for (size_t i = 0; i < nstarts && !b.err; i++) {
		const struct cfi_seg *seg = seg_of(t, starts[i]);
		uint64_t addr = starts[i], limit;

		if (!seg || (i + 1 < nstarts && starts[i + 1] == starts[i]))
			continue;
		limit = seg->vaddr + seg->filesz;
		if (i + 1 < nstarts && starts[i + 1] < limit)
			limit = starts[i + 1];
		if (addr > UINT32_MAX || limit > UINT32_MAX)
			continue;
		while (addr < limit && !b.err) {
			Dwarf_Frame *frame = NULL;
			Dwarf_Addr lo, hi;
			bool signal = false;

			if (dwarf_cfi_addrframe(cfi, addr, &frame))
				break;
			if (dwarf_frame_info(frame, &lo, &hi, &signal) < 0 || hi <= addr) {
				free(frame);
				break;
			}
			emit(&b, row_of(frame, addr, signal));
			free(frame);
			addr = hi;
		}
		/* The FDE ends before the next one starts (or is unreadable):
		 * nothing is known there. */
		if (addr < limit || i + 1 == nstarts || limit == seg->vaddr + seg->filesz)
			emit(&b, (struct cfi_row){ .addr = (__u32)(addr < limit ? addr : limit) });
	}
	free(starts);
	if (b.err)
		return b.err;
	/* The last row must end the range of the one before. */
	if (t->n && (t->rows[t->n - 1].flags & CFI_KIND_MASK) != CFI_UNKNOWN)
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++)
		if ((t->rows[i].flags & CFI_KIND_MASK) == CFI_UNKNOWN)
			t->unknown++;
	return t->n ? 0 : -ENOTSUP;
}

int cfi_table_build(int fd, struct cfi_table *out)
{
	Elf *elf;
	GElf_Ehdr eh;
	Dwarf_CFI *cfi;
	uint64_t size = 0;
	void *copy = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	/* A private copy, not a mapping: the target may truncate the file
	 * under us, and a mapping would turn that into SIGBUS (elf_file.h).
	 * Not libelf's own pread either: libdw's CFI reader leaks libelf's
	 * section buffers on some broken files in that mode (found by
	 * fuzz_elf_readers), and a truncation loop would repeat that. */
	elf = elf_file_open_copy(fd, CFI_TABLE_MAX_FILE, &copy, &size);
	if (!elf)
		return -EINVAL;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		elf_end(elf);
		free(copy);
		return -ENOTSUP;
	}
	err = read_segs(elf, out);
	if (!err)
		err = eh_frame_bounded(elf);
	cfi = err ? NULL : dwarf_getcfi_elf(elf);
	if (!err && !cfi)
		err = -ENOTSUP;
	if (!err)
		err = build(elf, size, cfi, out);
	if (cfi)
		dwarf_cfi_end(cfi);
	elf_end(elf);
	free(copy);
	if (err)
		cfi_table_free(out);
	return err;
}

void cfi_table_free(struct cfi_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

const struct cfi_row *cfi_table_find(const struct cfi_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	if (!t->n || addr < t->rows[0].addr || addr > UINT32_MAX)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &t->rows[lo];
}

int cfi_table_vaddr(const struct cfi_table *t, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < t->nsegs; i++) {
		if (off >= t->segs[i].offset && off - t->segs[i].offset < t->segs[i].filesz) {
			*vaddr = t->segs[i].vaddr + (off - t->segs[i].offset);
			return 0;
		}
	}
	return -ENOENT;
}
