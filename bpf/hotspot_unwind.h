/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One step of a HotSpot-aware stack walk on x86-64: given a frame (pc, sp,
 * fp), the word that names it (bpf/hotspot.h encoding, or the raw pc for
 * native code) and its caller's (pc, sp, fp).
 *
 * HotSpot without -XX:+PreserveFramePointer uses rbp as a general register
 * in JIT-compiled code, so a frame-pointer walk stops at the first Java
 * frame. Compiled frames have a fixed size instead (CodeBlob::_frame_size):
 * the caller's sp is sp + frame_size words, with the return address and the
 * saved rbp just below it. Interpreter frames, the call stub and native code
 * (libjvm, JNI libraries) keep rbp as a frame pointer. So one (pc, sp, fp)
 * state machine walks Java -> native -> Java transitions alike: native
 * frames hand a valid rbp to the Java frames they called, and compiled
 * frames save their caller's rbp where the caller's callee expects it.
 *
 * Pure logic over HS_READ (see bpf/hotspot_codecache.h), so that it runs in
 * BPF and in user-space tests on fake memory. The includer may also define
 *
 *     HS_BLOB_LOOKUP(ctx, cfg, pc, blob)        -> 0 or nonzero
 *     HS_BLOB_SCRATCH(ctx)                      -> struct hs_blob * to fill, off
 *                                                  the stack (default: a local)
 *     HS_CONST_METHOD(ctx, cfg, method, cmptr)  -> 0 or nonzero
 *
 * to put a cache in front of hs_blob_read and of the Method::_constMethod
 * read. */
#ifndef TMPROF_BPF_HOTSPOT_UNWIND_H
#define TMPROF_BPF_HOTSPOT_UNWIND_H

#include "bpf/hotspot_codecache.h"

/* The frame being unwound. */
struct hs_frame {
	__u64 pc, sp, fp;
	__u64 bcp;    /* leaf only: r13, the interpreter's bcp register */
	__u64 record; /* out: where the [saved rbp, return address] pair was read */
	__u32 leaf;   /* pc was interrupted, not a return address: any instruction */
	__u32 pad;
};

/* Interpreter frames are read in one go: HS_INTERP_WINDOW words ending
 * with the return address at fp + 8. The slots the walk needs must lie in
 * it (hotspot_cfg_read checks). */
#define HS_INTERP_WINDOW 16
#define HS_INTERP_LOW (16 - HS_INTERP_WINDOW * 8) /* first byte, relative to fp */

#define HS_STEP_NEXT 0  /* word set, frame now holds the caller */
#define HS_STEP_LAST 1  /* word set, no caller found */
#define HS_STEP_FAIL -1 /* no word */

/* Stacks are at most this far apart between frames; beyond it a "caller"
 * is garbage. */
#define HS_STACK_RANGE (8ULL << 20)
/* No HotSpot frame is larger (the biggest are a few thousand words). */
#define HS_MAX_FRAME_WORDS (1U << 16)

static inline int hs_in_codecache(const struct hotspot_cfg *cfg, __u64 pc)
{
	return pc >= cfg->codecache_low && pc < cfg->codecache_high;
}

/* sp of a caller: above the callee's, and not absurdly far. */
static inline int hs_sp_ok(__u64 sp, __u64 next)
{
	return next > sp && next - sp <= HS_STACK_RANGE && !(next & 7);
}

