// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/atomic_file.h"
#include "flamegraph/frame_text.h"
#include "flamegraph/profile.h"

struct folded_line {
	char *text;
	uint64_t count;
};

static int folded_line_cmp(const void *a, const void *b)
{
	const struct folded_line *la = a, *lb = b;

	return strcmp(la->text, lb->text);
}

/* Join a stack's pseudo-frames and frames with ';' into a malloc'd
 * string. */
static char *stack_join(struct frame_texts *ft, const struct profile_stack *s)
{
	const char *roots[FRAME_TEXT_ROOTS_MAX];
	int nroots = frame_texts_roots(ft, s->labels, roots);
	size_t len = 1;
	char *buf, *w;

	if (nroots < 0)
		return NULL;
	for (int i = 0; i < nroots; i++)
		len += strlen(roots[i]) + 1;
	for (uint32_t i = 0; i < s->depth; i++) {
		const char *f = frame_texts_frame(ft, s->frames[i]);

		if (!f)
			return NULL;
		len += strlen(f) + 1;
	}
	buf = malloc(len);
	if (!buf)
		return NULL;
	w = buf;
	for (uint32_t i = 0; i < (uint32_t)nroots + s->depth; i++) {
		const char *f = i < (uint32_t)nroots ? roots[i] :
						       frame_texts_frame(ft, s->frames[i - nroots]);
		size_t n = strlen(f);

		if (i)
			*w++ = ';';
		memcpy(w, f, n);
		w += n;
	}
	*w = '\0';
	return buf;
}

int folded_write(const struct profile *p, FILE *out)
{
	size_t n = profile_stack_count(p), nlines = 0;
	struct folded_line *lines = calloc(n ? n : 1, sizeof(*lines));
	struct frame_texts *ft = frame_texts_new(p);
	int err = 0;

	if (!lines || !ft) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		struct profile_stack s;

		profile_stack_get(p, i, &s);
		if (!s.count)
			continue;
		lines[nlines].text = stack_join(ft, &s);
		if (!lines[nlines].text) {
			err = -ENOMEM;
			goto cleanup;
		}
		/* A stack without frames has no place in a flame graph. */
		if (!*lines[nlines].text) {
			free(lines[nlines].text);
			continue;
		}
		lines[nlines++].count = s.count;
	}
	qsort(lines, nlines, sizeof(*lines), folded_line_cmp);
	for (size_t i = 0; i < nlines; i++) {
		uint64_t count = lines[i].count;

		/* Samples that differ only in labels no pseudo-frame shows
		 * have one text: one line. */
		while (i + 1 < nlines && !strcmp(lines[i].text, lines[i + 1].text))
			count += lines[++i].count;
		if (fprintf(out, "%s %" PRIu64 "\n", lines[i].text, count) < 0) {
			err = -(errno ? errno : EIO);
			goto cleanup;
		}
	}
cleanup:
	for (size_t i = 0; i < nlines; i++)
		free(lines[i].text);
	free(lines);
	frame_texts_free(ft);
	return err;
}

int folded_write_file(const struct profile *p, const char *path)
{
	struct atomic_file af;
	int err;

	err = atomic_file_open(&af, path);
	if (err)
		return err;
	err = folded_write(p, af.fp);
	if (err) {
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}
