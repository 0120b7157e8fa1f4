// SPDX-License-Identifier: GPL-2.0
/* Thread dump parsing, the tid -> name table, and refreshes against a mocked
 * attach call and against real JVMs (root and a JDK: skipped if missing,
 * failing under CI=true). */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
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

#include "agent/jvm/hotspot_attach.h"
#include "agent/jvm/thread_names.h"
#include "jvm_fixture.h"

#define TEXT(s) (s), sizeof(s) - 1

/* ---------------------------------------------------------------- parsing */

static const char dump_jdk17[] =
	"2026-11-24 03:30:58\n"
	"Full thread dump OpenJDK 64-Bit Server VM (17.0.21.1+2-1-deb12u1-Debian mixed mode, sharing):\n"
	"\n"
	"Threads class SMR info:\n"
	"_java_thread_list=0x00007fb984001f70, length=13, elements={\n"
	"0x00007fba1c017ea0, 0x00007fba1c0f8b90\n"
	"}\n"
	"\n"
	"\"Source: Numbers -> Map (1/4)#0\" #12 prio=5 os_prio=0 cpu=5541.54ms elapsed=5.82s "
	"tid=0x00007f6ea0119830 nid=0x9b0 runnable  [0x00007f6e78ccf000]\n"
	"   java.lang.Thread.State: RUNNABLE\n"
	"\tat Foo.bar(Foo.java:1)\n"
	"\n"
	"\"Reference Handler\" #2 daemon prio=10 os_prio=0 cpu=0.77ms elapsed=1.80s "
	"tid=0x00007fba1c0f8b90 nid=0xffb waiting on condition  [0x00007fb9f484d000]\n"
	"\"VM Thread\" os_prio=0 cpu=1.75ms elapsed=5.84s tid=0x00007f6ea00f4c30 nid=0x9a4 runnable  \n"
	"\"GC Thread#0\" os_prio=0 cpu=0.50ms elapsed=5.86s tid=0x00007f6ea0033000 nid=0x99f runnable  \n"
	"\n"
	"JNI global refs: 15, weak refs: 0\n";

