// SPDX-License-Identifier: GPL-2.0
/* The daemon's INI configuration: defaults, every key, and malformed files
 * reported with their line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "agent/daemon/daemon_config.h"
#include "agent/core/session.h"
#include "support.h"

static char err[1024];

struct bad_case {
	const char *text;
	const char *want; /* start of the message */
};

static int parse(const char *text, struct daemon_config *c)
{
	err[0] = '\0';
	return daemon_config_parse(text, "t.ini", c, err, sizeof(err));
}

static void test_defaults(void **state)
{
	struct daemon_config c;

	(void)state;
	assert_int_equal(parse("", &c), 0);
	assert_int_equal(c.events, SESSION_CPU);
	assert_int_equal(c.freq_hz, 19);
	assert_int_equal(c.period_s, 60);
	assert_string_equal(c.dir, "/var/lib/tmprof");
	assert_false(c.folded);
	assert_null(c.push_url);
	assert_true(c.metrics_on);
	assert_string_equal(c.metrics_listen, "127.0.0.1:9464");
	assert_int_equal(((struct sockaddr_in *)&c.metrics_addr)->sin_port, htons(9464));
	assert_int_equal(c.memory, DAEMON_DEFAULT_MEMORY);
	assert_int_equal(c.naming_ms, DAEMON_NAMING_AUTO);
	daemon_config_free(&c);
	assert_int_equal(parse("[limits]\nmemory = 48M\n", &c), 0);
	assert_int_equal(c.memory, 48ull << 20);
	daemon_config_free(&c);
}

/* [limits] naming_time: auto, off (0: no budget) or a duration, shorter
 * than the period whichever section comes first. */
static void test_naming_time(void **state)
{
	static const struct {
		const char *text;
		unsigned int ms;
	} good[] = {
		{ "[limits]\nnaming_time = auto\n", DAEMON_NAMING_AUTO },
		{ "[limits]\nnaming_time = off\n", 0 },
		{ "[limits]\nnaming_time = 250ms\n", 250 },
		{ "[limits]\nnaming_time = 10ms\n", 10 },
		{ "[limits]\nnaming_time = 2s\n", 2000 },
		{ "[limits]\nnaming_time = 1m\n[profile]\nperiod = 5m\n", 60000 },
		{ "[profile]\nperiod = 1s\n[limits]\nnaming_time = 999ms\n", 999 },
	};
	static const struct bad_case bad[] = {
		{ "[limits]\nnaming_time = 9ms\n", "t.ini:2: [limits] naming_time: '9ms' is not auto, off or a duration from 10ms to 60s" },
		{ "[limits]\nnaming_time = 61s\n", "t.ini:2: [limits] naming_time: '61s'" },
		{ "[limits]\nnaming_time = 0\n", "t.ini:2: [limits] naming_time: '0'" },
		{ "[limits]\nnaming_time = 1.5s\n", "t.ini:2: [limits] naming_time" },
		{ "[limits]\nnaming_time = -1s\n", "t.ini:2: [limits] naming_time" },
		{ "[limits]\nnaming_time = none\n", "t.ini:2: [limits] naming_time" },
		{ "[limits]\nnaming_time = 5s\n[profile]\nperiod = 5s\n",
		  "t.ini: [limits] naming_time (5000 ms) must be shorter than [profile] period (5 s)" },
		{ "[limits]\nnaming_time = 2m\n", "t.ini:2: [limits] naming_time: '2m'" },
	};
	struct daemon_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(good[i].text, &c))
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(c.naming_ms, good[i].ms);
		daemon_config_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, &c), -EINVAL);
		if (strncmp(err, bad[i].want, strlen(bad[i].want)))
			fail_msg("case %zu: got '%s', want '%s...'", i, err, bad[i].want);
		assert_int_equal(c.naming_ms, DAEMON_NAMING_AUTO);
		daemon_config_free(&c);
	}
}

/* A secret file must be a regular file that others can neither read nor
 * change; the message says what is wrong and the fix. */
