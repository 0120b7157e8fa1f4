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

/* Two task threads and a non-task thread, as tmprof record writes them. */
static struct profile *sample_profile(void)
{
	struct profile *p = profile_new();
	uint32_t t1, t2, g, inv, map, sys;

	assert_non_null(p);
	t1 = intern(p, "[Source: Numbers -> Map (3/8)#0 tid=4242]");
	t2 = intern(p, "[main tid=7]");
	g = intern(p, "[G1 Young RemSet Sampling tid=9]");
	inv = intern(p, "StreamTask.invoke_[j]");
	map = intern(p, "map_[j]");
	sys = intern(p, "do_syscall_64_[k]");
	assert_int_equal(profile_add(p, (uint32_t[]){ t1, inv, map }, 3, 40), 0);
	assert_int_equal(profile_add(p, (uint32_t[]){ t1, inv, sys }, 3, 2), 0);
	assert_int_equal(profile_add(p, (uint32_t[]){ t2, inv }, 2, 1), 0);
	assert_int_equal(profile_add(p, (uint32_t[]){ g }, 1, 5), 0);      /* only the thread */
	assert_int_equal(profile_add(p, (uint32_t[]){ t1 }, 0, 9), 0);     /* no frames: left out */
	assert_int_equal(profile_add(p, (uint32_t[]){ t2, map }, 2, 0), 0); /* zero: left out */
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
	assert_int_equal(pp->nmappings, 1);
	assert_int_equal(pp->mapping_ids[0], 1);
	assert_true(pp->mapping_has_functions);
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

	/* Thread frame dropped, leaf first, values [count, count * period]. */
	s = find_sample(&pp, "StreamTask.invoke_[j];map_[j]", NULL);
	assert_string_equal(pp_string(&pp, pp.functions[s->loc[0] - 1].name), "map_[j]");
	assert_int_equal(s->val[0], 40);
	assert_int_equal(s->val[1], 400000000);
	assert_string_equal(pp_label(&pp, s, "thread"), "Source: Numbers -> Map (3/8)#0");
	assert_string_equal(pp_label(&pp, s, "tid"), "4242");
	assert_string_equal(pp_label(&pp, s, "operator_chain"), "Source: Numbers -> Map");
	assert_string_equal(pp_label(&pp, s, "subtask"), "3");
	assert_null(pp_label(&pp, s, "state"));

	s = find_sample(&pp, "StreamTask.invoke_[j]", "main");
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
	struct pprof_options o = { .hz = 99, .keep_pseudo_frames = true };
	struct pprof_default_labels cfg = { .omit_tid = true };
	struct pp_profile pp;
	const struct pp_sample *s;

