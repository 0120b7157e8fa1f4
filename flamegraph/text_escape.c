// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/text_escape.h"

#include <stdint.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;
		uint64_t w;

		/* Frame names are nearly all ASCII: skip 8 bytes at a time. */
		if (len - i >= 8) {
			memcpy(&w, p + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		n = utf8_seq_len(p + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

size_t utf8_strlen(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, chars = 0;

	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		i += n ? n : 1;
		chars++;
	}
	return chars;
}

/* Writes the character at p unless it is a single ASCII byte (returns 0:
 * the caller escapes those its own way). A valid multi-byte sequence is
 * copied; an invalid byte becomes '?' and is skipped alone, so one bad byte
 * never swallows the text after it. Returns the bytes consumed. */
static size_t utf8_copy(FILE *out, const unsigned char *p, size_t left)
{
	size_t n = utf8_seq_len(p, left);

	if (n == 1)
		return 0;
	if (n) {
		fwrite(p, 1, n, out);
		return n;
	}
	fputc('?', out);
	return 1;
}

void xml_write_escaped(FILE *out, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, chars = 0;

	while (i < len && chars < max_chars) {
		size_t n = utf8_copy(out, p + i, len - i);

		chars++;
		if (n) {
			i += n;
			continue;
		}
		switch (p[i]) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			/* XML 1.0 forbids most control characters, even escaped. */
			fputc(p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i], out);
		}
		i++;
	}
}

/* Printable ASCII that JSON and HTML take as is. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

void json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;

	fputc('"', out);
	while (i < len) {
		size_t run = 0, n;

		while (i + run < len && json_plain(p[i + run]))
			run++;
		if (run) {
			fwrite(p + i, 1, run, out);
			i += run;
			continue;
		}
		n = utf8_copy(out, p + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		switch (p[i]) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '<': fputs("\\u003c", out); break;
		case '>': fputs("\\u003e", out); break;
		case '&': fputs("\\u0026", out); break;
		default:
			fputc(p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i], out);
		}
		i++;
	}
	fputc('"', out);
}
