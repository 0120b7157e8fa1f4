// SPDX-License-Identifier: GPL-2.0
/* What profile_build reads, taken from a session: its tables and stack
 * caches, a resolver over its targets (each target's symbolizer, Java frame
 * namer and memo) and its targets' process, thread and class names. */
#ifndef TMPROF_AGENT_CORE_SESSION_BUILD_H
#define TMPROF_AGENT_CORE_SESSION_BUILD_H

#include "agent/core/profile_builder.h"
#include "symbolize/resolver.h"

struct session;

/* Fill in and r (which in points to); both live no longer than s, and
 * targets must not be added or removed while they are used. */
void session_build_input(struct session *s, struct build_input *in, struct resolver *r);

#endif
