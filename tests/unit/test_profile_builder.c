// SPDX-License-Identifier: GPL-2.0
/* The profile builder over fakes: aggregated tables and stack caches filled
 * by hand, a fake resolver (symbolize/resolver.h) naming addresses from a
 * table, and fake targets. Checks the structure the builder makes (frame
 * kinds and modules, labels, values) and the folded text a writer makes of
 * it, without a session, BPF or a process. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/alloc_collector.h"
#include "agent/collect/collector.h"
#include "agent/collect/cpu_collector.h"
#include "agent/collect/offcpu_collector.h"
#include "agent/core/agg_table.h"
#include "agent/core/session.h"
#include "agent/core/blocked_in.h"
#include "agent/core/profile_builder.h"
#include "agent/core/operator_build.h"
#include "agent/core/stack_cache.h"
#include "agent/core/state_rules.h"
#include "bpf/abi.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"
#include "symbolize/resolver.h"
#include "support.h"

#define PID 100
#define OTHER_PID 999
#define TASK_TID 101
#define MAIN_TID 102
#define RULES "backpressured *requestMemorySegmentBlocking\n"

/* ----------------------------------------------------------- fake resolver */

struct fake_sym {
	uint64_t addr;
	const char *name, *module;
	enum frame_kind kind;
};

/* User addresses; 0x7000 is a compiled frame with a method inlined into it. */
static const struct fake_sym user_syms[] = {
	{ 0x1000, "start_thread", "libc.so.6", FRAME_NATIVE },
	{ 0x2000, "StreamTask.invoke", "[java]", FRAME_JIT },
	{ 0x3000, "MyMapper.map", "[java]", FRAME_JIT },
	{ 0x4000, "LocalBufferPool.requestMemorySegmentBlocking", "[java]", FRAME_JIT },
	{ 0x5000, "OptoRuntime::new_instance_C", "libjvm.so", FRAME_NATIVE },
	{ 0x6000, "Interp.slow", "[java]", FRAME_INTERPRETED },
	/* Flink's own names: the task loop and a chaining hop (operators). */
	{ 0x8000, "org.apache.flink.streaming.runtime.tasks.StreamTask.invoke", "[java]", FRAME_JIT },
	{ 0x8200, "org.apache.flink.streaming.runtime.tasks.ChainingOutput.pushToOperator", "[java]",
	  FRAME_INLINED },
	{ 0x8400, "org.apache.flink.streaming.api.operators.StreamMap.processElement", "[java]",
	  FRAME_JIT },
};

static const struct fake_sym kern_syms[] = {
	{ 0xa000, "bpf_prog_123_sample", "[kernel]", FRAME_KERNEL },
	{ 0xb000, "do_syscall_64", "[kernel]", FRAME_KERNEL },
	{ 0xc000, "futex_wait", "[kernel]", FRAME_KERNEL },
};

struct fake_resolver {
	size_t user_calls, kernel_calls;
	pid_t last_pid;
};

/* Addresses within 0x100 of an entry name it (return addresses are one
 * byte further than the call). */
static const struct fake_sym *lookup(const struct fake_sym *t, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= t[i].addr && addr < t[i].addr + 0x100)
			return &t[i];
	return NULL;
}

static size_t fake_user_word(void *ctx, pid_t pid, uint64_t word, bool leaf, uint32_t epoch,
			     struct frame_sym *out, size_t max)
{
	struct fake_resolver *f = ctx;
	const struct fake_sym *s = lookup(user_syms, sizeof(user_syms) / sizeof(*user_syms),
					  leaf ? word : word - 1);

	(void)epoch;
	f->user_calls++;
	f->last_pid = pid;
	if (!max)
		return 0;
	if (word >= 0x7000 && word < 0x7100 && max >= 2) {
		out[0] = (struct frame_sym){ "Outer.run", "[java]", FRAME_JIT };
		out[1] = (struct frame_sym){ "Inner.hot", "[java]", FRAME_INLINED };
		return 2;
	}
	if (!s) {
		out[0] = (struct frame_sym){ "[unknown]", "[anon]", FRAME_UNKNOWN };
		return 1;
	}
	out[0] = (struct frame_sym){ s->name, s->module, s->kind };
	return 1;
}

