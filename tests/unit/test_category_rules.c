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

#include "agent/core/category_rules.h"
#include "support.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define K(n) { n, "[kernel]", CFRAME_KERNEL }
#define J(n) { n, "[anon]", CFRAME_JIT }
#define I(n) { n, "[anon]", CFRAME_INLINED }
#define S(n) { n, "[anon]", CFRAME_STUB }
#define NAT(n, m) { n, m, CFRAME_NATIVE }

/* The bottom of every task thread's stack in Flink (root side, listed
 * leaf first as the classifier reads it). */
#define TASK_ROOT                                                                              \
	J("org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop"),  \
	J("org.apache.flink.streaming.runtime.tasks.StreamTask.invoke"),                       \
	J("org.apache.flink.runtime.taskmanager.Task.doRun"),                                  \
	J("org.apache.flink.runtime.taskmanager.Task.run"), J("java.lang.Thread.run"),        \
	NAT("thread_native_entry", "libjvm.so"), NAT("start_thread", "libc.so.6")

static struct category_rules defaults;

static int setup(void **state)
{
	(void)state;
	return category_rules_default(&defaults);
}

static int teardown(void **state)
{
	(void)state;
	category_rules_free(&defaults);
	return 0;
}

static enum category cpu(const struct category_frame *f, size_t n)
{
	return category_classify_cpu(&defaults, THREAD_TASK, f, n);
}

