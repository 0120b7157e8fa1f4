// SPDX-License-Identifier: GPL-2.0
/* The text writers' side of the model: suffixes from kinds, "[unknown]
 * (module)", and root pseudo-frames from labels, as the profile asks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/frame_text.h"
#include "flamegraph/profile.h"

static void test_suffixes_from_kinds(void **state)
{
	static const struct {
		const char *name, *module;
		enum profile_frame_kind kind;
		const char *want;
	} cases[] = {
		{ "do_syscall_64", "[kernel]", PROFILE_FRAME_KERNEL, "do_syscall_64_[k]" },
		{ "JavaCalls::call_helper", "libjvm.so", PROFILE_FRAME_NATIVE, "JavaCalls::call_helper" },
		{ "org.apache.flink.Task.run", "[java]", PROFILE_FRAME_JIT, "org.apache.flink.Task.run_[j]" },
		{ "a.B.c", "[java]", PROFILE_FRAME_INLINED, "a.B.c_[i]" },
		{ "Interpreter", "[java]", PROFILE_FRAME_INTERPRETED, "Interpreter_[0]" },
		{ "StubRoutines::call_stub", "[jit]", PROFILE_FRAME_STUB, "StubRoutines::call_stub" },
		{ "[unknown]", "libfoo.so", PROFILE_FRAME_UNKNOWN, "[unknown] (libfoo.so)" },
		{ NULL, "[anon]", PROFILE_FRAME_NATIVE, "[unknown] ([anon])" },
		{ "", NULL, PROFILE_FRAME_NATIVE, "[unknown] (?)" },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(frame_text_format(buf, sizeof(buf), cases[i].name, cases[i].module,
					      cases[i].kind) > 0);
		assert_string_equal(buf, cases[i].want);
	}
	/* Truncation never overflows; the full length is returned. */
	assert_int_equal(frame_text_format(buf, 8, "averyveryverylongname", "m", PROFILE_FRAME_JIT), 25);
	assert_int_equal(strlen(buf), 7);
}

static void test_roots_from_labels(void **state)
{
	struct profile *p = profile_new();
	struct profile_label l[4];
	const char *roots[FRAME_TEXT_ROOTS_MAX];
	static const char *kv[] = { "process", "tm-1", "pid", "100", "thread", "Map (1/2)#0",
				    "tid", "7" };
	struct frame_texts *ft;
	uint32_t set, f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(profile_str_intern(p, kv[2 * i], &l[i].key), 0);
		assert_int_equal(profile_str_intern(p, kv[2 * i + 1], &l[i].value), 0);
	}
	assert_int_equal(profile_labels_intern(p, l, 4, &set), 0);
	assert_int_equal(profile_frame_intern(p, "run", "[java]", PROFILE_FRAME_JIT, &f), 0);
	assert_int_equal(profile_add_sample(p, &f, 1, set, (uint64_t[]){ 2 }), 0);

	/* No roots asked for: labels stay labels. */
	ft = frame_texts_new(p);
	assert_non_null(ft);
	assert_int_equal(frame_texts_roots(ft, set, roots), 0);
	assert_string_equal(frame_texts_frame(ft, f), "run_[j]");
	frame_texts_free(ft);

	profile_set_roots(p, PROFILE_ROOT_PROCESS | PROFILE_ROOT_THREAD | PROFILE_ROOT_STATE);
	ft = frame_texts_new(p);
	assert_non_null(ft);
	assert_int_equal(frame_texts_roots(ft, set, roots), 2); /* no state label: no state frame */
	assert_string_equal(roots[0], "[tm-1 pid=100]");
	assert_string_equal(roots[1], "[Map (1/2)#0 tid=7]");
	assert_int_equal(frame_texts_roots(ft, 0, roots), 0);
	frame_texts_free(ft);

	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(folded_write(p, out), 0);
	fclose(out);
	assert_string_equal(buf, "[tm-1 pid=100];[Map (1/2)#0 tid=7];run_[j] 2\n");
	free(buf);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffixes_from_kinds),
		cmocka_unit_test(test_roots_from_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
