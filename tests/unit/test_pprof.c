// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/folded_parse.h"
#include "flamegraph/pprof.h"
#include "flamegraph/profile.h"
#include "pprof_reader.h"
#include "support.h"

#define T0 1700000000000000000LL
#define D0 10000000000LL

static uint32_t intern(struct profile *p, const char *name)
{
	uint32_t id;

	assert_int_equal(profile_intern(p, name, &id), 0);
	return id;
}

/* A profile from folded text: kinds from suffixes, labels from the
 * pseudo-frames, as tmprof flamegraph reads it. */
static struct profile *parse_profile(const char *text)
{
	struct profile *p = profile_new();
	struct folded_parse_result r;

	assert_non_null(p);
	assert_int_equal(folded_parse_buffer(text, strlen(text), p, NULL, &r), 0);
	assert_int_equal(r.bad_lines, 0);
	return p;
}

/* Two task threads and a non-task thread, as tmprof record writes them. */
static struct profile *sample_profile(void)
{
	struct profile *p = parse_profile(
		"[Source: Numbers -> Map (3/8)#0 tid=4242];StreamTask.invoke_[j];map_[j] 40\n"
		"[Source: Numbers -> Map (3/8)#0 tid=4242];StreamTask.invoke_[j];do_syscall_64_[k] 2\n"
		"[main tid=7];StreamTask.invoke_[j] 1\n"
		"[G1 Young RemSet Sampling tid=9] 5\n" /* only the thread */
		"[main tid=7];map_[j] 0\n");          /* zero: left out */

	assert_int_equal(profile_add(p, NULL, 0, 9), 0); /* no frames, no labels: left out */
	return p;
}

static void encode_decode(const struct profile *p, const struct pprof_options *o,
			  struct pp_profile *pp)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	assert_int_equal(pprof_encode(p, o, &buf, &len), 0);
	assert_non_null(buf);
	assert_true(len > 18);
	/* gzip magic */
	assert_int_equal(buf[0], 0x1f);
	assert_int_equal(buf[1], 0x8b);
	assert_int_equal(pp_decode(buf, len, pp), 0);
	free(buf);
}

static const struct pp_sample *find_sample(const struct pp_profile *pp, const char *stack,
					   const char *thread)
{
	for (size_t i = 0; i < pp->nsamples; i++) {
		char *t = pp_stack_text(pp, &pp->samples[i]);
		const char *th = pp_label(pp, &pp->samples[i], "thread");
		int match;

		assert_non_null(t);
		match = !strcmp(t, stack) && (!thread || (th && !strcmp(th, thread)));
		free(t);
		if (match)
			return &pp->samples[i];
	}
	fail_msg("no sample %s (thread %s)", stack, thread ? thread : "-");
	return NULL;
}

static void assert_value_type(const struct pp_profile *pp, const struct pp_value_type *vt,
			      const char *type, const char *unit)
{
	assert_string_equal(pp_string(pp, vt->type), type);
	assert_string_equal(pp_string(pp, vt->unit), unit);
}

/* Every reference resolves; strings are unique; "" is first. */
static void assert_well_formed(const struct pp_profile *pp)
{
	assert_true(pp->nstrings >= 1);
	assert_string_equal(pp->strings[0], "");
	for (size_t i = 0; i < pp->nstrings && pp->nstrings < 2000; i++)
		for (size_t j = i + 1; j < pp->nstrings; j++)
			assert_string_not_equal(pp->strings[i], pp->strings[j]);
	/* Frames without a module: the one "tmprof" mapping (none without
	 * frames). */
	assert_true(pp->nmappings <= 1);
	assert_true(!pp->nmappings || pp->mapping_ids[0] == 1);
	assert_true(!pp->nmappings || pp->mapping_has_functions);
	assert_int_equal(pp->nlocations, pp->nfunctions);
	for (size_t i = 0; i < pp->nlocations; i++) {
		assert_int_equal(pp->locations[i].id, i + 1);
		assert_int_equal(pp->locations[i].mapping_id, 1);
		assert_int_equal(pp->locations[i].nlines, 1);
		assert_int_equal(pp->functions[i].id, i + 1);
		assert_non_null(pp_string(pp, pp->functions[i].name));
		/* Left empty on purpose: see pprof.h. */
		assert_int_equal(pp->functions[i].system_name, 0);
	}
	for (size_t i = 0; i < pp->nsamples; i++) {
		assert_int_equal(pp->samples[i].nval, pp->nsample_types);
		for (size_t j = 0; j < pp->samples[i].nloc; j++)
			assert_true(pp->samples[i].loc[j] >= 1 &&
				    pp->samples[i].loc[j] <= pp->nlocations);
		for (size_t j = 0; j < pp->samples[i].nlab; j++) {
			assert_non_null(pp_string(pp, pp->samples[i].lab[j].key));
			assert_non_null(pp_string(pp, pp->samples[i].lab[j].str));
		}
	}
}