static void test_kryo_under_user_map_is_serialization(void **state)
{
	const struct category_frame st[] = {
		NAT("__memmove_avx_unaligned_erms", "libc.so.6"),
		S("StubRoutines::jlong_disjoint_arraycopy"),
		I("com.esotericsoftware.kryo.io.Output.writeString"),
		J("com.esotericsoftware.kryo.serializers.FieldSerializer.write"),
		J("com.esotericsoftware.kryo.Kryo.writeObject"),
		J("org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer.serialize"),
		J("com.example.jobs.Enricher.map"),
		J("org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		TASK_ROOT,
	};
	/* The same copy, but from the user function itself: user. */
	const struct category_frame user[] = {
		NAT("__memmove_avx_unaligned_erms", "libc.so.6"),
		J("java.util.Arrays.copyOf"),
		J("com.example.jobs.Enricher.map"),
		J("org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		TASK_ROOT,
	};
	const struct category_frame avro[] = {
		J("org.apache.avro.io.BinaryEncoder.writeString"),
		J("org.apache.avro.generic.GenericDatumWriter.write"),
		J("org.apache.flink.formats.avro.AvroSerializer.serialize"),
		J("org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit"),
		TASK_ROOT,
	};
	const struct category_frame pojo[] = {
		J("org.apache.flink.core.memory.DataOutputSerializer.writeLong"),
		J("org.apache.flink.api.common.typeutils.base.LongSerializer.serialize"),
		J("org.apache.flink.api.java.typeutils.runtime.PojoSerializer.serialize"),
		TASK_ROOT,
	};

	(void)state;
	assert_int_equal(cpu(st, N(st)), CATEGORY_SERIALIZATION);
	assert_int_equal(cpu(user, N(user)), CATEGORY_USER);
	assert_int_equal(cpu(avro, N(avro)), CATEGORY_SERIALIZATION);
	assert_int_equal(cpu(pojo, N(pojo)), CATEGORY_SERIALIZATION);
}

static void test_rocksdb_native_frames_are_state(void **state)
{
	const struct category_frame st[] = {
		NAT("rocksdb::BlockIter::SeekImpl", "librocksdbjni-linux64.so"),
		NAT("rocksdb::DBImpl::GetImpl", "librocksdbjni-linux64.so"),
		NAT("rocksdb::DBImpl::Get", "librocksdbjni-linux64.so"),
		NAT("Java_org_rocksdb_RocksDB_get__J_3BII", "librocksdbjni-linux64.so"),
		J("org.rocksdb.RocksDB.get"),
		J("org.apache.flink.contrib.streaming.state.RocksDBValueState.value"),
		J("com.example.jobs.Counter.map"),
		TASK_ROOT,
	};
	/* A frame without a name in the library: the module alone says state. */
	const struct category_frame unnamed[] = {
		NAT("[unknown]", "librocksdbjni-linux64.so"),
		J("com.example.jobs.Counter.map"),
		TASK_ROOT,
	};
	/* The kernel reading an SST file for RocksDB takes its caller's category. */
	const struct category_frame pread[] = {
		K("copy_page_to_iter"), K("filemap_read"), K("ext4_file_read_iter"),
		K("vfs_read"), K("__x64_sys_pread64"), K("do_syscall_64"),
		K("entry_SYSCALL_64_after_hwframe"),
		NAT("__pread64", "libc.so.6"),
		NAT("rocksdb::RandomAccessFileReader::Read", "librocksdbjni-linux64.so"),
		J("org.rocksdb.RocksDB.get"),
		TASK_ROOT,
	};

	(void)state;
	assert_int_equal(cpu(st, N(st)), CATEGORY_STATE);
	assert_int_equal(cpu(unnamed, N(unnamed)), CATEGORY_STATE);
	assert_int_equal(cpu(pread, N(pread)), CATEGORY_STATE);
}

static void test_socket_syscalls_are_network(void **state)
{
	const struct category_frame st[] = {
		K("copy_user_enhanced_fast_string"), K("skb_copy_to_page_nocache"),
		K("tcp_sendmsg_locked"), K("tcp_sendmsg"), K("sock_sendmsg"), K("__sys_sendto"),
		K("__x64_sys_sendto"), K("do_syscall_64"), K("entry_SYSCALL_64_after_hwframe"),
		NAT("__send", "libc.so.6"),
		J("sun.nio.ch.SocketDispatcher.write0"),
		J("sun.nio.ch.SocketChannelImpl.write"),
		J("org.apache.flink.shaded.netty4.io.netty.channel.socket.nio.NioSocketChannel.doWrite"),
		J("org.apache.flink.shaded.netty4.io.netty.channel.nio.NioEventLoop.run"),
		J("java.lang.Thread.run"),
	};
	/* A socket call from user code: the kernel rule decides, not the caller. */
	const struct category_frame from_user[] = {
		K("tcp_sendmsg"), K("sock_sendmsg"), K("__sys_sendto"), K("do_syscall_64"),
		NAT("__send", "libc.so.6"),
		J("sun.nio.ch.SocketDispatcher.write0"),
		J("com.example.jobs.HttpEnricher.map"),
		TASK_ROOT,
	};
	/* A page fault in user code: kernel frames take the caller's category. */
	const struct category_frame fault[] = {
		K("clear_page_erms"), K("handle_mm_fault"), K("exc_page_fault"),
		K("asm_exc_page_fault"),
		J("com.example.jobs.Enricher.map"),
		TASK_ROOT,
	};
	const struct category_frame buffers[] = {
		J("org.apache.flink.shaded.netty4.io.netty.buffer.AbstractByteBuf.writeBytes"),
		J("org.apache.flink.runtime.io.network.buffer.NetworkBuffer.writeBytes"),
		TASK_ROOT,
	};

	(void)state;
	assert_int_equal(category_classify_cpu(&defaults, THREAD_NETTY, st, N(st)),
			 CATEGORY_NETWORK);
	assert_int_equal(cpu(from_user, N(from_user)), CATEGORY_NETWORK);
	assert_int_equal(cpu(fault, N(fault)), CATEGORY_USER);
	assert_int_equal(cpu(buffers, N(buffers)), CATEGORY_NETWORK);
}

static void test_user_framework_checkpoint(void **state)
{
	const struct category_frame user[] = {
		J("java.util.HashMap.putVal"), I("java.util.HashMap.put"),
		J("com.example.jobs.SessionCounter.map"),
		J("org.apache.flink.streaming.api.operators.StreamMap.processElement"),
		TASK_ROOT,
	};
	const struct category_frame scala_user[] = {
		J("scala.collection.immutable.List.map"),
		J("com.acme.pipeline.Enrich$.apply"),
		TASK_ROOT,
	};
	const struct category_frame framework[] = {
		J("org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.tryTake"),
		J("java.util.ArrayDeque.pollFirst"),
		TASK_ROOT,
	};
	const struct category_frame native_only[] = {
		NAT("SafepointSynchronize::block", "libjvm.so"),
		NAT("JavaThread::check_safepoint_and_suspend_for_native_trans", "libjvm.so"),
	};
	const struct category_frame ckpt[] = {
		J("java.util.ArrayList.add"),
		J("org.apache.flink.streaming.api.operators.AbstractStreamOperator.snapshotState"),
		J("org.apache.flink.streaming.runtime.tasks.SubtaskCheckpointCoordinatorImpl.checkpointState"),
		TASK_ROOT,
	};
	const struct category_frame heap[] = {
		J("org.apache.flink.runtime.state.heap.CopyOnWriteStateMap.get"),
		J("org.apache.flink.runtime.state.heap.HeapValueState.value"),
		J("com.example.jobs.SessionCounter.map"),
		TASK_ROOT,
	};

	(void)state;
	assert_int_equal(cpu(user, N(user)), CATEGORY_USER);
	assert_int_equal(cpu(scala_user, N(scala_user)), CATEGORY_USER);
	assert_int_equal(cpu(framework, N(framework)), CATEGORY_FRAMEWORK);
	assert_int_equal(cpu(native_only, N(native_only)), CATEGORY_FRAMEWORK);
	assert_int_equal(cpu(NULL, 0), CATEGORY_FRAMEWORK);
	assert_int_equal(cpu(ckpt, N(ckpt)), CATEGORY_CHECKPOINT);
	assert_int_equal(cpu(heap, N(heap)), CATEGORY_STATE);
}

static void test_gc_and_jit(void **state)
{
	const struct category_frame gc_thread[] = {
		NAT("G1ParScanThreadState::trim_queue", "libjvm.so"),
		NAT("WorkerThread::run", "libjvm.so"),
		NAT("Thread::call_run", "libjvm.so"),
		NAT("start_thread", "libc.so.6"),
	};
	/* Even a GC thread's kernel time is gc. */
	const struct category_frame gc_kernel[] = { K("futex_wake"), NAT("start_thread", "libc.so.6") };
	const struct category_frame gc_in_task[] = {
		NAT("G1CollectedHeap::do_collection_pause_at_safepoint", "libjvm.so"),
		NAT("VM_G1CollectForAllocation::doit", "libjvm.so"),
		NAT("MemAllocator::allocate", "libjvm.so"),
		J("com.example.jobs.Enricher.map"),
		TASK_ROOT,
	};
	/* "G1" in a Java name is not HotSpot's GC: the rule wants libjvm.so. */
	const struct category_frame g1_java[] = {
		{ "G1Helper.run", "[anon]", CFRAME_JIT },
		TASK_ROOT,
	};
	const struct category_frame compiler[] = {
		NAT("PhaseIdealLoop::build_loop_late", "libjvm.so"),
		NAT("Compile::Optimize", "libjvm.so"),
		NAT("C2Compiler::compile_method", "libjvm.so"),
		NAT("CompileBroker::invoke_compiler_on_method", "libjvm.so"),
	};

	(void)state;
	assert_int_equal(category_classify_cpu(&defaults, THREAD_GC, gc_thread, N(gc_thread)),
			 CATEGORY_GC);
	assert_int_equal(category_classify_cpu(&defaults, THREAD_GC, gc_kernel, N(gc_kernel)),
			 CATEGORY_GC);
	assert_int_equal(cpu(gc_in_task, N(gc_in_task)), CATEGORY_GC);
	assert_int_equal(cpu(g1_java, N(g1_java)), CATEGORY_USER);
	assert_int_equal(category_classify_cpu(&defaults, THREAD_JIT, compiler, N(compiler)),
			 CATEGORY_JIT);
	/* The same frames, thread kind unknown: the libjvm.so rules decide. */
	assert_int_equal(category_classify_cpu(&defaults, THREAD_OTHER, compiler, N(compiler)),
			 CATEGORY_JIT);
}

static void test_blocked_reasons(void **state)
{
	const struct category_frame monitor[] = {
		K("futex_wait"), K("do_futex"), NAT("__futex_abstimed_wait_common", "libc.so.6"),
		NAT("PlatformEvent::park", "libjvm.so"),
		NAT("ObjectMonitor::EnterI", "libjvm.so"),
		NAT("ObjectMonitor::enter", "libjvm.so"),
		NAT("ObjectSynchronizer::enter", "libjvm.so"),
		J("com.example.jobs.Cache.get"),
		TASK_ROOT,
	};
	const struct category_frame reentrant[] = {
		K("futex_wait"), NAT("Unsafe_Park", "libjvm.so"),
		J("jdk.internal.misc.Unsafe.park"),
		J("java.util.concurrent.locks.LockSupport.park"),
		J("java.util.concurrent.locks.AbstractQueuedSynchronizer.acquire"),
		J("java.util.concurrent.locks.ReentrantLock.lock"),
		J("com.example.jobs.Cache.get"),
		TASK_ROOT,
	};
	/* parkNanos outside java.util.concurrent.locks: a timed wait, sleep. */
	const struct category_frame timed_park[] = {
		K("futex_wait"), NAT("Unsafe_Park", "libjvm.so"),
		J("jdk.internal.misc.Unsafe.park"),
		J("java.util.concurrent.locks.LockSupport.parkNanos"),
		J("com.example.jobs.Throttle.pause"),
		TASK_ROOT,
	};
	const struct category_frame sleep[] = {
		K("do_nanosleep"), K("hrtimer_nanosleep"), NAT("JVM_Sleep", "libjvm.so"),
		J("java.lang.Thread.sleep"), J("com.example.jobs.Throttle.pause"), TASK_ROOT,
	};
	const struct category_frame file[] = {
		K("io_schedule"), K("folio_wait_bit_common"), K("filemap_read"),
		K("ext4_file_read_iter"), K("vfs_read"),
		NAT("__read", "libc.so.6"),
		J("java.io.FileInputStream.readBytes"), J("com.example.jobs.Lookup.load"), TASK_ROOT,
	};
	const struct category_frame sock[] = {
		K("schedule"), K("schedule_timeout"), K("sk_wait_data"), K("tcp_recvmsg_locked"),
		K("tcp_recvmsg"), K("inet_recvmsg"), K("sock_recvmsg"), K("__sys_recvfrom"),
		NAT("recv", "libc.so.6"),
		J("sun.nio.ch.SocketDispatcher.read0"), J("com.example.jobs.HttpEnricher.map"),
		TASK_ROOT,
	};

	(void)state;
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, monitor, N(monitor)),
			 CATEGORY_LOCK);
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, reentrant, N(reentrant)),
			 CATEGORY_LOCK);
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, timed_park,
						   N(timed_park)),
			 CATEGORY_SLEEP);
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, sleep, N(sleep)),
			 CATEGORY_SLEEP);
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, file, N(file)),
			 CATEGORY_IO);
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, sock, N(sock)),
			 CATEGORY_IO);
	assert_int_equal(category_classify_blocked(&defaults, THREAD_TASK, NULL, 0), CATEGORY_SLEEP);
	/* CPU rules do not decide blocked time, nor blocked rules CPU time. */
	assert_int_equal(cpu(file, N(file)), CATEGORY_USER);
}

