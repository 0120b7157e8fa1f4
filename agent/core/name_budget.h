// SPDX-License-Identifier: GPL-2.0
/* A time budget for naming the stacks of a period's build.
 *
 * Naming a stack the drains had no time for may load a library's symbol
 * table or read the JVM's memory, which a hostile target can make slow;
 * the daemon writes every TaskManager's profiles one after the other in
 * its loop. So a period gets a budget for its builds, shared out as they
 * come (each build gets what is left over the builds left, so that one
 * TaskManager's stacks cannot use up the next ones' share), and past a
 * build's share the stacks still unnamed are written with cheap names
 * (what is cached, else the module). The budget is looked at between
 * frames, and one frame may cost a whole symbol table (measured: up to a
 * second for 30000 symbols on a loaded machine), so a build can overrun
 * its share: the next builds still get at least an even share of the
 * budget, not what the overrun left (nothing), so that a hostile target's
 * overrun does not cheapen the names of the TaskManagers written after it.
 * The clock can be replaced (tests). */
#ifndef TMPROF_AGENT_NAME_BUDGET_H
#define TMPROF_AGENT_NAME_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct name_budget {
	uint64_t (*now_ns)(void); /* NULL: CLOCK_MONOTONIC */
	uint64_t end_ns;          /* the whole budget's end; 0: no budget */
	uint64_t deadline_ns;     /* the current build's share ends */
	uint64_t total_ns;        /* the whole budget */
	uint64_t floor_ns;        /* the least share: total over the builds (first share) */
	bool spent;               /* the share is used up (stays so until the next) */
};

/* The budget starts now and lasts ms (0: no budget, never spent). */
void name_budget_start(struct name_budget *b, unsigned int ms);
/* The next build's share, with builds_left builds (this one included)
 * still to come: what is left of the budget over builds_left, and at
 * least the whole budget over the builds_left of the period's first share. */
void name_budget_share(struct name_budget *b, size_t builds_left);
/* Is the current share used up? Once it is, stays so. */
bool name_budget_spent(struct name_budget *b);
/* No budget any more (record, top: every stack named). */
void name_budget_stop(struct name_budget *b);

#endif
