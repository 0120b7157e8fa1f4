// SPDX-License-Identifier: GPL-2.0
/* TaskManager ids for file names, /proc/PID/stat parsing, the per-period
 * split of one profile into per-TaskManager profiles, and the file stamp. */
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
#include "flamegraph/folded_parse.h"
#include "flamegraph/profile.h"
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

/* A stack as folded text, so that the process and thread frames become the
 * labels the builder would have set. */
static void add(struct profile *p, const char *const *names, size_t n, uint64_t count)
{
	struct folded_parse_result r;
	char line[512] = "";

	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(line, ";");
		strcat(line, names[i]);
	}
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " %llu\n",
		 (unsigned long long)count);
	assert_int_equal(folded_parse_buffer(line, strlen(line), p, NULL, &r), 0);
}

/* Samples of thread tid; none may keep the process label. */
static uint64_t count_of(const struct profile *p, const char *tid)
{
	uint64_t n = 0;

	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack st;
		const char *t;

		profile_stack_get(p, i, &st);
		assert_null(profile_label_value(p, st.labels, PROFILE_LABEL_PID));
		t = profile_label_value(p, st.labels, PROFILE_LABEL_TID);
		if (t && !strcmp(t, tid))
			n += st.count;
	}
	return n;
}

static void test_split(void **state)
{
	const char *a1[] = { "[tm-a pid=10]", "[Map (1/2)#0 tid=11]", "main", "work" };
	const char *a2[] = { "[tm-a pid=20]", "[Map (1/2)#0 tid=21]", "main", "work" };
	const char *b[] = { "[TaskManager pid=30]", "[Sink (1/1)#0 tid=31]", "main" };
	const char *x[] = { "[other pid=40]", "[t tid=41]", "main" };
	const char *bare[] = { "main", "work" };
	struct daemon_tm_name names[] = { { 10, "tm-a" }, { 30, "30" }, { 20, "tm-a" } };
	struct profile *all = profile_new(), *outs[3] = { profile_new(), profile_new(), NULL };

	(void)state;
	add(all, a1, 4, 5);
	add(all, b, 3, 7);
	add(all, a2, 4, 3);
	add(all, x, 3, 100);
	add(all, bare, 2, 100);
	assert_int_equal(daemon_profile_split(all, names, 3, outs), 0);
	/* Both processes of tm-a in one profile, without the process frame. */
	assert_int_equal(profile_total(outs[0]), 8);
	assert_int_equal(count_of(outs[0], "11"), 5);
	assert_int_equal(count_of(outs[0], "21"), 3);
	assert_int_equal(profile_total(outs[1]), 7);
	assert_int_equal(count_of(outs[1], "31"), 7);
	profile_free(all);
	profile_free(outs[0]);
	profile_free(outs[1]);
}

/* The category label rides along into each TaskManager's profile (the
 * daemon's pprof files and pushes group by it). */
static void test_split_keeps_category(void **state)
{
	static const char *const keys[] = { PROFILE_LABEL_PROCESS, PROFILE_LABEL_PID,
					    PROFILE_LABEL_THREAD, PROFILE_LABEL_TID,
					    PROFILE_LABEL_CATEGORY };
	static const char *const values[] = { "tm-a", "10", "Map (1/2)#0", "11", "serialization" };
	struct daemon_tm_name names[] = { { 10, "tm-a" } };
	struct profile *all = profile_new(), *outs[1] = { profile_new() };
	struct profile_label l[5];
	struct profile_stack st;
	uint32_t frame, labels;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(profile_str_intern(all, keys[i], &l[i].key), 0);
		assert_int_equal(profile_str_intern(all, values[i], &l[i].value), 0);
	}
	profile_set_roots(all, PROFILE_ROOT_PROCESS | PROFILE_ROOT_THREAD);
	assert_int_equal(profile_labels_intern(all, l, 5, &labels), 0);
	assert_int_equal(profile_intern(all, "com.esotericsoftware.kryo.Kryo.writeObject", &frame), 0);
	assert_int_equal(profile_add_sample(all, &frame, 1, labels, (const uint64_t[]){ 4 }), 0);
	assert_int_equal(daemon_profile_split(all, names, 1, outs), 0);
	assert_int_equal(profile_stack_count(outs[0]), 1);
	profile_stack_get(outs[0], 0, &st);
	assert_string_equal(profile_label_value(outs[0], st.labels, PROFILE_LABEL_CATEGORY),
			    "serialization");
	assert_null(profile_label_value(outs[0], st.labels, PROFILE_LABEL_PID));
	profile_free(all);
	profile_free(outs[0]);
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
		cmocka_unit_test(test_stat_parse), cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_keeps_category),
		cmocka_unit_test(test_stamp),      cmocka_unit_test(test_id_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