static void fake_kernel(void *ctx, pid_t pid, uint64_t addr, struct frame_sym *out)
{
	struct fake_resolver *f = ctx;
	const struct fake_sym *s = lookup(kern_syms, sizeof(kern_syms) / sizeof(*kern_syms), addr);

	(void)pid;
	f->kernel_calls++;
	*out = s ? (struct frame_sym){ s->name, s->module, s->kind } :
		   (struct frame_sym){ "[unknown]", "[kernel]", FRAME_UNKNOWN };
}

static const struct resolver_ops fake_ops = { fake_user_word, fake_kernel };

/* ------------------------------------------------------------ fake targets */

static bool fake_target(void *ctx, pid_t pid, const char **label)
{
	(void)ctx;
	if (pid != PID)
		return false;
	*label = "tm-1";
	return true;
}

static const char *fake_thread_name(void *ctx, pid_t pid, pid_t tid)
{
	(void)ctx;
	(void)pid;
	return tid == TASK_TID ? "Source: A -> Map (1/2)#0" : NULL;
}

static const char *fake_class_name(void *ctx, pid_t pid, uint64_t klass)
{
	(void)ctx;
	(void)pid;
	return klass == 0x42 ? "byte[]" : NULL;
}

static const struct build_targets_ops fake_targets = { fake_target, fake_thread_name,
							fake_class_name };

/* --------------------------------------------------------- fake BPF stacks */

/* Stacks by id, leaf first, ended by 0. */
static const uint64_t stacks[][8] = {
	[1] = { 0x3000, 0x2001, 0x1001 },         /* map <- invoke <- start_thread */
	[2] = { 0xa000, 0xc001, 0xb001 },         /* kernel: tmprof's BPF program at the leaf */
	[3] = { 0x4000, 0x2001, 0x1001 },         /* requestMemorySegmentBlocking */
	[4] = { 0x5000, 0x3001, 0x2001, 0x1001 }, /* allocation through the runtime */
	[5] = { 0x7000, 0x6001, 0x1001 },         /* inlined chain over interpreted */
	[6] = { 0x3000, 0x8401, 0x8201, 0x8001, 0x1001 }, /* map in the 2nd operator */
	[7] = { 0x3000, 0x8001, 0x1001 },                 /* map in the head operator */
};

static struct test_stacks fake_stacks = { &stacks[0][0], sizeof(stacks) / sizeof(*stacks),
					   sizeof(*stacks) / sizeof(**stacks) };

struct fixture {
	struct agg_table cpu, spans, allocs;
	struct stack_cache user, kern;
	struct fake_resolver fr;
	struct resolver r;
	struct build_input in;
	struct state_rules rules;
	struct profile *p;
	struct build_result br;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[128];

