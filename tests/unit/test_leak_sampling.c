// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <errno.h>

#include <cmocka.h>

#include "agent/collect/leak_sampling.h"

#define SLOTS 4096

/* The table is an exponential distribution: mean = period, median =
 * period * ln 2, and sorted. */
static void test_exp_table(void **state)
{
	uint64_t *t = calloc(SLOTS, sizeof(*t));
	double sum = 0;

	(void)state;
	leak_exp_table_fill(t, SLOTS, 524288);
	for (size_t i = 0; i < SLOTS; i++) {
		sum += (double)t[i];
		assert_true(t[i] >= 1);
		if (i)
			assert_true(t[i] >= t[i - 1]);
	}
	assert_true(fabs(sum / SLOTS / 524288.0 - 1.0) < 0.01);
	assert_true(fabs((double)t[SLOTS / 2] / 524288.0 - log(2.0)) < 0.01);
	leak_exp_table_fill(t, SLOTS, 1);
	assert_true(t[0] == 1);
	free(t);
}

/* The kernel's countdown, simulated: sample rates per request size follow
 * 1 - exp(-size/period), and the weighted estimate is unbiased. */
static void test_simulated_countdown(void **state)
{
	uint64_t *t = calloc(SLOTS, sizeof(*t));
	const uint64_t period = 65536, sizes[] = { 64, 4096, 65536, 1 << 20 };
	uint64_t rng = 88172645463325252ULL;

	(void)state;
	leak_exp_table_fill(t, SLOTS, period);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int64_t left = (int64_t)t[SLOTS / 3];
		uint64_t n = 5000 * period / sizes[k] + 200000, hits = 0;
		double est = 0, truth = (double)n * (double)sizes[k];

		for (uint64_t i = 0; i < n; i++) {
			if (left > (int64_t)sizes[k]) {
				left -= (int64_t)sizes[k];
				continue;
			}
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			left = (int64_t)t[rng & (SLOTS - 1)];
			hits++;
			est += (double)leak_sample_weight(sizes[k], period);
		}
		double p = (double)hits / (double)n, want = leak_sample_probability(sizes[k], period);
		if (fabs(p - want) > 0.05 * want + 0.001)
			fail_msg("size %llu: rate %f, want %f", (unsigned long long)sizes[k], p, want);
		if (fabs(est / truth - 1.0) > 0.05)
			fail_msg("size %llu: estimate %f of truth", (unsigned long long)sizes[k], est / truth);
	}
	free(t);
}

static void test_weight(void **state)
{
	(void)state;
	/* small: about the period; large: the size; at the period: 1.58x */
	assert_true(llabs((long long)leak_sample_weight(64, 524288) - 524320) < 2);
	assert_true(leak_sample_weight(64 << 20, 524288) == 64 << 20);
	assert_true(llabs((long long)leak_sample_weight(524288, 524288) - 829411) < 2);
	assert_true(leak_sample_weight(100, 0) == 100);
	assert_true(leak_sample_weight(0, 524288) == 0);
	assert_true(leak_sample_probability(1, 0) == 1.0);
}

static void test_parse(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(leak_parse_size("512k", &v), 0);
	assert_true(v == 524288);
	assert_int_equal(leak_parse_size("1M", &v), 0);
	assert_true(v == 1048576);
	assert_int_equal(leak_parse_size("4096", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(leak_parse_size("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(leak_parse_size("-1", &v), -EINVAL);
	assert_int_equal(leak_parse_size("1x", &v), -EINVAL);
	assert_int_equal(leak_parse_size("", &v), -EINVAL);
	assert_int_equal(leak_parse_size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(leak_parse_size("17179869184g", &v), -EINVAL);
	assert_int_equal(leak_parse_duration_ms("10m", &v), 0);
	assert_true(v == 600000);
	assert_int_equal(leak_parse_duration_ms("5s", &v), 0);
	assert_true(v == 5000);
	assert_int_equal(leak_parse_duration_ms("5", &v), 0);
	assert_true(v == 5000);
	assert_int_equal(leak_parse_duration_ms("2h", &v), 0);
	assert_true(v == 7200000);
	assert_int_equal(leak_parse_duration_ms("1d", &v), 0);
	assert_int_equal(leak_parse_duration_ms("500ms", &v), 0);
	assert_true(v == 500);
	assert_int_equal(leak_parse_duration_ms("m", &v), -EINVAL);
	assert_int_equal(leak_parse_duration_ms("1w", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exp_table),
		cmocka_unit_test(test_simulated_countdown),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
