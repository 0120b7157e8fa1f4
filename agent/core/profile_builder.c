#include "agent/core/profile_builder.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/jvm/klass_names.h"
#include "agent/collect/offcpu_tracer.h"
#include "agent/core/session.h"
#include "agent/core/target.h"
#include "agent/core/thread_kind.h"
#include "agent/jvm/thread_names.h"
#include "bpf/abi.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"
#include "symbolize/symbolizer.h"

/* The report's state columns are the scheduler/rules states, in order. */
_Static_assert((int)REPORT_CPU == (int)STATE_CPU && (int)REPORT_RUNQUEUE == (int)STATE_RUNQUEUE &&
		       (int)REPORT_BACKPRESSURED == (int)STATE_BACKPRESSURED &&
		       (int)REPORT_IDLE == (int)STATE_IDLE && (int)REPORT_BLOCKED == (int)STATE_BLOCKED &&
		       (int)REPORT_STATE__MAX == (int)STATE__MAX,
	       "report and state enums must line up");

/* User and kernel stacks, root frames, and room for inlined Java frames
 * (a compiled frame expands to its inlining chain). */
#define MAX_FRAMES (4 * TMPROF_MAX_STACK_DEPTH + 3)
#define FRAME_TEXT_MAX 1024

int frame_format(char *buf, size_t len, const char *name, const char *module, int kind)
{
	static const char *const suffix[] = {
		[FRAME_KERNEL] = "_[k]",
		[FRAME_NATIVE] = "",
		[FRAME_JIT] = "_[j]",
		[FRAME_INLINED] = "_[i]",
		[FRAME_INTERPRETED] = "_[0]",
	};
	int n;

	if (kind == FRAME_UNKNOWN || !name || !*name)
		n = snprintf(buf, len, "[unknown] (%s)", module && *module ? module : "?");
	else if (kind >= FRAME_KERNEL && kind <= FRAME_INTERPRETED)
		n = snprintf(buf, len, "%s%s", name, suffix[kind]);
	else
		n = snprintf(buf, len, "%s", name);
	return n < 0 ? -EINVAL : 0;
}

static struct target *target_find(struct session *s, pid_t pid)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].pid == pid)
			return &s->targets[i];
	return NULL;
}

/* A thread's comm, per (tgid, tid), with its CPU samples. A new thread
 * starts with its creator's comm and gets its own name a moment later;
 * sampled from its first instruction, it shows both. Without a name from the
 * JVM (it exited before the next thread dump), the comm it carried in most
 * samples names it, so its few early samples do not count for its creator. */
struct tid_comm {
	uint32_t tgid, tid;
	char comm[TMPROF_COMM_LEN];
	uint64_t samples;
};

static int tid_comm_cmp(const void *a, const void *b)
{
	const struct tid_comm *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return 0;
}

/* One entry per (tgid, tid): its most sampled comm. */
static int tid_comms_build(const struct agg_table *tab, struct tid_comm **out, size_t *n)
{
	struct tid_comm *all;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!tab->count)
		return 0;
	all = calloc(tab->count, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < tab->count; i++) {
		const struct cpu_sample_key *key = (const void *)tab->entries[i].key;

		all[i].tgid = key->tgid;
		all[i].tid = key->tid;
		memcpy(all[i].comm, key->comm, sizeof(all[i].comm));
		all[i].samples = tab->entries[i].a;
	}
	qsort(all, tab->count, sizeof(*all), tid_comm_cmp);
	/* Within one tid, sum per comm (few comms per tid: compare back). */
	for (size_t i = 0; i < tab->count;) {
		size_t j = i, best = i;
		uint64_t best_n = 0;

		while (j < tab->count && !tid_comm_cmp(&all[i], &all[j]))
			j++;
		for (size_t a = i; a < j; a++) {
			uint64_t sum = 0;

			for (size_t c = i; c < j; c++)
				if (!strncmp(all[a].comm, all[c].comm, TMPROF_COMM_LEN))
					sum += all[c].samples;
			if (sum > best_n) {
				best_n = sum;
				best = a;
			}
		}
		all[k] = all[best];
		all[k++].samples = best_n;
		i = j;
	}
	*out = all;
	*n = k;
	return 0;
}

