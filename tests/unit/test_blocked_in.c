// SPDX-License-Identifier: GPL-2.0
/* The frame a thread waits in: which frame of an off-CPU stack is chosen
 * (user code first, then Flink's own wait, then a library; never the
 * kernel, stubs, the JVM or the JDK's park, wait and socket plumbing), the
 * wait of each state, and per thread the frame with the most time (one
 * method under several frame kinds adds up; ties by name; no off-CPU data:
 * nothing). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/blocked_in.h"
#include "agent/core/profile_builder.h"
#include "flamegraph/profile.h"
#include "flamegraph/report_blocked_in.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct category_rules rules;

static int setup(void **state)
{
	(void)state;
	return category_rules_default(&rules);
}

static int teardown(void **state)
{
	(void)state;
	category_rules_free(&rules);
	return 0;
}

#define KERNEL(n) { n, NULL, CFRAME_KERNEL }
#define JIT(n) { n, NULL, CFRAME_JIT }
#define INLINED(n) { n, NULL, CFRAME_INLINED }
#define NATIVE(n, m) { n, m, CFRAME_NATIVE }

/* A client waiting for a socket reply (leaf first): the user method, not
 * the kernel, libc, the JVM's park or the JDK's socket classes. */
static void test_user_frame_over_plumbing(void **state)
{
	const struct category_frame io[] = {
		KERNEL("futex_wait"),
		KERNEL("do_syscall_64"),
		NATIVE("__futex_abstimed_wait_common", "libc.so.6"),
		NATIVE("Unsafe_Park", "libjvm.so"),
		{ "StubRoutines::call_stub", NULL, CFRAME_STUB },
		JIT("jdk.internal.misc.Unsafe.park"),
		INLINED("java.util.concurrent.locks.LockSupport.park"),
		JIT("sun.nio.ch.NioSocketImpl.read"),
		INLINED("java.net.SocketInputStream.read"),
		INLINED("com.acme.PaymentClient.awaitAck"),
		JIT("com.acme.PaymentSink.invoke"),
		JIT("org.apache.flink.streaming.api.operators.StreamSink.processElement"),
	};

	(void)state;
	assert_int_equal(blocked_in_choose(&rules, io, N(io)), 9);
}

/* No user code on the stack: Flink's own wait (the JDK's frames leafward
 * of it skipped); then a library's native frame; then nothing. */
static void test_fallbacks(void **state)
{
	const struct category_frame bp[] = {
		KERNEL("futex_wait"),
		JIT("jdk.internal.misc.Unsafe.park"),
		JIT("java.util.concurrent.CompletableFuture.get"),
		JIT("org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegmentBlocking"),
		JIT("org.apache.flink.streaming.runtime.tasks.StreamTask.invoke"),
	};
	const struct category_frame native[] = {
		KERNEL("futex_wait"),
		NATIVE("pthread_cond_wait", "libc.so.6"),
		NATIVE("rocksdb::port::CondVar::Wait", "librocksdbjni-linux64.so"),
		NATIVE("Java_org_rocksdb_RocksDB_get", "librocksdbjni-linux64.so"),
		JIT("java.lang.Thread.run"),
	};
	const struct category_frame plumbing[] = {
		KERNEL("futex_wait"),
		NATIVE("pthread_cond_wait", "libc.so.6"),
		NATIVE("Monitor::wait", "libjvm.so"),
		{ "[unknown]", "[anon]", CFRAME_UNKNOWN },
		NATIVE("[unknown]", NULL),
		JIT("java.lang.Object.wait"),
		JIT("java.lang.Thread.run"),
	};

	(void)state;
	assert_int_equal(blocked_in_choose(&rules, bp, N(bp)), 3);
	assert_int_equal(blocked_in_choose(&rules, native, N(native)), 2);
	assert_int_equal(blocked_in_choose(&rules, plumbing, N(plumbing)), -1);
	assert_int_equal(blocked_in_choose(&rules, plumbing, 0), -1);
	/* Without rules every Java frame outside the JDK is a candidate. */
	assert_int_equal(blocked_in_choose(NULL, bp, N(bp)), 3);
}

/* What is user code follows the rules: a platform rule for the user's own
 * client library makes its caller the answer. */
static void test_platform_rules_decide(void **state)
{
	static const char text[] = "platform prefix java.\nplatform prefix com.acme.client.\n";
	const struct category_frame io[] = {
		JIT("java.net.SocketInputStream.read"),
		JIT("com.acme.client.Http.send"),
		JIT("com.acme.jobs.Enricher.lookup"),
	};
	struct category_rules own;
	char err[128];

	(void)state;
	assert_int_equal(category_rules_parse(text, strlen(text), &own, err, sizeof(err)), 0);
	assert_int_equal(blocked_in_choose(&own, io, N(io)), 2);
	assert_int_equal(blocked_in_choose(&rules, io, N(io)), 1);
	category_rules_free(&own);
}

