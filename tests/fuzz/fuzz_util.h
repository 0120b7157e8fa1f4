// SPDX-License-Identifier: GPL-2.0
/* Shared helpers for the libFuzzer harnesses in tests/fuzz.
 *
 * libFuzzer hands over (data, size) that is not NUL-terminated; parsers that
 * take (text, len) get it as is, so ASan catches any read past len. */
#ifndef TMPROF_TESTS_FUZZ_UTIL_H
#define TMPROF_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd NUL-terminated copy, for APIs that take C strings. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A malloc'd copy of exactly size bytes (never NULL, even for size 0), so
 * that ASan puts a redzone right after the last byte. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	return s;
}

/* Addresses worth looking up: a few fixed ones and some taken from the
 * input, so lookups land inside parsed ranges too. */
static inline uint64_t fuzz_addr(const uint8_t *data, size_t size, unsigned i)
{
	uint64_t a = 0;

	if (size >= 8) {
		size_t at = ((size_t)i * 7919u) % (size - 7);

		memcpy(&a, data + at, sizeof(a));
	}
	switch (i % 4) {
	case 0: return a;
	case 1: return 0;
	case 2: return UINT64_MAX;
	default: return 0x7f0000001000ull + (a & 0xffff);
	}
}

#endif
