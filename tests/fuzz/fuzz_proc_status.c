// SPDX-License-Identifier: GPL-2.0
/* Fuzz the /proc/PID/status parser (Name: is chosen by the process). */
#include <string.h>

#include "agent/core/proc_info.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_status st;
	char *text = fuzz_copy(data, size);

	if (proc_status_parse(text, size, &st) == 0 && !memchr(st.name, '\0', sizeof(st.name)))
		abort(); /* name must stay NUL-terminated */
	free(text);
	return 0;
}
