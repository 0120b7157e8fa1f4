// SPDX-License-Identifier: GPL-2.0
/* Leak snapshots: live sampled native memory by stack at one instant, as
 * `tmprof leak` writes them every interval and `tmprof leak report` reads
 * them back.
 *
 * File format (text, UTF-8, one record per line):
 *
 *   # tmprof leak snapshot v1
 *   # time_ms 1732423423123        Unix time of the snapshot, milliseconds
 *   # pid 4242
 *   # allocator glibc              or jemalloc
 *   # period 524288                sampling period in bytes
 *   # tracked 1234                 sampled allocations live in the table
 *   # overflow 0                   sampled allocations dropped: table full
 *   # sampled 99999                sampled allocations since the start
 *   # lost_stacks 0                sampled allocations without a stack
 *   # columns bytes count oldest_age_s stack
 *   BYTES COUNT OLDEST_AGE_S frame;frame;...;leaf
 *
 * BYTES is the estimate of live bytes (each sampled allocation weighted by
 * leak_sample_weight), COUNT the sampled allocations behind it, and
 * OLDEST_AGE_S the age of the oldest of them at the snapshot. The stack is
 * in folded form, root first. Unknown "# key value" lines are ignored, so
 * later versions can add keys. */
#ifndef TMPROF_AGENT_LEAK_SNAPSHOT_H
#define TMPROF_AGENT_LEAK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LEAK_SNAPSHOT_MAGIC "# tmprof leak snapshot v1"

struct leak_stack_stat {
	char *stack;           /* folded, root first */
	uint64_t bytes;        /* estimated live bytes */
	uint64_t count;        /* sampled live allocations */
	uint64_t oldest_age_s; /* of the oldest of them, at the snapshot */
};

struct leak_snapshot {
	int64_t time_ms;
	int64_t pid;
	char allocator[32];
	uint64_t period;
	uint64_t tracked, overflow, sampled, lost_stacks;
	struct leak_stack_stat *stacks; /* sorted by stack after leak_snapshot_finish */
	size_t n, cap;
};

void leak_snapshot_init(struct leak_snapshot *s);
void leak_snapshot_free(struct leak_snapshot *s);

/* Add one stack's totals; the same stack added twice is merged by
 * leak_snapshot_finish (bytes and counts summed, the oldest age kept). */
int leak_snapshot_add(struct leak_snapshot *s, const char *stack, uint64_t bytes, uint64_t count,
		      uint64_t oldest_age_s);
/* Sort by stack and merge duplicates. */
void leak_snapshot_finish(struct leak_snapshot *s);
uint64_t leak_snapshot_total(const struct leak_snapshot *s);

int leak_snapshot_write(const struct leak_snapshot *s, FILE *out);
/* Atomically (flamegraph/atomic_file.h): a crash leaves the previous file
 * set intact and no partial snapshot. */
int leak_snapshot_write_file(const struct leak_snapshot *s, const char *path);

/* Parse a snapshot. -EINVAL for a file that is not one or is malformed,
 * with *bad_line (1-based) set to the first bad line when not NULL;
 * -ENOMEM; -errno on read errors. */
int leak_snapshot_read(FILE *in, struct leak_snapshot *s, size_t *bad_line);
int leak_snapshot_read_file(const char *path, struct leak_snapshot *s, size_t *bad_line);

#endif
