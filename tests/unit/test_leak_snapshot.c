// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "agent/leak/leak_growth.h"
#include "agent/leak/leak_snapshot.h"
#include "agent/leak/leak_store.h"
#include "flamegraph/profile.h"
#include "support.h"

static void make(struct leak_snapshot *s, int64_t t)
{
	leak_snapshot_init(s);
	s->time_ms = t;
	s->pid = 42;
	s->period = 524288;
	snprintf(s->allocator, sizeof(s->allocator), "glibc");
}

static void test_write_read_roundtrip(void **state)
{
	char *dir = test_mkdtemp(), path[512];
	struct leak_snapshot a, b;
	size_t bad = 99;

	(void)state;
	make(&a, 1732423423123);
	a.tracked = 7;
	a.overflow = 3;
	assert_int_equal(leak_snapshot_add(&a, "main;leak_one;malloc", 1000, 2, 60), 0);
	assert_int_equal(leak_snapshot_add(&a, "main;churn;malloc", 10, 1, 1), 0);
	assert_int_equal(leak_snapshot_add(&a, "main;leak_one;malloc", 500, 1, 90), 0);
	assert_int_equal(leak_snapshot_add(&a, "Foo.bar with space_[j];malloc", 5, 1, 0), 0);
	leak_snapshot_finish(&a);
	assert_int_equal(a.n, 3);
	snprintf(path, sizeof(path), "%s/s.snap", dir);
	assert_int_equal(leak_snapshot_write_file(&a, path), 0);
	assert_int_equal(leak_snapshot_read_file(path, &b, &bad), 0);
	assert_int_equal(bad, 0);
	assert_true(b.time_ms == 1732423423123);
	assert_true(b.pid == 42 && b.period == 524288 && b.tracked == 7 && b.overflow == 3);
	assert_string_equal(b.allocator, "glibc");
	assert_int_equal(b.n, 3);
	for (size_t i = 0; i < b.n; i++) {
		assert_string_equal(a.stacks[i].stack, b.stacks[i].stack);
		assert_true(a.stacks[i].bytes == b.stacks[i].bytes);
		assert_true(a.stacks[i].count == b.stacks[i].count);
		assert_true(a.stacks[i].oldest_age_s == b.stacks[i].oldest_age_s);
	}
	/* merged duplicate: bytes and counts summed, the oldest age kept */
	assert_string_equal(b.stacks[2].stack, "main;leak_one;malloc");
	assert_true(b.stacks[2].bytes == 1500 && b.stacks[2].count == 3 && b.stacks[2].oldest_age_s == 90);
	leak_snapshot_free(&a);
	leak_snapshot_free(&b);
	test_rm_rf(dir);
	free(dir);
}

static int read_text(const char *text, size_t *bad)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct leak_snapshot s;
	int err = leak_snapshot_read(f, &s, bad);

	fclose(f);
	if (!err)
		leak_snapshot_free(&s);
	return err;
}

static void test_read_bad(void **state)
{
	size_t bad;

	(void)state;
	assert_int_equal(read_text("", &bad), -EINVAL);
	assert_int_equal(read_text("hello\n", &bad), -EINVAL);
	assert_int_equal(bad, 1);
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# pid 1\n", &bad), -EINVAL); /* no time */
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# time_ms 5\n1 2 stack\n", &bad), -EINVAL);
	assert_int_equal(bad, 3);
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# time_ms 5\n1 2 3 \n", &bad), -EINVAL);
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# time_ms 5\n-1 2 3 s\n", &bad), -EINVAL);
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# time_ms x\n", &bad), -EINVAL);
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# time_ms 5\n# period -3\n", &bad), -EINVAL);
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\n# time_ms 5\n99999999999999999999 2 3 s\n", &bad), -EINVAL);
	/* unknown keys and comments are fine, CRLF too */
	assert_int_equal(read_text(LEAK_SNAPSHOT_MAGIC "\r\n# time_ms 5\r\n# future 1\r\n# a comment\r\n1 2 3 a;b\r\n", &bad), 0);
}

