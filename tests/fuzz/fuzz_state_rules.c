// SPDX-License-Identifier: GPL-2.0
/* Fuzz the --rules file parser and classification with the parsed rules. */
#include <string.h>

#include "agent/core/state_rules.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const frames[] = {
		"java.lang.Object.wait_[j]",
		"org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegmentBlocking_[j]",
		"org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.take_[i]",
		"futex_wait_queue_[k]",
		"",
		"[unknown] ([anon])",
	};
	struct state_rules r;
	char err[256];
	char *text = fuzz_copy(data, size);

	memset(&r, 0, sizeof(r));
	if (state_rules_parse(text, size, &r, err, sizeof(err)) == 0) {
		enum thread_state s = state_rules_classify(&r, frames, sizeof(frames) / sizeof(frames[0]));

		if (s >= STATE__MAX || !thread_state_name(s))
			abort();
		state_rules_classify(&r, frames, 0);
		/* Classify with the rules' own patterns as frames. */
		for (size_t i = 0; i < r.count; i++) {
			const char *f = r.rules[i].pattern;

			state_rules_classify(&r, &f, 1);
		}
		state_rules_free(&r);
	} else if (!memchr(err, '\0', sizeof(err))) {
		abort();
	}
	free(text);
	return 0;
}
