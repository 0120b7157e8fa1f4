// SPDX-License-Identifier: GPL-2.0
#include "agent/core/name_budget.h"

#include <time.h>

static uint64_t monotonic_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t now_of(const struct name_budget *b)
{
	return b->now_ns ? b->now_ns() : monotonic_now_ns();
}

void name_budget_start(struct name_budget *b, unsigned int ms)
{
	b->spent = false;
	b->total_ns = (uint64_t)ms * 1000000;
	b->floor_ns = 0;
	b->end_ns = ms ? now_of(b) + b->total_ns : 0;
	b->deadline_ns = b->end_ns;
}

void name_budget_share(struct name_budget *b, size_t builds_left)
{
	uint64_t now, share;

	if (!b->end_ns)
		return;
	if (!builds_left)
		builds_left = 1;
	if (!b->floor_ns)
		b->floor_ns = b->total_ns / builds_left;
	now = now_of(b);
	b->spent = false;
	share = now < b->end_ns ? (b->end_ns - now) / builds_left : 0;
	b->deadline_ns = now + (share > b->floor_ns ? share : b->floor_ns);
}

bool name_budget_spent(struct name_budget *b)
{
	if (!b->end_ns)
		return false;
	if (!b->spent && now_of(b) >= b->deadline_ns)
		b->spent = true;
	return b->spent;
}

void name_budget_stop(struct name_budget *b)
{
	b->end_ns = b->deadline_ns = 0;
	b->spent = false;
}
