#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/profile_builder.h"
#include "symbolize/symbolizer.h"

static void test_frame_suffixes(void **state)
{
	static const struct {
		const char *name, *module;
		int kind;
		const char *want;
	} cases[] = {
		{ "do_syscall_64", "[kernel]", FRAME_KERNEL, "do_syscall_64_[k]" },
		{ "JavaCalls::call_helper", "libjvm.so", FRAME_NATIVE, "JavaCalls::call_helper" },
		{ "org.apache.flink.Task.run", "[jit]", FRAME_JIT, "org.apache.flink.Task.run_[j]" },
		{ "a.B.c", "[jit]", FRAME_INLINED, "a.B.c_[i]" },
		{ "Interpreter", "[jit]", FRAME_INTERPRETED, "Interpreter_[0]" },
		{ "[unknown]", "libfoo.so", FRAME_UNKNOWN, "[unknown] (libfoo.so)" },
		{ NULL, "[anon]", FRAME_NATIVE, "[unknown] ([anon])" },
		{ "", NULL, FRAME_NATIVE, "[unknown] (?)" },
		{ "x", "m", 99, "x" },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(frame_format(buf, sizeof(buf), cases[i].name, cases[i].module,
					      cases[i].kind),
				 0);
		assert_string_equal(buf, cases[i].want);
	}
	/* Truncation never overflows. */
	assert_int_equal(frame_format(buf, 8, "averyveryverylongname", "m", FRAME_JIT), 0);
	assert_int_equal(strlen(buf), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_suffixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
