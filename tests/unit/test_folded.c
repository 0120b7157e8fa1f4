// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/profile.h"
#include "support.h"

static struct profile *sample_profile(void)
{
	struct profile *p = profile_new();
	uint32_t t, a, b, k;

	assert_non_null(p);
	profile_intern(p, "[Map (1/2)#0 tid=7]", &t);
	profile_intern(p, "StreamTask.invoke_[j]", &a);
	profile_intern(p, "map_[j]", &b);
	profile_intern(p, "do_syscall_64_[k]", &k);
	profile_add(p, (uint32_t[]){ t, a, b }, 3, 40);
	profile_add(p, (uint32_t[]){ t, a, k }, 3, 2);
	profile_add(p, (uint32_t[]){ t, a }, 2, 1);
	profile_add(p, (uint32_t[]){ t }, 0, 9); /* no frames: not written */
	return p;
}

static void test_folded_lines_sorted_root_first(void **state)
{
	struct profile *p = sample_profile();
	char *text = test_folded_text(p);

	(void)state;
	assert_string_equal(text, "[Map (1/2)#0 tid=7];StreamTask.invoke_[j] 1\n"
				  "[Map (1/2)#0 tid=7];StreamTask.invoke_[j];do_syscall_64_[k] 2\n"
				  "[Map (1/2)#0 tid=7];StreamTask.invoke_[j];map_[j] 40\n");
	free(text);
	profile_free(p);
}

static void test_folded_file_is_atomic(void **state)
{
	struct profile *p = sample_profile();
	char *dir = test_mkdtemp(), path[512], buf[512];
	FILE *f;
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.folded", dir);
	assert_int_equal(folded_write_file(p, path), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "map_[j] 40\n"));
	/* Only the destination is left: no temporary next to it. */
	snprintf(buf, sizeof(buf), "ls -A '%s' | wc -l | grep -qx 1", dir);
	assert_int_equal(system(buf), 0);
	/* A directory that does not exist: an error, nothing created. */
	snprintf(path, sizeof(path), "%s/missing/out.folded", dir);
	assert_int_not_equal(folded_write_file(p, path), 0);
	test_rm_rf(dir);
	free(dir);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_lines_sorted_root_first),
		cmocka_unit_test(test_folded_file_is_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