	(void)state;
	o.labels = pprof_labels_default;
	o.labels_ctx = &cfg;
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_int_equal(pp.period, 1000000000 / 99);
	s = find_sample(&pp, "[Source: Numbers -> Map (3/8)#0 tid=4242];StreamTask.invoke_[j];map_[j]",
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
	struct profile *p = profile_new();
	uint32_t pr, th, st, f;
	struct pprof_options o = { .kind = PPROF_KIND_WALL };
	struct pp_profile pp;
	const struct pp_sample *s;

	(void)state;
	pr = intern(p, "[tm-1 pid=100]");
	th = intern(p, "[Window(Tumbling) -> Sink (1/2) tid=101]");
	st = intern(p, "[backpressured]");
	f = intern(p, "LocalBufferPool.requestMemorySegmentBlocking_[j]");
	assert_int_equal(profile_add(p, (uint32_t[]){ pr, th, st, f }, 4, 2500), 0);
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_int_equal(pp.nsample_types, 1);
	assert_value_type(&pp, &pp.sample_type[0], "wall", "nanoseconds");
	assert_value_type(&pp, &pp.period_type, "wall", "nanoseconds");
	assert_string_equal(pp_string(&pp, pp.default_sample_type), "wall");
	s = find_sample(&pp, "[backpressured];LocalBufferPool.requestMemorySegmentBlocking_[j]", NULL);
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

static uint64_t objects_of(void *ctx, size_t index, const struct profile_stack *s)
{
	(void)s;
	return ((const uint64_t *)ctx)[index];
}

static void test_pprof_alloc_two_values(void **state)
{
	struct profile *p = profile_new();
	uint64_t objects[] = { 3, 7 };
	struct pprof_options o = { .kind = PPROF_KIND_ALLOC, .alloc_period = 524288,
				   .value2 = objects_of, .value2_ctx = objects };
	struct pp_profile pp;
	const struct pp_sample *s;
	unsigned char *buf = NULL;
	size_t len = 0;
	uint32_t a = intern(p, "a"), b = intern(p, "b");

	(void)state;
	assert_int_equal(profile_add(p, (uint32_t[]){ a }, 1, 4096), 0);
	assert_int_equal(profile_add(p, (uint32_t[]){ a, b }, 2, 100), 0);
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
	/* Without the objects there is no second value: refused. */
	o.value2 = NULL;
	assert_int_equal(pprof_encode(p, &o, &buf, &len), -EINVAL);
	assert_null(buf);
	profile_free(p);
}

struct labeler_ctx {
	int mode;
	size_t max_seen;
};

static int test_labeler(void *ctx, const struct profile_stack *s, const struct profile *p,
			struct pprof_label *out, size_t max)
{
	struct labeler_ctx *c = ctx;

	(void)s;
	(void)p;
	c->max_seen = max;
	if (c->mode == 1)
		return -EPERM;
	snprintf(out[0].key, sizeof(out[0].key), "job");
	snprintf(out[0].value, sizeof(out[0].value), "wordcount");
	out[1].key[0] = '\0'; /* skipped */
	snprintf(out[2].key, sizeof(out[2].key), "job2");
	/* Unterminated buffers must not be read past their end. */
	memset(out[2].value, 'x', sizeof(out[2].value));
	return c->mode == 2 ? 1000 : 3;
}

static void test_pprof_custom_labeler(void **state)
{
	struct profile *p = sample_profile();
	struct labeler_ctx c = { 0 };
	struct pprof_options o = { .labels = test_labeler, .labels_ctx = &c };
	struct pp_profile pp;
	const struct pp_sample *s;
	unsigned char *buf = NULL;
	size_t len = 0;

	(void)state;
	encode_decode(p, &o, &pp);
	assert_well_formed(&pp);
	assert_int_equal(c.max_seen, PPROF_LABELS_MAX);
	s = find_sample(&pp, "StreamTask.invoke_[j];map_[j]", NULL);
	assert_int_equal(s->nlab, 2);
	assert_string_equal(pp_label(&pp, s, "job"), "wordcount");
	assert_int_equal(strlen(pp_label(&pp, s, "job2")), PPROF_LABEL_VALUE_MAX - 1);
	/* Pseudo-frames are dropped whatever the labeler. */
	assert_null(pp_label(&pp, s, "thread"));
	pp_free(&pp);

	c.mode = 2; /* more than max: clamped */
	encode_decode(p, &o, &pp);
	pp_free(&pp);

	c.mode = 1; /* an error aborts the encoding with it */
	assert_int_equal(pprof_encode(p, &o, &buf, &len), -EPERM);
	assert_null(buf);
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

static void test_pprof_pseudo_frame_parse(void **state)
{
	const char *name, *num;
	size_t nl, ml;

	(void)state;
	assert_true(pprof_pseudo_frame_parse("[a b tid=12]", "tid", &name, &nl, &num, &ml));
	assert_int_equal(nl, 3);
	assert_memory_equal(name, "a b", 3);
	assert_int_equal(ml, 2);
	assert_memory_equal(num, "12", 2);
	assert_true(pprof_pseudo_frame_parse("[x pid=1]", "pid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[x pid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[x tid=]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[x tid=1x]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[tid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[ tid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[xtid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("x tid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[unknown] (libc.so.6)", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("", "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse(NULL, "tid", &name, &nl, &num, &ml));
	assert_false(pprof_pseudo_frame_parse("[]", "tid", &name, &nl, &num, &ml));
}

static int label_one(const char *thread_frame, struct pprof_label *out, size_t max)
{
	struct profile *p = profile_new();
	struct profile_stack s;
	int n;

	assert_non_null(p);
	intern(p, thread_frame);
	assert_int_equal(profile_add(p, (uint32_t[]){ 0 }, 1, 1), 0);
	profile_stack_get(p, 0, &s);
	n = pprof_labels_default(NULL, &s, p, out, max);
	profile_free(p);
	return n;
}

static const char *label_of(struct pprof_label *l, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

static void test_pprof_default_labels_task_names(void **state)
{
	struct pprof_label l[PPROF_LABELS_MAX];
	char big[2048];
	int n;

	(void)state;
	n = label_one("[Map (1/2) tid=5]", l, PPROF_LABELS_MAX);
	assert_string_equal(label_of(l, n, "operator_chain"), "Map");
	assert_string_equal(label_of(l, n, "subtask"), "1");
	n = label_one("[Keyed Reduce (12/128)#3 tid=5]", l, PPROF_LABELS_MAX);
	assert_string_equal(label_of(l, n, "operator_chain"), "Keyed Reduce");
	assert_string_equal(label_of(l, n, "subtask"), "12");
	for (size_t i = 0; i < 5; i++) {
		const char *bad[] = { "[Foo (a/b)#0 tid=5]", "[(1/2) tid=5]", "[Foo (1/2)#x tid=5]",
				      "[Foo (1/2) x tid=5]", "[Foo (12) tid=5]" };

		n = label_one(bad[i], l, PPROF_LABELS_MAX);
		assert_non_null(label_of(l, n, "thread"));
		assert_null(label_of(l, n, "operator_chain"));
	}
	/* max is respected. */
	assert_int_equal(label_one("[Map (1/2) tid=5]", l, 1), 1);
	assert_int_equal(label_one("[Map (1/2) tid=5]", l, 0), 0);
	/* Not a thread frame: no labels. */
	assert_int_equal(label_one("main", l, PPROF_LABELS_MAX), 0);
	/* Long UTF-8 names are cut at a character boundary. */
	memcpy(big, "[", 1);
	for (size_t i = 0; i < 600; i++)
		memcpy(big + 1 + 2 * i, "\xc3\xa9", 2);
	snprintf(big + 1201, sizeof(big) - 1201, " tid=1]");
	n = label_one(big, l, PPROF_LABELS_MAX);
	assert_int_equal(strlen(label_of(l, n, "thread")), 510);
	assert_int_equal(pprof_labels_default(NULL, NULL, NULL, l, 4), -EINVAL);
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
		cmocka_unit_test(test_pprof_custom_labeler),
		cmocka_unit_test(test_pprof_empty_profile),
		cmocka_unit_test(test_pprof_huge_profile),
		cmocka_unit_test(test_pprof_write_file),
		cmocka_unit_test(test_pprof_pseudo_frame_parse),
		cmocka_unit_test(test_pprof_default_labels_task_names),
		cmocka_unit_test(test_pprof_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