static void test_wait_of_state(void **state)
{
	(void)state;
	assert_int_equal(blocked_in_wait_of(STATE_BLOCKED, CATEGORY_IO), REPORT_WAIT_IO);
	assert_int_equal(blocked_in_wait_of(STATE_BLOCKED, CATEGORY_LOCK), REPORT_WAIT_LOCK);
	assert_int_equal(blocked_in_wait_of(STATE_BLOCKED, CATEGORY_SLEEP), REPORT_WAIT_SLEEP);
	assert_int_equal(blocked_in_wait_of(STATE_BACKPRESSURED, CATEGORY_SLEEP),
			 REPORT_WAIT_BACKPRESSURED);
	assert_int_equal(blocked_in_wait_of(STATE_IDLE, CATEGORY_SLEEP), REPORT_WAIT_IDLE);
	assert_int_equal(blocked_in_wait_of(STATE_CPU, CATEGORY_SLEEP), -1);
	assert_int_equal(blocked_in_wait_of(STATE_RUNQUEUE, CATEGORY_IO), -1);
}

static uint32_t frame(struct profile *p, const char *name, enum profile_frame_kind kind)
{
	uint32_t id;

	assert_int_equal(profile_frame_intern(p, name, kind == PROFILE_FRAME_NATIVE ?
							       "libc.so.6" : "[java]", kind, &id),
			 0);
	return id;
}

/* Per thread and wait: the frame with the most time, one method's JIT and
 * inlined frames together; equal times: the name first in byte order;
 * stacks that name no frame count nowhere; other waits stay NULL. */
static void test_thread_totals(void **state)
{
	struct profile *p = profile_new();
	struct thread_total tt = { .pid = 1, .tid = 2 };
	struct report_thread rt = { 0 };
	uint32_t root, jit_ack, inl_ack, flush, zeta, alpha, park;

	(void)state;
	assert_non_null(p);
	root = frame(p, "start_thread", PROFILE_FRAME_NATIVE);
	jit_ack = frame(p, "com.acme.PaymentClient.awaitAck", PROFILE_FRAME_JIT);
	inl_ack = frame(p, "com.acme.PaymentClient.awaitAck", PROFILE_FRAME_INLINED);
	flush = frame(p, "com.acme.Store.flush", PROFILE_FRAME_JIT);
	zeta = frame(p, "com.acme.Zeta.hold", PROFILE_FRAME_JIT);
	alpha = frame(p, "com.acme.Alpha.hold", PROFILE_FRAME_JIT);
	park = frame(p, "jdk.internal.misc.Unsafe.park", PROFILE_FRAME_JIT);
	{
		const uint32_t a1[] = { root, jit_ack, park }, a2[] = { root, inl_ack, park };
		const uint32_t fl[] = { root, flush, park }, z[] = { root, zeta, park };
		const uint32_t al[] = { root, alpha, park }, none[] = { root, park };

		/* io: awaitAck 3 + 2 ms (two frame kinds) beats flush 4 ms. */
		assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_IO, a1, 3, 3000000), 0);
		assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_IO, fl, 3, 4000000), 0);
		assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_IO, a2, 3, 2000000), 0);
		/* lock: a tie, whatever the order they came in. */
		assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_LOCK, z, 3, 1000000), 0);
		assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_LOCK, al, 3, 1000000), 0);
		/* sleep: only plumbing, so no frame. */
		assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_SLEEP, none, 2, 9000000),
				 0);
	}
	assert_int_equal(blocked_in_report_fill(&tt, p, 0.5, &rt), 0);
	assert_string_equal(rt.blocked_in[REPORT_WAIT_IO].frame, "com.acme.PaymentClient.awaitAck");
	assert_string_equal(rt.blocked_in[REPORT_WAIT_IO].kind, "jit");
	assert_string_equal(rt.blocked_in[REPORT_WAIT_IO].module, "[java]");
	assert_float_equal(rt.blocked_in[REPORT_WAIT_IO].ms_per_s, 10.0, 1e-9);
	assert_string_equal(rt.blocked_in[REPORT_WAIT_LOCK].frame, "com.acme.Alpha.hold");
	assert_float_equal(rt.blocked_in[REPORT_WAIT_LOCK].ms_per_s, 2.0, 1e-9);
	assert_null(rt.blocked_in[REPORT_WAIT_SLEEP].frame);
	assert_null(rt.blocked_in[REPORT_WAIT_BACKPRESSURED].frame);
	assert_null(rt.blocked_in[REPORT_WAIT_IDLE].frame);
	report_blocked_in_free(&rt);
	blocked_in_free(tt.blocked_in);
	profile_free(p);
}

/* A thread without off-CPU spans (or only unnamed ones) has no totals and
 * gets no frame; the empty stack is no crash. */
static void test_no_offcpu_data(void **state)
{
	struct profile *p = profile_new();
	struct thread_total tt = { .pid = 1, .tid = 2 };
	struct report_thread rt = { 0 };
	uint32_t k;

	(void)state;
	assert_non_null(p);
	assert_int_equal(blocked_in_report_fill(&tt, p, 1.0, &rt), 0);
	for (int w = 0; w < REPORT_WAIT__MAX; w++)
		assert_null(rt.blocked_in[w].frame);
	assert_int_equal(profile_frame_intern(p, "futex_wait", "[kernel]", PROFILE_FRAME_KERNEL, &k),
			 0);
	assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_IO, &k, 1, 5), 0);
	assert_int_equal(blocked_in_add(&tt, &rules, p, REPORT_WAIT_IO, &k, 0, 5), 0);
	assert_null(tt.blocked_in);
	blocked_in_free(NULL);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_frame_over_plumbing),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_platform_rules_decide),
		cmocka_unit_test(test_wait_of_state),
		cmocka_unit_test(test_thread_totals),
		cmocka_unit_test(test_no_offcpu_data),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
