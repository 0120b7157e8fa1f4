// SPDX-License-Identifier: GPL-2.0
#include "pprof_reader.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

int pp_gunzip(const unsigned char *data, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream zs;
	size_t cap = len * 4 + 1024;
	unsigned char *buf = malloc(cap);
	int zerr;

	if (!buf)
		return -1;
	memset(&zs, 0, sizeof(zs));
	/* 16 + 15: gzip wrapper only, so a raw zlib stream fails the test. */
	if (inflateInit2(&zs, 31) != Z_OK) {
		free(buf);
		return -1;
	}
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (unsigned int)len;
	do {
		if (zs.total_out == cap) {
			unsigned char *n = realloc(buf, cap * 2);

			if (!n)
				break;
			buf = n;
			cap *= 2;
		}
		zs.next_out = buf + zs.total_out;
		zs.avail_out = (unsigned int)(cap - zs.total_out);
		zerr = inflate(&zs, Z_NO_FLUSH);
	} while (zerr == Z_OK);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	/* One gzip member that ends exactly at the end of the input. */
	if (zerr != Z_STREAM_END || zs.avail_in) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

struct rd {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t rd_varint(struct rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = 1;
			return 0;
		}
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

/* A length-delimited field's bytes as a sub-reader. */
static struct rd rd_sub(struct rd *r)
{
	uint64_t n = rd_varint(r);
	struct rd s = { r->p, r->p, 0 };

	if (r->bad || n > (uint64_t)(r->end - r->p)) {
		r->bad = 1;
		return s;
	}
	s.end = r->p + n;
	r->p += n;
	return s;
}

static void rd_skip(struct rd *r, unsigned int wire)
{
	switch (wire) {
	case 0:
		rd_varint(r);
		break;
	case 1:
		if (r->end - r->p < 8)
			r->bad = 1;
		else
			r->p += 8;
		break;
	case 2:
		rd_sub(r);
		break;
	case 5:
		if (r->end - r->p < 4)
			r->bad = 1;
		else
			r->p += 4;
		break;
	default:
		r->bad = 1;
	}
}

/* Append one zeroed element; the array doubles when n reaches a power of
 * two, so no capacity needs to be kept. */
static int push(void **arr, size_t *n, size_t elem)
{
	if (!(*n & (*n - 1))) {
		void *a = realloc(*arr, (*n ? *n * 2 : 1) * elem);

		if (!a)
			return -1;
		*arr = a;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	(*n)++;
	return 0;
}

/* A repeated varint field, packed (wire 2) or not (wire 0). */
static int rd_repeated(struct rd *r, unsigned int wire, uint64_t **arr, size_t *n)
{
	if (wire == 0) {
		uint64_t v = rd_varint(r);

		if (push((void **)arr, n, sizeof(**arr)))
			return -1;
		(*arr)[*n - 1] = v;
		return r->bad ? -1 : 0;
	}
	if (wire != 2)
		return -1;
	struct rd s = rd_sub(r);

	while (!s.bad && !r->bad && s.p < s.end) {
		uint64_t v = rd_varint(&s);

		if (push((void **)arr, n, sizeof(**arr)))
			return -1;
		(*arr)[*n - 1] = v;
	}
	return s.bad || r->bad ? -1 : 0;
}

static int decode_value_type(struct rd s, struct pp_value_type *vt)
{
	while (!s.bad && s.p < s.end) {
		uint64_t key = rd_varint(&s);

		if ((key & 7) == 0 && (key >> 3) == 1)
			vt->type = (int64_t)rd_varint(&s);
		else if ((key & 7) == 0 && (key >> 3) == 2)
			vt->unit = (int64_t)rd_varint(&s);
		else
			rd_skip(&s, key & 7);
	}
	return s.bad ? -1 : 0;
}

static int decode_label(struct rd s, struct pp_label *l)
{
	while (!s.bad && s.p < s.end) {
		uint64_t key = rd_varint(&s);

		if ((key & 7) == 0 && (key >> 3) == 1)
			l->key = (int64_t)rd_varint(&s);
		else if ((key & 7) == 0 && (key >> 3) == 2)
			l->str = (int64_t)rd_varint(&s);
		else
			rd_skip(&s, key & 7);
	}
	return s.bad ? -1 : 0;
}

static int decode_sample(struct rd s, struct pp_sample *smp)
{
	while (!s.bad && s.p < s.end) {
		uint64_t key = rd_varint(&s);
		unsigned int f = (unsigned int)(key >> 3), w = key & 7;

		if (f == 1) {
			if (rd_repeated(&s, w, &smp->loc, &smp->nloc))
				return -1;
		} else if (f == 2) {
			if (rd_repeated(&s, w, (uint64_t **)&smp->val, &smp->nval))
				return -1;
		} else if (f == 3 && w == 2) {
			if (push((void **)&smp->lab, &smp->nlab, sizeof(*smp->lab)) ||
			    decode_label(rd_sub(&s), &smp->lab[smp->nlab - 1]))
				return -1;
		} else {
			rd_skip(&s, w);
		}
	}
	return s.bad ? -1 : 0;
}

static int decode_location(struct rd s, struct pp_location *l)
{
	while (!s.bad && s.p < s.end) {
		uint64_t key = rd_varint(&s);
		unsigned int f = (unsigned int)(key >> 3), w = key & 7;

		if (f == 1 && w == 0) {
			l->id = rd_varint(&s);
		} else if (f == 2 && w == 0) {
			l->mapping_id = rd_varint(&s);
		} else if (f == 4 && w == 2) {
			struct rd line = rd_sub(&s);

			l->nlines++;
			while (!line.bad && line.p < line.end) {
				uint64_t k = rd_varint(&line);

				if (k == (1 << 3))
					l->function_id = rd_varint(&line);
				else
					rd_skip(&line, k & 7);
			}
			if (line.bad)
				return -1;
		} else {
			rd_skip(&s, w);
		}
	}
	return s.bad ? -1 : 0;
}

static int decode_function(struct rd s, struct pp_function *fn)
{
	while (!s.bad && s.p < s.end) {
		uint64_t key = rd_varint(&s);
		unsigned int f = (unsigned int)(key >> 3), w = key & 7;

		if (f == 1 && w == 0)
			fn->id = rd_varint(&s);
		else if (f == 2 && w == 0)
			fn->name = (int64_t)rd_varint(&s);
		else if (f == 3 && w == 0)
			fn->system_name = (int64_t)rd_varint(&s);
		else
			rd_skip(&s, w);
	}
	return s.bad ? -1 : 0;
}

static int decode_mapping(struct rd s, struct pp_profile *pp)
{
	while (!s.bad && s.p < s.end) {
		uint64_t key = rd_varint(&s);
		unsigned int f = (unsigned int)(key >> 3), w = key & 7;

		if (f == 1 && w == 0) {
			uint64_t id = rd_varint(&s);

			if (pp->nmappings >= PP_MAPPINGS_MAX)
				return -1;
			pp->mapping_ids[pp->nmappings++] = id;
		} else if (f == 7 && w == 0) {
			pp->mapping_has_functions = rd_varint(&s) != 0;
		} else {
			rd_skip(&s, w);
		}
	}
	return s.bad ? -1 : 0;
}

static int decode_string(struct rd s, struct pp_profile *pp)
{
	char *str = strndup((const char *)s.p, (size_t)(s.end - s.p));

	if (!str || push((void **)&pp->strings, &pp->nstrings, sizeof(char *))) {
		free(str);
		return -1;
	}
	pp->strings[pp->nstrings - 1] = str;
	return 0;
}

static int decode_field(struct rd *r, unsigned int f, unsigned int w, struct pp_profile *pp)
{
	if (w == 2 && f == 1) {
		if (pp->nsample_types >= 8)
			return -1;
		return decode_value_type(rd_sub(r), &pp->sample_type[pp->nsample_types++]);
	}
	if (w == 2 && f == 2)
		return push((void **)&pp->samples, &pp->nsamples, sizeof(*pp->samples)) ||
		       decode_sample(rd_sub(r), &pp->samples[pp->nsamples - 1]);
	if (w == 2 && f == 3)
		return decode_mapping(rd_sub(r), pp);
	if (w == 2 && f == 4)
		return push((void **)&pp->locations, &pp->nlocations, sizeof(*pp->locations)) ||
		       decode_location(rd_sub(r), &pp->locations[pp->nlocations - 1]);
	if (w == 2 && f == 5)
		return push((void **)&pp->functions, &pp->nfunctions, sizeof(*pp->functions)) ||
		       decode_function(rd_sub(r), &pp->functions[pp->nfunctions - 1]);
	if (w == 2 && f == 6)
		return decode_string(rd_sub(r), pp);
	if (w == 2 && f == 11)
		return decode_value_type(rd_sub(r), &pp->period_type);
	if (w == 0 && f == 9)
		pp->time_nanos = (int64_t)rd_varint(r);
	else if (w == 0 && f == 10)
		pp->duration_nanos = (int64_t)rd_varint(r);
	else if (w == 0 && f == 12)
		pp->period = (int64_t)rd_varint(r);
	else if (w == 0 && f == 13)
		pp->comment = (int64_t)rd_varint(r);
	else if (w == 0 && f == 14)
		pp->default_sample_type = (int64_t)rd_varint(r);
	else
		rd_skip(r, w);
	return r->bad ? -1 : 0;
}

int pp_decode(const unsigned char *gz, size_t len, struct pp_profile *pp)
{
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	struct rd r;
	int err = 0;

	memset(pp, 0, sizeof(*pp));
	if (pp_gunzip(gz, len, &raw, &rawlen))
		return -1;
	r.p = raw;
	r.end = raw + rawlen;
	r.bad = 0;
	while (!err && !r.bad && r.p < r.end) {
		uint64_t key = rd_varint(&r);

		if (r.bad)
			break;
		err = decode_field(&r, (unsigned int)(key >> 3), key & 7, pp);
	}
	free(raw);
	if (err || r.bad) {
		pp_free(pp);
		return -1;
	}
	return 0;
}

void pp_free(struct pp_profile *pp)
{
	for (size_t i = 0; i < pp->nstrings; i++)
		free(pp->strings[i]);
	free(pp->strings);
	for (size_t i = 0; i < pp->nsamples; i++) {
		free(pp->samples[i].loc);
		free(pp->samples[i].val);
		free(pp->samples[i].lab);
	}
	free(pp->samples);
	free(pp->locations);
	free(pp->functions);
	memset(pp, 0, sizeof(*pp));
}

const char *pp_string(const struct pp_profile *pp, int64_t idx)
{
	return idx >= 0 && (size_t)idx < pp->nstrings ? pp->strings[idx] : NULL;
}

static const char *location_name(const struct pp_profile *pp, uint64_t id)
{
	for (size_t i = 0; i < pp->nlocations; i++) {
		if (pp->locations[i].id != id)
			continue;
		for (size_t j = 0; j < pp->nfunctions; j++)
			if (pp->functions[j].id == pp->locations[i].function_id)
				return pp_string(pp, pp->functions[j].name);
	}
	return NULL;
}

char *pp_stack_text(const struct pp_profile *pp, const struct pp_sample *s)
{
	size_t len = 1;
	char *buf, *w;

	for (size_t i = 0; i < s->nloc; i++) {
		const char *n = location_name(pp, s->loc[i]);

		if (!n)
			return NULL;
		len += strlen(n) + 1;
	}
	buf = malloc(len);
	if (!buf)
		return NULL;
	w = buf;
	/* Locations are leaf first; the text is root first. */
	for (size_t i = s->nloc; i > 0; i--) {
		const char *n = location_name(pp, s->loc[i - 1]);

		if (w != buf)
			*w++ = ';';
		memcpy(w, n, strlen(n));
		w += strlen(n);
	}
	*w = '\0';
	return buf;
}

const char *pp_label(const struct pp_profile *pp, const struct pp_sample *s, const char *key)
{
	for (size_t i = 0; i < s->nlab; i++) {
		const char *k = pp_string(pp, s->lab[i].key);

		if (k && !strcmp(k, key))
			return pp_string(pp, s->lab[i].str);
	}
	return NULL;
}
