// SPDX-License-Identifier: GPL-2.0
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/folded_parse.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"

bool test_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

bool test_require_root(void)
{
	if (geteuid() == 0)
		return true;
	if (test_in_ci())
		fail_msg("this test needs root and real BPF, and CI=true: failing instead of skipping");
	skip();
	return false;
}

char *test_mkdtemp(void)
{
	char *p = strdup("/tmp/tmprof-test-XXXXXX");

	assert_non_null(p);
	assert_non_null(mkdtemp(p));
	return p;
}

void test_rm_rf(const char *path)
{
	char cmd[4200];

	if (!path || strncmp(path, "/tmp/tmprof-test-", 17))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

void test_profile_add_folded(struct profile *p, const char *folded, uint64_t count)
{
	uint32_t ids[64], n = 0;
	char *copy = strdup(folded), *save = NULL, line[4096];
	struct folded_parse_result r;

	assert_non_null(copy);
	/* As tmprof flamegraph reads it: kinds from suffixes, labels from the
	 * pseudo-frames. Text the parser refuses (invalid UTF-8, a zero count)
	 * goes in as plain frames. */
	snprintf(line, sizeof(line), "%s %llu\n", folded, (unsigned long long)count);
	if (count && folded_parse_buffer(line, strlen(line), p, NULL, &r) == 0 && !r.bad_lines) {
		free(copy);
		return;
	}
	for (char *f = strtok_r(copy, ";", &save); f && n < 64; f = strtok_r(NULL, ";", &save))
		assert_int_equal(profile_intern(p, f, &ids[n++]), 0);
	assert_int_equal(profile_add(p, ids, n, count), 0);
	free(copy);
}

char *test_folded_text(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(folded_write(p, out), 0);
	fclose(out);
	return buf;
}

char *test_report_json(const struct thread_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(thread_report_write_json(r, out), 0);
	fclose(out);
	return buf;
}

int test_stacks_fetch(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	const struct test_stacks *t = ctx;
	size_t n = 0;

	if (id >= t->nrows)
		return 0;
	while (n < max && n < t->width && t->rows[id * t->width + n]) {
		ips[n] = t->rows[id * t->width + n];
		n++;
	}
	return (int)n;
}
