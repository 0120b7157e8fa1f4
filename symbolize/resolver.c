// SPDX-License-Identifier: GPL-2.0
#include "symbolize/resolver.h"

#include <string.h>

#include "bpf/hotspot.h"

uint32_t resolver_stack_epoch(const uint64_t *ips, uint32_t depth)
{
	return depth && hs_frame_is_epoch(ips[depth - 1]) ? hs_epoch_of(ips[depth - 1]) : 0;
}

/* Stacks taken in a tracepoint end in tmprof's own BPF program and the
 * tracepoint glue: not part of what the thread was doing. */
static uint32_t kernel_leaf_skip(const struct resolver *r, pid_t pid, const uint64_t *kern,
				 uint32_t nkern)
{
	struct frame_sym fs;
	uint32_t skip = 0;

	for (; skip < nkern; skip++) {
		r->ops->kernel(r->ctx, pid, kern[skip], &fs);
		/* A BPF program loaded after kallsyms was read is unknown. */
		if (fs.kind != FRAME_UNKNOWN && fs.name && strncmp(fs.name, "bpf_prog_", 9) &&
		    strncmp(fs.name, "bpf_trace_run", 13) && strncmp(fs.name, "__bpf_trace_", 12))
			break;
	}
	return skip;
}

size_t resolver_stack(const struct resolver *r, pid_t pid, const uint64_t *user, uint32_t nuser,
		      const uint64_t *kern, uint32_t nkern, struct frame_sym *out, size_t max,
		      size_t kern_room)
{
	size_t user_max = max > kern_room ? max - kern_room : 0, n = 0;
	uint32_t epoch = user ? resolver_stack_epoch(user, nuser) : 0, skip;

	for (uint32_t i = user ? nuser : 0; i-- > 0;) {
		size_t room = n < user_max ? user_max - n : 0;

		n += r->ops->user_word(r->ctx, pid, user[i], i == 0, epoch, out + n,
				       room < RESOLVER_MAX_INLINED ? room : RESOLVER_MAX_INLINED);
	}
	if (!kern)
		return n;
	skip = kernel_leaf_skip(r, pid, kern, nkern);
	for (uint32_t i = nkern; i-- > skip && n < max;)
		r->ops->kernel(r->ctx, pid, i ? kern[i] - 1 : kern[i], &out[n++]);
	return n;
}
