// SPDX-License-Identifier: GPL-2.0
#include "agent/core/blocked_reason.h"

#include "agent/core/sample_category.h"
#include "flamegraph/profile.h"

/* Room for a whole stack as the builder resolves it (user and kernel,
 * inlined frames expanded); a deeper stack is classified by its leafward
 * part, which is where the reason sits. */
#define REASON_FRAMES 1024

enum category blocked_reason_of(const struct category_rules *r, const struct profile *p,
				enum thread_kind thread, const uint32_t *frames, size_t n)
{
	struct category_frame cf[REASON_FRAMES];

	if (!r)
		return CATEGORY_SLEEP;
	return category_classify_blocked(r, thread, cf,
					 sample_category_frames(p, frames, n, cf, REASON_FRAMES));
}
