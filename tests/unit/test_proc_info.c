// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/core/proc_info.h"
#include "jvm_fixture.h"

#define TEXT(s) (s), sizeof(s) - 1

static const char status_text[] =
	"Name:\tjava\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t4082\n"
	"Ngid:\t0\n"
	"Pid:\t4082\n"
	"PPid:\t1\n"
	"TracerPid:\t0\n"
	"Uid:\t1000\t1001\t1002\t1003\n"
	"Gid:\t2000\t2001\t2002\t2003\n"
	"FDSize:\t256\n"
	"Groups:\t4 24 27\n"
	"NStgid:\t4082\t7\n"
	"NSpid:\t4082\t7\n"
	"NSpgid:\t4082\t7\n"
	"SigCgt:\t0000000101005ccd\n";

static void test_status_full(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(proc_status_parse(TEXT(status_text), &st), 0);
	assert_int_equal(st.tgid, 4082);
	assert_int_equal(st.nspid, 7);
	assert_int_equal(st.euid, 1001);
	assert_int_equal(st.egid, 2001);
	assert_string_equal(st.name, "java");
}

static void test_status_no_nspid(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(proc_status_parse(TEXT("Name:\tx\nTgid:\t42\nUid:\t0\t0\t0\t0\nGid:\t5\t6\t7\t8\n"), &st), 0);
	assert_int_equal(st.tgid, 42);
	assert_int_equal(st.nspid, 42);
	assert_int_equal(st.euid, 0);
	assert_int_equal(st.egid, 6);
}

static void test_status_three_level_nspid(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t900\nNSpid:\t900\t45\t3\nUid:\t1 2 3 4\nGid:\t1 2 3 4"), &st), 0);
	assert_int_equal(st.nspid, 3);
	/* No trailing newline, blanks instead of tabs: still fine. */
	assert_int_equal(st.egid, 2);
}

