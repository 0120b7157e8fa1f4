// SPDX-License-Identifier: GPL-2.0
/* JIT symbol maps written by the JVM (/tmp/perf-PID.map). */
#ifndef TMPROF_SYMBOLIZE_PERF_MAP_H
#define TMPROF_SYMBOLIZE_PERF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a perf map entry names. */
enum perf_map_kind {
	PERF_MAP_JAVA,        /* a compiled Java method */
	PERF_MAP_INTERPRETER, /* the template interpreter */
	PERF_MAP_STUB,        /* other JVM-generated code (adapters, stubs) */
};

struct perf_map_entry {
	uint64_t start, end;  /* [start, end) */
	const char *name;     /* normalised, owned by the map */
	enum perf_map_kind kind;
};

struct perf_map_stats {
	size_t entries;   /* non-overlapping ranges after resolution */
	size_t lines;     /* lines accepted */
	size_t malformed; /* lines skipped */
	bool capped;      /* a cap below was reached: the rest was ignored */
	bool older_dropped; /* merge: the older map was dropped to stay under the caps */
};

/* Caps on what one perf map may cost, whatever the target writes there (a
 * perf map is target-owned input; a sparse 512 MiB file costs nothing to
 * make). A busy JVM's map is ~100k lines, ~15 MiB: these are far above it.
 * Reading stops at the first cap reached; what was read is kept. A merged
 * map stays under the same entry and name caps. */
#define PERF_MAP_MAX_BYTES (64u << 20)     /* bytes read from the file */
#define PERF_MAP_MAX_ENTRIES (256u << 10)  /* lines kept */
#define PERF_MAP_MAX_NAMES (32u << 20)     /* bytes of names kept */

struct perf_map_limits {
	size_t max_bytes, max_entries, max_names;
};

struct perf_map;

/* Parse perf map text (NUL not required). Later lines win where ranges
 * overlap. */
int perf_map_parse(const char *text, size_t len, struct perf_map **out);
/* Stream-parse the perf map on fd (read to its end or to the caps above;
 * stats.capped tells). Memory: a 64 KiB buffer plus what is kept. */
int perf_map_read(int fd, struct perf_map **out);
/* The same with other caps (tests). */
int perf_map_read_limited(int fd, const struct perf_map_limits *lim, struct perf_map **out);
/* Combine: ranges of newer win, ranges of older survive where newer has
 * nothing. Neither input is modified. */
int perf_map_merge(const struct perf_map *older, const struct perf_map *newer,
		   struct perf_map **out);
/* Entry containing addr, or NULL. */
const struct perf_map_entry *perf_map_lookup(const struct perf_map *pm, uint64_t addr);
void perf_map_stats(const struct perf_map *pm, struct perf_map_stats *out);
/* Memory held by entries and names (NULL: 0). */
size_t perf_map_memory(const struct perf_map *pm);
void perf_map_free(struct perf_map *pm);

/* Reduce a perf map name to a flame graph frame name, in place, and classify
 * it: "int java.lang.Object.hashCode()" -> "java.lang.Object.hashCode",
 * "Lcom/foo/Bar;::run" -> "com.foo.Bar.run". Semicolons and control
 * characters are replaced because the folded format uses them. */
enum perf_map_kind perf_map_normalize_name(char *name);

#endif
