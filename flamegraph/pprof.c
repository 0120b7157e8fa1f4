// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/pprof.h"
#include "flamegraph/hash.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "flamegraph/atomic_file.h"
#include "flamegraph/frame_text.h"

/* profile.proto field numbers. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,

	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,

	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,

	LABEL_KEY = 1,
	LABEL_STR = 2,

	MAPPING_ID = 1,
	MAPPING_FILENAME = 5,
	MAPPING_HAS_FUNCTIONS = 7,

	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_LINE = 4,

	LINE_FUNCTION_ID = 1,

	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* The mapping of frames without a module (and of pseudo-frames). */
#define MAPPING_NONE_FILE "tmprof"

/* ------------------------------------------------------------ byte buffer */

/* A growable buffer with a sticky error, so encoding code can append
 * without checking every call; the error is checked once at the end. */
struct pb_buf {
	unsigned char *data;
	size_t len, cap;
	int err;
};

static void pb_reserve(struct pb_buf *b, size_t extra)
{
	size_t ncap;
	unsigned char *n;

	if (b->err || b->len + extra <= b->cap)
		return;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->err = -E2BIG;
		return;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra)
		ncap *= 2;
	n = realloc(b->data, ncap);
	if (!n) {
		b->err = -ENOMEM;
		return;
	}
	b->data = n;
	b->cap = ncap;
}

