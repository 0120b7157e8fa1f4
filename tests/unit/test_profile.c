// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flamegraph/profile.h"

static void test_intern_dedupes_and_sanitizes(void **state)
{
	struct profile *p = profile_new();
	uint32_t a, b, c;

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile_intern(p, "foo", &a), 0);
	assert_int_equal(profile_intern(p, "bar", &b), 0);
	assert_int_equal(profile_intern(p, "foo", &c), 0);
	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	/* ';' and newlines would split frames and stacks in folded output. */
	assert_int_equal(profile_intern(p, "a;b\nc\td", &a), 0);
	assert_string_equal(profile_string(p, a), "a:b?c?d");
	/* Sanitised and literal spellings are the same frame. */
	assert_int_equal(profile_intern(p, "a:b?c?d", &b), 0);
	assert_int_equal(a, b);
	assert_string_equal(profile_string(p, 999999), "");
	profile_free(p);
}

static void test_add_merges_identical_stacks(void **state)
{
	struct profile *p = profile_new();
	uint32_t f[3];
	struct profile_stack s;

	(void)state;
	profile_intern(p, "root", &f[0]);
	profile_intern(p, "mid", &f[1]);
	profile_intern(p, "leaf", &f[2]);
	assert_int_equal(profile_add(p, f, 3, 5), 0);
	assert_int_equal(profile_add(p, f, 2, 1), 0);
	assert_int_equal(profile_add(p, f, 3, 7), 0);
	assert_int_equal(profile_add(p, f, 0, 2), 0);
	assert_int_equal(profile_stack_count(p), 3);
	assert_int_equal(profile_total(p), 15);
	profile_stack_get(p, 0, &s);
	assert_int_equal(s.depth, 3);
	assert_int_equal(s.count, 12);
	assert_int_equal(s.frames[2], f[2]);
	profile_free(p);
}

static void test_many_strings_and_stacks_survive_growth(void **state)
{
	struct profile *p = profile_new();
	char name[32];
	uint32_t ids[2];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(profile_intern(p, name, &ids[0]), 0);
		assert_int_equal(ids[0], (uint32_t)i);
		ids[1] = (uint32_t)(i / 2);
		assert_int_equal(profile_add(p, ids, 2, 1), 0);
	}
	for (int i = 0; i < 20000; i += 997) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_int_equal(profile_intern(p, name, &ids[0]), 0);
		assert_int_equal(ids[0], (uint32_t)i);
	}
	assert_int_equal(profile_stack_count(p), 20000);
	assert_int_equal(profile_total(p), 20000);
	profile_free(p);
}

/* A frame is (name, module, kind): the same name of another kind or module
 * is another frame. */
static void test_frames_by_name_module_kind(void **state)
{
	struct profile *p = profile_new();
	uint32_t a, b, c, d;
	struct profile_frame f;

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile_frame_intern(p, "a.B.run", "[java]", PROFILE_FRAME_JIT, &a), 0);
	assert_int_equal(profile_frame_intern(p, "a.B.run", "[java]", PROFILE_FRAME_INLINED, &b), 0);
	assert_int_equal(profile_frame_intern(p, "a.B.run", "[java]", PROFILE_FRAME_JIT, &c), 0);
	assert_int_equal(profile_frame_intern(p, "a.B.run", NULL, PROFILE_FRAME_JIT, &d), 0);
	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, d);
	profile_frame_get(p, b, &f);
	assert_int_equal(f.kind, PROFILE_FRAME_INLINED);
	assert_string_equal(profile_str(p, f.name), "a.B.run");
	assert_string_equal(profile_frame_module(p, a), "[java]");
	assert_string_equal(profile_frame_module(p, d), "");
	assert_true(profile_frame_kind_is_java(PROFILE_FRAME_INTERPRETED));
	assert_false(profile_frame_kind_is_java(PROFILE_FRAME_STUB));
	assert_int_equal(profile_frame_intern(p, "x", NULL, PROFILE_FRAME__MAX, &a), -EINVAL);
	profile_free(p);
}

