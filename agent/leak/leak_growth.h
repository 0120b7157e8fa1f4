// SPDX-License-Identifier: GPL-2.0
/* Growth of live native memory by stack between two leak snapshots. */
#ifndef TMPROF_AGENT_LEAK_GROWTH_H
#define TMPROF_AGENT_LEAK_GROWTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct leak_snapshot;
struct profile;

struct leak_growth_row {
	const char *stack;     /* points into the TO snapshot (or FROM for vanished stacks) */
	int64_t delta_bytes;   /* TO - FROM, estimated */
	double bytes_per_hour;
	uint64_t live_bytes;   /* in TO */
	uint64_t live_count;   /* sampled allocations in TO */
	uint64_t oldest_age_s; /* oldest live allocation of the stack in TO */
};

struct leak_growth {
	struct leak_growth_row *rows; /* by delta_bytes, largest growth first */
	size_t n;
	double hours;                 /* between the snapshots */
	int64_t total_delta;
};

/* Both snapshots must be finished (sorted). Stacks are matched by their
 * folded text. -EINVAL when TO is not later than FROM. */
int leak_growth_compute(const struct leak_snapshot *from, const struct leak_snapshot *to,
			struct leak_growth *out);
void leak_growth_free(struct leak_growth *g);

/* The table: growth, per hour, live, oldest age, and the stack leaf first
 * (at most max_frames frames, 0: all). At most max_rows rows (0: all) with
 * growth > 0. */
int leak_growth_print(const struct leak_growth *g, FILE *out, size_t max_rows, size_t max_frames);

/* Stacks that grew, weighted by the bytes they grew (folded can't hold
 * negatives). */
int leak_growth_to_profile(const struct leak_growth *g, struct profile *p);
/* A snapshot as a profile of live bytes (for the differential graph). */
int leak_snapshot_to_profile(const struct leak_snapshot *s, struct profile *p);

/* "1.5 GiB", "12.0 MiB", "512 B" into buf; negative with a '-'. */
void leak_format_bytes(char *buf, size_t len, double bytes);

#endif