static void test_secret_files(void **state)
{
	static const struct {
		const char *name;
		mode_t mode;
		const char *want;
	} cases[] = {
		{ "token-644", 0644, "is readable or writable by others" },
		{ "token-606", 0606, "is readable or writable by others" },
		{ "token-620", 0620, "writable by its group); fix: chmod 600" },
		{ "token-long", 0600, "is 1001 bytes, over 1000" },
		{ "token-ok", 0640, NULL },
	};
	struct daemon_config c;
	char *dir = test_mkdtemp(), path[512], text[1024];
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
		f = fopen(path, "w");
		assert_non_null(f);
		if (strstr(cases[i].name, "long"))
			for (int k = 0; k < 1001; k++)
				fputc('t', f);
		else
			fputs("tok\n", f);
		fclose(f);
		assert_int_equal(chmod(path, cases[i].mode), 0);
		snprintf(text, sizeof(text), "[push]\nurl = http://x\nbearer_token_file = %s\n", path);
		if (!cases[i].want) {
			assert_int_equal(parse(text, &c), 0);
			assert_string_equal(c.bearer_token, "tok");
		} else {
			assert_int_equal(parse(text, &c), -EINVAL);
			if (!strstr(err, cases[i].want) || !strstr(err, path))
				fail_msg("%s: got '%s', want '%s'", cases[i].name, err, cases[i].want);
		}
		daemon_config_free(&c);
	}
	/* A FIFO would block the daemon or feed it anything. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(text, sizeof(text), "[push]\nbasic_user = u\nbasic_password_file = %s\n", path);
	assert_int_equal(parse(text, &c), -EINVAL);
	assert_non_null(strstr(err, "is not a regular file"));
	daemon_config_free(&c);
	test_rm_rf(dir);
	free(dir);
}

static void test_full(void **state)
{
	struct daemon_config c;
	char *dir = test_mkdtemp(), path[512], text[2048];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("s3cret \n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(text, sizeof(text),
		 "; comment\n# comment\n[profile]\nmode = wall\nalloc = on\nfrequency = 99\nunwind = fp\nsampler = per-cpu\n"
		 "period = 5m\n\n[output]\ndirectory = /data/prof\nfolded = yes\nmax_age = 7d\n"
		 "max_bytes = 1G\n[push]\nurl = https://pyro:4040\napp_name = flink.tm\n"
		 "bearer_token_file = %s\ntenant_id = t1\n[metrics]\nlisten = [::1]:9000\n",
		 path);
	assert_int_equal(parse(text, &c), 0);
	assert_int_equal(c.events, SESSION_CPU | SESSION_OFFCPU | SESSION_ALLOC);
	assert_int_equal(c.freq_hz, 99);
	assert_int_equal(c.unwind, UNWIND_FP);
	assert_int_equal(c.sampler, CPU_SAMPLER_PER_CPU);
	assert_int_equal(c.period_s, 300);
	assert_string_equal(c.dir, "/data/prof");
	assert_true(c.folded);
	assert_int_equal(c.max_age_s, 7 * 86400);
	assert_int_equal(c.max_bytes, 1ULL << 30);
	assert_string_equal(c.push_url, "https://pyro:4040");
	assert_string_equal(c.app_name, "flink.tm");
	assert_string_equal(c.service_name, "flink.tm"); /* defaults to app_name */
	assert_string_equal(c.bearer_token, "s3cret");
	assert_string_equal(c.tenant_id, "t1");
	assert_int_equal(c.metrics_addr.ss_family, AF_INET6);
	daemon_config_free(&c);
	assert_int_equal(parse("[metrics]\nlisten = off\n", &c), 0);
	assert_false(c.metrics_on);
	/* The daemon samples per thread unless told otherwise. */
	assert_int_equal(c.sampler, CPU_SAMPLER_PER_THREAD);
	daemon_config_free(&c);
	assert_int_equal(parse("[profile]\nsampler = per-thread\n", &c), 0);
	assert_int_equal(c.sampler, CPU_SAMPLER_PER_THREAD);
	daemon_config_free(&c);
	/* Any kinds by their -e words, from the collector list. */
	assert_int_equal(parse("[profile]\nevents = offcpu,alloc\n", &c), 0);
	assert_int_equal(c.events, SESSION_OFFCPU | SESSION_ALLOC);
	daemon_config_free(&c);
	test_rm_rf(dir);
	free(dir);
}

