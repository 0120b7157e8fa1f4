// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/folded_parse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/profile.h"
#include "flamegraph/text_escape.h"

/* A direct-mapped cache of name -> string id in front of profile_intern.
 * It starts small, since most inputs are small and a 1 MiB calloc per
 * parse dominated them, and grows with the names seen. */
#define NAME_CACHE_MIN 1024u
#define NAME_CACHE_MAX 262144u

struct parser {
	struct profile *p;
	struct folded_parse_limits lim;
	struct folded_parse_result *r;
	uint32_t *frames;
	size_t frames_cap;
	/* Direct-mapped name -> id cache: most frames repeat, and it saves
	 * profile_intern's copy per frame. Entries are id + 1. */
	uint32_t *cache;     /* name -> id + 1, 0: empty */
	uint32_t cache_mask;
	size_t cache_misses; /* since the cache last grew */
	/* Line assembly across reads. */
	char *line;
	size_t line_len, line_cap;
	bool overlong;
	uint64_t total;
	uint64_t bytes;
};

static void parser_bad(struct parser *ps, const char *reason)
{
	ps->r->bad_lines++;
	if (!ps->r->first_bad_line) {
		ps->r->first_bad_line = ps->r->lines;
		ps->r->first_bad_reason = reason;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Why a last word that is not all digits is no count. */
static const char *count_reject(const char *s, size_t len)
{
	if (s[0] == '-' && len > 1)
		return "negative count";
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789.eE+-", s[i]))
			return "no count";
	return "count is not an integer";
}

/* Digits only: true and *out set, or false and *why says why the count is
 * rejected. */
static bool count_parse(const char *s, size_t len, uint64_t *out, const char **why)
{
	uint64_t v = 0;

	if (!len) {
		*why = "no count";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9') {
			*why = count_reject(s, len);
			return false;
		}
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			*why = "count too large";
			return false;
		}
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* A word at a time: this runs for every frame of every line. */
static uint32_t name_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 32;
	return (uint32_t)h;
}

/* The one place where folded text becomes structure again: a suffix gives
 * the frame's kind ("foo_[j]" is foo, compiled Java), "[unknown] (m)" an
 * unnamed frame of module m. */
static void frame_parse(const char *text, size_t len, const char **name, size_t *name_len,
			const char **module, size_t *module_len, enum profile_frame_kind *kind)
{
	static const struct {
		char c;
		enum profile_frame_kind kind;
	} sfx[] = {
		{ 'j', PROFILE_FRAME_JIT },
		{ 'i', PROFILE_FRAME_INLINED },
		{ 'k', PROFILE_FRAME_KERNEL },
		{ '0', PROFILE_FRAME_INTERPRETED },
	};

	*name = text;
	*name_len = len;
	*module = NULL;
	*module_len = 0;
	*kind = PROFILE_FRAME_NATIVE;
	if (len > 4 && text[len - 4] == '_' && text[len - 3] == '[' && text[len - 1] == ']') {
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			if (text[len - 2] == sfx[i].c) {
				*kind = sfx[i].kind;
				*name_len = len - 4;
				return;
			}
		}
	}
	/* "[unknown] (" module ")", module not empty. */
	if (len > 13 && !memcmp(text, "[unknown] (", 11) && text[len - 1] == ')') {
		*kind = PROFILE_FRAME_UNKNOWN;
		*name_len = 9;
		*module = text + 11;
		*module_len = len - 12;
	}
}

/* Does frame id stand for text (name, module and kind as parsed)? */
static bool frame_matches(const struct profile *p, uint32_t id, const char *text, size_t len)
{
	const char *name, *module;
	size_t name_len, module_len;
	enum profile_frame_kind kind;
	struct profile_frame f;

	frame_parse(text, len, &name, &name_len, &module, &module_len, &kind);
	profile_frame_get(p, id, &f);
	return f.kind == kind && !strncmp(profile_str(p, f.name), name, name_len) &&
	       profile_str(p, f.name)[name_len] == '\0' &&
	       (!module || (!strncmp(profile_str(p, f.module), module, module_len) &&
			    profile_str(p, f.module)[module_len] == '\0'));
}

