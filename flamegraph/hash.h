// SPDX-License-Identifier: GPL-2.0
/* Small shared building blocks of the profile tables: FNV-1a hashing and
 * array growth. Simple, and fast enough for frame names and id vectors. */
#ifndef TMPROF_FLAMEGRAPH_HASH_H
#define TMPROF_FLAMEGRAPH_HASH_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define FNV1A_SEED 0xcbf29ce484222325ULL

static inline uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Make room for need elements of size elem in *arr (capacity *cap),
 * doubling from 64. Returns 0 or -ENOMEM (the array is left as it was). */
static inline int array_reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

#endif
