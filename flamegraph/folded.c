#include "flamegraph/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/atomic_file.h"
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

/* Join a stack's frames with ';' into a malloc'd string. */
static char *stack_join(const struct profile *p, const struct profile_stack *s)
{
	size_t len = 1;
	char *buf, *w;

	for (uint32_t i = 0; i < s->depth; i++)
		len += strlen(profile_string(p, s->frames[i])) + 1;
	buf = malloc(len);
	if (!buf)
		return NULL;
	w = buf;
	for (uint32_t i = 0; i < s->depth; i++) {
		const char *f = profile_string(p, s->frames[i]);
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
	int err = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct profile_stack s;

		profile_stack_get(p, i, &s);
		/* A stack without frames has no place in a flame graph. */
		if (!s.depth || !s.count)
			continue;
		lines[nlines].text = stack_join(p, &s);
		if (!lines[nlines].text) {
			err = -ENOMEM;
			goto cleanup;
		}
		lines[nlines++].count = s.count;
	}
	qsort(lines, nlines, sizeof(*lines), folded_line_cmp);
	for (size_t i = 0; i < nlines; i++) {
		if (fprintf(out, "%s %" PRIu64 "\n", lines[i].text, lines[i].count) < 0) {
			err = -(errno ? errno : EIO);
			goto cleanup;
		}
	}
cleanup:
	for (size_t i = 0; i < nlines; i++)
		free(lines[i].text);
	free(lines);
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