	assert_non_null(f);
	assert_int_equal(agg_table_init(&f->cpu, sizeof(struct cpu_sample_key)), 0);
	assert_int_equal(agg_table_init(&f->spans, sizeof(struct sched_span_key)), 0);
	assert_int_equal(agg_table_init(&f->allocs, sizeof(struct alloc_key)), 0);
	assert_int_equal(stack_cache_init(&f->user, test_stacks_fetch, &fake_stacks), 0);
	assert_int_equal(stack_cache_init(&f->kern, test_stacks_fetch, &fake_stacks), 0);
	f->r = (struct resolver){ &fake_ops, &f->fr };
	/* The real kinds' functions read the rows: the builder knows no key. */
	f->in = (struct build_input){
		.kinds = {
			{ &cpu_collector_ops, SESSION_CPU, &f->cpu, &f->user, &f->kern },
			{ &offcpu_collector_ops, SESSION_OFFCPU, &f->spans, &f->user, &f->kern },
			{ &alloc_collector_ops, SESSION_ALLOC, &f->allocs, &f->user, NULL },
		},
		.nkinds = 3,
		.freq_hz = 100,
		.resolver = &f->r,
		.targets = &fake_targets,
	};
	assert_int_equal(state_rules_parse(RULES, strlen(RULES),
					   &f->rules, err, sizeof(err)),
			 0);
	f->p = profile_new();
	assert_non_null(f->p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	build_result_free(&f->br);
	profile_free(f->p);
	state_rules_free(&f->rules);
	stack_cache_free(&f->user);
	stack_cache_free(&f->kern);
	agg_table_free(&f->cpu);
	agg_table_free(&f->spans);
	agg_table_free(&f->allocs);
	free(f);
	return 0;
}

static void cpu_add(struct fixture *f, uint32_t pid, uint32_t tid, uint64_t user, int32_t kern,
		    uint64_t n)
{
	struct cpu_sample_key k = { .tgid = pid, .tid = tid, .user_stack = user,
				    .kern_stack_id = kern };

	snprintf(k.comm, sizeof(k.comm), "java");
	assert_int_equal(agg_table_add(&f->cpu, &k, n, 0), 0);
}

/* Find the sample whose leaf frame is named leaf (and, if tid, whose tid
 * label is tid). */
static const struct profile_stack *find(const struct profile *p, const char *leaf, const char *tid,
					struct profile_stack *st)
{
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		const char *t;

		profile_stack_get(p, i, st);
		t = profile_label_value(p, st->labels, PROFILE_LABEL_TID);
		if (st->depth && !strcmp(profile_frame_name(p, st->frames[st->depth - 1]), leaf) &&
		    (!tid || (t && !strcmp(t, tid))))
			return st;
	}
	fail_msg("no sample with leaf %s", leaf);
	return NULL;
}

static void test_cpu_structure_and_labels(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .process_roots = true, .cpu_stacks = true };
	const struct profile_stack *s;
	struct profile_stack st;
	char *text;

	cpu_add(f, PID, TASK_TID, 1, -1, 7);
	cpu_add(f, PID, MAIN_TID, 1, 2, 3);      /* kernel part below, BPF frames cut */
	cpu_add(f, PID, MAIN_TID, 0, -1, 2);     /* both stacks lost */
	cpu_add(f, OTHER_PID, 5, 1, -1, 1000);   /* not a target: left out */
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);

	/* Structure: names without suffixes, kinds and modules apart. */
	s = find(f->p, "MyMapper.map", "101", &st);
	assert_int_equal(s->depth, 3);
	assert_string_equal(profile_frame_name(f->p, s->frames[0]), "start_thread");
	assert_int_equal(profile_frame_kind(f->p, s->frames[0]), PROFILE_FRAME_NATIVE);
	assert_string_equal(profile_frame_module(f->p, s->frames[0]), "libc.so.6");
	assert_int_equal(profile_frame_kind(f->p, s->frames[2]), PROFILE_FRAME_JIT);
	assert_int_equal(s->values[0], 7);
	/* Labels: process, pid, thread, tid, the task's chain and subtask. */
	assert_string_equal(profile_label_value(f->p, s->labels, "process"), "tm-1");
	assert_string_equal(profile_label_value(f->p, s->labels, "pid"), "100");
	assert_string_equal(profile_label_value(f->p, s->labels, "thread"), "Source: A -> Map (1/2)#0");
	assert_string_equal(profile_label_value(f->p, s->labels, "operator_chain"), "Source: A -> Map");
	assert_string_equal(profile_label_value(f->p, s->labels, "subtask"), "1");
	assert_null(profile_label_value(f->p, s->labels, "state"));
	/* The JVM had no name for the main thread: its comm names it. */
	s = find(f->p, "futex_wait", "102", &st);
	assert_string_equal(profile_label_value(f->p, s->labels, "thread"), "java");
	assert_null(profile_label_value(f->p, s->labels, "operator_chain"));
	assert_int_equal(profile_frame_kind(f->p, s->frames[s->depth - 1]), PROFILE_FRAME_KERNEL);
	assert_int_equal(f->fr.last_pid, PID);

	/* The text writer adds suffixes and the root pseudo-frames. */
	text = test_folded_text(f->p);
	assert_string_equal(text,
			    "[tm-1 pid=100];[Source: A -> Map (1/2)#0 tid=101];start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 7\n"
			    "[tm-1 pid=100];[java tid=102];[lost stack] 2\n"
			    "[tm-1 pid=100];[java tid=102];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];do_syscall_64_[k];futex_wait_[k] 3\n");
	free(text);

	/* Totals: per thread and per leaf frame. */
	assert_int_equal(f->br.samples, 12);
	assert_int_equal(f->br.nthreads, 2);
	assert_int_equal(f->br.threads[0].tid, TASK_TID);
	assert_int_equal(f->br.threads[0].samples, 7);
	assert_int_equal(f->br.threads[1].samples, 5);
	assert_string_equal(profile_frame_name(f->p, f->br.leaves[0].name_id), "MyMapper.map");
	assert_int_equal(f->br.leaves[0].samples, 7);
}

