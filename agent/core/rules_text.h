// SPDX-License-Identifier: GPL-2.0
/* The line reader every plain rules file shares (state rules, category
 * rules): one rule per line, blank lines and '#' comments skipped, control
 * characters refused, each error "line N: <problem>; <fix>" and, from a
 * file, "FILE: line N: ...". The caller parses one trimmed line at a
 * time, so the file format stays the same for every kind of rule. */
#ifndef TMPROF_AGENT_RULES_TEXT_H
#define TMPROF_AGENT_RULES_TEXT_H

#include <stddef.h>

#define RULES_TEXT_MAX_BYTES (1 << 20)

/* One rule line, without leading or trailing blanks, never empty nor a
 * comment. Returns 0, -ENOMEM, or -EINVAL with the problem (no line
 * number: the reader adds it) in err. */
typedef int (*rules_line_fn)(void *ctx, const char *line, size_t len, char *err, size_t errlen);

/* Calls fn for every rule line of text, stopping at the first error.
 * *nrules counts the lines fn accepted. */
int rules_text_parse(const char *text, size_t len, rules_line_fn fn, void *ctx, size_t *nrules,
		     char *err, size_t errlen);

/* Reads a rules file of at most RULES_TEXT_MAX_BYTES into a new buffer
 * (the caller frees it). Errors name the file and the fix. */
int rules_text_read(const char *path, char **text, size_t *len, char *err, size_t errlen);

#endif
