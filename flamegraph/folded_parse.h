// SPDX-License-Identifier: GPL-2.0
/* Reading flamegraph.pl-compatible folded stacks ("frame;frame;... COUNT"
 * per line) into a profile.
 *
 * Input comes from other tools and hand edits, so a malformed line never
 * fails the whole file: it is skipped and counted, and the first one's line
 * number and reason are reported. Malformed means: no count, a count that
 * is not a non-negative integer (floats are rejected), a count or a total
 * past 2^64-1, invalid UTF-8, a NUL byte, an empty frame (";;"), more than
 * max_depth frames, or a line longer than max_line. Blank lines are
 * ignored; CRLF line ends are accepted; a count of 0 adds nothing.
 *
 * This is the one reader of the text conventions the folded writer uses:
 * a frame's suffix gives its kind ("foo_[j]": foo, compiled Java; "_[i]"
 * inlined, "_[k]" kernel, "_[0]" interpreted), "[unknown] (m)" is an unnamed
 * frame of module m, and the pseudo-frames at the root of a stack,
 * "[<process> pid=N]", "[<thread> tid=N]", a state ("[cpu]", "[idle]",
 * ...) right under one of them and a CPU category ("[serialization]",
 * "[user]", ...) under those, become the sample's labels (process, pid,
 * thread, tid, operator_chain and subtask for Flink task threads, state,
 * category).
 */
#ifndef TMPROF_FLAMEGRAPH_FOLDED_PARSE_H
#define TMPROF_FLAMEGRAPH_FOLDED_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;

struct folded_parse_limits {
	size_t max_line;    /* bytes per line, newline excluded */
	uint64_t max_bytes; /* whole input; past it the parse fails with -EFBIG */
	uint32_t max_depth; /* frames per stack */
};

#define FOLDED_MAX_LINE (16u << 20)
#define FOLDED_MAX_BYTES (4ull << 30)
#define FOLDED_MAX_DEPTH 8192u

struct folded_parse_result {
	size_t lines;          /* lines read */
	size_t stacks;         /* valid stack lines */
	size_t bad_lines;      /* skipped malformed lines */
	size_t first_bad_line; /* 1-based; 0 when none */
	const char *first_bad_reason; /* static text; NULL when none */
};

/* limits may be NULL for the defaults above. Returns 0 when at least one
 * valid line with a non-zero count was read; -ENODATA when none was (the
 * result still counts the bad lines); -EFBIG past max_bytes; -errno on a
 * read error or -ENOMEM. */
int folded_parse_stream(FILE *in, struct profile *p, const struct folded_parse_limits *limits,
			struct folded_parse_result *r);
int folded_parse_buffer(const char *buf, size_t len, struct profile *p,
			const struct folded_parse_limits *limits, struct folded_parse_result *r);
/* A pseudo-frame "[<name> <key>=<digits>]" (key "tid" or "pid"): true
 * and the name's span and the number's span within frame. */
bool folded_pseudo_frame_parse(const char *frame, const char *key, const char **name,
			       size_t *name_len, const char **num, size_t *num_len);
/* Flink task thread names: "<chain> (<subtask>/<parallelism>)" with an
 * optional "#<attempt>": true, the chain's length and the subtask's span. */
bool folded_task_name_parse(const char *name, size_t len, size_t *chain_len, const char **sub,
			    size_t *sub_len);

/* path "-" reads stdin. Opening failures return -errno. */
int folded_parse_file(const char *path, struct profile *p, const struct folded_parse_limits *limits,
		      struct folded_parse_result *r);

#endif