static void test_no_roots_merges_text_not_labels(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .cpu_stacks = true };
	char *text;

	cpu_add(f, PID, TASK_TID, 1, -1, 7);
	cpu_add(f, PID, MAIN_TID, 1, -1, 3);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	/* Without thread roots no thread labels either: one sample. */
	assert_int_equal(profile_stack_count(f->p), 1);
	text = test_folded_text(f->p);
	assert_string_equal(text, "start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 10\n");
	free(text);
}

static void test_inlined_and_interpreted_frames(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .cpu_stacks = true };
	char *text;

	cpu_add(f, PID, TASK_TID, 5, -1, 4);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	text = test_folded_text(f->p);
	assert_string_equal(text, "[Source: A -> Map (1/2)#0 tid=101];start_thread;Interp.slow_[0];"
				  "Outer.run_[j];Inner.hot_[i] 4\n");
	free(text);
}

/* CPU samples of a task thread per operator of its chain: the number of
 * chaining hops after the task loop; no loop on the stack: unplaced. */
static void test_operators_of_task_thread(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .cpu_stacks = true };
	const struct profile_stack *s;
	struct profile_stack st;
	const struct thread_operators *ops;

	cpu_add(f, PID, TASK_TID, 6, -1, 5);
	cpu_add(f, PID, TASK_TID, 7, -1, 3);
	cpu_add(f, PID, TASK_TID, 1, -1, 2); /* "StreamTask.invoke" is not Flink's */
	cpu_add(f, PID, MAIN_TID, 6, -1, 4); /* no task: no operator */
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(f->br.threads[0].tid, TASK_TID);
	ops = f->br.threads[0].ops;
	assert_non_null(ops);
	assert_int_equal(ops->task.noperators, 2);
	assert_int_equal(ops->samples[0], 3);
	assert_int_equal(ops->samples[1], 5);
	assert_int_equal(ops->unplaced, 2);
	assert_null(f->br.threads[1].ops);
	/* The operator label (pprof carries it). */
	for (size_t i = 0; i < profile_stack_count(f->p); i++) {
		const char *op;

		profile_stack_get(f->p, i, &st);
		s = &st;
		op = profile_label_value(f->p, s->labels, "operator");
		if (strcmp(profile_label_value(f->p, s->labels, "tid"), "101")) {
			assert_null(op);
			continue;
		}
		assert_non_null(op);
		if (s->depth == 5)
			assert_string_equal(op, "Map");
		else if (s->depth == 3 && s->values[0] == 3)
			assert_string_equal(op, "Source: A");
		else
			assert_string_equal(op, "[unplaced]");
	}
}