static void test_pprof_cpu_profile(void **state)
{
	struct profile *p = sample_profile();
	struct pprof_options o = { .kind = PPROF_KIND_CPU, .hz = 100, .time_nanos = T0,
				   .duration_nanos = D0, .comment = "tmprof record -p 1" };
	struct pp_profile pp;
	const struct pp_sample *s;

	(void)state;
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_int_equal(pp.nsample_types, 2);
	assert_value_type(&pp, &pp.sample_type[0], "samples", "count");
	assert_value_type(&pp, &pp.sample_type[1], "cpu", "nanoseconds");
	assert_value_type(&pp, &pp.period_type, "cpu", "nanoseconds");
	assert_int_equal(pp.period, 10000000);
	assert_int_equal(pp.time_nanos, T0);
	assert_int_equal(pp.duration_nanos, D0);
	assert_string_equal(pp_string(&pp, pp.default_sample_type), "cpu");
	assert_string_equal(pp_string(&pp, pp.comment), "tmprof record -p 1");
	/* 4 samples: the frame-less and the zero-count stacks are left out. */
	assert_int_equal(pp.nsamples, 4);

	/* Thread frame dropped, leaf first, values [count, count * period];
	 * function names carry no folded suffix (the kind is structure). */
	s = find_sample(&pp, "StreamTask.invoke;map", NULL);
	assert_string_equal(pp_string(&pp, pp.functions[s->loc[0] - 1].name), "map");
	assert_int_equal(s->val[0], 40);
	assert_int_equal(s->val[1], 400000000);
	assert_string_equal(pp_label(&pp, s, "thread"), "Source: Numbers -> Map (3/8)#0");
	assert_string_equal(pp_label(&pp, s, "tid"), "4242");
	assert_string_equal(pp_label(&pp, s, "operator_chain"), "Source: Numbers -> Map");
	assert_string_equal(pp_label(&pp, s, "subtask"), "3");
	assert_null(pp_label(&pp, s, "state"));

	s = find_sample(&pp, "StreamTask.invoke", "main");
	assert_int_equal(s->val[0], 1);
	assert_string_equal(pp_label(&pp, s, "tid"), "7");
	assert_null(pp_label(&pp, s, "operator_chain"));

	/* A stack of only the thread frame: no locations, the thread as label. */
	s = find_sample(&pp, "", "G1 Young RemSet Sampling");
	assert_int_equal(s->nloc, 0);
	assert_int_equal(s->val[0], 5);

	/* One function per distinct frame; pseudo-frames are not functions. */
	assert_int_equal(pp.nfunctions, 3);
	pp_free(&pp);
	profile_free(p);
}