static void test_growth(void **state)
{
	struct leak_snapshot a, b;
	struct leak_growth g;
	struct profile *p = profile_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	make(&a, 0);
	make(&b, 2 * 3600 * 1000); /* two hours later */
	leak_snapshot_add(&a, "main;leaky;malloc", 1000, 1, 10);
	leak_snapshot_add(&a, "main;balanced;malloc", 5000, 5, 1);
	leak_snapshot_add(&a, "main;gone;malloc", 300, 1, 1);
	leak_snapshot_add(&b, "main;leaky;malloc", 9000, 9, 7210);
	leak_snapshot_add(&b, "main;balanced;malloc", 4000, 4, 2);
	leak_snapshot_add(&b, "main;new;malloc", 100, 1, 5);
	leak_snapshot_finish(&a);
	leak_snapshot_finish(&b);
	assert_int_equal(leak_growth_compute(&b, &a, &g), -EINVAL);
	assert_int_equal(leak_growth_compute(&a, &b, &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.rows[0].stack, "main;leaky;malloc");
	assert_true(g.rows[0].delta_bytes == 8000);
	assert_true(g.rows[0].bytes_per_hour == 4000.0);
	assert_true(g.rows[0].oldest_age_s == 7210);
	assert_true(g.rows[0].live_count == 9);
	assert_string_equal(g.rows[1].stack, "main;new;malloc");
	assert_true(g.rows[1].delta_bytes == 100);
	assert_string_equal(g.rows[2].stack, "main;gone;malloc");
	assert_true(g.rows[2].delta_bytes == -300);
	assert_true(g.rows[3].delta_bytes == -1000);
	assert_true(g.total_delta == 8000 + 100 - 300 - 1000);
	out = open_memstream(&buf, &len);
	assert_int_equal(leak_growth_print(&g, out, 0, 2), 0);
	fclose(out);
	assert_non_null(strstr(buf, "malloc < leaky < ..."));
	assert_null(strstr(buf, "balanced"));
	free(buf);
	assert_int_equal(leak_growth_to_profile(&g, p), 0);
	assert_int_equal(profile_stack_count(p), 2);
	assert_true(profile_total(p) == 8100);
	profile_free(p);
	leak_growth_free(&g);
	leak_snapshot_free(&a);
	leak_snapshot_free(&b);
}

static void touch_file(const char *dir, const char *name, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
}

static void test_store(void **state)
{
	char *dir = test_mkdtemp(), name[64], sub[512];
	struct leak_store_entry *e;
	size_t n, a, b;
	int64_t t;

	(void)state;
	assert_int_equal(leak_store_name(name, sizeof(name), 1732423423123), 0);
	assert_string_equal(name, "leak-20241124T044343.123Z.snap");
	assert_int_equal(leak_store_parse_name(name, &t), 0);
	assert_true(t == 1732423423123);
	assert_int_equal(leak_store_parse_name("leak-20241124T044343.12Z.snap", &t), -EINVAL);
	assert_int_equal(leak_store_parse_name("leak-2024", &t), -EINVAL);
	assert_int_equal(leak_time_parse("1732423423", &t), 0);
	assert_true(t == 1732423423000);
	assert_int_equal(leak_time_parse("2024-11-24T04:43:43Z", &t), 0);
	assert_true(t == 1732423423000);
	assert_int_equal(leak_time_parse("2024-11-24T04:43", &t), 0);
	assert_true(t == 1732423380000);
	assert_int_equal(leak_time_parse("/x/y/leak-20241124T044343.123Z.snap", &t), 0);
	assert_true(t == 1732423423123);
	assert_int_equal(leak_time_parse("2024-13-24T04:43", &t), -EINVAL);
	assert_int_equal(leak_time_parse("yesterday", &t), -EINVAL);
	assert_int_equal(leak_time_parse("", &t), -EINVAL);

	for (int i = 0; i < 5; i++) {
		leak_store_name(name, sizeof(name), 1732423423000 + (int64_t)i * 600000);
		touch_file(dir, name, 100);
	}
	touch_file(dir, "unrelated.txt", 10);
	snprintf(sub, sizeof(sub), "%s/leak-20241124T050000.000Z.snap", dir);
	mkdir(sub, 0755); /* a directory named like one is not a snapshot */
	assert_int_equal(leak_store_list(dir, &e, &n), 0);
	assert_int_equal(n, 5);
	assert_true(e[0].time_ms < e[4].time_ms);
	assert_int_equal(leak_store_pick(e, n, INT64_MIN, INT64_MAX, &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 4);
	assert_int_equal(leak_store_pick(e, n, 1732423423000 + 1, 1732423423000 + 1800000, &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 3);
	assert_int_equal(leak_store_pick(e, n, 1732423423000 + 2400000, INT64_MAX, &a, &b), -ENOENT);
	leak_store_list_free(e, n);

	assert_int_equal(leak_store_prune(dir, 3, 0), 2);
	assert_int_equal(leak_store_prune(dir, 0, 150), 2); /* keeps the newest */
	assert_int_equal(leak_store_prune(dir, 0, 1), 0);
	assert_int_equal(leak_store_list(dir, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_true(e[0].time_ms == 1732423423000 + 4 * 600000);
	leak_store_list_free(e, n);
	rmdir(sub);
	test_rm_rf(dir);
	free(dir);
	assert_int_equal(leak_store_list("/nonexistent/dir", &e, &n), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_roundtrip),
		cmocka_unit_test(test_read_bad),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