static void test_custom_rules_and_syntax(void **state)
{
	const char text[] = "# mine\n\n"
			    "  state   substr  KVStore.  \n"
			    "serialization prefix (anonymous namespace)::encode in libcodec*.so\n"
			    "network\tmodule libnet*.so\r\n"
			    "framework prefix com.acme.platform.\n"
			    "platform prefix com.acme.\n"
			    "io kernel nfs_*\n";
	const struct category_frame kv[] = { J("com.acme.store.KVStore.get"), J("com.foo.Job.run") };
	const struct category_frame codec[] = {
		NAT("(anonymous namespace)::encode_block", "libcodec-2.so"),
		J("com.foo.Job.run"),
	};
	const struct category_frame codec_other[] = {
		NAT("(anonymous namespace)::encode_block", "libother.so"),
		J("com.foo.Job.run"),
	};
	const struct category_frame net[] = { NAT("send_all", "libnet3.so"), J("com.foo.Job.run") };
	const struct category_frame acme[] = { J("com.acme.util.Strings.join") };
	const struct category_frame nfs[] = { K("nfs_file_read") };
	struct category_rules r;
	char err[256];

	(void)state;
	assert_int_equal(category_rules_parse(text, strlen(text), &r, err, sizeof(err)), 0);
	assert_int_equal(r.count, 6);
	assert_string_equal(r.rules[0].pattern, "KVStore.");
	assert_int_equal(r.rules[1].match, CMATCH_PREFIX);
	assert_string_equal(r.rules[1].pattern, "(anonymous namespace)::encode");
	assert_string_equal(r.rules[1].module, "libcodec*.so");
	assert_string_equal(r.rules[2].pattern, "libnet*.so");
	assert_null(r.rules[2].module);
	assert_int_equal(category_classify_cpu(&r, THREAD_TASK, kv, N(kv)), CATEGORY_STATE);
	assert_int_equal(category_classify_cpu(&r, THREAD_TASK, codec, N(codec)),
			 CATEGORY_SERIALIZATION);
	assert_int_equal(category_classify_cpu(&r, THREAD_TASK, codec_other, N(codec_other)),
			 CATEGORY_USER);
	assert_int_equal(category_classify_cpu(&r, THREAD_TASK, net, N(net)), CATEGORY_NETWORK);
	/* com.acme. is platform here: no user frame, framework. */
	assert_int_equal(category_classify_cpu(&r, THREAD_TASK, acme, N(acme)), CATEGORY_FRAMEWORK);
	assert_int_equal(category_classify_blocked(&r, THREAD_TASK, nfs, N(nfs)), CATEGORY_IO);
	/* Without platform rules every Java frame is user code. */
	category_rules_free(&r);
	assert_int_equal(category_rules_parse("state prefix x.\n", 16, &r, err, sizeof(err)), 0);
	assert_int_equal(category_classify_cpu(&r, THREAD_TASK, acme, N(acme)), CATEGORY_USER);
	category_rules_free(&r);
	for (int c = 0; c < CATEGORY__MAX; c++)
		assert_string_not_equal(category_name((enum category)c), "?");
	assert_string_equal(category_name(CATEGORY__MAX), "?");
	assert_string_equal(category_name(CATEGORY_SERIALIZATION), "serialization");
}