static void test_spans_state_from_rules(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .span_stacks = true, .cpu_stacks = true,
				   .rules = &f->rules };
	struct sched_span_key k = { .tgid = PID, .tid = TASK_TID, .user_stack = 3,
				    .kern_stack_id = 2, .span = SPAN_BLOCKED };
	struct sched_span_key idle = { .tgid = PID, .tid = TASK_TID, .user_stack = 1,
				       .kern_stack_id = -1, .span = SPAN_BLOCKED };
	const struct profile_stack *s;
	struct profile_stack st;
	char *text;

	assert_int_equal(agg_table_add(&f->spans, &k, 5000000, 1), 0);
	assert_int_equal(agg_table_add(&f->spans, &idle, 2000000, 1), 0);
	cpu_add(f, PID, TASK_TID, 1, -1, 1);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	/* The rule names the method, no suffix: it matched the JIT frame. */
	s = find(f->p, "futex_wait", NULL, &st);
	assert_string_equal(profile_label_value(f->p, s->labels, "state"), "backpressured");
	assert_int_equal(s->values[0], 5000);
	assert_string_equal(profile_value_type(f->p, 0).type, "wall");
	assert_int_equal(f->br.threads[0].ns[STATE_BACKPRESSURED], 5000000);
	assert_int_equal(f->br.threads[0].ns[STATE_BLOCKED], 2000000);
	text = test_folded_text(f->p);
	assert_string_equal(text,
			    "[Source: A -> Map (1/2)#0 tid=101];[backpressured];start_thread;StreamTask.invoke_[j];LocalBufferPool.requestMemorySegmentBlocking_[j];do_syscall_64_[k];futex_wait_[k] 5000\n"
			    "[Source: A -> Map (1/2)#0 tid=101];[cpu];start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 10000\n"
			    "[Source: A -> Map (1/2)#0 tid=101];[sleep];start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 2000\n");
	free(text);
}

/* With category rules: a category label per CPU sample (none on off-CPU
 * time, whose blocked span takes its reason instead: no lock or io frame,
 * so sleep), counted per thread, and with category_roots a "[category]"
 * frame under the thread and state frames. */
static void test_cpu_categories(void **state)
{
	struct fixture *f = *state;
	struct category_rules cats;
	struct build_options o = { .thread_roots = true, .span_stacks = true, .cpu_stacks = true,
				   .rules = &f->rules, .categories = &cats, .category_roots = true };
	struct sched_span_key idle = { .tgid = PID, .tid = TASK_TID, .user_stack = 1,
				       .kern_stack_id = -1, .span = SPAN_BLOCKED };
	const struct profile_stack *s;
	struct profile_stack st;
	char *text;

	assert_int_equal(category_rules_default(&cats), 0);
	assert_int_equal(agg_table_add(&f->spans, &idle, 2000000, 1), 0);
	cpu_add(f, PID, TASK_TID, 1, -1, 3);
	cpu_add(f, PID, TASK_TID, 1, 2, 2); /* the kernel under the user function */
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	s = find(f->p, "futex_wait", NULL, &st);
	assert_string_equal(profile_label_value(f->p, s->labels, PROFILE_LABEL_CATEGORY), "user");
	assert_true(f->br.categories);
	assert_int_equal(f->br.threads[0].category_samples[CATEGORY_USER], 5);
	text = test_folded_text(f->p);
	assert_string_equal(text,
			    "[Source: A -> Map (1/2)#0 tid=101];[cpu];[user];start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 30000\n"
			    "[Source: A -> Map (1/2)#0 tid=101];[cpu];[user];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];do_syscall_64_[k];futex_wait_[k] 20000\n"
			    "[Source: A -> Map (1/2)#0 tid=101];[sleep];start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 2000\n");
	free(text);
	category_rules_free(&cats);
}

/* Blocked time splits by the category rules' blocked reasons: the deepest
 * matching frame decides, a kernel rule matches kernel frames, no match is
 * sleep. The totals keep blocked as the sum of its reasons. */
