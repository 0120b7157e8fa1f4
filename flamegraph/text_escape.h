// SPDX-License-Identifier: GPL-2.0
/* Escaping frame names for XML/HTML and JSON output.
 *
 * Frame names come from symbol tables and user files, so they may hold any
 * byte. Both writers replace invalid UTF-8 and control characters with '?'
 * so the output always parses.
 */
#ifndef TMPROF_FLAMEGRAPH_TEXT_ESCAPE_H
#define TMPROF_FLAMEGRAPH_TEXT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid/truncated.
 * len is the number of bytes available. */
size_t utf8_seq_len(const unsigned char *s, size_t len);
/* True if the len bytes at s are valid UTF-8. */
bool utf8_valid(const char *s, size_t len);
/* Number of code points in s (invalid bytes count as one each). */
size_t utf8_strlen(const char *s);

/* Write at most max_chars code points of s escaped for XML text and
 * attribute values (max_chars SIZE_MAX: all). */
void xml_write_escaped(FILE *out, const char *s, size_t max_chars);
/* Write s as a JSON string with quotes; '<' and '>' become \u003c/\u003e
 * so the text can sit inside an HTML <script> element. */
void json_write_string(FILE *out, const char *s);

#endif
