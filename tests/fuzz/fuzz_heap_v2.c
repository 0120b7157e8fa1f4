// SPDX-License-Identifier: GPL-2.0
/* Fuzz the jemalloc heap profile reader (files a target's allocator
 * writes, possibly into a directory other users can write). */
#include "flamegraph/heap_v2.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct heap_v2 h;
	struct heap_v2_error err;
	char *buf = fuzz_copy(data, size);

	if (heap_v2_parse(buf, size, &h, &err) == 0) {
		for (size_t i = 0; i < h.n; i++) {
			if (h.stacks[i].depth > HEAP_V2_MAX_DEPTH)
				abort();
			for (uint32_t d = 0; d < h.stacks[i].depth; d++)
				(void)h.stacks[i].addrs[d];
			(void)heap_v2_scale(h.stacks[i].objs, h.stacks[i].bytes, h.period);
		}
		heap_v2_free(&h);
	} else if (err.line == 0 && !err.reason) {
		/* A parse failure always says why (only -ENOMEM may not). */
	}
	free(buf);
	return 0;
}
