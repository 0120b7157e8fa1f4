// SPDX-License-Identifier: GPL-2.0
/* Fuzz the thread dump parser: thread names are chosen by the application
 * (quotes, backslashes, newlines, "nid=" inside names). */
#include "agent/jvm/thread_names.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thread_dump_entry *e = NULL;
	size_t n = 0;
	char *text = fuzz_copy(data, size);

	if (thread_dump_parse(text, size, &e, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!e[i].name)
				abort();
		thread_dump_free(e, n);
	}
	free(text);
	return 0;
}
