/* User stacks for tmprof's BPF programs: the kernel's frame-pointer walk,
 * continued past frame-pointer-less libc, stored by hash. Include after
 * common.bpf.h with USTACK_ENTRIES defined; needs struct user_stack
 * (bpf/offcpu.h). */
#ifndef TMPROF_BPF_USTACK_BPF_H
#define TMPROF_BPF_USTACK_BPF_H

#include <bpf/bpf_core_read.h>
#include "bpf/offcpu.h"
#include "bpf/hotspot.h"
#include "bpf/cfi.h"

/* The includer may name counters for the HotSpot walk; without, they go
 * to index STATS_MAX, which the stats map does not have: not counted. */
#ifndef USTACK_STAT_HS_STACKS
#define USTACK_STAT_HS_STACKS STATS_MAX
#define USTACK_STAT_HS_JAVA_FRAMES STATS_MAX
#define USTACK_STAT_HS_CACHE_HIT STATS_MAX
#define USTACK_STAT_HS_CACHE_MISS STATS_MAX
#endif
/* Stacks whose native leaf was unwound with .eh_frame rows: the counter
 * right after the HotSpot ones in each stats enum (bpf/cpu_sample.h,
 * offcpu.h, alloc.h check it); past STATS_MAX when the includer names no
 * counters. */
#ifndef USTACK_STAT_CFI
#define USTACK_STAT_CFI (USTACK_STAT_HS_CACHE_MISS + 1)
#endif

/* Stacks by hash. Entries are never deleted, so a hash user space has seen
 * keeps its stack. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, USTACK_ENTRIES);
	__type(key, __u64);
	__type(value, struct user_stack);
} ustacks SEC(".maps");

/* 1 KiB per stack is more than the BPF stack holds. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct user_stack);
} ustack_scratch SEC(".maps");

#define SCAN_WORDS 64
#define STACK_RANGE (8 << 20)

/* Follow the frame-pointer chain from fp, appending return addresses. Our
 * own walk rather than bpf_get_stack: measured here it costs half as much
 * per sample, and it can start from a frame pointer we found ourselves. */
static __always_inline __u32 walk_frame_pointers(struct user_stack *st, __u32 depth, __u64 fp)
{
	for (int i = 0; i < TMPROF_MAX_STACK_DEPTH - 1 && fp; i++) {
		__u64 frame[2] = {}; /* saved fp, return address */

		if (depth >= TMPROF_MAX_STACK_DEPTH - 1)
			break;
		if (bpf_probe_read_user(frame, sizeof(frame), (void *)fp) || !frame[1])
			break;
		st->ips[depth & (USTACK_SLOTS - 1)] = frame[1];
		depth++;
		if (frame[0] <= fp) /* the chain goes up the stack, or it is not one */
			break;
		fp = frame[0];
	}
	return depth;
}

#define VM_EXEC 0x00000004 /* include/linux/mm.h */

struct vma_exec {
	bool exec;
};

static long vma_exec_cb(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	struct vma_exec *e = ctx;

	e->exec = vma->vm_flags & VM_EXEC;
	return 0;
}

/* Is addr in executable memory of the current task (a plausible return
 * address: library code or the JIT code cache)? */
static __always_inline bool is_code(__u64 addr)
{
	struct vma_exec e = {};
	long err = bpf_find_vma(bpf_get_current_task_btf(), addr, vma_exec_cb, &e, 0);

	/* -EBUSY: the mm lock is taken (the JVM maps and unmaps all the time)
	 * and cannot be waited for here. Rejecting would lose the Java frames
	 * of every wait at such moments; the two chain links already checked
	 * are the evidence then. */
	if (err == -EBUSY)
		return true;
	return !err && e.exec;
}

static __always_inline bool link_plausible(__u64 next, __u64 fp)
{
	return !(next & 15) && next > fp && next <= fp + STACK_RANGE;
}

