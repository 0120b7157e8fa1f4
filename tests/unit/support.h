// SPDX-License-Identifier: GPL-2.0
/* Shared by the cmocka tests: environment checks that skip locally but fail
 * in CI (CI=true), where root, BPF and a JVM are guaranteed. */
#ifndef TMPROF_TESTS_TEST_SUPPORT_H
#define TMPROF_TESTS_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool test_in_ci(void);
/* Returns true when running as root; otherwise skips the test, or fails it
 * under CI=true. Use: if (!test_require_root()) return; */
bool test_require_root(void);
/* Make a fresh temporary directory; returns its malloc'd path. */
char *test_mkdtemp(void);
void test_rm_rf(const char *path);

struct profile;
/* Add a "a;b;c" stack with count to p (asserting it works). */
void test_profile_add_folded(struct profile *p, const char *folded, uint64_t count);
/* The folded text of p (malloc'd), for comparing whole outputs. */
char *test_folded_text(const struct profile *p);
struct thread_report;
/* The JSON report of r, as thread_report_write_json writes it (free it). */
char *test_report_json(const struct thread_report *r);

/* Fake BPF stacks for a stack_cache (its fetch, with a struct
 * test_stacks as ctx): rows of width addresses by id, leaf first, a row
 * ended by 0 or its width. */
struct test_stacks {
	const uint64_t *rows;
	size_t nrows, width;
};
int test_stacks_fetch(void *ctx, uint64_t id, uint64_t *ips, size_t max);

#endif
