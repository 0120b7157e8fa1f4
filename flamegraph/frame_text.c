// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/frame_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/hash.h"

const char *frame_text_suffix(enum profile_frame_kind kind)
{
	switch (kind) {
	case PROFILE_FRAME_KERNEL: return "_[k]";
	case PROFILE_FRAME_JIT: return "_[j]";
	case PROFILE_FRAME_INLINED: return "_[i]";
	case PROFILE_FRAME_INTERPRETED: return "_[0]";
	default: return "";
	}
}

int frame_text_format(char *buf, size_t len, const char *name, const char *module,
		      enum profile_frame_kind kind)
{
	/* buf NULL with len 0 measures (format_alloc). */
	if (kind == PROFILE_FRAME_UNKNOWN || !name || !*name)
		/* cppcheck-suppress nullPointer ; snprintf(NULL, 0, ...) only measures */
		return snprintf(buf, len, "[unknown] (%s)", module && *module ? module : "?");
	/* cppcheck-suppress nullPointer ; snprintf(NULL, 0, ...) only measures */
	return snprintf(buf, len, "%s%s", name, frame_text_suffix(kind));
}

int frame_text_of(const struct profile *p, uint32_t id, char *buf, size_t len)
{
	struct profile_frame f;

	profile_frame_get(p, id, &f);
	return frame_text_format(buf, len, profile_str(p, f.name), profile_str(p, f.module), f.kind);
}

struct root_text {
	int n; /* -1: not rendered yet */
	char *text[FRAME_TEXT_ROOTS_MAX];
};

struct frame_texts {
	const struct profile *p;
	char **frames; /* by frame id, NULL until asked */
	size_t nframes;
	struct root_text *roots; /* by label set id */
	size_t nroots, roots_cap;
};

struct frame_texts *frame_texts_new(const struct profile *p)
{
	struct frame_texts *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->p = p;
	t->nframes = profile_frame_count(p);
	t->frames = calloc(t->nframes ? t->nframes : 1, sizeof(*t->frames));
	if (!t->frames) {
		free(t);
		return NULL;
	}
	return t;
}

void frame_texts_free(struct frame_texts *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nframes; i++)
		free(t->frames[i]);
	for (size_t i = 0; i < t->nroots; i++)
		for (int k = 0; k < t->roots[i].n; k++)
			free(t->roots[i].text[k]);
	free(t->frames);
	free(t->roots);
	free(t);
}

static char *format_alloc(const char *name, const char *module, enum profile_frame_kind kind)
{
	int n = frame_text_format(NULL, 0, name, module, kind);
	char *s;

	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		frame_text_format(s, (size_t)n + 1, name, module, kind);
	return s;
}

const char *frame_texts_frame(struct frame_texts *t, uint32_t id)
{
	struct profile_frame f;

	if (id >= t->nframes)
		return "";
	if (!t->frames[id]) {
		profile_frame_get(t->p, id, &f);
		t->frames[id] = format_alloc(profile_str(t->p, f.name), profile_str(t->p, f.module),
					     f.kind);
	}
	return t->frames[id];
}

static char *pseudo_alloc(const char *name, const char *key, const char *num)
{
	size_t len = strlen(name) + (key ? strlen(key) + strlen(num) + 2 : 0) + 3;
	char *s = malloc(len);

	if (!s)
		return NULL;
	if (key)
		snprintf(s, len, "[%s %s=%s]", name, key, num);
	else
		snprintf(s, len, "[%s]", name);
	return s;
}

static int roots_render(struct frame_texts *t, uint32_t labels, struct root_text *r)
{
	unsigned int want = profile_roots(t->p);
	const char *process = profile_label_value(t->p, labels, PROFILE_LABEL_PROCESS);
	const char *pid = profile_label_value(t->p, labels, PROFILE_LABEL_PID);
	const char *thread = profile_label_value(t->p, labels, PROFILE_LABEL_THREAD);
	const char *tid = profile_label_value(t->p, labels, PROFILE_LABEL_TID);
	const char *state = profile_label_value(t->p, labels, PROFILE_LABEL_STATE);
	const char *category = profile_label_value(t->p, labels, PROFILE_LABEL_CATEGORY);

	r->n = 0;
	if ((want & PROFILE_ROOT_PROCESS) && process && pid &&
	    !(r->text[r->n++] = pseudo_alloc(process, "pid", pid)))
		return -ENOMEM;
	if ((want & PROFILE_ROOT_THREAD) && thread && tid &&
	    !(r->text[r->n++] = pseudo_alloc(thread, "tid", tid)))
		return -ENOMEM;
	if ((want & PROFILE_ROOT_STATE) && state && !(r->text[r->n++] = pseudo_alloc(state, NULL, NULL)))
		return -ENOMEM;
	if ((want & PROFILE_ROOT_CATEGORY) && category &&
	    !(r->text[r->n++] = pseudo_alloc(category, NULL, NULL)))
		return -ENOMEM;
	return 0;
}

int frame_texts_roots(struct frame_texts *t, uint32_t labels, const char **out)
{
	struct root_text *r;

	if (labels >= t->nroots) {
		size_t old = t->nroots;

		if (array_reserve((void **)&t->roots, &t->roots_cap, (size_t)labels + 1,
				  sizeof(*t->roots)))
			return -ENOMEM;
		for (size_t i = old; i <= labels; i++)
			t->roots[i] = (struct root_text){ .n = -1 };
		t->nroots = (size_t)labels + 1;
	}
	r = &t->roots[labels];
	if (r->n < 0) {
		int err = roots_render(t, labels, r);

		if (err) {
			/* Keep what was made so that free releases it. */
			for (int k = 0; k < r->n; k++)
				if (!r->text[k])
					r->n = k;
			return err;
		}
	}
	for (int k = 0; k < r->n; k++)
		out[k] = r->text[k];
	return r->n;
}
