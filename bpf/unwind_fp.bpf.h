/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The frame-pointer unwinder: the chain of [saved rbp, return address]
 * records from a frame pointer, and, where a leaf without frame pointer
 * (Debian's libc) broke the chain, a scan of the stack near sp for the
 * caller's frame record. Part of bpf/ustack.bpf.h, which includes it after
 * defining struct user_stack's scratch. */
#ifndef TMPROF_BPF_UNWIND_FP_BPF_H
#define TMPROF_BPF_UNWIND_FP_BPF_H

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

/* The walk from the registers in anchor (ip, sp, fp) into st, after the
 * depth frames already there (the leaf, and at a function's entry its
 * return address). anchor->fp ends as the first frame record, or 0 when the
 * stack may be cut short. */
static __always_inline __u32 fp_user_stack(struct user_stack *st, __u32 depth, bool at_entry,
					   struct ustack_anchor *anchor)
{
	depth = walk_frame_pointers(st, depth, anchor->fp);
	if (depth <= 2 && !at_entry) {
		__u64 bp = anchor->fp;

		/* Keep the leaf, drop what the walk guessed, search the stack. */
		depth = unwind_past_libc(st, 1, anchor->sp, &anchor->fp);
		if (depth > 1) {
			unwind_stat_add(UNWIND_STAT_FP_RECOVERED, 1);
		} else {
			/* Nothing better on the stack: keep the short walk, but
			 * leave no anchor, so the next switch-out walks again
			 * instead of reusing a stack that may be cut short. */
			anchor->fp = 0;
			depth = walk_frame_pointers(st, 1, bp);
		}
	}
	return depth;
}

#endif