/* Read what the walk needs of the blob starting at b->start. */
static inline int hs_blob_read_at(void *ctx, const struct hotspot_cfg *cfg, struct hs_blob *b)
{
	__u64 name_ptr = 0, name = 0;
	__s32 fs = 0, fc = 0;

	if (HS_READ(ctx, &fs, 4, b->start + cfg->blob_frame_size) ||
	    HS_READ(ctx, &fc, 4, b->start + cfg->blob_frame_complete) ||
	    HS_READ(ctx, &b->code_begin, 8, b->start + cfg->blob_code_begin) ||
	    HS_READ(ctx, &name_ptr, 8, b->start + cfg->blob_name) ||
	    HS_READ(ctx, &name, 8, name_ptr))
		return -1;
	if (fs < 0 || (__u32)fs > HS_MAX_FRAME_WORDS)
		return -1;
	b->frame_size = fs;
	b->frame_complete = fc;
	b->compile_id = 0;
	/* Names are C string literals: "nmethod" for compiled methods,
	 * "native nmethod" for JNI wrappers (compiled too, with a compile id),
	 * "Interpreter" for the interpreter's BufferBlob; compare the first
	 * eight bytes (little-endian). */
	if (name == 0x00646f6874656d6eULL || /* "nmethod\0" */
	    name == 0x6e2065766974616eULL) { /* "native n" */
		b->kind = HS_BLOB_NMETHOD;
		if (HS_READ(ctx, &b->compile_id, 4, b->start + cfg->nmethod_compile_id))
			return -1;
	} else if (name == 0x6572707265746e49ULL) { /* "Interpre" */
		b->kind = HS_BLOB_INTERPRETER;
	} else {
		b->kind = HS_BLOB_STUB;
	}
	return 0;
}

/* Find the blob holding pc and read what the walk needs of it. */
static inline int hs_blob_read(void *ctx, const struct hotspot_cfg *cfg, __u64 pc,
			       struct hs_blob *b)
{
	if (hs_find_blob(ctx, cfg, pc, &b->start))
		return -1;
	return hs_blob_read_at(ctx, cfg, b);
}

#ifndef HS_BLOB_LOOKUP
#define HS_BLOB_LOOKUP(ctx, cfg, pc, blob) hs_blob_read(ctx, cfg, pc, blob)
#endif
#ifndef HS_CONST_METHOD
#define HS_CONST_METHOD(ctx, cfg, method, cm) \
	HS_READ(ctx, cm, 8, (method) + (cfg)->method_const_method)
#endif

/* A native frame: rbp points at [saved rbp, return address]. */
static inline int hs_step_native(void *ctx, struct hs_frame *f, __u64 *word)
{
	__u64 rec[2] = { 0, 0 };

	*word = f->pc;
	if (!hs_sp_ok(f->sp, f->fp + 16) || HS_READ(ctx, rec, 16, f->fp) || !rec[1])
		return HS_STEP_LAST;
	f->record = f->fp;
	f->pc = rec[1];
	f->sp = f->fp + 16;
	f->fp = rec[0];
	return HS_STEP_NEXT;
}

/* Take [saved rbp, return address] at addr as the caller's, if the return
 * address is in the code cache: every caller of a frame that has no frame
 * pointer (compiled Java, runtime stubs) is Java or the call stub. */
static inline int hs_take_record(void *ctx, const struct hotspot_cfg *cfg, struct hs_frame *f,
				 __u64 addr, __u64 fp_if_unsaved, int saved)
{
	__u64 rec[2] = { 0, 0 };

	if (!hs_sp_ok(f->sp, addr + 16))
		return -1;
	if (saved) {
		if (HS_READ(ctx, rec, 16, addr))
			return -1;
	} else {
		/* Return address only: rbp not pushed yet, or popped already. */
		if (HS_READ(ctx, &rec[1], 8, addr + 8))
			return -1;
		rec[0] = fp_if_unsaved;
	}
	if (!hs_in_codecache(cfg, rec[1]))
		return -1;
	f->record = addr;
	f->pc = rec[1];
	f->sp = addr + 16;
	f->fp = rec[0];
	return 0;
}

/* Where the leaf's return address is when the frame is not complete:
 * x86 compiled code builds it with "push rbp; sub rsp, N" after the entry
 * and tears it down with "add rsp, N; pop rbp; [poll]; ret". The
 * instruction at pc tells which part already ran. Returns the offset of
 * the return address from sp, or -1 for a complete frame. */
