/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The HotSpot unwinder, for JVMs without -XX:+PreserveFramePointer: the
 * step logic of bpf/hotspot_unwind.h run from bpf_loop, with a cache of
 * code blobs, for the targets user space gave a config (struct
 * hotspot_cfg). Native frames on the way are unwound by their .eh_frame
 * rows when the target has some. Part of bpf/ustack.bpf.h, which includes
 * it after bpf/unwind_fp.bpf.h and bpf/unwind_cfi.bpf.h. */
#ifndef TMPROF_BPF_UNWIND_HOTSPOT_BPF_H
#define TMPROF_BPF_UNWIND_HOTSPOT_BPF_H

/* Per target JVM (key: tgid); a target without one gets the frame-pointer
 * walk above. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TMPROF_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct hotspot_cfg);
} hotspot_cfgs SEC(".maps");

/* What a pc's blob is, so that a return address seen before costs a map
 * lookup instead of a segment map walk and five reads of target memory
 * (each several hundred ns here). Blobs live long: an nmethod is freed only
 * after being made not entrant and swept, and LRU ageing pushes its entries
 * out; user space may also clear the map. */
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
	 * compile id would lend the old method's name to the new code.
	 * Walking the segment map on every hit as well (to catch a later
	 * blob that starts after a freed one and covers pc) cost +49 % BPF
	 * ns per sample on JDK 17 (4607 -> 6848) and was never seen to
	 * matter: the misnamed ClassChurn samples had another cause. */
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

/* The user stack of the current task into st (ips[0] already holds the
 * pc); returns the depth and sets the anchor. */
static __always_inline __u32 hs_user_stack(struct user_stack *st, const struct hotspot_cfg *cfg,
					   struct pt_regs *regs, bool at_entry,
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
		unwind_stat_add(UNWIND_STAT_CFI_STACKS, 1);
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
			unwind_stat_add(UNWIND_STAT_FP_RECOVERED, 1);
		} else {
			w->first_record = 0; /* a stack maybe cut short: no reuse */
		}
	}
	anchor->fp = w->first_record;
	unwind_stat_add(UNWIND_STAT_HS_STACKS, 1);
	unwind_stat_add(UNWIND_STAT_HS_JAVA_FRAMES, w->java);
	unwind_stat_add(UNWIND_STAT_HS_CACHE_HIT, w->hits);
	unwind_stat_add(UNWIND_STAT_HS_CACHE_MISS, w->misses);
	return w->depth;
}

#endif