static const char *thread_name(const struct target *t, pid_t tid, const char *comm, char *buf,
			       size_t len, const struct tid_comm *comms, size_t ncomms)
{
	const char *name = t->names ? thread_names_get(t->names, tid) : NULL;
	struct tid_comm want = { .tgid = (uint32_t)t->pid, .tid = (uint32_t)tid };
	const struct tid_comm *c;

	if (name)
		return name;
	c = ncomms ? bsearch(&want, comms, ncomms, sizeof(*comms), tid_comm_cmp) : NULL;
	snprintf(buf, len, "%.*s", TMPROF_COMM_LEN, c ? c->comm : comm);
	return buf;
}

static const char *process_label(const struct target *t)
{
	if (!t->is_jvm)
		return "process";
	if (jvm_kind_is_taskmanager(t->jvm.kind))
		return t->jvm.resource_id[0] ? t->jvm.resource_id : "TaskManager";
	return t->jvm.main_class[0] ? t->jvm.main_class : "JVM";
}

static int intern_fmt(struct profile *p, uint32_t *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int intern_fmt(struct profile *p, uint32_t *id, const char *fmt, ...)
{
	char buf[FRAME_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return profile_intern(p, buf, id);
}

static int intern_frame(struct profile *p, const struct frame_sym *fs, uint32_t *id)
{
	char buf[FRAME_TEXT_MAX];
	int err = frame_format(buf, sizeof(buf), fs->name, fs->module, fs->kind);

	return err ? err : profile_intern(p, buf, id);
}

/* Stacks taken in a tracepoint end in tmprof's own BPF program and the
 * tracepoint glue: not part of what the thread was doing. */
static uint32_t kernel_leaf_skip(struct target *t, const struct stack_copy *kern)
{
	uint32_t skip = 0;
	struct frame_sym fs;

	if (!kern)
		return 0;
	for (; skip < kern->depth; skip++) {
		process_symbolizer_resolve_kernel(t->sym, kern->ips[skip], &fs);
		/* A BPF program loaded after kallsyms was read is unknown. */
		if (fs.kind != FRAME_UNKNOWN && strncmp(fs.name, "bpf_prog_", 9) &&
		    strncmp(fs.name, "bpf_trace_run", 13) && strncmp(fs.name, "__bpf_trace_", 12))
			break;
	}
	return skip;
}

/* Appends frames root first: the kernel stores stacks leaf first, and the
 * kernel part of a stack sits leafward of the user part. Return addresses
 * point after their call, so all but the leaf are looked up one byte
 * earlier, inside the call. */
static int append_stack(struct profile *p, struct target *t, const struct stack_copy *user,
			const struct stack_copy *kern, uint32_t *frames, uint32_t *depth)
{
	struct frame_sym fs, words[TARGET_MAX_INLINED];
	/* Keep room for the kernel stack below the user part. */
	uint32_t user_max = MAX_FRAMES - TMPROF_MAX_STACK_DEPTH - 1;
	uint32_t epoch = user ? target_stack_epoch(user->ips, user->depth) : 0;
	int err;

	for (uint32_t i = user ? user->depth : 0; i-- > 0;) {
		size_t n = *depth < user_max ? user_max - *depth : 0;

		n = target_resolve_word(t, user->ips[i], i == 0, epoch, words,
					n < TARGET_MAX_INLINED ? n : TARGET_MAX_INLINED);
		for (size_t k = 0; k < n; k++) {
			err = intern_frame(p, &words[k], &frames[(*depth)++]);
			if (err)
				return err;
		}
	}
	for (uint32_t i = kern ? kern->depth : 0; i-- > kernel_leaf_skip(t, kern);) {
		process_symbolizer_resolve_kernel(t->sym, i ? kern->ips[i] - 1 : kern->ips[i], &fs);
		err = intern_frame(p, &fs, &frames[(*depth)++]);
		if (err)
			return err;
	}
	return 0;
}

static struct thread_total *thread_total_get(struct build_result *r, pid_t pid, pid_t tid,
					     uint32_t name_id, const char *name)
{
	struct thread_total *grown;

	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid && r->threads[i].pid == pid)
			return &r->threads[i];
	grown = realloc(r->threads, (r->nthreads + 1) * sizeof(*r->threads));
	if (!grown)
		return NULL;
	r->threads = grown;
	memset(&r->threads[r->nthreads], 0, sizeof(*r->threads));
	r->threads[r->nthreads].pid = pid;
	r->threads[r->nthreads].tid = tid;
	r->threads[r->nthreads].name_id = name_id;
	r->threads[r->nthreads].name = strdup(name);
	if (!r->threads[r->nthreads].name)
		return NULL;
	return &r->threads[r->nthreads++];
}

static int frame_total_add(struct frame_total **arr, size_t *n, size_t *cap, uint32_t id,
			   uint64_t samples)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*arr)[i].name_id == id) {
			(*arr)[i].samples += samples;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct frame_total *g = realloc(*arr, ncap * sizeof(**arr));

		if (!g)
			return -ENOMEM;
		*arr = g;
		*cap = ncap;
	}
	(*arr)[(*n)++] = (struct frame_total){ id, samples };
	return 0;
}

