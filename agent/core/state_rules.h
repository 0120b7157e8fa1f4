// SPDX-License-Identifier: GPL-2.0
/* Which off-CPU state a stack means: rules "STATE PATTERN", first match
 * wins (agent/rules/flink.rules holds the defaults). */
#ifndef TMPROF_AGENT_STATE_RULES_H
#define TMPROF_AGENT_STATE_RULES_H

#include <stddef.h>

enum thread_state {
	STATE_CPU,
	STATE_RUNQUEUE,
	STATE_BACKPRESSURED,
	STATE_IDLE,
	STATE_BLOCKED,
	STATE__MAX,
};

struct state_rule {
	enum thread_state state;
	char *pattern;
};

struct state_rules {
	struct state_rule *rules;
	size_t count;
};

/* Parse rules text. On a bad line returns -EINVAL and writes
 * "line N: <problem>" into err. */
int state_rules_parse(const char *text, size_t len, struct state_rules *out, char *err,
		      size_t errlen);
/* The built-in Flink defaults. */
int state_rules_default(struct state_rules *out);
/* Read a rules file (-ENOENT, -EINVAL with "FILE: line N: ..." in err). */
int state_rules_load(const char *path, struct state_rules *out, char *err, size_t errlen);
void state_rules_free(struct state_rules *r);

/* State of an off-CPU stack given its frame names (any order): names, not
 * folded text (the builder passes the profile's frame names, which carry no
 * kind suffix). STATE_BLOCKED if no rule matches. */
enum thread_state state_rules_classify(const struct state_rules *r, const char *const *frames,
				       size_t nframes);

const char *thread_state_name(enum thread_state s);

#endif
