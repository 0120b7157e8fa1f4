// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/cli/record_options.h"
#include "agent/core/session.h"
#include "agent/collect/cpu_sampler.h"

static int parse(struct record_options *o, char *err, int argc, char **argv)
{
	return record_options_parse(argc, argv, o, err, 256);
}

#define ARGV(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), (char *[]){ __VA_ARGS__ }

static void test_defaults_and_values(void **state)
{
	struct record_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "42")), 0);
	assert_int_equal(o.npids, 1);
	assert_int_equal(o.pids[0], 42);
	assert_int_equal(o.freq_hz, 99);
	assert_true(o.duration_s == 30);
	assert_string_equal(o.output, "tmprof.folded");
	assert_true(o.threads);
	assert_int_equal(o.sampler, CPU_SAMPLER_PER_THREAD);
	assert_false(o.no_culprits);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "42", "--no-culprits")), 0);
	assert_true(o.no_culprits);

	assert_int_equal(parse(&o, err, ARGV("record", "-p", "42", "--per-cpu")), 0);
	assert_int_equal(o.sampler, CPU_SAMPLER_PER_CPU);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "42", "--sampler", "weighted")), 0);
	assert_int_equal(o.sampler, CPU_SAMPLER_WEIGHTED);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "42", "--sampler=jitter")), 0);
	assert_int_equal(o.sampler, CPU_SAMPLER_JITTER);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "42", "--sampler", "per-core")), -EINVAL);
	assert_non_null(strstr(err, "--sampler: 'per-core'"));

	assert_int_equal(parse(&o, err, ARGV("record", "--all-taskmanagers", "-d", "2.5", "-F", "499",
					     "-o", "x.folded", "--no-threads", "--stats")),
			 0);
	assert_true(o.all_taskmanagers);
	assert_true(o.duration_s == 2.5);
	assert_int_equal(o.freq_hz, 499);
	assert_string_equal(o.output, "x.folded");
	assert_false(o.threads);
	assert_true(o.stats);
	assert_int_equal(o.unwind, UNWIND_AUTO);

	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "--unwind", "fp")), 0);
	assert_int_equal(o.unwind, UNWIND_FP);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "--unwind", "hotspot")), 0);
	assert_int_equal(o.unwind, UNWIND_HOTSPOT);
}

static void test_pid_lists(void **state)
{
	pid_t pids[4];
	size_t n = 0;

	(void)state;
	assert_int_equal(pid_list_parse("1,22,333", pids, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[2], 333);
	n = 0;
	assert_int_equal(pid_list_parse("5,5,5", pids, 4, &n), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(pid_list_parse("1,2,3,4,5", pids, 4, &n), -E2BIG);
	static const char *const bad[] = { "", "0", "-1", "abc", "12x", "1,,2", "1,", ",1",
					   "99999999999", " 1", "+5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 0;
		assert_int_equal(pid_list_parse(bad[i], pids, 4, &n), -EINVAL);
	}
}

static void test_errors_name_the_option(void **state)
{
	struct record_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, ARGV("record")), -EINVAL);
	assert_non_null(strstr(err, "-p PID"));
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "--all-taskmanagers")), -EINVAL);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "x")), -EINVAL);
	assert_non_null(strstr(err, "-p x"));
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "-F", "0")), -EINVAL);
	assert_non_null(strstr(err, "-F 0"));
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "-F", "1.5")), -EINVAL);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "-F", "100000")), -EINVAL);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "-d", "-3")), -EINVAL);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "-d", "nan")), -EINVAL);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "-o", "")), -EINVAL);
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "--bogus")), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "--unwind", "dwarf")), -EINVAL);
	assert_non_null(strstr(err, "--unwind dwarf"));
	assert_int_equal(parse(&o, err, ARGV("record", "-p")), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&o, err, ARGV("record", "-p", "1", "extra")), -EINVAL);
	assert_non_null(strstr(err, "extra"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_pid_lists),
		cmocka_unit_test(test_errors_name_the_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
