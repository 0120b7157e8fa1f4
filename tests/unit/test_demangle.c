// SPDX-License-Identifier: GPL-2.0
/* demangle: C++ names reduced to function names for flame graphs. */
#include "symbolize/demangle.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void check(const char *mangled, const char *expected)
{
	char *out = demangle_symbol(mangled);

	assert_non_null(out);
	assert_string_equal(out, expected);
	free(out);
}

static void check_strip(const char *demangled, const char *expected)
{
	char buf[512];

	strcpy(buf, demangled);
	demangle_strip_signature(buf);
	assert_string_equal(buf, expected);
}

static void test_hotspot_names(void **state)
{
	(void)state;
	check("_ZN9JavaCalls11call_helperEP9JavaValueRK12methodHandleP17JavaCallArgumentsP10JavaThread",
	      "JavaCalls::call_helper");
	check("_ZN10JavaThread3runEv", "JavaThread::run");
	check("_ZN6Thread8call_runEv", "Thread::call_run");
	check("_ZL19thread_native_entryP6Thread", "thread_native_entry");
}

static void test_plain_c_unchanged(void **state)
{
	(void)state;
	check("malloc", "malloc");
	check("start_thread", "start_thread");
	check("", "");
	/* Looks mangled but is not valid: kept as is. */
	check("_Z", "_Z");
	check("_Zgarbage!!", "_Zgarbage!!");
}

static void test_qualifiers_and_clones(void **state)
{
	(void)state;
	check("_ZNK2ns6Widget3runEi", "ns::Widget::run");          /* const method */
	check("_ZN3Foo3barEv.cold", "Foo::bar");                   /* [clone .cold] */
	check("_ZN3Foo3barEi.isra.0", "Foo::bar");
	check("_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo");
}

static void test_templates_and_operators(void **state)
{
	(void)state;
	/* Template function: the return type goes, the arguments stay. */
	check("_Z3maxIiET_S0_S0_", "max<int>");
	check("_ZN3FooplERKS_", "Foo::operator+");
	check("_ZN3FoolsEi", "Foo::operator<<");
	check("_ZN3FooclEv", "Foo::operator()");
	check("_ZN3FoocvbEv", "Foo::operator bool");
	check("_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back");
}

static void test_strip_signature(void **state)
{
	(void)state;
	check_strip("foo(int, char)", "foo");
	check_strip("std::function<void (int)>::operator()(int) const",
		    "std::function<void (int)>::operator()");
	check_strip("void foo<int>(int)", "foo<int>");
	check_strip("std::vector<int, std::allocator<int> > make<int>()", "make<int>");
	check_strip("foo()::{lambda(int)#1}::operator()(int) const",
		    "foo()::{lambda(int)#1}::operator()");
	check_strip("bar(int) [clone .constprop.0] [clone .cold]", "bar");
	check_strip("vtable for Foo", "vtable for Foo");
	check_strip("unbalanced)", "unbalanced)");
	check_strip(")", ")");
	check_strip("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotspot_names),
		cmocka_unit_test(test_plain_c_unchanged),
		cmocka_unit_test(test_qualifiers_and_clones),
		cmocka_unit_test(test_templates_and_operators),
		cmocka_unit_test(test_strip_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
