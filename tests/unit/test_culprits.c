// SPDX-License-Identifier: GPL-2.0
/* Culprit lists (per process, busiest comm names it), and where a process
 * lives: cgroup v2 path and container id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "agent/core/culprits.h"

static void test_list_merges_by_process(void **state)
{
	struct culprit_list l = { 0 };

	(void)state;
	assert_int_equal(culprit_list_add(&l, 10, "worker-1", 100), 0);
	assert_int_equal(culprit_list_add(&l, 20, "stress", 500), 0);
	assert_int_equal(culprit_list_add(&l, 10, "worker-2", 300), 0);
	assert_int_equal(culprit_list_add(&l, 0, "swapper/1", 50), 0);
	/* A 16-byte comm without its NUL (as the kernel copies it) is cut. */
	assert_int_equal(culprit_list_add(&l, 30, "0123456789abcdefXYZ", 1), 0);
	culprit_list_sort(&l);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].tgid, 20);
	assert_int_equal(l.v[1].tgid, 10);
	assert_int_equal(l.v[1].ns, 400);
	assert_string_equal(l.v[1].comm, "worker-2"); /* its busiest thread */
	assert_int_equal(l.v[2].tgid, 0);
	assert_string_equal(l.v[3].comm, "0123456789abcdef");
	culprit_list_free(&l);
	assert_int_equal(l.n, 0);
}

static void test_cgroup_parse(void **state)
{
	char out[256];

	(void)state;
	culprit_cgroup_parse("0::/system.slice/docker-abc.scope\n", out, sizeof(out));
	assert_string_equal(out, "/system.slice/docker-abc.scope");
	/* Hybrid: the v2 line wins over the v1 hierarchies. */
	culprit_cgroup_parse("12:cpu,cpuacct:/v1path\n0::/v2path\n", out, sizeof(out));
	assert_string_equal(out, "/v2path");
	culprit_cgroup_parse("4:memory:/only-v1\n", out, sizeof(out));
	assert_string_equal(out, "/only-v1");
	culprit_cgroup_parse("garbage", out, sizeof(out));
	assert_string_equal(out, "");
	culprit_cgroup_parse("", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_container_of(void **state)
{
	static const char id[] = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
	char path[256], out[16];

	(void)state;
	snprintf(path, sizeof(path), "/system.slice/docker-%s.scope", id);
	culprit_container_of(path, out, sizeof(out));
	assert_string_equal(out, "4f1c2d3e4f5a");
	snprintf(path, sizeof(path), "/kubepods/burstable/pod1234/%s", id);
	culprit_container_of(path, out, sizeof(out));
	assert_string_equal(out, "4f1c2d3e4f5a");
	snprintf(path, sizeof(path), "/kubepods.slice/cri-containerd-%s.scope/sub", id);
	culprit_container_of(path, out, sizeof(out));
	assert_string_equal(out, "4f1c2d3e4f5a");
	culprit_container_of("/user.slice/user-0.slice/session-1.scope", out, sizeof(out));
	assert_string_equal(out, "");
	/* 63 or 65 hex digits are no container id. */
	snprintf(path, sizeof(path), "/docker/%.63s", id);
	culprit_container_of(path, out, sizeof(out));
	assert_string_equal(out, "");
	snprintf(path, sizeof(path), "/docker/%sa", id);
	culprit_container_of(path, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_where_self_and_gone(void **state)
{
	char cg[512], ct[16];

	(void)state;
	culprit_where(getpid(), cg, sizeof(cg), ct, sizeof(ct));
	assert_true(cg[0] == '/');
	culprit_where(0, cg, sizeof(cg), ct, sizeof(ct));
	assert_string_equal(cg, "");
	assert_string_equal(ct, "");
}

static void *park(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* The process name is the leader's comm, whatever its threads are named;
 * a process that is gone keeps the name it was charged under. */
static void test_process_name(void **state)
{
	char out[32];
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, park, NULL), 0);
	assert_int_equal(pthread_setname_np(th, "worker-thread"), 0);
	culprit_process_name(getpid(), "fallback", out, sizeof(out));
	assert_string_equal(out, "test_culprits");
	culprit_process_name(0, "fallback", out, sizeof(out));
	assert_string_equal(out, "fallback");
	/* Above pid_max (at most 2^22): no such process. */
	culprit_process_name(1 << 23, "gone", out, sizeof(out));
	assert_string_equal(out, "gone");
	pthread_cancel(th);
	pthread_join(th, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_merges_by_process),
		cmocka_unit_test(test_process_name),
		cmocka_unit_test(test_cgroup_parse),
		cmocka_unit_test(test_container_of),
		cmocka_unit_test(test_where_self_and_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
