// SPDX-License-Identifier: GPL-2.0
/* Fuzz the /proc/kallsyms parser (module symbol names come from modules). */
#include "symbolize/ksyms.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksyms *ks = NULL;
	char *text = fuzz_copy(data, size);

	if (ksyms_parse(text, size, &ks) == 0) {
		for (unsigned i = 0; i < 16; i++) {
			uint64_t off;

			ksyms_lookup(ks, fuzz_addr(data, size, i), &off);
		}
		ksyms_free(ks);
	}
	free(text);
	return 0;
}
