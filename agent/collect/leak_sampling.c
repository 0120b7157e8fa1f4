// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/leak_sampling.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void leak_exp_table_fill(uint64_t *table, size_t n, uint64_t period)
{
	for (size_t i = 0; i < n; i++) {
		double q = ((double)i + 0.5) / (double)n;
		double v = -log1p(-q) * (double)period;

		table[i] = v < 1.0 ? 1 : (uint64_t)llround(v);
	}
}

double leak_sample_probability(uint64_t size, uint64_t period)
{
	if (!period)
		return 1.0;
	/* expm1 keeps precision for size << period, the common case. */
	return -expm1(-(double)size / (double)period);
}

uint64_t leak_sample_weight(uint64_t size, uint64_t period)
{
	double p = leak_sample_probability(size, period);

	if (!size)
		return 0;
	if (p <= 0)
		return period;
	return (uint64_t)llround((double)size / p);
}

/* A number followed by one of the given suffixes; mult[i] for suffix[i]. */
static int parse_scaled(const char *s, const char *const *suffix, const uint64_t *mult,
			size_t nsuffix, uint64_t bare, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (!*end) {
		if (v > UINT64_MAX / bare)
			return -EINVAL;
		*out = v * bare;
		return 0;
	}
	for (size_t i = 0; i < nsuffix; i++) {
		if (strcasecmp(end, suffix[i]))
			continue;
		if (v > UINT64_MAX / mult[i])
			return -EINVAL;
		*out = v * mult[i];
		return 0;
	}
	return -EINVAL;
}

int leak_parse_size(const char *s, uint64_t *out)
{
	static const char *const suffix[] = { "b", "k", "kib", "m", "mib", "g", "gib" };
	static const uint64_t mult[] = { 1, 1ull << 10, 1ull << 10, 1ull << 20, 1ull << 20,
					 1ull << 30, 1ull << 30 };

	return parse_scaled(s, suffix, mult, sizeof(mult) / sizeof(mult[0]), 1, out);
}

int leak_parse_duration_ms(const char *s, uint64_t *out)
{
	static const char *const suffix[] = { "ms", "s", "m", "min", "h", "d" };
	static const uint64_t mult[] = { 1, 1000, 60000, 60000, 3600000, 86400000 };

	return parse_scaled(s, suffix, mult, sizeof(mult) / sizeof(mult[0]), 1000, out);
}