/* The frames every stack of a thread starts with. */
static int stack_roots(struct profile *p, const struct build_options *o, struct target *t,
		       uint32_t thread_id, int state, uint32_t *frames, uint32_t *depth)
{
	int err = 0;

	if (o->process_roots)
		err = intern_fmt(p, &frames[(*depth)++], "[%s pid=%d]", process_label(t), t->pid);
	if (!err && o->thread_roots)
		frames[(*depth)++] = thread_id;
	if (!err && state >= 0 && o->span_stacks)
		err = intern_fmt(p, &frames[(*depth)++], "[%s]", thread_state_name(state));
	return err;
}

struct builder {
	struct session *s;
	struct profile *p;
	const struct build_options *o;
	struct build_result *r;
	size_t leaves_cap;
	struct tid_comm *comms; /* from the CPU samples, by (tgid, tid) */
	size_t ncomms;
};

static int thread_of(struct builder *b, struct target *t, pid_t tid, const char *comm,
		     struct thread_total **tt)
{
	char buf[TMPROF_COMM_LEN + 1];
	const char *name = thread_name(t, tid, comm, buf, sizeof(buf), b->comms, b->ncomms);
	uint32_t id;
	int err = intern_fmt(b->p, &id, "[%s tid=%d]", name, tid);

	if (err)
		return err;
	*tt = thread_total_get(b->r, t->pid, tid, id, name);
	return *tt ? 0 : -ENOMEM;
}

static int add_cpu_samples(struct builder *b)
{
	const struct agg_table *tab = &session_collector(b->s, SESSION_CPU)->rows;
	/* In wall mode a sample stands for 1/HZ s of CPU, in microseconds. */
	uint64_t weight = b->o->span_stacks ? 1000000ULL / b->s->opts.freq_hz : 1;

	for (size_t i = 0; i < tab->count; i++) {
		const struct cpu_sample_key *key = (const void *)tab->entries[i].key;
		uint64_t n = tab->entries[i].a;
		struct target *t = target_find(b->s, (pid_t)key->tgid);
		const struct stack_copy *user, *kern;
		uint32_t frames[MAX_FRAMES], depth = 0;
		struct thread_total *tt;
		bool fresh;
		int err;

		if (!t)
			continue;
		err = thread_of(b, t, (pid_t)key->tid, key->comm, &tt);
		if (!err)
			err = stack_roots(b->p, b->o, t, tt->name_id, STATE_CPU, frames, &depth);
		user = !key->user_stack ? NULL :
			stack_cache_get(&session_collector(b->s, SESSION_CPU)->user_stacks, key->user_stack, &fresh);
		kern = key->kern_stack_id < 0 ? NULL :
			stack_cache_get(&session_collector(b->s, SESSION_CPU)->kern_stacks, (uint64_t)key->kern_stack_id, &fresh);
		if (!err)
			err = append_stack(b->p, t, user, kern, frames, &depth);
		/* Both stacks lost (or empty, with no root frames): keep the
		 * sample visible rather than gone, and give it a leaf. */
		if (!err && ((!user && !kern) || depth == 0))
			err = profile_intern(b->p, "[lost stack]", &frames[depth++]);
		if (!err && b->o->cpu_stacks)
			err = profile_add(b->p, frames, depth, n * weight);
		if (!err)
			err = frame_total_add(&tt->leaves, &tt->nleaves, &tt->leaves_cap,
					      frames[depth - 1], n);
		if (!err)
			err = frame_total_add(&b->r->leaves, &b->r->nleaves, &b->leaves_cap,
					      frames[depth - 1], n);
		if (err)
			return err;
		tt->samples += n;
		b->r->samples += n;
	}
	return 0;
}

/* The state of a blocked span is decided by the rules on its stack. */
static int span_state(struct builder *b, const struct sched_span_key *key, const uint32_t *frames,
		      uint32_t from, uint32_t depth)
{
	const char *names[MAX_FRAMES];

	if (key->span == SPAN_ONCPU)
		return STATE_CPU;
	if (key->span == SPAN_RUNQUEUE)
		return STATE_RUNQUEUE;
	if (!b->o->rules)
		return STATE_BLOCKED;
	for (uint32_t i = from; i < depth; i++)
		names[i - from] = profile_string(b->p, frames[i]);
	return state_rules_classify(b->o->rules, names, depth - from);
}

