// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_symbols.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/profile_builder.h"
#include "flamegraph/frame_text.h"
#include "symbolize/symbolizer.h"

#define FRAME_TEXT_MAX 1024

/* The folded separator (and line ends) must not appear inside a frame. */
static void frame_sanitize(char *s)
{
	for (; *s; s++)
		if (*s == ';' || *s == '\n' || *s == '\r' || (unsigned char)*s < 0x20)
			*s = *s == ';' ? ':' : ' ';
}

int leak_stack_text(struct process_symbolizer *ps, const uint64_t *ips, uint32_t depth,
		    uint32_t first_return, const char *skip_module, char **out)
{
	char frame[FRAME_TEXT_MAX], *buf = NULL;
	size_t len = 0, cap = 0;
	uint32_t leaf = 0;
	struct frame_sym fs;
	int err = 0;

	*out = NULL;
	/* Resolve leaf to root once to find where the skipped frames end... */
	while (skip_module && leaf < depth) {
		process_symbolizer_resolve_user(ps, leaf >= first_return ? ips[leaf] - 1 : ips[leaf],
						&fs);
		if (!fs.module || strncmp(fs.module, skip_module, strlen(skip_module)))
			break;
		leaf++;
	}
	if (leaf >= depth)
		return -ENODATA;
	/* ...then write root first (results are cached per address). */
	for (uint32_t i = depth; i-- > leaf;) {
		size_t n;

		process_symbolizer_resolve_user(ps, i >= first_return ? ips[i] - 1 : ips[i], &fs);
		if (frame_text_format(frame, sizeof(frame), fs.name, fs.module,
				      profile_kind_of_sym(fs.kind)) < 0) {
			err = -EINVAL;
			goto cleanup;
		}
		frame_sanitize(frame);
		n = strlen(frame);
		if (len + n + 2 > cap) {
			size_t ncap = (len + n + 2) * 2;
			char *g = realloc(buf, ncap);

			if (!g) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = g;
			cap = ncap;
		}
		if (len)
			buf[len++] = ';';
		memcpy(buf + len, frame, n + 1);
		len += n;
	}
cleanup:
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}