static void test_bad_lines_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "state prefix a.\nstorage prefix b.\n", "line 2: unknown category 'storage'; use " },
		{ "# c\n\nstate\n", "line 3: 'state' has no match; write CATEGORY MATCH PATTERN" },
		{ "state glob *x\n", "line 1: unknown match 'glob'; use prefix, substr" },
		{ "state prefix   \n", "line 1: 'state prefix' has no pattern" },
		{ "state module lib*.so in libjvm.so\n", "line 1: 'in MODULE' qualifies only" },
		{ "platform kernel tcp_*\n", "line 1: platform names Java frames" },
		{ "", "no rules" },
		{ "# only comments\n   \n", "no rules" },
		{ "state prefix a\x01" "b\n", "line 1: control character" },
	};
	struct category_rules r;
	char err[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(category_rules_parse(cases[i].text, strlen(cases[i].text), &r, err,
						      sizeof(err)),
				 -EINVAL);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].msg);
		assert_null(r.rules);
	}
	assert_int_equal(category_rules_parse("state prefix a\0b\n", 16, &r, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 1"));
}

static void test_load_file(void **state)
{
	char *dir = test_mkdtemp(), path[512], err[512];
	struct category_rules r;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/my.categories", dir);
	assert_int_equal(category_rules_load(path, &r, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("state prefix org.rocksdb.\nstate prfix x\n", f);
	fclose(f);
	assert_int_equal(category_rules_load(path, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ": line 2: unknown match 'prfix'"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("state prefix org.rocksdb.\n", f);
	fclose(f);
	assert_int_equal(category_rules_load(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.count, 1);
	category_rules_free(&r);
	test_rm_rf(dir);
	free(dir);
}

/* Classified once per distinct stack: the cache's own counters say how
 * often the rules ran; answers stay right across a reset. */
static void test_cache_classifies_each_stack_once(void **state)
{
	const struct category_frame kryo[] = {
		J("com.esotericsoftware.kryo.Kryo.writeObject"), J("com.example.jobs.A.map"), TASK_ROOT,
	};
	const struct category_frame user[] = { J("com.example.jobs.A.map"), TASK_ROOT };
	struct category_cache *c;
	struct category_cache_stats st;

	(void)state;
	assert_int_equal(category_cache_new(0, &c), -EINVAL);
	assert_int_equal(category_cache_new(4, &c), 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(category_cache_cpu(c, &defaults, 1, THREAD_TASK, kryo, N(kryo)),
				 CATEGORY_SERIALIZATION);
		assert_int_equal(category_cache_cpu(c, &defaults, 2, THREAD_TASK, user, N(user)),
				 CATEGORY_USER);
	}
	category_cache_stats(c, &st);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.hits, 1998);
	assert_int_equal(st.entries, 2);
	/* The same stack hash in another thread kind or off-CPU is its own entry. */
	assert_int_equal(category_cache_cpu(c, &defaults, 2, THREAD_GC, user, N(user)), CATEGORY_GC);
	assert_int_equal(category_cache_blocked(c, &defaults, 2, THREAD_TASK, user, N(user)),
			 CATEGORY_SLEEP);
	category_cache_stats(c, &st);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.entries, 4);
	/* Bounded: a fifth stack starts the cache over, answers stay right. */
	assert_int_equal(category_cache_cpu(c, &defaults, 3, THREAD_TASK, kryo, N(kryo)),
			 CATEGORY_SERIALIZATION);
	category_cache_stats(c, &st);
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.entries, 1);
	for (uint64_t h = 100; h < 10100; h++)
		category_cache_cpu(c, &defaults, h, THREAD_TASK, (h & 1) ? kryo : user, N(user));
	category_cache_stats(c, &st);
	assert_true(st.entries <= 4);
	assert_int_equal(category_cache_cpu(c, &defaults, 10099, THREAD_TASK, kryo, N(kryo)),
			 CATEGORY_SERIALIZATION);
	assert_int_equal(category_cache_cpu(c, &defaults, 10098, THREAD_TASK, user, N(user)),
			 CATEGORY_USER);
	category_cache_clear(c);
	category_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	category_cache_free(c);
	category_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kryo_under_user_map_is_serialization),
		cmocka_unit_test(test_rocksdb_native_frames_are_state),
		cmocka_unit_test(test_socket_syscalls_are_network),
		cmocka_unit_test(test_user_framework_checkpoint),
		cmocka_unit_test(test_gc_and_jit),
		cmocka_unit_test(test_blocked_reasons),
		cmocka_unit_test(test_custom_rules_and_syntax),
		cmocka_unit_test(test_bad_lines_name_the_line),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_cache_classifies_each_stack_once),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