/* Is fp a plausible frame pointer of a caller, above sp? Frames are 16-byte
 * aligned on x86-64, chain upwards, and hold a return address into code.
 * Pointers to locals (a lock, a timespec) pass the first two tests by
 * chance; the word after them is data, not code. The cheap tests go first:
 * the code test takes the mm lock. */
static __always_inline bool frame_plausible(__u64 fp, __u64 above)
{
	__u64 frame[2] = {}, next2 = 0;

	if (!fp || (fp & 15) || fp <= above || fp > above + STACK_RANGE)
		return false;
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)fp) || !frame[1] ||
	    !link_plausible(frame[0], fp))
		return false;
	if (bpf_probe_read_user(&next2, sizeof(next2), (void *)frame[0]))
		return false;
	if (next2 != 0 && !link_plausible(next2, frame[0]))
		return false;
	return is_code(frame[1]);
}

/* Threads block inside libc (futex, poll, read), which on Debian is built
 * without frame pointers and uses rbp as a plain register, so a
 * frame-pointer walk stops at the libc leaf. The caller's frame pointer was
 * saved on the stack by those libc functions: find the first word near sp
 * that chains like a frame pointer and walk on from there. The libc frames
 * themselves (and the one caller frame whose return address they hold) are
 * skipped. */
/* Where a walk started: enough to tell cheaply that a thread stopped at the
 * same place again (same leaf, same sp, same first frame record). */
struct ustack_anchor {
	__u64 ip, sp, fp;
	__u64 frame[2]; /* saved fp and return address at fp */
};

/* Locals too large for the BPF stack, which is 512 bytes for a program and
 * every call (bpf_loop callbacks included) it makes: a program that keeps
 * them there fails the verifier on one kernel or the next. One per CPU;
 * a program using it runs to the end on its CPU before another use (perf
 * event programs do not nest, sched_switch runs with interrupts off). */
struct ustack_locals {
	__u64 words[SCAN_WORDS / 4];  /* find_caller_fp's window of the stack */
	struct ustack_anchor anchor;  /* user_stack_get's, when the caller keeps none */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ustack_locals);
} ustack_locals SEC(".maps");

static __noinline __u64 find_caller_fp(__u64 sp)
{
	__u32 zero = 0;
	struct ustack_locals *l = bpf_map_lookup_elem(&ustack_locals, &zero);
	__u64 fp = 0;

	if (!l)
		return 0;
	for (int chunk = 0; chunk < 4 && !fp; chunk++) {
		__u64 base = sp + chunk * sizeof(l->words);

		if (bpf_probe_read_user(l->words, sizeof(l->words), (void *)base))
			break;
		for (int i = 0; i < SCAN_WORDS / 4; i++) {
			if (frame_plausible(l->words[i], base + i * 8)) {
				fp = l->words[i];
				break;
			}
		}
	}
	return fp;
}

static __always_inline __u32 unwind_past_libc(struct user_stack *st, __u32 depth, __u64 sp,
					      __u64 *found)
{
	*found = find_caller_fp(sp);
	return walk_frame_pointers(st, depth, *found);
}

/* Native code without frame pointers, unwound with its .eh_frame rows
 * (bpf/cfi.h; user space loads them, agent/collect/cfi_maps.c). */
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

/* HotSpot JVMs without -XX:+PreserveFramePointer: walk with
 * bpf/hotspot_unwind.h, for the targets user space gave a config. */

/* Per target JVM (key: tgid); a target without one gets the frame-pointer
 * walk above. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TMPROF_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct hotspot_cfg);
} hotspot_cfgs SEC(".maps");

struct hs_cache_key {
	__u32 tgid, pad;
	__u64 pc; /* a pc in the code cache, or a Method* (HS_BLOB_METHOD) */
};

/* What a pc's blob is, so that a return address seen before costs a map
 * lookup instead of a segment map walk and five reads of target memory
 * (each several hundred ns here). Blobs live long: an nmethod is freed only
 * after being made not entrant and swept, and LRU ageing pushes its entries
 * out; user space may also clear the map. */