static void test_pprof_keep_pseudo_frames(void **state)
{
	struct profile *p = sample_profile();
	struct pprof_options o = { .hz = 99, .keep_pseudo_frames = true, .omit_tid = true };
	struct pp_profile pp;
	const struct pp_sample *s;

	(void)state;
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_int_equal(pp.period, 1000000000 / 99);
	s = find_sample(&pp, "[Source: Numbers -> Map (3/8)#0 tid=4242];StreamTask.invoke;map",
			NULL);
	assert_int_equal(s->val[1], 40LL * (1000000000 / 99));
	assert_string_equal(pp_label(&pp, s, "thread"), "Source: Numbers -> Map (3/8)#0");
	assert_null(pp_label(&pp, s, "tid"));
	s = find_sample(&pp, "[G1 Young RemSet Sampling tid=9]", NULL);
	assert_int_equal(s->nloc, 1);
	/* time 0: "now - duration", so a plausible Unix time. */
	assert_true(pp.time_nanos > T0);
	pp_free(&pp);
	profile_free(p);
}

static void test_pprof_wall_process_and_state(void **state)
{
	struct profile *p = parse_profile("[tm-1 pid=100];[Window(Tumbling) -> Sink (1/2) tid=101];"
					  "[backpressured];LocalBufferPool.requestMemorySegmentBlocking_[j] 2500\n");
	struct pprof_options o = { .kind = PPROF_KIND_WALL };
	struct pp_profile pp;
	const struct pp_sample *s;

	(void)state;
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_int_equal(pp.nsample_types, 1);
	assert_value_type(&pp, &pp.sample_type[0], "wall", "nanoseconds");
	assert_value_type(&pp, &pp.period_type, "wall", "nanoseconds");
	assert_string_equal(pp_string(&pp, pp.default_sample_type), "wall");
	/* The state stays a frame (it splits the flame graph) and a label. */
	s = find_sample(&pp, "[backpressured];LocalBufferPool.requestMemorySegmentBlocking", NULL);
	assert_int_equal(s->val[0], 2500000);
	assert_string_equal(pp_label(&pp, s, "process"), "tm-1");
	assert_string_equal(pp_label(&pp, s, "pid"), "100");
	assert_string_equal(pp_label(&pp, s, "thread"), "Window(Tumbling) -> Sink (1/2)");
	assert_string_equal(pp_label(&pp, s, "operator_chain"), "Window(Tumbling) -> Sink");
	assert_string_equal(pp_label(&pp, s, "subtask"), "1");
	assert_string_equal(pp_label(&pp, s, "state"), "backpressured");
	pp_free(&pp);

	o.kind = PPROF_KIND_OFFCPU;
	encode_decode(p, &o, &pp);
	assert_value_type(&pp, &pp.sample_type[0], "off_cpu", "nanoseconds");
	pp_free(&pp);
	profile_free(p);
}

static void test_pprof_alloc_two_values(void **state)
{
	static const struct profile_value_type types[] = { { "alloc_space", "bytes" },
							   { "alloc_objects", "count" } };
	struct profile *p = profile_new(), *one = profile_new();
	struct pprof_options o = { .kind = PPROF_KIND_ALLOC, .alloc_period = 524288 };
	struct pp_profile pp;
	const struct pp_sample *s;
	unsigned char *buf = NULL;
	size_t len = 0;
	uint32_t a = intern(p, "a"), b = intern(p, "b");

	(void)state;
	assert_int_equal(profile_set_value_types(p, types, 2), 0);
	assert_int_equal(profile_add_sample(p, (uint32_t[]){ a }, 1, 0, (uint64_t[]){ 4096, 3 }), 0);
	assert_int_equal(profile_add_sample(p, (uint32_t[]){ a, b }, 2, 0, (uint64_t[]){ 100, 7 }), 0);
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_value_type(&pp, &pp.sample_type[0], "alloc_space", "bytes");
	assert_value_type(&pp, &pp.sample_type[1], "alloc_objects", "count");
	assert_value_type(&pp, &pp.period_type, "space", "bytes");
	assert_int_equal(pp.period, 524288);
	assert_string_equal(pp_string(&pp, pp.default_sample_type), "alloc_space");
	s = find_sample(&pp, "a;b", NULL);
	assert_int_equal(s->val[0], 100);
	assert_int_equal(s->val[1], 7);
	s = find_sample(&pp, "a", NULL);
	assert_int_equal(s->val[1], 3);
	pp_free(&pp);
	/* A profile with one value has no objects: refused. */
	assert_int_equal(profile_add(one, (uint32_t[]){ intern(one, "a") }, 1, 1), 0);
	assert_int_equal(pprof_encode(one, &o, &buf, &len), -EINVAL);
	assert_null(buf);
	profile_free(p);
	profile_free(one);
}