static void pb_put_raw(struct pb_buf *b, const void *data, size_t len)
{
	pb_reserve(b, len);
	if (b->err || !len)
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void pb_put_varint(struct pb_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	pb_put_raw(b, tmp, n);
}

static void pb_put_tag(struct pb_buf *b, unsigned int field, unsigned int wire)
{
	pb_put_varint(b, ((uint64_t)field << 3) | wire);
}

/* A varint field; zero is the default and is not written (proto3). */
static void pb_put_uint_field(struct pb_buf *b, unsigned int field, uint64_t v)
{
	if (!v)
		return;
	pb_put_tag(b, field, WIRE_VARINT);
	pb_put_varint(b, v);
}

/* int64 fields are varints of the two's complement value. */
static void pb_put_int_field(struct pb_buf *b, unsigned int field, int64_t v)
{
	pb_put_uint_field(b, field, (uint64_t)v);
}

static void pb_put_len_field(struct pb_buf *b, unsigned int field, const void *data, size_t len)
{
	pb_put_tag(b, field, WIRE_LEN);
	pb_put_varint(b, len);
	pb_put_raw(b, data, len);
}

/* Append sub as an embedded message and empty it for reuse. */
static void pb_put_msg(struct pb_buf *b, unsigned int field, struct pb_buf *sub)
{
	if (sub->err && !b->err)
		b->err = sub->err;
	pb_put_len_field(b, field, sub->data, sub->len);
	sub->len = 0;
}

static void pb_free(struct pb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* ----------------------------------------------------------- string table */

/* pprof strings are referenced by their index in string_table; index 0
 * must be "". Open addressing over owned copies; slot value index + 1. */
struct strtab {
	char **strs;
	uint64_t *hashes;
	size_t n, cap;
	uint32_t *slots;
	size_t mask;
};

static uint64_t hash_str(const char *s, size_t len)
{
	return fnv1a(s, len, FNV1A_SEED);
}

/* A new slot array of nslots (a power of 2) for the n strings; false (out
 * of memory) leaves the table as it was. */
static bool strtab_rehash(struct strtab *t, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		size_t pos = t->hashes[i] & (nslots - 1);

		while (slots[pos])
			pos = (pos + 1) & (nslots - 1);
		slots[pos] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = nslots - 1;
	return true;
}

static int strtab_grow(struct strtab *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 256;
	char **strs;
	uint64_t *hashes;

	if (t->n >= UINT32_MAX - 1)
		return -E2BIG;
	/* Slots stay at most half full. Rehash first (it only reads the n
	 * entries there are) and raise cap last: a failure at any step leaves
	 * cap as it was, and slots non-NULL with room for cap entries. */
	if (!strtab_rehash(t, ncap * 2))
		return -ENOMEM;
	strs = realloc(t->strs, ncap * sizeof(*strs));
	if (!strs)
		return -ENOMEM;
	t->strs = strs;
	hashes = realloc(t->hashes, ncap * sizeof(*hashes));
	if (!hashes)
		return -ENOMEM;
	t->hashes = hashes;
	t->cap = ncap;
	return 0;
}

/* Index of the string s[0..len), added if new; -errno on failure. */
static int64_t strtab_intern_n(struct strtab *t, const char *s, size_t len)
{
	uint64_t h = hash_str(s, len);
	size_t pos;
	char *copy;
	int err;

	if (t->slots) {
		for (pos = h & t->mask; t->slots[pos]; pos = (pos + 1) & t->mask) {
			size_t i = t->slots[pos] - 1;

			if (t->hashes[i] == h && strlen(t->strs[i]) == len &&
			    !memcmp(t->strs[i], s, len))
				return (int64_t)i;
		}
	}
	if (t->n == t->cap) {
		err = strtab_grow(t);
		if (err)
			return err;
	}
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	t->strs[t->n] = copy;
	t->hashes[t->n] = h;
	for (pos = h & t->mask; t->slots[pos]; pos = (pos + 1) & t->mask)
		;
	t->slots[pos] = (uint32_t)t->n + 1;
	return (int64_t)t->n++;
}

static int64_t strtab_intern(struct strtab *t, const char *s)
{
	return strtab_intern_n(t, s, strlen(s));
}

static void strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->strs[i]);
	free(t->strs);
	free(t->hashes);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* ----------------------------------------------------------------- encoder */

struct sample_types {
	const char *type[2], *unit[2];
	size_t n;
	const char *period_type, *period_unit;
	int64_t period;
	uint64_t multiplier; /* of the profile count, for the last value */
	/* The value a viewer shows first: CPU time rather than the count. */
	const char *default_type;
};

/* An id map from a key (a profile id, a pprof string index) to a pprof id
 * (1-based; 0 = none yet). */
struct id_map {
	uint32_t *ids;
	size_t cap;
};

static int id_map_slot(struct id_map *m, size_t key, uint32_t **slot)
{
	if (key >= m->cap) {
		size_t ncap = m->cap ? m->cap : 1024;
		uint32_t *n;

		while (ncap <= key)
			ncap *= 2;
		n = realloc(m->ids, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + m->cap, 0, (ncap - m->cap) * sizeof(*n));
		m->ids = n;
		m->cap = ncap;
	}
	*slot = &m->ids[key];
	return 0;
}

struct location {
	uint32_t mapping, function;
};

struct encoder {
	const struct profile *p;
	struct pprof_options o;
	struct sample_types st;
	struct pb_buf body, msg, sub;
	struct strtab strings;
	struct frame_texts *texts; /* pseudo-frames */
	unsigned int roots;        /* which pseudo-frames stacks keep */
	/* profile frame id -> location; pprof string of a pseudo-frame ->
	 * location; pprof string of a function name -> function; pprof
	 * string of a module -> mapping. */
	struct id_map loc_of_frame, loc_of_pseudo, func_of_name, mapping_of_file;
	struct location *locs;
	size_t nlocs, locs_cap;
	int64_t *func_names; /* function id - 1 -> pprof string */
	size_t nfuncs, funcs_cap;
	int64_t *mapping_files; /* mapping id - 1 -> pprof string */
	size_t nmappings, mappings_cap;
};

static int sample_types_init(struct sample_types *st, const struct pprof_options *o)
{
	memset(st, 0, sizeof(*st));
	switch (o->kind) {
	case PPROF_KIND_CPU:
		st->n = 2;
		st->type[0] = "samples";
		st->unit[0] = "count";
		st->type[1] = "cpu";
		st->unit[1] = "nanoseconds";
		st->period_type = "cpu";
		st->period_unit = "nanoseconds";
		st->period = 1000000000LL / (o->hz ? o->hz : 99);
		st->multiplier = (uint64_t)st->period;
		st->default_type = "cpu";
		return 0;
	case PPROF_KIND_WALL:
	case PPROF_KIND_OFFCPU:
		st->n = 1;
		st->type[0] = o->kind == PPROF_KIND_WALL ? "wall" : "off_cpu";
		st->unit[0] = "nanoseconds";
		st->period_type = st->type[0];
		st->period_unit = "nanoseconds";
		/* Counts are microseconds. */
		st->period = 1000;
		st->multiplier = 1000;
		st->default_type = st->type[0];
		return 0;
	case PPROF_KIND_ALLOC:
		st->n = 2;
		st->type[0] = "alloc_space";
		st->unit[0] = "bytes";
		st->type[1] = "alloc_objects";
		st->unit[1] = "count";
		st->period_type = "space";
		st->period_unit = "bytes";
		st->period = o->alloc_period > 0 ? o->alloc_period : 0;
		st->default_type = "alloc_space";
		return 0;
	}
	return -EINVAL;
}

/* pprof values are int64: saturate instead of wrapping negative. */
static int64_t value_scale(uint64_t v, uint64_t mul)
{
	if (mul && v > (uint64_t)INT64_MAX / mul)
		return INT64_MAX;
	v *= mul ? mul : 1;
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int encoder_intern(struct encoder *e, const char *s, int64_t *idx)
{
	int64_t r = strtab_intern(&e->strings, s);

	if (r < 0)
		return (int)r;
	*idx = r;
	return 0;
}

static int encoder_mapping(struct encoder *e, const char *file, uint32_t *id)
{
	int64_t idx = 0;
	uint32_t *slot;
	int err = encoder_intern(e, *file ? file : MAPPING_NONE_FILE, &idx);

	if (!err)
		err = id_map_slot(&e->mapping_of_file, (size_t)idx, &slot);
	if (err)
		return err;
	if (!*slot) {
		if (array_reserve((void **)&e->mapping_files, &e->mappings_cap, e->nmappings + 1,
				  sizeof(*e->mapping_files)))
			return -ENOMEM;
		e->mapping_files[e->nmappings++] = idx;
		*slot = (uint32_t)e->nmappings;
	}
	*id = *slot;
	return 0;
}

static int encoder_function(struct encoder *e, const char *name, uint32_t *id)
{
	int64_t idx = 0;
	uint32_t *slot;
	int err = encoder_intern(e, name, &idx);

	if (!err)
		err = id_map_slot(&e->func_of_name, (size_t)idx, &slot);
	if (err)
		return err;
	if (!*slot) {
		if (array_reserve((void **)&e->func_names, &e->funcs_cap, e->nfuncs + 1,
				  sizeof(*e->func_names)))
			return -ENOMEM;
		e->func_names[e->nfuncs++] = idx;
		*slot = (uint32_t)e->nfuncs;
	}
	*id = *slot;
	return 0;
}

static int encoder_location_new(struct encoder *e, const char *name, const char *module,
				uint32_t *id)
{
	struct location l;
	int err = encoder_function(e, name, &l.function);

	if (!err)
		err = encoder_mapping(e, module, &l.mapping);
	if (err)
		return err;
	if (array_reserve((void **)&e->locs, &e->locs_cap, e->nlocs + 1, sizeof(*e->locs)))
		return -ENOMEM;
	e->locs[e->nlocs++] = l;
	*id = (uint32_t)e->nlocs;
	return 0;
}

/* One location per frame: its function is the frame's name (the same
 * method compiled and inlined is one function), its mapping the frame's
 * module. A frame nothing named keeps its module in the name, as
 * "[unknown] (module)": viewers show function names only. */
static int encoder_frame_location(struct encoder *e, uint32_t frame, uint32_t *id)
{
	struct profile_frame f;
	uint32_t *slot;
	char buf[512];
	const char *name;
	int err = id_map_slot(&e->loc_of_frame, frame, &slot);

	if (err)
		return err;
	if (!*slot) {
		profile_frame_get(e->p, frame, &f);
		name = profile_str(e->p, f.name);
		if (f.kind == PROFILE_FRAME_UNKNOWN || !*name) {
			frame_text_format(buf, sizeof(buf), name, profile_str(e->p, f.module),
					  PROFILE_FRAME_UNKNOWN);
			name = buf;
		}
		err = encoder_location_new(e, name, profile_str(e->p, f.module), slot);
		if (err)
			return err;
	}
	*id = *slot;
	return 0;
}

static int encoder_pseudo_location(struct encoder *e, const char *text, uint32_t *id)
{
	int64_t idx = 0;
	uint32_t *slot;
	int err = encoder_intern(e, text, &idx);

	if (!err)
		err = id_map_slot(&e->loc_of_pseudo, (size_t)idx, &slot);
	if (!err && !*slot)
		err = encoder_location_new(e, text, "", slot);
	if (err)
		return err;
	*id = *slot;
	return 0;
}

static int encode_value_type(struct encoder *e, unsigned int field, const char *type,
			     const char *unit)
{
	int64_t t = 0, u = 0;
	int err;

	err = encoder_intern(e, type, &t);
	if (!err)
		err = encoder_intern(e, unit, &u);
	if (err)
		return err;
	pb_put_int_field(&e->sub, VALUE_TYPE_TYPE, t);
	pb_put_int_field(&e->sub, VALUE_TYPE_UNIT, u);
	pb_put_msg(&e->body, field, &e->sub);
	return 0;
}

/* The sample's labels, as the builder (or the folded parser) set them. */
static int encode_labels(struct encoder *e, const struct profile_stack *s)
{
	const struct profile_label *l;
	size_t n = profile_labels_get(e->p, s->labels, &l);

	for (size_t i = 0; i < n; i++) {
		const char *key = profile_str(e->p, l[i].key);
		int64_t k = 0, v = 0;
		int err;

		if (e->o.omit_tid && !strcmp(key, PROFILE_LABEL_TID))
			continue;
		err = encoder_intern(e, key, &k);
		if (!err)
			err = encoder_intern(e, profile_str(e->p, l[i].value), &v);
		if (err)
			return err;
		pb_put_int_field(&e->sub, LABEL_KEY, k);
		pb_put_int_field(&e->sub, LABEL_STR, v);
		pb_put_msg(&e->msg, SAMPLE_LABEL, &e->sub);
	}
	return 0;
}

static int encode_sample(struct encoder *e, const struct profile_stack *s, const char **roots,
			 int nroots)
{
	int err;

	/* location_id, packed, leaf first. */
	for (uint32_t i = s->depth; i > 0; i--) {
		uint32_t id;

		err = encoder_frame_location(e, s->frames[i - 1], &id);
		if (err)
			return err;
		pb_put_varint(&e->sub, id);
	}
	for (int i = nroots; i > 0; i--) {
		uint32_t id;

		err = encoder_pseudo_location(e, roots[i - 1], &id);
		if (err)
			return err;
		pb_put_varint(&e->sub, id);
	}
	if (e->sub.len)
		pb_put_msg(&e->msg, SAMPLE_LOCATION_ID, &e->sub);
	/* value, packed. */
	if (e->o.kind == PPROF_KIND_ALLOC) {
		pb_put_varint(&e->sub, (uint64_t)value_scale(s->values[0], 1));
		pb_put_varint(&e->sub, (uint64_t)value_scale(s->values[1], 1));
	} else {
		if (e->st.n == 2)
			pb_put_varint(&e->sub, (uint64_t)value_scale(s->values[0], 1));
		pb_put_varint(&e->sub, (uint64_t)value_scale(s->values[0], e->st.multiplier));
	}
	pb_put_msg(&e->msg, SAMPLE_VALUE, &e->sub);
	err = encode_labels(e, s);
	if (err)
		return err;
	pb_put_msg(&e->body, PROFILE_SAMPLE, &e->msg);
	return e->body.err;
}

static int encode_samples(struct encoder *e)
{
	size_t n = profile_stack_count(e->p);
	int err;

	for (size_t i = 0; i < n; i++) {
		const char *all[FRAME_TEXT_ROOTS_MAX], *roots[FRAME_TEXT_ROOTS_MAX];
		struct profile_stack s;
		int nall, nroots = 0;

		profile_stack_get(e->p, i, &s);
		nall = frame_texts_roots(e->texts, s.labels, all);
		if (nall < 0)
			return nall;
		/* Only the state frame stays by default: in pprof a thread, a
		 * process or a category is a label, not a function. The category
		 * frame, when drawn, is the last one. */
		int state_k = nall - 1;

		if (state_k >= 0 && (profile_roots(e->p) & PROFILE_ROOT_CATEGORY) &&
		    profile_label_value(e->p, s.labels, PROFILE_LABEL_CATEGORY))
			state_k--;
		for (int k = 0; k < nall; k++)
			if (e->o.keep_pseudo_frames ||
			    (profile_label_value(e->p, s.labels, PROFILE_LABEL_STATE) && k == state_k &&
			     (profile_roots(e->p) & PROFILE_ROOT_STATE)))
				roots[nroots++] = all[k];
		/* As in the folded output: nothing to show for these. */
		if (!s.values[0] && !(e->o.kind == PPROF_KIND_ALLOC && s.values[1]))
			continue;
		if (!s.depth && !nall)
			continue;
		err = encode_sample(e, &s, roots, nroots);
		if (err)
			return err;
	}
	return 0;
}

static int encode_mappings(struct encoder *e)
{
	for (size_t i = 0; i < e->nmappings; i++) {
		pb_put_uint_field(&e->sub, MAPPING_ID, i + 1);
		pb_put_int_field(&e->sub, MAPPING_FILENAME, e->mapping_files[i]);
		/* Names are final: readers must not try to symbolize. */
		pb_put_uint_field(&e->sub, MAPPING_HAS_FUNCTIONS, 1);
		pb_put_msg(&e->body, PROFILE_MAPPING, &e->sub);
	}
	return e->body.err;
}

static int encode_locations_functions(struct encoder *e)
{
	for (size_t i = 0; i < e->nlocs; i++) {
		pb_put_uint_field(&e->msg, LOCATION_ID, i + 1);
		pb_put_uint_field(&e->msg, LOCATION_MAPPING_ID, e->locs[i].mapping);
		pb_put_uint_field(&e->sub, LINE_FUNCTION_ID, e->locs[i].function);
		pb_put_msg(&e->msg, LOCATION_LINE, &e->sub);
		pb_put_msg(&e->body, PROFILE_LOCATION, &e->msg);
	}
	for (size_t i = 0; i < e->nfuncs; i++) {
		pb_put_uint_field(&e->msg, FUNCTION_ID, i + 1);
		pb_put_int_field(&e->msg, FUNCTION_NAME, e->func_names[i]);
		/* No system_name: pprof takes name == system_name for a name
		 * still to demangle and "simplifies" it, cutting "(1/2)" from
		 * task names and "(libfoo.so)" from unknown frames. */
		pb_put_msg(&e->body, PROFILE_FUNCTION, &e->msg);
	}
	return e->body.err;
}

static int64_t now_nanos(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int encode_header(struct encoder *e)
{
	int64_t t = e->o.time_nanos;
	int err;

	for (size_t i = 0; i < e->st.n; i++) {
		err = encode_value_type(e, PROFILE_SAMPLE_TYPE, e->st.type[i], e->st.unit[i]);
		if (err)
			return err;
	}
	err = encode_value_type(e, PROFILE_PERIOD_TYPE, e->st.period_type, e->st.period_unit);
	if (err)
		return err;
	pb_put_int_field(&e->body, PROFILE_PERIOD, e->st.period);
	if (!t)
		t = now_nanos() - (e->o.duration_nanos > 0 ? e->o.duration_nanos : 0);
	pb_put_int_field(&e->body, PROFILE_TIME_NANOS, t);
	pb_put_int_field(&e->body, PROFILE_DURATION_NANOS,
			 e->o.duration_nanos > 0 ? e->o.duration_nanos : 0);
	return 0;
}

static int encode_trailer(struct encoder *e)
{
	int64_t def = 0, comment = 0;
	int err;

	err = encoder_intern(e, e->st.default_type, &def);
	if (err)
		return err;
	pb_put_int_field(&e->body, PROFILE_DEFAULT_SAMPLE_TYPE, def);
	if (e->o.comment && *e->o.comment) {
		err = encoder_intern(e, e->o.comment, &comment);
		if (err)
			return err;
		pb_put_tag(&e->body, PROFILE_COMMENT, WIRE_VARINT);
		pb_put_varint(&e->body, (uint64_t)comment);
	}
	/* Last, once every string is known; entry 0 is "" and written too. */
	for (size_t i = 0; i < e->strings.n; i++)
		pb_put_len_field(&e->body, PROFILE_STRING_TABLE, e->strings.strs[i],
				 strlen(e->strings.strs[i]));
	return e->body.err;
}

/* gzip (deflate with a gzip wrapper: windowBits 15 + 16). */
static int gzip_bytes(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream zs;
	size_t cap, done = 0;
	unsigned char *buf = NULL;
	int zerr, err = 0;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&zs, len) + 64;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	zs.next_in = (unsigned char *)in;
	zs.next_out = buf;
	/* avail_in / avail_out are 32-bit: feed huge buffers in slices. */
	do {
		size_t in_left = len - (size_t)((const unsigned char *)zs.next_in - in);
		size_t out_left = cap - (size_t)(zs.next_out - buf);

		zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (unsigned int)in_left;
		zs.avail_out = out_left > UINT_MAX ? UINT_MAX : (unsigned int)out_left;
		zerr = deflate(&zs, in_left > UINT_MAX ? Z_NO_FLUSH : Z_FINISH);
		if (zerr == Z_STREAM_ERROR || (zerr == Z_BUF_ERROR && !zs.avail_out)) {
			err = -EIO;
			goto cleanup;
		}
	} while (zerr != Z_STREAM_END);
	done = (size_t)(zs.next_out - buf);
	*out = buf;
	*outlen = done;
	buf = NULL;
cleanup:
	deflateEnd(&zs);
	free(buf);
	return err;
}

static void encoder_free(struct encoder *e)
{
	pb_free(&e->body);
	pb_free(&e->msg);
	pb_free(&e->sub);
	strtab_free(&e->strings);
	frame_texts_free(e->texts);
	free(e->loc_of_frame.ids);
	free(e->loc_of_pseudo.ids);
	free(e->func_of_name.ids);
	free(e->mapping_of_file.ids);
	free(e->locs);
	free(e->func_names);
	free(e->mapping_files);
}

int pprof_encode(const struct profile *p, const struct pprof_options *o, unsigned char **buf,
		 size_t *len)
{
	struct encoder e;
	int64_t empty = 0;
	int err;

	if (!p || !buf || !len)
		return -EINVAL;
	*buf = NULL;
	*len = 0;
	memset(&e, 0, sizeof(e));
	e.p = p;
	if (o)
		e.o = *o;
	err = sample_types_init(&e.st, &e.o);
	if (err)
		return err;
	/* Allocations carry bytes and objects as two values of one sample. */
	if (e.o.kind == PPROF_KIND_ALLOC && profile_value_count(p) < 2)
		return -EINVAL;
	e.texts = frame_texts_new(p);
	if (!e.texts)
		return -ENOMEM;
	err = encoder_intern(&e, "", &empty);
	if (!err)
		err = encode_header(&e);
	if (!err)
		err = encode_samples(&e);
	if (!err)
		err = encode_mappings(&e);
	if (!err)
		err = encode_locations_functions(&e);
	if (!err)
		err = encode_trailer(&e);
	if (!err)
		err = e.body.err ? e.body.err : e.msg.err ? e.msg.err : e.sub.err;
	if (!err)
		err = gzip_bytes(e.body.data, e.body.len, buf, len);
	encoder_free(&e);
	return err;
}

int pprof_write_file(const struct profile *p, const char *path, const struct pprof_options *o)
{
	struct atomic_file af;
	unsigned char *buf = NULL;
	size_t len = 0;
	int err;

	/* Open first: an unwritable destination is reported before any work. */
	err = atomic_file_open(&af, path);
	if (err)
		return err;
	err = pprof_encode(p, o, &buf, &len);
	if (err)
		goto cleanup;
	if (len && fwrite(buf, 1, len, af.fp) != len) {
		err = -(errno ? errno : EIO);
		goto cleanup;
	}
	free(buf);
	return atomic_file_commit(&af);
cleanup:
	free(buf);
	atomic_file_abort(&af);
	return err;
}
