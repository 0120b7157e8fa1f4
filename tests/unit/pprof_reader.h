// SPDX-License-Identifier: GPL-2.0
/* A tiny, strict profile.proto reader for the tests: gunzips and decodes
 * the fields tmprof writes, independently of flamegraph/pprof.c. */
#ifndef TMPROF_TESTS_PPROF_READER_H
#define TMPROF_TESTS_PPROF_READER_H

#include <stddef.h>
#include <stdint.h>

/* A recording of a real JVM maps a few hundred files (libraries, jars). */
#define PP_MAPPINGS_MAX 1024

struct pp_label {
	int64_t key, str;
};

struct pp_sample {
	uint64_t *loc; /* leaf first */
	size_t nloc;
	int64_t *val;
	size_t nval;
	struct pp_label *lab;
	size_t nlab;
};

struct pp_location {
	uint64_t id, mapping_id, function_id;
	size_t nlines;
};

struct pp_function {
	uint64_t id;
	int64_t name, system_name;
};

struct pp_value_type {
	int64_t type, unit;
};

struct pp_profile {
	char **strings;
	size_t nstrings;
	struct pp_value_type sample_type[8], period_type;
	size_t nsample_types;
	struct pp_sample *samples;
	size_t nsamples;
	struct pp_location *locations;
	size_t nlocations;
	struct pp_function *functions;
	size_t nfunctions;
	uint64_t mapping_ids[PP_MAPPINGS_MAX];
	size_t nmappings;
	int mapping_has_functions;
	int64_t time_nanos, duration_nanos, period, default_sample_type, comment;
};

/* Gunzip data[0..len) into a malloc'd buffer. 0 or -1. */
int pp_gunzip(const unsigned char *data, size_t len, unsigned char **out, size_t *outlen);
/* Gunzip and decode; 0, or -1 for anything malformed (then *pp is freed). */
int pp_decode(const unsigned char *gz, size_t len, struct pp_profile *pp);
void pp_free(struct pp_profile *pp);
/* String table entry, or NULL when out of range. */
const char *pp_string(const struct pp_profile *pp, int64_t idx);
/* "root;...;leaf" of a sample, malloc'd; NULL if a reference dangles. */
char *pp_stack_text(const struct pp_profile *pp, const struct pp_sample *s);
/* Value of the sample's label key, or NULL. */
const char *pp_label(const struct pp_profile *pp, const struct pp_sample *s, const char *key);

#endif
