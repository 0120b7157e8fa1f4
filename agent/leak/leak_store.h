// SPDX-License-Identifier: GPL-2.0
/* The snapshot directory of `tmprof leak`: file names that sort by time,
 * listing, retention, and picking snapshots by time. */
#ifndef TMPROF_AGENT_LEAK_STORE_H
#define TMPROF_AGENT_LEAK_STORE_H

#include <stddef.h>
#include <stdint.h>

struct leak_store_entry {
	char *path;
	int64_t time_ms; /* from the name */
	uint64_t size;   /* bytes on disk */
};

/* "leak-20241124T043000.123Z.snap" (UTC): lexical order is time order. */
int leak_store_name(char *buf, size_t len, int64_t time_ms);
/* The time in such a name (a path's last component), or -EINVAL. */
int leak_store_parse_name(const char *name, int64_t *time_ms);

/* The snapshots of dir, oldest first; other files are ignored. */
int leak_store_list(const char *dir, struct leak_store_entry **out, size_t *n);
void leak_store_list_free(struct leak_store_entry *e, size_t n);

/* Delete the oldest snapshots while there are more than keep (0: no
 * limit) or they take more than max_bytes (0: no limit). The newest one is
 * always kept. Returns how many were deleted, or -errno. */
int leak_store_prune(const char *dir, size_t keep, uint64_t max_bytes);

/* A time for --from/--to: Unix seconds ("1732423423"), UTC ISO 8601
 * ("2024-11-24T04:30:00Z", seconds and Z optional), or a snapshot's file
 * name or path. 0 or -EINVAL. */
int leak_time_parse(const char *s, int64_t *time_ms);

/* Indexes of the snapshots to compare: the first at or after from_ms and
 * the last at or before to_ms (INT64_MIN / INT64_MAX: no bound). -ENOENT
 * when fewer than two snapshots fall in the range. */
int leak_store_pick(const struct leak_store_entry *e, size_t n, int64_t from_ms, int64_t to_ms,
		    size_t *from, size_t *to);

#endif
