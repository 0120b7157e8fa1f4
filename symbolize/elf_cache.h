// SPDX-License-Identifier: GPL-2.0
/* Shared cache of parsed ELF symbol tables.
 *
 * Every TaskManager on a host maps the same libjvm.so, whose symbol table is
 * large: it is parsed once and shared. Files are recognised by (st_dev,
 * st_ino, size, mtime) and, across container layers that hold copies of
 * one file, by build-id. Failures are cached as well so that a file that is
 * not ELF is not re-read for every address. Thread-safe.
 */
#ifndef TMPROF_SYMBOLIZE_ELF_CACHE_H
#define TMPROF_SYMBOLIZE_ELF_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elf_symtab;
struct elf_cache;

struct elf_cache_stats {
	size_t objects; /* parsed files held (in use or idle), failures included */
	size_t loads;   /* files parsed */
	size_t hits;    /* gets served without parsing */
	size_t refused; /* files whose symbol tables were over the load cap */
};

int elf_cache_new(struct elf_cache **out);
/* Frees every entry: all references must have been put. */
void elf_cache_free(struct elf_cache *c);

/* Symbols of the ELF file open on fd (pid and path as for elf_symtab_load).
 * On success *out holds a reference to give back with elf_cache_put.
 * Returns the load error otherwise (-EINVAL: not a usable ELF file). */
int elf_cache_get(struct elf_cache *c, int fd, pid_t pid, const char *path,
		  struct elf_symtab **out);
void elf_cache_put(struct elf_cache *c, struct elf_symtab *st);

/* Bound on the symbol and string table bytes one load reads (0, the
 * default: only elf_symtab's fixed caps). A file over it keeps its
 * .dynsym if that fits, else is a cached -EFBIG failure. */
void elf_cache_set_max_load(struct elf_cache *c, uint64_t bytes);
/* A file the cap refused tables of that was not reported yet: true, its
 * path as the target maps it, the refused bytes, and whether it kept its
 * exported symbols (partial). Each file is reported once. */
bool elf_cache_take_refused(struct elf_cache *c, char *path, size_t len, uint64_t *bytes,
			    bool *partial);

void elf_cache_stats(struct elf_cache *c, struct elf_cache_stats *out);
/* Memory held by every entry (NULL: 0). */
size_t elf_cache_memory(struct elf_cache *c);
/* Drop every entry nobody references (a global memory budget asks for
 * room); returns how many. */
size_t elf_cache_trim(struct elf_cache *c);

#endif