static void test_blocked_split_by_reason(void **state)
{
	static const char text[] = "lock prefix MyMapper.\nio kernel futex_wait\n";
	struct fixture *f = *state;
	struct category_rules cats;
	struct build_options o = { .thread_roots = true, .span_stacks = true, .rules = &f->rules,
				   .categories = &cats };
	struct sched_span_key lock = { .tgid = PID, .tid = TASK_TID, .user_stack = 1,
				       .kern_stack_id = -1, .span = SPAN_BLOCKED };
	struct sched_span_key io = { .tgid = PID, .tid = TASK_TID, .user_stack = 5,
				     .kern_stack_id = 2, .span = SPAN_BLOCKED };
	struct sched_span_key sleep = { .tgid = PID, .tid = TASK_TID, .user_stack = 5,
					.kern_stack_id = -1, .span = SPAN_BLOCKED };
	const struct thread_total *tt;
	const struct profile_stack *s;
	struct profile_stack st;
	char err[128];

	assert_int_equal(category_rules_parse(text, strlen(text), &cats, err, sizeof(err)), 0);
	assert_int_equal(agg_table_add(&f->spans, &lock, 3000000, 1), 0);
	assert_int_equal(agg_table_add(&f->spans, &io, 4000000, 1), 0);
	assert_int_equal(agg_table_add(&f->spans, &sleep, 1000000, 1), 0);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	tt = &f->br.threads[0];
	assert_int_equal(tt->blocked_ns[CATEGORY_LOCK - CATEGORY_LOCK], 3000000);
	assert_int_equal(tt->blocked_ns[CATEGORY_IO - CATEGORY_LOCK], 4000000);
	assert_int_equal(tt->blocked_ns[CATEGORY_SLEEP - CATEGORY_LOCK], 1000000);
	assert_int_equal(tt->ns[STATE_BLOCKED], 8000000);
	s = find(f->p, "MyMapper.map", NULL, &st);
	assert_string_equal(profile_label_value(f->p, s->labels, "state"), "lock");
	s = find(f->p, "futex_wait", NULL, &st);
	assert_string_equal(profile_label_value(f->p, s->labels, "state"), "io");
	assert_int_equal(s->values[0], 4000);
	/* Each wait's frame: the first user frame from the leaf, past the
	 * kernel's (these rules make every Java frame user code). */
	assert_non_null(tt->blocked_in);
	assert_int_equal(tt->blocked_in->n[REPORT_WAIT_LOCK], 1);
	assert_string_equal(profile_frame_name(f->p, tt->blocked_in->v[REPORT_WAIT_LOCK][0].name_id),
			    "MyMapper.map");
	assert_int_equal(tt->blocked_in->v[REPORT_WAIT_LOCK][0].samples, 3000000);
	assert_int_equal(tt->blocked_in->n[REPORT_WAIT_IO], 1);
	assert_string_equal(profile_frame_name(f->p, tt->blocked_in->v[REPORT_WAIT_IO][0].name_id),
			    "Inner.hot");
	assert_int_equal(tt->blocked_in->v[REPORT_WAIT_IO][0].samples, 4000000);
	assert_int_equal(tt->blocked_in->n[REPORT_WAIT_BACKPRESSURED], 0);
	category_rules_free(&cats);
}

/* Culprit rows: summed per culprit process, per thread and over all
 * targets; they are not run-queue time of their own (the SPAN_RUNQUEUE
 * rows carry it) and make no samples. */