static inline int hs_leaf_ra_offset(void *ctx, const struct hotspot_cfg *cfg,
				    const struct hs_blob *b, const struct hs_frame *f)
{
	__u8 code[4] = { 0, 0, 0, 0 };
	/* The blob as read (and cached): JDK 23+ layouts hold the code's
	 * offset and a 16-bit frame_complete (struct hotspot_cfg). */
	__u64 code_begin = cfg->blob_code_is_offset ? b->start + (__u32)b->code_begin : b->code_begin;
	__s32 fc = cfg->blob_frame_complete_bytes == 2 ? (__s16)b->frame_complete : b->frame_complete;

	if (fc >= 0 && f->pc < code_begin + (__u32)fc)
		return 0; /* prologue: maybe 8 after push rbp, the caller tries */
	if (HS_READ(ctx, code, 4, f->pc))
		return -1;
	if (code[0] == 0xc3) /* ret */
		return 0;
	if (code[0] == 0x5d) /* pop rbp */
		return 8;
	/* cmp rsp, [r15 + disp8] (return poll), ja (its slow path): after
	 * pop rbp. */
	if ((code[0] == 0x49 && code[1] == 0x3b && code[2] == 0x67) ||
	    (code[0] == 0x0f && code[1] == 0x87))
		return 0;
	return -1;
}

/* A frame of fixed size: nmethods and stubs with frame_size > 0. */
static inline int hs_step_compiled(void *ctx, const struct hotspot_cfg *cfg,
				   const struct hs_blob *b, struct hs_frame *f, __u64 *word)
{
	__u64 caller_sp = f->sp + (__u64)b->frame_size * 8;
	int off = -1;

	*word = hs_frame_compiled(f->pc - cfg->codecache_low, b->compile_id);
	if (f->leaf)
		off = hs_leaf_ra_offset(ctx, cfg, b, f);
	/* Frame not (or no longer) there: the return address is at sp, with
	 * rbp holding the caller's, or, with rbp pushed, at sp + 8 above the
	 * caller's rbp. */
	if (off == 0 && !hs_take_record(ctx, cfg, f, f->sp - 8, f->fp, 0))
		return HS_STEP_NEXT;
	if (off >= 0 && !hs_take_record(ctx, cfg, f, f->sp, 0, 1))
		return HS_STEP_NEXT;
	if (!hs_take_record(ctx, cfg, f, caller_sp - 16, 0, 1))
		return HS_STEP_NEXT;
	/* A leaf caught mid-prologue or mid-epilogue the code test missed, or
	 * a frame below the safepoint handler: C2 polls on return after
	 * "pop rbp", so the pc the handler saved is one of a frame already
	 * gone, its return address at sp. Taken only if that is code. */
	if (off < 0 && !hs_take_record(ctx, cfg, f, f->sp - 8, f->fp, 0))
		return HS_STEP_NEXT;
	return HS_STEP_LAST;
}

/* A frame-size-0 stub (StubRoutines with the call stub, adapters): those
 * that make calls keep rbp as a frame pointer ("enter"). */
static inline int hs_step_stub(void *ctx, const struct hotspot_cfg *cfg,
			       const struct hs_blob *b, struct hs_frame *f, __u64 *word)
{
	*word = hs_frame_compiled(f->pc - cfg->codecache_low, b->compile_id);
	/* A leaf stub that pushed nothing: its return address is at sp. */
	if (f->leaf && !hs_take_record(ctx, cfg, f, f->sp - 8, f->fp, 0))
		return HS_STEP_NEXT;
	/* The call stub's caller is native (JavaCalls::call_helper), so any
	 * return address goes. */
	__u64 native_word;

	return hs_step_native(ctx, f, &native_word);
}

static inline __u64 hs_interp_slot(const __u64 *win, __s32 off)
{
	return win[((off - HS_INTERP_LOW) >> 3) & (HS_INTERP_WINDOW - 1)];
}