#define HS_CACHE_ENTRIES 16384
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HS_CACHE_ENTRIES);
	__type(key, struct hs_cache_key);
	__type(value, struct hs_blob);
} hs_blobs SEC(".maps");

struct hs_walk;
static __always_inline int hs_blob_cached(struct hs_walk *w, const struct hotspot_cfg *cfg,
					  __u64 pc, struct hs_blob *b);
static __always_inline int hs_const_method_cached(struct hs_walk *w, const struct hotspot_cfg *cfg,
						  __u64 method, __u64 *cm);

static __always_inline struct hs_blob *hs_walk_blob(struct hs_walk *w);
#define HS_BLOB_SCRATCH(ctx) hs_walk_blob(ctx)
#define HS_READ(ctx, dst, len, addr) bpf_probe_read_user((dst), (len), (void *)(addr))
#define HS_BLOB_LOOKUP(ctx, cfg, pc, blob) hs_blob_cached((ctx), (cfg), (pc), (blob))
#define HS_CONST_METHOD(ctx, cfg, method, cm) hs_const_method_cached((ctx), (cfg), (method), (cm))
#include "bpf/hotspot_unwind.h"

/* The walk's state, in a map value rather than on the stack: the bpf_loop
 * callback finds it there, the verifier sees every value as unknown (so the
 * callback is verified once, not per depth), and the interpreter window can
 * be indexed. */
struct hs_walk {
	struct hotspot_cfg cfg;
	struct hs_frame f;
	__u64 win[HS_INTERP_WINDOW];
	__u64 first_record; /* first [saved rbp, return address] pair read: the anchor */
	__u32 depth, tgid;
	__u32 hits, misses, java, pad;
	struct cfi_proc cfi; /* the target's rows, if has_cfi */
	__u32 has_cfi, cfi_leaf;
	struct hs_blob blob; /* the step's blob, here to keep it off the BPF stack */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hs_walk);
} hs_walk_scratch SEC(".maps");


static __always_inline struct hs_blob *hs_walk_blob(struct hs_walk *w)
{
	return &w->blob;
}

static __always_inline int hs_blob_cached(struct hs_walk *w, const struct hotspot_cfg *cfg,
					  __u64 pc, struct hs_blob *b)
{
	struct hs_cache_key key = { .tgid = w->tgid, .pc = pc };
	struct hs_blob *hit = bpf_map_lookup_elem(&hs_blobs, &key);
	__u32 id = 0;

	/* An nmethod can be freed and its space reused by another compile:
	 * a cached entry is good only while the compile id at its start is
	 * the same (one 4-byte read, still far cheaper than a walk). A wrong
	 * compile id would lend the old method's name to the new code. */
	if (hit && (hit->kind != HS_BLOB_NMETHOD ||
		    (!bpf_probe_read_user(&id, sizeof(id), (void *)(hit->start + cfg->nmethod_compile_id)) &&
		     id == hit->compile_id))) {
		*b = *hit;
		w->hits++;
		return 0;
	}
	w->misses++;
	if (hs_blob_read(w, cfg, pc, b))
		return -1;
	bpf_map_update_elem(&hs_blobs, &key, b, BPF_ANY);
	return 0;
}

/* Method::_constMethod never changes for a Method: cache it with the blobs. */
static __always_inline int hs_const_method_cached(struct hs_walk *w, const struct hotspot_cfg *cfg,
						  __u64 method, __u64 *cm)
{
	struct hs_cache_key key = { .tgid = w->tgid, .pc = method };
	struct hs_blob *hit = bpf_map_lookup_elem(&hs_blobs, &key), v = {};

	if (hit && hit->kind == HS_BLOB_METHOD) {
		*cm = hit->start;
		w->hits++;
		return 0;
	}
	w->misses++;
	if (bpf_probe_read_user(cm, sizeof(*cm), (void *)(method + cfg->method_const_method)) || !*cm)
		return -1;
	v.start = *cm;
	v.kind = HS_BLOB_METHOD;
	bpf_map_update_elem(&hs_blobs, &key, &v, BPF_ANY);
	return 0;
}

