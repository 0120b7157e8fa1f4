// SPDX-License-Identifier: GPL-2.0
/* Fuzz the folded stack reader (input from other tools and hand edits),
 * with the default limits and with tiny ones. */
#include "flamegraph/folded_parse.h"
#include "flamegraph/profile.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct folded_parse_limits tiny = { .max_line = 64, .max_bytes = 4096, .max_depth = 4 };
	struct folded_parse_result res;
	char *buf = fuzz_copy(data, size);

	for (int pass = 0; pass < 2; pass++) {
		struct profile *p = profile_new();

		if (!p)
			abort();
		if (folded_parse_buffer(buf, size, p, pass ? &tiny : NULL, &res) == 0) {
			size_t n = profile_stack_count(p);

			for (size_t i = 0; i < n; i++) {
				struct profile_stack s;

				profile_stack_get(p, i, &s);
				for (uint32_t d = 0; d < s.depth; d++)
					if (!profile_string(p, s.frames[d]))
						abort();
			}
			profile_total(p);
		}
		profile_free(p);
	}
	free(buf);
	return 0;
}