/* Labels come from the samples' label sets, whatever their keys; frames
 * keep their module as the location's mapping and unnamed frames say
 * where they were. */
static void test_pprof_labels_and_mappings(void **state)
{
	struct profile *p = profile_new();
	struct pprof_options o = { .kind = PPROF_KIND_CPU, .omit_tid = true };
	struct profile_label l[3];
	struct pp_profile pp;
	const struct pp_sample *s;
	uint32_t set, f[3];

	(void)state;
	assert_int_equal(profile_str_intern(p, "job", &l[0].key), 0);
	assert_int_equal(profile_str_intern(p, "wordcount", &l[0].value), 0);
	assert_int_equal(profile_str_intern(p, "tid", &l[1].key), 0);
	assert_int_equal(profile_str_intern(p, "12", &l[1].value), 0);
	assert_int_equal(profile_str_intern(p, "thread", &l[2].key), 0);
	assert_int_equal(profile_str_intern(p, "main", &l[2].value), 0);
	assert_int_equal(profile_labels_intern(p, l, 3, &set), 0);
	assert_int_equal(profile_frame_intern(p, "start_thread", "libc.so.6", PROFILE_FRAME_NATIVE, &f[0]), 0);
	assert_int_equal(profile_frame_intern(p, "a.B.run", "[java]", PROFILE_FRAME_JIT, &f[1]), 0);
	assert_int_equal(profile_frame_intern(p, "[unknown]", "libfoo.so", PROFILE_FRAME_UNKNOWN, &f[2]), 0);
	assert_int_equal(profile_add_sample(p, f, 3, set, (uint64_t[]){ 5 }), 0);
	encode_decode(p, &o, &pp);
	s = find_sample(&pp, "start_thread;a.B.run;[unknown] (libfoo.so)", "main");
	assert_string_equal(pp_label(&pp, s, "job"), "wordcount");
	assert_null(pp_label(&pp, s, "tid")); /* omit_tid */
	assert_int_equal(pp.nmappings, 3);
	assert_int_equal(pp.nlocations, 3);
	for (size_t i = 0; i < pp.nlocations; i++)
		assert_true(pp.locations[i].mapping_id >= 1 && pp.locations[i].mapping_id <= 3);
	assert_int_not_equal(pp.locations[0].mapping_id, pp.locations[1].mapping_id);
	pp_free(&pp);
	profile_free(p);
}

static void test_pprof_empty_profile(void **state)
{
	struct profile *p = profile_new();
	struct pp_profile pp;

	(void)state;
	encode_decode(p, NULL, &pp);
	assert_well_formed(&pp);
	assert_int_equal(pp.nsamples, 0);
	assert_int_equal(pp.nlocations, 0);
	assert_int_equal(pp.nsample_types, 2);
	assert_int_equal(pp.period, 1000000000 / 99);
	pp_free(&pp);
	profile_free(p);
}

