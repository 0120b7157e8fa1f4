// SPDX-License-Identifier: GPL-2.0
/* New stacks the sampling loop had no time to look at yet: a bounded
 * queue, oldest first. The daemon names a new stack's frames while its
 * process lives (session.c, target_note_stack), within a time budget per
 * turn; the stacks past it wait here for the next turns, and those that do
 * not fit are left to the period's build (which names every stack it
 * writes, or writes it unnamed once the process is gone). */
#ifndef TMPROF_AGENT_CORE_NOTE_BACKLOG_H
#define TMPROF_AGENT_CORE_NOTE_BACKLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A user stack of one collector's cache, seen in pid's samples. */
struct note_ref {
	uint64_t stack;
	pid_t pid;
	uint32_t collector; /* index in the session's collectors */
};

struct note_backlog {
	struct note_ref *refs; /* a ring of cap */
	size_t cap, head, count;
};

/* cap entries at most (0: none fit, every push is refused). */
int note_backlog_init(struct note_backlog *b, size_t cap);
void note_backlog_free(struct note_backlog *b);
/* -ENOSPC when full: the queue never grows past cap. */
int note_backlog_push(struct note_backlog *b, const struct note_ref *r);
/* The oldest entry into *out: 1, or 0 when empty. */
int note_backlog_pop(struct note_backlog *b, struct note_ref *out);
/* Drop every entry (the period they were for is written); returns how
 * many. */
size_t note_backlog_clear(struct note_backlog *b);

#endif