/* bci of bcp in method, or HS_BCI_UNKNOWN. */
static inline __u64 hs_bci(const struct hotspot_cfg *cfg, __u64 cm, __u64 bcp, __u64 hint)
{
	__u64 codes = cm + cfg->const_method_size; /* bytecodes follow the ConstMethod */

	if (hint >= codes && hint - codes < HS_BCI_UNKNOWN)
		return hint - codes;
	if (bcp >= codes && bcp - codes < HS_BCI_UNKNOWN)
		return bcp - codes;
	return HS_BCI_UNKNOWN;
}

/* An interpreter frame: rbp-based, Method* and bcp at fixed slots below
 * rbp, the caller's sp (before any c2i adapter extended it) at
 * interp_sender_sp. win: HS_INTERP_WINDOW words of scratch. */
static inline int hs_step_interpreted(void *ctx, const struct hotspot_cfg *cfg,
				      struct hs_frame *f, __u64 *win, __u64 *word)
{
	__u64 method, cm = 0, ra, sender_sp;

	*word = hs_frame_compiled(f->pc - cfg->codecache_low, 0);
	if (!hs_sp_ok(f->sp, f->fp + 16) ||
	    HS_READ(ctx, win, HS_INTERP_WINDOW * 8, f->fp + HS_INTERP_LOW))
		return HS_STEP_LAST;
	method = hs_interp_slot(win, cfg->interp_method);
	ra = hs_interp_slot(win, 8);
	sender_sp = hs_interp_slot(win, cfg->interp_sender_sp);
	/* Not a frame yet (a leaf in the method entry code, say): keep the
	 * pc, as the Interpreter blob. */
	if (!method || (method & 7) || method > HS_ADDR_MASK)
		return HS_STEP_LAST;
	if (HS_CONST_METHOD(ctx, cfg, method, &cm))
		cm = 0;
	*word = hs_frame_interpreted(
		method, cm ? hs_bci(cfg, cm, hs_interp_slot(win, cfg->interp_bcp), f->leaf ? f->bcp : 0) :
			     HS_BCI_UNKNOWN);
	if (!hs_in_codecache(cfg, ra) || !hs_sp_ok(f->sp, sender_sp))
		return HS_STEP_LAST;
	f->record = f->fp;
	f->pc = ra;
	f->sp = sender_sp;
	f->fp = hs_interp_slot(win, 0);
	return HS_STEP_NEXT;
}

/* One step: the word for frame f, and f moved to its caller. */
static inline int hs_unwind_step(void *ctx, const struct hotspot_cfg *cfg, struct hs_frame *f,
				 __u64 *win, __u64 *word)
{
#ifdef HS_BLOB_SCRATCH
	struct hs_blob *b = HS_BLOB_SCRATCH(ctx);
#else
	struct hs_blob blob = {}, *b = &blob;
#endif
	int rc;

	if (!f->pc || !b)
		return HS_STEP_FAIL;
	if (!hs_in_codecache(cfg, f->pc)) {
		rc = hs_step_native(ctx, f, word);
	} else if (HS_BLOB_LOOKUP(ctx, cfg, f->pc, b)) {
		/* In the code cache but in no blob we can read (freed, or a
		 * race with the JIT): name the pc, go no further. */
		*word = hs_frame_compiled(f->pc - cfg->codecache_low, 0);
		rc = HS_STEP_LAST;
	} else if (b->kind == HS_BLOB_INTERPRETER) {
		rc = hs_step_interpreted(ctx, cfg, f, win, word);
	} else if (b->frame_size > 0) {
		rc = hs_step_compiled(ctx, cfg, b, f, word);
	} else {
		rc = hs_step_stub(ctx, cfg, b, f, word);
	}
	f->leaf = 0;
	f->bcp = 0;
	return rc;
}

#endif
