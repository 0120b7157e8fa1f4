// SPDX-License-Identifier: GPL-2.0
/* daemon_period: each TaskManager's profile built alone, over fake rows,
 * stacks, resolver and targets (the writing itself runs in
 * tests/e2e/daemon*.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/cpu_collector.h"
#include "agent/core/agg_table.h"
#include "agent/core/category_rules.h"
#include "agent/core/profile_builder.h"
#include "agent/core/session.h"
#include "agent/core/stack_cache.h"
#include "agent/daemon/daemon_period.h"
#include "bpf/abi.h"
#include "flamegraph/profile.h"
#include "symbolize/resolver.h"
#include "support.h"

/* ------------------------------------------- one TaskManager's profile */

/* Stacks by id, leaf first, ended by 0; a frame is named by its address. */
static const uint64_t stacks[][4] = {
	[1] = { 0x3000, 0x2000, 0x1000 },
	[2] = { 0x4000, 0x1000 },
	[3] = { 0x5000, 0x2000, 0x1000 },
};

static struct test_stacks fake_stacks = { &stacks[0][0], sizeof(stacks) / sizeof(*stacks),
					   sizeof(*stacks) / sizeof(**stacks) };

static size_t fake_user_word(void *ctx, pid_t pid, uint64_t word, bool leaf, uint32_t epoch,
			     struct frame_sym *out, size_t max)
{
	static const char *const names[] = { "?", "start_thread", "run", "map", "sleep",
					     "serialize" };
	uint64_t a = leaf ? word : word - 1;

	(void)ctx;
	(void)pid;
	(void)epoch;
	if (!max)
		return 0;
	out[0] = (struct frame_sym){ names[a >> 12 < 6 ? a >> 12 : 0], "[java]", FRAME_JIT };
	return 1;
}

static void fake_kernel(void *ctx, pid_t pid, uint64_t addr, struct frame_sym *out)
{
	(void)ctx;
	(void)pid;
	(void)addr;
	*out = (struct frame_sym){ "[unknown]", "[kernel]", FRAME_UNKNOWN };
}

static const struct resolver_ops fake_resolver_ops = { fake_user_word, fake_kernel };

/* Targets 10 and 20 (one TaskManager restarted: the same id), 30 and 40
 * (another process the session profiles, named by no TaskManager). */
static bool fake_target(void *ctx, pid_t pid, const char **label)
{
	(void)ctx;
	if (pid != 10 && pid != 20 && pid != 30 && pid != 40)
		return false;
	*label = pid == 30 ? "tm-b" : pid == 40 ? "other" : "tm-a";
	return true;
}

static const char *fake_thread_name(void *ctx, pid_t pid, pid_t tid)
{
	(void)ctx;
	(void)pid;
	return tid % 2 ? "Map (1/2)#0" : NULL;
}

static const struct build_targets_ops fake_targets = { fake_target, fake_thread_name, NULL };

struct group_fixture {
	struct agg_table cpu;
	struct stack_cache user;
	struct resolver r;
	struct build_input in;
};

static void cpu_add(struct group_fixture *f, uint32_t pid, uint32_t tid, uint64_t user, uint64_t n)
{
	struct cpu_sample_key k = { .tgid = pid, .tid = tid, .user_stack = user, .kern_stack_id = -1 };

	snprintf(k.comm, sizeof(k.comm), "java");
	assert_int_equal(agg_table_add(&f->cpu, &k, n, 0), 0);
}

static void group_fixture_init(struct group_fixture *f)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(agg_table_init(&f->cpu, sizeof(struct cpu_sample_key)), 0);
	assert_int_equal(stack_cache_init(&f->user, test_stacks_fetch, &fake_stacks), 0);
	f->r = (struct resolver){ &fake_resolver_ops, NULL };
	f->in = (struct build_input){
		.kinds = { { &cpu_collector_ops, SESSION_CPU, &f->cpu, &f->user, NULL } },
		.nkinds = 1,
		.freq_hz = 100,
		.resolver = &f->r,
		.targets = &fake_targets,
	};
	cpu_add(f, 10, 11, 1, 5);
	cpu_add(f, 30, 31, 2, 7);
	cpu_add(f, 20, 21, 1, 3);
	cpu_add(f, 10, 12, 3, 2);
	cpu_add(f, 40, 41, 1, 100); /* a target, but no TaskManager's */
	cpu_add(f, 50, 51, 1, 100); /* no target */
	cpu_add(f, 30, 31, 1, 4);
}

