// SPDX-License-Identifier: GPL-2.0
/* A profile: distinct samples, each a stack of structured frames, a set of
 * labels and one or more values.
 *
 * Every output format reads this one model, so the agent builds a profile
 * once and writes it any way. A frame is a name, a kind (kernel, native,
 * JIT, inlined, interpreted, stub, unknown) and a module; a sample carries
 * labels (thread, tid, pid, process, operator chain, subtask, state) and
 * several values (e.g. allocated bytes and objects). Nothing here is text
 * for a particular format: the folded suffixes ("_[j]", "_[k]", ...) and the
 * "[name tid=N]" / "[state]" pseudo-frames are written by the text writers
 * (flamegraph/frame_text.h), and pprof maps the structure onto its own.
 *
 * Frames are stored root first. Identical samples (same frames, same
 * labels) merge and add their values.
 */
#ifndef TMPROF_FLAMEGRAPH_PROFILE_H
#define TMPROF_FLAMEGRAPH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;

enum profile_frame_kind {
	PROFILE_FRAME_NATIVE = 0, /* native code, or a name tmprof made (a class) */
	PROFILE_FRAME_KERNEL,
	PROFILE_FRAME_JIT,         /* compiled Java */
	PROFILE_FRAME_INLINED,     /* Java inlined into the frame above it */
	PROFILE_FRAME_INTERPRETED, /* interpreted Java */
	PROFILE_FRAME_STUB,        /* JVM runtime stubs and adapters */
	PROFILE_FRAME_UNKNOWN,     /* not named; the module says where or why */
	PROFILE_FRAME__MAX,
};

/* What a frame is. name and module are interned strings of the profile
 * (profile_str); module 0 is "". */
struct profile_frame {
	uint32_t name, module;
	enum profile_frame_kind kind;
};

/* Well-known label keys. Any key may be used; these are the ones the
 * builder sets and the text writers turn into pseudo-frames. */
#define PROFILE_LABEL_PROCESS "process"
#define PROFILE_LABEL_PID "pid"
#define PROFILE_LABEL_THREAD "thread"
#define PROFILE_LABEL_TID "tid"
#define PROFILE_LABEL_OPERATOR_CHAIN "operator_chain"
#define PROFILE_LABEL_SUBTASK "subtask"
#define PROFILE_LABEL_STATE "state"
/* CPU category of an on-CPU sample (serialization, state, user, ...). */
#define PROFILE_LABEL_CATEGORY "category"

/* At most this many labels per sample, and values per sample. */
#define PROFILE_LABELS_MAX 12
#define PROFILE_VALUES_MAX 4

struct profile_label {
	uint32_t key, value; /* interned strings */
};

/* What one value of a sample means, e.g. "alloc_space" in "bytes". */
struct profile_value_type {
	const char *type, *unit;
};

struct profile_stack {
	const uint32_t *frames; /* frame ids, root first */
	uint32_t depth;
	uint32_t labels;        /* label set id, 0 = no labels */
	uint64_t count;         /* values[profile_display_value] */
	const uint64_t *values; /* profile_value_count of them */
};

struct profile *profile_new(void);
void profile_free(struct profile *p);

/* ---------------------------------------------------------------- strings */

/* Intern a string; characters that would break the folded format (';',
 * newlines, control characters) are replaced. 0 is always "". */
int profile_str_intern(struct profile *p, const char *s, uint32_t *id);
const char *profile_str(const struct profile *p, uint32_t id);

/* ----------------------------------------------------------------- frames */

/* Intern a frame (name, module: plain strings, module may be NULL). */
int profile_frame_intern(struct profile *p, const char *name, const char *module,
			 enum profile_frame_kind kind, uint32_t *id);
