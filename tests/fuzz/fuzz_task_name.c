// SPDX-License-Identifier: GPL-2.0
/* Fuzz the task thread name parser and thread kind classification (thread
 * names are chosen by the job: operator names are user strings). */
#include "agent/core/thread_kind.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct task_name tn;
	char *name = fuzz_strndup(data, size);

	if (thread_kind_task_parse(name, &tn) == 0) {
		if (tn.noperators < 0 || tn.noperators > TASK_MAX_OPERATORS ||
		    tn.subtask < 1 || tn.subtask > tn.parallelism)
			abort();
		for (int i = 0; i < tn.noperators; i++)
			if (!tn.operators[i] || tn.operators[i] < tn.buf ||
			    tn.operators[i] >= tn.buf + sizeof(tn.buf))
				abort();
	}
	if (!thread_kind_name(thread_kind_of(name)))
		abort();
	free(name);
	return 0;
}