static void test_status_missing_fields(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(proc_status_parse(TEXT(""), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Name:\tjava\nUid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t1\nGid:\t1\t1\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t1\nUid:\t1\t1\t1\t1\n"), &st), -EINVAL);
	/* Only the real uid: the effective one is missing. */
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t1\nUid:\t1\nGid:\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\nUid:\t1\t1\nGid:\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t1\nUid:\t1\t1\nGid:\t1\t1\nNSpid:\n"), &st), -EINVAL);
}

static void test_status_hostile_numbers(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t99999999999999999999999\nUid:\t1\t1\nGid:\t1\t1\n"), &st),
			 -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t2147483648\nUid:\t1\t1\nGid:\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t2147483647\nUid:\t1\t4294967295\nGid:\t1\t1\n"), &st), 0);
	assert_int_equal(st.tgid, INT_MAX);
	assert_int_equal(st.euid, 4294967295u);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t5\nUid:\t1\t4294967296\nGid:\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t-5\nUid:\t1\t1\nGid:\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t0\nUid:\t1\t1\nGid:\t1\t1\n"), &st), -EINVAL);
	assert_int_equal(proc_status_parse(TEXT("Tgid:\t12abc\nUid:\t1\t1\nGid:\t1\t1\n"), &st), -EINVAL);
}

static void test_status_nul_and_long_name(void **state)
{
	static const char text[] = "Name:\tja\0va\nTgid:\t7\nUid:\t0\t3\nGid:\t0\t4\n";
	char big[512];
	struct proc_status st;
	int n;

	(void)state;
	assert_int_equal(proc_status_parse(text, sizeof(text) - 1, &st), 0);
	assert_string_equal(st.name, "ja");
	assert_int_equal(st.tgid, 7);
	assert_int_equal(st.euid, 3);

	n = snprintf(big, sizeof(big), "Name:\t%0300d\nTgid:\t1\nUid:\t1\t1\nGid:\t1\t1\n", 0);
	assert_int_equal(proc_status_parse(big, (size_t)n, &st), 0);
	assert_int_equal(strlen(st.name), sizeof(st.name) - 1);
}

static void test_status_read_self(void **state)
{
	struct proc_status st;
	pid_t nstid;

	(void)state;
	assert_int_equal(proc_status_read(getpid(), &st), 0);
	assert_int_equal(st.tgid, getpid());
	assert_int_equal(st.nspid, getpid());
	assert_int_equal(st.euid, geteuid());
	assert_int_equal(st.egid, getegid());
	assert_int_equal(proc_thread_nstid(getpid(), gettid(), &nstid), 0);
	assert_int_equal(nstid, gettid());
	assert_int_equal(proc_thread_nstid(getpid(), 0, &nstid), -EINVAL);
}

static void test_missing_process(void **state)
{
	pid_t pid = jvm_fixture_dead_pid();
	struct proc_status st;
	char **argv;
	int argc;

	(void)state;
	assert_false(proc_exists(pid));
	assert_false(proc_exists(0));
	assert_false(proc_exists(-1));
	assert_true(proc_exists(getpid()));
	assert_int_equal(proc_status_read(pid, &st), -ESRCH);
	assert_int_equal(proc_argv_read(pid, &argv, &argc), -ESRCH);
	assert_int_equal(proc_status_read(-3, &st), -ESRCH);
}

static void test_argv_parse(void **state)
{
	char **argv;
	int argc;

	(void)state;
	assert_int_equal(proc_argv_parse(TEXT("java\0-cp\0/x y\0Main\0"), &argv, &argc), 0);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[0], "java");
	assert_string_equal(argv[2], "/x y");
	assert_string_equal(argv[3], "Main");
	assert_null(argv[4]);
	proc_argv_free(argv);

	/* Rewritten argv without the final NUL. */
	assert_int_equal(proc_argv_parse(TEXT("java\0Main"), &argv, &argc), 0);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[1], "Main");
	assert_null(argv[2]);
	proc_argv_free(argv);

	/* Empty arguments are real arguments. */
	assert_int_equal(proc_argv_parse(TEXT("a\0\0b\0"), &argv, &argc), 0);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[1], "");
	proc_argv_free(argv);

	/* Kernel threads and zombies have an empty cmdline. */
	assert_int_equal(proc_argv_parse("", 0, &argv, &argc), 0);
	assert_int_equal(argc, 0);
	assert_null(argv[0]);
	proc_argv_free(argv);
	/* No buffer at all (what a failed proc_file_read leaves) is empty too. */
	assert_int_equal(proc_argv_parse(NULL, 0, &argv, &argc), 0);
	assert_int_equal(argc, 0);
	assert_null(argv[0]);
	proc_argv_free(argv);
}

static void test_argv_read_self(void **state)
{
	char **argv;
	int argc;

	(void)state;
	assert_int_equal(proc_argv_read(getpid(), &argv, &argc), 0);
	assert_true(argc >= 1);
	assert_non_null(strstr(argv[0], "test_proc_info"));
	proc_argv_free(argv);
}