static int frame_intern(struct profile *p, const char *text, size_t len, uint32_t *id)
{
	const char *name, *module;
	size_t name_len, module_len;
	enum profile_frame_kind kind;
	char *n, *m = NULL;
	int err;

	frame_parse(text, len, &name, &name_len, &module, &module_len, &kind);
	n = strndup(name, name_len);
	if (module)
		m = strndup(module, module_len);
	err = !n || (module && !m) ? -ENOMEM : profile_frame_intern(p, n, m, kind, id);
	free(n);
	free(m);
	return err;
}

/* name is NUL-terminated inside the line buffer. */
static int parser_intern(struct parser *ps, const char *name, size_t len, uint32_t *id)
{
	uint32_t slot = name_hash(name, len) & ps->cache_mask;
	uint32_t cached = ps->cache[slot];
	int err;

	if (cached && frame_matches(ps->p, cached - 1, name, len)) {
		*id = cached - 1;
		return 0;
	}
	err = frame_intern(ps->p, name, len, id);
	if (err)
		return err;
	if (++ps->cache_misses > 2 * (ps->cache_mask + 1) && ps->cache_mask + 1 < NAME_CACHE_MAX) {
		/* Only a cache: a bigger empty one is as good as a rehash. */
		uint32_t *bigger = calloc(2 * ((size_t)ps->cache_mask + 1), sizeof(*bigger));

		if (bigger) {
			free(ps->cache);
			ps->cache = bigger;
			ps->cache_mask = 2 * ps->cache_mask + 1;
			ps->cache_misses = 0;
			slot = name_hash(name, len) & ps->cache_mask;
		}
	}
	ps->cache[slot] = *id + 1;
	return 0;
}

