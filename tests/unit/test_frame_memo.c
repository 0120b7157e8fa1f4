// SPDX-License-Identifier: GPL-2.0
/* The per-epoch memo of Java frame names: chains come back as stored, keyed
 * by word and epoch, the first reading wins, and it stays bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "symbolize/frame_memo.h"


static void test_chains_by_word_and_epoch(void **state)
{
	struct frame_memo m = { 0 };
	struct frame_sym chain[3] = {
		{ "a.B.outer", "[java]", FRAME_JIT },
		{ "a.B.mid", "[java]", FRAME_INLINED },
		{ "a.B.inner", "[java]", FRAME_INLINED },
	}, other = { "c.D.old", "[java]", FRAME_INTERPRETED }, out[4];

	(void)state;
	assert_int_equal(frame_memo_get(&m, 0x8000000000001000ULL, 1, out, 4), 0);
	assert_int_equal(frame_memo_put(&m, 0x8000000000001000ULL, 1, chain, 3), 0);
	assert_int_equal(frame_memo_put(&m, 0x8000000000001000ULL, 2, &other, 1), 0);
	assert_int_equal(frame_memo_get(&m, 0x8000000000001000ULL, 1, out, 4), 3);
	assert_string_equal(out[0].name, "a.B.outer");
	assert_string_equal(out[2].name, "a.B.inner");
	assert_int_equal(out[1].kind, FRAME_INLINED);
	/* Another epoch is another method, even at the same word. */
	assert_int_equal(frame_memo_get(&m, 0x8000000000001000ULL, 2, out, 4), 1);
	assert_string_equal(out[0].name, "c.D.old");
	/* Truncated to what the caller has room for, outermost kept. */
	assert_int_equal(frame_memo_get(&m, 0x8000000000001000ULL, 1, out, 2), 2);
	assert_string_equal(out[1].name, "a.B.mid");
	/* The first reading wins: it was taken closest to the samples. */
	assert_int_equal(frame_memo_put(&m, 0x8000000000001000ULL, 2, chain, 3), 0);
	assert_int_equal(frame_memo_get(&m, 0x8000000000001000ULL, 2, out, 4), 1);
	assert_int_equal(frame_memo_put(&m, 0, 1, chain, 1), -EINVAL);
	assert_int_equal(frame_memo_put(&m, 1, 1, chain, 0), -EINVAL);
	frame_memo_free(&m);
	assert_int_equal(frame_memo_get(&m, 0x8000000000001000ULL, 1, out, 4), 0);
}

static void test_bounded(void **state)
{
	struct frame_memo m = { 0 };
	struct frame_sym f = { "x.Y.z", "[java]", FRAME_INTERPRETED }, out;
	size_t found = 0;

	(void)state;
	for (uint64_t i = 1; i <= 200000; i++)
		assert_int_equal(frame_memo_put(&m, 0x8000000000000000ULL | (i << 3), 7, &f, 1), 0);
	assert_true(m.mask + 1 <= 65536);
	assert_true(m.used * 4 <= (m.mask + 1) * 3);
	/* The newest entries survive a reset; the oldest are gone. */
	assert_int_equal(frame_memo_get(&m, 0x8000000000000000ULL | (200000ULL << 3), 7, &out, 1), 1);
	for (uint64_t i = 1; i <= 1000; i++)
		found += frame_memo_get(&m, 0x8000000000000000ULL | (i << 3), 7, &out, 1);
	assert_int_equal(found, 0);
	frame_memo_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chains_by_word_and_epoch),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
