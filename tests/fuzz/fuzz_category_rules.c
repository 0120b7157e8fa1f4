// SPDX-License-Identifier: GPL-2.0
/* Fuzz the --categories file parser, and classification (CPU, blocked,
 * through the cache) with the parsed rules. */
#include <string.h>

#include "agent/core/category_rules.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct category_frame frames[] = {
		{ "tcp_sendmsg", "[kernel]", CFRAME_KERNEL },
		{ "rocksdb::DBImpl::Get", "librocksdbjni-linux64.so", CFRAME_NATIVE },
		{ "[unknown]", NULL, CFRAME_UNKNOWN },
		{ NULL, NULL, CFRAME_NATIVE },
		{ "", "", CFRAME_STUB },
		{ "org.rocksdb.RocksDB.get", "[anon]", CFRAME_JIT },
		{ "com.esotericsoftware.kryo.Kryo.writeObject", "[anon]", CFRAME_INLINED },
		{ "com.example.jobs.A.map", "[anon]", CFRAME_INTERPRETED },
	};
	const size_t n = sizeof(frames) / sizeof(frames[0]);
	struct category_rules r;
	struct category_cache *cache = NULL;
	char err[256];
	char *text = fuzz_copy(data, size);

	memset(&r, 0, sizeof(r));
	if (category_rules_parse(text, size, &r, err, sizeof(err)) == 0) {
		if (category_cache_new(2, &cache))
			abort();
		for (int tk = 0; tk <= THREAD_KIND__MAX; tk++) {
			enum category c = category_classify_cpu(&r, (enum thread_kind)tk, frames, n);
			enum category b = category_classify_blocked(&r, (enum thread_kind)tk, frames, n);

			if (c >= CATEGORY_CPU__MAX || b < CATEGORY_CPU__MAX || b >= CATEGORY__MAX)
				abort();
			if (category_cache_cpu(cache, &r, (uint64_t)tk, (enum thread_kind)tk, frames, n) != c ||
			    category_cache_blocked(cache, &r, (uint64_t)tk, (enum thread_kind)tk, frames, n) != b)
				abort();
		}
		category_classify_cpu(&r, THREAD_TASK, frames, 0);
		/* The rules' own patterns as frames of every kind. */
		for (size_t i = 0; i < r.count; i++) {
			struct category_frame f = { r.rules[i].pattern, r.rules[i].module,
						    (enum category_frame_kind)(i % (CFRAME_UNKNOWN + 1)) };

			category_classify_cpu(&r, THREAD_TASK, &f, 1);
			category_classify_blocked(&r, THREAD_TASK, &f, 1);
		}
		category_cache_free(cache);
		category_rules_free(&r);
	} else if (!memchr(err, '\0', sizeof(err)) || r.rules || r.count) {
		abort();
	}
	free(text);
	return 0;
}