void profile_frame_get(const struct profile *p, uint32_t id, struct profile_frame *out);
/* The frame's name and module text. */
const char *profile_frame_name(const struct profile *p, uint32_t id);
const char *profile_frame_module(const struct profile *p, uint32_t id);
enum profile_frame_kind profile_frame_kind(const struct profile *p, uint32_t id);
size_t profile_frame_count(const struct profile *p);
/* Java code: JIT, inlined or interpreted. */
/* "native", "kernel", "jit", "inlined", "interpreted", "stub", "unknown". */
const char *profile_frame_kind_name(enum profile_frame_kind k);
bool profile_frame_kind_is_java(enum profile_frame_kind k);

/* A plain native frame named name (no module): what tmprof makes up,
 * "[lost stack]" or an allocated class. Returns 0 and the frame id. */
int profile_intern(struct profile *p, const char *name, uint32_t *id);
/* The name of frame id (without any folded suffix). */
const char *profile_string(const struct profile *p, uint32_t id);

/* ----------------------------------------------------------------- labels */

/* Intern a label set of n (key, value) pairs, kept in the order given; a
 * set always lists its keys in the same order for equal sets to merge.
 * Empty values are left out. 0 is the empty set. */
int profile_labels_intern(struct profile *p, const struct profile_label *labels, size_t n,
			  uint32_t *id);
/* Label set id: its pairs (valid until the next intern) and count. */
size_t profile_labels_get(const struct profile *p, uint32_t id, const struct profile_label **out);
/* Value of key in set id, or NULL. */
const char *profile_label_value(const struct profile *p, uint32_t id, const char *key);

/* ----------------------------------------------------------------- values */

/* Declare the values every sample carries (before the first sample; at
 * most PROFILE_VALUES_MAX). Default: one value, "samples" in "count". */
int profile_set_value_types(struct profile *p, const struct profile_value_type *types, size_t n);
size_t profile_value_count(const struct profile *p);
struct profile_value_type profile_value_type(const struct profile *p, size_t i);
/* Which value count/total show (the text writers draw that one). */
int profile_set_display_value(struct profile *p, size_t i);
size_t profile_display_value(const struct profile *p);

/* ---------------------------------------------------------------- samples */

/* Add a sample: frames root first, labels a set id, values
 * profile_value_count of them. Identical samples merge. */
int profile_add_sample(struct profile *p, const uint32_t *frames, uint32_t depth, uint32_t labels,
		       const uint64_t *values);
/* A sample without labels whose first value is count (others 0). */
int profile_add(struct profile *p, const uint32_t *frames, uint32_t depth, uint64_t count);

size_t profile_stack_count(const struct profile *p);
/* i in [0, profile_stack_count) in insertion order. */
void profile_stack_get(const struct profile *p, size_t i, struct profile_stack *out);
/* Sum of the display value. */
uint64_t profile_total(const struct profile *p);
uint64_t profile_value_total(const struct profile *p, size_t i);

/* Give dst (empty) src's value types, display value and roots. */
int profile_init_like(struct profile *dst, const struct profile *src);
/* Add sample s of src to dst (set up alike), re-interning its frames and
 * labels; labels whose key is in drop (NULL-terminated, may be NULL) are
 * left out. */
int profile_add_from(struct profile *dst, const struct profile *src, const struct profile_stack *s,
		     const char *const *drop);

/* ------------------------------------------------------- text pseudo-frames */

/* Which labels the text writers (folded, SVG, HTML) draw as pseudo-frames
 * at the root of a stack, in this order: "[<process> pid=<pid>]",
 * "[<thread> tid=<tid>]", "[<state>]", "[<category>]". A stack without the
 * labels gets no such frame. */
enum {
	PROFILE_ROOT_PROCESS = 1u << 0,
	PROFILE_ROOT_THREAD = 1u << 1,
	PROFILE_ROOT_STATE = 1u << 2,
	PROFILE_ROOT_CATEGORY = 1u << 3,
};
void profile_set_roots(struct profile *p, unsigned int roots);
unsigned int profile_roots(const struct profile *p);

#endif
