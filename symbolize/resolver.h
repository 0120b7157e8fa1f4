// SPDX-License-Identifier: GPL-2.0
/* Resolution of sampled addresses into frames, behind one interface.
 *
 * The profile builder asks a resolver for the frames of a process's stacks
 * and never sees how they are named (symbolizers, the JVM's memory, a memo
 * of Java frames per class-unloading epoch). The agent gives it one backed
 * by its targets (word_resolve.h per process); tests give it a fake.
 */
#ifndef TMPROF_SYMBOLIZE_RESOLVER_H
#define TMPROF_SYMBOLIZE_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbolize/symbolizer.h"

/* Inlining levels shown per compiled frame (deeper chains are cut). */
#define RESOLVER_MAX_INLINED 16

struct resolver_ops {
	/* The frames one word of pid's user stack stands for, outermost first,
	 * into out (at most max); how many. A native address is one frame
	 * (return addresses are looked up one byte earlier, inside the call,
	 * unless leaf); a Java frame from the HotSpot unwinder is its method
	 * and the methods inlined into it; the epoch word is no frame (0).
	 * epoch: the stack's (resolver_stack_epoch). Names stay valid until
	 * the resolver's owner frees them. */
	size_t (*user_word)(void *ctx, pid_t pid, uint64_t word, bool leaf, uint32_t epoch,
			    struct frame_sym *out, size_t max);
	/* A kernel address (already adjusted by the caller). */
	void (*kernel)(void *ctx, pid_t pid, uint64_t addr, struct frame_sym *out);
};

struct resolver {
	const struct resolver_ops *ops;
	void *ctx;
};

/* The class-unloading epoch a user stack was taken in (its outermost word
 * when the HotSpot unwinder walked it, else 0). */
uint32_t resolver_stack_epoch(const uint64_t *ips, uint32_t depth);

/* The frames of one sample, root first, into out (at most max): the user
 * stack, then the kernel stack leafward of it (both given leaf first, as
 * the kernel stores them). Kernel return addresses are looked up one byte
 * earlier; the kernel frames of tmprof's own BPF program and the
 * tracepoint glue at the leaf are left out. Either stack may be NULL.
 * kern_room: frames kept free for the kernel part while the user part is
 * resolved. Returns the number of frames. */
size_t resolver_stack(const struct resolver *r, pid_t pid, const uint64_t *user, uint32_t nuser,
		      const uint64_t *kern, uint32_t nkern, struct frame_sym *out, size_t max,
		      size_t kern_room);

#endif