static int add_spans(struct builder *b)
{
	const struct agg_table *tab = &session_collector(b->s, SESSION_OFFCPU)->rows;

	for (size_t i = 0; i < tab->count; i++) {
		const struct sched_span_key *key = (const void *)tab->entries[i].key;
		uint64_t ns = tab->entries[i].a;
		struct target *t = target_find(b->s, (pid_t)key->tgid);
		const struct stack_copy *user, *kern;
		uint32_t stack[MAX_FRAMES], frames[MAX_FRAMES], nstack = 0, depth = 0;
		struct thread_total *tt;
		bool fresh;
		int state, err;

		if (!t || key->span >= SPAN__MAX)
			continue;
		err = thread_of(b, t, (pid_t)key->tid, key->comm, &tt);
		user = !key->user_stack ? NULL :
			stack_cache_get(&session_collector(b->s, SESSION_OFFCPU)->user_stacks, key->user_stack, &fresh);
		kern = key->kern_stack_id < 0 ? NULL :
			stack_cache_get(&session_collector(b->s, SESSION_OFFCPU)->kern_stacks, (uint64_t)key->kern_stack_id, &fresh);
		if (!err)
			err = append_stack(b->p, t, user, kern, stack, &nstack);
		if (err)
			return err;
		state = span_state(b, key, stack, 0, nstack);
		tt->ns[state] += ns;
		b->r->span_ns += ns;
		/* On-CPU spans carry no stack: the CPU samples show where. */
		if (!b->o->span_stacks || state == STATE_CPU || ns < 1000)
			continue;
		err = stack_roots(b->p, b->o, t, tt->name_id, state, frames, &depth);
		if (!err && !nstack)
			err = profile_intern(b->p, "[unknown stack]", &stack[nstack++]);
		if (err)
			return err;
		memcpy(frames + depth, stack, nstack * sizeof(*stack));
		err = profile_add(b->p, frames, depth + nstack, ns / 1000);
		if (err)
			return err;
	}
	return 0;
}

static bool is_java_frame(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && name[n - 4] == '_' && name[n - 3] == '[' && name[n - 1] == ']' &&
	       (name[n - 2] == 'j' || name[n - 2] == 'i' || name[n - 2] == '0');
}

/* The JVM's allocation path below the allocating Java frame (runtime stub,
 * OptoRuntime::new_instance_C, MemAllocator, AllocTracer) is the same for
 * every site: drop it so that the class sits right under the Java code. */
static uint32_t trim_allocator_frames(const struct profile *p, const uint32_t *frames,
				      uint32_t depth)
{
	for (uint32_t i = depth; i-- > 0;)
		if (is_java_frame(profile_string(p, frames[i])))
			return i + 1;
	return depth;
}

/* Allocations: the allocating stack, then the allocated class as the leaf
 * ("byte[]", "java.lang.String"), weighted by bytes or by events. */
static int add_allocs(struct builder *b)
{
	const struct agg_table *tab = &session_collector(b->s, SESSION_ALLOC)->rows;

	for (size_t i = 0; i < tab->count; i++) {
		const struct alloc_key *key = (const void *)tab->entries[i].key;
		uint64_t weight = b->o->alloc_counts ? tab->entries[i].b : tab->entries[i].a;
		struct target *t = target_find(b->s, (pid_t)key->tgid);
		uint32_t frames[MAX_FRAMES], depth = 0;
		const struct stack_copy *user;
		const char *cls = NULL;
		struct thread_total *tt;
		bool fresh;
		int err;

		if (!t)
			continue;
		err = thread_of(b, t, (pid_t)key->tid, key->comm, &tt);
		if (!err)
			err = stack_roots(b->p, b->o, t, tt->name_id, -1, frames, &depth);
		user = !key->user_stack ? NULL :
			stack_cache_get(&session_collector(b->s, SESSION_ALLOC)->user_stacks, key->user_stack, &fresh);
		if (!err)
			err = append_stack(b->p, t, user, NULL, frames, &depth);
		if (!err)
			depth = trim_allocator_frames(b->p, frames, depth);
		if (t->klasses)
			cls = klass_names_get(t->klasses, key->klass);
		if (!err)
			err = cls ? profile_intern(b->p, cls, &frames[depth++]) :
				    intern_fmt(b->p, &frames[depth++], "[unknown class]");
		if (!err && b->o->alloc_stacks)
			err = profile_add(b->p, frames, depth, weight);
		if (err)
			return err;
	}
	return 0;
}

