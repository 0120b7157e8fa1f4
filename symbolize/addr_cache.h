// SPDX-License-Identifier: GPL-2.0
/* Bounded address -> resolution cache of one symbolizer. */
#ifndef TMPROF_SYMBOLIZE_ADDR_CACHE_H
#define TMPROF_SYMBOLIZE_ADDR_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct addr_entry {
	uint64_t addr;
	const char *name;   /* not owned (interned by the caller) */
	const char *module; /* not owned */
	uint8_t kind;       /* enum frame_kind */
	uint8_t tag;        /* caller's classification, see addr_cache_drop_tag */
};

struct addr_cache;

/* At most max_entries are held; inserting beyond that empties the cache
 * first (resolutions are cheap to redo, memory must stay bounded). */
int addr_cache_new(size_t max_entries, struct addr_cache **out);
const struct addr_entry *addr_cache_find(const struct addr_cache *c, uint64_t addr);
/* Insert or replace. */
int addr_cache_insert(struct addr_cache *c, const struct addr_entry *e);
/* Remove every entry whose tag equals tag. */
int addr_cache_drop_tag(struct addr_cache *c, uint8_t tag);
size_t addr_cache_count(const struct addr_cache *c);
/* Memory held by the table (NULL: 0). */
size_t addr_cache_memory(const struct addr_cache *c);
void addr_cache_free(struct addr_cache *c);

#endif