/* Many distinct stacks over many frames, deep stacks, large counts. */
static void test_pprof_huge_profile(void **state)
{
	struct profile *p = profile_new();
	enum { NFRAMES = 5000, NSTACKS = 20000, DEPTH = 48 };
	uint32_t *ids = malloc(NFRAMES * sizeof(*ids)), frames[DEPTH];
	uint64_t total = 0, got0 = 0, got1 = 0;
	struct pprof_options o = { .hz = 1000 };
	struct pp_profile pp;
	char name[64];

	(void)state;
	assert_non_null(ids);
	for (uint32_t i = 0; i < NFRAMES; i++) {
		snprintf(name, sizeof(name), "com.example.Frame%u.method_[j]", i);
		ids[i] = intern(p, name);
	}
	for (uint32_t s = 0; s < NSTACKS; s++) {
		uint32_t depth = 1 + s % DEPTH;

		for (uint32_t d = 0; d < depth; d++)
			frames[d] = ids[(s * 7 + d * 13) % NFRAMES];
		frames[0] = ids[s % NFRAMES];
		assert_int_equal(profile_add(p, frames, depth, 1 + s % 1000), 0);
	}
	/* A count that overflows int64 nanoseconds saturates. */
	assert_int_equal(profile_add(p, (uint32_t[]){ ids[1], ids[2], ids[3] }, 3, UINT64_MAX / 4), 0);
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack st;

		profile_stack_get(p, i, &st);
		if (st.count < UINT64_MAX / 4)
			total += st.count;
	}
	encode_decode(p, &o, &pp);
	assert_int_equal(pp.nsamples, profile_stack_count(p));
	assert_int_equal(pp.nfunctions, NFRAMES);
	for (size_t i = 0; i < pp.nsamples; i++) {
		if ((uint64_t)pp.samples[i].val[0] == UINT64_MAX / 4) {
			assert_int_equal(pp.samples[i].val[1], INT64_MAX);
			continue;
		}
		got0 += (uint64_t)pp.samples[i].val[0];
		got1 += (uint64_t)pp.samples[i].val[1];
		assert_int_equal(pp.samples[i].nloc, 1 + i % DEPTH);
	}
	assert_int_equal(got0, total);
	assert_int_equal(got1, total * 1000000);
	/* Spot check: stack 1 is root ids[1], then frame (7 + 13) % NFRAMES. */
	{
		char *t = pp_stack_text(&pp, &pp.samples[1]);

		assert_string_equal(t, "com.example.Frame1.method_[j];com.example.Frame20.method_[j]");
		free(t);
	}
	pp_free(&pp);
	profile_free(p);
	free(ids);
}

static void test_pprof_write_file(void **state)
{
	struct profile *p = sample_profile();
	char *dir = test_mkdtemp(), path[512], cmd[700];
	unsigned char buf[65536];
	struct pp_profile pp;
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/cpu.pb.gz", dir);
	assert_int_equal(pprof_write_file(p, path, NULL), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(pp_decode(buf, n, &pp), 0);
	assert_int_equal(pp.nsamples, 4);
	pp_free(&pp);
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l | grep -qx 1", dir);
	assert_int_equal(system(cmd), 0);
	/* Unwritable destination: an error and nothing left behind. */
	snprintf(path, sizeof(path), "%s/missing/cpu.pb.gz", dir);
	assert_int_equal(pprof_write_file(p, path, NULL), -ENOENT);
	assert_int_equal(system(cmd), 0);
	test_rm_rf(dir);
	free(dir);
	profile_free(p);
}

static void test_pprof_bad_arguments(void **state)
{
	struct profile *p = profile_new();
	struct pprof_options o = { .kind = (enum pprof_kind)42 };
	unsigned char *buf = (unsigned char *)"x";
	size_t len = 1;

	(void)state;
	assert_int_equal(pprof_encode(NULL, NULL, &buf, &len), -EINVAL);
	assert_int_equal(pprof_encode(p, NULL, NULL, &len), -EINVAL);
	assert_int_equal(pprof_encode(p, &o, &buf, &len), -EINVAL);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_not_equal(pprof_write_file(p, "", NULL), 0);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_cpu_profile),
		cmocka_unit_test(test_pprof_keep_pseudo_frames),
		cmocka_unit_test(test_pprof_wall_process_and_state),
		cmocka_unit_test(test_pprof_alloc_two_values),
		cmocka_unit_test(test_pprof_labels_and_mappings),
		cmocka_unit_test(test_pprof_empty_profile),
		cmocka_unit_test(test_pprof_huge_profile),
		cmocka_unit_test(test_pprof_write_file),
		cmocka_unit_test(test_pprof_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
