/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The .eh_frame unwinder: native code without frame pointers (libc,
 * ld-linux) unwound by the rows user space loads (bpf/abi.h,
 * agent/collect/cfi_maps.c), frame records where a frame has no row. Part of
 * bpf/ustack.bpf.h, which includes it after bpf/unwind_fp.bpf.h. */
#ifndef TMPROF_BPF_UNWIND_CFI_BPF_H
#define TMPROF_BPF_UNWIND_CFI_BPF_H

/* Native code without frame pointers, unwound with its .eh_frame rows
 * (bpf/abi.h; user space loads them, agent/collect/cfi_maps.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CFI_MAX_ROWS);
	__type(key, __u32);
	__type(value, struct cfi_row);
} cfi_rows SEC(".maps");

/* Per target (key: tgid): its mappings that have rows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CFI_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct cfi_proc);
} cfi_procs SEC(".maps");

#define CFI_STEP_NONE 0 /* no rule for pc: use another way */
#define CFI_STEP_OK 1   /* (pc, sp, fp) now the caller's */
#define CFI_STEP_STOP 2 /* a rule, but the caller could not be read */
#define CFI_STEP_END 3  /* pc is in the outermost frame (clone3) */

/* The row for pc, if one of p's mappings has rows for it. A return address
 * (not leaf) is looked up one byte back: it may follow a call that ends
 * its function. */
static __always_inline bool cfi_find(const struct cfi_proc *p, __u64 pc, bool leaf,
				     struct cfi_row *out)
{
	__u32 lo = 0, hi = 0, mid;
	__u64 a = 0;
	struct cfi_row *row;
	bool found = false;

	for (int i = 0; i < CFI_MAX_MAPPINGS; i++) {
		if (i >= p->n)
			break;
		if (pc >= p->m[i].start && pc < p->m[i].end) {
			a = pc - p->m[i].bias - (leaf ? 0 : 1);
			lo = p->m[i].first_row;
			hi = lo + p->m[i].nrows;
			found = true;
			break;
		}
	}
	if (!found || a > 0xffffffffULL || hi <= lo)
		return false;
	row = bpf_map_lookup_elem(&cfi_rows, &lo);
	if (!row || row->addr > a)
		return false;
	for (int k = 0; k < CFI_SEARCH_STEPS; k++) {
		if (hi - lo <= 1)
			break;
		mid = lo + (hi - lo) / 2;
		row = bpf_map_lookup_elem(&cfi_rows, &mid);
		if (!row)
			return false;
		if (row->addr <= a)
			lo = mid;
		else
			hi = mid;
	}
	if (hi - lo != 1)
		return false;
	row = bpf_map_lookup_elem(&cfi_rows, &lo);
	if (!row)
		return false;
	*out = *row;
	return true;
}

/* One frame by its row: CFA from rsp or rbp, the return address at
 * CFA - 8, rbp restored if the frame saved it, sp = CFA. *record: where the
 * [word, return address] pair below the CFA is (an anchor). */
static __always_inline int cfi_unwind(const struct cfi_proc *p, __u64 *pc, __u64 *sp, __u64 *fp,
				      bool leaf, __u64 *record)
{
	struct cfi_row r;
	__u64 cfa, ra = 0, bp = 0;
	__u8 kind;

	if (!cfi_find(p, *pc, leaf, &r))
		return CFI_STEP_NONE;
	kind = r.flags & CFI_KIND_MASK;
	if (kind == CFI_END)
		return CFI_STEP_END;
	if (kind == CFI_CFA_RSP)
		cfa = *sp + r.cfa_off;
	else if (kind == CFI_CFA_RBP)
		cfa = *fp + r.cfa_off;
	else
		return CFI_STEP_NONE;
	if (cfa <= *sp || cfa - *sp > STACK_RANGE)
		return CFI_STEP_STOP;
	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)(cfa - 8)) || !ra)
		return CFI_STEP_STOP;
	if (r.flags & CFI_RBP_SAVED) {
		if (bpf_probe_read_user(&bp, sizeof(bp), (void *)(cfa + (__s64)r.rbp_off * 8)))
			return CFI_STEP_STOP;
		*fp = bp;
	}
	*record = cfa - 16;
	*pc = ra;
	*sp = cfa;
	return CFI_STEP_OK;
}

/* The frame-pointer walk with rows: each frame is unwound by its row if
 * it has one, else by its frame pointer. For targets with rows whose leaf
 * has one; state in a map value, one frame per bpf_loop call. */
struct cfi_walk {
	struct cfi_proc proc;
	__u64 pc, sp, fp;
	__u64 first_record;
	__u32 depth, leaf;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cfi_walk);
} cfi_walk_scratch SEC(".maps");

static long cfi_walk_step(__u64 i, void *unused)
{
	__u32 zero = 0;
	struct cfi_walk *w = bpf_map_lookup_elem(&cfi_walk_scratch, &zero);
	struct user_stack *st = bpf_map_lookup_elem(&ustack_scratch, &zero);
	__u64 pc, rec[2] = {}, record = 0;
	int rc;

	if (!w || !st || w->depth >= TMPROF_MAX_STACK_DEPTH - 1 || !w->pc)
		return 1;
	pc = w->pc;
	rc = cfi_unwind(&w->proc, &w->pc, &w->sp, &w->fp, w->leaf, &record);
	/* The outermost frame (clone3) is left out, as the frame-pointer
	 * walk leaves it out: stacks end at start_thread either way. */
	if (rc == CFI_STEP_END && !w->leaf)
		return 1;
	w->leaf = 0;
	st->ips[w->depth & (USTACK_SLOTS - 1)] = pc;
	w->depth++;
	if (rc == CFI_STEP_OK) {
		if (!w->first_record)
			w->first_record = record;
		return 0;
	}
	if (rc != CFI_STEP_NONE)
		return 1;
	/* No row: a frame record at fp, above sp. */
	if (w->fp < w->sp || w->fp - w->sp > STACK_RANGE ||
	    bpf_probe_read_user(rec, sizeof(rec), (void *)w->fp) || !rec[1])
		return 1;
	if (!w->first_record)
		w->first_record = w->fp;
	w->pc = rec[1];
	w->sp = w->fp + 16;
	w->fp = rec[0];
	return 0;
}

/* The walk from the registers in anchor (ip, sp, fp), if the leaf has a
 * row: *depth frames in ustack_scratch, anchor->fp the first frame record
 * read. False, nothing changed: no rows for the leaf, walk otherwise. */
static __always_inline bool cfi_user_stack(struct ustack_anchor *anchor, __u32 *depth)
{
	__u32 zero = 0;
	struct cfi_walk *cw = bpf_map_lookup_elem(&cfi_walk_scratch, &zero);
	struct cfi_proc *p = bpf_map_lookup_elem(&cfi_procs,
						 &(__u32){ bpf_get_current_pid_tgid() >> 32 });
	struct cfi_row row;

	if (!cw || !p || !cfi_find(p, anchor->ip, true, &row) ||
	    (row.flags & CFI_KIND_MASK) == CFI_UNKNOWN)
		return false;
	__builtin_memcpy(&cw->proc, p, sizeof(cw->proc));
	cw->pc = anchor->ip;
	cw->sp = anchor->sp;
	cw->fp = anchor->fp;
	cw->first_record = 0;
	cw->depth = 0;
	cw->leaf = 1;
	bpf_loop(TMPROF_MAX_STACK_DEPTH, cfi_walk_step, NULL, 0);
	*depth = cw->depth;
	anchor->fp = cw->first_record;
	return true;
}

#endif