static void group_fixture_free(struct group_fixture *f)
{
	stack_cache_free(&f->user);
	agg_table_free(&f->cpu);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The text's lines in order, as one string: two profiles that differ only
 * in the order of their samples compare equal. */
static char *lines_sorted(char *text)
{
	char *lines[64], *out, *save = NULL;
	size_t n = 0, len = strlen(text) + 1;

	for (char *l = strtok_r(text, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(*lines), line_cmp);
	out = calloc(1, len);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	return out;
}

/* The lines of the whole build whose process frame names one of pids,
 * that frame cut: what splitting the whole build gave, to compare with. */
static char *lines_of_pids(const char *all, const char *const *pids, size_t npids)
{
	char *copy = strdup(all), *out = calloc(1, strlen(all) + 1), *save = NULL, *sorted;

	assert_non_null(copy);
	assert_non_null(out);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *end = strchr(l, ';');

		for (size_t i = 0; end && i < npids; i++) {
			char tail[32];

			snprintf(tail, sizeof(tail), " pid=%s]", pids[i]);
			if ((size_t)(end - l) > strlen(tail) &&
			    !strncmp(end - strlen(tail), tail, strlen(tail))) {
				strcat(out, end + 1);
				strcat(out, "\n");
			}
		}
	}
	free(copy);
	sorted = lines_sorted(out);
	free(out);
	return sorted;
}

static char *group_text(struct group_fixture *f, const struct build_options *o,
			const struct daemon_tm_name *names, size_t n, size_t group)
{
	struct profile *p = profile_new();
	char *text, *sorted;

	assert_non_null(p);
	assert_int_equal(daemon_profile_build_group(&f->in, o, names, n, group, p), 0);
	/* Neither the process label nor its frame: a file is one TaskManager. */
	assert_false(profile_roots(p) & PROFILE_ROOT_PROCESS);
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack st;

		profile_stack_get(p, i, &st);
		assert_null(profile_label_value(p, st.labels, PROFILE_LABEL_PID));
		assert_null(profile_label_value(p, st.labels, PROFILE_LABEL_PROCESS));
	}
	text = test_folded_text(p);
	sorted = lines_sorted(text);
	free(text);
	profile_free(p);
	return sorted;
}

/* Each TaskManager's profile built alone is what splitting one build of
 * every target gave: its pids' samples (both pids of a restarted one),
 * without the process frame, and nothing of other processes. */
static void test_build_group_is_split(void **state)
{
	static const char *const a_pids[] = { "10", "20" }, *const b_pids[] = { "30" };
	struct daemon_tm_name names[] = { { 10, "tm-a" }, { 30, "tm-b" }, { 20, "tm-a" } };
	struct category_rules cats;
	struct build_options all_o, o = { .thread_roots = true, .cpu_stacks = true,
					  .categories = &cats };
	struct build_result br;
	struct group_fixture f;
	struct profile *all = profile_new();
	char *all_text, *want, *got;

	(void)state;
	assert_non_null(all);
	assert_int_equal(category_rules_default(&cats), 0);
	group_fixture_init(&f);
	all_o = o;
	all_o.process_roots = true;
	assert_int_equal(profile_build(&f.in, all, &all_o, &br), 0);
	build_result_free(&br);
	all_text = test_folded_text(all);

	got = group_text(&f, &o, names, 3, 0);
	want = lines_of_pids(all_text, a_pids, 2);
	assert_string_equal(got, want);
	/* Both pids of tm-a, and its threads only. */
	assert_non_null(strstr(got, "tid=11]"));
	assert_non_null(strstr(got, "tid=21]"));
	assert_null(strstr(got, "tid=31]"));
	assert_null(strstr(got, "tid=41]"));
	free(got);
	free(want);

	got = group_text(&f, &o, names, 3, 1);
	want = lines_of_pids(all_text, b_pids, 1);
	assert_string_equal(got, want);
	assert_non_null(strstr(got, "tid=31]"));
	free(got);
	free(want);

	/* The group is named by its first pid: asking by the second is an
	 * empty profile, never a copy. */
	got = group_text(&f, &o, names, 3, 2);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(daemon_profile_build_group(&f.in, &o, names, 3, 3, all), -EINVAL);

	free(all_text);
	profile_free(all);
	category_rules_free(&cats);
	group_fixture_free(&f);
}

/* The category label rides along into each TaskManager's profile (the
 * daemon's pprof files and pushes group by it). */
static void test_build_group_keeps_category(void **state)
{
	struct daemon_tm_name names[] = { { 30, "tm-b" } };
	struct category_rules cats;
	struct build_options o = { .thread_roots = true, .cpu_stacks = true, .categories = &cats };
	struct group_fixture f;
	struct profile *p = profile_new();

	(void)state;
	assert_non_null(p);
	assert_int_equal(category_rules_default(&cats), 0);
	group_fixture_init(&f);
	assert_int_equal(daemon_profile_build_group(&f.in, &o, names, 1, 0, p), 0);
	assert_int_equal(profile_total(p), 11);
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack st;

		profile_stack_get(p, i, &st);
		assert_non_null(profile_label_value(p, st.labels, PROFILE_LABEL_CATEGORY));
		assert_string_equal(profile_label_value(p, st.labels, PROFILE_LABEL_TID), "31");
	}
	profile_free(p);
	category_rules_free(&cats);
	group_fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_group_is_split),
		cmocka_unit_test(test_build_group_keeps_category),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
