// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/operator_place.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define J(n) { n, true }
#define NAT(n) { n, false }
#define T "org.apache.flink.streaming.runtime.tasks."

/* Root side of every task thread's stack, root first. */
#define TASK_ROOT                                                                        \
	NAT("start_thread"), NAT("thread_native_entry"), J("java.lang.Thread.run"),       \
	J("org.apache.flink.runtime.taskmanager.Task.run"),                               \
	J("org.apache.flink.runtime.taskmanager.Task.doRun"), J(T "StreamTask.invoke"),   \
	J(T "mailbox.MailboxProcessor.runMailboxLoop"), J(T "StreamTask.processInput"),   \
	J("org.apache.flink.streaming.runtime.io.StreamOneInputProcessor.processInput")

#define HOP(cls, next) J(T cls ".collect"), J(T cls ".pushToOperator"), J(next)

static int hops(const struct operator_frame *f, size_t n)
{
	return operator_hops(f, n);
}

static void test_linear_chain_counts_hops(void **state)
{
	const struct operator_frame head[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		J("com.example.Gen.next"),
	};
	const struct operator_frame second[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		HOP("ChainingOutput", "org.apache.flink.streaming.api.operators.StreamFilter.processElement"),
		J("com.example.MyFilter.filter"),
	};
	const struct operator_frame third[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		HOP("ChainingOutput", "org.apache.flink.streaming.api.operators.StreamFilter.processElement"),
		HOP("CopyingChainingOutput", "org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		J("com.example.MyMap.map"), NAT("SharedRuntime::dsin"),
	};

	(void)state;
	assert_int_equal(hops(head, N(head)), 0);
	assert_int_equal(hops(second, N(second)), 1);
	/* A native leaf called from the third operator stays there. */
	assert_int_equal(hops(third, N(third)), 2);
}

/* The copy of CopyingChainingOutput runs before the next operator is
 * entered: the upstream operator's cost. */
static void test_leaf_inside_chaining_output_is_upstream(void **state)
{
	const struct operator_frame copy[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		J(T "CopyingChainingOutput.collect"), J(T "CopyingChainingOutput.pushToOperator"),
		J("org.apache.flink.api.common.typeutils.base.LongSerializer.copy"),
	};
	const struct operator_frame in_push[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		J(T "ChainingOutput.collect"), J(T "ChainingOutput.pushToOperator"),
		NAT("OptoRuntime::new_instance_C"),
	};

	(void)state;
	/* LongSerializer.copy is called by pushToOperator before the next
	 * operator's processElement: not an operator input method. */
	assert_int_equal(hops(copy, N(copy)), 0);
	assert_int_equal(hops(in_push, N(in_push)), 0);
}

/* Broadcasting to a chained operator and to the network: the chained one
 * is a hop, the network output (RecordWriterOutput) is not. */
static void test_broadcasting_outputs(void **state)
{
	const struct operator_frame chained[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		J(T "BroadcastingOutputCollector.collect"),
		HOP("ChainingOutput", "org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		J("com.example.Parse.map"),
	};
	const struct operator_frame network[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		J(T "BroadcastingOutputCollector.collect"),
		J("org.apache.flink.streaming.runtime.io.RecordWriterOutput.collect"),
		J("org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit"),
	};
	const struct operator_frame loop[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		J(T "OperatorChain$CopyingBroadcastingOutputCollector.collect"),
	};
	const struct operator_frame old_names[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		HOP("OperatorChain$CopyingChainingOutput", "org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		HOP("OperatorChain$ChainingOutput", "org.apache.flink.streaming.api.operators.StreamSink.processElement"),
	};

	(void)state;
	assert_int_equal(hops(chained, N(chained)), 1);
	assert_int_equal(hops(network, N(network)), 0);
	assert_int_equal(hops(loop, N(loop)), 0);
	assert_int_equal(hops(old_names, N(old_names)), 2);
}

/* A mailbox loop nested inside an operator (yield) does not restart the
 * count; frames above the task loop do not count. */
static void test_nested_loop_and_frames_above(void **state)
{
	const struct operator_frame nested[] = {
		TASK_ROOT,
		J("org.apache.flink.streaming.api.operators.StreamSource.processElement"),
		HOP("ChainingOutput", "org.apache.flink.streaming.api.operators.AsyncWaitOperator.processElement"),
		J(T "mailbox.MailboxProcessor.runMailboxLoop"),
		J("org.apache.flink.streaming.api.operators.AsyncWaitOperator.emit"),
	};
	/* Chaining frames above the loop (they cannot be there in Flink, but
	 * a stack is outside input). */
	const struct operator_frame above[] = {
		J(T "ChainingOutput.collect"), J("x.Y.z"), TASK_ROOT, J("x.Op.processElement"),
	};

	(void)state;
	assert_int_equal(hops(nested, N(nested)), 1);
	assert_int_equal(hops(above, N(above)), 0);
}

static void test_unplaced(void **state)
{
	/* Cut short at the root (the walk lost the task loop), native only,
	 * or empty: no placement. A loop name as a native frame is no loop. */
	const struct operator_frame cut[] = {
		J(T "ChainingOutput.pushToOperator"), J("org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		J("com.example.MyMap.map"),
	};
	const struct operator_frame native[] = {
		NAT("start_thread"), NAT(T "StreamTask.invoke"), NAT("do_syscall_64"),
	};
	const struct operator_frame nulls[] = { { NULL, true }, TASK_ROOT, { NULL, true } };

	(void)state;
	assert_int_equal(hops(cut, N(cut)), OPERATOR_UNPLACED);
	assert_int_equal(hops(native, N(native)), OPERATOR_UNPLACED);
	assert_int_equal(hops(NULL, 0), OPERATOR_UNPLACED);
	assert_int_equal(hops(nulls, N(nulls)), 0);
}

static void test_index_in_chain(void **state)
{
	(void)state;
	assert_int_equal(operator_index(0, 3, "Map"), 0);
	assert_int_equal(operator_index(2, 3, "Map"), 2);
	/* Deeper than the chain: the stack does not match the name. */
	assert_int_equal(operator_index(3, 3, "Map"), OPERATOR_UNPLACED);
	assert_int_equal(operator_index(OPERATOR_UNPLACED, 3, "Map"), OPERATOR_UNPLACED);
	assert_int_equal(operator_index(0, 0, NULL), OPERATOR_UNPLACED);
	/* "A -> (B -> D, C)" splits as ["A", "(B -> D, C)"]: depth 2 is in the group. */
	assert_int_equal(operator_index(2, 2, "(B -> D, C)"), 1);
	assert_int_equal(operator_index(1, 2, "(B -> D, C)"), 1);
}

static void test_cache_once_per_stack(void **state)
{
	const struct operator_frame two[] = {
		TASK_ROOT, J("x.Op.processElement"),
		HOP("ChainingOutput", "x.Op2.processElement"),
		HOP("ChainingOutput", "x.Op3.processElement"),
	};
	struct operator_cache *c;
	struct operator_cache_stats st;
	int h;

	(void)state;
	assert_int_equal(operator_cache_new(0, &c), -EINVAL);
	assert_int_equal(operator_cache_new(2, &c), 0);
	assert_false(operator_cache_find(c, 7, &h));
	assert_int_equal(operator_cache_hops(c, 7, two, N(two)), 2);
	/* A hit does not look at the frames. */
	assert_int_equal(operator_cache_hops(c, 7, NULL, 0), 2);
	assert_true(operator_cache_find(c, 7, &h));
	assert_int_equal(h, 2);
	assert_int_equal(operator_cache_hops(c, 8, NULL, 0), OPERATOR_UNPLACED);
	/* Full: starts over. */
	assert_int_equal(operator_cache_hops(c, 9, two, 3), OPERATOR_UNPLACED);
	operator_cache_stats(c, &st);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.resets, 1);
	assert_false(operator_cache_find(c, 7, &h));
	operator_cache_free(c);
	operator_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear_chain_counts_hops),
		cmocka_unit_test(test_leaf_inside_chaining_output_is_upstream),
		cmocka_unit_test(test_broadcasting_outputs),
		cmocka_unit_test(test_nested_loop_and_frames_above),
		cmocka_unit_test(test_unplaced),
		cmocka_unit_test(test_index_in_chain),
		cmocka_unit_test(test_cache_once_per_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
