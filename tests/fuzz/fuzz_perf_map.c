// SPDX-License-Identifier: GPL-2.0
/* Fuzz the JVM perf map parser (/tmp/perf-PID.map is written by the JVM but
 * sits in a directory any user can write), lookups, merging and name
 * normalisation. */
#include "symbolize/perf_map.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_map *pm = NULL, *half = NULL, *merged = NULL;
	struct perf_map_stats st;
	char *text = fuzz_copy(data, size);
	char *name;

	if (perf_map_parse(text, size, &pm) == 0) {
		perf_map_stats(pm, &st);
		for (unsigned i = 0; i < 16; i++) {
			const struct perf_map_entry *e = perf_map_lookup(pm, fuzz_addr(data, size, i));

			if (e && (e->start >= e->end || !e->name))
				abort();
		}
		/* Merge with a map of the first half: overlapping ranges of
		 * different shapes. */
		if (perf_map_parse(text, size / 2, &half) == 0 &&
		    perf_map_merge(half, pm, &merged) == 0) {
			for (unsigned i = 0; i < 8; i++)
				perf_map_lookup(merged, fuzz_addr(data, size, i));
		}
		perf_map_free(merged);
		perf_map_free(half);
		perf_map_free(pm);
	}
	free(text);

	name = fuzz_strndup(data, size);
	perf_map_normalize_name(name);
	for (char *c = name; *c; c++)
		if (*c == ';' || (unsigned char)*c < 0x20)
			abort(); /* would break the folded format */
	free(name);
	return 0;
}
