// SPDX-License-Identifier: GPL-2.0
/* Kernel symbols from /proc/kallsyms. */
#ifndef TMPROF_SYMBOLIZE_KSYMS_H
#define TMPROF_SYMBOLIZE_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* Parse kallsyms text (not NUL-terminated necessarily). */
int ksyms_parse(const char *text, size_t len, struct ksyms **out);
/* Load /proc/kallsyms. -EPERM when addresses are hidden (all zero). */
int ksyms_load(struct ksyms **out);
/* Name of the function containing addr, or NULL. *offset gets addr - start. */
const char *ksyms_lookup(const struct ksyms *ks, uint64_t addr, uint64_t *offset);
void ksyms_free(struct ksyms *ks);

#endif
