// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/state_rules.h"
#include "support.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_defaults_classify_flink_waits(void **state)
{
	struct state_rules r;
	const char *bp[] = {
		"[Map (1/2)#0 tid=5]", "org.apache.flink.streaming.runtime.tasks.StreamTask.invoke",
		"org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegmentBlocking",
		"java.lang.Object.wait", "futex_wait",
	};
	const char *idle[] = {
		"org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop",
		"org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.take",
		"jdk.internal.misc.Unsafe.park",
	};
	/* Both waits on one stack: the buffer wait is the reason. */
	const char *both[] = {
		"org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.take",
		"org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestBufferBuilderBlocking",
	};
	const char *io[] = {
		"org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop",
		"java.io.FileInputStream.readBytes", "ksys_read",
	};

	(void)state;
	assert_int_equal(state_rules_default(&r), 0);
	assert_true(r.count >= 4);
	assert_int_equal(state_rules_classify(&r, bp, N(bp)), STATE_BACKPRESSURED);
	assert_int_equal(state_rules_classify(&r, idle, N(idle)), STATE_IDLE);
	assert_int_equal(state_rules_classify(&r, both, N(both)), STATE_BACKPRESSURED);
	assert_int_equal(state_rules_classify(&r, io, N(io)), STATE_BLOCKED);
	assert_int_equal(state_rules_classify(&r, NULL, 0), STATE_BLOCKED);
	state_rules_free(&r);
}

static void test_custom_rules_first_match_wins(void **state)
{
	const char text[] = "# comment\n\n  idle   *Sleeper.nap  \n"
			    "blocked\t*\n"
			    "backpressured *never reached*\n";
	const char *nap[] = { "com.acme.Sleeper.nap" };
	const char *other[] = { "anything" };
	struct state_rules r;
	char err[128];

	(void)state;
	assert_int_equal(state_rules_parse(text, strlen(text), &r, err, sizeof(err)), 0);
	assert_int_equal(r.count, 3);
	assert_string_equal(r.rules[0].pattern, "*Sleeper.nap");
	assert_int_equal(state_rules_classify(&r, nap, 1), STATE_IDLE);
	assert_int_equal(state_rules_classify(&r, other, 1), STATE_BLOCKED);
	state_rules_free(&r);
}

static void test_malformed_rules_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "idle *a\nsleeping *b\n", "line 2: unknown state 'sleeping'" },
		{ "idle\n", "line 1: 'idle' has no frame pattern" },
		{ "# c\n\ncpu *x\n", "line 3: unknown state 'cpu'" },
		{ "", "no rules" },
		{ "# only comments\n", "no rules" },
		{ "idle *a\x01b\n", "line 1: control character" },
	};
	struct state_rules r;
	char err[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(state_rules_parse(cases[i].text, strlen(cases[i].text), &r, err,
						   sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, cases[i].msg));
	}
	/* A NUL byte inside the text is a control character, not the end. */
	assert_int_equal(state_rules_parse("idle *a\0b\n", 10, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1"));
}

static void test_load_file(void **state)
{
	char *dir = test_mkdtemp(), path[512], err[512];
	struct state_rules r;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/my.rules", dir);
	assert_int_equal(state_rules_load(path, &r, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	f = fopen(path, "w");
	fputs("idle *x\nbogus *y\n", f);
	fclose(f);
	assert_int_equal(state_rules_load(path, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, path));
	f = fopen(path, "w");
	fputs("backpressured *Pool.get\n", f);
	fclose(f);
	assert_int_equal(state_rules_load(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.count, 1);
	state_rules_free(&r);
	test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_classify_flink_waits),
		cmocka_unit_test(test_custom_rules_first_match_wins),
		cmocka_unit_test(test_malformed_rules_name_the_line),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