/* One frame per call, from bpf_loop. */
static long hs_walk_step(__u64 i, void *unused)
{
	__u32 zero = 0;
	struct hs_walk *w = bpf_map_lookup_elem(&hs_walk_scratch, &zero);
	struct user_stack *st = bpf_map_lookup_elem(&ustack_scratch, &zero);
	__u64 word = 0;
	int rc;

	if (!w || !st || w->depth >= TMPROF_MAX_STACK_DEPTH - 1)
		return 1;
	rc = CFI_STEP_NONE;
	if (w->has_cfi && w->f.pc && !hs_in_codecache(&w->cfg, w->f.pc)) {
		word = w->f.pc;
		rc = cfi_unwind(&w->cfi, &w->f.pc, &w->f.sp, &w->f.fp, w->f.leaf, &w->f.record);
		/* Not the outermost frame (clone3): as the frame-pointer
		 * walk, stacks end at start_thread. */
		if (rc == CFI_STEP_END && !w->f.leaf)
			return 1;
		if ((rc == CFI_STEP_OK || rc == CFI_STEP_END) && w->f.leaf)
			w->cfi_leaf = 1;
	}
	if (rc != CFI_STEP_NONE) {
		w->f.leaf = 0;
		w->f.bcp = 0;
		rc = rc == CFI_STEP_OK ? HS_STEP_NEXT : HS_STEP_LAST;
	} else {
		rc = hs_unwind_step(w, &w->cfg, &w->f, w->win, &word);
	}
	if (rc == HS_STEP_FAIL)
		return 1;
	st->ips[w->depth & (USTACK_SLOTS - 1)] = word;
	w->depth++;
	if (hs_frame_is_java(word))
		w->java++;
	if (!w->first_record)
		w->first_record = w->f.record;
	return rc == HS_STEP_NEXT ? 0 : 1;
}

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v;

	if (!n)
		return;
	v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		*v += n;
}

/* The user stack of the current task into st (ips[0] already holds the
 * pc); returns the depth and sets the anchor. */
static __always_inline __u32 hs_user_stack(struct user_stack *st, const struct hotspot_cfg *cfg,
					   struct pt_regs *regs, bool at_entry, __u32 stat_recovered,
					   struct ustack_anchor *anchor)
{
	__u32 zero = 0;
	struct hs_walk *w = bpf_map_lookup_elem(&hs_walk_scratch, &zero);
	__u64 ip = BPF_CORE_READ(regs, ip), sp = BPF_CORE_READ(regs, sp), ra = 0, fp;