static void test_file_read(void **state)
{
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(proc_file_read(getpid(), "no-such-file", 4096, &buf, &len), -ENOENT);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(proc_file_read(getpid(), "status", 16, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(proc_file_read(getpid(), "comm", 4096, &buf, &len), 0);
	assert_int_equal(buf[len], '\0');
	assert_true(len > 1);
	free(buf);
	assert_int_equal(proc_file_read(jvm_fixture_dead_pid(), "comm", 4096, &buf, &len), -ESRCH);
}

static void test_schedstat_parse(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(schedstat_parse("123456789 2000 17\n", &ns), 0);
	assert_int_equal(ns, 123456789);
	assert_int_equal(schedstat_parse("0\n", &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(schedstat_parse("", &ns), -EINVAL);
	assert_int_equal(schedstat_parse("-5 1 1", &ns), -EINVAL);
	assert_int_equal(schedstat_parse("12x 1 1", &ns), -EINVAL);
	assert_int_equal(schedstat_parse("99999999999999999999999 1", &ns), -EINVAL);
}

static void test_schedstat_parse_runs(void **state)
{
	uint64_t runs = 0;

	(void)state;
	assert_int_equal(schedstat_parse_runs("123456789 2000 17\n", &runs), 0);
	assert_int_equal(runs, 17);
	assert_int_equal(schedstat_parse_runs("1 2\n", &runs), -EINVAL);
	assert_int_equal(schedstat_parse_runs("1 2 3x\n", &runs), -EINVAL);
	assert_int_equal(schedstat_parse_runs("1 2 3", &runs), -EINVAL);
	assert_int_equal(schedstat_parse_runs("", &runs), -EINVAL);
}

/* This process's threads: a thread that slept 200 times (each sleep a
 * switch out and back in) adds at least 200 to the process's count while it
 * lives; counting one thread only counts less. */
static int sleeper_done[2], sleeper_go[2];

static void *sleeper(void *arg)
{
	char c = 'x';

	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 50000 };

		nanosleep(&ts, NULL);
	}
	if (write(sleeper_done[1], &c, 1) != 1 || read(sleeper_go[0], &c, 1) != 1)
		return NULL;
	return arg;
}

static void test_proc_switches(void **state)
{
	uint64_t before = 0, during = 0, one = 0;
	pthread_t th;
	char c = 'x';

	(void)state;
	assert_int_equal(pipe(sleeper_done), 0);
	assert_int_equal(pipe(sleeper_go), 0);
	assert_int_equal(proc_switches(getpid(), 1024, &before), 0);
	assert_int_equal(pthread_create(&th, NULL, sleeper, NULL), 0);
	assert_int_equal(read(sleeper_done[0], &c, 1), 1);
	assert_int_equal(proc_switches(getpid(), 1024, &during), 0);
	assert_int_equal(proc_switches(getpid(), 1, &one), 0);
	assert_int_equal(write(sleeper_go[1], &c, 1), 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(during >= before + 200);
	assert_true(one < during);
	assert_int_equal(proc_switches(jvm_fixture_dead_pid(), 16, &before), -ESRCH);
	for (int i = 0; i < 2; i++) {
		close(sleeper_done[i]);
		close(sleeper_go[i]);
	}
}

/* proc_text_read and proc_thread_cpu_ns on this process's own thread: a
 * thread that spun reads as a nonzero CPU time; a missing thread as ESRCH. */
static void test_text_read_and_thread_cpu(void **state)
{
	char buf[16];
	uint64_t ns = 0;
	volatile unsigned long spin = 0;

	(void)state;
	for (unsigned long i = 0; i < 20000000; i++)
		spin += i;
	assert_int_equal(proc_thread_cpu_ns(getpid(), getpid(), &ns), 0);
	assert_true(ns > 0);
	/* Truncated to the buffer, NUL-terminated. */
	assert_int_equal(proc_text_read(getpid(), "stat", buf, sizeof(buf)), (ssize_t)sizeof(buf) - 1);
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
	assert_int_equal(proc_thread_cpu_ns(getpid(), INT_MAX, &ns), -ESRCH);
	assert_int_equal(proc_text_read(INT_MAX, "stat", buf, sizeof(buf)), -ESRCH);
	assert_int_equal(proc_text_read(getpid(), "stat", buf, 1), -EINVAL);
}

static void test_namespaces(void **state)
{
	(void)state;
	assert_int_equal(proc_ns_shared(getpid(), "mnt"), 1);
	assert_int_equal(proc_ns_shared(getpid(), "pid"), 1);
	assert_int_equal(proc_ns_shared(getpid(), "nonsense"), -ENOENT);
	assert_int_equal(proc_ns_shared(jvm_fixture_dead_pid(), "mnt"), -ESRCH);
	assert_false(proc_in_other_pidns(getpid()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_full),
		cmocka_unit_test(test_status_no_nspid),
		cmocka_unit_test(test_status_three_level_nspid),
		cmocka_unit_test(test_status_missing_fields),
		cmocka_unit_test(test_status_hostile_numbers),
		cmocka_unit_test(test_status_nul_and_long_name),
		cmocka_unit_test(test_status_read_self),
		cmocka_unit_test(test_missing_process),
		cmocka_unit_test(test_argv_parse),
		cmocka_unit_test(test_argv_read_self),
		cmocka_unit_test(test_file_read),
		cmocka_unit_test(test_schedstat_parse),
		cmocka_unit_test(test_schedstat_parse_runs),
		cmocka_unit_test(test_proc_switches),
		cmocka_unit_test(test_text_read_and_thread_cpu),
		cmocka_unit_test(test_namespaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
