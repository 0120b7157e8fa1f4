// SPDX-License-Identifier: GPL-2.0
/* Fuzz the parser of replies on the HotSpot attach socket (the peer is the
 * target's uid, not trusted). */
#include "agent/jvm/hotspot_attach.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attach_reply r;
	char *buf = fuzz_copy(data, size);

	if (attach_reply_parse(buf, size, &r) == 0) {
		if (!r.output || r.output[r.len] != '\0')
			abort();
		attach_reply_free(&r);
	}
	free(buf);
	return 0;
}