	anchor->ip = ip;
	anchor->sp = sp;
	anchor->fp = 0;
	if (!w)
		return 1;
	__builtin_memcpy(&w->cfg, cfg, sizeof(w->cfg));
	w->tgid = bpf_get_current_pid_tgid() >> 32;
	w->depth = 0;
	w->hits = w->misses = w->java = 0;
	w->first_record = 0;
	w->f.record = 0;
	w->cfi_leaf = 0;
	w->has_cfi = 0;
	if (!at_entry) {
		struct cfi_proc *p = bpf_map_lookup_elem(&cfi_procs, &w->tgid);

		if (p) {
			__builtin_memcpy(&w->cfi, p, sizeof(w->cfi));
			w->has_cfi = 1;
		}
	}
	w->f.pc = ip;
	w->f.sp = sp;
	w->f.fp = BPF_CORE_READ(regs, bp);
	w->f.bcp = BPF_CORE_READ(regs, r13); /* the template interpreter's bcp register */
	w->f.leaf = 1;
	if (at_entry) {
		/* Stopped at a native function's first instruction (the
		 * allocation hooks in libjvm): its caller's return address is
		 * at sp, rbp is still the caller's. */
		w->depth = 1;
		w->f.pc = 0;
		if (!bpf_probe_read_user(&ra, sizeof(ra), (void *)sp) && ra) {
			w->f.pc = ra;
			w->f.sp = sp + 8;
			w->f.leaf = 0;
			w->f.bcp = 0;
		}
	}
	bpf_loop(TMPROF_MAX_STACK_DEPTH, hs_walk_step, NULL, 0);
	if (w->cfi_leaf)
		stat_inc(USTACK_STAT_CFI);
	else if (w->depth <= 2 && !at_entry && !hs_in_codecache(cfg, ip)) {
		/* A native leaf without frame pointer (libc): as in the
		 * frame-pointer walk, find the caller's frame on the stack. */
		__u64 rec[2] = {};

		fp = find_caller_fp(sp);
		if (fp && !bpf_probe_read_user(rec, sizeof(rec), (void *)fp) && rec[1]) {
			w->depth = 1;
			w->first_record = fp;
			w->f.pc = rec[1];
			w->f.sp = fp + 16;
			w->f.fp = rec[0];
			w->f.leaf = 0;
			w->f.bcp = 0;
			bpf_loop(TMPROF_MAX_STACK_DEPTH, hs_walk_step, NULL, 0);
			stat_inc(stat_recovered);
		} else {
			w->first_record = 0; /* a stack maybe cut short: no reuse */
		}
	}
	anchor->fp = w->first_record;
	stat_inc(USTACK_STAT_HS_STACKS);
	stat_add(USTACK_STAT_HS_JAVA_FRAMES, w->java);
	stat_add(USTACK_STAT_HS_CACHE_HIT, w->hits);
	stat_add(USTACK_STAT_HS_CACHE_MISS, w->misses);
	return w->depth;
}

/* The user stack of the current task, stored by hash; 0 if none. */
/* at_entry: the task stopped at a function's first instruction (a uprobe),
 * before the function pushed its frame: its caller's return address is at
 * sp, and bp is still the caller's frame. */
