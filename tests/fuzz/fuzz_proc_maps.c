// SPDX-License-Identifier: GPL-2.0
/* Fuzz the /proc/PID/maps parser and the helpers run on its entries. The
 * kernel writes the file, but paths in it are chosen by whoever named the
 * mapped files (spaces, newlines, " (deleted)"). */
#include "symbolize/proc_maps.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps *pm = NULL;
	char *text = fuzz_copy(data, size);

	if (proc_maps_parse(text, size, &pm) == 0) {
		for (size_t i = 0; i < pm->count; i++) {
			const struct proc_map *m = &pm->maps[i];

			proc_map_is_anon(m);
			proc_map_is_exec(m);
			proc_map_is_file(m);
			if (!proc_map_module(m))
				abort();
			if (i && m->start < pm->maps[i - 1].end)
				abort(); /* documented: sorted, non-overlapping */
		}
		for (unsigned i = 0; i < 16; i++)
			proc_maps_find(pm, fuzz_addr(data, size, i));
		proc_maps_free(pm);
	}
	free(text);
	return 0;
}