static void test_malformed(void **state)
{
	static const struct bad_case cases[] = {
		{ "[profile]\nperiod = 5s\nbogus = 1\n", "t.ini:3: [profile] bogus: unknown key" },
		{ "[profile]\n\n\nfrequency = 0\n", "t.ini:4: [profile] frequency: '0'" },
		{ "[profile]\nfrequency = 99x\n", "t.ini:2: [profile] frequency" },
		{ "[profile]\nperiod = 0\n", "t.ini:2: [profile] period: '0'" },
		{ "[profile]\nperiod = 2w\n", "t.ini:2: [profile] period" },
		{ "[profile]\nmode = offcpu\n", "t.ini:2: [profile] mode: 'offcpu'" },
		{ "[profile]\nalloc = maybe\n", "t.ini:2: [profile] alloc" },
		{ "[profile]\nevents = cpu,nope\n", "t.ini:2: [profile] events: 'cpu,nope'" },
		{ "[profile]\nunwind = lbr\n", "t.ini:2: [profile] unwind: 'lbr'" },
		/* The experiments are for `record` only. */
		{ "[profile]\nsampler = weighted\n", "t.ini:2: [profile] sampler: 'weighted'" },
		{ "[profile]\nsampler = \n", "t.ini:2: [profile] sampler" },
		{ "[output]\ndirectory = relative/dir\n", "t.ini:2: [output] directory" },
		{ "[output]\nmax_bytes = 1Q\n", "t.ini:2: [output] max_bytes" },
		{ "[output]\nmax_age = -1\n", "t.ini:2: [output] max_age" },
		{ "[push]\nurl = ftp://x\n", "t.ini:2: [push] url" },
		{ "[push]\napp_name = a b\n", "t.ini:2: [push] app_name" },
		{ "[push]\nbearer_token_file = /nonexistent/token\n", "t.ini:2: [push] bearer_token_file" },
		{ "[push]\nbasic_user = u\n", "t.ini: [push] basic_user and basic_password_file" },
		{ "[metrics]\nlisten = 9464\n", "t.ini:2: [metrics] listen" },
		{ "[metrics]\nlisten = 127.0.0.1:70000\n", "t.ini:2: [metrics] listen" },
		{ "[metrics]\nlisten = 300.0.0.1:1\n", "t.ini:2: [metrics] listen" },
		{ "[nope]\nx = 1\n", "t.ini:2: [nope]: unknown section" },
		{ "[limits]\nmemory = 8M\n", "t.ini:2: [limits] memory: '8M' is not a size of at least 32 M" },
		{ "[limits]\nmemory = lots\n", "t.ini:2: [limits] memory" },
		{ "[limits]\ncpu = 1\n", "t.ini:2: [limits] cpu: unknown key; known: memory, naming_time" },
		{ "period = 5\n", "t.ini:1: period: key outside a section" },
		/* Syntax errors before a bad key: the first line wins. */
		{ "[profile]\njust words\nbogus = 1\n", "t.ini:2: expected 'key = value'" },
		{ "[profile\nperiod = 5\n", "t.ini:1: expected" },
		{ "[profile]\nperiod = 5\nbogus = 1\nalso words\n", "t.ini:3: [profile] bogus" },
	};
	struct daemon_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c), -EINVAL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got '%s', want '%s...'", i, err, cases[i].want);
		/* Failed parses leave the defaults, nothing allocated to leak. */
		assert_int_equal(c.period_s, 60);
		daemon_config_free(&c);
	}
}

static void test_long_line(void **state)
{
	struct daemon_config c;
	char text[1024] = "[output]\ndirectory = /";

	(void)state;
	memset(text + strlen(text), 'a', 600);
	strcat(text, "\n");
	assert_int_equal(parse(text, &c), -EINVAL);
	assert_non_null(strstr(err, "t.ini:2: line too long"));
	daemon_config_free(&c);
}

static void test_load_missing(void **state)
{
	struct daemon_config c;

	(void)state;
	assert_int_equal(daemon_config_load("/nonexistent/x.ini", &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.ini: cannot open"));
	daemon_config_free(&c);
}

static void test_units(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(daemon_parse_duration("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(daemon_parse_duration("2h", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(daemon_parse_duration("1.5h", &v), -EINVAL);
	assert_int_equal(daemon_parse_duration("", &v), -EINVAL);
	assert_int_equal(daemon_parse_duration("99999999999999999999d", &v), -EINVAL);
	assert_int_equal(daemon_parse_duration("999999999999999999d", &v), -ERANGE);
	assert_int_equal(daemon_parse_millis("250ms", &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(daemon_parse_millis("3", &v), 0);
	assert_int_equal(v, 3000);
	assert_int_equal(daemon_parse_millis("2m", &v), 0);
	assert_int_equal(v, 120000);
	assert_int_equal(daemon_parse_millis("5h", &v), -EINVAL);
	assert_int_equal(daemon_parse_millis("ms", &v), -EINVAL);
	assert_int_equal(daemon_parse_millis("999999999999999999m", &v), -ERANGE);
	assert_int_equal(daemon_parse_size("512K", &v), 0);
	assert_int_equal(v, 512 * 1024);
	assert_int_equal(daemon_parse_size("100MiB", &v), 0);
	assert_int_equal(v, 100ULL << 20);
	assert_int_equal(daemon_parse_size("2GB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(daemon_parse_size("12345", &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(daemon_parse_size("1X", &v), -EINVAL);
	assert_int_equal(daemon_parse_size("99999999999T", &v), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_full), cmocka_unit_test(test_secret_files),
		cmocka_unit_test(test_malformed),  cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_load_missing), cmocka_unit_test(test_units),
		cmocka_unit_test(test_naming_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
