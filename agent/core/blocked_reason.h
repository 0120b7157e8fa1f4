// SPDX-License-Identifier: GPL-2.0
/* Why a blocked thread was off the CPU -- lock, io or sleep -- from the
 * stack it left the CPU with, by the blocked-reason rules of the category
 * rules (agent/rules/categories.rules). The builder splits the "blocked"
 * state with it. */
#ifndef TMPROF_AGENT_BLOCKED_REASON_H
#define TMPROF_AGENT_BLOCKED_REASON_H

#include <stddef.h>
#include <stdint.h>

#include "agent/core/category_rules.h"
#include "agent/core/thread_kind.h"

struct profile;

#define BLOCKED_REASONS (CATEGORY__MAX - CATEGORY_LOCK)

/* frames: profile frame ids, root first (as the builder holds a stack).
 * Returns CATEGORY_LOCK, CATEGORY_IO or CATEGORY_SLEEP. */
enum category blocked_reason_of(const struct category_rules *r, const struct profile *p,
				enum thread_kind thread, const uint32_t *frames, size_t n);

#endif