static uint32_t label_set(struct profile *p, const char *k1, const char *v1, const char *k2,
			  const char *v2)
{
	struct profile_label l[2];
	uint32_t id;

	assert_int_equal(profile_str_intern(p, k1, &l[0].key), 0);
	assert_int_equal(profile_str_intern(p, v1, &l[0].value), 0);
	assert_int_equal(profile_str_intern(p, k2, &l[1].key), 0);
	assert_int_equal(profile_str_intern(p, v2, &l[1].value), 0);
	assert_int_equal(profile_labels_intern(p, l, 2, &id), 0);
	return id;
}

/* Label sets are interned; samples with other labels stay apart. */
static void test_labels_keep_samples_apart(void **state)
{
	struct profile *p = profile_new();
	uint32_t f, t1 = 0, t2 = 0, again = 0, empty_value = 0;
	struct profile_stack st;

	(void)state;
	assert_non_null(p);
	t1 = label_set(p, "thread", "main", "tid", "1");
	t2 = label_set(p, "thread", "main", "tid", "2");
	again = label_set(p, "thread", "main", "tid", "1");
	empty_value = label_set(p, "thread", "main", "state", "");
	assert_int_equal(t1, again);
	assert_int_not_equal(t1, t2);
	assert_string_equal(profile_label_value(p, t2, "tid"), "2");
	assert_null(profile_label_value(p, t2, "state"));
	assert_null(profile_label_value(p, empty_value, "state")); /* empty: left out */
	assert_null(profile_label_value(p, 0, "thread"));
	f = 0;
	assert_int_equal(profile_intern(p, "work", &f), 0);
	assert_int_equal(profile_add_sample(p, &f, 1, t1, (uint64_t[]){ 3 }), 0);
	assert_int_equal(profile_add_sample(p, &f, 1, t2, (uint64_t[]){ 4 }), 0);
	assert_int_equal(profile_add_sample(p, &f, 1, again, (uint64_t[]){ 5 }), 0);
	assert_int_equal(profile_stack_count(p), 2);
	profile_stack_get(p, 0, &st);
	assert_int_equal(st.count, 8);
	assert_int_equal(st.labels, t1);
	assert_int_equal(profile_total(p), 12);
	assert_int_equal(profile_add_sample(p, &f, 1, 999, (uint64_t[]){ 1 }), -EINVAL);
	profile_free(p);
}

/* Several values per sample; count and total follow the display value. */
static void test_several_values(void **state)
{
	static const struct profile_value_type types[] = { { "alloc_space", "bytes" },
							   { "alloc_objects", "count" } };
	struct profile *p = profile_new(), *q = profile_new();
	struct profile_stack st;
	uint32_t f;

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(profile_value_count(p), 1);
	assert_string_equal(profile_value_type(p, 0).type, "samples");
	assert_int_equal(profile_set_value_types(p, types, 2), 0);
	assert_int_equal(profile_set_value_types(p, types, 0), -EINVAL);
	assert_int_equal(profile_intern(p, "byte[]", &f), 0);
	assert_int_equal(profile_add_sample(p, &f, 1, 0, (uint64_t[]){ 4096, 2 }), 0);
	assert_int_equal(profile_add_sample(p, &f, 1, 0, (uint64_t[]){ 1024, 1 }), 0);
	/* Types are fixed once samples exist. */
	assert_int_equal(profile_set_value_types(p, types, 1), -EINVAL);
	profile_stack_get(p, 0, &st);
	assert_int_equal(st.values[0], 5120);
	assert_int_equal(st.values[1], 3);
	assert_int_equal(st.count, 5120);
	assert_int_equal(profile_set_display_value(p, 1), 0);
	assert_int_equal(profile_set_display_value(p, 2), -EINVAL);
	profile_stack_get(p, 0, &st);
	assert_int_equal(st.count, 3);
	assert_int_equal(profile_total(p), 3);
	assert_int_equal(profile_value_total(p, 0), 5120);
	/* Copied into another profile set up alike. */
	assert_int_equal(profile_init_like(q, p), 0);
	assert_int_equal(profile_add_from(q, p, &st, NULL), 0);
	assert_int_equal(profile_value_total(q, 0), 5120);
	assert_int_equal(profile_total(q), 3);
	profile_free(p);
	profile_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_dedupes_and_sanitizes),
		cmocka_unit_test(test_add_merges_identical_stacks),
		cmocka_unit_test(test_many_strings_and_stacks_survive_growth),
		cmocka_unit_test(test_frames_by_name_module_kind),
		cmocka_unit_test(test_labels_keep_samples_apart),
		cmocka_unit_test(test_several_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
