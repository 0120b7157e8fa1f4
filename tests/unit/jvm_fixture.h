// SPDX-License-Identifier: GPL-2.0
/* Test helper: real JVMs for the cmocka tests that need one (root and a JDK;
 * skipped if missing, failing under CI=true).
 *
 * A stand-in for a Flink TaskManager is compiled once per test binary, in
 * the group setup, and started by the tests themselves, on the host or in a
 * container (own pid and mount namespaces, a private /tmp). The per-test
 * teardown kills what was started and removes what a killed JVM leaves.
 *
 *	static void test_x(void **state)
 *	{
 *		struct jvm_fixture *j;
 *
 *		(void)state;
 *		if (!jvm_fixture_require())
 *			return;
 *		j = jvm_fixture_start(0, NULL);
 *		...
 *	}
 *	... cmocka_unit_test_teardown(test_x, jvm_fixture_teardown) ...
 *	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
 */
#ifndef TMPROF_TESTS_JVM_FIXTURE_H
#define TMPROF_TESTS_JVM_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The stand-in's main class: what tmprof takes for a standalone TaskManager. */
#define JVM_FIXTURE_MAIN_CLASS "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"
/* The name of its one extra thread: quotes, a fake "nid=", and far longer
 * than the 15 bytes Linux keeps of it as comm (JVM_FIXTURE_LONG_COMM). */
#define JVM_FIXTURE_LONG_NAME "tmprof \"long\" thread nid=0x1 -> Map (1/4)#0 far beyond fifteen chars"
#define JVM_FIXTURE_LONG_COMM "tmprof \"long\" t"

/* How many JVMs one test may run at once (the slot of jvm_fixture_start). */
#define JVM_FIXTURE_SLOTS 2

/* One started JVM. */
struct jvm_fixture {
	pid_t launcher;         /* what we forked: java itself or unshare */
	pid_t pid;              /* the JVM, host pid */
	pid_t nstid;            /* the long-named thread, JVM's namespace */
	char work[4200];        /* its cwd, where it reports nstid; under jvm_fixture_dir() */
};

struct jvm_fixture_opts {
	const char *const *java_opts;   /* NULL-terminated JVM options; host JVMs only */
	const char *tool_options;       /* JAVA_TOOL_OPTIONS for it, or NULL */
	bool container;                 /* run it under unshare, as in a container */
};

/* cmocka group setup and teardown: compile and remove the stand-in. */
int jvm_fixture_group_setup(void **state);
int jvm_fixture_group_teardown(void **state);
/* cmocka per-test teardown: kill every JVM the test started, reap it and
 * remove its work dir, attach socket and perf map. */
int jvm_fixture_teardown(void **state);

/* True when root and a working JDK are there; otherwise skips the test, or
 * fails it under CI=true. Use: if (!jvm_fixture_require()) return; */
bool jvm_fixture_require(void);
/* Start a JVM in slot (0 .. JVM_FIXTURE_SLOTS - 1; opts NULL: a plain host
 * JVM) and wait until its long-named thread runs; fails the test if not. */
struct jvm_fixture *jvm_fixture_start(int slot, const struct jvm_fixture_opts *opts);
/* The temporary directory that holds classes/ and the work dirs: room for
 * a test's own files next to them. */
const char *jvm_fixture_dir(void);

/* Where HotSpot listens for attach requests of the JVM pid (on the host). */
void jvm_fixture_socket_path(pid_t pid, char *buf, size_t len);
/* The pid of a process that has just exited and been reaped. */
pid_t jvm_fixture_dead_pid(void);

#endif
