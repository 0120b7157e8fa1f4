/* A profile: distinct stacks of interned frame names with counts.
 *
 * Every output format (folded, and later SVG, HTML, pprof) reads this one
 * model, so the agent builds a profile once and writes it any way. Frames
 * are stored root first.
 */
#ifndef TMPROF_FLAMEGRAPH_PROFILE_H
#define TMPROF_FLAMEGRAPH_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct profile;

struct profile_stack {
	const uint32_t *frames; /* string ids, root first */
	uint32_t depth;
	uint64_t count;
};

struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Intern a frame name; characters that would break the folded format
 * (';', newlines, control characters) are replaced. Returns 0 and *id. */
int profile_intern(struct profile *p, const char *name, uint32_t *id);
const char *profile_string(const struct profile *p, uint32_t id);

/* Add count samples of a stack (root first); identical stacks merge. */
int profile_add(struct profile *p, const uint32_t *frames, uint32_t depth, uint64_t count);

size_t profile_stack_count(const struct profile *p);
/* i in [0, profile_stack_count) in insertion order. */
void profile_stack_get(const struct profile *p, size_t i, struct profile_stack *out);
uint64_t profile_total(const struct profile *p);

#endif