bool folded_pseudo_frame_parse(const char *frame, const char *key, const char **name,
			       size_t *name_len, const char **num, size_t *num_len)
{
	size_t len = frame ? strlen(frame) : 0, klen = strlen(key), end, start;

	/* "[" name " " key "=" digits "]": at least "[x k=1]". */
	if (len < klen + 6 || frame[0] != '[' || frame[len - 1] != ']')
		return false;
	end = len - 1;
	start = end;
	while (start > 0 && frame[start - 1] >= '0' && frame[start - 1] <= '9')
		start--;
	if (start == end || start < klen + 3)
		return false;
	if (frame[start - 1] != '=' || memcmp(frame + start - 1 - klen, key, klen) ||
	    frame[start - 2 - klen] != ' ')
		return false;
	*name = frame + 1;
	*name_len = start - 2 - klen - 1;
	*num = frame + start;
	*num_len = end - start;
	return *name_len > 0;
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool folded_task_name_parse(const char *name, size_t len, size_t *chain_len, const char **sub,
			    size_t *sub_len)
{
	size_t close, open, slash;

	for (close = len; close > 0 && name[close - 1] != ')'; close--)
		;
	if (!close)
		return false;
	close--;
	/* After ')': nothing, or '#' and digits. */
	if (close + 1 < len && (name[close + 1] != '#' || !all_digits(name + close + 2, len - close - 2)))
		return false;
	for (open = close; open > 0 && name[open] != '('; open--)
		;
	if (open < 2 || name[open] != '(' || name[open - 1] != ' ')
		return false;
	for (slash = open + 1; slash < close && name[slash] != '/'; slash++)
		;
	if (!all_digits(name + open + 1, slash - open - 1) || slash >= close ||
	    !all_digits(name + slash + 1, close - slash - 1))
		return false;
	*chain_len = open - 1;
	*sub = name + open + 1;
	*sub_len = slash - open - 1;
	return true;
}

/* Labels are interned strings; the parts of a frame are not terminated. */
static int label_add(struct profile *p, struct profile_label *l, size_t *n, const char *key,
		     const char *value, size_t len)
{
	char *v = strndup(value, len);
	int err;

	if (!v)
		return -ENOMEM;
	err = profile_str_intern(p, key, &l[*n].key);
	if (!err)
		err = profile_str_intern(p, v, &l[*n].value);
	free(v);
	if (!err)
		(*n)++;
	return err;
}

static const char *const state_frames[] = {
	"[cpu]", "[runqueue]", "[backpressured]", "[idle]", "[blocked]",
	/* blocked, split by its reason */
	"[lock]", "[io]", "[sleep]",
};

/* The CPU categories of the builder's "[category]" frames (the agent's
 * category names, agent/rules/categories.rules; flamegraph/ names them
 * itself, as it uses nothing of agent/). */
static const char *const category_frames[] = {
	"[serialization]", "[state]", "[network]", "[checkpoint]",
	"[gc]",            "[jit]",   "[user]",    "[framework]",
};

/* i-th frame, if it is one of names: its label (the name without the
 * brackets) added under key, *roots |= bit, and i advanced. */
static int root_word_parse(struct parser *ps, char **frames, uint32_t depth, uint32_t *i,
			   const char *const *names, size_t nnames, const char *key,
			   unsigned int bit, struct profile_label *l, size_t *n, unsigned int *roots)
{
	if (*i == 0 || *i >= depth)
		return 0;
	for (size_t k = 0; k < nnames; k++) {
		if (!strcmp(frames[*i], names[k])) {
			*roots |= bit;
			return label_add(ps->p, l, n, key, frames[(*i)++] + 1,
					 strlen(names[k]) - 2);
		}
	}
	return 0;
}

/* The pseudo-frames at the root of a stack ("[<process> pid=N]",
 * "[<thread> tid=N]", then "[<state>]" and "[<category>]" under one of
 * them) become labels, as the builder made them. Returns how many leading
 * frames they were. */
static int roots_parse(struct parser *ps, char **frames, uint32_t depth, uint32_t *labels,
		       uint32_t *used)
{
	struct profile_label l[8];
	const char *name, *num;
	size_t name_len, num_len, n = 0, chain_len, sub_len;
	unsigned int roots = 0;
	uint32_t i = 0;
	int err = 0;

	if (i < depth && folded_pseudo_frame_parse(frames[i], "pid", &name, &name_len, &num, &num_len)) {
		err = label_add(ps->p, l, &n, PROFILE_LABEL_PROCESS, name, name_len);
		if (!err)
			err = label_add(ps->p, l, &n, PROFILE_LABEL_PID, num, num_len);
		roots |= PROFILE_ROOT_PROCESS;
		i++;
	}
	if (!err && i < depth &&
	    folded_pseudo_frame_parse(frames[i], "tid", &name, &name_len, &num, &num_len)) {
		const char *sub;

		err = label_add(ps->p, l, &n, PROFILE_LABEL_THREAD, name, name_len);
		if (!err)
			err = label_add(ps->p, l, &n, PROFILE_LABEL_TID, num, num_len);
		if (!err && folded_task_name_parse(name, name_len, &chain_len, &sub, &sub_len)) {
			err = label_add(ps->p, l, &n, PROFILE_LABEL_OPERATOR_CHAIN, name, chain_len);
			if (!err)
				err = label_add(ps->p, l, &n, PROFILE_LABEL_SUBTASK, sub, sub_len);
		}
		roots |= PROFILE_ROOT_THREAD;
		i++;
	}
	/* The wall-clock state frame sits right under the thread frame, the
	 * CPU category under either. */
	if (!err)
		err = root_word_parse(ps, frames, depth, &i, state_frames,
				      sizeof(state_frames) / sizeof(*state_frames), PROFILE_LABEL_STATE,
				      PROFILE_ROOT_STATE, l, &n, &roots);
	if (!err)
		err = root_word_parse(ps, frames, depth, &i, category_frames,
				      sizeof(category_frames) / sizeof(*category_frames),
				      PROFILE_LABEL_CATEGORY, PROFILE_ROOT_CATEGORY, l, &n, &roots);
	if (!err)
		err = profile_labels_intern(ps->p, l, n, labels);
	if (err)
		return err;
	profile_set_roots(ps->p, profile_roots(ps->p) | roots);
	*used = i;
	return 0;
}

/* Leading "[...]" frames that were no pseudo-frames are frames. */
static int roots_flush(struct parser *ps, char **frames, uint32_t n, uint32_t *depth)
{
	for (uint32_t i = 0; i < n; i++) {
		int err = parser_intern(ps, frames[i], strlen(frames[i]), &ps->frames[(*depth)++]);

		if (err)
			return err;
	}
	return 0;
}

/* Split the stack on ';' in place and add it. Returns 0, 1 for a bad stack
 * (*why set) or -errno. */
static int stack_add(struct parser *ps, char *stack, size_t len, uint64_t count, const char **why)
{
	uint32_t depth = 0, nroots = 0, labels = 0;
	char *start = stack, *end = stack + len;
	char *roots[4];
	int err;

	while (start <= end) {
		char *semi = memchr(start, ';', (size_t)(end - start));
		char *stop = semi ? semi : end;

		if (stop == start) {
			*why = "empty frame";
			return 1;
		}
		if (depth + nroots >= ps->lim.max_depth) {
			*why = "too many frames";
			return 1;
		}
		if (depth >= ps->frames_cap) {
			size_t ncap = ps->frames_cap ? ps->frames_cap * 2 : 256;
			uint32_t *nf = realloc(ps->frames, ncap * sizeof(*nf));

			if (!nf)
				return -ENOMEM;
			ps->frames = nf;
			ps->frames_cap = ncap;
		}
		*stop = '\0';
		/* The first four frames wait: they may be pseudo-frames. */
		if (depth == 0 && nroots < 4 && start[0] == '[') {
			roots[nroots++] = start;
			start = stop + 1;
			continue;
		}
		if (nroots && depth == 0) {
			uint32_t used;

			err = roots_parse(ps, roots, nroots, &labels, &used);
			if (!err)
				err = roots_flush(ps, roots + used, nroots - used, &depth);
			if (err)
				return err;
			nroots = 0;
		}
		err = parser_intern(ps, start, (size_t)(stop - start), &ps->frames[depth]);
		if (err)
			return err;
		depth++;
		start = stop + 1;
	}
	if (nroots) {
		uint32_t used;

		err = roots_parse(ps, roots, nroots, &labels, &used);
		if (!err)
			err = roots_flush(ps, roots + used, nroots - used, &depth);
		if (err)
			return err;
	}
	if (count > UINT64_MAX - ps->total) {
		*why = "total count too large";
		return 1;
	}
	ps->total += count;
	if (!count)
		return 0;
	{
		uint64_t values[PROFILE_VALUES_MAX] = { count };

		return profile_add_sample(ps->p, ps->frames, depth, labels, values);
	}
}

/* One line without its '\n'; may be modified. Returns 0 or -errno. */
static int line_parse(struct parser *ps, char *s, size_t len)
{
	const char *why = NULL;
	size_t end, sep;
	uint64_t count;
	int rc;

	ps->r->lines++;
	if (len && s[len - 1] == '\r')
		len--;
	if (memchr(s, '\0', len)) {
		parser_bad(ps, "NUL byte");
		return 0;
	}
	end = len;
	while (end && is_blank(s[end - 1]))
		end--;
	if (!end)
		return 0; /* blank line */
	if (!utf8_valid(s, end)) {
		parser_bad(ps, "invalid UTF-8");
		return 0;
	}
	sep = end;
	while (sep && !is_blank(s[sep - 1]))
		sep--;
	if (!sep) {
		parser_bad(ps, "no count");
		return 0;
	}
	if (!count_parse(s + sep, end - sep, &count, &why)) {
		parser_bad(ps, why);
		return 0;
	}
	while (sep && is_blank(s[sep - 1]))
		sep--;
	if (!sep) {
		parser_bad(ps, "no frames");
		return 0;
	}
	rc = stack_add(ps, s, sep, count, &why);
	if (rc == 1)
		parser_bad(ps, why);
	else if (rc == 0)
		ps->r->stacks++;
	return rc < 0 ? rc : 0;
}

/* Append to the pending partial line; past max_line the rest of the line
 * is dropped and the line reported once complete. */
static int line_append(struct parser *ps, const char *s, size_t n)
{
	if (ps->overlong)
		return 0;
	if (ps->line_len + n > ps->lim.max_line) {
		ps->overlong = true;
		return 0;
	}
	if (ps->line_len + n + 1 > ps->line_cap) {
		size_t ncap = ps->line_cap ? ps->line_cap : 4096;
		char *nl;

		while (ncap < ps->line_len + n + 1)
			ncap *= 2;
		nl = realloc(ps->line, ncap);
		if (!nl)
			return -ENOMEM;
		ps->line = nl;
		ps->line_cap = ncap;
	}
	memcpy(ps->line + ps->line_len, s, n);
	ps->line_len += n;
	return 0;
}

static int line_finish(struct parser *ps)
{
	int err = 0;

	if (ps->overlong) {
		ps->r->lines++;
		parser_bad(ps, "line too long");
	} else {
		err = line_parse(ps, ps->line, ps->line_len);
	}
	ps->line_len = 0;
	ps->overlong = false;
	return err;
}

/* Feed a chunk; complete lines that need no assembly are parsed in place. */
static int parser_feed(struct parser *ps, char *buf, size_t n)
{
	char *pos = buf, *end = buf + n;
	int err = 0;

	ps->bytes += n;
	if (ps->bytes > ps->lim.max_bytes)
		return -EFBIG;
	while (!err && pos < end) {
		char *nl = memchr(pos, '\n', (size_t)(end - pos));

		if (!nl)
			return line_append(ps, pos, (size_t)(end - pos));
		if (!ps->line_len && !ps->overlong) {
			if ((size_t)(nl - pos) > ps->lim.max_line) {
				ps->overlong = true;
				err = line_finish(ps);
			} else {
				err = line_parse(ps, pos, (size_t)(nl - pos));
			}
		} else {
			err = line_append(ps, pos, (size_t)(nl - pos));
			if (!err)
				err = line_finish(ps);
		}
		pos = nl + 1;
	}
	return err;
}

static int parser_init(struct parser *ps, struct profile *p, const struct folded_parse_limits *lim,
		       struct folded_parse_result *r)
{
	memset(ps, 0, sizeof(*ps));
	memset(r, 0, sizeof(*r));
	ps->p = p;
	ps->r = r;
	ps->lim = lim ? *lim
		      : (struct folded_parse_limits){ FOLDED_MAX_LINE, FOLDED_MAX_BYTES, FOLDED_MAX_DEPTH };
	ps->cache = calloc(NAME_CACHE_MIN, sizeof(*ps->cache));
	ps->cache_mask = NAME_CACHE_MIN - 1;
	return ps->cache ? 0 : -ENOMEM;
}

/* The last line may lack its '\n'. */
static int parser_end(struct parser *ps, int err)
{
	if (!err && (ps->line_len || ps->overlong))
		err = line_finish(ps);
	if (!err && !ps->total)
		err = -ENODATA;
	free(ps->frames);
	free(ps->cache);
	free(ps->line);
	return err;
}

int folded_parse_stream(FILE *in, struct profile *p, const struct folded_parse_limits *limits,
			struct folded_parse_result *r)
{
	struct parser ps;
	char *buf = malloc(1 << 16);
	int err = parser_init(&ps, p, limits, r);

	if (!buf && !err)
		err = -ENOMEM;
	while (!err) {
		size_t n = fread(buf, 1, 1 << 16, in);

		if (n)
			err = parser_feed(&ps, buf, n);
		if (n < (1 << 16)) {
			if (!err && ferror(in))
				err = -(errno ? errno : EIO);
			break;
		}
	}
	free(buf);
	return parser_end(&ps, err);
}

int folded_parse_buffer(const char *buf, size_t len, struct profile *p,
			const struct folded_parse_limits *limits, struct folded_parse_result *r)
{
	struct parser ps;
	char *copy = malloc(len ? len : 1);
	int err = parser_init(&ps, p, limits, r);

	/* Lines are split in place, so work on a copy. */
	if (!copy && !err)
		err = -ENOMEM;
	if (!err) {
		memcpy(copy, buf, len);
		err = parser_feed(&ps, copy, len);
	}
	free(copy);
	return parser_end(&ps, err);
}

int folded_parse_file(const char *path, struct profile *p, const struct folded_parse_limits *limits,
		      struct folded_parse_result *r)
{
	FILE *f;
	int err;

	if (!strcmp(path, "-"))
		return folded_parse_stream(stdin, p, limits, r);
	f = fopen(path, "re");
	if (!f) {
		memset(r, 0, sizeof(*r));
		return -errno;
	}
	err = folded_parse_stream(f, p, limits, r);
	fclose(f);
	return err;
}