static int frame_total_cmp(const void *a, const void *b)
{
	const struct frame_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return (x->name_id > y->name_id) - (x->name_id < y->name_id);
}

static int thread_total_cmp(const void *a, const void *b)
{
	const struct thread_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	if (x->ns[STATE_CPU] != y->ns[STATE_CPU])
		return x->ns[STATE_CPU] < y->ns[STATE_CPU] ? 1 : -1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

int profile_build(struct session *s, struct profile *p, const struct build_options *opts,
		  struct build_result *out)
{
	struct builder b = { .s = s, .p = p, .o = opts, .r = out };
	int err;

	memset(out, 0, sizeof(*out));
	err = tid_comms_build(&session_collector(s, SESSION_CPU)->rows, &b.comms, &b.ncomms);
	if (!err)
		err = add_cpu_samples(&b);
	if (!err)
		err = add_spans(&b);
	if (!err)
		err = add_allocs(&b);
	free(b.comms);
	if (err) {
		build_result_free(out);
		return err;
	}
	/* qsort's base must not be NULL even for 0 elements (UBSan): no samples
	 * leaves both arrays unallocated. */
	if (out->nthreads)
		qsort(out->threads, out->nthreads, sizeof(*out->threads), thread_total_cmp);
	for (size_t i = 0; i < out->nthreads; i++)
		if (out->threads[i].nleaves)
			qsort(out->threads[i].leaves, out->threads[i].nleaves,
			      sizeof(struct frame_total), frame_total_cmp);
	if (out->nleaves)
		qsort(out->leaves, out->nleaves, sizeof(*out->leaves), frame_total_cmp);
	return 0;
}

void build_result_free(struct build_result *r)
{
	for (size_t i = 0; i < r->nthreads; i++) {
		free(r->threads[i].leaves);
		free(r->threads[i].name);
	}
	free(r->threads);
	free(r->leaves);
	memset(r, 0, sizeof(*r));
}

static int report_task(struct report_thread *rt, const char *name)
{
	struct task_name tn;

	if (task_name_parse(name, &tn))
		return 0;
	rt->is_task = true;
	rt->task.subtask = tn.subtask;
	rt->task.parallelism = tn.parallelism;
	rt->task.attempt = tn.attempt;
	for (int i = 0; i < tn.noperators && i < REPORT_MAX_CHAIN; i++) {
		rt->task.chain[i] = strdup(tn.operators[i]);
		if (!rt->task.chain[i])
			return -ENOMEM;
		rt->task.nchain++;
	}
	return 0;
}

int build_result_report(const struct session *s, const struct build_result *b,
			const struct profile *names, struct thread_report *out)
{
	double secs = session_elapsed_s(s);
	bool spans = s->opts.events & SESSION_OFFCPU, cpu = s->opts.events & SESSION_CPU;
	int err;

	memset(out, 0, sizeof(*out));
	out->duration_s = secs;
	if (secs <= 0)
		secs = 1e-9;
	for (size_t i = 0; i < b->nthreads; i++) {
		const struct thread_total *tt = &b->threads[i];
		struct report_thread *rt = thread_report_add(out);

		if (!rt)
			return -ENOMEM;
		rt->pid = tt->pid;
		rt->tid = tt->tid;
		rt->name = strdup(tt->name);
		rt->kind = strdup(thread_kind_name(thread_kind_of(tt->name)));
		if (!rt->name || !rt->kind)
			return -ENOMEM;
		err = report_task(rt, tt->name);
		if (err)
			return err;
		/* The scheduler's on-CPU time is exact; samples estimate it. */
		for (int st = 0; st < STATE__MAX; st++) {
			rt->measured[st] = spans || (st == STATE_CPU && cpu);
			rt->ms_per_s[st] = (double)tt->ns[st] / 1e6 / secs;
		}
		if (!spans && cpu)
			rt->ms_per_s[STATE_CPU] =
				(double)tt->samples * 1000.0 / s->opts.freq_hz / secs;
		for (size_t f = 0; f < tt->nleaves && rt->ntop < REPORT_TOP_FRAMES; f++) {
			rt->top[rt->ntop].frame = strdup(profile_string(names, tt->leaves[f].name_id));
			if (!rt->top[rt->ntop].frame)
				return -ENOMEM;
			rt->top[rt->ntop++].share = (double)tt->leaves[f].samples / (double)tt->samples;
		}
	}
	thread_report_sort(out);
	return 0;
}