static void test_culprit_rows(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .span_stacks = true, .rules = &f->rules };
	struct sched_span_key a = { .tgid = PID, .tid = TASK_TID, .kern_stack_id = -1,
				    .span = SPAN_CULPRIT, .comm = "stress", .culprit_tgid = 77 };
	struct sched_span_key b = { .tgid = PID, .tid = MAIN_TID, .kern_stack_id = -1,
				    .span = SPAN_CULPRIT, .comm = "stress-2", .culprit_tgid = 77 };
	struct sched_span_key own = { .tgid = PID, .tid = TASK_TID, .kern_stack_id = -1,
				      .span = SPAN_CULPRIT, .comm = "C2 Compiler", .culprit_tgid = PID };

	assert_int_equal(agg_table_add(&f->spans, &a, 3000, 1), 0);
	assert_int_equal(agg_table_add(&f->spans, &b, 5000, 1), 0);
	assert_int_equal(agg_table_add(&f->spans, &own, 1000, 1), 0);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(profile_stack_count(f->p), 0);
	assert_int_equal(f->br.culprits.n, 2);
	assert_int_equal(f->br.culprits.v[0].tgid, 77);
	assert_int_equal(f->br.culprits.v[0].ns, 8000);
	assert_string_equal(f->br.culprits.v[0].comm, "stress-2");
	assert_int_equal(f->br.culprits.v[1].tgid, PID);
	for (size_t i = 0; i < f->br.nthreads; i++) {
		const struct thread_total *tt = &f->br.threads[i];

		assert_int_equal(tt->ns[STATE_RUNQUEUE], 0);
		if (tt->tid == TASK_TID) {
			assert_string_equal(tt->name, "Source: A -> Map (1/2)#0");
			assert_int_equal(tt->culprits.n, 2);
		}
	}
}

static void test_allocs_two_values(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .alloc_stacks = true, .alloc_counts = true };
	struct alloc_key k = { .tgid = PID, .tid = TASK_TID, .user_stack = 4, .klass = 0x42 };
	struct alloc_key unknown = { .tgid = PID, .tid = TASK_TID, .user_stack = 1, .klass = 0x43 };
	const struct profile_stack *s;
	struct profile_stack st;
	char *text;

	assert_int_equal(agg_table_add(&f->allocs, &k, 4096, 3), 0);
	assert_int_equal(agg_table_add(&f->allocs, &unknown, 100, 1), 0);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(profile_value_count(f->p), 2);
	assert_string_equal(profile_value_type(f->p, 0).type, "alloc_space");
	assert_string_equal(profile_value_type(f->p, 1).type, "alloc_objects");
	/* Bytes and events in one sample; the runtime's frames below the
	 * allocating Java frame are cut, the class is the leaf. */
	s = find(f->p, "byte[]", NULL, &st);
	assert_int_equal(s->values[0], 4096);
	assert_int_equal(s->values[1], 3);
	assert_int_equal(s->count, 3); /* alloc_counts: the text shows events */
	assert_string_equal(profile_frame_name(f->p, s->frames[s->depth - 2]), "MyMapper.map");
	text = test_folded_text(f->p);
	assert_string_equal(text,
			    "[Source: A -> Map (1/2)#0 tid=101];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];[unknown class] 1\n"
			    "[Source: A -> Map (1/2)#0 tid=101];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];byte[] 3\n");
	free(text);
	assert_int_equal(profile_set_display_value(f->p, 0), 0);
	assert_int_equal(profile_total(f->p), 4196);
}

/* The report's hottest frames are the structure, not folded text. */
static void test_report_top_frames(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .cpu_stacks = true };
	struct session s = { .opts = { .events = SESSION_CPU, .freq_hz = 100 },
			     .start_ns = 1000000000ULL, .end_ns = 2000000000ULL };
	struct thread_report rep;
	const struct report_thread *t = NULL;

	cpu_add(f, PID, TASK_TID, 1, -1, 7);
	cpu_add(f, PID, TASK_TID, 5, -1, 3);
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(build_result_report(&s, &f->br, f->p, &rep), 0);
	for (size_t i = 0; i < rep.nthreads; i++)
		if (rep.threads[i].tid == TASK_TID)
			t = &rep.threads[i];
	assert_non_null(t);
	assert_int_equal(t->ntop, 2);
	assert_string_equal(t->top[0].frame, "MyMapper.map"); /* no _[j] */
	assert_string_equal(t->top[0].kind, "jit");
	assert_true(t->top[0].share > 0.69 && t->top[0].share < 0.71);
	assert_string_not_equal(t->top[1].kind, "jit");
	thread_report_free(&rep);
}

/* A new kind with no code in the builder: its collector reads its rows
 * and names its values. */