static __always_inline __u64 user_stack_walk(bool at_entry, __u32 stat_error, __u32 stat_collision,
					     __u32 stat_recovered, struct ustack_anchor *anchor)
{
	/* The user registers of the current task: saved at kernel entry, so
	 * right whether the task was interrupted in user or kernel mode. */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u32 zero = 0, depth;
	struct user_stack *st = bpf_map_lookup_elem(&ustack_scratch, &zero);
	__u64 h = 0xcbf29ce484222325ULL;
	struct task_struct *task = bpf_get_current_task_btf();

	struct hotspot_cfg *cfg;

	if (!st)
		return 0;
	if (task->flags & PF_KTHREAD) /* kernel threads have no user stack */
		return 0;
	st->ips[0] = BPF_CORE_READ(regs, ip);
	if (!st->ips[0]) {
		stat_inc(stat_error);
		return 0;
	}
	cfg = bpf_map_lookup_elem(&hotspot_cfgs, &(__u32){ bpf_get_current_pid_tgid() >> 32 });
	if (cfg) {
		depth = hs_user_stack(st, cfg, regs, at_entry, stat_recovered, anchor);
		/* The class-unloading epoch as the outermost word: it keeps
		 * apart stacks of methods that reuse an unloaded method's
		 * metadata addresses, and tells user space which names held. */
		if (depth < TMPROF_MAX_STACK_DEPTH - 1) {
			__u64 unloaded = 0;

			if (cfg->unloaded_addr)
				bpf_probe_read_user(&unloaded, sizeof(unloaded), (void *)cfg->unloaded_addr);
			st->ips[depth & (USTACK_SLOTS - 1)] = hs_frame_epoch(cfg->epoch + (__u32)unloaded);
			depth++;
		}
		goto store;
	}
	depth = 1;
	if (at_entry && !bpf_probe_read_user(&st->ips[1], sizeof(__u64),
					     (void *)BPF_CORE_READ(regs, sp)) && st->ips[1])
		depth = 2;
	anchor->ip = st->ips[0];
	anchor->sp = BPF_CORE_READ(regs, sp);
	anchor->fp = BPF_CORE_READ(regs, bp);
	if (!at_entry) {
		struct cfi_walk *cw = bpf_map_lookup_elem(&cfi_walk_scratch, &zero);
		struct cfi_proc *p = bpf_map_lookup_elem(&cfi_procs,
							 &(__u32){ bpf_get_current_pid_tgid() >> 32 });
		struct cfi_row row;

		/* A leaf with rows: walk with rows and frame pointers. */
		if (cw && p && cfi_find(p, anchor->ip, true, &row) &&
		    (row.flags & CFI_KIND_MASK) != CFI_UNKNOWN) {
			__builtin_memcpy(&cw->proc, p, sizeof(cw->proc));
			cw->pc = anchor->ip;
			cw->sp = anchor->sp;
			cw->fp = anchor->fp;
			cw->first_record = 0;
			cw->depth = 0;
			cw->leaf = 1;
			bpf_loop(TMPROF_MAX_STACK_DEPTH, cfi_walk_step, NULL, 0);
			depth = cw->depth;
			anchor->fp = cw->first_record;
			stat_inc(USTACK_STAT_CFI);
			goto store;
		}
	}
	depth = walk_frame_pointers(st, depth, anchor->fp);
	if (depth <= 2 && !at_entry) {
		__u64 bp = anchor->fp;

		/* Keep the leaf, drop what the walk guessed, search the stack. */
		depth = unwind_past_libc(st, 1, anchor->sp, &anchor->fp);
		if (depth > 1) {
			stat_inc(stat_recovered);
		} else {
			/* Nothing better on the stack: keep the short walk, but
			 * leave no anchor, so the next switch-out walks again
			 * instead of reusing a stack that may be cut short. */
			anchor->fp = 0;
			depth = walk_frame_pointers(st, 1, bp);
		}
	}
store:
	if (bpf_probe_read_user(anchor->frame, sizeof(anchor->frame), (void *)anchor->fp))
		anchor->fp = 0;
	/* Readers stop at the first zero; what follows is stale scratch. */
	st->ips[depth & (USTACK_SLOTS - 1)] = 0;
	for (__u32 i = 0; i < TMPROF_MAX_STACK_DEPTH; i++) {
		if (i >= depth)
			break;
		h ^= st->ips[i];
		h *= 0x100000001b3ULL;
	}
	h |= 1; /* never 0: 0 means no stack */
	if (!bpf_map_lookup_elem(&ustacks, &h) &&
	    bpf_map_update_elem(&ustacks, &h, st, BPF_NOEXIST) && !bpf_map_lookup_elem(&ustacks, &h)) {
		stat_inc(stat_collision);
		return 0;
	}
	return h;
}

static __always_inline __u64 user_stack_get(void *ctx, bool at_entry, __u32 stat_error,
					    __u32 stat_collision, __u32 stat_recovered)
{
	__u32 zero = 0;
	struct ustack_locals *l = bpf_map_lookup_elem(&ustack_locals, &zero);

	if (!l)
		return 0;
	return user_stack_walk(at_entry, stat_error, stat_collision, stat_recovered, &l->anchor);
}

/* Did the current task stop where anchor says, with the same first frame
 * record? Then its stack is the one walked then: one 16-byte read instead
 * of a walk. Threads block again and again at the same few places. */
static __always_inline bool user_stack_same(const struct ustack_anchor *anchor)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 frame[2];

	/* Without a frame record to compare (the last walk found none), a
	 * stale leaf-only stack could stick: walk again. */
	if (!anchor->ip || !anchor->fp || BPF_CORE_READ(regs, ip) != anchor->ip ||
	    BPF_CORE_READ(regs, sp) != anchor->sp)
		return false;
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)anchor->fp))
		return false;
	return frame[0] == anchor->frame[0] && frame[1] == anchor->frame[1];
}

#endif