static void test_parse_jdk17(void **state)
{
	struct thread_dump_entry *e;
	size_t n;

	(void)state;
	assert_int_equal(thread_dump_parse(TEXT(dump_jdk17), &e, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(e[0].name, "Source: Numbers -> Map (1/4)#0");
	assert_int_equal(e[0].nid, 0x9b0);
	assert_string_equal(e[1].name, "Reference Handler");
	assert_int_equal(e[1].nid, 0xffb);
	assert_string_equal(e[2].name, "VM Thread");
	assert_int_equal(e[2].nid, 0x9a4);
	assert_string_equal(e[3].name, "GC Thread#0");
	assert_int_equal(e[3].nid, 0x99f);
	thread_dump_free(e, n);
}

static void test_parse_jdk21_decimal(void **state)
{
	static const char dump[] =
		"\"main\" #1 [2468] prio=5 os_prio=0 cpu=60.12ms elapsed=3.01s tid=0x00007f1c8c02a000 nid=2468 "
		"waiting on condition  [0x00007f1c92fff000]\n"
		"\"C2 CompilerThread0\" #5 [2475] daemon prio=9 os_prio=0 cpu=10.00ms elapsed=2.99s "
		"tid=0x00007f1c8c0f0000 nid=2475 waiting on condition  \r\n"
		"\"G1 Service\" os_prio=0 cpu=0.30ms elapsed=3.00s tid=0x00007f1c8c0a0000 nid=2470 runnable";
	struct thread_dump_entry *e;
	size_t n;

	(void)state;
	assert_int_equal(thread_dump_parse(TEXT(dump), &e, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].name, "main");
	assert_int_equal(e[0].nid, 2468);
	assert_string_equal(e[1].name, "C2 CompilerThread0");
	assert_int_equal(e[1].nid, 2475);
	/* Last line without its newline. */
	assert_string_equal(e[2].name, "G1 Service");
	assert_int_equal(e[2].nid, 2470);
	thread_dump_free(e, n);
}

static void test_parse_hostile_names(void **state)
{
	static const char dump[] =
		"\"say \"hi\" daemon\" #7 daemon prio=5 os_prio=0 tid=0x1 nid=0x10 runnable\n"
		"\"tricky\" nid=0x5 \" #8 prio=5 os_prio=0 tid=0x2 nid=0x11 runnable\n"
		"\"\" #9 prio=5 os_prio=0 tid=0x3 nid=0x12 runnable\n"
		"\"a\"\" #10 prio=5 os_prio=0 tid=0x4 nid=0x13 runnable\n";
	struct thread_dump_entry *e;
	size_t n;

	(void)state;
	assert_int_equal(thread_dump_parse(TEXT(dump), &e, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(e[0].name, "say \"hi\" daemon");
	assert_int_equal(e[0].nid, 0x10);
	assert_string_equal(e[1].name, "tricky\" nid=0x5 ");
	assert_int_equal(e[1].nid, 0x11);
	assert_string_equal(e[2].name, "");
	assert_string_equal(e[3].name, "a\"");
	thread_dump_free(e, n);
}

static void test_parse_malformed(void **state)
{
	static const char dump[] =
		"\"no nid\" #1 prio=5 os_prio=0 tid=0x1 runnable\n"
		"\"zero\" os_prio=0 tid=0x1 nid=0x0 runnable\n"
		"\"empty hex\" os_prio=0 tid=0x1 nid=0x runnable\n"
		"\"empty\" os_prio=0 tid=0x1 nid= runnable\n"
		"\"junk\" os_prio=0 tid=0x1 nid=12abc runnable\n"
		"\"huge\" os_prio=0 tid=0x1 nid=0xffffffffffffffffffff runnable\n"
		"\"big decimal\" os_prio=0 tid=0x1 nid=2147483648 runnable\n"
		"\"negative\" os_prio=0 tid=0x1 nid=-5 runnable\n"
		"no quote nid=0x10\n"
		"\" nid=0x10\n"
		"\"\n"
		"\"Thread-1\":\n"
		"  waiting to lock monitor 0x00007f (object 0x0000000, a java.lang.Object),\n"
		"\"max\" os_prio=0 tid=0x1 nid=2147483647 runnable\n";
	struct thread_dump_entry *e = NULL;
	size_t n = 99;

	(void)state;
	assert_int_equal(thread_dump_parse(TEXT(dump), &e, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].name, "max");
	assert_int_equal(e[0].nid, 2147483647);
	thread_dump_free(e, n);

	assert_int_equal(thread_dump_parse("", 0, &e, &n), 0);
	assert_int_equal(n, 0);
	thread_dump_free(e, n);
}

static void test_parse_nul_bytes(void **state)
{
	static const char dump[] =
		"\"na\0me\" #1 prio=5 tid=0x1 nid=0x20 runnable\n"
		"\0\0\0\n"
		"\"after\" #2 prio=5 tid=0x1 nid=0x21 runnable\0\n"
		"\"cut\" #3 prio=5 tid=0x1 nid=0x22";
	struct thread_dump_entry *e;
	size_t n;

	(void)state;
	/* Length-aware: the NULs neither end the text nor the lines. */
	assert_int_equal(thread_dump_parse(dump, sizeof(dump) - 1, &e, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].name, "na");
	assert_int_equal(e[0].nid, 0x20);
	assert_string_equal(e[1].name, "after");
	assert_int_equal(e[1].nid, 0x21);
	assert_int_equal(e[2].nid, 0x22);
	thread_dump_free(e, n);
	/* A length that cuts the last header inside its nid: "nid=0". */
	assert_int_equal(thread_dump_parse(dump, sizeof(dump) - 4, &e, &n), 0);
	assert_int_equal(n, 2);
	thread_dump_free(e, n);
}

static void test_parse_long_name(void **state)
{
	size_t name_len = 100000, len;
	char *text = malloc(name_len + 100);
	struct thread_dump_entry *e;
	size_t n;

	(void)state;
	assert_non_null(text);
	text[0] = '"';
	memset(text + 1, 'x', name_len);
	len = 1 + name_len;
	len += (size_t)sprintf(text + len, "\" #1 prio=5 tid=0x1 nid=0x30 runnable\n");
	assert_int_equal(thread_dump_parse(text, len, &e, &n), 0);
	assert_int_equal(n, 1);
	/* Cut: a hostile JVM cannot make the daemon keep a 100 kB name. */
	assert_int_equal(strlen(e[0].name), THREAD_NAME_MAX_BYTES - 1);
	thread_dump_free(e, n);
	/* A cut never splits a UTF-8 sequence: 2-byte characters from an odd
	 * offset would straddle the cut. */
	text[1] = 'y';
	for (size_t i = 2; i + 1 < 1 + name_len; i += 2) {
		text[i] = (char)0xc3;
		text[i + 1] = (char)0xa9;
	}
	assert_int_equal(thread_dump_parse(text, len, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_true(strlen(e[0].name) <= THREAD_NAME_MAX_BYTES - 1);
	assert_int_equal((unsigned char)e[0].name[strlen(e[0].name) - 1], 0xa9);
	thread_dump_free(e, n);
	free(text);
}

/* More headers than a table holds: parsing stops at the bound. */
static void test_parse_entry_bound(void **state)
{
	size_t cap = (THREAD_NAMES_MAX_ENTRIES + 100) * 40, len = 0;
	char *text = malloc(cap);
	struct thread_dump_entry *e;
	size_t n;

	(void)state;
	assert_non_null(text);
	for (int i = 1; i <= THREAD_NAMES_MAX_ENTRIES + 100; i++)
		len += (size_t)snprintf(text + len, cap - len, "\"t%d\" #1 nid=0x%x runnable\n", i, i);
	assert_int_equal(thread_dump_parse(text, len, &e, &n), 0);
	assert_int_equal(n, THREAD_NAMES_MAX_ENTRIES);
	thread_dump_free(e, n);
	free(text);
}

/* Random lines built from dump fragments: nothing may crash or leak, and
 * every entry must carry a valid nid (valgrind watches the rest). */
static void test_parse_fuzz(void **state)
{
	static const char *const frags[] = {
		"\"", "\" ", " nid=", "0x", "9b0", "2468", " #12", " prio=5", " tid=0x7f", "\n", "\0",
		"ffffffffffffff", "a b", " daemon", "\"\"", "nid=0x", " ",
	};
	char buf[512];
	uint32_t seed = 12345;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 0, n = 0;
		struct thread_dump_entry *e = NULL;

		while (len < sizeof(buf) - 20) {
			const char *f;
			size_t fl;

			seed = seed * 1103515245u + 12345u;
			f = frags[(seed >> 16) % (sizeof(frags) / sizeof(frags[0]))];
			fl = f[0] ? strlen(f) : 1;
			memcpy(buf + len, f, fl);
			len += fl;
			if (((seed >> 8) & 31) == 0)
				break;
		}
		assert_int_equal(thread_dump_parse(buf, len, &e, &n), 0);
		for (size_t i = 0; i < n; i++) {
			assert_true(e[i].nid > 0);
			assert_non_null(e[i].name);
		}
		thread_dump_free(e, n);
	}
}

/* ------------------------------------------------------------------ table */

static void test_table_note_and_get(void **state)
{
	struct thread_names *tn;

	(void)state;
	assert_int_equal(thread_names_new(4242, &tn), 0);
	assert_null(thread_names_get(tn, 17));
	assert_int_equal(thread_names_note_tid(tn, 17), 1);
	assert_int_equal(thread_names_note_tid(tn, 17), 0);
	assert_null(thread_names_get(tn, 17));
	assert_int_equal(thread_names_note_tid(tn, 0), 0);
	assert_int_equal(thread_names_note_tid(tn, -1), 0);
	assert_null(thread_names_get(tn, 0));
	/* Many tids force the table to grow. */
	for (pid_t t = 100; t < 100 + THREAD_NAMES_MAX_ENTRIES - 1; t++)
		assert_int_equal(thread_names_note_tid(tn, t), 1);
	for (pid_t t = 100; t < 100 + THREAD_NAMES_MAX_ENTRIES - 1; t += 7)
		assert_int_equal(thread_names_note_tid(tn, t), 0);
	assert_int_equal(thread_names_note_tid(tn, 17), 0);
	assert_null(thread_names_get(NULL, 17));
	thread_names_free(tn);
	thread_names_free(NULL);
}

/* ------------------------------------------------------- mocked refresh */

int __real_hotspot_thread_headers(pid_t pid, int timeout_ms, struct attach_reply *reply);

static bool mock_on;
static int mock_calls;
static int mock_err;
static const char *mock_reply;

int __wrap_hotspot_thread_headers(pid_t pid, int timeout_ms, struct attach_reply *reply);
int __wrap_hotspot_thread_headers(pid_t pid, int timeout_ms, struct attach_reply *reply)
{
	if (!mock_on)
		return __real_hotspot_thread_headers(pid, timeout_ms, reply);
	mock_calls++;
	memset(reply, 0, sizeof(*reply));
	if (mock_err)
		return mock_err;
	return attach_reply_parse(mock_reply, strlen(mock_reply), reply);
}

static int mock_setup(void **state)
{
	(void)state;
	mock_on = true;
	mock_calls = 0;
	mock_err = 0;
	mock_reply = NULL;
	return 0;
}

static int mock_teardown(void **state)
{
	(void)state;
	mock_on = false;
	return 0;
}

static void test_refresh_mocked(void **state)
{
	char reply[512];
	struct thread_names *tn;

	(void)state;
	/* Our own process shares our pid namespace: nid is the tid. */
	snprintf(reply, sizeof(reply),
		 "0\nFull thread dump\n\n"
		 "\"main thread with a long name\" #1 prio=5 os_prio=0 tid=0x1 nid=0x%x runnable\n"
		 "\"other\" #2 prio=5 os_prio=0 tid=0x2 nid=0x7fff0000 runnable\n",
		 (unsigned)getpid());
	mock_reply = reply;
	assert_int_equal(thread_names_new(getpid(), &tn), 0);
	assert_int_equal(thread_names_note_tid(tn, getpid()), 1);
	assert_int_equal(thread_names_refresh(tn, 60000), 0);
	assert_int_equal(mock_calls, 1);
	assert_string_equal(thread_names_get(tn, getpid()), "main thread with a long name");
	/* No such thread in the process: a made-up nid names nothing. */
	assert_null(thread_names_get(tn, 0x7fff0000));
	assert_int_equal(thread_names_note_tid(tn, getpid()), 0);
	/* Rate-limited: no second dump within the interval. */
	assert_int_equal(thread_names_refresh(tn, 60000), 0);
	assert_int_equal(mock_calls, 1);

	/* A later dump renames threads. */
	snprintf(reply, sizeof(reply), "0\n\"renamed\" #1 prio=5 os_prio=0 tid=0x1 nid=0x%x runnable\n",
		 (unsigned)getpid());
	assert_int_equal(thread_names_refresh(tn, 0), 0);
	assert_int_equal(mock_calls, 2);
	assert_string_equal(thread_names_get(tn, getpid()), "renamed");
	thread_names_free(tn);
}

static void *idle_thread(void *arg)
{
	pid_t *tid = arg;
	*tid = (pid_t)syscall(SYS_gettid);
	return NULL;
}

/* Departed threads keep their names until pruned; pruning shrinks the
 * table; the byte budget leaves threads unnamed rather than growing. */
static void test_prune_and_bounds(void **state)
{
	char reply[512];
	struct thread_names *tn;
	pthread_t th;
	pid_t gone = 0;
	size_t big;
	char *many;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, idle_thread, &gone), 0);
	/* The dump is taken while the thread lives: hold it with a barrier
	 * of sorts, the join below happens after the refresh. */
	while (!__atomic_load_n(&gone, __ATOMIC_SEQ_CST))
		sched_yield();
	snprintf(reply, sizeof(reply),
		 "0\n\"main\" #1 nid=0x%x runnable\n\"helper\" #2 nid=0x%x runnable\n",
		 (unsigned)getpid(), (unsigned)gone);
	mock_reply = reply;
	assert_int_equal(thread_names_new(getpid(), &tn), 0);
	assert_int_equal(thread_names_refresh(tn, 0), 0);
	assert_string_equal(thread_names_get(tn, getpid()), "main");
	pthread_join(th, NULL);
	/* helper may have exited before the dump was applied: then it was
	 * never named, which is the check against /proc/PID/task at work. */
	for (pid_t t = 100000; t < 100000 + 5000; t++)
		thread_names_note_tid(tn, t);
	big = thread_names_bytes(tn);
	assert_int_equal(thread_names_prune(tn), 0);
	assert_null(thread_names_get(tn, gone));
	assert_string_equal(thread_names_get(tn, getpid()), "main");
	assert_int_equal(thread_names_count(tn), 1);
	assert_true(thread_names_bytes(tn) < big / 10);

	/* The entry bound: a full table takes no more tids. */
	for (pid_t t = 1; t <= THREAD_NAMES_MAX_ENTRIES + 10; t++)
		thread_names_note_tid(tn, 200000 + t);
	assert_int_equal(thread_names_count(tn), THREAD_NAMES_MAX_ENTRIES);
	assert_int_equal(thread_names_note_tid(tn, 500000), 0);
	assert_int_equal(thread_names_prune(tn), 0);
	assert_int_equal(thread_names_count(tn), 1);

	/* The byte budget: one real thread renamed with a name at the cut,
	 * many times, never holds more than the budget. */
	many = malloc(THREAD_NAME_MAX_BYTES + 64);
	assert_non_null(many);
	memset(many, 'n', THREAD_NAME_MAX_BYTES + 63);
	many[0] = '0';
	many[1] = '\n';
	many[2] = '"';
	snprintf(many + THREAD_NAME_MAX_BYTES, 64, "\" nid=0x%x\n", (unsigned)getpid());
	mock_reply = many;
	assert_int_equal(thread_names_refresh(tn, 0), 0);
	assert_int_equal(strlen(thread_names_get(tn, getpid())), THREAD_NAME_MAX_BYTES - 3);
	assert_true(thread_names_bytes(tn) < THREAD_NAMES_MAX_BYTES);
	free(many);
	thread_names_free(tn);
}

static void test_refresh_mocked_failures(void **state)
{
	struct thread_names *tn;

	(void)state;
	assert_int_equal(thread_names_new(getpid(), &tn), 0);
	mock_err = -ETIMEDOUT;
	assert_int_equal(thread_names_refresh(tn, 60000), -ETIMEDOUT);
	/* A JVM that did not answer is not asked again right away. */
	assert_int_equal(thread_names_refresh(tn, 60000), 0);
	assert_int_equal(mock_calls, 1);
	mock_err = 0;
	mock_reply = "-1\njava.lang.IllegalArgumentException: Unknown diagnostic command";
	assert_int_equal(thread_names_refresh(tn, 0), -EPROTO);
	mock_reply = "0\nno threads here";
	assert_int_equal(thread_names_refresh(tn, 0), 0);
	assert_null(thread_names_get(tn, getpid()));
	thread_names_free(tn);
}

/* ------------------------------------------------------------ real JVMs */

/* Host tid of the thread of pid whose comm (the first 15 bytes of its Java
 * name) is comm: found independently of the NSpid mapping under test. */
static pid_t tid_by_comm(pid_t pid, const char *comm)
{
	char path[300], buf[64];
	struct dirent *de;
	pid_t found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, comm) == 0)
				found = atoi(de->d_name);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static void check_long_name(struct jvm_fixture *j)
{
	struct thread_names *tn;
	pid_t tid;

	tid = tid_by_comm(j->pid, JVM_FIXTURE_LONG_COMM);
	assert_true(tid > 0);
	assert_int_equal(thread_names_new(j->pid, &tn), 0);
	assert_int_equal(thread_names_note_tid(tn, tid), 1);
	assert_int_equal(thread_names_refresh(tn, 1000), 0);
	assert_non_null(thread_names_get(tn, tid));
	assert_string_equal(thread_names_get(tn, tid), JVM_FIXTURE_LONG_NAME);
	assert_int_equal(thread_names_note_tid(tn, tid), 0);
	thread_names_free(tn);
}

static void test_jvm_names(void **state)
{
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, NULL);
	assert_int_equal(j->nstid, tid_by_comm(j->pid, JVM_FIXTURE_LONG_COMM));
	check_long_name(j);
}

static void test_jvm_names_container(void **state)
{
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, &(struct jvm_fixture_opts){ .container = true });
	/* The thread's own idea of its id is not the host's. */
	assert_int_not_equal(j->nstid, tid_by_comm(j->pid, JVM_FIXTURE_LONG_COMM));
	check_long_name(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_jdk17),
		cmocka_unit_test(test_parse_jdk21_decimal),
		cmocka_unit_test(test_parse_hostile_names),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_nul_bytes),
		cmocka_unit_test(test_parse_long_name),
		cmocka_unit_test(test_parse_entry_bound),
		cmocka_unit_test(test_parse_fuzz),
		cmocka_unit_test(test_table_note_and_get),
		cmocka_unit_test_setup_teardown(test_refresh_mocked, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_refresh_mocked_failures, mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_prune_and_bounds, mock_setup, mock_teardown),
		cmocka_unit_test_teardown(test_jvm_names, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_names_container, jvm_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
}
