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

/* A period's naming budget (opts.build_budget_ms; none without) starts
 * now; before each of its builds, that build's share with builds_left
 * (this one included) to come. Past a share the builds name frames from
 * what is at hand (counted in s->stacks_named_cheaply). */
void session_build_budget_start(struct session *s);
void session_build_budget_share(struct session *s, size_t builds_left);

#endif
