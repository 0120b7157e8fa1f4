// SPDX-License-Identifier: GPL-2.0
/* TaskManager ids for file names, /proc/PID/stat parsing and the file
 * stamp (each TaskManager's own profile: test_daemon_period.c). */
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

#include "agent/daemon/daemon_period.h"
#include "agent/daemon/daemon_tm.h"
#include "support.h"

static void test_sanitize(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "tm-a", "tm-a" },
		{ "10.0.0.5:6122-abc123", "10.0.0.5_6122-abc123" },
		{ "../../etc/passwd", "_._.._etc_passwd" },
		{ "..", "_." },
		{ ".hidden", "_hidden" },
		{ "a/b", "a_b" },
		{ "tm c\n", "tm_c_" },
		{ "t\xc3\xa4st", "t__st" },
		{ "flink-taskmanager-7d9f-0", "flink-taskmanager-7d9f-0" },
	};
	char out[DAEMON_TM_ID_MAX], longer[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(daemon_tm_id_sanitize(cases[i].in, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(daemon_tm_id_sanitize("", out, sizeof(out)), -EINVAL);
	assert_int_equal(daemon_tm_id_sanitize(NULL, out, sizeof(out)), -EINVAL);
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(daemon_tm_id_sanitize(longer, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), DAEMON_TM_ID_MAX - 1);
	assert_int_equal(daemon_tm_id_sanitize("abcdef", out, 4), 0);
	assert_string_equal(out, "abc");
}

static void test_tm_id(void **state)
{
	struct jvm_info j = { .pid = 4242 };
	char out[DAEMON_TM_ID_MAX];

	(void)state;
	strcpy(j.resource_id, "tm/1 x");
	daemon_tm_id(&j, out, sizeof(out));
	assert_string_equal(out, "tm_1_x");
	j.resource_id[0] = '\0';
	daemon_tm_id(&j, out, sizeof(out));
	assert_string_equal(out, "4242");
	/* Containerised but unreadable root: the pid. */
	j.in_container = true;
	j.pid = 999999999;
	daemon_tm_id(&j, out, sizeof(out));
	assert_string_equal(out, "999999999");
}

static void test_stat_parse(void **state)
{
	char comm[16];
	unsigned long long start = 0;
	const char *stat = "1234 (java) S 1 1234 1234 0 -1 4194560 1000 0 0 0 50 20 0 0 20 0 "
			   "30 0 987654 123456789 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
			   "17 1 0 0 0 0 0\n";
	const char *odd = "99 (a) b (c)) R 1 99 99 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0\n";

	(void)state;
	assert_int_equal(daemon_proc_stat_parse(stat, comm, sizeof(comm), &start), 0);
	assert_string_equal(comm, "java");
	assert_int_equal(start, 987654);
	assert_int_equal(daemon_proc_stat_parse(odd, comm, sizeof(comm), &start), 0);
	assert_string_equal(comm, "a) b (c)");
	assert_int_equal(start, 555);
	assert_int_equal(daemon_proc_stat_parse("garbage", comm, sizeof(comm), &start), -EPROTO);
	assert_int_equal(daemon_proc_stat_parse("1 (x) S 1 2", comm, sizeof(comm), &start), -EPROTO);
	assert_int_equal(daemon_proc_stat_parse("1 (x)", comm, sizeof(comm), &start), -EPROTO);
}

static void test_stamp(void **state)
{
	char s[32];

	(void)state;
	daemon_stamp_format(1706745599LL * 1000000000LL + 999, s, sizeof(s));
	assert_string_equal(s, "20240131T235959Z");
	daemon_stamp_format(0, s, sizeof(s));
	assert_string_equal(s, "19700101T000000Z");
}

/* Identity is (uid, claimed id, start time): a copy of a live id by
 * another user or another live process gets its own series; a restart by
 * the same user shares it. */
static void test_id_claim(void **state)
{
	struct daemon_tm_claim held[3] = {
		{ .id = "tm-real", .uid = 999, .pid = 100, .start_time = 5000, .alive = true },
		{ .id = "tm-old", .uid = 999, .pid = 101, .start_time = 4000, .alive = false },
		{ .id = "tm-x", .uid = 1000, .pid = 102, .start_time = 4100, .alive = true },
	};
	struct daemon_tm_claim mine = { .id = "tm-real", .uid = 1000, .pid = 200,
					.start_time = 6000, .alive = true };
	char out[DAEMON_TM_ID_MAX], longid[DAEMON_TM_ID_MAX];
	size_t with = 99;

	(void)state;
	/* Another user copies the id: a stable suffix with its uid. */
	assert_int_equal(daemon_tm_id_claim(held, 3, &mine, out, sizeof(out), &with), 1);
	assert_string_equal(out, "tm-real-u1000");
	assert_int_equal(with, 0);
	/* Even when the real one is gone: another user never shares. */
	held[0].alive = false;
	assert_int_equal(daemon_tm_id_claim(held, 3, &mine, out, sizeof(out), NULL), 1);
	held[0].alive = true;
	/* The same user, both alive: the pid tells them apart. */
	mine.uid = 999;
	assert_int_equal(daemon_tm_id_claim(held, 3, &mine, out, sizeof(out), NULL), 1);
	assert_string_equal(out, "tm-real-u999-p200");
	/* A restart (same user, old process gone) shares the id. */
	mine.id = "tm-old";
	assert_int_equal(daemon_tm_id_claim(held, 3, &mine, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "tm-old");
	/* No one holds it. */
	mine.id = "tm-new";
	assert_int_equal(daemon_tm_id_claim(held, 3, &mine, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "tm-new");
	/* A second copy by the same other user: its suffixed series is taken. */
	held[2] = (struct daemon_tm_claim){ .id = "tm-real", .out = "tm-real-u1000", .uid = 1000,
					    .pid = 102, .start_time = 4100, .alive = true };
	mine = (struct daemon_tm_claim){ .id = "tm-real", .uid = 1000, .pid = 300,
					 .start_time = 7000, .alive = true };
	assert_int_equal(daemon_tm_id_claim(held, 3, &mine, out, sizeof(out), NULL), 1);
	assert_string_equal(out, "tm-real-u1000-p300");
	/* The longest id still fits, the suffix whole. */
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	held[0].id = longid;
	mine.id = longid;
	mine.uid = 5;
	assert_int_equal(daemon_tm_id_claim(held, 1, &mine, out, sizeof(out), NULL), 1);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_string_equal(out + strlen(out) - 3, "-u5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),   cmocka_unit_test(test_tm_id),
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_stamp),      cmocka_unit_test(test_id_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
