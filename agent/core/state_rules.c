// SPDX-License-Identifier: GPL-2.0
#include "agent/core/state_rules.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/rules_text.h"
#include "flink_rules.h" /* generated from agent/rules/flink.rules */

#define FRAME_MAX 1024

const char *thread_state_name(enum thread_state s)
{
	static const char *const names[STATE__MAX] = {
		[STATE_CPU] = "cpu",
		[STATE_RUNQUEUE] = "runqueue",
		[STATE_BACKPRESSURED] = "backpressured",
		[STATE_IDLE] = "idle",
		[STATE_BLOCKED] = "blocked",
	};

	return s < STATE__MAX ? names[s] : "?";
}

void state_rules_free(struct state_rules *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->rules[i].pattern);
	free(r->rules);
	r->rules = NULL;
	r->count = 0;
}

/* Only the states a stack can decide; cpu and runqueue come from the
 * scheduler. */
static int state_from_word(const char *w, size_t n, enum thread_state *out)
{
	static const enum thread_state allowed[] = { STATE_BACKPRESSURED, STATE_IDLE, STATE_BLOCKED };

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		const char *name = thread_state_name(allowed[i]);

		if (strlen(name) == n && !strncmp(w, name, n)) {
			*out = allowed[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int rules_append(struct state_rules *r, enum thread_state s, const char *pat, size_t n)
{
	struct state_rule *grown = realloc(r->rules, (r->count + 1) * sizeof(*r->rules));

	if (!grown)
		return -ENOMEM;
	r->rules = grown;
	r->rules[r->count].pattern = strndup(pat, n);
	if (!r->rules[r->count].pattern)
		return -ENOMEM;
	r->rules[r->count++].state = s;
	return 0;
}

static int parse_line(void *ctx, const char *line, size_t len, char *err, size_t errlen)
{
	struct state_rules *r = ctx;
	const char *p = line, *end = line + len, *word, *pat;
	enum thread_state s;

	word = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	if (state_from_word(word, (size_t)(p - word), &s)) {
		snprintf(err, errlen, "unknown state '%.*s'; use backpressured, idle or blocked",
			 (int)(p - word > 40 ? 40 : p - word), word);
		return -EINVAL;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	pat = p;
	if (pat == end) {
		snprintf(err, errlen, "'%s' has no frame pattern; write STATE PATTERN",
			 thread_state_name(s));
		return -EINVAL;
	}
	if (end - pat >= FRAME_MAX) {
		snprintf(err, errlen, "pattern longer than %d characters; shorten it", FRAME_MAX);
		return -EINVAL;
	}
	return rules_append(r, s, pat, (size_t)(end - pat));
}

int state_rules_parse(const char *text, size_t len, struct state_rules *out, char *err,
		      size_t errlen)
{
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rules_text_parse(text, len, parse_line, out, &n, err, errlen);
	if (!rc && !n) {
		snprintf(err, errlen, "no rules; write one per line as STATE PATTERN");
		rc = -EINVAL;
	}
	if (rc)
		state_rules_free(out);
	return rc;
}

int state_rules_default(struct state_rules *out)
{
	char err[128];

	return state_rules_parse(flink_rules_text, sizeof(flink_rules_text) - 1, out, err,
				 sizeof(err));
}

int state_rules_load(const char *path, struct state_rules *out, char *err, size_t errlen)
{
	char *buf, msg[512];
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rules_text_read(path, &buf, &len, err, errlen);
	if (rc)
		return rc;
	rc = state_rules_parse(buf, len, out, msg, sizeof(msg));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
	return rc;
}

enum thread_state state_rules_classify(const struct state_rules *r, const char *const *frames,
				       size_t nframes)
{
	for (size_t i = 0; i < r->count; i++)
		for (size_t f = 0; f < nframes; f++)
			if (frames[f] && fnmatch(r->rules[i].pattern, frames[f], 0) == 0)
				return r->rules[i].state;
	return STATE_BLOCKED;
}
