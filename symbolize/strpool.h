// SPDX-License-Identifier: GPL-2.0
/* Interned strings: one copy per distinct string, alive until the pool is
 * freed. Frame names handed to callers must stay valid while the cache that
 * produced them is cleared and refilled. */
#ifndef TMPROF_SYMBOLIZE_STRPOOL_H
#define TMPROF_SYMBOLIZE_STRPOOL_H

#include <stddef.h>

struct strpool;

/* max_bytes bounds the memory held by strings. */
int strpool_new(size_t max_bytes, struct strpool **out);
/* The pool's copy of s; NULL when out of memory or over max_bytes. */
const char *strpool_intern(struct strpool *p, const char *s);
size_t strpool_count(const struct strpool *p);
size_t strpool_bytes(const struct strpool *p);
/* Memory held: strings and the table (NULL: 0). */
size_t strpool_memory(const struct strpool *p);
void strpool_free(struct strpool *p);

#endif
