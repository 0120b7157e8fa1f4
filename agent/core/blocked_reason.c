// SPDX-License-Identifier: GPL-2.0
#include "agent/core/blocked_reason.h"

#include <string.h>

#include "flamegraph/profile.h"

/* Room for a whole stack as the builder resolves it (user and kernel,
 * inlined frames expanded); a deeper stack is classified by its leafward
 * part, which is where the reason sits. */
#define REASON_FRAMES 1024

static enum category_frame_kind cframe_kind(enum profile_frame_kind k)
{
	switch (k) {
	case PROFILE_FRAME_KERNEL:
		return CFRAME_KERNEL;
	case PROFILE_FRAME_JIT:
		return CFRAME_JIT;
	case PROFILE_FRAME_INLINED:
		return CFRAME_INLINED;
	case PROFILE_FRAME_INTERPRETED:
		return CFRAME_INTERPRETED;
	case PROFILE_FRAME_STUB:
		return CFRAME_STUB;
	case PROFILE_FRAME_UNKNOWN:
		return CFRAME_UNKNOWN;
	default:
		return CFRAME_NATIVE;
	}
}

/* The rules name modules by file name ("in libjvm.so"). */
static const char *module_base(const char *m)
{
	const char *slash = m ? strrchr(m, '/') : NULL;

	if (!m || !*m)
		return NULL;
	return slash ? slash + 1 : m;
}

enum category blocked_reason_of(const struct category_rules *r, const struct profile *p,
				enum thread_kind thread, const uint32_t *frames, size_t n)
{
	struct category_frame cf[REASON_FRAMES];
	size_t k = 0;

	if (!r)
		return CATEGORY_SLEEP;
	/* The classifier wants the leaf first. */
	for (size_t i = n; i-- > 0 && k < REASON_FRAMES;) {
		cf[k].name = profile_frame_name(p, frames[i]);
		cf[k].module = module_base(profile_frame_module(p, frames[i]));
		cf[k++].kind = cframe_kind(profile_frame_kind(p, frames[i]));
	}
	return category_classify_blocked(r, thread, cf, k);
}
