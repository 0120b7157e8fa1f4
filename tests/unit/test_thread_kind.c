// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/thread_kind.h"

static void test_task_names(void **state)
{
	struct task_name tn;

	(void)state;
	assert_int_equal(thread_kind_task_parse("Source: A -> Map (1/4)#0", &tn), 0);
	assert_int_equal(tn.noperators, 2);
	assert_string_equal(tn.operators[0], "Source: A");
	assert_string_equal(tn.operators[1], "Map");
	assert_int_equal(tn.subtask, 1);
	assert_int_equal(tn.parallelism, 4);
	assert_int_equal(tn.attempt, 0);

	/* Parentheses and arrows inside operator names stay in the operator. */
	assert_int_equal(thread_kind_task_parse("Window(TumblingEventTimeWindows(5000), EventTimeTrigger, "
					 "f -> g) -> Sink: Print to Std. Out (12/16)#3",
					 &tn),
			 0);
	assert_int_equal(tn.noperators, 2);
	assert_string_equal(tn.operators[0],
			    "Window(TumblingEventTimeWindows(5000), EventTimeTrigger, f -> g)");
	assert_string_equal(tn.operators[1], "Sink: Print to Std. Out");
	assert_int_equal(tn.subtask, 12);
	assert_int_equal(tn.parallelism, 16);
	assert_int_equal(tn.attempt, 3);

	assert_int_equal(thread_kind_task_parse("Keyed Aggregation (2/2)#17", &tn), 0);
	assert_int_equal(tn.noperators, 1);
	assert_int_equal(tn.attempt, 17);
}

static void test_not_task_names(void **state)
{
	static const char *const bad[] = {
		"", "main", "Map (1/4)", "Map (1/4)#", "Map (0/4)#0", "Map (5/4)#0", "Map (a/4)#0",
		"Map (1/)#0", "(1/4)#0", " (1/4)#0", "Map(1/4)#0", "Map (1/4)#0x",
		"Map (99999999999/4)#0", "Map (1/4)#-1", "GC Thread#0", "G1 Conc#0",
	};
	struct task_name tn;
	char longname[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(thread_kind_task_parse(bad[i], &tn), -EINVAL);
	assert_int_equal(thread_kind_task_parse(NULL, &tn), -EINVAL);
	memset(longname, 'x', sizeof(longname));
	strcpy(longname + sizeof(longname) - 12, " (1/1)#0");
	assert_int_equal(thread_kind_task_parse(longname, &tn), -EINVAL);
}

static void test_many_operators_are_bounded(void **state)
{
	char name[1000] = "";
	struct task_name tn;

	(void)state;
	for (int i = 0; i < 60; i++)
		strcat(name, "Op -> ");
	strcat(name, "Last (1/1)#0");
	assert_int_equal(thread_kind_task_parse(name, &tn), 0);
	assert_int_equal(tn.noperators, TASK_MAX_OPERATORS);
	assert_non_null(strstr(tn.operators[TASK_MAX_OPERATORS - 1], "Last"));
}

static void test_kinds(void **state)
{
	static const struct {
		const char *name;
		enum thread_kind kind;
	} cases[] = {
		{ "Source: A -> Map (1/4)#0", THREAD_TASK },
		{ "Legacy Source Thread - Source: Custom Source (1/1)#0", THREAD_LEGACY_SOURCE },
		{ "OutputFlusher for Source: A -> Map", THREAD_OUTPUT_FLUSHER },
		{ "Time Trigger for Window(x) (1/2)#0", THREAD_TIME_TRIGGER },
		{ "Flink Netty Server (0) Thread 0", THREAD_NETTY },
		{ "Flink Netty Client (6121) Thread 3", THREAD_NETTY },
		{ "rocksdb:low0", THREAD_ROCKSDB },
		{ "GC Thread#1", THREAD_GC },
		{ "G1 Conc#0", THREAD_GC },
		{ "C2 CompilerThread0", THREAD_JIT },
		{ "C1 CompilerThread0", THREAD_JIT },
		{ "VM Thread", THREAD_VM },
		{ "Signal Dispatcher", THREAD_VM },
		{ "flink-akka.actor.default-dispatcher-2", THREAD_OTHER },
		{ "main", THREAD_OTHER },
		{ "", THREAD_OTHER },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(thread_kind_of(cases[i].name), cases[i].kind);
	assert_int_equal(thread_kind_of(NULL), THREAD_OTHER);
	assert_string_equal(thread_kind_name(THREAD_TASK), "task");
	assert_string_equal(thread_kind_name(THREAD_KIND__MAX), "other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_names),
		cmocka_unit_test(test_not_task_names),
		cmocka_unit_test(test_many_operators_are_bounded),
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
