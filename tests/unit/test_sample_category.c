// SPDX-License-Identifier: GPL-2.0
/* The category of a profile's stack: the profile's frames (root first,
 * kinds and modules) given to the rules leaf first, once per distinct
 * stack; and the report's per-category split of a thread's CPU. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/sample_category.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"

struct fixture {
	struct category_rules rules;
	struct sample_categorizer sc;
	struct profile *p;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || category_rules_default(&f->rules) || sample_categorizer_init(&f->sc, &f->rules))
		return -1;
	f->p = profile_new();
	*state = f;
	return f->p ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sample_categorizer_free(&f->sc);
	category_rules_free(&f->rules);
	profile_free(f->p);
	free(f);
	return 0;
}

static uint32_t frame(struct profile *p, const char *name, const char *module,
		      enum profile_frame_kind kind)
{
	uint32_t id;

	assert_int_equal(profile_frame_intern(p, name, module, kind, &id), 0);
	return id;
}

static enum category classify(struct fixture *f, const uint32_t *frames, uint32_t n,
			      enum thread_kind kind)
{
	enum category c = CATEGORY__MAX;

	assert_int_equal(sample_category_cpu(&f->sc, f->p, frames, n, kind, &c), 0);
	return c;
}

static void test_leaf_is_last(void **state)
{
	struct fixture *f = *state;
	/* Root first: the user function calls Kryo, so the deepest frame
	 * (the last) decides: serialization. */
	uint32_t st[] = {
		frame(f->p, "start_thread", "libc.so.6", PROFILE_FRAME_NATIVE),
		frame(f->p, "org.apache.flink.streaming.runtime.tasks.StreamTask.invoke", "[java]",
		      PROFILE_FRAME_JIT),
		frame(f->p, "com.example.jobs.EnrichMapper.map", "[java]", PROFILE_FRAME_JIT),
		frame(f->p, "com.esotericsoftware.kryo.Kryo.writeObject", "[java]",
		      PROFILE_FRAME_INLINED),
	};
	/* The same user function alone: user. */
	uint32_t user[] = { st[0], st[1], st[2] };

	assert_int_equal(classify(f, st, 4, THREAD_TASK), CATEGORY_SERIALIZATION);
	assert_int_equal(classify(f, user, 3, THREAD_TASK), CATEGORY_USER);
	assert_int_equal(classify(f, st, 2, THREAD_TASK), CATEGORY_FRAMEWORK);
}

static void test_module_and_kernel(void **state)
{
	struct fixture *f = *state;
	/* A JNI frame known only by its module, with a kernel leaf under it:
	 * the module rule needs the profile's module, the kernel frame takes
	 * its caller's category. */
	uint32_t st[] = {
		frame(f->p, "org.apache.flink.streaming.runtime.tasks.StreamTask.invoke", "[java]",
		      PROFILE_FRAME_JIT),
		frame(f->p, "Java_org_rocksdb_RocksDB_get__J", "librocksdbjni-linux64.so",
		      PROFILE_FRAME_NATIVE),
		frame(f->p, "asm_exc_page_fault", "[kernel]", PROFILE_FRAME_KERNEL),
	};

	assert_int_equal(classify(f, st, 3, THREAD_TASK), CATEGORY_STATE);
}

static void test_cached_per_stack(void **state)
{
	struct fixture *f = *state;
	uint32_t st[] = {
		frame(f->p, "com.example.jobs.EnrichMapper.map", "[java]", PROFILE_FRAME_JIT),
	};
	struct category_cache_stats s0, s1;

	assert_int_equal(classify(f, st, 1, THREAD_TASK), CATEGORY_USER);
	category_cache_stats(f->sc.cache, &s0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(classify(f, st, 1, THREAD_TASK), CATEGORY_USER);
	category_cache_stats(f->sc.cache, &s1);
	assert_int_equal(s1.misses, s0.misses);
	assert_int_equal(s1.hits - s0.hits, 100);
	/* The same stack in a GC thread is another entry, and gc. */
	assert_int_equal(classify(f, st, 1, THREAD_GC), CATEGORY_GC);
	category_cache_stats(f->sc.cache, &s1);
	assert_int_equal(s1.misses, s0.misses + 1);
}

static void test_empty_stack(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(classify(f, NULL, 0, THREAD_TASK), CATEGORY_FRAMEWORK);
}

static void test_report_split(void **state)
{
	struct thread_report r = { 0 };
	struct report_thread *t = thread_report_add(&r);
	uint64_t samples[CATEGORY_CPU__MAX] = { 0 };
	double sum = 0;

	(void)state;
	assert_non_null(t);
	t->measured[REPORT_CPU] = true;
	t->ms_per_s[REPORT_CPU] = 600;
	samples[CATEGORY_USER] = 30;
	samples[CATEGORY_SERIALIZATION] = 20;
	samples[CATEGORY_STATE] = 10;
	assert_int_equal(sample_category_report(&r, t, samples, 60), 0);
	assert_int_equal(r.ncategories, CATEGORY_CPU__MAX);
	for (int c = 0; c < CATEGORY_CPU__MAX; c++) {
		assert_string_equal(r.categories[c], category_name((enum category)c));
		sum += t->cpu_by_category[c];
	}
	assert_true(sum > 599.999 && sum < 600.001);
	assert_true(t->cpu_by_category[CATEGORY_USER] > 299.999 &&
		    t->cpu_by_category[CATEGORY_USER] < 300.001);
	assert_true(t->cpu_by_category[CATEGORY_GC] == 0);
	/* No samples: nothing to split, every category 0. */
	t = thread_report_add(&r);
	assert_non_null(t);
	t->ms_per_s[REPORT_CPU] = 5;
	assert_int_equal(sample_category_report(&r, t, samples, 0), 0);
	for (int c = 0; c < CATEGORY_CPU__MAX; c++)
		assert_true(t->cpu_by_category[c] == 0);
	thread_report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_leaf_is_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_and_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_per_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_stack, setup, teardown),
		cmocka_unit_test(test_report_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
