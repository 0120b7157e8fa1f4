// SPDX-License-Identifier: GPL-2.0
/* The fuzz input as a target process's memory, for the harnesses of the
 * JVM memory readers: [FUZZ_IMAGE_BASE, + size) reads from the input, any
 * other address fails as unmapped memory does. */
#ifndef TMPROF_TESTS_FUZZ_IMAGE_H
#define TMPROF_TESTS_FUZZ_IMAGE_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "symbolize/target_mem.h"

#define FUZZ_BASE 0x7f1200000000ULL

struct image {
	const uint8_t *buf;
	uint64_t base;
	size_t size;
};

static inline int image_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	const struct image *im = ctx;

	if (addr < im->base || addr - im->base > im->size || len > im->size - (addr - im->base))
		return -EFAULT;
	memcpy(out, im->buf + (addr - im->base), len);
	return 0;
}

#endif