struct plain_key {
	uint32_t tgid, tid;
	uint64_t user_stack;
};

static void plain_sample_of(const void *key, uint64_t a, uint64_t b, struct collector_sample *out)
{
	const struct plain_key *k = key;

	*out = (struct collector_sample){ .tgid = k->tgid, .tid = k->tid, .comm = "plain",
					  .user_stack = k->user_stack, .kern_stack = -1,
					  .values = { a, b } };
}

static const struct collector_ops plain_ops = {
	.name = "plain",
	.key_size = sizeof(struct plain_key),
	.role = COLLECTOR_ROLE_SAMPLES,
	.sample_of = plain_sample_of,
	.value_types = { { "waits", "count" }, { "delay", "nanoseconds" } },
	.nvalues = 2,
};

static void test_plain_kind(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .thread_roots = true, .sample_kinds = 1u << 3 };
	struct plain_key k = { PID, TASK_TID, 1 }, lost = { PID, MAIN_TID, 0 };
	struct agg_table rows;
	char *text;

	assert_int_equal(agg_table_init(&rows, sizeof(k)), 0);
	assert_int_equal(agg_table_add(&rows, &k, 5, 700), 0);
	assert_int_equal(agg_table_add(&rows, &lost, 1, 20), 0);
	f->in.kinds[3] = (struct build_kind){ &plain_ops, 1u << 3, &rows, &f->user, NULL };
	f->in.nkinds = 4;
	cpu_add(f, PID, TASK_TID, 1, -1, 7); /* cpu_stacks off: not in this profile */
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(profile_value_count(f->p), 2);
	assert_string_equal(profile_value_type(f->p, 1).type, "delay");
	text = test_folded_text(f->p);
	assert_string_equal(text,
			    "[Source: A -> Map (1/2)#0 tid=101];start_thread;StreamTask.invoke_[j];MyMapper.map_[j] 5\n"
			    "[plain tid=102];[unknown stack] 1\n");
	free(text);
	/* Off in the options: no samples of it. */
	profile_free(f->p);
	build_result_free(&f->br);
	f->p = profile_new();
	o.sample_kinds = 0;
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(profile_stack_count(f->p), 0);
	agg_table_free(&rows);
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	struct build_options o = { .cpu_stacks = true };
	struct build_input in = f->in;

	in.resolver = NULL;
	assert_int_equal(profile_build(&in, f->p, &o, &f->br), -EINVAL);
	assert_int_equal(profile_build(NULL, f->p, &o, &f->br), -EINVAL);
	/* Nothing gathered: an empty profile. */
	assert_int_equal(profile_build(&f->in, f->p, &o, &f->br), 0);
	assert_int_equal(profile_stack_count(f->p), 0);
	assert_int_equal(f->br.nthreads, 0);
}

static void test_frame_intern_sym(void **state)
{
	struct fixture *f = *state;
	struct frame_sym unnamed = { NULL, "libfoo.so", FRAME_NATIVE };
	struct frame_sym k = { "do_syscall_64", "[kernel]", FRAME_KERNEL };
	uint32_t a, b;

	assert_int_equal(frame_intern_sym(f->p, &unnamed, &a), 0);
	assert_int_equal(profile_frame_kind(f->p, a), PROFILE_FRAME_UNKNOWN);
	assert_string_equal(profile_frame_module(f->p, a), "libfoo.so");
	assert_int_equal(frame_intern_sym(f->p, &k, &b), 0);
	assert_int_equal(profile_frame_kind(f->p, b), PROFILE_FRAME_KERNEL);
	assert_int_equal(profile_kind_of_sym(FRAME_INLINED), PROFILE_FRAME_INLINED);
	assert_int_equal(profile_kind_of_sym((enum frame_kind)99), PROFILE_FRAME_NATIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpu_structure_and_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_roots_merges_text_not_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inlined_and_interpreted_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operators_of_task_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spans_state_from_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_categories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocked_split_by_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_culprit_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocs_two_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_top_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_intern_sym, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
